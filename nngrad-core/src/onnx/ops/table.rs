//! The operator table: the one list of the operators this evaluator implements. Support
//! checks ([`is_supported`]), dispatch ([`dispatch`]) and the documentation's operator list
//! ([`operators_markdown`], checked against `docs/onnx-operators.md` by a test) all derive
//! from the single `operators!` invocation below, so adding an operator is one line here
//! plus its implementation in its family's file.

use super::{
    arrange, compare, conv, conv_transpose, einsum, elementwise, gather, infer, linalg, norm, pad,
    reduce, resize, rnn, select, shape, unary, Ins, Outs,
};
use crate::onnx::load::Node;
use crate::Scalar;

/// The newest default-domain opset this table has been checked against (the newest the
/// conformance cases import).
pub(crate) const LATEST_OPSET: i64 = 28;

/// The newest `ai.onnx.ml` opset.
const LATEST_ML_OPSET: i64 = 5;

/// Which file of `ops/` implements an operator (and the heading it is listed under).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Family {
    /// `unary.rs`: activations, math, trigonometric, rounding functions.
    Unary,
    /// `elementwise.rs`: broadcasting arithmetic, Clip, PRelu, Scaler.
    Elementwise,
    /// `compare.rs`: comparisons, logic, Where.
    Compare,
    /// `arrange.rs`: Size, Range, Tile, CumSum, OneHot, Depth/SpaceToDepth.
    Arrange,
    /// `gather.rs`: GatherElements/ND, ScatterElements/ND.
    Gather,
    /// `conv_transpose.rs`: ConvTranspose.
    ConvTranspose,
    /// `einsum.rs`: Einsum.
    Einsum,
    /// `norm.rs`: Instance/Group/Lp/MeanVariance normalisation.
    Norm,
    /// `pad.rs`: Pad.
    Pad,
    /// `resize.rs`: Resize.
    Resize,
    /// `reduce.rs`: reductions, arg-extrema, softmax, normalisations.
    Reduce,
    /// `select.rs`: Hardmax, TopK.
    Select,
    /// `shape.rs`: data movement, shapes, casts, constants.
    Shape,
    /// `conv.rs`: convolution and pooling.
    Conv,
    /// `linalg.rs`: matrix products.
    Linalg,
    /// `rnn.rs`: recurrent layers.
    Rnn,
}

impl Family {
    fn file(self) -> &'static str {
        match self {
            Family::Unary => "unary.rs",
            Family::Elementwise => "elementwise.rs",
            Family::Compare => "compare.rs",
            Family::Arrange => "arrange.rs",
            Family::Gather => "gather.rs",
            Family::ConvTranspose => "conv_transpose.rs",
            Family::Einsum => "einsum.rs",
            Family::Norm => "norm.rs",
            Family::Pad => "pad.rs",
            Family::Resize => "resize.rs",
            Family::Reduce => "reduce.rs",
            Family::Select => "select.rs",
            Family::Shape => "shape.rs",
            Family::Conv => "conv.rs",
            Family::Linalg => "linalg.rs",
            Family::Rnn => "rnn.rs",
        }
    }
}

/// A load-time shape rule (`ops/infer/`): from the node and what is known of its inputs
/// to what is known of its outputs.
pub(crate) use super::infer::ShapeRule;

/// One row of the operator table.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OpDef {
    /// `""` for the default domain (`ai.onnx`), else e.g. `ai.onnx.ml`.
    pub domain: &'static str,
    /// The operator type, e.g. `MatMul`.
    pub name: &'static str,
    /// The first opset version that defines the operator.
    pub since: i64,
    /// The newest opset version supported.
    pub until: i64,
    /// The file implementing it.
    pub family: Family,
    /// Its load-time shape rule (`ops/infer/`); a model using an operator without one is
    /// refused at load, and the table's test requires one on every row.
    pub shape: Option<ShapeRule>,
}

/// One entry: `domain name since family => |node, ins, opset| implementation`, optionally
/// followed by `, shape = rule`. The closure is called with the node, its inputs and the
/// opset in force.
macro_rules! operators {
    ($( $domain:literal $name:literal $since:literal $family:ident => $run:expr
        $(, shape = $shape:expr)? ; )*) => {
        /// Every implemented operator, in table order.
        pub(crate) static OPERATORS: &[OpDef] = &[$(
            OpDef {
                domain: $domain,
                name: $name,
                since: $since,
                until: if $domain.is_empty() { LATEST_OPSET } else { LATEST_ML_OPSET },
                family: Family::$family,
                shape: operators!(@shape $($shape)?),
            },
        )*];

        /// Runs `node` with the implementation its table row names; `None` when the table
        /// has no such operator.
        fn run_row<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Option<Outs<S>> {
            let domain = normalise(&node.domain);
            $(
                if domain == $domain && node.op == $name {
                    let run: fn(&Node, &Ins<S>, i64) -> Outs<S> = $run;
                    return Some(run(node, ins, opset));
                }
            )*
            None
        }
    };
    (@shape $shape:expr) => { Some($shape) };
    (@shape) => { None };
}

operators! {
    "" "Abs" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Add" 1 Elementwise => elementwise::run_binary, shape = infer::elementwise::binary;
    "" "ArgMax" 1 Reduce => |n, i, _| reduce::argmax(n, i), shape = infer::reduce::argmax;
    "" "AveragePool" 1 Conv => |n, i, _| conv::avg_pool(n, i), shape = infer::conv::avg_pool;
    "" "BatchNormalization" 1 Reduce => |n, i, _| reduce::batch_norm(n, i), shape = infer::reduce::batch_norm;
    "" "Cast" 1 Shape => |n, i, _| shape::cast(n, i), shape = infer::shape::cast;
    "" "Clip" 1 Elementwise => elementwise::run_clip, shape = infer::elementwise::clip;
    "" "Concat" 1 Shape => |n, i, _| shape::concat(n, i), shape = infer::shape::concat;
    "" "Constant" 1 Shape => |n, _, _| shape::constant(n), shape = infer::shape::constant;
    "" "ConstantOfShape" 9 Shape => |n, i, _| shape::constant_of_shape(n, i), shape = infer::shape::constant_of_shape;
    "" "Conv" 1 Conv => |n, i, _| conv::conv(n, i), shape = infer::conv::conv;
    "" "Div" 1 Elementwise => elementwise::run_binary, shape = infer::elementwise::binary;
    "" "Dropout" 1 Shape => |n, i, _| shape::identity(n, i), shape = infer::shape::dropout;
    "" "Elu" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Erf" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Exp" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Expand" 8 Shape => |_, i, _| shape::expand(i), shape = infer::shape::expand;
    "" "Flatten" 1 Shape => |n, i, _| shape::flatten(n, i), shape = infer::shape::flatten;
    "" "GRU" 1 Rnn => |n, i, _| rnn::rnn(n, i), shape = infer::rnn::rnn;
    "" "Gather" 1 Shape => |n, i, _| shape::gather(n, i), shape = infer::shape::gather;
    "" "Gelu" 20 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Gemm" 1 Linalg => |n, i, _| linalg::gemm(n, i), shape = infer::linalg::gemm;
    "" "GlobalAveragePool" 1 Conv => |n, i, _| conv::global_pool(n, i), shape = infer::conv::global_pool;
    "" "GlobalMaxPool" 1 Conv => |n, i, _| conv::global_pool(n, i), shape = infer::conv::global_pool;
    "" "HardSigmoid" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Identity" 1 Shape => |n, i, _| shape::identity(n, i), shape = infer::shape::identity;
    "" "LSTM" 1 Rnn => |n, i, _| rnn::rnn(n, i), shape = infer::rnn::rnn;
    "" "LayerNormalization" 17 Reduce => |n, i, _| reduce::layer_norm(n, i), shape = infer::reduce::layer_norm;
    "" "LeakyRelu" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Log" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "LogSoftmax" 1 Reduce => reduce::softmax, shape = infer::reduce::softmax;
    "" "MatMul" 1 Linalg => |_, i, _| linalg::matmul(i), shape = infer::linalg::matmul;
    "" "Max" 1 Elementwise => |n, i, _| elementwise::run_variadic(n, i), shape = infer::elementwise::variadic;
    "" "MaxPool" 1 Conv => |n, i, _| conv::max_pool(n, i), shape = infer::conv::max_pool;
    "" "Mean" 1 Elementwise => |n, i, _| elementwise::run_variadic(n, i), shape = infer::elementwise::variadic;
    "" "Min" 1 Elementwise => |n, i, _| elementwise::run_variadic(n, i), shape = infer::elementwise::variadic;
    "" "Mul" 1 Elementwise => elementwise::run_binary, shape = infer::elementwise::binary;
    "" "Neg" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "PRelu" 1 Elementwise => |_, i, o| elementwise::run_prelu(i, o), shape = infer::elementwise::prelu;
    "" "Pow" 1 Elementwise => elementwise::run_binary, shape = infer::elementwise::binary;
    "" "RNN" 1 Rnn => |n, i, _| rnn::rnn(n, i), shape = infer::rnn::rnn;
    "" "Reciprocal" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "ReduceMax" 1 Reduce => reduce::reduce, shape = infer::reduce::reduce;
    "" "ReduceMean" 1 Reduce => reduce::reduce, shape = infer::reduce::reduce;
    "" "ReduceSum" 1 Reduce => reduce::reduce, shape = infer::reduce::reduce;
    "" "Relu" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Reshape" 1 Shape => |n, i, _| shape::reshape(n, i), shape = infer::shape::reshape;
    "" "Selu" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Shape" 1 Shape => |n, i, _| shape::shape_op(n, i), shape = infer::shape::shape_op;
    "" "Sigmoid" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Slice" 1 Shape => shape::slice, shape = infer::shape::slice;
    "" "Softmax" 1 Reduce => reduce::softmax, shape = infer::reduce::softmax;
    "" "Softplus" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Softsign" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Split" 1 Shape => |n, i, _| shape::split(n, i), shape = infer::shape::split;
    "" "Sqrt" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Squeeze" 1 Shape => |n, i, _| shape::squeeze(n, i), shape = infer::shape::squeeze;
    "" "Sub" 1 Elementwise => elementwise::run_binary, shape = infer::elementwise::binary;
    "" "Sum" 1 Elementwise => |n, i, _| elementwise::run_variadic(n, i), shape = infer::elementwise::variadic;
    "" "Tanh" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::elementwise::unary;
    "" "Transpose" 1 Shape => |n, i, _| shape::transpose(n, i), shape = infer::shape::transpose;
    "" "Unsqueeze" 1 Shape => |n, i, _| shape::unsqueeze(n, i), shape = infer::shape::unsqueeze;
    "" "Sin" 7 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Cos" 7 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Tan" 7 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Asin" 7 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Acos" 7 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Atan" 7 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Sinh" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Cosh" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Asinh" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Acosh" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Atanh" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Sign" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Floor" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Ceil" 1 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Round" 11 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "HardSwish" 14 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Mish" 18 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Celu" 12 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "ThresholdedRelu" 10 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Shrink" 9 Unary => |n, i, _| unary::run_unary(n, i), shape = infer::evaluated::evaluated;
    "" "Equal" 1 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "Less" 1 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "LessOrEqual" 12 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "Greater" 1 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "GreaterOrEqual" 12 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "And" 1 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "Or" 1 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "Xor" 1 Compare => |n, i, _| compare::compare(n, i), shape = infer::evaluated::evaluated;
    "" "Not" 1 Compare => |n, i, _| compare::predicate(n, i), shape = infer::evaluated::evaluated;
    "" "IsNaN" 9 Compare => |n, i, _| compare::predicate(n, i), shape = infer::evaluated::evaluated;
    "" "IsInf" 10 Compare => |n, i, _| compare::predicate(n, i), shape = infer::evaluated::evaluated;
    "" "Where" 9 Compare => |_, i, _| compare::where_op(i), shape = infer::evaluated::evaluated;
    "" "Mod" 10 Elementwise => |n, i, _| elementwise::run_mod(n, i), shape = infer::evaluated::evaluated;
    "" "Size" 1 Arrange => |_, i, _| arrange::size(i), shape = infer::evaluated::evaluated;
    "" "Range" 11 Arrange => |_, i, _| arrange::range(i), shape = infer::evaluated::evaluated;
    "" "Tile" 1 Arrange => |_, i, _| arrange::tile(i), shape = infer::evaluated::evaluated;
    "" "CumSum" 11 Arrange => |n, i, _| arrange::cumsum(n, i), shape = infer::evaluated::evaluated;
    "" "OneHot" 9 Arrange => |n, i, _| arrange::one_hot(n, i), shape = infer::evaluated::evaluated;
    "" "DepthToSpace" 1 Arrange => |n, i, _| arrange::depth_space(n, i), shape = infer::evaluated::evaluated;
    "" "SpaceToDepth" 1 Arrange => |n, i, _| arrange::depth_space(n, i), shape = infer::evaluated::evaluated;
    "" "ReduceMin" 1 Reduce => reduce::reduce, shape = infer::evaluated::evaluated;
    "" "ReduceProd" 1 Reduce => reduce::reduce, shape = infer::evaluated::evaluated;
    "" "ReduceL1" 1 Reduce => reduce::reduce, shape = infer::evaluated::evaluated;
    "" "ReduceL2" 1 Reduce => reduce::reduce, shape = infer::evaluated::evaluated;
    "" "ReduceLogSum" 1 Reduce => reduce::reduce, shape = infer::evaluated::evaluated;
    "" "ReduceLogSumExp" 1 Reduce => reduce::reduce, shape = infer::evaluated::evaluated;
    "" "ReduceSumSquare" 1 Reduce => reduce::reduce, shape = infer::evaluated::evaluated;
    "" "ArgMin" 1 Reduce => |n, i, _| reduce::argmax(n, i), shape = infer::evaluated::evaluated;
    "" "GatherElements" 11 Gather => |n, i, _| gather::gather_elements(n, i), shape = infer::evaluated::evaluated;
    "" "GatherND" 11 Gather => |n, i, _| gather::gather_nd(n, i), shape = infer::evaluated::evaluated;
    "" "ScatterElements" 11 Gather => |n, i, _| gather::scatter_elements(n, i), shape = infer::evaluated::evaluated;
    "" "ScatterND" 11 Gather => |n, i, _| gather::scatter_nd(n, i), shape = infer::evaluated::evaluated;
    "" "Hardmax" 1 Select => select::hardmax, shape = infer::evaluated::evaluated;
    "" "TopK" 1 Select => select::top_k, shape = infer::evaluated::evaluated;
    "" "ConvTranspose" 1 ConvTranspose => |n, i, _| conv_transpose::conv_transpose(n, i), shape = infer::evaluated::evaluated;
    "" "LpPool" 1 Conv => |n, i, _| conv::lp_pool(n, i), shape = infer::evaluated::evaluated;
    "" "Einsum" 12 Einsum => |n, i, _| einsum::einsum(n, i), shape = infer::evaluated::evaluated;
    "" "InstanceNormalization" 1 Norm => |n, i, _| norm::instance_norm(n, i), shape = infer::evaluated::evaluated;
    "" "GroupNormalization" 18 Norm => norm::group_norm, shape = infer::evaluated::evaluated;
    "" "LpNormalization" 1 Norm => |n, i, _| norm::lp_norm(n, i), shape = infer::evaluated::evaluated;
    "" "MeanVarianceNormalization" 9 Norm => |n, i, _| norm::mvn(n, i), shape = infer::evaluated::evaluated;
    "" "Pad" 1 Pad => pad::pad, shape = infer::evaluated::evaluated;
    "" "Resize" 10 Resize => resize::resize, shape = infer::evaluated::evaluated;
    "ai.onnx.ml" "Scaler" 1 Elementwise => |n, i, _| elementwise::run_scaler(n, i), shape = infer::elementwise::scaler;
}

/// `ai.onnx` is the default domain, also written `""`.
fn normalise(domain: &str) -> &str {
    if domain == "ai.onnx" {
        ""
    } else {
        domain
    }
}

/// The table row of `domain::op`, if the table has it.
pub(crate) fn lookup(domain: &str, op: &str) -> Option<&'static OpDef> {
    let domain = normalise(domain);
    OPERATORS
        .iter()
        .find(|d| d.domain == domain && d.name == op)
}

/// Whether `domain::op` is implemented at `opset` (0: the model imports no version for
/// the domain, so only the name is checked).
pub(crate) fn is_supported(domain: &str, op: &str, opset: i64) -> bool {
    lookup(domain, op).is_some_and(|d| opset == 0 || (d.since..=d.until).contains(&opset))
}

/// Evaluates one node through its table row.
pub(crate) fn dispatch<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    run_row(node, ins, opset).unwrap_or_else(|| {
        Err(format!(
            "operator {} is not implemented",
            if node.domain.is_empty() {
                node.op.clone()
            } else {
                format!("{}::{}", node.domain, node.op)
            }
        ))
    })
}

/// One supported operator, as [`supported_operators`] lists it.
///
/// ```
/// let ops = nngrad_core::onnx::supported_operators();
/// let matmul = ops.iter().find(|o| o.name == "MatMul").unwrap();
/// assert_eq!((matmul.domain, *matmul.opsets.start()), ("ai.onnx", 1));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OperatorInfo {
    /// `ai.onnx` (the default domain) or e.g. `ai.onnx.ml`.
    pub domain: &'static str,
    /// The operator type.
    pub name: &'static str,
    /// The opset versions accepted.
    pub opsets: std::ops::RangeInclusive<i64>,
    /// The file of `nngrad-core/src/onnx/ops/` implementing it.
    pub file: &'static str,
}

/// Every operator [`Model`](crate::onnx::Model) implements, sorted by domain and name.
///
/// ```
/// let ops = nngrad_core::onnx::supported_operators();
/// assert!(ops.iter().any(|o| o.name == "Softmax" && o.opsets.contains(&13)));
/// ```
pub fn supported_operators() -> Vec<OperatorInfo> {
    let mut v: Vec<OperatorInfo> = OPERATORS
        .iter()
        .map(|d| OperatorInfo {
            domain: if d.domain.is_empty() {
                "ai.onnx"
            } else {
                d.domain
            },
            name: d.name,
            opsets: d.since..=d.until,
            file: d.family.file(),
        })
        .collect();
    v.sort_by_key(|o| (o.domain, o.name));
    v
}

/// The supported operators as a Markdown table (operator, domain, opsets, file), sorted by
/// domain and name: the generated section of `docs/onnx-operators.md`.
///
/// ```
/// let md = nngrad_core::onnx::supported_operators_markdown();
/// assert!(md.contains("| MatMul | ai.onnx | 1–"));
/// ```
pub fn supported_operators_markdown() -> String {
    let mut s =
        String::from("| operator | domain | opsets | implemented in |\n|---|---|---|---|\n");
    for o in supported_operators() {
        s.push_str(&format!(
            "| {} | {} | {}–{} | `ops/{}` |\n",
            o.name,
            o.domain,
            o.opsets.start(),
            o.opsets.end(),
            o.file
        ));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::onnx::load::Node;
    use crate::onnx::tensor::Value;
    use std::collections::HashMap;

    fn node(domain: &str, op: &str) -> Node {
        Node {
            name: "n".into(),
            op: op.into(),
            domain: domain.into(),
            inputs: vec![],
            outputs: vec![],
            attrs: HashMap::new(),
        }
    }

    /// Every row is unique, supported exactly inside its opset range, and dispatched to an
    /// implementation that recognises it (its error with no inputs is about the inputs or
    /// attributes, never "not implemented" or a family that does not know the operator).
    #[test]
    fn table_rows_tie_support_and_dispatch() {
        for (k, d) in OPERATORS.iter().enumerate() {
            assert!(
                OPERATORS[..k]
                    .iter()
                    .all(|e| (e.domain, e.name) != (d.domain, d.name)),
                "{} listed twice",
                d.name
            );
            assert!(d.since >= 1 && d.since <= d.until, "{}", d.name);
            assert!(is_supported(d.domain, d.name, d.since));
            assert!(is_supported(d.domain, d.name, d.until));
            assert!(!is_supported(d.domain, d.name, d.until + 1));
            assert!(!is_supported(d.domain, d.name, d.since - 1) || d.since == 1);
            let ins: Vec<Option<&Value<f64>>> = vec![];
            if let Err(e) = dispatch(&node(d.domain, d.name), &ins, d.since) {
                assert!(
                    !e.contains("not implemented") && !e.contains(NOT_THIS_FAMILY),
                    "{}: {e}",
                    d.name
                );
            }
        }
        assert!(!is_supported("", "NoSuchOp", 13));
        assert!(is_supported("ai.onnx", "MatMul", 13));
    }

    /// Every operator comes with its load-time shape rule, and the rule, given no inputs,
    /// returns an error (about the inputs or attributes) instead of panicking.
    #[test]
    fn every_row_has_a_shape_rule() {
        for d in OPERATORS {
            let rule = d
                .shape
                .unwrap_or_else(|| panic!("{} has no shape rule (ops/infer/)", d.name));
            let n = node(d.domain, d.name);
            assert!(rule(&n, &[], d.since).is_err(), "{}", d.name);
        }
        let ins: Vec<Option<&Value<f64>>> = vec![];
        let e = dispatch(&node("com.vendor", "MatMul"), &ins, 1).unwrap_err();
        assert!(e.contains("not implemented"), "{e}");
    }

    use super::super::NOT_THIS_FAMILY;

    /// The docs' operator list is the table's: regenerate with `NNGRAD_BLESS=1`.
    #[test]
    fn docs_operator_list_matches_the_table() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/onnx-operators.md");
        let text = std::fs::read_to_string(path).expect("docs/onnx-operators.md");
        let (begin, end) = (
            "<!-- operator table: generated -->\n",
            "<!-- end of generated operator table -->",
        );
        let a = text.find(begin).expect("begin marker") + begin.len();
        let b = text.find(end).expect("end marker");
        let want = supported_operators_markdown();
        if text[a..b] != want {
            if std::env::var_os("NNGRAD_BLESS").is_some() {
                std::fs::write(path, format!("{}{want}{}", &text[..a], &text[b..])).unwrap();
            } else {
                panic!(
                    "docs/onnx-operators.md's operator list differs from the operator table; \
                     rerun with NNGRAD_BLESS=1 to regenerate it"
                );
            }
        }
    }
}
