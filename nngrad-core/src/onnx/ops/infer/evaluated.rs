//! The shape rule of the operators of issue 17 that have no dedicated rule yet: the
//! evaluator itself runs the node on its known constant inputs and zero placeholders of the
//! known shapes (already bounded by the validation of the inputs), so the output shapes are
//! the evaluator's own.
//!
//! Some inputs decide the output's *size* by their values ([`size_inputs`]: Range's bounds,
//! OneHot's depth, Tile's repeats, TopK's K, Pad's pads, Resize's scales and sizes, a
//! reduction's axes). When such an input depends on the runtime input, a zero placeholder
//! would give a wrong shape; instead the node runs on a valid stand-in value (a range of
//! length 0, depth 1, repeats 1, …), which checks everything but the size (ranks, kinds,
//! attributes, the other inputs), and the outputs are marked as shaped at run time
//! ([`Dims::RankOnly`]).

use super::{Dims, Meta};
use crate::onnx::load::{Const, Node};
use crate::onnx::tensor::{Tensor, Value};
use std::sync::Arc;

/// Results this small are kept as known constants (for the shape computations after them).
const FOLD_LIMIT: usize = 4096;

/// The inputs of `op` whose values decide its output shape.
fn size_inputs(op: &str, opset: i64) -> &'static [usize] {
    match op {
        "Range" => &[0, 1, 2],
        "OneHot" | "Tile" => &[1],
        "TopK" if opset >= 10 => &[1],
        "Pad" if opset >= 11 => &[1, 3],
        "Resize" if opset >= 11 => &[2, 3],
        "Resize" => &[1],
        "ReduceMin" | "ReduceProd" | "ReduceL1" | "ReduceL2" | "ReduceLogSum"
        | "ReduceLogSumExp" | "ReduceSumSquare"
            if opset >= crate::onnx::ops::reduce::axes_input_since(op) =>
        {
            &[1]
        }
        _ => &[],
    }
}

/// A valid value for the size-deciding input `i` of `op` whose contents are unknown at
/// load: one that gives the smallest output (the true size is checked at run time).
fn stand_in(op: &str, i: usize, m: &Meta) -> Value<f64> {
    let n = m.shape.iter().product::<usize>();
    let v: Vec<f64> = if op.starts_with("Reduce") || (op == "Pad" && i == 3) {
        // reduce over (or pad along) the first axes: a valid set of distinct axes
        (0..n).map(|a| a as f64).collect()
    } else if matches!(op, "OneHot" | "Tile" | "Resize") || (op == "Range" && i == 2) {
        // depth 1, repeats 1, resizing by scale (or to size) 1, Range's delta 1
        vec![1.0; n]
    } else {
        // Range's start and limit (an empty range), TopK's K = 0, pads of 0
        vec![0.0; n]
    };
    if m.int {
        Value::int(Tensor::new(
            m.shape.clone(),
            v.iter().map(|&x| x as i64).collect(),
        ))
    } else {
        Value::Float(Arc::new(Tensor::new(m.shape.clone(), v)))
    }
}

pub(crate) fn evaluated(
    node: &Node,
    ins: &[Option<&Meta>],
    opset: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let sizes = size_inputs(&node.op, opset);
    let mut run_time = false;
    let vals: Vec<Option<Value<f64>>> = ins
        .iter()
        .enumerate()
        .map(|(i, m)| {
            m.map(|m| match m.as_value() {
                Some(v) => Ok(v),
                None if sizes.contains(&i) => {
                    run_time = true;
                    Ok(stand_in(&node.op, i, m))
                }
                None if m.int => Tensor::full(m.shape.clone(), 0i64).map(Value::int),
                None => Tensor::full(m.shape.clone(), 0.0).map(Value::Act),
            })
            .transpose()
        })
        .collect::<Result<_, _>>()?;
    let refs: Vec<Option<&Value<f64>>> = vals.iter().map(Option::as_ref).collect();
    let known = ins.iter().flatten().all(|m| m.value.is_some());
    let outs = super::super::run(node, &refs, opset)?;
    Ok(outs
        .into_iter()
        .map(|o| {
            o.map(|v| {
                let (shape, int) = (v.shape().to_vec(), v.is_int());
                if run_time {
                    return Meta::run_time(shape.len(), int);
                }
                let small = shape.iter().product::<usize>() <= FOLD_LIMIT;
                let value = match v {
                    _ if !(known && small) => None,
                    Value::Int(t) => Some(Const::Int(t)),
                    Value::Float(t) => Some(Const::Float(t)),
                    Value::Act(t) => Some(Const::Float(Arc::new(t))),
                };
                Meta {
                    shape,
                    int,
                    value,
                    dims: Dims::Known,
                }
            })
        })
        .collect())
}
