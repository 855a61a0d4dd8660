//! Shape rules of the reduction family: reductions and ArgMax drop or keep axes, Softmax
//! keeps the shape, BatchNormalization's parameters have one value per channel,
//! LayerNormalization's statistics have the leading axes.

use super::{one, opt, req, Meta};
use crate::onnx::load::Node;
use crate::onnx::ops::reduce::{per_channel_shape, reduced_axes, reduced_shape};
use crate::onnx::ops::shape::axis_of;
use crate::onnx::tensor::broadcast_shapes;

type Rule = Result<Vec<Option<Meta>>, String>;

fn float_only(x: &Meta) -> Result<(), String> {
    if x.int {
        return Err("expects a float tensor, got an integer one".into());
    }
    Ok(())
}

pub(crate) fn reduce(node: &Node, ins: &[Option<&Meta>], opset: i64) -> Rule {
    crate::onnx::ops::reduce::check_reduce_inputs(&node.op, opset, ins)?;
    let x = req(ins, 0, "data")?;
    let axes = match opt(ins, 1) {
        Some(a) => a.ints("axes")?,
        None => node.ints("axes").map(<[i64]>::to_vec).unwrap_or_default(),
    };
    let keepdims = node.int("keepdims", 1) != 0;
    match reduced_axes(node, x.shape.len(), &axes)? {
        None => one(x.like(x.shape.clone())),
        Some(r) => one(x.like(reduced_shape(&x.shape, &r, keepdims))),
    }
}

pub(crate) fn argmax(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "data")?;
    let axis = axis_of(node.int("axis", 0), x.shape.len())?;
    if x.shape[axis] == 0 {
        return Err("ArgMax over an empty axis".into());
    }
    let mut shape = x.shape.clone();
    if node.int("keepdims", 1) != 0 {
        shape[axis] = 1;
    } else {
        shape.remove(axis);
    }
    one(Meta::int(shape))
}

pub(crate) fn softmax(node: &Node, ins: &[Option<&Meta>], opset: i64) -> Rule {
    let x = req(ins, 0, "input")?;
    let r = x.shape.len();
    if opset >= 13 {
        axis_of(node.int("axis", -1), r)?;
    } else {
        let a = node.int("axis", 1);
        let b = if a < 0 { a.saturating_add(r as i64) } else { a };
        if b < 0 || b as u64 > r as u64 {
            return Err(format!("axis {a} is out of range for rank {r}"));
        }
    }
    float_only(x)?;
    one(x.like(x.shape.clone()))
}

pub(crate) fn batch_norm(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "X")?;
    if node.int("training_mode", 0) != 0 {
        return Err("training_mode=1 is not supported (inference only)".into());
    }
    let mut shape = x.shape.clone();
    for (i, what) in [(1, "scale"), (2, "B"), (3, "mean"), (4, "var")] {
        let p = per_channel_shape(&req(ins, i, what)?.shape, &x.shape, what)?;
        shape = broadcast_shapes(&shape, &p)?;
    }
    if node.outputs.iter().skip(1).any(Option::is_some) {
        return Err("the running-statistics outputs (training mode) are not supported".into());
    }
    one(Meta::float(shape))
}

pub(crate) fn layer_norm(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "X")?;
    let scale = req(ins, 1, "Scale")?;
    let axis = axis_of(node.int("axis", -1), x.shape.len())?;
    float_only(x)?;
    let mut y = broadcast_shapes(&x.shape, &scale.shape)?;
    if let Some(b) = opt(ins, 2) {
        y = broadcast_shapes(&y, &b.shape)?;
    }
    let mut stats = x.shape.clone();
    for d in stats.iter_mut().skip(axis) {
        *d = 1;
    }
    Ok(vec![
        Some(Meta::float(y)),
        Some(Meta::float(stats.clone())),
        Some(Meta::float(stats)),
    ])
}
