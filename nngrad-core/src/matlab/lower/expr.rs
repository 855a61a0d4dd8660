//! Expressions of the simulation code: constants evaluate to matrices, operations on
//! per-sample signals add graph nodes (weight products, biases, element-wise steps).

use std::rc::Rc;

use super::calls::BOOKKEEPING;
use super::constant::{num_binary, Mat};
use super::{size_err, unsupported, Env, Expr, ExprKind, Lowerer, Value, DELAYS};
use crate::matlab::graph::Node;
use crate::matlab::Error;

impl Lowerer<'_> {
    pub(super) fn eval(&mut self, env: &mut Env, e: &Expr) -> Result<Value, Error> {
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

    pub(super) fn matrix(
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

    pub(super) fn binary(
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
    pub(super) fn sig_const(
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

pub(super) fn range(a: Value, s: Option<Value>, b: Value, line: usize) -> Result<Value, Error> {
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
