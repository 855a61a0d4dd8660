//! The body rules (design note §3, R2–R9): literals, `f64` in types, `f64::` paths, casts,
//! promotion positions, receivers of binary float methods, `vec!`, closure calls, returns
//! and branch tails. Decisions are made on the user's original syntax; every inserted
//! wrapper carries the span of the expression it wraps, so errors point at user code.

use std::collections::HashSet;

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned, ToTokens};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit_mut::{self, VisitMut};
use syn::{BinOp, Block, Expr, ExprLit, Lit, Local, Pat, Stmt, Token, Type, UnOp};

use crate::route;
use crate::select::type_has_f64;

/// The `Scalar` methods: `f64::name` becomes `<S as Scalar>::name` only for these.
/// Must mirror `nngrad_core::Scalar`.
pub const SCALAR_FNS: &[&str] = &[
    "abs",
    "signum",
    "sqrt",
    "cbrt",
    "exp",
    "exp2",
    "exp_m1",
    "ln",
    "ln_1p",
    "log",
    "log2",
    "log10",
    "powi",
    "powf",
    "sin",
    "cos",
    "tan",
    "sin_cos",
    "asin",
    "acos",
    "atan",
    "atan2",
    "sinh",
    "cosh",
    "tanh",
    "asinh",
    "acosh",
    "atanh",
    "hypot",
    "recip",
    "mul_add",
    "max",
    "min",
    "clamp",
    "floor",
    "ceil",
    "round",
    "trunc",
    "fract",
    "copysign",
    "to_degrees",
    "to_radians",
    "rem_euclid",
    "div_euclid",
    "erf",
    "erfc",
    "sigmoid",
    "softplus",
    "relu",
    "leaky_relu",
    "elu",
    "selu",
    "gelu",
    "gelu_tanh",
    "silu",
    "softsign",
    "is_nan",
    "is_finite",
    "is_infinite",
    "is_normal",
    "is_sign_positive",
    "is_sign_negative",
    "total_cmp",
];

/// Binary float methods whose receiver is promoted: f64's *inherent* method (which wins over
/// the trait method) takes an `f64` argument and would reject an `S`.
const BINARY_METHODS: &[&str] = &[
    "max",
    "min",
    "powf",
    "atan2",
    "hypot",
    "copysign",
    "log",
    "mul_add",
    "clamp",
    "rem_euclid",
    "div_euclid",
];

/// `Scalar` methods whose extra argument is a plain `f64` (a hyper-parameter, not data): their
/// literal arguments stay `f64`.
const F64_ARG_METHODS: &[&str] = &["leaky_relu", "elu", "powi"];

/// nalgebra methods taking one scalar of the matrix's own type: the argument is converted to
/// the receiver's element type (`route_scalar_arg`).
const SCALAR_ARG_MATRIX_METHODS: &[&str] = &[
    "add_scalar",
    "add_scalar_mut",
    "scale",
    "scale_mut",
    "unscale",
    "unscale_mut",
    "fill",
];

/// Calls whose result type is decided by the expected type: wrapping them would hide it.
const INFER_METHODS: &[&str] = &[
    "collect",
    "sum",
    "product",
    "into",
    "try_into",
    "parse",
    "unwrap_or_default",
    "default",
];
const INFER_FNS: &[&str] = &[
    "new",
    "with_capacity",
    "default",
    "from",
    "from_iter",
    "into",
];

/// Integer and `f32` cast targets: `e as T` becomes `val(e) as T`.
const NUMERIC_TARGETS: &[&str] = &[
    "i8", "i16", "i32", "i64", "i128", "isize", "u8", "u16", "u32", "u64", "u128", "usize", "f32",
];

/// What the rewriter needs to know about the function.
pub struct Ctx {
    /// The generic scalar's ident.
    pub scalar: syn::Ident,
    /// Path of the core crate.
    pub krate: TokenStream,
    /// Whether the (original) return type mentions `f64`: then returns and the tail promote.
    pub ret_has_f64: bool,
    /// `f64` constants known by their bare name (imports, `const`/`static` items of the file:
    /// see `scope`); they become `S::cst(..)` like `std::f64::consts::PI` written in full.
    pub f64_consts: std::rc::Rc<HashSet<String>>,
}

/// Rewrites `block` in place (the function body).
pub fn rewrite_body(ctx: &Ctx, block: &mut Block) {
    // On the original syntax, before the rules: the nests the pass writes are then rewritten
    // like the rest of the body.
    crate::rows::block_rows(&ctx.scalar, &ctx.krate, block);
    let names = bindings(block);
    // `use std::f64::consts::PI;` or `const G: f64 = ..;` inside the body itself.
    let body_items: Vec<syn::Item> = block
        .stmts
        .iter()
        .filter_map(|s| match s {
            Stmt::Item(i) => Some(i.clone()),
            _ => None,
        })
        .collect();
    let local = crate::scope::consts_of(&body_items);
    let with_local;
    let ctx = if local.is_empty() {
        ctx
    } else {
        let mut all: HashSet<String> = (*ctx.f64_consts).clone();
        all.extend(local);
        with_local = Ctx {
            scalar: ctx.scalar.clone(),
            krate: ctx.krate.clone(),
            ret_has_f64: ctx.ret_has_f64,
            f64_consts: std::rc::Rc::new(all),
        };
        &with_local
    };
    let mut rw = Rewriter {
        ctx,
        closures: names.closures,
        inferred: names.inferred,
        locals: names.locals,
        closure_depth: 0,
        no_route: 0,
    };
    rw.fn_block(block);
}

/// What the body's `let`s tell about names, found before rewriting.
struct Bindings {
    /// Bound to closures (`let f = |..| ..`), for rule R9.
    closures: HashSet<String>,
    /// Bound only by `let name = <inference-dependent>` without a type (`x.iter().sum()`,
    /// `it.collect()`): their type comes from later use, so they are never wrapped (a
    /// promotion would hide the expected type: `let s = x.iter().sum(); vec![s]`).
    inferred: HashSet<String>,
    /// Every name a `let` binds (anywhere in its pattern).
    locals: HashSet<String>,
}

fn bindings(block: &Block) -> Bindings {
    #[derive(Default)]
    struct Find {
        closures: HashSet<String>,
        inferred: HashSet<String>,
        other: HashSet<String>,
        locals: HashSet<String>,
    }
    impl<'ast> syn::visit::Visit<'ast> for Find {
        fn visit_local(&mut self, l: &'ast Local) {
            if let Pat::Ident(p) = &l.pat {
                let name = p.ident.to_string();
                match &l.init {
                    Some(init) if matches!(unparen(&init.expr), Expr::Closure(_)) => {
                        self.closures.insert(name);
                    }
                    Some(init) if infer_dependent(&init.expr) => {
                        self.inferred.insert(name);
                    }
                    _ => {
                        self.other.insert(name);
                    }
                }
            }
            syn::visit::visit_local(self, l);
        }
        fn visit_pat_ident(&mut self, p: &'ast syn::PatIdent) {
            self.locals.insert(p.ident.to_string());
            syn::visit::visit_pat_ident(self, p);
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
    }
    let mut f = Find::default();
    syn::visit::Visit::visit_block(&mut f, block);
    // A name also bound otherwise (shadowing) keeps the usual promotion.
    let inferred = f.inferred.difference(&f.other).cloned().collect();
    Bindings {
        closures: f.closures,
        inferred,
        locals: f.locals,
    }
}

struct Rewriter<'a> {
    ctx: &'a Ctx,
    closures: HashSet<String>,
    inferred: HashSet<String>,
    locals: HashSet<String>,
    closure_depth: usize,
    /// Above zero where matrix routing must not happen: const contexts (array lengths,
    /// const generic arguments, where the routed call is not const) and the bodies of
    /// `let`-bound closures with unannotated parameters (whose types are not known yet when
    /// the body is type-checked, so the dispatch could not choose).
    no_route: usize,
}

pub fn unparen(e: &Expr) -> &Expr {
    match e {
        Expr::Paren(p) => unparen(&p.expr),
        Expr::Group(g) => unparen(&g.expr),
        other => other,
    }
}

/// Moves the expression out, leaving an empty placeholder to be overwritten.
fn take_expr(e: &mut Expr) -> Expr {
    std::mem::replace(e, Expr::Verbatim(TokenStream::new()))
}

fn into_unparen(e: Expr) -> Expr {
    match e {
        Expr::Paren(p) => into_unparen(*p.expr),
        other => other,
    }
}

fn is_float_lit(e: &Expr) -> bool {
    match e {
        Expr::Lit(ExprLit {
            lit: Lit::Float(f), ..
        }) => matches!(f.suffix(), "" | "f64"),
        Expr::Lit(ExprLit {
            lit: Lit::Int(i), ..
        }) => i.suffix() == "f64",
        _ => false,
    }
}

fn is_lit(e: &Expr) -> bool {
    matches!(unparen(e), Expr::Lit(_))
        || matches!(unparen(e), Expr::Unary(u) if matches!(u.op, UnOp::Neg(_)) && is_lit(&u.expr))
}

fn path_idents(p: &syn::Path) -> Vec<String> {
    p.segments.iter().map(|s| s.ident.to_string()).collect()
}

fn has_turbofish(p: &syn::Path) -> bool {
    p.segments.iter().any(|s| !s.arguments.is_empty())
}

/// True for an expression whose type the surrounding code decides (`collect()`, `sum()`,
/// `Vec::new()`, `Default::default()`, anything with a turbofish ...).
pub fn infer_dependent(e: &Expr) -> bool {
    match unparen(e) {
        Expr::MethodCall(m) => {
            m.turbofish.is_some()
                || INFER_METHODS.iter().any(|n| m.method == n)
                || infer_dependent(&m.receiver)
        }
        Expr::Call(c) => match unparen(&c.func) {
            Expr::Path(p) => {
                has_turbofish(&p.path)
                    || p.path
                        .segments
                        .last()
                        .is_some_and(|s| INFER_FNS.iter().any(|n| s.ident == n))
            }
            _ => false,
        },
        Expr::Try(t) => infer_dependent(&t.expr),
        _ => false,
    }
}

/// Expressions that may be wrapped in a promotion (design note §2.4, "Kind").
pub fn wrappable(e: &Expr) -> bool {
    match unparen(e) {
        // `None` carries no value to convert, and its type comes from the context.
        Expr::Path(p) => !is_none(&p.path),
        Expr::Field(_) | Expr::Index(_) => true,
        Expr::Unary(u) => matches!(u.op, UnOp::Neg(_) | UnOp::Deref(_)) && wrappable(&u.expr),
        Expr::Binary(b) => {
            matches!(
                b.op,
                BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_) | BinOp::Div(_) | BinOp::Rem(_)
            ) && !(is_lit(&b.left) && is_lit(&b.right))
        }
        Expr::MethodCall(_) => !infer_dependent(e),
        Expr::Call(c) => {
            !infer_dependent(e)
                && match unparen(&c.func) {
                    // Constructors (`Some(..)`, `Point(..)`) keep their expected type.
                    Expr::Path(p) => !p
                        .path
                        .segments
                        .last()
                        .is_some_and(|s| s.ident.to_string().starts_with(char::is_uppercase)),
                    _ => true,
                }
        }
        _ => false,
    }
}

/// `None`, `Option::None`, `std::option::Option::None`.
fn is_none(p: &syn::Path) -> bool {
    p.segments
        .last()
        .is_some_and(|s| s.ident == "None" && s.arguments.is_empty())
        && (p.segments.len() == 1
            || p.segments
                .iter()
                .rev()
                .nth(1)
                .is_some_and(|s| s.ident == "Option"))
}

/// An expression that can be evaluated again, or at another time, without effect: names,
/// literals, fields, indexing, casts, arithmetic and comparisons, tuples, `len()`.
pub fn pure(e: &Expr) -> bool {
    match unparen(e) {
        Expr::Path(_) | Expr::Lit(_) => true,
        Expr::Field(f) => pure(&f.base),
        Expr::Index(i) => pure(&i.expr) && pure(&i.index),
        Expr::Unary(u) => pure(&u.expr),
        Expr::Cast(c) => pure(&c.expr),
        Expr::Binary(b) => !assigns(&b.op) && pure(&b.left) && pure(&b.right),
        Expr::Tuple(t) => t.elems.iter().all(pure),
        Expr::MethodCall(m) => m.method == "len" && m.args.is_empty() && pure(&m.receiver),
        _ => false,
    }
}

/// `+=`, `-=`, .. (an assignment, not a value).
fn assigns(op: &syn::BinOp) -> bool {
    use syn::BinOp as B;
    matches!(
        op,
        B::AddAssign(_)
            | B::SubAssign(_)
            | B::MulAssign(_)
            | B::DivAssign(_)
            | B::RemAssign(_)
            | B::BitXorAssign(_)
            | B::BitAndAssign(_)
            | B::BitOrAssign(_)
            | B::ShlAssign(_)
            | B::ShrAssign(_)
    )
}

/// A place whose sub-expressions can be evaluated twice without effect (the generated code
/// reads its type with `&place` before assigning).
fn pure_place(e: &Expr) -> bool {
    matches!(unparen(e), Expr::Field(_) | Expr::Index(_) | Expr::Unary(_)) && pure(e)
}

/// Place-like branch tails (`if c { x } else { b[0] }`): these are promoted in every branch.
fn place_like(e: &Expr) -> bool {
    match unparen(e) {
        Expr::Path(_) | Expr::Field(_) | Expr::Index(_) => true,
        Expr::Unary(u) => matches!(u.op, UnOp::Neg(_) | UnOp::Deref(_)) && place_like(&u.expr),
        _ => false,
    }
}

impl Rewriter<'_> {
    fn cst(&self, inner: TokenStream, span: Span) -> Expr {
        let (s, k) = (&self.ctx.scalar, &self.ctx.krate);
        syn::parse2(quote_spanned!(span=> <#s as #k::Scalar>::cst(#inner)))
            .expect("cst call parses")
    }

    /// `(&W::new(e)).method::<S>()`: the autoref dispatch through which every promotion
    /// picks its conversion from the type of `e`, which only the compiler knows.
    fn dispatch(&self, e: Expr, method: &str) -> Expr {
        let e = into_unparen(e);
        let span = e.span();
        let (s, k) = (&self.ctx.scalar, &self.ctx.krate);
        let method = syn::Ident::new(method, span);
        syn::parse2(quote_spanned!(span=> (&#k::__private::W::new(#e)).#method::<#s>()))
            .expect("dispatch call parses")
    }

    fn promote(&self, e: Expr) -> Expr {
        self.dispatch(e, "__promote")
    }

    fn assign_value(&self, place: &Expr, rhs: Expr, span: Span) -> Expr {
        let rhs = into_unparen(rhs);
        let (s, k) = (&self.ctx.scalar, &self.ctx.krate);
        syn::parse2(quote_spanned!(span=>
            (&&&#k::__private::W2::new(#rhs, #k::__private::place_type(&#place))).__conv::<#s>()
        ))
        .expect("assignment parses")
    }

    /// `m.add_scalar(a)`, `m.scale(a)`, `m.fill(a)` (one scalar argument for a matrix): the
    /// argument converted to the receiver's element type, read off the receiver by
    /// `__private::Elem` — so an `f64` field or literal meets an `S` matrix as a constant and
    /// an `f64` matrix as itself. Other receivers keep what the rewrite did before: a literal
    /// becomes `S`, anything else is left as written. A mutating method's receiver is named
    /// twice (once for its type only), so only a place without effects is routed.
    fn route_scalar_arg(&mut self, e: &mut Expr) -> bool {
        let Expr::MethodCall(m) = e else {
            return false;
        };
        let name = m.method.to_string();
        if !SCALAR_ARG_MATRIX_METHODS.contains(&name.as_str()) || m.args.len() != 1 {
            return false;
        }
        let mutating = name.ends_with("_mut") || name == "fill";
        let place = matches!(unparen(&m.receiver), Expr::Path(_)) || pure_place(&m.receiver);
        if mutating && !place {
            return false;
        }
        self.visit_expr_mut(&mut m.receiver);
        let lit = is_lit(&m.args[0]);
        if !lit {
            self.visit_expr_mut(&mut m.args[0]);
        }
        let (s, k) = (&self.ctx.scalar, &self.ctx.krate);
        let (recv, arg, method) = (&m.receiver, &m.args[0], &m.method);
        let fallback = if lit {
            quote!(#s)
        } else {
            quote!(#k::__private::Unknown)
        };
        let span = m.span();
        let tokens = if mutating {
            quote_spanned!(span=> {
                let __nngrad_arg = (&&&#k::__private::W2::new(
                    #arg,
                    (&#k::__private::Elem::<_, #fallback>::new(&#recv)).__elem(),
                ))
                .__conv::<#s>();
                #recv.#method(__nngrad_arg)
            })
        } else {
            quote_spanned!(span=> {
                let __nngrad_recv = &(#recv);
                let __nngrad_arg = (&&&#k::__private::W2::new(
                    #arg,
                    (&#k::__private::Elem::<_, #fallback>::new(__nngrad_recv)).__elem(),
                ))
                .__conv::<#s>();
                __nngrad_recv.#method(__nngrad_arg)
            })
        };
        *e = syn::parse2(tokens).expect("scalar-argument method parses");
        true
    }

    fn promote_recv(&self, e: Expr) -> Expr {
        self.dispatch(e, "__promote_recv")
    }

    fn to_s(&self, e: Expr) -> Expr {
        self.dispatch(e, "__to_s")
    }

    fn val(&self, e: Expr) -> Expr {
        let e = into_unparen(e);
        let span = e.span();
        let k = &self.ctx.krate;
        syn::parse2(quote_spanned!(span=> (&#k::__private::W::new(#e)).__val()))
            .expect("val parses")
    }

    fn scalar_fn(&self, name: &syn::Ident) -> Expr {
        let (s, k) = (&self.ctx.scalar, &self.ctx.krate);
        syn::parse2(quote_spanned!(name.span()=> <#s as #k::Scalar>::#name)).expect("path parses")
    }

    /// A plain name bound by an inference-dependent `let` (see `Bindings::inferred`).
    fn is_inferred(&self, e: &Expr) -> bool {
        matches!(unparen(e), Expr::Path(p) if p.path.get_ident().is_some_and(|i| self.inferred.contains(&i.to_string())))
    }

    /// Rewrites `e` and promotes it when the original was wrappable.
    fn promoted(&mut self, e: &mut Expr) {
        // `let mut s = [b[0], b[1]];`, `(w, x)`: element-wise.
        match e {
            Expr::Array(a) => return a.elems.iter_mut().for_each(|x| self.promoted(x)),
            Expr::Tuple(t) => return t.elems.iter_mut().for_each(|x| self.promoted(x)),
            _ => {}
        }
        let wrap = wrappable(e) && !self.is_inferred(e);
        self.visit_expr_mut(e);
        if wrap {
            let taken = std::mem::replace(e, Expr::Verbatim(TokenStream::new()));
            *e = self.promote(taken);
        }
    }

    /// A value that flows into the function's result (tail, `return`): promoted element-wise
    /// through tuples and arrays, and through the tails of blocks, `if` and `match`.
    fn ret_value(&mut self, e: &mut Expr) {
        match e {
            Expr::Paren(p) => self.ret_value(&mut p.expr),
            Expr::Tuple(t) => t.elems.iter_mut().for_each(|x| self.ret_value(x)),
            Expr::Array(a) => a.elems.iter_mut().for_each(|x| self.ret_value(x)),
            Expr::Block(b) if b.label.is_none() => self.block_with(&mut b.block, Self::ret_value),
            Expr::If(i) => {
                self.visit_expr_mut(&mut i.cond);
                self.block_with(&mut i.then_branch, Self::ret_value);
                if let Some((_, els)) = &mut i.else_branch {
                    self.ret_value(els);
                }
            }
            Expr::Match(m) => self.match_with(m, Self::ret_value),
            _ => self.promoted(e),
        }
    }

    /// A branch value of an `if`/`match` anywhere: place-like tails are promoted so that
    /// `if c { w } else { x }` unifies f64 data with `S`.
    fn branch_value(&mut self, e: &mut Expr) {
        match e {
            Expr::Block(b) if b.label.is_none() => {
                self.block_with(&mut b.block, Self::branch_value)
            }
            _ if place_like(e) => self.promoted(e),
            _ => self.visit_expr_mut(e),
        }
    }

    /// Visits a block's statements and hands its tail expression (if any) to `tail`.
    fn block_with(&mut self, block: &mut Block, tail: fn(&mut Self, &mut Expr)) {
        let n = block.stmts.len();
        for (i, stmt) in block.stmts.iter_mut().enumerate() {
            match stmt {
                Stmt::Expr(e, None) if i + 1 == n => tail(self, e),
                other => self.visit_stmt_mut(other),
            }
        }
    }

    /// Like `block_with` for a `match`: scrutinee, patterns and guards are visited
    /// as usual, every arm's body is the value and goes to `arm_value`.
    fn match_with(&mut self, m: &mut syn::ExprMatch, arm_value: fn(&mut Self, &mut Expr)) {
        self.visit_expr_mut(&mut m.expr);
        for arm in &mut m.arms {
            self.visit_pat_mut(&mut arm.pat);
            if let Some((_, g)) = &mut arm.guard {
                self.visit_expr_mut(g);
            }
            arm_value(self, &mut arm.body);
        }
    }

    fn fn_block(&mut self, block: &mut Block) {
        if self.ctx.ret_has_f64 {
            self.block_with(block, Self::ret_value);
        } else {
            self.visit_block_mut(block);
        }
    }

    fn rewrite_vec_macro(&mut self, mac: &mut syn::Macro) {
        // Lives for one parse; boxing the larger variant would only add noise.
        #[allow(clippy::large_enum_variant)]
        enum VecArgs {
            Repeat(Expr, Expr),
            List(Punctuated<Expr, Token![,]>),
        }
        impl Parse for VecArgs {
            fn parse(input: ParseStream) -> syn::Result<Self> {
                if input.is_empty() {
                    return Ok(VecArgs::List(Punctuated::new()));
                }
                let first: Expr = input.parse()?;
                if input.peek(Token![;]) {
                    input.parse::<Token![;]>()?;
                    return Ok(VecArgs::Repeat(first, input.parse()?));
                }
                let mut list = Punctuated::new();
                list.push_value(first);
                while input.peek(Token![,]) {
                    list.push_punct(input.parse()?);
                    if input.is_empty() {
                        break;
                    }
                    list.push_value(input.parse()?);
                }
                Ok(VecArgs::List(list))
            }
        }
        let Ok(parsed) = Parser::parse2(VecArgs::parse, mac.tokens.clone()) else {
            return;
        };
        mac.tokens = match parsed {
            VecArgs::Repeat(mut e, mut n) => {
                self.promoted(&mut e);
                self.visit_expr_mut(&mut n);
                quote!(#e; #n)
            }
            VecArgs::List(mut list) => {
                list.iter_mut().for_each(|e| self.promoted(e));
                list.into_token_stream()
            }
        };
    }

    /// An `f64` constant: `f64::EPSILON`, `std::f64::consts::PI`, `consts::PI`, or a bare name
    /// the file declares or imports as an `f64` constant (`scope`) and no `let` rebinds.
    fn is_f64_const(&self, e: &Expr) -> bool {
        let Expr::Path(p) = unparen(e) else {
            return false;
        };
        if p.qself.is_some() {
            return false;
        }
        let ids = path_idents(&p.path);
        let is_const = |s: &str| {
            s.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        };
        match ids.as_slice() {
            [c] => self.ctx.f64_consts.contains(c) && !self.locals.contains(c),
            [m, c] if m == "consts" => crate::scope::STD_CONSTS.contains(&c.as_str()),
            [f, c] if f == "f64" && is_const(c) => true,
            [root, f, ..] if (root == "std" || root == "core") && f == "f64" => true,
            _ => false,
        }
    }

    fn rewrite_path_expr(&mut self, e: &mut Expr) -> bool {
        if self.is_f64_const(e) {
            let span = e.span();
            *e = self.cst(e.to_token_stream(), span);
            return true;
        }
        let Expr::Path(p) = e else { return false };
        if p.qself.is_some() {
            return false;
        }
        let ids = path_idents(&p.path);
        if let [f, name] = ids.as_slice() {
            if f == "f64" && SCALAR_FNS.contains(&name.as_str()) {
                let last = &p.path.segments[1].ident;
                *e = self.scalar_fn(last);
                return true;
            }
        }
        false
    }

    fn rewrite_call(&mut self, e: &mut Expr) -> bool {
        let Expr::Call(c) = e else { return false };
        let Expr::Path(fp) = unparen(&c.func) else {
            return false;
        };
        let ids = path_idents(&fp.path);
        match ids.as_slice() {
            [f, from] if f == "f64" && from == "from" && c.args.len() == 1 => {
                let mut arg = c.args[0].clone();
                self.visit_expr_mut(&mut arg);
                *e = self.to_s(arg);
                true
            }
            [f, name] if f == "f64" && SCALAR_FNS.contains(&name.as_str()) => {
                let name = fp.path.segments[1].ident.clone();
                *c.func = self.scalar_fn(&name);
                let mut args = c.args.iter_mut();
                if let Some(first) = args.next() {
                    self.promoted(first);
                }
                args.for_each(|a| self.visit_expr_mut(a));
                true
            }
            // `S::cst(2.0)` written by hand: its argument is the f64 constant.
            [s, cst] if cst == "cst" && self.ctx.scalar == s => {
                c.args
                    .iter_mut()
                    .filter(|a| !is_lit(a))
                    .for_each(|a| self.visit_expr_mut(a));
                true
            }
            [name] if self.closures.contains(name) => {
                c.args.iter_mut().for_each(|a| self.promoted(a));
                true
            }
            _ => false,
        }
    }

    fn rewrite_cast(&mut self, e: &mut Expr) -> bool {
        let Expr::Cast(c) = e else { return false };
        let Type::Path(tp) = &*c.ty else { return false };
        let Some(target) = tp.path.get_ident().map(|i| i.to_string()) else {
            return false;
        };
        if target == "f64" {
            let span = c.expr.span();
            if is_lit(&c.expr) {
                let inner = c.expr.clone();
                *e = self.cst(quote_spanned!(span=> #inner as f64), span);
            } else {
                let mut inner = (*c.expr).clone();
                self.visit_expr_mut(&mut inner);
                *e = self.to_s(inner);
            }
            true
        } else if NUMERIC_TARGETS.contains(&target.as_str()) {
            if !is_lit(&c.expr) {
                self.visit_expr_mut(&mut c.expr);
                let inner = std::mem::replace(&mut *c.expr, Expr::Verbatim(TokenStream::new()));
                *c.expr = self.val(inner);
            }
            true
        } else {
            false
        }
    }

    /// Routes `a op b` and `a.dot(b)`-like calls whose operands may be matrices (see
    /// `route`); true when `e` was rewritten.
    fn route_matrix(&mut self, e: &mut Expr) -> bool {
        if self.no_route > 0 {
            return false;
        }
        match e {
            Expr::Binary(b)
                if route::is_routed_op(&b.op)
                    && route::maybe_matrix(&b.left, &self.closures)
                    && route::maybe_matrix(&b.right, &self.closures) =>
            {
                self.visit_expr_mut(&mut b.left);
                self.visit_expr_mut(&mut b.right);
                // Parentheses are not needed inside the call (and would be linted).
                let left = into_unparen(take_expr(&mut b.left));
                let right = into_unparen(take_expr(&mut b.right));
                *e = route::binary(self.ctx, left, b.op, right);
                true
            }
            Expr::MethodCall(m)
                if m.args.len() == 1
                    && m.turbofish.is_none()
                    && route::MATRIX_METHODS.iter().any(|n| m.method == n)
                    && route::maybe_matrix(&m.receiver, &self.closures)
                    && route::maybe_matrix(&m.args[0], &self.closures) =>
            {
                self.visit_expr_mut(&mut m.receiver);
                self.visit_expr_mut(&mut m.args[0]);
                let recv = into_unparen(take_expr(&mut m.receiver));
                let arg = into_unparen(take_expr(&mut m.args[0]));
                *e = route::method(self.ctx, recv, &m.method, arg);
                true
            }
            _ => false,
        }
    }

    fn rewrite_local(&mut self, l: &mut Local) {
        let typed_f64 = matches!(&l.pat, Pat::Type(pt) if type_has_f64(&pt.ty));
        let mut_ident =
            matches!(&l.pat, Pat::Ident(p) if p.mutability.is_some() && p.subpat.is_none());
        self.visit_pat_mut(&mut l.pat);
        let Some(init) = &mut l.init else { return };
        if let Expr::Closure(c) = unparen(&init.expr) {
            if c.inputs.iter().any(|p| !matches!(p, Pat::Type(_))) {
                self.no_route += 1;
                self.visit_expr_mut(&mut init.expr);
                self.no_route -= 1;
                return;
            }
        }
        if typed_f64 || mut_ident {
            self.promoted(&mut init.expr);
        } else if let (Pat::Tuple(pt), Expr::Tuple(et)) = (&l.pat, &mut *init.expr) {
            // `let (mut a, mut b) = (x[0], w);`: each mutable binding is an accumulator.
            for (p, e) in pt.elems.iter().zip(et.elems.iter_mut()) {
                if matches!(p, Pat::Ident(pi) if pi.mutability.is_some()) {
                    self.promoted(e);
                } else {
                    self.visit_expr_mut(e);
                }
            }
        } else {
            self.visit_expr_mut(&mut init.expr);
        }
        if let Some((_, diverge)) = &mut init.diverge {
            self.visit_expr_mut(diverge);
        }
    }
}

impl VisitMut for Rewriter<'_> {
    fn visit_expr_mut(&mut self, e: &mut Expr) {
        if is_float_lit(e) {
            let span = e.span();
            let lit = e.to_token_stream();
            *e = self.cst(lit, span);
            return;
        }
        if self.rewrite_path_expr(e) || self.rewrite_call(e) || self.rewrite_cast(e) {
            return;
        }
        if self.route_matrix(e) {
            return;
        }
        if self.route_scalar_arg(e) {
            return;
        }
        match e {
            Expr::MethodCall(m) => {
                let name = m.method.to_string();
                if BINARY_METHODS.contains(&name.as_str()) && !m.args.is_empty() {
                    // Also turns a `&f64` receiver (`w.iter().map(|v| v.max(x))`) into `S`.
                    let wrap = wrappable(&m.receiver);
                    self.visit_expr_mut(&mut m.receiver);
                    if wrap {
                        let taken =
                            std::mem::replace(&mut *m.receiver, Expr::Verbatim(TokenStream::new()));
                        *m.receiver = self.promote_recv(taken);
                    }
                } else {
                    self.visit_expr_mut(&mut m.receiver);
                }
                if let Some(tf) = &mut m.turbofish {
                    self.visit_angle_bracketed_generic_arguments_mut(tf);
                }
                let keep_lits = F64_ARG_METHODS.contains(&name.as_str());
                if name == "push" && m.args.len() == 1 {
                    // `out.push(b[i])` of f64 data into a Vec that also receives `S`.
                    m.args.iter_mut().for_each(|a| self.promoted(a));
                    return;
                }
                for a in m.args.iter_mut() {
                    if !(keep_lits && is_lit(a)) {
                        self.visit_expr_mut(a);
                    }
                }
            }
            Expr::Assign(a) => {
                if matches!(unparen(&a.left), Expr::Path(_)) || !pure_place(&a.left) {
                    // A local (maybe not initialised yet: `let y; y = w;`), or a place whose
                    // evaluation has effects: promote the value.
                    self.visit_expr_mut(&mut a.left);
                    self.promoted(&mut a.right);
                } else {
                    // `out[i] = ..`, `self.f = ..`, `*o = ..`: the place's type decides, so
                    // `log.last = x.value()` stays f64 and `out[i] = b[i]` becomes `S`.
                    self.visit_expr_mut(&mut a.left);
                    self.visit_expr_mut(&mut a.right);
                    let span = a.right.span();
                    let rhs = std::mem::replace(&mut *a.right, Expr::Verbatim(TokenStream::new()));
                    *a.right = self.assign_value(&a.left, rhs, span);
                }
            }
            Expr::Return(r) if self.closure_depth == 0 && self.ctx.ret_has_f64 => {
                if let Some(v) = &mut r.expr {
                    self.ret_value(v);
                }
            }
            Expr::Closure(c) => {
                self.closure_depth += 1;
                visit_mut::visit_expr_closure_mut(self, c);
                self.closure_depth -= 1;
            }
            Expr::If(i) => {
                self.visit_expr_mut(&mut i.cond);
                if i.else_branch.is_some() {
                    self.block_with(&mut i.then_branch, Self::branch_value);
                } else {
                    self.visit_block_mut(&mut i.then_branch);
                }
                if let Some((_, els)) = &mut i.else_branch {
                    self.branch_value(els);
                }
            }
            Expr::Match(m) => self.match_with(m, Self::branch_value),
            Expr::Macro(m) => {
                if m.mac.path.is_ident("vec") {
                    self.rewrite_vec_macro(&mut m.mac);
                }
            }
            Expr::Repeat(r) => {
                self.visit_expr_mut(&mut r.expr);
                self.no_route += 1;
                self.visit_expr_mut(&mut r.len);
                self.no_route -= 1;
            }
            Expr::Struct(s) => {
                // Struct fields have fixed types the macro cannot see: literals and f64
                // constants stay f64.
                for f in s.fields.iter_mut() {
                    if !is_float_lit(&f.expr) && !self.is_f64_const(&f.expr) {
                        self.visit_expr_mut(&mut f.expr);
                    }
                }
                if let Some(rest) = &mut s.rest {
                    self.visit_expr_mut(rest);
                }
            }
            _ => visit_mut::visit_expr_mut(self, e),
        }
    }

    fn visit_local_mut(&mut self, l: &mut Local) {
        self.rewrite_local(l);
    }

    fn visit_pat_mut(&mut self, p: &mut Pat) {
        match p {
            // Literal patterns keep the scrutinee's type; the macro cannot know it.
            Pat::Lit(_) | Pat::Range(_) | Pat::Const(_) | Pat::Macro(_) => {}
            _ => visit_mut::visit_pat_mut(self, p),
        }
    }

    fn visit_generic_argument_mut(&mut self, g: &mut syn::GenericArgument) {
        self.no_route += 1;
        visit_mut::visit_generic_argument_mut(self, g);
        self.no_route -= 1;
    }

    fn visit_type_mut(&mut self, t: &mut Type) {
        if let Type::Path(tp) = t {
            if tp.qself.is_none() && tp.path.is_ident("f64") {
                let span = tp.span();
                *t = Type::Verbatim(respanned(&self.ctx.scalar, span));
                return;
            }
        }
        if let Type::Macro(_) = t {
            return;
        }
        self.no_route += 1;
        visit_mut::visit_type_mut(self, t);
        self.no_route -= 1;
    }

    fn visit_item_mut(&mut self, _: &mut syn::Item) {
        // Nested items cannot see the generic parameter: they stay plain f64 code.
    }

    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {
        // Unknown macros (and `nograd!`) keep their tokens.
    }
}

/// The scalar ident at the user's `f64` token, so errors about a body type point there.
fn respanned(id: &syn::Ident, span: Span) -> TokenStream {
    syn::Ident::new(&id.to_string(), span).into_token_stream()
}
