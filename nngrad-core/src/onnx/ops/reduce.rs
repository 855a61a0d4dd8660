//! Operators that combine elements along axes: ReduceSum/Mean/Max, ArgMax, Softmax and
//! LogSoftmax, BatchNormalization, LayerNormalization.

use super::elementwise::{binary, reshape_value, Bin};
use super::shape::axis_of;
use super::{opt, req, Ins, Outs, NOT_THIS_FAMILY};
use crate::onnx::load::Node;
use crate::onnx::tensor::{for_each_offset, numel_checked, strides, Tensor, Value};
use crate::Scalar;

/// Applies a float-only function to a float value (activation or constant), keeping its
/// kind; integers are an error.
macro_rules! float_each {
    ($v:expr, |$t:ident| $body:expr) => {
        match $v {
            Value::Act($t) => Value::Act($body),
            Value::Float(a) => {
                let $t: &Tensor<f64> = a;
                Value::float($body)
            }
            Value::Int(_) => return Err("expects a float tensor, got an integer one".into()),
        }
    };
}
pub(crate) use float_each;

/// For every input element in row-major order, calls `f(input index, output index)`, where
/// the output drops (or keeps as 1) the `reduced` axes. The order in which the reductions
/// fold their elements (the tangent route's ReduceSum and ReduceMean take it from here).
pub(crate) fn for_each_reduced(shape: &[usize], reduced: &[bool], mut f: impl FnMut(usize, usize)) {
    let out_shape: Vec<usize> = shape
        .iter()
        .zip(reduced)
        .map(|(&d, &r)| if r { 1 } else { d })
        .collect();
    let ost = strides(&out_shape);
    let ostr: Vec<usize> = (0..shape.len())
        .map(|k| if reduced[k] { 0 } else { ost[k] })
        .collect();
    let mut i = 0;
    for_each_offset(shape, [&ostr], |[o]| {
        f(i, o);
        i += 1;
    });
}

pub(crate) fn reduced_shape(shape: &[usize], reduced: &[bool], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .zip(reduced)
        .filter_map(|(&d, &r)| {
            if !r {
                Some(d)
            } else if keepdims {
                Some(1)
            } else {
                None
            }
        })
        .collect()
}

/// How many input elements fold into each output element.
fn reduced_count(shape: &[usize], reduced: &[bool]) -> usize {
    shape
        .iter()
        .zip(reduced)
        .filter(|(_, &r)| r)
        .map(|(&d, _)| d)
        .product()
}

#[derive(Clone, Copy, PartialEq, Debug)]
pub(crate) enum Red {
    Sum,
    Mean,
    Max,
    Min,
    Prod,
    L1,
    L2,
    LogSum,
    LogSumExp,
    SumSquare,
}

impl Red {
    fn of(op: &str) -> Option<Red> {
        Some(match op {
            "ReduceSum" => Red::Sum,
            "ReduceMean" => Red::Mean,
            "ReduceMax" => Red::Max,
            "ReduceMin" => Red::Min,
            "ReduceProd" => Red::Prod,
            "ReduceL1" => Red::L1,
            "ReduceL2" => Red::L2,
            "ReduceLogSum" => Red::LogSum,
            "ReduceLogSumExp" => Red::LogSumExp,
            "ReduceSumSquare" => Red::SumSquare,
            _ => return None,
        })
    }

    /// The result of reducing no elements (ONNX's empty-set values).
    fn empty(self) -> f64 {
        match self {
            Red::Sum | Red::L1 | Red::L2 | Red::SumSquare => 0.0,
            Red::Mean => f64::NAN,
            Red::Max | Red::LogSum | Red::LogSumExp => f64::NEG_INFINITY,
            Red::Min => f64::INFINITY,
            Red::Prod => 1.0,
        }
    }
}

/// The first extreme of `a` (the kept one) and `v`: NaN propagates, ties keep `a` (whose
/// derivative is then taken, as for MaxPool).
fn extreme<T: Scalar>(a: T, v: T, max: bool) -> T {
    let better = if max { v > a } else { v < a };
    if a.is_nan() || !(better || v.is_nan()) {
        a
    } else {
        v
    }
}

fn reduce_float<T: Scalar>(
    t: &Tensor<T>,
    reduced: &[bool],
    keepdims: bool,
    red: Red,
) -> Result<Tensor<T>, String> {
    let shape = reduced_shape(&t.shape, reduced, keepdims);
    let m = numel_checked(&shape, std::mem::size_of::<Option<T>>())?;
    let count = reduced_count(&t.shape, reduced);
    // LogSumExp subtracts each output's primal maximum (a constant, so no derivative
    // changes) to keep exp in range
    let mut shift = vec![f64::NEG_INFINITY; m];
    if red == Red::LogSumExp {
        for_each_reduced(&t.shape, reduced, |i, o| {
            shift[o] = shift[o].max(t.data[i].value())
        });
        for s in &mut shift {
            if !s.is_finite() {
                *s = 0.0;
            }
        }
    }
    let mut out: Vec<Option<T>> = vec![None; m];
    for_each_reduced(&t.shape, reduced, |i, o| {
        let v = t.data[i];
        let pre = match red {
            Red::L1 => v.abs(),
            Red::L2 | Red::SumSquare => v * v,
            Red::LogSumExp => (v - shift[o]).exp(),
            _ => v,
        };
        out[o] = Some(match (out[o], red) {
            (None, _) => pre,
            (Some(a), Red::Max) => extreme(a, v, true),
            (Some(a), Red::Min) => extreme(a, v, false),
            (Some(a), Red::Prod) => a * v,
            (Some(a), _) => a + pre,
        });
    });
    let data = out
        .into_iter()
        .zip(&shift)
        .map(|(v, &s)| match (v, red) {
            (Some(v), Red::Mean) => v / count as f64,
            (Some(v), Red::L2) => v.sqrt(),
            (Some(v), Red::LogSum) => v.ln(),
            (Some(v), Red::LogSumExp) => v.ln() + s,
            (Some(v), _) => v,
            (None, _) => T::cst(red.empty()),
        })
        .collect();
    Ok(Tensor { shape, data })
}

fn reduce_int(
    t: &Tensor<i64>,
    reduced: &[bool],
    keepdims: bool,
    red: Red,
) -> Result<Tensor<i64>, String> {
    let shape = reduced_shape(&t.shape, reduced, keepdims);
    let m = numel_checked(&shape, 8)?;
    let count = reduced_count(&t.shape, reduced);
    let init = match red {
        Red::Max => i64::MIN,
        Red::Min => i64::MAX,
        Red::Prod => 1,
        _ => 0,
    };
    let mut out = vec![init; m];
    for_each_reduced(&t.shape, reduced, |i, o| {
        let v = t.data[i];
        out[o] = match red {
            Red::Max => out[o].max(v),
            Red::Min => out[o].min(v),
            Red::Prod => out[o].wrapping_mul(v),
            Red::L1 => out[o].wrapping_add(v.wrapping_abs()),
            Red::SumSquare => out[o].wrapping_add(v.wrapping_mul(v)),
            _ => out[o].wrapping_add(v),
        };
    });
    if red == Red::Mean && count > 0 {
        for v in &mut out {
            *v /= count as i64;
        }
    }
    Ok(Tensor { shape, data: out })
}

/// The first opset in which reduction `op` takes its axes as input 1 (the attribute `axes`
/// before it): 13 for ReduceSum, 18 for the others.
pub(crate) fn axes_input_since(op: &str) -> i64 {
    if op == "ReduceSum" {
        13
    } else {
        18
    }
}

/// A reduction's inputs `ins` (up to the last one given: empty names at the end do not
/// count) checked against its opset: before [`axes_input_since`] the operator has one
/// input, and reading a second one as axes would give the model a meaning its opset does
/// not (and a shape that depends on values the load-time shape rule cannot know). The
/// evaluator and the shape rule both call it, on values and on shapes.
pub(crate) fn check_reduce_inputs<T>(
    op: &str,
    opset: i64,
    ins: &[Option<T>],
) -> Result<(), String> {
    let inputs = ins.iter().rposition(Option::is_some).map_or(0, |p| p + 1);
    let since = axes_input_since(op);
    if opset < since && inputs > 1 {
        return Err(format!(
            "{op} at opset {opset} takes one input (its axes are the attribute `axes` until \
             opset {since}), got {inputs}"
        ));
    }
    if inputs > 2 {
        return Err(format!(
            "{op} takes at most 2 inputs (data, axes), got {inputs}"
        ));
    }
    Ok(())
}

/// ReduceSum, Mean, Max, Min, Prod, L1, L2, LogSum, LogSumExp, SumSquare: axes from the input (newer opsets) or the attribute.
pub(crate) fn reduce<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    check_reduce_inputs(&node.op, opset, ins)?;
    let x = req(ins, 0, "data")?;
    let red = Red::of(&node.op).ok_or_else(|| format!("{} {NOT_THIS_FAMILY}", node.op))?;
    let keepdims = node.int("keepdims", 1) != 0;
    let axes = match opt(ins, 1) {
        Some(a) => a.int_values("axes")?,
        None => node.ints("axes").map(<[i64]>::to_vec).unwrap_or_default(),
    };
    let Some(reduced) = reduced_axes(node, x.shape().len(), &axes)? else {
        return Ok(vec![Some(x.clone())]);
    };
    Ok(vec![Some(reduce_axes(x, &reduced, keepdims, red)?)])
}

/// `x` reduced over the axes marked in `reduced`.
pub(crate) fn reduce_axes<S: Scalar>(
    x: &Value<S>,
    reduced: &[bool],
    keepdims: bool,
    red: Red,
) -> Result<Value<S>, String> {
    Ok(match x {
        // the roots and logarithms of integers: in f64, truncated back
        Value::Int(t) if matches!(red, Red::L2 | Red::LogSum | Red::LogSumExp) => {
            let f = reduce_float(&t.map(|v| v as f64), reduced, keepdims, red)?;
            Value::int(f.map(|v| v as i64))
        }
        Value::Int(t) => Value::int(reduce_int(t, reduced, keepdims, red)?),
        v => float_each!(v, |t| reduce_float(t, reduced, keepdims, red)?),
    })
}

/// Which of `r` axes a reduction folds (`None`: `noop_with_empty_axes` with no axes).
pub(crate) fn reduced_axes(
    node: &Node,
    r: usize,
    axes: &[i64],
) -> Result<Option<Vec<bool>>, String> {
    if axes.is_empty() && node.int("noop_with_empty_axes", 0) != 0 {
        return Ok(None);
    }
    let mut reduced = vec![axes.is_empty(); r];
    for a in axes {
        reduced[axis_of(*a, r)?] = true;
    }
    Ok(Some(reduced))
}

/// ArgMax and ArgMin along `axis` (`keepdims`, `select_last_index`); ties give the first
/// (or, with `select_last_index`, the last) extreme index, as ONNX defines.
pub(crate) fn argmax<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let vals: Vec<f64> = match x {
        Value::Act(t) => t.data.iter().map(|v| v.value()).collect(),
        Value::Float(t) => t.data.clone(),
        Value::Int(t) => t.data.iter().map(|&v| v as f64).collect(),
    };
    let shape = x.shape().to_vec();
    let axis = axis_of(node.int("axis", 0), shape.len())?;
    let keep = node.int("keepdims", 1) != 0;
    let last = node.int("select_last_index", 0) != 0;
    let min = node.op == "ArgMin";
    let d = shape[axis];
    if d == 0 {
        return Err(format!("{} over an empty axis", node.op));
    }
    let outer = numel_checked(&shape[..axis], 8)?;
    let inner = numel_checked(&shape[axis + 1..], 8)?;
    let mut data = Vec::with_capacity(outer.saturating_mul(inner).min(x.shape().iter().product()));
    for o in 0..outer {
        for i in 0..inner {
            let mut best = 0usize;
            for k in 1..d {
                let v = vals[(o * d + k) * inner + i];
                let b = vals[(o * d + best) * inner + i];
                let better = if min { v < b } else { v > b };
                if better || (last && v == b) {
                    best = k;
                }
            }
            data.push(best as i64);
        }
    }
    let mut out_shape = shape.clone();
    if keep {
        out_shape[axis] = 1;
    } else {
        out_shape.remove(axis);
    }
    Ok(vec![Some(Value::int(Tensor::new(out_shape, data)))])
}

fn softmax_t<T: Scalar>(
    t: &Tensor<T>,
    outer: usize,
    d: usize,
    inner: usize,
    log: bool,
) -> Tensor<T> {
    let mut out = t.data.clone();
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| (o * d + k) * inner + i;
            // subtracting the primal maximum (a constant) keeps exp in range and changes no
            // derivative
            let mut m = f64::NEG_INFINITY;
            for k in 0..d {
                m = m.max(t.data[at(k)].value());
            }
            if !m.is_finite() {
                m = 0.0;
            }
            let mut s = T::cst(0.0);
            for k in 0..d {
                s += (t.data[at(k)] - m).exp();
            }
            let ls = s.ln();
            for k in 0..d {
                let z = t.data[at(k)] - m;
                out[at(k)] = if log { z - ls } else { z.exp() / s };
            }
            // The dominant class of a saturated softmax: y = 1/(1 + Σ_{j≠k} e^{z_j − z_k})
            // gives the tangent y·Σ y_j (dz_k − dz_j) without the cancellation of
            // e_k/s − e_k·ds/s² (which loses all digits when y ≈ 1).
            if !log && d > 1 {
                let k = (0..d).find(|&k| t.data[at(k)].value() == m).unwrap_or(0);
                let zk = t.data[at(k)];
                let mut q = T::cst(1.0);
                for j in (0..d).filter(|&j| j != k) {
                    q += (t.data[at(j)] - zk).exp();
                }
                out[at(k)] = q.recip();
            }
        }
    }
    Tensor {
        shape: t.shape.clone(),
        data: out,
    }
}

/// Softmax and LogSoftmax: opset ≥ 13 normalises along `axis` (default −1); older opsets
/// coerce the input to 2-D at `axis` (default 1) and normalise each row.
pub(crate) fn softmax<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let log = node.op == "LogSoftmax";
    let (outer, d, inner) = softmax_rows(node, x.shape(), opset)?;
    let out = float_each!(x, |t| softmax_t(t, outer, d, inner, log));
    Ok(vec![Some(out)])
}

/// Softmax's rows for an input of shape `shape`: `(outer, d, inner)`, element `k` of row
/// `(o, i)` at `(o·d + k)·inner + i` (also the tangent route's).
pub(crate) fn softmax_rows(
    node: &Node,
    shape: &[usize],
    opset: i64,
) -> Result<(usize, usize, usize), String> {
    let r = shape.len();
    Ok(if opset >= 13 {
        let a = axis_of(node.int("axis", -1), r)?;
        (
            shape[..a].iter().product(),
            shape[a],
            shape[a + 1..].iter().product(),
        )
    } else {
        let mut a = node.int("axis", 1);
        if a < 0 {
            a += r as i64;
        }
        if a < 0 || a as usize > r {
            return Err(format!(
                "axis {} is out of range for rank {r}",
                node.int("axis", 1)
            ));
        }
        let a = a as usize;
        (shape[..a].iter().product(), shape[a..].iter().product(), 1)
    })
}

/// The shape a BatchNormalization parameter of shape `p` takes to broadcast against
/// `xshape` (N×C×…): `[C, 1, …]` for one value per channel, `xshape[1..]` for one per
/// activation (opset < 7 `spatial=0`); any other length is an error.
pub(crate) fn per_channel_shape(
    p: &[usize],
    xshape: &[usize],
    what: &str,
) -> Result<Vec<usize>, String> {
    if xshape.len() < 2 {
        return Err(format!("X must be N×C×… (rank ≥ 2), got shape {xshape:?}"));
    }
    let c = xshape[1];
    let n = numel_checked(p, 1)?;
    if n == c {
        let mut s = vec![c];
        s.extend(std::iter::repeat_n(1, xshape.len() - 2));
        Ok(s)
    } else if n == numel_checked(&xshape[1..], 1)? {
        Ok(xshape[1..].to_vec())
    } else {
        Err(format!(
            "{what} has shape {p:?} ({n} values); X of shape {xshape:?} needs {c} (one per channel)"
        ))
    }
}

fn per_channel<S: Scalar>(p: &Value<S>, xshape: &[usize], what: &str) -> Result<Value<S>, String> {
    Ok(reshape_value(
        p,
        per_channel_shape(p.shape(), xshape, what)?,
    ))
}

pub(crate) fn batch_norm<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    if node.int("training_mode", 0) != 0 {
        return Err("training_mode=1 is not supported (inference only)".into());
    }
    let eps = node.float("epsilon", 1e-5);
    let xs = x.shape().to_vec();
    let p = |i: usize, what: &str| -> Result<Value<S>, String> {
        per_channel(req(ins, i, what)?, &xs, what)
    };
    let (scale, bias, mean, var) = (p(1, "scale")?, p(2, "B")?, p(3, "mean")?, p(4, "var")?);
    let eps_v = Value::float(Tensor::scalar(eps));
    let denom = super::unary::Unary::sqrt().run(&binary(Bin::Add, &var, &eps_v)?)?;
    let a = binary(Bin::Div, &scale, &denom)?;
    let y = binary(
        Bin::Add,
        &binary(Bin::Mul, &binary(Bin::Sub, x, &mean)?, &a)?,
        &bias,
    )?;
    let mut outs = vec![Some(y)];
    if node.outputs.iter().skip(1).any(Option::is_some) {
        return Err("the running-statistics outputs (training mode) are not supported".into());
    }
    outs.truncate(1);
    Ok(outs)
}

pub(crate) fn layer_norm_t<T: Scalar>(
    t: &Tensor<T>,
    axis: usize,
    eps: f64,
) -> (Tensor<T>, Tensor<T>, Tensor<T>) {
    let outer: usize = t.shape[..axis].iter().product();
    let inner: usize = t.shape[axis..].iter().product();
    let mut y = t.data.clone();
    if inner == 0 {
        // an empty row has no statistics: only the (empty) output rows exist
        let mut sshape = t.shape.clone();
        for d in sshape.iter_mut().skip(axis) {
            *d = 1;
        }
        let stats = vec![T::cst(f64::NAN); outer];
        return (
            Tensor {
                shape: t.shape.clone(),
                data: y,
            },
            Tensor {
                shape: sshape.clone(),
                data: stats.clone(),
            },
            Tensor {
                shape: sshape,
                data: stats,
            },
        );
    }
    let mut means = Vec::with_capacity(outer);
    let mut invs = Vec::with_capacity(outer);
    for o in 0..outer {
        let row = &t.data[o * inner..(o + 1) * inner];
        let mean = row.iter().copied().sum::<T>() / inner as f64;
        let var = row.iter().map(|&v| (v - mean) * (v - mean)).sum::<T>() / inner as f64;
        let inv = (var + eps).sqrt().recip();
        for (k, &v) in row.iter().enumerate() {
            y[o * inner + k] = (v - mean) * inv;
        }
        means.push(mean);
        invs.push(inv);
    }
    let mut sshape = t.shape.clone();
    for d in sshape.iter_mut().skip(axis) {
        *d = 1;
    }
    (
        Tensor {
            shape: t.shape.clone(),
            data: y,
        },
        Tensor {
            shape: sshape.clone(),
            data: means,
        },
        Tensor {
            shape: sshape,
            data: invs,
        },
    )
}

pub(crate) fn layer_norm<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let scale = req(ins, 1, "Scale")?;
    let r = x.shape().len();
    let axis = axis_of(node.int("axis", -1), r)?;
    let eps = node.float("epsilon", 1e-5);
    numel_checked(&x.shape()[..axis], 8 * std::mem::size_of::<S>())?;
    let (n, mean, inv) = match x {
        Value::Act(t) => {
            let (a, b, c) = layer_norm_t(t, axis, eps);
            (Value::Act(a), Value::Act(b), Value::Act(c))
        }
        Value::Float(t) => {
            let (a, b, c) = layer_norm_t(&**t, axis, eps);
            (Value::float(a), Value::float(b), Value::float(c))
        }
        Value::Int(_) => return Err("expects a float tensor".into()),
    };
    let mut y = binary(Bin::Mul, &n, scale)?;
    if let Some(b) = opt(ins, 2) {
        y = binary(Bin::Add, &y, b)?;
    }
    Ok(vec![Some(y), Some(mean), Some(inv)])
}
