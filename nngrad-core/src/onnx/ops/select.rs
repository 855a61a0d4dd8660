//! Operators that choose elements by their order: Hardmax and TopK. Both decide on primal
//! values; TopK's values carry the derivatives of the elements it selects, Hardmax's
//! one-hot result is piecewise constant (derivative 0). Ties go to the lower index, as
//! ONNX defines.

use super::shape::axis_of;
use super::{req, Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{Tensor, Value};
use crate::Scalar;

fn primal<S: Scalar>(v: &Value<S>) -> Vec<f64> {
    match v {
        Value::Act(t) => t.data.iter().map(|x| x.value()).collect(),
        Value::Float(t) => t.data.clone(),
        Value::Int(t) => t.data.iter().map(|&x| x as f64).collect(),
    }
}

/// `(outer, d, inner)` of `shape` split at `axis`.
fn split_at(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    (
        shape[..axis].iter().product(),
        shape[axis],
        shape[axis + 1..].iter().product(),
    )
}

/// Hardmax: 1 at the first maximum along `axis` (opset ≥ 13, default −1), or of each row
/// of the input coerced to 2-D at `axis` (older opsets, default 1).
pub(crate) fn hardmax<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let shape = x.shape().to_vec();
    let r = shape.len();
    let (outer, d, inner) = if opset >= 13 {
        split_at(&shape, axis_of(node.int("axis", -1), r)?)
    } else {
        let a = node.int("axis", 1);
        let a = if a < 0 { a + r as i64 } else { a };
        if a < 0 || a as usize > r {
            return Err(format!("axis {a} is out of range for rank {r}"));
        }
        let a = a as usize;
        (shape[..a].iter().product(), shape[a..].iter().product(), 1)
    };
    let v = primal(x);
    let mut out = vec![0.0; v.len()];
    for o in 0..outer {
        for i in 0..inner {
            let at = |k: usize| (o * d + k) * inner + i;
            if let Some(best) = (0..d).reduce(|b, k| if v[at(k)] > v[at(b)] { k } else { b }) {
                out[at(best)] = 1.0;
            }
        }
    }
    Ok(vec![Some(Value::float(Tensor::new(shape, out)))])
}

/// The `k` positions of each line along the axis, best first; ties keep the lower index.
fn top_positions(
    v: &[f64],
    outer: usize,
    d: usize,
    inner: usize,
    k: usize,
    largest: bool,
) -> Vec<usize> {
    let mut pos = Vec::with_capacity(outer * k * inner);
    let mut order: Vec<usize> = Vec::with_capacity(d);
    let mut lines = vec![Vec::new(); outer * inner];
    for o in 0..outer {
        for i in 0..inner {
            let at = |j: usize| (o * d + j) * inner + i;
            order.clear();
            order.extend(0..d);
            // stable sort: equal values stay in index order; NaN ranks as the largest
            order.sort_by(|&a, &b| {
                let (x, y) = (v[at(a)], v[at(b)]);
                let c = x.total_cmp(&y);
                let c = if x.is_nan() || y.is_nan() {
                    x.is_nan().cmp(&y.is_nan())
                } else if x == y {
                    std::cmp::Ordering::Equal
                } else {
                    c
                };
                if largest {
                    c.reverse()
                } else {
                    c
                }
            });
            lines[o * inner + i] = order[..k].iter().map(|&j| at(j)).collect();
        }
    }
    for o in 0..outer {
        let block = &lines[o * inner..(o + 1) * inner];
        pos.extend((0..k).flat_map(|j| block.iter().map(move |l| l[j])));
    }
    pos
}

/// TopK(X, K): values (with their elements' derivatives) and int64 indices along `axis`.
pub(crate) fn top_k<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let shape = x.shape().to_vec();
    let axis = axis_of(node.int("axis", -1), shape.len())?;
    let k = if opset >= 10 {
        let k = req(ins, 1, "K")?.int_values("K")?;
        let &[k] = k.as_slice() else {
            return Err(format!("K must hold one value, got {}", k.len()));
        };
        k
    } else if ins.iter().skip(1).any(Option::is_some) {
        // Reading a second input as K would give the model a meaning its opset does not, and
        // an output size the load-time shape rule cannot know (found by fuzzing).
        return Err(format!(
            "TopK at opset {opset} takes one input (K is the attribute `k` until opset 10)"
        ));
    } else {
        node.int("k", 0)
    };
    let (outer, d, inner) = split_at(&shape, axis);
    let k = usize::try_from(k)
        .ok()
        .filter(|&k| k <= d)
        .ok_or_else(|| format!("K = {k} is outside [0, {d}] for axis {axis}"))?;
    let largest = node.int("largest", 1) != 0;
    let pos = top_positions(&primal(x), outer, d, inner, k, largest);
    let mut oshape = shape.clone();
    oshape[axis] = k;
    let indices: Vec<i64> = pos.iter().map(|&p| ((p / inner) % d) as i64).collect();
    let values = match x {
        Value::Act(t) => Value::Act(Tensor::new(
            oshape.clone(),
            pos.iter().map(|&p| t.data[p]).collect(),
        )),
        Value::Float(t) => Value::float(Tensor::new(
            oshape.clone(),
            pos.iter().map(|&p| t.data[p]).collect(),
        )),
        Value::Int(t) => Value::int(Tensor::new(
            oshape.clone(),
            pos.iter().map(|&p| t.data[p]).collect(),
        )),
    };
    Ok(vec![
        Some(values),
        Some(Value::int(Tensor::new(oshape, indices))),
    ])
}
