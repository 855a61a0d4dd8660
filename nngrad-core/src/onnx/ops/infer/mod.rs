//! Load-time shape rules: for every operator, from its node and what is known of its inputs
//! (shape, integer or float, and the values of small constants) to the same of its outputs,
//! with the operator's attribute and shape checks. The validation pass
//! (`onnx/validate.rs`) runs them over the evaluated path before anything is evaluated, so
//! every size is known, checked and bounded at load.
//!
//! One file per operator family, as in `ops/`; each rule calls the family's own shape
//! function where the evaluator has one (`conv_shape`, `matmul_shape`, `reshape_target`, …),
//! so the check at load and the one at run time are the same code.

pub(crate) mod conv;
pub(crate) mod elementwise;
pub(crate) mod evaluated;
pub(crate) mod linalg;
pub(crate) mod reduce;
pub(crate) mod rnn;
pub(crate) mod shape;

use crate::onnx::load::{Const, Node};
use crate::onnx::tensor::Value;

/// What is known about a value at load: its shape, whether it is an integer tensor, and its
/// contents when it is a constant small enough to fold (initializers, `Constant` nodes,
/// shape computations).
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub shape: Vec<usize>,
    pub int: bool,
    pub value: Option<Const>,
}

impl Meta {
    pub fn float(shape: Vec<usize>) -> Meta {
        Meta {
            shape,
            int: false,
            value: None,
        }
    }
    pub fn int(shape: Vec<usize>) -> Meta {
        Meta {
            shape,
            int: true,
            value: None,
        }
    }
    /// A value of `shape` of this one's kind.
    pub fn like(&self, shape: Vec<usize>) -> Meta {
        Meta {
            shape,
            int: self.int,
            value: None,
        }
    }
    /// The known constant `c`.
    pub fn of_const(c: &Const) -> Meta {
        let (shape, int) = match c {
            Const::Float(t) => (t.shape.clone(), false),
            Const::Int(t) => (t.shape.clone(), true),
        };
        Meta {
            shape,
            int,
            value: Some(c.clone()),
        }
    }
    /// The value as the evaluator's constant, if known.
    pub fn as_value(&self) -> Option<Value<f64>> {
        self.value.as_ref().map(|c| match c {
            Const::Float(t) => Value::Float(t.clone()),
            Const::Int(t) => Value::Int(t.clone()),
        })
    }
    fn known(&self, what: &str) -> Result<Value<f64>, String> {
        self.as_value().ok_or_else(|| {
            format!(
                "{what} must be known when the model is loaded (a constant, or computed from \
                 shapes and constants), but it depends on the model input's values"
            )
        })
    }
    /// The integer contents (as the evaluator reads them), which must be known.
    pub fn ints(&self, what: &str) -> Result<Vec<i64>, String> {
        self.known(what)?.int_values(what)
    }
    /// The float contents, which must be known.
    pub fn floats(&self, what: &str) -> Result<Vec<f64>, String> {
        self.known(what)?.const_floats(what)
    }
}

/// A load-time shape rule: the node, what is known of its inputs and the opset in force, to
/// what is known of its outputs (`None` for an output it does not produce).
pub(crate) type ShapeRule = fn(&Node, &[Option<&Meta>], i64) -> Result<Vec<Option<Meta>>, String>;

/// Input `i`, which the operator requires.
pub(crate) fn req<'a>(ins: &[Option<&'a Meta>], i: usize, what: &str) -> Result<&'a Meta, String> {
    ins.get(i)
        .copied()
        .flatten()
        .ok_or_else(|| format!("missing required input {i} ({what})"))
}

/// Optional input `i`.
pub(crate) fn opt<'a>(ins: &[Option<&'a Meta>], i: usize) -> Option<&'a Meta> {
    ins.get(i).copied().flatten()
}

/// One output.
pub(crate) fn one(m: Meta) -> Result<Vec<Option<Meta>>, String> {
    Ok(vec![Some(m)])
}

/// The shape rule of `domain::op`: the operator table's entry.
pub(crate) fn rule_of(domain: &str, op: &str) -> Option<ShapeRule> {
    super::table::lookup(domain, op).and_then(|d| d.shape)
}
