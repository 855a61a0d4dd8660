//! The operator set: dispatch from a node's type to its implementation.
//!
//! Every operator takes its inputs as values (activations, f64 constants or integers) and
//! returns one optional value per output; errors are plain messages that the evaluator
//! wraps with the node's name, type and opset.

pub(crate) mod conv;
pub(crate) mod infer;
pub(crate) mod elementwise;
pub(crate) mod linalg;
pub(crate) mod reduce;
pub(crate) mod rnn;
pub(crate) mod shape;

use super::load::Node;
use super::tensor::Value;
use crate::Scalar;

pub(crate) type Ins<'a, S> = [Option<&'a Value<S>>];
pub(crate) type Outs<S> = Result<Vec<Option<Value<S>>>, String>;

/// Input `i`, which the operator requires.
pub(crate) fn req<'a, S>(ins: &Ins<'a, S>, i: usize, what: &str) -> Result<&'a Value<S>, String> {
    ins.get(i)
        .copied()
        .flatten()
        .ok_or_else(|| format!("missing required input {i} ({what})"))
}

/// Optional input `i` (absent or given as an empty name).
pub(crate) fn opt<'a, S>(ins: &Ins<'a, S>, i: usize) -> Option<&'a Value<S>> {
    ins.get(i).copied().flatten()
}

/// The operators of the default domain this evaluator implements.
const DEFAULT_DOMAIN: &[&str] = &[
    "Abs",
    "Add",
    "ArgMax",
    "AveragePool",
    "BatchNormalization",
    "Cast",
    "Clip",
    "Concat",
    "Constant",
    "ConstantOfShape",
    "Conv",
    "Div",
    "Dropout",
    "Elu",
    "Erf",
    "Exp",
    "Expand",
    "Flatten",
    "GRU",
    "Gather",
    "Gelu",
    "Gemm",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "HardSigmoid",
    "Identity",
    "LSTM",
    "LayerNormalization",
    "LeakyRelu",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool",
    "Mean",
    "Min",
    "Mul",
    "Neg",
    "PRelu",
    "Pow",
    "RNN",
    "Reciprocal",
    "ReduceMax",
    "ReduceMean",
    "ReduceSum",
    "Relu",
    "Reshape",
    "Selu",
    "Shape",
    "Sigmoid",
    "Slice",
    "Softmax",
    "Softplus",
    "Softsign",
    "Split",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Sum",
    "Tanh",
    "Transpose",
    "Unsqueeze",
];

/// Whether `domain::op` is implemented.
pub(crate) fn is_supported(domain: &str, op: &str) -> bool {
    match domain {
        "" | "ai.onnx" => DEFAULT_DOMAIN.contains(&op),
        "ai.onnx.ml" => op == "Scaler",
        _ => false,
    }
}

/// Evaluates one node.
pub(crate) fn run<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    if let Some(u) = elementwise::Unary::of(node) {
        return Ok(vec![Some(u.run(req(ins, 0, "X")?)?)]);
    }
    match node.op.as_str() {
        "Add" | "Sub" | "Mul" | "Div" | "Pow" => elementwise::run_binary(node, ins, opset),
        "Sum" | "Mean" | "Max" | "Min" => elementwise::run_variadic(node, ins),
        "Clip" => elementwise::run_clip(node, ins, opset),
        "PRelu" => elementwise::run_prelu(ins, opset),
        "Scaler" => elementwise::run_scaler(node, ins),
        "Gemm" => linalg::gemm(node, ins),
        "MatMul" => linalg::matmul(ins),
        "Conv" => conv::conv(node, ins),
        "MaxPool" => conv::max_pool(node, ins),
        "AveragePool" => conv::avg_pool(node, ins),
        "GlobalAveragePool" | "GlobalMaxPool" => conv::global_pool(node, ins),
        "BatchNormalization" => reduce::batch_norm(node, ins),
        "LayerNormalization" => reduce::layer_norm(node, ins),
        "Softmax" | "LogSoftmax" => reduce::softmax(node, ins, opset),
        "ReduceSum" | "ReduceMean" | "ReduceMax" => reduce::reduce(node, ins),
        "ArgMax" => reduce::argmax(node, ins),
        "LSTM" | "GRU" | "RNN" => rnn::rnn(node, ins),
        "Identity" | "Dropout" => shape::identity(node, ins),
        "Flatten" => shape::flatten(node, ins),
        "Reshape" => shape::reshape(node, ins),
        "Transpose" => shape::transpose(node, ins),
        "Squeeze" => shape::squeeze(node, ins),
        "Unsqueeze" => shape::unsqueeze(node, ins),
        "Concat" => shape::concat(node, ins),
        "Split" => shape::split(node, ins),
        "Slice" => shape::slice(node, ins, opset),
        "Gather" => shape::gather(node, ins),
        "Shape" => shape::shape_op(node, ins),
        "Expand" => shape::expand(ins),
        "Cast" => shape::cast(node, ins),
        "Constant" => shape::constant(node),
        "ConstantOfShape" => shape::constant_of_shape(node, ins),
        other => Err(format!("operator {other} is not implemented")),
    }
}
