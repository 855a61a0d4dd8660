//! The operator set: the operator table (`table.rs`) and one file per family of operators.
//!
//! Every operator takes its inputs as values (activations, f64 constants or integers) and
//! returns one optional value per output; errors are plain messages that the evaluator
//! wraps with the node's name, type and opset.

mod arrange;
mod compare;
pub(crate) mod conv;
mod conv_transpose;
mod einsum;
pub(crate) mod elementwise;
mod gather;
pub(crate) mod infer;
pub(crate) mod linalg;
mod norm;
mod pad;
pub(crate) mod reduce;
mod resize;
pub(crate) mod rnn;
mod select;
pub(crate) mod shape;
mod table;
pub(crate) mod unary;

use super::tensor::Value;

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

/// The start of the error a family's entry point gives for an operator it does not
/// implement: a table row routed to the wrong file (the table's test looks for it).
pub(crate) const NOT_THIS_FAMILY: &str = "is not an operator of this family";

pub(crate) use table::{dispatch as run, is_supported};
pub use table::{supported_operators, supported_operators_markdown, OperatorInfo};
