//! The shape rule of the operators of issue 17 that have no dedicated rule yet: the
//! evaluator itself runs the node on its known constant inputs and zero placeholders of the
//! known shapes (already bounded by the validation of the inputs), so the output shapes are
//! the evaluator's own. An output whose shape depends on the values of an input unknown at
//! load (Range or OneHot fed by the model input) cannot be inferred this way: the
//! placeholder's shape may differ, and the run-time shape check reports it.

use super::Meta;
use crate::onnx::load::{Const, Node};
use crate::onnx::tensor::{Tensor, Value};
use std::sync::Arc;

/// Results this small are kept as known constants (for the shape computations after them).
const FOLD_LIMIT: usize = 4096;

pub(crate) fn evaluated(
    node: &Node,
    ins: &[Option<&Meta>],
    opset: i64,
) -> Result<Vec<Option<Meta>>, String> {
    let vals: Vec<Option<Value<f64>>> = ins
        .iter()
        .map(|m| {
            m.map(|m| match m.as_value() {
                Some(v) => Ok(v),
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
                let small = shape.iter().product::<usize>() <= FOLD_LIMIT;
                let value = match v {
                    _ if !(known && small) => None,
                    Value::Int(t) => Some(Const::Int(t)),
                    Value::Float(t) => Some(Const::Float(t)),
                    Value::Act(t) => Some(Const::Float(Arc::new(t))),
                };
                Meta { shape, int, value }
            })
        })
        .collect())
}
