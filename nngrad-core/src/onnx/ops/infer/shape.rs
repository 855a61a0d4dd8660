//! Shape rules of the data-movement family (Reshape, Transpose, Slice, Gather, Concat, …),
//! the shape and integer operators and the constants. Integer inputs that decide a shape
//! (Reshape's shape, Slice's starts, Split's sizes, …) must be known at load.

use super::{one, opt, req, Meta};
use crate::onnx::load::{Const, Node};
use crate::onnx::ops::shape::{
    axis_of, concat_shape, flatten_shape, gather_shape, perm_of, reshape_target, shape_values,
    slice_plan, split_sizes, squeezed_shape, unsqueezed_shape,
};
use crate::onnx::proto::data_type as dt;
use crate::onnx::tensor::{broadcast_shapes, Tensor};
use std::sync::Arc;

type Rule = Result<Vec<Option<Meta>>, String>;

pub(crate) fn identity(_: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "input")?;
    one(x.like(x.shape.clone()))
}

pub(crate) fn dropout(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    if let Some(t) = opt(ins, 2) {
        if t.ints("training_mode")?.first().copied().unwrap_or(0) != 0 {
            return Err("training mode is not supported (inference only)".into());
        }
    }
    if node.attr("is_test").is_some_and(|a| a.i == 0) && node.outputs.len() > 1 {
        return Err("is_test=0 (training mode) is not supported".into());
    }
    Ok(vec![
        Some(x.like(x.shape.clone())),
        Some(Meta::int(x.shape.clone())),
    ])
}

pub(crate) fn flatten(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "input")?;
    let r = x.shape.len() as i64;
    let a = node.int("axis", 1);
    let axis = if a < 0 { a.saturating_add(r) } else { a };
    if axis < 0 || axis > r {
        return Err(format!("axis {a} is out of range for rank {r}"));
    }
    one(x.like(flatten_shape(&x.shape, axis as usize)?))
}

pub(crate) fn reshape(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    let spec = match opt(ins, 1) {
        Some(s) => s.ints("shape")?,
        None => node
            .ints("shape")
            .ok_or("needs a shape input (or the opset < 5 shape attribute)")?
            .to_vec(),
    };
    let shape = reshape_target(&x.shape, &spec, node.int("allowzero", 0) != 0)?;
    one(x.like(shape))
}

pub(crate) fn transpose(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    let perm = perm_of(node, x.shape.len())?;
    one(x.like(perm.iter().map(|&p| x.shape[p]).collect()))
}

fn axes(node: &Node, ins: &[Option<&Meta>]) -> Result<Option<Vec<i64>>, String> {
    Ok(match opt(ins, 1) {
        Some(a) => Some(a.ints("axes")?),
        None => node.ints("axes").map(<[i64]>::to_vec),
    })
}

pub(crate) fn squeeze(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    one(x.like(squeezed_shape(&x.shape, axes(node, ins)?)?))
}

pub(crate) fn unsqueeze(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    let a = axes(node, ins)?.ok_or("needs axes")?;
    one(x.like(unsqueezed_shape(&x.shape, &a)?))
}

pub(crate) fn concat(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let vals: Vec<&Meta> = ins.iter().flatten().copied().collect();
    let first = vals.first().ok_or("needs at least one input")?;
    let axis = axis_of(node.int("axis", 0), first.shape.len())?;
    let shapes: Vec<&[usize]> = vals.iter().map(|v| v.shape.as_slice()).collect();
    let shape = concat_shape(&shapes, axis)?;
    let int = vals.iter().all(|v| v.int);
    one(Meta::new(shape, int))
}

pub(crate) fn split(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "input")?;
    let axis = axis_of(node.int("axis", 0), x.shape.len())?;
    let given = opt(ins, 1).map(|v| v.ints("split")).transpose()?;
    let sizes = split_sizes(node, x.shape[axis], given)?;
    Ok(sizes
        .iter()
        .map(|&len| {
            let mut s = x.shape.clone();
            s[axis] = len;
            Some(x.like(s))
        })
        .collect())
}

pub(crate) fn slice(node: &Node, ins: &[Option<&Meta>], opset: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    let (starts, ends, axes, steps) = if opset < 10 {
        (
            node.ints("starts").ok_or("needs starts")?.to_vec(),
            node.ints("ends").ok_or("needs ends")?.to_vec(),
            node.ints("axes").map(<[i64]>::to_vec),
            None,
        )
    } else {
        (
            req(ins, 1, "starts")?.ints("starts")?,
            req(ins, 2, "ends")?.ints("ends")?,
            opt(ins, 3).map(|v| v.ints("axes")).transpose()?,
            opt(ins, 4).map(|v| v.ints("steps")).transpose()?,
        )
    };
    let ranges = slice_plan(&x.shape, &starts, &ends, axes, steps)?;
    one(x.like(ranges.iter().map(|r| r.2).collect()))
}

pub(crate) fn gather(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    let ind = req(ins, 1, "indices")?;
    let axis = axis_of(node.int("axis", 0), x.shape.len())?;
    if !ind.int && ind.value.is_none() {
        return Err("indices must be an integer tensor".into());
    }
    if let Some(Const::Int(t)) = &ind.value {
        let d = i64::try_from(x.shape[axis]).unwrap_or(i64::MAX);
        if let Some(i) = t.data.iter().find(|&&i| i < -d || i >= d) {
            return Err(format!(
                "index {i} is out of range for axis {axis} of length {d}"
            ));
        }
    }
    one(x.like(gather_shape(&x.shape, axis, &ind.shape)))
}

pub(crate) fn shape_op(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    let s = shape_values(&x.shape)?;
    let r = s.len() as i64;
    let clampi = |v: i64| {
        let v = if v < 0 { v.saturating_add(r) } else { v };
        v.clamp(0, r) as usize
    };
    let (start, end) = (clampi(node.int("start", 0)), clampi(node.int("end", r)));
    let v = if end > start {
        s[start..end].to_vec()
    } else {
        vec![]
    };
    // the value depends on the shape only, which is known: downstream shapes can use it
    one(Meta::of_const(&Const::Int(Arc::new(Tensor::new(
        vec![v.len()],
        v,
    )))))
}

pub(crate) fn expand(_: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "input")?;
    let spec = req(ins, 1, "shape")?.ints("shape")?;
    let spec: Vec<usize> = spec
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("shape {spec:?} has a negative dim")))
        .collect::<Result<_, _>>()?;
    one(x.like(broadcast_shapes(&x.shape, &spec)?))
}

pub(crate) fn cast(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "input")?;
    let to = node.int("to", i64::from(dt::FLOAT));
    let to32 = i32::try_from(to).unwrap_or(0);
    if dt::is_float(to32) {
        return one(Meta::float(x.shape.clone()));
    }
    if to32 == dt::STRING || to32 <= 0 || to32 > 13 {
        return Err(format!("cast to {} is not supported", dt::name(to32)));
    }
    one(Meta::int(x.shape.clone()))
}

pub(crate) fn constant(node: &Node, _: &[Option<&Meta>], _: i64) -> Rule {
    let a = |n: &str| node.attr(n);
    let c = if let Some(t) = a("value").and_then(|a| a.t.as_ref()) {
        t.clone()
    } else if let Some(x) = a("value_float") {
        Const::Float(Arc::new(Tensor::scalar(x.f)))
    } else if let Some(x) = a("value_floats") {
        Const::Float(Arc::new(Tensor::new(
            vec![x.floats.len()],
            x.floats.clone(),
        )))
    } else if let Some(x) = a("value_int") {
        Const::Int(Arc::new(Tensor::scalar(x.i)))
    } else if let Some(x) = a("value_ints") {
        Const::Int(Arc::new(Tensor::new(vec![x.ints.len()], x.ints.clone())))
    } else {
        return Err("needs a value (tensor, float(s) or int(s)); sparse and string constants are not supported".into());
    };
    one(Meta::of_const(&c))
}

pub(crate) fn constant_of_shape(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let spec = req(ins, 0, "input")?.ints("shape")?;
    let shape: Vec<usize> = spec
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("shape {spec:?} has a negative dim")))
        .collect::<Result<_, _>>()?;
    match node.attr("value").and_then(|a| a.t.as_ref()) {
        None => one(Meta::float(shape)),
        Some(Const::Float(t)) if !t.data.is_empty() => one(Meta::float(shape)),
        Some(Const::Int(t)) if !t.data.is_empty() => one(Meta::int(shape)),
        Some(_) => Err("value is empty".into()),
    }
}
