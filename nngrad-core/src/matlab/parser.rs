//! Recursive-descent parser for the MATLAB subset of `genFunction` files: function
//! definitions with or without `end`, assignments (to names, struct fields and cell
//! elements), `if`/`for` blocks, and expressions with MATLAB's precedence and its
//! whitespace rules inside brackets (`[a -b]` has two elements, `[a - b]` one).

use super::ast::{Expr, ExprKind, Function, Stmt, StmtKind};
use super::lexer::{is_keyword, Tok, Token};
use super::Error;

/// Deeper nesting than this is rejected rather than risking the stack.
const MAX_DEPTH: usize = 200;

pub(crate) struct Parser<'t> {
    toks: &'t [Token],
    pos: usize,
    /// Open brackets, innermost last: `(is_matrix, line)`.
    open: Vec<(bool, usize)>,
    depth: usize,
}

/// Deeper expression trees than this are rejected: evaluating and dropping them recurses.
const MAX_TREE: usize = 400;

/// An expression node, with its tree depth checked.
fn mk(kind: ExprKind, line: usize) -> Result<Expr, Error> {
    let d = |e: &Expr| e.depth;
    let below = match &kind {
        ExprKind::Binary { l, r, .. } => d(l).max(d(r)),
        ExprKind::Unary { e, .. } | ExprKind::Transpose(e) => d(e),
        ExprKind::Range { start, step, stop } => {
            d(start).max(d(stop)).max(step.as_deref().map_or(0, d))
        }
        ExprKind::Call { target, args } | ExprKind::CellIndex { target, args } => {
            args.iter().map(d).max().unwrap_or(0).max(d(target))
        }
        ExprKind::Field { target, .. } => d(target),
        ExprKind::Matrix { rows, .. } => rows.iter().flatten().map(d).max().unwrap_or(0),
        _ => 0,
    };
    if below >= MAX_TREE {
        return Err(syntax(line, "expression nested too deeply"));
    }
    Ok(Expr {
        kind,
        line,
        depth: below + 1,
    })
}

fn syntax(line: usize, message: impl Into<String>) -> Error {
    Error::Syntax {
        line,
        message: message.into(),
    }
}

fn show(t: &Tok) -> String {
    match t {
        Tok::Ident(s) => format!("`{s}`"),
        Tok::Num(v) => format!("number {v}"),
        Tok::Str(s) => format!("string '{s}'"),
        Tok::Op(o) => format!("`{o}`"),
        Tok::Newline => "end of line".into(),
        Tok::Eof => "end of file".into(),
    }
}

impl<'t> Parser<'t> {
    pub fn new(toks: &'t [Token]) -> Self {
        Parser {
            toks,
            pos: 0,
            open: Vec::new(),
            depth: 0,
        }
    }

    fn peek(&self) -> &Token {
        // The lexer always ends the stream with `Eof`, and `bump` never moves past it.
        &self.toks[self.pos.min(self.toks.len() - 1)]
    }
    fn peek_at(&self, k: usize) -> &Token {
        &self.toks[(self.pos + k).min(self.toks.len() - 1)]
    }
    fn bump(&mut self) -> Token {
        let t = self.peek().clone();
        if !matches!(t.tok, Tok::Eof) {
            self.pos += 1;
        }
        t
    }
    fn is_op(&self, op: &str) -> bool {
        matches!(&self.peek().tok, Tok::Op(o) if *o == op)
    }
    fn is_word(&self, w: &str) -> bool {
        matches!(&self.peek().tok, Tok::Ident(s) if s == w)
    }
    fn expect_op(&mut self, op: &str) -> Result<(), Error> {
        if self.is_op(op) {
            self.bump();
            Ok(())
        } else {
            Err(self.unexpected(&format!("`{op}`")))
        }
    }
    fn unexpected(&self, wanted: &str) -> Error {
        let t = self.peek();
        if let (Tok::Eof, Some(&(_, line))) = (&t.tok, self.open.iter().find(|(matrix, _)| *matrix))
        {
            return Error::UnterminatedMatrix {
                line,
                found: "end of file".into(),
            };
        }
        syntax(t.line, format!("expected {wanted}, found {}", show(&t.tok)))
    }
    fn skip_newlines(&mut self) {
        while matches!(self.peek().tok, Tok::Newline) || (self.is_op(";") || self.is_op(",")) {
            self.bump();
        }
    }
    fn ident(&mut self, what: &str) -> Result<String, Error> {
        match &self.peek().tok {
            Tok::Ident(s) if !is_keyword(s) => {
                let s = s.clone();
                self.bump();
                Ok(s)
            }
            _ => Err(self.unexpected(what)),
        }
    }

    /// The whole file: one or more functions. Anything before the first `function` means the
    /// file is a script, not a `genFunction` export.
    pub fn file(&mut self) -> Result<Vec<Function>, Error> {
        self.skip_newlines();
        if !self.is_word("function") {
            return Err(Error::NotGenFunction {
                reason: format!(
                    "the file must start with a `function` definition, found {} on line {}",
                    show(&self.peek().tok),
                    self.peek().line
                ),
            });
        }
        let mut funcs = Vec::new();
        while !matches!(self.peek().tok, Tok::Eof) {
            if !self.is_word("function") {
                return Err(self.unexpected("`function` or end of file"));
            }
            funcs.push(self.function()?);
            self.skip_newlines();
        }
        Ok(funcs)
    }

    fn function(&mut self) -> Result<Function, Error> {
        let line = self.bump().line; // `function`
        let mut outputs = Vec::new();
        if self.is_op("[") {
            self.bump();
            while !self.is_op("]") {
                if self.is_op(",") {
                    self.bump();
                    continue;
                }
                outputs.push(self.ident("an output name")?);
            }
            self.bump();
            self.expect_op("=")?;
        } else if matches!(self.peek_at(1).tok, Tok::Op("=")) {
            outputs.push(self.ident("an output name")?);
            self.bump();
        }
        let name = self.ident("the function's name")?;
        let mut params = Vec::new();
        if self.is_op("(") {
            self.bump();
            while !self.is_op(")") {
                if self.is_op(",") {
                    self.bump();
                } else if self.is_op("~") {
                    self.bump();
                    params.push(None);
                } else {
                    params.push(Some(self.ident("a parameter name")?));
                }
            }
            self.bump();
        }
        let body = self.block(&["end", "function"])?;
        if self.is_word("end") {
            self.bump();
        }
        Ok(Function {
            name,
            outputs,
            params,
            body,
            line,
        })
    }

    /// Statements up to (not including) one of the `stop` keywords or end of file.
    fn block(&mut self, stop: &[&str]) -> Result<Vec<Stmt>, Error> {
        let mut out = Vec::new();
        loop {
            self.skip_newlines();
            match &self.peek().tok {
                Tok::Eof => return Ok(out),
                Tok::Ident(w) if stop.contains(&w.as_str()) => return Ok(out),
                _ => {}
            }
            out.push(self.statement()?);
        }
    }

    fn end_of_statement(&mut self) -> Result<(), Error> {
        match &self.peek().tok {
            Tok::Op(";" | ",") | Tok::Newline => {
                self.bump();
                Ok(())
            }
            Tok::Eof => Ok(()),
            Tok::Ident(w) if is_keyword(w) => Ok(()),
            _ => Err(self.unexpected("`;`, `,` or a line break after the statement")),
        }
    }

    fn statement(&mut self) -> Result<Stmt, Error> {
        let line = self.peek().line;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax(line, "blocks nested too deeply"));
        }
        let s = self.statement_inner(line);
        self.depth -= 1;
        s
    }

    fn statement_inner(&mut self, line: usize) -> Result<Stmt, Error> {
        let word = match &self.peek().tok {
            Tok::Ident(w) if is_keyword(w) => Some(w.clone()),
            _ => None,
        };
        let kind = match word.as_deref() {
            Some("if") => {
                self.bump();
                let mut branches = Vec::new();
                let cond = self.expr()?;
                let body = self.block(&["elseif", "else", "end", "function"])?;
                branches.push((cond, body));
                let mut otherwise = Vec::new();
                loop {
                    if self.is_word("elseif") {
                        self.bump();
                        let cond = self.expr()?;
                        let body = self.block(&["elseif", "else", "end", "function"])?;
                        branches.push((cond, body));
                    } else if self.is_word("else") {
                        self.bump();
                        otherwise = self.block(&["end", "function"])?;
                    } else {
                        self.close_block("if", line)?;
                        break;
                    }
                }
                StmtKind::If {
                    branches,
                    otherwise,
                }
            }
            Some("for") | Some("parfor") => {
                self.bump();
                let paren = self.is_op("(");
                if paren {
                    self.bump();
                }
                let var = self.ident("a loop variable")?;
                self.expect_op("=")?;
                let range = self.expr()?;
                if paren {
                    self.expect_op(")")?;
                }
                let body = self.block(&["end", "function"])?;
                self.close_block("for", line)?;
                StmtKind::For { var, range, body }
            }
            Some("while") => {
                self.bump();
                self.expr()?;
                self.block(&["end", "function"])?;
                self.close_block("while", line)?;
                StmtKind::Other("while")
            }
            Some("switch") => {
                self.bump();
                self.expr()?;
                self.skip_newlines();
                loop {
                    if self.is_word("case") {
                        self.bump();
                        self.expr()?;
                    } else if self.is_word("otherwise") {
                        self.bump();
                    } else {
                        break;
                    }
                    self.block(&["case", "otherwise", "end", "function"])?;
                }
                self.close_block("switch", line)?;
                StmtKind::Other("switch")
            }
            Some("try") => {
                self.bump();
                self.block(&["catch", "end", "function"])?;
                if self.is_word("catch") {
                    self.bump();
                    self.block(&["end", "function"])?;
                }
                self.close_block("try", line)?;
                StmtKind::Other("try")
            }
            Some("return") => {
                self.bump();
                StmtKind::Return
            }
            Some(w @ ("break" | "continue" | "global" | "persistent")) => {
                self.bump();
                while let Tok::Ident(_) = self.peek().tok {
                    self.bump();
                }
                StmtKind::Keyword(match w {
                    "break" => "break",
                    "continue" => "continue",
                    "global" => "global",
                    _ => "persistent",
                })
            }
            Some(w) => return Err(syntax(line, format!("unexpected keyword `{w}`"))),
            None => self.assignment_or_expr()?,
        };
        self.end_of_statement()?;
        Ok(Stmt { kind, line })
    }

    fn close_block(&mut self, what: &str, line: usize) -> Result<(), Error> {
        if self.is_word("end") {
            self.bump();
            Ok(())
        } else {
            Err(syntax(
                line,
                format!(
                    "`{what}` block opened here is not closed with `end` (found {} on line {})",
                    show(&self.peek().tok),
                    self.peek().line
                ),
            ))
        }
    }

    fn assignment_or_expr(&mut self) -> Result<StmtKind, Error> {
        // `[a, b] = f(x)`: a bracket list followed by `=`.
        if self.is_op("[") {
            let mut depth = 0usize;
            let mut k = self.pos;
            while k < self.toks.len() {
                match self.toks[k].tok {
                    Tok::Op("[") | Tok::Op("(") | Tok::Op("{") => depth += 1,
                    Tok::Op("]") | Tok::Op(")") | Tok::Op("}") => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Newline | Tok::Eof => break,
                    _ => {}
                }
                k += 1;
            }
            if matches!(self.toks.get(k + 1).map(|t| &t.tok), Some(Tok::Op("="))) {
                self.bump();
                let mut targets = Vec::new();
                while !self.is_op("]") {
                    if self.is_op(",") {
                        self.bump();
                    } else if self.is_op("~") {
                        let line = self.bump().line;
                        targets.push(mk(ExprKind::Tilde, line)?);
                    } else {
                        targets.push(self.postfix()?);
                    }
                }
                self.bump();
                self.expect_op("=")?;
                let value = self.expr()?;
                return Ok(StmtKind::Assign { targets, value });
            }
        }
        let e = self.expr()?;
        if self.is_op("=") {
            self.bump();
            let value = self.expr()?;
            Ok(StmtKind::Assign {
                targets: vec![e],
                value,
            })
        } else {
            Ok(StmtKind::Expr)
        }
    }

    fn in_matrix(&self) -> bool {
        matches!(self.open.last(), Some((true, _)))
    }

    pub fn expr(&mut self) -> Result<Expr, Error> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(syntax(self.peek().line, "expression nested too deeply"));
        }
        let r = self.binary(0);
        self.depth -= 1;
        r
    }

    /// Binary operators by precedence level, loosest first; level 5 is the range `:`.
    fn binary(&mut self, level: usize) -> Result<Expr, Error> {
        const LEVELS: [&[&str]; 8] = [
            &["||"],
            &["&&"],
            &["|"],
            &["&"],
            &["<", "<=", ">", ">=", "==", "~="],
            &[":"],
            &["+", "-"],
            &["*", "/", "\\", ".*", "./", ".\\"],
        ];
        if level == LEVELS.len() {
            return self.unary();
        }
        if level == 5 {
            return self.range();
        }
        let mut l = self.binary(level + 1)?;
        loop {
            let t = self.peek();
            let op = match &t.tok {
                Tok::Op(o) if LEVELS[level].contains(o) => *o,
                _ => break,
            };
            // `[a -b]`: a spaced sign glued to what follows starts a new element.
            if self.in_matrix()
                && (op == "+" || op == "-")
                && t.space_before
                && !self.peek_at(1).space_before
            {
                break;
            }
            let line = self.bump().line;
            let r = self.binary(level + 1)?;
            l = mk(
                ExprKind::Binary {
                    op,
                    l: Box::new(l),
                    r: Box::new(r),
                },
                line,
            )?;
        }
        Ok(l)
    }

    fn range(&mut self) -> Result<Expr, Error> {
        let start = self.binary(6)?;
        if !self.is_op(":") {
            return Ok(start);
        }
        let line = self.bump().line;
        let second = self.binary(6)?;
        if self.is_op(":") {
            self.bump();
            let stop = self.binary(6)?;
            mk(
                ExprKind::Range {
                    start: Box::new(start),
                    step: Some(Box::new(second)),
                    stop: Box::new(stop),
                },
                line,
            )
        } else {
            mk(
                ExprKind::Range {
                    start: Box::new(start),
                    step: None,
                    stop: Box::new(second),
                },
                line,
            )
        }
    }

    fn unary(&mut self) -> Result<Expr, Error> {
        let t = self.peek().clone();
        if let Tok::Op(op @ ("-" | "+" | "~")) = t.tok {
            if op == "~" && matches!(self.peek_at(1).tok, Tok::Op("," | ")")) {
                self.bump();
                return mk(ExprKind::Tilde, t.line);
            }
            self.bump();
            self.depth += 1;
            if self.depth > MAX_DEPTH {
                return Err(syntax(t.line, "expression nested too deeply"));
            }
            let e = self.unary()?;
            self.depth -= 1;
            return mk(ExprKind::Unary { op, e: Box::new(e) }, t.line);
        }
        self.power()
    }

    fn power(&mut self) -> Result<Expr, Error> {
        let mut l = self.postfix()?;
        while let Tok::Op(op @ ("^" | ".^")) = self.peek().tok {
            let line = self.bump().line;
            // The exponent may carry its own sign: `2^-1`.
            let r = if matches!(self.peek().tok, Tok::Op("-" | "+" | "~")) {
                self.unary()?
            } else {
                self.postfix()?
            };
            l = mk(
                ExprKind::Binary {
                    op,
                    l: Box::new(l),
                    r: Box::new(r),
                },
                line,
            )?;
        }
        Ok(l)
    }

    pub fn postfix(&mut self) -> Result<Expr, Error> {
        let mut e = self.primary()?;
        loop {
            let t = self.peek();
            let spaced_in_matrix = self.in_matrix() && t.space_before;
            match t.tok {
                Tok::Op("(") if !spaced_in_matrix => {
                    let line = t.line;
                    let args = self.args("(", ")")?;
                    e = mk(
                        ExprKind::Call {
                            target: Box::new(e),
                            args,
                        },
                        line,
                    )?;
                }
                Tok::Op("{") if !spaced_in_matrix => {
                    let line = t.line;
                    let args = self.args("{", "}")?;
                    e = mk(
                        ExprKind::CellIndex {
                            target: Box::new(e),
                            args,
                        },
                        line,
                    )?;
                }
                Tok::Op(".") => {
                    let line = self.bump().line;
                    if self.is_op("(") {
                        // Dynamic field `s.(name)`: parsed, never evaluated.
                        self.args("(", ")")?;
                        e = mk(ExprKind::Lambda, line)?;
                    } else {
                        let name = match &self.peek().tok {
                            Tok::Ident(s) => s.clone(),
                            _ => return Err(self.unexpected("a field name after `.`")),
                        };
                        self.bump();
                        e = mk(
                            ExprKind::Field {
                                target: Box::new(e),
                                name,
                            },
                            line,
                        )?;
                    }
                }
                Tok::Op("'") | Tok::Op(".'") => {
                    let line = self.bump().line;
                    e = mk(ExprKind::Transpose(Box::new(e)), line)?;
                }
                _ => return Ok(e),
            }
        }
    }

    /// `open args close` where an argument may be `:`, `end` or `~`.
    fn args(&mut self, open: &str, close: &'static str) -> Result<Vec<Expr>, Error> {
        let line = self.bump().line;
        debug_assert!(open == "(" || open == "{");
        self.open.push((false, line));
        let mut args = Vec::new();
        let r = (|| {
            if self.is_op(close) {
                self.bump();
                return Ok(());
            }
            loop {
                let t = self.peek().clone();
                let arg = match t.tok {
                    Tok::Op(":")
                        if matches!(self.peek_at(1).tok, Tok::Op(","))
                            || matches!(&self.peek_at(1).tok, Tok::Op(o) if *o == close) =>
                    {
                        self.bump();
                        mk(ExprKind::Colon, t.line)?
                    }
                    _ => self.expr()?,
                };
                args.push(arg);
                if self.is_op(",") {
                    self.bump();
                } else if self.is_op(close) {
                    self.bump();
                    return Ok(());
                } else {
                    return Err(self.unexpected(&format!("`,` or `{close}`")));
                }
            }
        })();
        self.open.pop();
        r.map(|()| args)
    }

    fn primary(&mut self) -> Result<Expr, Error> {
        let t = self.peek().clone();
        let line = t.line;
        let kind = match t.tok {
            Tok::Num(v) => {
                self.bump();
                ExprKind::Num(v)
            }
            Tok::Str(_) => {
                self.bump();
                ExprKind::Str
            }
            Tok::Ident(ref s) if s == "end" && !self.open.is_empty() => {
                self.bump();
                ExprKind::End
            }
            Tok::Ident(ref s) if !is_keyword(s) => {
                self.bump();
                ExprKind::Ident(s.clone())
            }
            Tok::Op("(") => {
                self.bump();
                self.open.push((false, line));
                let e = self.expr();
                let close = e.is_ok().then(|| self.expect_op(")"));
                self.open.pop();
                let e = e?;
                close.unwrap_or(Ok(()))?;
                return Ok(e);
            }
            Tok::Op("[") | Tok::Op("{") => return self.matrix(),
            Tok::Op("@") => {
                self.bump();
                if self.is_op("(") {
                    // `@(x) body`: parsed so the file loads, never evaluated.
                    self.args("(", ")")?;
                    self.expr()?;
                    ExprKind::Lambda
                } else {
                    ExprKind::Handle(self.ident("a function name after `@`")?)
                }
            }
            _ => return Err(self.unexpected("a value")),
        };
        mk(kind, line)
    }

    /// `[rows]` / `{rows}`: elements split by `,` or whitespace, rows by `;` or line breaks.
    fn matrix(&mut self) -> Result<Expr, Error> {
        let open = self.bump();
        let line = open.line;
        let (close, cell) = if open.tok == Tok::Op("{") {
            ("}", true)
        } else {
            ("]", false)
        };
        self.open.push((true, line));
        let r = self.matrix_rows(close, line);
        self.open.pop();
        mk(ExprKind::Matrix { rows: r?, cell }, line)
    }

    fn matrix_rows(&mut self, close: &str, line: usize) -> Result<Vec<Vec<Expr>>, Error> {
        let mut rows = Vec::new();
        let mut row = Vec::new();
        loop {
            match &self.peek().tok {
                Tok::Op(o) if *o == close => {
                    self.bump();
                    if !row.is_empty() {
                        rows.push(row);
                    }
                    return Ok(rows);
                }
                Tok::Op(";") | Tok::Newline => {
                    self.bump();
                    if !row.is_empty() {
                        rows.push(std::mem::take(&mut row));
                    }
                    continue;
                }
                Tok::Op(",") if !row.is_empty() => {
                    self.bump();
                    continue;
                }
                Tok::Eof => {
                    return Err(Error::UnterminatedMatrix {
                        line,
                        found: "end of file".into(),
                    })
                }
                Tok::Op(o @ ("=" | ")" | "]" | "}")) => {
                    return Err(Error::UnterminatedMatrix {
                        line,
                        found: format!("`{o}` on line {}", self.peek().line),
                    })
                }
                Tok::Ident(w) if is_keyword(w) => {
                    return Err(Error::UnterminatedMatrix {
                        line,
                        found: format!("`{w}` on line {}", self.peek().line),
                    })
                }
                _ => {}
            }
            row.push(self.expr()?);
        }
    }
}
