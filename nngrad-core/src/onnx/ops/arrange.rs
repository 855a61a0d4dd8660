//! Operators that generate or rearrange tensors: Size, Range, Tile, CumSum, OneHot,
//! DepthToSpace and SpaceToDepth.

use super::shape::{axis_of, each, transpose_t};
use super::{req, Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, strides, Tensor, Value};
use crate::Scalar;

/// Size: the element count, an int64 scalar.
pub(crate) fn size<S: Scalar>(ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let n: usize = x.shape().iter().product();
    let n = i64::try_from(n).map_err(|_| format!("size {n} does not fit in int64"))?;
    Ok(vec![Some(Value::int(Tensor::scalar(n)))])
}

/// The single element of a scalar input.
fn scalar_of<S: Scalar>(v: &Value<S>, what: &str) -> Result<usize, String> {
    let n: usize = v.shape().iter().product();
    if n != 1 {
        return Err(format!(
            "{what} must be a scalar, got shape {:?}",
            v.shape()
        ));
    }
    Ok(0)
}

/// Range(start, limit, delta): `max(ceil((limit − start)/delta), 0)` elements
/// `start + i·delta`; integers when all three are, activations when one is.
pub(crate) fn range<S: Scalar>(ins: &Ins<S>) -> Outs<S> {
    let vals = [
        req(ins, 0, "start")?,
        req(ins, 1, "limit")?,
        req(ins, 2, "delta")?,
    ];
    for (v, w) in vals.iter().zip(["start", "limit", "delta"]) {
        scalar_of(v, w)?;
    }
    if let [Value::Int(s), Value::Int(l), Value::Int(d)] = vals {
        let (s, l, d) = (s.data[0], l.data[0], d.data[0]);
        if d == 0 {
            return Err("Range delta is 0".into());
        }
        let span = i128::from(l) - i128::from(s);
        let d128 = i128::from(d);
        let n = ((span + d128 - d128.signum()) / d128).max(0);
        let n = usize::try_from(n).map_err(|_| "Range has too many elements".to_string())?;
        numel_checked(&[n], 8)?;
        let data = (0..n as i64).map(|i| s + i * d).collect();
        return Ok(vec![Some(Value::int(Tensor::new(vec![n], data)))]);
    }
    let f = |v: &Value<S>| primal(v)[0];
    let (s, l, d) = (f(vals[0]), f(vals[1]), f(vals[2]));
    let n = ((l - s) / d).ceil();
    if !n.is_finite() && n > 0.0 {
        return Err(format!("Range({s}, {l}, {d}) has no finite length"));
    }
    let n = if n > 0.0 { n as usize } else { 0 };
    numel_checked(&[n], 8)?;
    if vals.iter().any(|v| matches!(v, Value::Act(_))) {
        let act = |v: &Value<S>| -> S {
            match v {
                Value::Act(t) => t.data[0],
                other => S::cst(f(other)),
            }
        };
        let (s, d) = (act(vals[0]), act(vals[2]));
        let data = (0..n).map(|i| s + d * i as f64).collect();
        return Ok(vec![Some(Value::Act(Tensor::new(vec![n], data)))]);
    }
    let data = (0..n).map(|i| s + i as f64 * d).collect();
    Ok(vec![Some(Value::float(Tensor::new(vec![n], data)))])
}

/// A non-negative integer list (repeats, shapes).
fn counts(v: Vec<i64>, what: &str) -> Result<Vec<usize>, String> {
    v.iter()
        .map(|&d| usize::try_from(d).map_err(|_| format!("{what} {v:?} holds a negative value")))
        .collect()
}

fn tile_t<T: Copy>(t: &Tensor<T>, reps: &[usize]) -> Result<Tensor<T>, String> {
    let mut shape = Vec::with_capacity(t.shape.len());
    for (&d, &r) in t.shape.iter().zip(reps) {
        shape.push(d.checked_mul(r).ok_or("Tile output size overflows")?);
    }
    let n = numel_checked(&shape, std::mem::size_of::<T>())?;
    let src = strides(&t.shape);
    let mut data = Vec::with_capacity(n);
    let mut idx = vec![0usize; shape.len()];
    for _ in 0..n {
        let off: usize = idx
            .iter()
            .zip(&t.shape)
            .zip(&src)
            .map(|((&i, &d), &s)| (i % d) * s)
            .sum();
        data.push(t.data[off]);
        for k in (0..shape.len()).rev() {
            idx[k] += 1;
            if idx[k] < shape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Ok(Tensor::new(shape, data))
}

/// Tile(input, repeats).
pub(crate) fn tile<S: Scalar>(ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let reps = counts(req(ins, 1, "repeats")?.int_values("repeats")?, "repeats")?;
    if reps.len() != x.shape().len() {
        return Err(format!(
            "repeats has {} values, the input has rank {}",
            reps.len(),
            x.shape().len()
        ));
    }
    Ok(vec![Some(each!(x, |t| tile_t(t, &reps)?))])
}

fn cumsum_t<T: Scalar>(t: &Tensor<T>, axis: usize, exclusive: bool, reverse: bool) -> Tensor<T> {
    let outer: usize = t.shape[..axis].iter().product();
    let d = t.shape[axis];
    let inner: usize = t.shape[axis + 1..].iter().product();
    let mut data = t.data.clone();
    for o in 0..outer {
        for i in 0..inner {
            let mut acc = T::cst(0.0);
            for k in 0..d {
                let k = if reverse { d - 1 - k } else { k };
                let at = (o * d + k) * inner + i;
                let v = t.data[at];
                if exclusive {
                    data[at] = acc;
                    acc += v;
                } else {
                    acc += v;
                    data[at] = acc;
                }
            }
        }
    }
    Tensor::new(t.shape.clone(), data)
}

/// CumSum(x, axis) with `exclusive` and `reverse`.
pub(crate) fn cumsum<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "x")?;
    let a = req(ins, 1, "axis")?.int_values("axis")?;
    let &[a] = a.as_slice() else {
        return Err(format!("axis must be a scalar, got {} values", a.len()));
    };
    let axis = axis_of(a, x.shape().len())?;
    let (ex, rev) = (node.int("exclusive", 0) != 0, node.int("reverse", 0) != 0);
    Ok(vec![Some(match x {
        Value::Act(t) => Value::Act(cumsum_t(t, axis, ex, rev)),
        Value::Float(t) => Value::float(cumsum_t(t, axis, ex, rev)),
        Value::Int(t) => {
            let f = cumsum_t(&t.map(|v| v as f64), axis, ex, rev);
            Value::int(f.map(|v| v as i64))
        }
    })])
}

/// The primal values of any value, as f64.
fn primal<S: Scalar>(v: &Value<S>) -> Vec<f64> {
    match v {
        Value::Act(t) => t.data.iter().map(|v| v.value()).collect(),
        Value::Float(t) => t.data.clone(),
        Value::Int(t) => t.data.iter().map(|&v| v as f64).collect(),
    }
}

/// OneHot(indices, depth, values=[off, on]) along `axis`; negative indices count from the
/// end, indices outside `[-depth, depth)` give an all-`off` row. The result has no
/// derivative with respect to the indices (it is piecewise constant in them).
pub(crate) fn one_hot<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let ind = req(ins, 0, "indices")?;
    // a size: an activation's primal value is used (OneHot is piecewise constant in it)
    let depth = primal(req(ins, 1, "depth")?);
    let &[depth] = depth.as_slice() else {
        return Err(format!(
            "depth must be a scalar, got {} values",
            depth.len()
        ));
    };
    if !(1.0..9.0e15).contains(&depth) {
        return Err(format!("depth must be a positive integer, got {depth}"));
    }
    let depth = depth as usize;
    let values = req(ins, 2, "values")?;
    if values.shape().iter().product::<usize>() != 2 {
        return Err(format!(
            "values must hold [off, on], got shape {:?}",
            values.shape()
        ));
    }
    let idx = primal(ind);
    let r = ind.shape().len();
    let axis = axis_of(node.int("axis", -1), r + 1)?;
    let mut shape = ind.shape().to_vec();
    shape.insert(axis, depth);
    let n = numel_checked(&shape, 8)?;
    let outer: usize = ind.shape()[..axis].iter().product();
    let inner: usize = ind.shape()[axis..].iter().product();
    let d = depth as f64;
    // which output positions are "on"
    let mut on = vec![false; n];
    for o in 0..outer {
        for i in 0..inner {
            let v = idx[o * inner + i].trunc();
            let k = if v < 0.0 { v + d } else { v };
            if k >= 0.0 && k < d {
                on[(o * depth + k as usize) * inner + i] = true;
            }
        }
    }
    Ok(vec![Some(match values {
        Value::Act(t) => Value::Act(Tensor::new(shape, pick(&on, t.data[0], t.data[1]))),
        Value::Float(t) => Value::float(Tensor::new(shape, pick(&on, t.data[0], t.data[1]))),
        Value::Int(t) => Value::int(Tensor::new(shape, pick(&on, t.data[0], t.data[1]))),
    })])
}

/// DepthToSpace (`DCR` or `CRD`) and SpaceToDepth on `[N, C, H, W]`: a reshape, a
/// transpose and a reshape.
fn pick<T: Copy>(on: &[bool], off: T, onv: T) -> Vec<T> {
    on.iter().map(|&b| if b { onv } else { off }).collect()
}

pub(crate) fn depth_space<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let &[n, c, h, w] = x.shape() else {
        return Err(format!("expects a 4-D input, got shape {:?}", x.shape()));
    };
    let b = node.int("blocksize", 0);
    let b = usize::try_from(b)
        .ok()
        .filter(|&b| b > 0)
        .ok_or_else(|| format!("blocksize must be positive, got {b}"))?;
    let (pre, perm, post) = if node.op == "DepthToSpace" {
        if c % (b * b) != 0 {
            return Err(format!(
                "channels {c} are not a multiple of blocksize² {}",
                b * b
            ));
        }
        let c2 = c / (b * b);
        if node.string("mode", "DCR") == "CRD" {
            (
                vec![n, c2, b, b, h, w],
                [0, 1, 4, 2, 5, 3],
                [n, c2, h * b, w * b],
            )
        } else {
            (
                vec![n, b, b, c2, h, w],
                [0, 3, 4, 1, 5, 2],
                [n, c2, h * b, w * b],
            )
        }
    } else {
        if h % b != 0 || w % b != 0 {
            return Err(format!(
                "spatial dims {h}×{w} are not multiples of blocksize {b}"
            ));
        }
        let perm = if node.string("mode", "DCR") == "CRD" {
            [0, 1, 3, 5, 2, 4]
        } else {
            [0, 3, 5, 1, 2, 4]
        };
        (
            vec![n, c, h / b, b, w / b, b],
            perm,
            [n, c * b * b, h / b, w / b],
        )
    };
    Ok(vec![Some(each!(x, |t| transpose_t(
        &t.reshaped(pre.clone()),
        &perm
    )
    .reshaped(post.to_vec())))])
}
