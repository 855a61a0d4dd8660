//! Shape rules of the element-wise family: unary functions keep the shape, arithmetic
//! broadcasts (with the opset < 7 `broadcast`/`axis` form), Clip's bounds are scalars, PRelu's
//! slope and Scaler's parameters fit the input.

use super::{one, opt, req, Meta};
use crate::onnx::load::Node;
use crate::onnx::ops::elementwise::{legacy_b_shape, prelu_slope_shape, scaler_len_check};
use crate::onnx::tensor::broadcast_shapes;

pub(crate) fn unary(
    node: &Node,
    ins: &[Option<&Meta>],
    _: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let x = req(ins, 0, "X")?;
    if x.int && !matches!(node.op.as_str(), "Neg" | "Abs" | "Relu") {
        return Err("expects a float tensor, got an integer one".into());
    }
    one(x.like(x.shape.clone()))
}

pub(crate) fn binary(
    node: &Node,
    ins: &[Option<&Meta>],
    opset: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let bs = legacy_b_shape(node, &a.shape, &b.shape, opset)?.unwrap_or_else(|| b.shape.clone());
    let shape = broadcast_shapes(&a.shape, &bs)?;
    // integers stay integers; an integer base keeps its type under Pow
    let int = a.int && (b.int || node.op == "Pow");
    one(Meta::new(shape, int))
}

pub(crate) fn variadic(
    node: &Node,
    ins: &[Option<&Meta>],
    _: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let vals: Vec<&Meta> = ins.iter().flatten().copied().collect();
    let first = vals.first().ok_or("needs at least one input")?;
    let mut shape = first.shape.clone();
    for v in &vals[1..] {
        shape = broadcast_shapes(&shape, &v.shape)?;
    }
    let int = node.op != "Mean" && vals.iter().all(|v| v.int);
    one(Meta::new(shape, int))
}

pub(crate) fn clip(
    _: &Node,
    ins: &[Option<&Meta>],
    opset: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let x = req(ins, 0, "input")?;
    if opset >= 11 {
        for i in [1, 2] {
            if let Some(b) = opt(ins, i) {
                let n = b.floats("a Clip bound")?.len();
                if n != 1 {
                    return Err(format!("a Clip bound must be a scalar, got {n} values"));
                }
            }
        }
    }
    one(x.like(x.shape.clone()))
}

pub(crate) fn prelu(
    _: &Node,
    ins: &[Option<&Meta>],
    opset: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let x = req(ins, 0, "X")?;
    let slope = req(ins, 1, "slope")?;
    if x.int || slope.int {
        return Err("PRelu expects float tensors".into());
    }
    let ss = prelu_slope_shape(&x.shape, &slope.shape, opset);
    one(Meta::float(broadcast_shapes(&x.shape, &ss)?))
}

pub(crate) fn scaler(
    node: &Node,
    ins: &[Option<&Meta>],
    _: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let x = req(ins, 0, "X")?;
    let mut shape = x.shape.clone();
    for p in scaler_len_check(node, &x.shape)? {
        shape = broadcast_shapes(&shape, &p)?;
    }
    one(Meta::float(shape))
}
