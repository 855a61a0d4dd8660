//! Lowering, the third stage after lexing and parsing: turns the parsed file into a [`Graph`]
//! by running the main function symbolically: constants
//! evaluate to matrices, the inputs to graph nodes, and every operation on a node (weight
//! product, bias, processing step, transfer function) adds a node. The network's shape —
//! how many layers, which feeds which, which functions — is whatever the simulation code
//! computes, not a fixed template.
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the entry [`lower`], the values of the symbolic run, the size limits |
//! | `inputs.rs` | the inputs: lengths from the header comment, nodes created on first use |
//! | `stmt.rs` | statements: blocks, assignments, control flow |
//! | `expr.rs` | expressions: constants, operations that add graph nodes |
//! | `calls.rs` | function calls: transfer functions, processing steps, bookkeeping |
//! | `processing.rs` | the processing functions (`mapminmax_apply`, …, `*_reverse`) |
//! | `constant.rs` | constant matrices and the operations on them |

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

mod calls;
mod constant;
mod expr;
mod inputs;
mod processing;
mod stmt;

use self::constant::Mat;
use self::inputs::{assigns_input_weights, declared_inputs, first_mention};
use super::ast::{Expr, ExprKind, Function, Stmt, StmtKind};
use super::graph::{Graph, Node};
use super::lexer::Comment;
use super::Error;

#[derive(Clone, Debug)]
enum Value {
    Num(Rc<Mat>),
    Struct(BTreeMap<String, Value>),
    /// A per-sample column vector computed by graph node `.0`.
    Sig(usize),
    /// A cell array, indexed by its first subscript (the input or output number; the time
    /// step is the same computation every time for a static network). When `inputs`, missing
    /// entries are the function's inputs (`X{k,ts}` of the time-series signature).
    Cell {
        items: Vec<Option<Value>>,
        inputs: bool,
    },
    /// The delay states `Xi` / `Ai` of the time-series signature.
    Delays,
    /// A value the network does not depend on (sample counts, flags, strings, …).
    Opaque,
    Handle,
    Tilde,
}

/// The loaded network before it is wrapped in the public type.
pub(crate) struct Lowered {
    pub name: String,
    pub graph: Graph,
    pub inputs: Vec<(String, usize)>,
    pub outputs: Vec<(String, usize)>,
    /// `(variable, size, transfer function)` of each `aK = …` layer, in assignment order.
    pub layers: Vec<(String, usize, &'static str)>,
}

/// Cap on the number of inputs / outputs / cell entries, so a hostile index cannot allocate.
const MAX_PORTS: usize = 1024;
/// Cap on row counts and constant-matrix sizes, so a hostile literal cannot allocate without
/// bound.
const MAX_ROWS: usize = 10_000_000;
/// Cap on executed statements (constant `for` ranges are unrolled).
const MAX_STEPS: usize = 1_000_000;

type Env = HashMap<String, Value>;

struct Lowerer<'a> {
    funcs: HashMap<&'a str, &'a Function>,
    nodes: Vec<Node>,
    lens: Vec<Option<usize>>,
    /// Node and name of each input (by 0-based index), created on first use.
    inputs: Vec<Option<(usize, String)>>,
    /// Input lengths stated by the header comment: index → (length, comment line).
    declared: BTreeMap<usize, (usize, usize)>,
    layers: Vec<(String, usize, &'static str)>,
    steps: usize,
}

fn size_err(line: usize, message: String) -> Error {
    Error::SizeMismatch { line, message }
}

fn unsupported(line: usize, what: impl Into<String>) -> Error {
    Error::Unsupported {
        line,
        what: what.into(),
    }
}

const DELAYS: &str = "tapped delay lines (NARX / time-delay networks with input or layer delay \
                      states `Xi`, `Ai`); only static networks are supported";

/// A 1-based index as a 0-based `usize`, if `v` is one and at most `max`.
fn index(v: f64, max: usize) -> Option<usize> {
    (v.is_finite() && v >= 1.0 && v.fract() == 0.0 && v <= max as f64).then(|| v as usize - 1)
}

pub(crate) fn lower(funcs: &[Function], comments: &[Comment]) -> Result<Lowered, Error> {
    let Some(main) = funcs.first() else {
        return Err(Error::NotGenFunction {
            reason: "the file defines no function".into(),
        });
    };
    if !assigns_input_weights(&main.body) {
        return Err(Error::NotGenFunction {
            reason: format!(
                "function `{}` defines no input weight matrix (`IW1_1 = […]`)",
                main.name
            ),
        });
    }
    let mut b = Lowerer {
        funcs: funcs.iter().skip(1).map(|f| (f.name.as_str(), f)).collect(),
        nodes: Vec::new(),
        lens: Vec::new(),
        inputs: Vec::new(),
        declared: declared_inputs(comments),
        layers: Vec::new(),
        steps: 0,
    };
    // `[Y,Xf,Af] = f(X,Xi,Ai)`: inputs and outputs are cells over time steps.
    let time_series = main.outputs.iter().any(|o| o == "Xf" || o == "Af")
        || main
            .params
            .iter()
            .skip(1)
            .any(|p| matches!(p.as_deref(), Some("Xi" | "Ai")));
    if time_series {
        // NARX and time-delay networks read their delay states; say so where they first do,
        // before any bookkeeping on them (`if isempty(Xi) …`) could obscure it.
        let delays: Vec<&str> = main
            .params
            .iter()
            .skip(1)
            .flatten()
            .map(String::as_str)
            .collect();
        if let Some(line) = first_mention(&main.body, &delays) {
            return Err(unsupported(line, DELAYS));
        }
    }
    let mut env = Env::new();
    for (k, p) in main.params.iter().enumerate() {
        let Some(p) = p else { continue };
        let v = if time_series {
            match k {
                0 => Value::Cell {
                    items: Vec::new(),
                    inputs: true,
                },
                _ => Value::Delays,
            }
        } else {
            Value::Sig(b.input(k, p.clone(), main.line)?)
        };
        env.insert(p.clone(), v);
    }
    b.exec_block(&mut env, &main.body)?;

    // Outputs: each output variable is a signal, or (time series) a cell of signals.
    let mut outputs = Vec::new();
    let out_vars: &[String] = if time_series {
        &main.outputs[..main.outputs.len().min(1)]
    } else {
        &main.outputs
    };
    for name in out_vars {
        match env.get(name) {
            Some(Value::Sig(n)) => outputs.push((name.clone(), *n)),
            Some(Value::Cell { items, .. }) if time_series => {
                for (k, item) in items.iter().enumerate() {
                    match item {
                        Some(Value::Sig(n)) => outputs.push((format!("{name}{{{}}}", k + 1), *n)),
                        _ => {
                            return Err(Error::NotGenFunction {
                                reason: format!(
                                    "output `{name}{{{}}}` is not computed from the inputs",
                                    k + 1
                                ),
                            })
                        }
                    }
                }
            }
            Some(_) => {
                return Err(Error::NotGenFunction {
                    reason: format!("output `{name}` is not computed from the inputs"),
                })
            }
            None => {
                return Err(Error::NotGenFunction {
                    reason: format!("output `{name}` is never assigned"),
                })
            }
        }
    }
    if outputs.is_empty() {
        return Err(Error::NotGenFunction {
            reason: format!("function `{}` has no outputs", main.name),
        });
    }

    // Lay the inputs out back to back.
    let mut inputs = Vec::new();
    let mut offset = 0;
    for k in 0..b.inputs.len() {
        let (node, name) = match b.inputs[k].clone() {
            Some(slot) => slot,
            None => {
                let name = format!("X{{{}}}", k + 1);
                (b.input(k, name.clone(), main.line)?, name)
            }
        };
        let Some(len) = b.lens[node] else {
            return Err(size_err(
                main.line,
                format!(
                    "cannot tell the length of input `{name}`: nothing in the simulation fixes it \
                     and the header comment (`x = NxQ matrix, input #{}`) does not state it",
                    k + 1
                ),
            ));
        };
        b.nodes[node] = Node::Input { offset, len };
        offset += len;
        inputs.push((name, len));
    }
    let graph = Graph {
        outputs: outputs.iter().map(|(_, n)| *n).collect(),
        nodes: b.nodes,
    };
    let outputs = outputs
        .into_iter()
        .map(|(name, n)| (name, b.lens[n].unwrap_or(0)))
        .collect();
    Ok(Lowered {
        name: main.name.clone(),
        graph,
        inputs,
        outputs,
        layers: b.layers,
    })
}

enum Flow {
    Next,
    Return,
}

impl<'a> Lowerer<'a> {
    fn push(&mut self, node: Node, len: usize) -> usize {
        self.nodes.push(node);
        self.lens.push(Some(len));
        self.nodes.len() - 1
    }
}

#[cfg(test)]
mod tests;
