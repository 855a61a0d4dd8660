//! Comparisons, logic and selection: Equal, Less(OrEqual), Greater(OrEqual), Not, And, Or,
//! Xor, IsNaN, IsInf and Where.
//!
//! Comparisons and predicates produce bool tensors (integers 0/1), which carry no
//! derivative. `Where` copies the element of the branch its condition selects, derivative
//! and all: it never blends the branches arithmetically, so a `-inf` (or NaN) in the branch
//! not selected cannot leak into the result or its derivative.

use super::elementwise::zip_broadcast;
use super::{req, Ins, Outs, NOT_THIS_FAMILY};
use crate::onnx::load::Node;
use crate::onnx::tensor::{
    broadcast_shapes, broadcast_strides, for_each_offset, numel_checked, Tensor, Value,
};
use crate::Scalar;

/// The primal values of a value as f64 (integers widened).
fn values<S: Scalar>(v: &Value<S>) -> Tensor<f64> {
    match v {
        Value::Act(t) => t.map(|x| x.value()),
        Value::Float(t) => (**t).clone(),
        Value::Int(t) => t.map(|x| x as f64),
    }
}

fn bool_t<S: Scalar>(t: Tensor<bool>) -> Value<S> {
    Value::int(t.map(i64::from))
}

/// Equal, Less, LessOrEqual, Greater, GreaterOrEqual, And, Or, Xor: broadcasting, bool out.
pub(crate) fn compare<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let float: fn(f64, f64) -> bool = match node.op.as_str() {
        "Equal" => |p, q| p == q,
        "Less" => |p, q| p < q,
        "LessOrEqual" => |p, q| p <= q,
        "Greater" => |p, q| p > q,
        "GreaterOrEqual" => |p, q| p >= q,
        "And" => |p, q| p != 0.0 && q != 0.0,
        "Or" => |p, q| p != 0.0 || q != 0.0,
        "Xor" => |p, q| (p != 0.0) != (q != 0.0),
        other => return Err(format!("{other} {NOT_THIS_FAMILY}")),
    };
    let out = match (a, b) {
        // integers compare exactly (no rounding through f64)
        (Value::Int(x), Value::Int(y)) => {
            let int: fn(i64, i64) -> bool = match node.op.as_str() {
                "Equal" => |p, q| p == q,
                "Less" => |p, q| p < q,
                "LessOrEqual" => |p, q| p <= q,
                "Greater" => |p, q| p > q,
                "GreaterOrEqual" => |p, q| p >= q,
                "And" => |p, q| p != 0 && q != 0,
                "Or" => |p, q| p != 0 || q != 0,
                _ => |p, q| (p != 0) != (q != 0),
            };
            zip_broadcast(x, y, |p, q| Ok(int(p, q)))?
        }
        _ => zip_broadcast(&values(a), &values(b), |p, q| Ok(float(p, q)))?,
    };
    Ok(vec![Some(bool_t(out))])
}

/// Not, IsNaN, IsInf: element-wise predicates, bool out.
pub(crate) fn predicate<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let (neg, pos) = (
        node.int("detect_negative", 1) != 0,
        node.int("detect_positive", 1) != 0,
    );
    let f: Box<dyn Fn(f64) -> bool> = match node.op.as_str() {
        "Not" => Box::new(|v| v == 0.0),
        "IsNaN" => Box::new(|v: f64| v.is_nan()),
        "IsInf" => {
            Box::new(move |v: f64| (pos && v == f64::INFINITY) || (neg && v == f64::NEG_INFINITY))
        }
        other => return Err(format!("{other} {NOT_THIS_FAMILY}")),
    };
    Ok(vec![Some(bool_t(values(x).map(f)))])
}

fn select<T: Copy>(c: &Tensor<i64>, x: &Tensor<T>, y: &Tensor<T>) -> Result<Tensor<T>, String> {
    let shape = broadcast_shapes(&broadcast_shapes(&c.shape, &x.shape)?, &y.shape)?;
    let n = numel_checked(&shape, std::mem::size_of::<T>())?;
    let (sc, sx, sy) = (
        broadcast_strides(&c.shape, &shape),
        broadcast_strides(&x.shape, &shape),
        broadcast_strides(&y.shape, &shape),
    );
    let mut data = Vec::with_capacity(n);
    if n > 0 {
        for_each_offset(&shape, [&sc, &sx, &sy], |[ic, ix, iy]| {
            data.push(if c.data[ic] != 0 {
                x.data[ix]
            } else {
                y.data[iy]
            });
        });
    }
    Ok(Tensor::new(shape, data))
}

/// Where(condition, X, Y), broadcasting all three.
pub(crate) fn where_op<S: Scalar>(ins: &Ins<S>) -> Outs<S> {
    let c = req(ins, 0, "condition")?;
    let x = req(ins, 1, "X")?;
    let y = req(ins, 2, "Y")?;
    let c = match c {
        Value::Int(t) => (**t).clone(),
        other => values(other).map(|v| i64::from(v != 0.0)),
    };
    use Value::*;
    let out = match (x, y) {
        (Int(p), Int(q)) => Value::int(select(&c, p, q)?),
        (Float(p), Float(q)) => Value::float(select(&c, p, q)?),
        (Int(p), Float(q)) => Value::float(select(&c, &p.map(|v| v as f64), q)?),
        (Float(p), Int(q)) => Value::float(select(&c, p, &q.map(|v| v as f64))?),
        _ => Act(select(&c, &*x.act_ref("X")?, &*y.act_ref("Y")?)?),
    };
    Ok(vec![Some(out)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dual;

    /// The unselected branch's -inf never reaches the result or its tangent.
    #[test]
    fn where_passes_the_selected_branch_only() {
        let c = Value::<Dual>::int(Tensor::new(vec![3], vec![1, 0, 1]));
        let x = Value::Act(Tensor::new(
            vec![3],
            vec![
                Dual::new(1.0, 2.0),
                Dual::new(3.0, 4.0),
                Dual::new(5.0, 6.0),
            ],
        ));
        let y = Value::float(Tensor::new(vec![1], vec![f64::NEG_INFINITY]));
        let out = where_op(&[Some(&c), Some(&x), Some(&y)]).unwrap();
        let Some(Value::Act(t)) = &out[0] else {
            panic!("expected an activation")
        };
        let got: Vec<(f64, f64)> = t.data.iter().map(|d| (d.re(), d.eps())).collect();
        assert_eq!(got, vec![(1.0, 2.0), (f64::NEG_INFINITY, 0.0), (5.0, 6.0)]);
    }
}
