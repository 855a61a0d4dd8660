//! Statements of the simulation code: blocks, assignments (to variables, struct fields, cell
//! entries and outputs) and the control flow `genFunction` writes.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::constant::Mat;
use super::{
    index, unsupported, Env, Expr, ExprKind, Flow, Lowerer, Stmt, StmtKind, Value, DELAYS,
    MAX_PORTS, MAX_STEPS,
};
use crate::matlab::graph::Node;
use crate::matlab::Error;

impl Lowerer<'_> {
    pub(super) fn exec_block(&mut self, env: &mut Env, stmts: &[Stmt]) -> Result<Flow, Error> {
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

    pub(super) fn exec(&mut self, env: &mut Env, s: &Stmt) -> Result<Flow, Error> {
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

    pub(super) fn assign(&mut self, env: &mut Env, target: &Expr, v: Value) -> Result<(), Error> {
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
    pub(super) fn cell_row(
        &mut self,
        env: &mut Env,
        args: &[Expr],
        line: usize,
    ) -> Result<usize, Error> {
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
}

pub(super) fn set_field(slot: &mut Value, path: &[&str], v: Value) -> Result<(), ()> {
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
