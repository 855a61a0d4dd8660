//! Matrix-valued weights (`&self.w1 * &x + &self.b1` with `f64` nalgebra weights and `S`
//! activations): which binary operations and methods are routed through the runtime's
//! `Pair` dispatch (`nngrad_core::__private::matrix`), and the routed expression.
//!
//! The macro cannot see whether an operand is a matrix, so the choice is syntactic and
//! generous: a `+ - *` whose two operands could both be matrices (paths, fields, references,
//! calls, method calls that are not scalar ones, and such operations nested) is routed, and
//! the type checker picks the matrix route or the user's operator unchanged. Operands that
//! are certainly not matrices (literals, indexing, casts, scalar methods, inference-dependent
//! calls) keep the plain operator, so nothing changes for them.

use proc_macro2::TokenStream;
use quote::{quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{BinOp, Expr};

use crate::rewrite::{infer_dependent, unparen, Ctx, SCALAR_FNS};

/// nalgebra methods with one matrix argument that need both operands of one scalar type.
pub const MATRIX_METHODS: &[&str] = &["dot", "component_mul", "component_div"];

/// Methods whose result is certainly not a matrix (besides the `Scalar` ones).
const SCALAR_RESULT_METHODS: &[&str] = &[
    "len",
    "value",
    "nrows",
    "ncols",
    "dot",
    "sum",
    "product",
    "norm",
    "norm_squared",
    "mean",
    "re",
    "eps",
    "count",
];

/// True when `e` (original syntax) could be a nalgebra matrix.
pub fn maybe_matrix(e: &Expr, closures: &std::collections::HashSet<String>) -> bool {
    match unparen(e) {
        Expr::Path(p) => p.qself.is_none() && p.path.segments.len() == 1,
        Expr::Field(_) => true,
        Expr::Reference(r) => r.mutability.is_none() && maybe_matrix(&r.expr, closures),
        Expr::MethodCall(m) => {
            let name = m.method.to_string();
            !infer_dependent(e)
                && !SCALAR_FNS.contains(&name.as_str())
                && !SCALAR_RESULT_METHODS.contains(&name.as_str())
        }
        Expr::Call(c) => {
            !infer_dependent(e)
                && match unparen(&c.func) {
                    Expr::Path(p) => {
                        let segs = &p.path.segments;
                        let first = segs.first().map(|s| s.ident.to_string());
                        let closure =
                            segs.len() == 1 && first.as_ref().is_some_and(|f| closures.contains(f));
                        let ctor = segs.len() == 1
                            && first
                                .as_ref()
                                .is_some_and(|f| f.starts_with(char::is_uppercase));
                        let float = first.as_deref() == Some("f64");
                        !(closure || ctor || float)
                    }
                    _ => false,
                }
        }
        Expr::Binary(b) => {
            is_routed_op(&b.op)
                && maybe_matrix(&b.left, closures)
                && maybe_matrix(&b.right, closures)
        }
        _ => false,
    }
}

/// The operators that are routed: those nalgebra defines between two matrices.
pub fn is_routed_op(op: &BinOp) -> bool {
    matches!(op, BinOp::Add(_) | BinOp::Sub(_) | BinOp::Mul(_))
}

/// `(&Pair::<S, _, _>::new(a, b)).__mul(|a, b| a * b)` (or `__bin` for `+`/`-`), at the
/// operator's span so errors point at the user's operator.
pub fn binary(ctx: &Ctx, left: Expr, op: BinOp, right: Expr) -> Expr {
    let (s, k) = (&ctx.scalar, &ctx.krate);
    let span = op.span();
    let method = match op {
        BinOp::Mul(_) => quote_spanned!(span=> __mul),
        _ => quote_spanned!(span=> __bin),
    };
    let ts: TokenStream = quote_spanned!(span=>
        (&#k::__private::Pair::<#s, _, _>::new(#left, #right))
            .#method(|__nngrad_a, __nngrad_b| __nngrad_a #op __nngrad_b)
    );
    syn::parse2(ts).expect("routed operation parses")
}

/// `recv.dot(arg)` as `(&Pair::<S, _, _>::new(&recv, arg)).__bin(|a, b| a.dot(b))`.
pub fn method(ctx: &Ctx, recv: Expr, name: &syn::Ident, arg: Expr) -> Expr {
    let (s, k) = (&ctx.scalar, &ctx.krate);
    let span = name.span();
    // An invisible group keeps `&` applying to the whole receiver, whatever its precedence.
    let recv = proc_macro2::Group::new(proc_macro2::Delimiter::None, recv.into_token_stream());
    let ts: TokenStream = quote_spanned!(span=>
        (&#k::__private::Pair::<#s, _, _>::new(&#recv, #arg))
            .__bin(|__nngrad_a, __nngrad_b| __nngrad_a.#name(__nngrad_b))
    );
    syn::parse2(ts).expect("routed method parses")
}
