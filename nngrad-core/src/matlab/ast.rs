//! Syntax tree of the parsed MATLAB subset.

#[derive(Clone, Debug)]
pub(crate) struct Expr {
    pub kind: ExprKind,
    pub line: usize,
    /// Height of the tree below and including this node (bounded by the parser).
    pub depth: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum ExprKind {
    Num(f64),
    Str,
    Ident(String),
    /// A bare `:` index (all rows / columns).
    Colon,
    /// `end` inside an index.
    End,
    /// `~` in an argument list: an ignored argument.
    Tilde,
    /// `@name`.
    Handle(String),
    /// `@(args) body`: never evaluated by the loader, kept so that files using it parse.
    Lambda,
    /// `[…]` (or `{…}` when `cell`): rows of elements.
    Matrix {
        rows: Vec<Vec<Expr>>,
        cell: bool,
    },
    Unary {
        op: &'static str,
        e: Box<Expr>,
    },
    Binary {
        op: &'static str,
        l: Box<Expr>,
        r: Box<Expr>,
    },
    Range {
        start: Box<Expr>,
        step: Option<Box<Expr>>,
        stop: Box<Expr>,
    },
    Transpose(Box<Expr>),
    /// `f(args)`: a call or a parenthesised index.
    Call {
        target: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `c{args}`.
    CellIndex {
        target: Box<Expr>,
        args: Vec<Expr>,
    },
    /// `s.name`.
    Field {
        target: Box<Expr>,
        name: String,
    },
}

impl Expr {
    /// A short source-like rendering for error messages: names and fields as written.
    pub fn describe(&self) -> String {
        match &self.kind {
            ExprKind::Ident(n) => n.clone(),
            ExprKind::Field { target, name } => format!("{}.{name}", target.describe()),
            ExprKind::Num(v) => format!("{v}"),
            ExprKind::Binary { op, l, r } => {
                format!("{}{op}{}", l.describe(), r.describe())
            }
            // `repmat(b1,1,Q)` is the bias `b1` as far as a reader is concerned.
            ExprKind::Call { target, args }
                if matches!(&target.kind, ExprKind::Ident(n) if n == "repmat")
                    && !args.is_empty() =>
            {
                args[0].describe()
            }
            ExprKind::Call { target, args } | ExprKind::CellIndex { target, args } => {
                let inner = args
                    .iter()
                    .map(Expr::describe)
                    .collect::<Vec<_>>()
                    .join(",");
                if matches!(self.kind, ExprKind::Call { .. }) {
                    format!("{}({inner})", target.describe())
                } else {
                    format!("{}{{{inner}}}", target.describe())
                }
            }
            ExprKind::Transpose(e) => format!("{}'", e.describe()),
            ExprKind::Unary { op, e } => format!("{op}{}", e.describe()),
            ExprKind::Colon => ":".into(),
            ExprKind::Tilde => "~".into(),
            _ => "(expression)".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    pub kind: StmtKind,
    pub line: usize,
}

#[derive(Clone, Debug)]
pub(crate) enum StmtKind {
    /// `target = value` (one target) or `[t1, t2] = value`.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    /// An expression evaluated for its effect (never feeds the network).
    Expr,
    If {
        branches: Vec<(Expr, Vec<Stmt>)>,
        otherwise: Vec<Stmt>,
    },
    For {
        var: String,
        range: Expr,
        body: Vec<Stmt>,
    },
    /// `while`, `switch`, `try`: parsed so that module functions using them load, never
    /// interpreted.
    Other(&'static str),
    Return,
    /// `break`, `continue`, `global`, `persistent`.
    Keyword(&'static str),
}

#[derive(Clone, Debug)]
pub(crate) struct Function {
    pub name: String,
    pub outputs: Vec<String>,
    /// Parameter names; `None` for `~`.
    pub params: Vec<Option<String>>,
    pub body: Vec<Stmt>,
    pub line: usize,
}
