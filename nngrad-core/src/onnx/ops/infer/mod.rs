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
    /// Whether `shape` is the value's shape, or only a stand-in because the shape depends
    /// on the runtime input's values.
    pub dims: Dims,
}

/// How much of a value's shape is known at load.
///
/// A shape depends on the runtime input's *values* when a size is computed from them (a
/// `Range` bound, a `OneHot` depth, a `Reshape` target fed by the input), and then on
/// everything downstream. Such a value is known only at run time: the evaluator checks its
/// size against the [`LoadOptions`](crate::onnx::LoadOptions) limits before allocating it
/// (`tensor::RunLimit`), and the model reports its output as dynamic.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Dims {
    /// `shape` is the value's shape.
    #[default]
    Known,
    /// The rank (and `int`) are known; `shape` is a stand-in of that rank with every
    /// dimension 1 (neutral under broadcasting), the sizes are known only at run time.
    RankOnly,
    /// Neither the rank nor the kind is known at load (a rule failed on stand-ins, where
    /// the true sizes might satisfy it): `shape` is empty and `int` a guess; the run-time
    /// checks decide.
    Unknown,
}

impl Meta {
    pub fn float(shape: Vec<usize>) -> Meta {
        Meta::new(shape, false)
    }
    pub fn int(shape: Vec<usize>) -> Meta {
        Meta::new(shape, true)
    }
    /// A value of the known `shape`, integer or float, contents unknown.
    pub fn new(shape: Vec<usize>, int: bool) -> Meta {
        Meta {
            shape,
            int,
            value: None,
            dims: Dims::Known,
        }
    }
    /// A value of this rank and kind whose sizes are known only at run time.
    pub fn run_time(rank: usize, int: bool) -> Meta {
        Meta {
            shape: vec![1; rank],
            int,
            value: None,
            dims: Dims::RankOnly,
        }
    }
    /// A value whose shape and kind are known only at run time.
    pub fn unknown() -> Meta {
        Meta {
            shape: vec![],
            int: false,
            value: None,
            dims: Dims::Unknown,
        }
    }
    /// Whether the shape is known at load.
    pub fn is_static(&self) -> bool {
        self.dims == Dims::Known
    }
    /// A value of `shape` of this one's kind.
    pub fn like(&self, shape: Vec<usize>) -> Meta {
        Meta::new(shape, self.int)
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
            dims: Dims::Known,
        }
    }
    /// The value as the evaluator's constant, if known.
    pub fn as_value(&self) -> Option<Value<f64>> {
        self.value.as_ref().map(|c| match c {
            Const::Float(t) => Value::Float(t.clone()),
            Const::Int(t) => Value::Int(t.clone()),
        })
    }
    /// The contents, or the run-time-only error when they depend on the runtime input: the
    /// validation pass then marks the node's outputs as shaped at run time.
    fn known(&self, what: &str) -> Result<Value<f64>, String> {
        self.as_value().ok_or_else(|| {
            format!(
                "{RUN_TIME_ONLY}{what} depends on the model input's values, so the shape it \
                 decides is known only at run time"
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

/// How a rule's error starts when it needed the contents of a value that depends on the
/// runtime input (a Reshape target, a Slice bound): not a fault of the model, so the
/// validation pass ([`run_time_only`]) marks the outputs as shaped at run time instead.
const RUN_TIME_ONLY: &str = "[run-time only] ";

/// Whether a rule's error only says that a shape is known at run time (see [`Meta::ints`]).
pub(crate) fn run_time_only(message: &str) -> bool {
    message.starts_with(RUN_TIME_ONLY)
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
