//! Where the network's inputs and their lengths come from: the header comment's stated sizes,
//! the first statement that mentions an input, and the input nodes created on first use.

use std::collections::BTreeMap;

use super::{size_err, unsupported, Expr, ExprKind, Lowerer, Stmt, StmtKind, MAX_PORTS};
use crate::matlab::graph::Node;
use crate::matlab::lexer::Comment;
use crate::matlab::Error;

/// Input sizes the header comment states: `x = 5xQ matrix, input #1` or
/// `Each X{1,ts} = Qx5 matrix, input #1 at timestep ts.`
pub(super) fn declared_inputs(comments: &[Comment]) -> BTreeMap<usize, (usize, usize)> {
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

pub(super) fn assigns_input_weights(stmts: &[Stmt]) -> bool {
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
pub(super) fn mentions(e: &Expr, names: &[&str]) -> bool {
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
pub(super) fn first_mention(stmts: &[Stmt], names: &[&str]) -> Option<usize> {
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

impl Lowerer<'_> {
    /// The node of input `k`, created (with the header comment's length, if any) on first use.
    pub(super) fn input(&mut self, k: usize, name: String, line: usize) -> Result<usize, Error> {
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
    pub(super) fn expect_len(
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
    pub(super) fn declared_note(&self, node: usize) -> String {
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

    pub(super) fn input_of(&self, node: usize) -> Option<(usize, &str)> {
        self.inputs.iter().enumerate().find_map(|(k, s)| match s {
            Some((n, name)) if *n == node => Some((k, name.as_str())),
            _ => None,
        })
    }

    pub(super) fn len(&self, node: usize, line: usize, what: &str) -> Result<usize, Error> {
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
}
