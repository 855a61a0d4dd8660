//! Operators that move, select or re-label elements without arithmetic (Reshape, Transpose,
//! Slice, Gather, Concat, …), the shape/integer operators and the constants. They work on
//! all three kinds of value alike.

use super::{opt, req, Ins, Outs};
use crate::onnx::load::{Const, Node};
use crate::onnx::proto::data_type as dt;
use crate::onnx::tensor::{
    broadcast_shapes, expand_to, for_each_offset, numel_checked, strides, Tensor, Value,
};
use crate::Scalar;

/// Applies a shape-only function to the tensor inside a value, whatever its kind.
macro_rules! each {
    ($v:expr, |$t:ident| $body:expr) => {
        match $v {
            Value::Act($t) => Value::Act($body),
            Value::Float(a) => {
                let $t: &Tensor<f64> = a;
                Value::float($body)
            }
            Value::Int(a) => {
                let $t: &Tensor<i64> = a;
                Value::int($body)
            }
        }
    };
}
pub(crate) use each;

/// Normalises a possibly negative axis against `rank`.
pub(crate) fn axis_of(axis: i64, rank: usize) -> Result<usize, String> {
    let r = rank as i64;
    let a = if axis < 0 { axis + r } else { axis };
    if a < 0 || a >= r {
        return Err(format!("axis {axis} is out of range for rank {rank}"));
    }
    Ok(a as usize)
}

pub(crate) fn identity<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    if node.op == "Dropout" {
        if let Some(t) = opt(ins, 2) {
            if t.int_values("training_mode")?.first().copied().unwrap_or(0) != 0 {
                return Err("training mode is not supported (inference only)".into());
            }
        }
        if node.attr("is_test").is_some_and(|a| a.i == 0) && node.outputs.len() > 1 {
            return Err("is_test=0 (training mode) is not supported".into());
        }
        let mask = Tensor::full(x.shape().to_vec(), 1i64)?;
        return Ok(vec![Some(x.clone()), Some(Value::int(mask))]);
    }
    Ok(vec![Some(x.clone())])
}

pub(crate) fn flatten<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let shape = x.shape();
    let r = shape.len() as i64;
    let mut axis = node.int("axis", 1);
    if axis < 0 {
        axis += r;
    }
    if axis < 0 || axis > r {
        return Err(format!(
            "axis {} is out of range for rank {r}",
            node.int("axis", 1)
        ));
    }
    let out = flatten_shape(shape, axis as usize)?;
    Ok(vec![Some(super::elementwise::reshape_value(x, out))])
}

/// Flatten's `[prod(shape[..axis]), prod(shape[axis..])]`, checked.
pub(crate) fn flatten_shape(shape: &[usize], axis: usize) -> Result<Vec<usize>, String> {
    Ok(vec![
        numel_checked(&shape[..axis], 1)?,
        numel_checked(&shape[axis..], 1)?,
    ])
}

/// Reshape's target: `0` copies the input's dim (unless `allowzero`), `-1` is inferred.
pub(crate) fn reshape_target(
    from: &[usize],
    spec: &[i64],
    allowzero: bool,
) -> Result<Vec<usize>, String> {
    let total = numel_checked(from, 1)?;
    let mut out = Vec::with_capacity(spec.len());
    let mut infer = None;
    for (i, &d) in spec.iter().enumerate() {
        match d {
            -1 => {
                if infer.is_some() {
                    return Err(format!("shape {spec:?} has more than one -1"));
                }
                infer = Some(i);
                out.push(1);
            }
            0 if !allowzero => out.push(*from.get(i).ok_or_else(|| {
                format!("shape {spec:?} copies dim {i} (0) but the input {from:?} has no such dim")
            })?),
            d if d >= 0 => out.push(
                usize::try_from(d).map_err(|_| format!("shape {spec:?} has a dim too large"))?,
            ),
            d => return Err(format!("shape {spec:?} has an invalid dim {d}")),
        }
    }
    let known = numel_checked(&out, 1)?;
    if let Some(i) = infer {
        if known == 0 || !total.is_multiple_of(known) {
            return Err(format!(
                "cannot reshape {from:?} ({total} elements) to {spec:?}"
            ));
        }
        out[i] = total / known;
    } else if known != total {
        return Err(format!(
            "cannot reshape {from:?} ({total} elements) to {spec:?} ({known} elements)"
        ));
    }
    Ok(out)
}

pub(crate) fn reshape<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let spec = match opt(ins, 1) {
        Some(s) => s.int_values("shape")?,
        None => node
            .ints("shape")
            .ok_or("needs a shape input (or the opset < 5 shape attribute)")?
            .to_vec(),
    };
    let shape = reshape_target(x.shape(), &spec, node.int("allowzero", 0) != 0)?;
    Ok(vec![Some(super::elementwise::reshape_value(x, shape))])
}

pub(crate) fn transpose_t<T: Copy>(t: &Tensor<T>, perm: &[usize]) -> Tensor<T> {
    let shape: Vec<usize> = perm.iter().map(|&p| t.shape[p]).collect();
    let src = strides(&t.shape);
    let pstr: Vec<usize> = perm.iter().map(|&p| src[p]).collect();
    let mut data = Vec::with_capacity(t.len());
    for_each_offset(&shape, [&pstr], |[off]| data.push(t.data[off]));
    Tensor { shape, data }
}

pub(crate) fn transpose<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let perm = perm_of(node, x.shape().len())?;
    Ok(vec![Some(each!(x, |t| transpose_t(t, &perm)))])
}

/// Transpose's permutation (the attribute, or reversed axes), checked against the rank.
pub(crate) fn perm_of(node: &Node, r: usize) -> Result<Vec<usize>, String> {
    Ok(match node.ints("perm") {
        Some(p) => {
            let mut seen = vec![false; r];
            let mut out = Vec::with_capacity(r);
            for &a in p {
                let a = axis_of(a, r)?;
                if seen[a] {
                    return Err(format!("perm {p:?} is not a permutation of rank {r}"));
                }
                seen[a] = true;
                out.push(a);
            }
            if out.len() != r {
                return Err(format!("perm {p:?} is not a permutation of rank {r}"));
            }
            out
        }
        None => (0..r).rev().collect(),
    })
}

pub(crate) fn axes_from<S: Scalar>(node: &Node, ins: &Ins<S>) -> Result<Option<Vec<i64>>, String> {
    Ok(match opt(ins, 1) {
        Some(a) => Some(a.int_values("axes")?),
        None => node.ints("axes").map(<[i64]>::to_vec),
    })
}

pub(crate) fn squeeze<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let out = squeezed_shape(x.shape(), axes_from(node, ins)?)?;
    Ok(vec![Some(super::elementwise::reshape_value(x, out))])
}

/// Squeeze's output shape: the listed axes (which must be 1) or every 1 removed.
pub(crate) fn squeezed_shape(
    shape: &[usize],
    axes: Option<Vec<i64>>,
) -> Result<Vec<usize>, String> {
    let drop: Vec<bool> = match axes {
        None => shape.iter().map(|&d| d == 1).collect(),
        Some(a) => {
            let mut drop = vec![false; shape.len()];
            for ax in a {
                let k = axis_of(ax, shape.len())?;
                if shape[k] != 1 {
                    return Err(format!("cannot squeeze axis {ax} of shape {shape:?}"));
                }
                drop[k] = true;
            }
            drop
        }
    };
    let out: Vec<usize> = shape
        .iter()
        .zip(&drop)
        .filter(|(_, &d)| !d)
        .map(|(&s, _)| s)
        .collect();
    Ok(out)
}

pub(crate) fn unsqueeze<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let out = unsqueezed_shape(x.shape(), &axes_from(node, ins)?.ok_or("needs axes")?)?;
    Ok(vec![Some(super::elementwise::reshape_value(x, out))])
}

/// Unsqueeze's output shape: a 1 inserted at each of `axes` (of the output's rank).
pub(crate) fn unsqueezed_shape(shape: &[usize], axes: &[i64]) -> Result<Vec<usize>, String> {
    let r = shape.len() + axes.len();
    let mut ins_at = vec![false; r];
    for a in axes {
        let k = axis_of(*a, r)?;
        if ins_at[k] {
            return Err(format!("axes {axes:?} repeat an axis"));
        }
        ins_at[k] = true;
    }
    let mut it = shape.iter();
    let out: Vec<usize> = ins_at
        .iter()
        .map(|&new| if new { 1 } else { *it.next().unwrap_or(&1) })
        .collect();
    Ok(out)
}

/// Concat's output shape: the inputs agree except along `axis`, whose lengths add up.
pub(crate) fn concat_shape(shapes: &[&[usize]], axis: usize) -> Result<Vec<usize>, String> {
    let first = shapes.first().ok_or("needs at least one input")?;
    let r = first.len();
    if axis >= r {
        return Err(format!("axis {axis} is out of range for rank {r}"));
    }
    let mut shape = first.to_vec();
    shape[axis] = 0;
    for s in shapes {
        if s.len() != r || s[..axis] != first[..axis] || s[axis + 1..] != first[axis + 1..] {
            return Err(format!(
                "cannot concatenate {first:?} and {s:?} along axis {axis}"
            ));
        }
        shape[axis] = shape[axis]
            .checked_add(s[axis])
            .ok_or_else(|| format!("concatenated length along axis {axis} overflows"))?;
    }
    Ok(shape)
}

fn concat_t<T: Copy>(ts: &[&Tensor<T>], axis: usize) -> Result<Tensor<T>, String> {
    let shapes: Vec<&[usize]> = ts.iter().map(|t| t.shape.as_slice()).collect();
    let shape = concat_shape(&shapes, axis)?;
    let n = numel_checked(&shape, std::mem::size_of::<T>())?;
    let outer: usize = shape[..axis].iter().product();
    let mut data = Vec::with_capacity(n);
    if n == 0 {
        return Ok(Tensor { shape, data });
    }
    for o in 0..outer {
        for t in ts {
            let inner: usize = t.shape[axis..].iter().product();
            data.extend_from_slice(&t.data[o * inner..(o + 1) * inner]);
        }
    }
    Ok(Tensor { shape, data })
}

pub(crate) fn concat<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let vals: Vec<&Value<S>> = ins.iter().flatten().copied().collect();
    let first = vals.first().ok_or("needs at least one input")?;
    let axis = axis_of(node.int("axis", 0), first.shape().len())?;
    let out = if vals.iter().all(|v| v.is_int()) {
        let ts: Vec<&Tensor<i64>> = vals
            .iter()
            .map(|v| v.as_int("input"))
            .collect::<Result<_, _>>()?;
        Value::int(concat_t(&ts, axis)?)
    } else if let Some(ts) = vals
        .iter()
        .map(|v| match v {
            Value::Float(t) => Some(&**t),
            _ => None,
        })
        .collect::<Option<Vec<&Tensor<f64>>>>()
    {
        Value::float(concat_t(&ts, axis)?)
    } else {
        let owned: Vec<Tensor<S>> = vals
            .iter()
            .map(|v| match v {
                Value::Int(t) => Ok(t.map(|x| S::cst(x as f64))),
                v => v.to_act("input"),
            })
            .collect::<Result<_, _>>()?;
        let ts: Vec<&Tensor<S>> = owned.iter().collect();
        Value::Act(concat_t(&ts, axis)?)
    };
    Ok(vec![Some(out)])
}

/// Elements `[start, start + len)` along `axis`.
fn narrow<T: Copy>(t: &Tensor<T>, axis: usize, start: usize, len: usize) -> Tensor<T> {
    let outer: usize = t.shape[..axis].iter().product();
    let inner: usize = t.shape[axis + 1..].iter().product();
    let d = t.shape[axis];
    let mut shape = t.shape.clone();
    shape[axis] = len;
    let mut data = Vec::with_capacity(outer * len * inner);
    for o in 0..outer {
        let base = o * d * inner + start * inner;
        data.extend_from_slice(&t.data[base..base + len * inner]);
    }
    Tensor { shape, data }
}

pub(crate) fn split<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let shape = x.shape().to_vec();
    let axis = axis_of(node.int("axis", 0), shape.len())?;
    let given = opt(ins, 1).map(|v| v.int_values("split")).transpose()?;
    let sizes = split_sizes(node, shape[axis], given)?;
    let mut outs = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for &len in &sizes {
        outs.push(Some(each!(x, |t| narrow(t, axis, start, len))));
        start += len;
    }
    Ok(outs)
}

/// Split's part lengths along an axis of length `d`: the `split` input (`given`) or
/// attribute, else `num_outputs` (or one per output) near-equal parts. Their sum is checked
/// without wrapping.
pub(crate) fn split_sizes(
    node: &Node,
    d: usize,
    given: Option<Vec<i64>>,
) -> Result<Vec<usize>, String> {
    let n_out = node.outputs.len();
    let sizes: Vec<usize> = match given.or_else(|| node.ints("split").map(<[i64]>::to_vec)) {
        Some(s) if !s.is_empty() => s
            .iter()
            .map(|&v| usize::try_from(v).map_err(|_| format!("split sizes {s:?} are negative")))
            .collect::<Result<_, _>>()?,
        _ => {
            let k = if node.attr("num_outputs").is_some() {
                usize::try_from(node.int("num_outputs", 1))
                    .ok()
                    .filter(|&k| k > 0)
                    .ok_or_else(|| {
                        format!(
                            "num_outputs {} must be positive",
                            node.int("num_outputs", 1)
                        )
                    })?
            } else {
                n_out.max(1)
            };
            if k > n_out.max(1) {
                return Err(format!(
                    "num_outputs {k} exceeds the node's {n_out} outputs"
                ));
            }
            let chunk = d.div_ceil(k);
            (0..k)
                .map(|i| chunk.min(d.saturating_sub(i.saturating_mul(chunk))))
                .collect()
        }
    };
    let total = sizes.iter().try_fold(0usize, |a, &v| a.checked_add(v));
    if total != Some(d) {
        return Err(format!(
            "split sizes {sizes:?} do not add up to the axis length {d}"
        ));
    }
    Ok(sizes)
}

/// ONNX Slice index clamping for one axis: returns (first index, step, count).
pub(crate) fn slice_range(dim: usize, start: i64, end: i64, step: i64) -> (i64, i64, usize) {
    let d = dim as i64;
    let norm = |v: i64| if v < 0 { v.saturating_add(d) } else { v };
    let (s, e) = (norm(start), norm(end));
    // counts as (span - 1) / |step| + 1, so that no step (even i64::MIN) can overflow
    let count = |span: i64| -> usize {
        if span > 0 {
            ((span.unsigned_abs() - 1) / step.unsigned_abs() + 1) as usize
        } else {
            0
        }
    };
    if step > 0 {
        let s = s.clamp(0, d);
        let e = e.clamp(0, d);
        (s, step, count(e - s))
    } else {
        let s = s.clamp(-1, d - 1);
        let e = e.clamp(-1, d - 1);
        (s, step, count(s - e))
    }
}

fn slice_t<T: Copy>(t: &Tensor<T>, ranges: &[(i64, i64, usize)]) -> Tensor<T> {
    let shape: Vec<usize> = ranges.iter().map(|r| r.2).collect();
    let st = strides(&t.shape);
    let n: usize = shape.iter().product();
    let mut data = Vec::with_capacity(n);
    let r = shape.len();
    if n > 0 {
        let mut idx = vec![0usize; r];
        for _ in 0..n {
            let mut off = 0i64;
            for k in 0..r {
                off += (ranges[k].0 + ranges[k].1 * idx[k] as i64) * st[k] as i64;
            }
            data.push(t.data[off as usize]);
            let mut k = r;
            while k > 0 {
                k -= 1;
                idx[k] += 1;
                if idx[k] < shape[k] {
                    break;
                }
                idx[k] = 0;
            }
        }
    }
    Tensor { shape, data }
}

pub(crate) fn slice<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let shape = x.shape().to_vec();
    let (starts, ends, axes, steps) = if opset < 10 {
        (
            node.ints("starts").ok_or("needs starts")?.to_vec(),
            node.ints("ends").ok_or("needs ends")?.to_vec(),
            node.ints("axes").map(<[i64]>::to_vec),
            None,
        )
    } else {
        (
            req(ins, 1, "starts")?.int_values("starts")?,
            req(ins, 2, "ends")?.int_values("ends")?,
            opt(ins, 3).map(|v| v.int_values("axes")).transpose()?,
            opt(ins, 4).map(|v| v.int_values("steps")).transpose()?,
        )
    };
    let ranges = slice_plan(&shape, &starts, &ends, axes, steps)?;
    Ok(vec![Some(each!(x, |t| slice_t(t, &ranges)))])
}

/// The (first index, step, count) of every axis of a Slice, checked.
pub(crate) fn slice_plan(
    shape: &[usize],
    starts: &[i64],
    ends: &[i64],
    axes: Option<Vec<i64>>,
    steps: Option<Vec<i64>>,
) -> Result<Vec<(i64, i64, usize)>, String> {
    let axes = axes.unwrap_or_else(|| (0..starts.len() as i64).collect());
    let steps = steps.unwrap_or_else(|| vec![1; starts.len()]);
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err(format!(
            "starts {starts:?}, ends {ends:?}, axes {axes:?}, steps {steps:?} differ in length"
        ));
    }
    let mut ranges: Vec<(i64, i64, usize)> = shape.iter().map(|&d| (0, 1, d)).collect();
    for k in 0..starts.len() {
        let a = axis_of(axes[k], shape.len())?;
        if steps[k] == 0 {
            return Err("a slice step is 0".into());
        }
        if i64::try_from(shape[a]).is_err() {
            return Err(format!("axis {a} of shape {shape:?} is too long to slice"));
        }
        ranges[a] = slice_range(shape[a], starts[k], ends[k], steps[k]);
    }
    Ok(ranges)
}

fn gather_t<T: Copy>(t: &Tensor<T>, axis: usize, idx: &[usize], ishape: &[usize]) -> Tensor<T> {
    let outer: usize = t.shape[..axis].iter().product();
    let inner: usize = t.shape[axis + 1..].iter().product();
    let d = t.shape[axis];
    let shape = gather_shape(&t.shape, axis, ishape);
    let n: usize = shape.iter().product();
    let mut data = Vec::with_capacity(n);
    if n == 0 {
        return Tensor { shape, data };
    }
    for o in 0..outer {
        for &i in idx {
            let base = (o * d + i) * inner;
            data.extend_from_slice(&t.data[base..base + inner]);
        }
    }
    Tensor { shape, data }
}

pub(crate) fn gather<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let ind = req(ins, 1, "indices")?;
    let ishape = ind.shape().to_vec();
    let indices = ind.int_values("indices")?;
    let shape = x.shape().to_vec();
    let axis = axis_of(node.int("axis", 0), shape.len())?;
    let d =
        i64::try_from(shape[axis]).map_err(|_| format!("axis {axis} of {shape:?} is too long"))?;
    let idx: Vec<usize> = indices
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + d } else { i };
            if j < 0 || j >= d {
                Err(format!(
                    "index {i} is out of range for axis {axis} of length {d}"
                ))
            } else {
                Ok(j as usize)
            }
        })
        .collect::<Result<_, _>>()?;
    numel_checked(&gather_shape(&shape, axis, &ishape), 8)?;
    Ok(vec![Some(each!(x, |t| gather_t(t, axis, &idx, &ishape)))])
}

/// Gather's output shape: the data's axes with `axis` replaced by the indices' shape.
pub(crate) fn gather_shape(shape: &[usize], axis: usize, ishape: &[usize]) -> Vec<usize> {
    let mut out_shape = shape[..axis].to_vec();
    out_shape.extend_from_slice(ishape);
    out_shape.extend_from_slice(&shape[axis + 1..]);
    out_shape
}

pub(crate) fn shape_op<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let s = shape_values(x.shape())?;
    let r = s.len() as i64;
    let clampi = |v: i64| {
        let v = if v < 0 { v + r } else { v };
        v.clamp(0, r) as usize
    };
    let start = clampi(node.int("start", 0));
    let end = clampi(node.int("end", r));
    let v = if end > start {
        s[start..end].to_vec()
    } else {
        vec![]
    };
    Ok(vec![Some(Value::int(Tensor::new(vec![v.len()], v)))])
}

/// A shape as the int64 values the Shape operator gives.
pub(crate) fn shape_values(shape: &[usize]) -> Result<Vec<i64>, String> {
    shape
        .iter()
        .map(|&d| i64::try_from(d).map_err(|_| format!("shape {shape:?} does not fit int64")))
        .collect()
}

pub(crate) fn expand<S: Scalar>(ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let spec = req(ins, 1, "shape")?.int_values("shape")?;
    let spec: Vec<usize> = spec
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("shape {spec:?} has a negative dim")))
        .collect::<Result<_, _>>()?;
    let shape = broadcast_shapes(x.shape(), &spec)?;
    Ok(vec![Some(each!(x, |t| expand_to(t, &shape)?))])
}

/// Float to integer as NumPy's `astype` does (truncation), wrapped to the target width.
fn wrap_int(v: i64, to: i32) -> i64 {
    match to {
        dt::INT8 => i64::from(v as i8),
        dt::UINT8 => i64::from(v as u8),
        dt::INT16 => i64::from(v as i16),
        dt::UINT16 => i64::from(v as u16),
        dt::INT32 => i64::from(v as i32),
        dt::UINT32 => i64::from(v as u32),
        dt::BOOL => i64::from(v != 0),
        _ => v,
    }
}

pub(crate) fn cast<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let to = i32::try_from(node.int("to", i64::from(dt::FLOAT))).unwrap_or(0);
    let out = if dt::is_float(to) {
        match x {
            Value::Int(t) => Value::float(t.map(|v| v as f64)),
            // Floats stay f64 whatever the declared width: the model is evaluated in f64.
            v => v.clone(),
        }
    } else if to == dt::STRING || to <= 0 || to > 13 {
        return Err(format!("cast to {} is not supported", dt::name(to)));
    } else {
        let conv = |v: f64| -> i64 {
            if to == dt::BOOL {
                i64::from(v != 0.0)
            } else if v.is_nan() {
                0
            } else {
                wrap_int(v.trunc() as i64, to)
            }
        };
        match x {
            Value::Int(t) => Value::int(t.map(|v| wrap_int(v, to))),
            Value::Float(t) => Value::int(t.map(conv)),
            Value::Act(t) => Value::int(t.map(|v| conv(v.value()))),
        }
    };
    Ok(vec![Some(out)])
}

fn const_value<S: Scalar>(c: &Const) -> Value<S> {
    match c {
        Const::Float(t) => Value::Float(t.clone()),
        Const::Int(t) => Value::Int(t.clone()),
    }
}

pub(crate) fn constant<S: Scalar>(node: &Node) -> Outs<S> {
    let a = |n: &str| node.attr(n);
    let v = if let Some(t) = a("value").and_then(|a| a.t.as_ref()) {
        const_value(t)
    } else if let Some(x) = a("value_float") {
        Value::float(Tensor::scalar(x.f))
    } else if let Some(x) = a("value_floats") {
        Value::float(Tensor::new(vec![x.floats.len()], x.floats.clone()))
    } else if let Some(x) = a("value_int") {
        Value::int(Tensor::scalar(x.i))
    } else if let Some(x) = a("value_ints") {
        Value::int(Tensor::new(vec![x.ints.len()], x.ints.clone()))
    } else {
        return Err("needs a value (tensor, float(s) or int(s)); sparse and string constants are not supported".into());
    };
    Ok(vec![Some(v)])
}

pub(crate) fn constant_of_shape<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let spec = req(ins, 0, "input")?.int_values("shape")?;
    let shape: Vec<usize> = spec
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("shape {spec:?} has a negative dim")))
        .collect::<Result<_, _>>()?;
    let v = match node.attr("value").and_then(|a| a.t.as_ref()) {
        None => Value::float(Tensor::full(shape, 0.0)?),
        Some(Const::Float(t)) => Value::float(Tensor::full(
            shape,
            *t.data.first().ok_or("value is empty")?,
        )?),
        Some(Const::Int(t)) => Value::int(Tensor::full(
            shape,
            *t.data.first().ok_or("value is empty")?,
        )?),
    };
    Ok(vec![Some(v)])
}
