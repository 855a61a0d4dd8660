//! Turns the parsed file into a [`Graph`] by running the main function symbolically: constants
//! evaluate to matrices, the inputs to graph nodes, and every operation on a node (weight
//! product, bias, processing step, transfer function) adds a node. The network's shape —
//! how many layers, which feeds which, which functions — is whatever the simulation code
//! computes, not a fixed template.

use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

mod calls;
mod constant;
mod processing;

use self::calls::BOOKKEEPING;
use self::constant::{num_binary, Mat};
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
pub(crate) struct Built {
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

struct Builder<'a> {
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

/// Input sizes the header comment states: `x = 5xQ matrix, input #1` or
/// `Each X{1,ts} = Qx5 matrix, input #1 at timestep ts.`
fn declared_inputs(comments: &[Comment]) -> BTreeMap<usize, (usize, usize)> {
    let mut out = BTreeMap::new();
    for c in comments {
        let Some(p) = c.text.find("input #") else {
            continue;
        };
        let digits: String = c.text[p + 7..]
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        let Ok(k) = digits.parse::<usize>() else {
            continue;
        };
        let size = c
            .text
            .split(|ch: char| ch.is_whitespace() || ch == ',')
            .find_map(|w| {
                w.strip_suffix("xQ")
                    .or_else(|| w.strip_prefix("Qx"))
                    .and_then(|n| n.parse::<usize>().ok())
            });
        if let (Some(n), true) = (size, k >= 1) {
            out.entry(k - 1).or_insert((n, c.line));
        }
    }
    out
}

fn assigns_input_weights(stmts: &[Stmt]) -> bool {
    stmts.iter().any(|s| match &s.kind {
        StmtKind::Assign { targets, .. } => targets.iter().any(|t| {
            matches!(&t.kind, ExprKind::Ident(n)
                if n.strip_prefix("IW").is_some_and(|r| r.split('_').count() == 2
                    && r.split('_').all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))))
        }),
        StmtKind::If {
            branches,
            otherwise,
        } => {
            branches.iter().any(|(_, b)| assigns_input_weights(b)) || assigns_input_weights(otherwise)
        }
        StmtKind::For { body, .. } => assigns_input_weights(body),
        _ => false,
    })
}

/// Whether `e` mentions any of `names`.
fn mentions(e: &Expr, names: &[&str]) -> bool {
    let any = |es: &[Expr]| es.iter().any(|e| mentions(e, names));
    match &e.kind {
        ExprKind::Ident(n) => names.contains(&n.as_str()),
        ExprKind::Matrix { rows, .. } => rows.iter().any(|r| any(r)),
        ExprKind::Unary { e, .. } | ExprKind::Transpose(e) => mentions(e, names),
        ExprKind::Binary { l, r, .. } => mentions(l, names) || mentions(r, names),
        ExprKind::Range { start, step, stop } => {
            mentions(start, names)
                || mentions(stop, names)
                || step.as_deref().is_some_and(|s| mentions(s, names))
        }
        ExprKind::Call { target, args } | ExprKind::CellIndex { target, args } => {
            mentions(target, names) || any(args)
        }
        ExprKind::Field { target, .. } => mentions(target, names),
        _ => false,
    }
}

/// The line of the first statement that mentions any of `names`.
fn first_mention(stmts: &[Stmt], names: &[&str]) -> Option<usize> {
    stmts.iter().find_map(|s| match &s.kind {
        StmtKind::Assign { targets, value } => {
            (targets.iter().any(|t| mentions(t, names)) || mentions(value, names)).then_some(s.line)
        }
        StmtKind::If {
            branches,
            otherwise,
        } => branches
            .iter()
            .find_map(|(c, b)| {
                if mentions(c, names) {
                    Some(c.line)
                } else {
                    first_mention(b, names)
                }
            })
            .or_else(|| first_mention(otherwise, names)),
        StmtKind::For { range, body, .. } => {
            if mentions(range, names) {
                Some(s.line)
            } else {
                first_mention(body, names)
            }
        }
        _ => None,
    })
}

pub(crate) fn build(funcs: &[Function], comments: &[Comment]) -> Result<Built, Error> {
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
    let mut b = Builder {
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
    Ok(Built {
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

impl<'a> Builder<'a> {
    fn push(&mut self, node: Node, len: usize) -> usize {
        self.nodes.push(node);
        self.lens.push(Some(len));
        self.nodes.len() - 1
    }

    /// The node of input `k`, created (with the header comment's length, if any) on first use.
    fn input(&mut self, k: usize, name: String, line: usize) -> Result<usize, Error> {
        if k >= MAX_PORTS {
            return Err(unsupported(line, format!("more than {MAX_PORTS} inputs")));
        }
        if self.inputs.len() <= k {
            self.inputs.resize(k + 1, None);
        }
        if let Some((node, _)) = &self.inputs[k] {
            return Ok(*node);
        }
        self.nodes.push(Node::Input { offset: 0, len: 0 });
        self.lens.push(self.declared.get(&k).map(|&(n, _)| n));
        let node = self.nodes.len() - 1;
        self.inputs[k] = Some((node, name));
        Ok(node)
    }

    /// Requires node `node` to have `n` rows (fixing it, for an input of yet unknown length).
    fn expect_len(
        &mut self,
        node: usize,
        n: usize,
        line: usize,
        msg: impl FnOnce(usize) -> String,
    ) -> Result<(), Error> {
        match self.lens[node] {
            None => {
                self.lens[node] = Some(n);
                Ok(())
            }
            Some(m) if m == n => Ok(()),
            Some(m) => Err(size_err(line, msg(m) + &self.declared_note(node))),
        }
    }

    /// Where an input's length came from, when the header comment stated it.
    fn declared_note(&self, node: usize) -> String {
        match self.input_of(node) {
            Some((k, _)) => match self.declared.get(&k) {
                Some(&(n, cl)) => format!(
                    " (input #{} is {n} long per the header comment on line {cl})",
                    k + 1
                ),
                None => String::new(),
            },
            None => String::new(),
        }
    }

    fn input_of(&self, node: usize) -> Option<(usize, &str)> {
        self.inputs.iter().enumerate().find_map(|(k, s)| match s {
            Some((n, name)) if *n == node => Some((k, name.as_str())),
            _ => None,
        })
    }

    fn len(&self, node: usize, line: usize, what: &str) -> Result<usize, Error> {
        self.lens[node].ok_or_else(|| {
            let name = self.input_of(node).map_or("?", |(_, n)| n);
            size_err(
                line,
                format!(
                    "cannot tell the length of input `{name}` at {what}; state it in the header \
                     comment (`x = NxQ matrix, input #1`)"
                ),
            )
        })
    }

    fn exec_block(&mut self, env: &mut Env, stmts: &[Stmt]) -> Result<Flow, Error> {
        for s in stmts {
            self.steps += 1;
            if self.steps > MAX_STEPS {
                return Err(unsupported(
                    s.line,
                    "more than a million executed statements",
                ));
            }
            if let Flow::Return = self.exec(env, s)? {
                return Ok(Flow::Return);
            }
        }
        Ok(Flow::Next)
    }

    fn exec(&mut self, env: &mut Env, s: &Stmt) -> Result<Flow, Error> {
        let line = s.line;
        match &s.kind {
            StmtKind::Assign { targets, value } => {
                if targets.len() != 1 {
                    return Err(unsupported(
                        line,
                        "assignment to several outputs `[a, b] = …`",
                    ));
                }
                let v = self.eval(env, value)?;
                self.assign(env, &targets[0], v)?;
            }
            // Calls for their effect (`disp`, `warning`, …) never feed the network.
            StmtKind::Expr => {}
            StmtKind::If {
                branches,
                otherwise,
            } => {
                for (cond, body) in branches {
                    // A condition on argument formats or sizes is unknown here; the first
                    // branch is the one taken for a numeric (non-cell, non-empty) input.
                    let taken = match self.eval(env, cond)? {
                        Value::Num(m) => m.numel() > 0 && m.data.iter().all(|&v| v != 0.0),
                        _ => true,
                    };
                    if taken {
                        return self.exec_block(env, body);
                    }
                }
                return self.exec_block(env, otherwise);
            }
            StmtKind::For { var, range, body } => match self.eval(env, range)? {
                Value::Num(m) => {
                    for c in 0..m.cols.max(if m.numel() > 0 { 1 } else { 0 }) {
                        let col = Mat {
                            rows: m.rows,
                            cols: 1,
                            data: (0..m.rows).map(|r| m.data[r * m.cols + c]).collect(),
                        };
                        env.insert(var.clone(), Value::Num(Rc::new(col)));
                        if let Flow::Return = self.exec_block(env, body)? {
                            return Ok(Flow::Return);
                        }
                    }
                }
                // `for ts = 1:TS`: every time step computes the same, so run the body once.
                _ => {
                    env.insert(var.clone(), Value::Opaque);
                    return self.exec_block(env, body);
                }
            },
            StmtKind::Other(what) => {
                return Err(unsupported(
                    line,
                    format!("`{what}` in the simulation code"),
                ))
            }
            StmtKind::Return => return Ok(Flow::Return),
            StmtKind::Keyword(k) => {
                return Err(unsupported(line, format!("`{k}` in the simulation code")))
            }
        }
        Ok(Flow::Next)
    }

    fn assign(&mut self, env: &mut Env, target: &Expr, v: Value) -> Result<(), Error> {
        let line = target.line;
        match &target.kind {
            ExprKind::Ident(name) => {
                if let Value::Sig(n) = v {
                    let is_layer = name.len() > 1
                        && name.starts_with('a')
                        && name[1..].bytes().all(|b| b.is_ascii_digit());
                    if is_layer {
                        let f = match self.nodes[n] {
                            Node::Transfer { f, .. } => f.name(),
                            _ => "purelin",
                        };
                        let len = self.lens[n].unwrap_or(0);
                        self.layers.push((name.clone(), len, f));
                    }
                }
                env.insert(name.clone(), v);
            }
            ExprKind::Field { .. } => {
                let mut path = Vec::new();
                let mut e = target;
                while let ExprKind::Field { target, name } = &e.kind {
                    path.push(name.as_str());
                    e = target;
                }
                let ExprKind::Ident(base) = &e.kind else {
                    return Err(unsupported(
                        line,
                        format!("assignment to `{}`", target.describe()),
                    ));
                };
                path.reverse();
                let slot = env
                    .entry(base.clone())
                    .or_insert_with(|| Value::Struct(BTreeMap::new()));
                set_field(slot, &path, v).map_err(|()| {
                    unsupported(line, format!("assignment to `{}`", target.describe()))
                })?;
            }
            ExprKind::CellIndex { target: t, args } => {
                let ExprKind::Ident(base) = &t.kind else {
                    return Err(unsupported(
                        line,
                        format!("assignment to `{}`", target.describe()),
                    ));
                };
                let k = self.cell_row(env, args, line)?;
                let slot = env.entry(base.clone()).or_insert(Value::Cell {
                    items: Vec::new(),
                    inputs: false,
                });
                match slot {
                    Value::Cell { items, .. } => {
                        if items.len() <= k {
                            items.resize(k + 1, None);
                        }
                        items[k] = Some(v);
                    }
                    Value::Delays => return Err(unsupported(line, DELAYS)),
                    _ => {
                        return Err(unsupported(
                            line,
                            format!("cell assignment to `{}`, which is not a cell", base),
                        ))
                    }
                }
            }
            ExprKind::Tilde => {}
            _ => {
                return Err(unsupported(
                    line,
                    format!("indexed assignment `{} = …`", target.describe()),
                ))
            }
        }
        Ok(())
    }

    /// The first subscript of `c{k, ts}` as a 0-based row.
    fn cell_row(&mut self, env: &mut Env, args: &[Expr], line: usize) -> Result<usize, Error> {
        let Some(first) = args.first() else {
            return Err(unsupported(line, "empty cell index `{}`"));
        };
        match self.eval(env, first)? {
            Value::Num(m) if m.numel() == 1 => index(m.data[0], MAX_PORTS).ok_or_else(|| {
                unsupported(
                    line,
                    format!("cell index {} (expected 1 to {MAX_PORTS})", m.data[0]),
                )
            }),
            // `X{ts}` of a 1×TS cell: input or output 1 at time step ts.
            Value::Opaque if args.len() == 1 => Ok(0),
            _ => Err(unsupported(
                line,
                format!(
                    "cell index `{}` that varies with the time step (delay buffers)",
                    first.describe()
                ),
            )),
        }
    }

    fn eval(&mut self, env: &mut Env, e: &Expr) -> Result<Value, Error> {
        let line = e.line;
        Ok(match &e.kind {
            ExprKind::Num(v) => Value::Num(Rc::new(Mat::scalar(*v))),
            ExprKind::Str | ExprKind::Lambda | ExprKind::Colon | ExprKind::End => Value::Opaque,
            ExprKind::Tilde => Value::Tilde,
            ExprKind::Handle(_) => Value::Handle,
            ExprKind::Ident(name) => match env.get(name) {
                Some(v) => v.clone(),
                None => match name.as_str() {
                    "Inf" | "inf" => Value::Num(Rc::new(Mat::scalar(f64::INFINITY))),
                    "NaN" | "nan" => Value::Num(Rc::new(Mat::scalar(f64::NAN))),
                    "pi" => Value::Num(Rc::new(Mat::scalar(std::f64::consts::PI))),
                    "eps" => Value::Num(Rc::new(Mat::scalar(f64::EPSILON))),
                    "true" => Value::Num(Rc::new(Mat::scalar(1.0))),
                    "false" => Value::Num(Rc::new(Mat::scalar(0.0))),
                    n if BOOKKEEPING.contains(&n) => Value::Opaque,
                    _ => {
                        return Err(Error::Undefined {
                            line,
                            name: name.clone(),
                        })
                    }
                },
            },
            ExprKind::Matrix { rows, cell } => self.matrix(env, rows, *cell, line)?,
            ExprKind::Unary { op, e: inner } => {
                let v = self.eval(env, inner)?;
                match (op, v) {
                    (&"+", v) => v,
                    (&"-", Value::Num(m)) => Value::Num(Rc::new(Mat {
                        data: m.data.iter().map(|v| -v).collect(),
                        ..(*m).clone()
                    })),
                    (&"-", Value::Sig(s)) => {
                        let n = self.len(s, line, "`-`")?;
                        Value::Sig(self.push(Node::Neg { src: s }, n))
                    }
                    (&"~", Value::Num(m)) => Value::Num(Rc::new(Mat {
                        data: m
                            .data
                            .iter()
                            .map(|&v| if v == 0.0 { 1.0 } else { 0.0 })
                            .collect(),
                        ..(*m).clone()
                    })),
                    (_, Value::Sig(_)) => {
                        return Err(unsupported(
                            line,
                            format!("`{op}` of an input-dependent value"),
                        ))
                    }
                    _ => Value::Opaque,
                }
            }
            ExprKind::Transpose(inner) => match self.eval(env, inner)? {
                Value::Num(m) => {
                    let mut data = Vec::with_capacity(m.numel());
                    for c in 0..m.cols {
                        for r in 0..m.rows {
                            data.push(m.data[r * m.cols + c]);
                        }
                    }
                    Value::Num(Rc::new(Mat {
                        rows: m.cols,
                        cols: m.rows,
                        data,
                    }))
                }
                // One sample is a column either way round (`X{1,ts}'` of Q×N cell inputs).
                v => v,
            },
            ExprKind::Binary { op, l, r } => {
                let lv = self.eval(env, l)?;
                let rv = self.eval(env, r)?;
                self.binary(op, lv, rv, l, r, line)?
            }
            ExprKind::Range { start, step, stop } => {
                let a = self.eval(env, start)?;
                let s = match step {
                    Some(s) => Some(self.eval(env, s)?),
                    None => None,
                };
                let b = self.eval(env, stop)?;
                range(a, s, b, line)?
            }
            ExprKind::Field { target, name } => match self.eval(env, target)? {
                Value::Struct(mut fields) => match fields.remove(name) {
                    Some(v) => v,
                    None => {
                        return Err(Error::Undefined {
                            line,
                            name: e.describe(),
                        })
                    }
                },
                Value::Opaque => Value::Opaque,
                _ => {
                    return Err(unsupported(
                        line,
                        format!("field access `{}`", e.describe()),
                    ))
                }
            },
            ExprKind::CellIndex { target, args } => {
                let ExprKind::Ident(base) = &target.kind else {
                    return Err(unsupported(line, format!("cell index `{}`", e.describe())));
                };
                match env.get(base).cloned() {
                    Some(Value::Cell { items, inputs }) => {
                        let k = self.cell_row(env, args, line)?;
                        match items.get(k).cloned().flatten() {
                            Some(v) => v,
                            None if inputs => {
                                Value::Sig(self.input(k, format!("{base}{{{}}}", k + 1), line)?)
                            }
                            None => {
                                return Err(Error::Undefined {
                                    line,
                                    name: e.describe(),
                                })
                            }
                        }
                    }
                    Some(Value::Delays) => return Err(unsupported(line, DELAYS)),
                    Some(Value::Opaque) => Value::Opaque,
                    Some(_) => {
                        return Err(unsupported(
                            line,
                            format!("cell index of non-cell `{base}`"),
                        ))
                    }
                    None => {
                        return Err(Error::Undefined {
                            line,
                            name: base.clone(),
                        })
                    }
                }
            }
            ExprKind::Call { target, args } => {
                let ExprKind::Ident(name) = &target.kind else {
                    return Err(unsupported(line, format!("call `{}`", e.describe())));
                };
                match env.get(name) {
                    Some(Value::Opaque) => Value::Opaque,
                    Some(Value::Delays) => return Err(unsupported(line, DELAYS)),
                    Some(_) => {
                        return Err(unsupported(line, format!("indexing `{}`", e.describe())))
                    }
                    None => self.call(env, name, args, line)?,
                }
            }
        })
    }

    fn matrix(
        &mut self,
        env: &mut Env,
        rows: &[Vec<Expr>],
        cell: bool,
        line: usize,
    ) -> Result<Value, Error> {
        if cell {
            let mut items = Vec::new();
            for e in rows.iter().flatten() {
                items.push(Some(self.eval(env, e)?));
            }
            // `X = {X}` wraps a matrix input as a cell; our inputs already are one.
            if let [Some(v @ Value::Cell { .. })] = items.as_slice() {
                return Ok(v.clone());
            }
            return Ok(Value::Cell {
                items,
                inputs: false,
            });
        }
        let mut out: Option<Mat> = None;
        let mut first_cols = 0;
        for (ri, row) in rows.iter().enumerate() {
            let mut acc: Option<Mat> = None;
            for e in row {
                let m = match self.eval(env, e)? {
                    Value::Num(m) => m,
                    Value::Sig(_) => {
                        return Err(unsupported(e.line, "concatenating input-dependent values"))
                    }
                    _ => return Ok(Value::Opaque),
                };
                if m.numel() == 0 {
                    continue;
                }
                acc = Some(match acc {
                    None => (*m).clone(),
                    Some(a) => {
                        if a.rows != m.rows {
                            return Err(size_err(
                                line,
                                format!(
                                    "horizontal concatenation of {} and {} in a matrix literal",
                                    a.shape(),
                                    m.shape()
                                ),
                            ));
                        }
                        let cols = a.cols + m.cols;
                        let mut data = Vec::with_capacity(a.rows * cols);
                        for r in 0..a.rows {
                            data.extend_from_slice(&a.data[r * a.cols..(r + 1) * a.cols]);
                            data.extend_from_slice(&m.data[r * m.cols..(r + 1) * m.cols]);
                        }
                        Mat {
                            rows: a.rows,
                            cols,
                            data,
                        }
                    }
                });
            }
            let Some(r) = acc else { continue };
            out = Some(match out {
                None => {
                    first_cols = r.cols;
                    r
                }
                Some(mut o) => {
                    if o.cols != r.cols {
                        return Err(Error::RaggedMatrix {
                            line,
                            expected: first_cols,
                            found: r.cols,
                            row: ri + 1,
                        });
                    }
                    o.rows += r.rows;
                    o.data.extend_from_slice(&r.data);
                    o
                }
            });
        }
        Ok(Value::Num(Rc::new(out.unwrap_or(Mat {
            rows: 0,
            cols: 0,
            data: Vec::new(),
        }))))
    }

    fn binary(
        &mut self,
        op: &str,
        lv: Value,
        rv: Value,
        le: &Expr,
        re: &Expr,
        line: usize,
    ) -> Result<Value, Error> {
        match (lv, rv) {
            (Value::Num(a), Value::Num(b)) => {
                num_binary(op, &a, &b, line).map(|m| Value::Num(Rc::new(m)))
            }
            (Value::Sig(s), Value::Num(c)) => self.sig_const(op, s, &c, false, re, le, line),
            (Value::Num(c), Value::Sig(s)) => self.sig_const(op, s, &c, true, le, re, line),
            (Value::Sig(a), Value::Sig(b)) => {
                if op != "+" && op != "-" {
                    return Err(unsupported(
                        line,
                        format!(
                            "`{op}` of two input-dependent values (`{}`, `{}`)",
                            le.describe(),
                            re.describe()
                        ),
                    ));
                }
                let n = match (self.lens[a], self.lens[b]) {
                    (Some(n), _) | (None, Some(n)) => n,
                    _ => self.len(a, line, &format!("`{op}`"))?,
                };
                let (ld, rd) = (le.describe(), re.describe());
                self.expect_len(a, n, line, |m| {
                    format!("`{ld}` has {m} rows but `{rd}` has {n}")
                })?;
                self.expect_len(b, n, line, |m| {
                    format!("`{rd}` has {m} rows but `{ld}` has {n}")
                })?;
                let node = if op == "+" {
                    Node::Add { a, b }
                } else {
                    Node::Sub { a, b }
                };
                Ok(Value::Sig(self.push(node, n)))
            }
            (Value::Cell { .. } | Value::Struct(_), _)
            | (_, Value::Cell { .. } | Value::Struct(_)) => Err(unsupported(
                line,
                format!(
                    "arithmetic on a cell array or struct: `{}` {op} `{}`",
                    le.describe(),
                    re.describe()
                ),
            )),
            (Value::Sig(_), _) | (_, Value::Sig(_)) => Err(unsupported(
                line,
                format!("`{op}` between `{}` and `{}`", le.describe(), re.describe()),
            )),
            _ => Ok(Value::Opaque),
        }
    }

    /// `sig op c` (or `c op sig` when `const_left`).
    #[allow(clippy::too_many_arguments)]
    fn sig_const(
        &mut self,
        op: &str,
        s: usize,
        c: &Rc<Mat>,
        const_left: bool,
        ce: &Expr,
        se: &Expr,
        line: usize,
    ) -> Result<Value, Error> {
        let (cd, sd) = (ce.describe(), se.describe());
        // Matrix product `W * x`: the layer products.
        // A 1×1 weight times an input of yet unknown length is a product too (a one-row
        // input), not a scaling.
        if op == "*" && const_left && (c.numel() != 1 || self.lens[s].is_none()) {
            let cols = c.cols;
            self.expect_len(s, cols, line, |m| {
                format!("`{cd}` is {} but `{sd}` has {m} rows", c.shape())
            })?;
            let node = Node::MatMul {
                src: s,
                w: c.data.clone(),
                rows: c.rows,
                cols,
            };
            return Ok(Value::Sig(self.push(node, c.rows)));
        }
        let elementwise = matches!(op, "+" | "-" | ".*" | "./")
            || (matches!(op, "*" | "/") && c.numel() == 1 && !(op == "/" && const_left));
        if !elementwise || (op == "./" && const_left) {
            return Err(unsupported(
                line,
                format!(
                    "`{op}` between `{}` and `{}`",
                    if const_left { &cd } else { &sd },
                    if const_left { &sd } else { &cd }
                ),
            ));
        }
        // Element-wise with a constant: a scalar broadcasts for products and quotients; a sum
        // needs a vector of the signal's length (a bias of the wrong size is an error, not a
        // broadcast).
        if !c.is_vector() {
            return Err(size_err(
                line,
                format!(
                    "`{cd}` is a {} matrix, combined element-wise with `{sd}`",
                    c.shape()
                ),
            ));
        }
        let n = if c.numel() == 1 && !matches!(op, "+" | "-") {
            self.len(s, line, &format!("`{op}`"))?
        } else {
            let k = c.numel();
            self.expect_len(s, k, line, |m| {
                format!("`{cd}` has {k} elements but `{sd}` has {m} rows")
            })?;
            k
        };
        let cv = c.data.clone();
        let node = match (op, const_left) {
            ("+", _) => Node::AddConst { src: s, c: cv },
            ("-", false) => Node::SubConst { src: s, c: cv },
            ("-", true) => {
                // c - x = c + (-x), exactly.
                let neg = self.push(Node::Neg { src: s }, n);
                Node::AddConst { src: neg, c: cv }
            }
            (".*" | "*", _) => Node::MulConst { src: s, c: cv },
            _ => Node::DivConst { src: s, c: cv },
        };
        Ok(Value::Sig(self.push(node, n)))
    }
}

fn set_field(slot: &mut Value, path: &[&str], v: Value) -> Result<(), ()> {
    let Value::Struct(map) = slot else {
        return Err(());
    };
    match path {
        [] => Err(()),
        [last] => {
            map.insert(last.to_string(), v);
            Ok(())
        }
        [first, rest @ ..] => {
            let next = map
                .entry(first.to_string())
                .or_insert_with(|| Value::Struct(BTreeMap::new()));
            set_field(next, rest, v)
        }
    }
}

fn range(a: Value, s: Option<Value>, b: Value, line: usize) -> Result<Value, Error> {
    let scalar = |v: &Value| match v {
        Value::Num(m) if m.numel() == 1 => Some(m.data[0]),
        _ => None,
    };
    let (Some(a), Some(b)) = (scalar(&a), scalar(&b)) else {
        return Ok(Value::Opaque);
    };
    let step = match &s {
        Some(s) => match scalar(s) {
            Some(v) => v,
            None => return Ok(Value::Opaque),
        },
        None => 1.0,
    };
    let count = ((b - a) / step).floor() + 1.0;
    if !count.is_finite() || count > 1e6 {
        return Err(unsupported(
            line,
            "a range with more than a million elements",
        ));
    }
    let count = count.max(0.0) as usize;
    Ok(Value::Num(Rc::new(Mat {
        rows: 1,
        cols: count,
        data: (0..count).map(|i| a + step * i as f64).collect(),
    })))
}

#[cfg(test)]
mod tests;
