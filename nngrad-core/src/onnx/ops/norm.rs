//! Normalisations beyond Batch/LayerNormalization: InstanceNormalization,
//! GroupNormalization, LpNormalization and MeanVarianceNormalization, each differentiated
//! through its statistics (mean, variance, norm) as the arithmetic it is.

use super::elementwise::{binary, reshape_value, Bin};
use super::reduce::{float_each, layer_norm_t, reduce_axes, Red};
use super::shape::axis_of;
use super::unary::Unary;
use super::{req, Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{Tensor, Value};
use crate::Scalar;

/// `x` normalised over all axes from `axis` on, per leading index (LayerNormalization's
/// statistics without scale and bias).
fn normalise_from<S: Scalar>(x: &Value<S>, axis: usize, eps: f64) -> Result<Value<S>, String> {
    Ok(float_each!(x, |t| layer_norm_t(t, axis, eps).0))
}

/// A `[C]` parameter shaped to broadcast over `[N, C, spatial…]`.
fn per_channel<S: Scalar>(
    p: &Value<S>,
    rank: usize,
    c: usize,
    what: &str,
) -> Result<Value<S>, String> {
    if p.shape().iter().product::<usize>() != c {
        return Err(format!(
            "{what} of shape {:?} does not have {c} values",
            p.shape()
        ));
    }
    let mut s = vec![c];
    s.extend(std::iter::repeat_n(1, rank.saturating_sub(2)));
    Ok(reshape_value(p, s))
}

fn channels(shape: &[usize]) -> Result<(usize, usize), String> {
    match shape {
        [n, c, ..] => Ok((*n, *c)),
        _ => Err(format!("expects [N, C, …], got shape {shape:?}")),
    }
}

/// InstanceNormalization(x, scale, B): per image and channel over the spatial axes.
pub(crate) fn instance_norm<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let (_, c) = channels(x.shape())?;
    let r = x.shape().len();
    let y = normalise_from(x, 2, node.float("epsilon", 1e-5))?;
    let y = binary(
        Bin::Mul,
        &y,
        &per_channel(req(ins, 1, "scale")?, r, c, "scale")?,
    )?;
    let y = binary(Bin::Add, &y, &per_channel(req(ins, 2, "B")?, r, c, "B")?)?;
    Ok(vec![Some(y)])
}

/// GroupNormalization(X, scale, bias, num_groups): statistics per image and group of
/// channels; scale and bias per channel (opset ≥ 21) or per group (opset 18).
pub(crate) fn group_norm<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let shape = x.shape().to_vec();
    let (n, c) = channels(&shape)?;
    let g = usize::try_from(node.int("num_groups", 0))
        .ok()
        .filter(|&g| g > 0 && c % g == 0)
        .ok_or_else(|| format!("num_groups must divide the {c} channels"))?;
    let rest: usize = shape[1..].iter().product();
    let grouped = reshape_value(x, vec![n, g, rest / g]);
    let y = reshape_value(
        &normalise_from(&grouped, 2, node.float("epsilon", 1e-5))?,
        shape.clone(),
    );
    let r = shape.len();
    let param = |i: usize, what: &str| -> Result<Value<S>, String> {
        let p = req(ins, i, what)?;
        let len: usize = p.shape().iter().product();
        if opset < 21 && len == g {
            // one value per group, repeated over its channels
            let v = reshape_value(p, vec![g, 1]);
            let ones = Value::float(Tensor::full(vec![g, c / g], 1.0)?);
            return per_channel(&binary(Bin::Mul, &v, &ones)?, r, c, what);
        }
        per_channel(p, r, c, what)
    };
    let y = binary(Bin::Mul, &y, &param(1, "scale")?)?;
    let y = binary(Bin::Add, &y, &param(2, "bias")?)?;
    Ok(vec![Some(y)])
}

/// LpNormalization: `x / ‖x‖_p` along `axis` (p = 1 or 2).
pub(crate) fn lp_norm<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let axis = axis_of(node.int("axis", -1), x.shape().len())?;
    let red = match node.int("p", 2) {
        1 => Red::L1,
        2 => Red::L2,
        p => return Err(format!("p must be 1 or 2, got {p}")),
    };
    let mut reduced = vec![false; x.shape().len()];
    reduced[axis] = true;
    let norm = reduce_axes(x, &reduced, true, red)?;
    let y = binary(Bin::Div, x, &norm)?;
    // a zero vector normalises to zeros (ONNX's expected values), not 0/0
    Ok(vec![Some(match (&y, &norm) {
        (Value::Float(t), Value::Float(n)) => Value::float(zero_where_norm_zero(t, n)),
        (Value::Act(t), n) => Value::Act(zero_where_norm_zero(t, &*n.act_ref("norm")?)),
        _ => y,
    })])
}

/// `y` with 0 wherever the (keepdims) norm `n`, broadcast, is zero.
fn zero_where_norm_zero<T: Scalar>(y: &Tensor<T>, n: &Tensor<T>) -> Tensor<T> {
    let st = crate::onnx::tensor::strides(&y.shape);
    let nst = crate::onnx::tensor::strides(&n.shape);
    let data = (0..y.len())
        .map(|i| {
            let off: usize = (0..y.shape.len())
                .map(|a| {
                    if n.shape[a] == 1 {
                        0
                    } else {
                        (i / st[a]) % y.shape[a] * nst[a]
                    }
                })
                .sum();
            if n.data[off].value() == 0.0 {
                T::cst(0.0)
            } else {
                y.data[i]
            }
        })
        .collect();
    Tensor::new(y.shape.clone(), data)
}

/// MeanVarianceNormalization over `axes` (default `[0, 2, 3]`):
/// `(x − E[x]) / (sqrt(E[(x − E[x])²]) + 1e-9)`, as ONNX's function body.
pub(crate) fn mvn<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let r = x.shape().len();
    let axes = node
        .ints("axes")
        .map_or_else(|| vec![0, 2, 3], <[i64]>::to_vec);
    let mut reduced = vec![false; r];
    for a in axes {
        reduced[axis_of(a, r)?] = true;
    }
    let mean = reduce_axes(x, &reduced, true, Red::Mean)?;
    let d = binary(Bin::Sub, x, &mean)?;
    let var = reduce_axes(&binary(Bin::Mul, &d, &d)?, &reduced, true, Red::Mean)?;
    let sd = Unary::sqrt().run(&var)?;
    let den = binary(Bin::Add, &sd, &Value::float(Tensor::scalar(1e-9)))?;
    Ok(vec![Some(binary(Bin::Div, &d, &den)?)])
}
