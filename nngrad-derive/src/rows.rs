//! Register blocking of reduction loop nests (issue 11, target 5), a pass over the user's
//! original syntax that runs before the body rules. It recognises
//!
//! ```text
//! for i in a..b {
//!     let mut acc = <init>;          // optionally `let mut acc: T = <init>;`
//!     for j in c..d {
//!         acc += <term>;             // or `-=`
//!     }
//!     <rest>
//! }
//! ```
//!
//! and writes, for dual scalars only (`Scalar::__ROW_BLOCKS`, a constant: an `f64` call runs
//! the nest as written),
//!
//! ```text
//! for (i, __nngrad_row_acc) in rows(a..b, || c..d, |i| { let mut acc = <init>; acc },
//!                                   |acc, i, j| { *acc += <term>; }) {
//!     let mut acc = __nngrad_row_acc;
//!     <rest>
//! }
//! ```
//!
//! `nngrad_core::__private::rows` sweeps `j` once for up to four outputs, so one load of
//! `h[j]` serves them all and their chains overlap. Each accumulator gets exactly its own
//! operations in the order written, so results are bit-identical; what changes is only when
//! `<init>` and `<term>` of different outputs run relative to each other and to `<rest>`.
//! That is allowed only when it cannot be observed:
//!
//! * `<init>`, `<term>` and the range ends are pure: names, literals, fields, indexing, casts,
//!   arithmetic, `len()` (no calls that could have effects, no assignments);
//! * `<rest>` names none of the identifiers those read (so it cannot change them, and the
//!   closures' shared borrows never meet a use in `<rest>`), and has no `break`, `return` or
//!   `?`, after which the original would have stopped before evaluating rows looked ahead;
//! * the inner range does not depend on `i` or `acc`, `<term>` does not read `acc`, and the
//!   inner loop's body is that one statement.
//!
//! Anything else is left as written.

use std::collections::HashSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::VisitMut;
use syn::{BinOp, Block, Expr, ExprForLoop, Ident, Local, Pat, RangeLimits, Stmt};

use crate::rewrite::{pure, unparen};

/// Lowers every recognised nest in `block` (closures included, nested items not).
pub fn block_rows(scalar: &Ident, krate: &TokenStream, block: &mut Block) {
    Lower { scalar, krate }.visit_block_mut(block);
}

struct Lower<'a> {
    scalar: &'a Ident,
    krate: &'a TokenStream,
}

impl VisitMut for Lower<'_> {
    fn visit_block_mut(&mut self, block: &mut Block) {
        for stmt in block.stmts.iter_mut() {
            self.visit_stmt_mut(stmt);
            if let Stmt::Expr(Expr::ForLoop(f), _) = stmt {
                if let Some(nest) = Nest::of(f) {
                    *stmt = self.lowered(f, &nest);
                }
            }
        }
    }

    // Nested items cannot name the outer scalar; macros are not parsed.
    fn visit_item_mut(&mut self, _: &mut syn::Item) {}
    fn visit_macro_mut(&mut self, _: &mut syn::Macro) {}
}

/// The parts of a recognised nest.
struct Nest<'a> {
    i: &'a Ident,
    rows: &'a Expr,
    acc: &'a Ident,
    first: &'a Local,
    j: &'a Ident,
    cols: &'a Expr,
    op: &'a BinOp,
    term: &'a Expr,
    rest: &'a [Stmt],
    /// Whether `i` is used by `init`, by `term` and by the rest, and `j` by `term` (an
    /// unused name is bound as `_`: no unused-variable warning in the user's code).
    i_in_init: bool,
    i_in_term: bool,
    i_in_rest: bool,
    j_in_term: bool,
}

impl<'a> Nest<'a> {
    fn of(f: &'a ExprForLoop) -> Option<Nest<'a>> {
        if !f.attrs.is_empty() {
            return None;
        }
        let i = plain_ident(&f.pat, false)?;
        let rows = half_open(&f.expr)?;
        let [Stmt::Local(first), Stmt::Expr(Expr::ForLoop(inner), _), rest @ ..] =
            &f.body.stmts[..]
        else {
            return None;
        };
        let acc = match &first.pat {
            Pat::Type(t) => plain_ident(&t.pat, true)?,
            p => plain_ident(p, true)?,
        };
        let init = first.init.as_ref()?;
        if !first.attrs.is_empty() || init.diverge.is_some() || !pure(&init.expr) {
            return None;
        }
        if !inner.attrs.is_empty() || inner.label.is_some() {
            return None;
        }
        let j = plain_ident(&inner.pat, false)?;
        let cols = half_open(&inner.expr)?;
        let [Stmt::Expr(Expr::Binary(step), _)] = &inner.body.stmts[..] else {
            return None;
        };
        if !matches!(step.op, BinOp::AddAssign(_) | BinOp::SubAssign(_))
            || !is_name(&step.left, acc)
            || !pure(&step.right)
        {
            return None;
        }
        let term = &*step.right;
        let (term_names, cols_names) = (idents(term), idents(cols));
        let init_names = idents(&init.expr);
        let (i_s, j_s, acc_s) = (i.to_string(), j.to_string(), acc.to_string());
        // The names the closures bind must mean the same in the nest as written: `j` is not
        // bound yet where `init` and the inner range are evaluated (an outer `j` there would
        // be captured), `acc` is the accumulator only inside the inner loop, and the inner
        // range is evaluated once per sweep, so it cannot depend on `i`.
        if j == i
            || j == acc
            || i == acc
            || term_names.contains(&acc_s)
            || cols_names.contains(&i_s)
            || cols_names.contains(&acc_s)
            || cols_names.contains(&j_s)
            || init_names.contains(&j_s)
        {
            return None;
        }
        // What the closures read, minus the names they bind themselves.
        let (i_in_init, i_in_term) = (init_names.contains(&i_s), term_names.contains(&i_s));
        let j_in_term = term_names.contains(&j_s);
        let mut read = init_names;
        read.extend(term_names);
        read.extend(cols_names);
        read.extend(idents(rows));
        for own in [i, j, acc] {
            read.remove(&own.to_string());
        }
        let rest_tokens: TokenStream = rest.iter().map(|s| s.to_token_stream()).collect();
        let rest_names = idents(&rest_tokens);
        if stops_early(rest_tokens) || !rest_names.is_disjoint(&read) {
            return None;
        }
        Some(Nest {
            i,
            rows,
            acc,
            first,
            j,
            cols,
            op: &step.op,
            term,
            rest,
            i_in_init,
            i_in_term,
            i_in_rest: rest_names.contains(&i_s),
            j_in_term,
        })
    }
}

impl Lower<'_> {
    /// `if S::__ROW_BLOCKS { <through rows> } else { <as written> };`
    fn lowered(&self, f: &ExprForLoop, n: &Nest) -> Stmt {
        let (s, k) = (self.scalar, self.krate);
        let Nest {
            i,
            rows,
            acc,
            j,
            cols,
            op,
            term,
            rest,
            ..
        } = n;
        let label = &f.label;
        let yielded = Ident::new("__nngrad_row_acc", acc.span());
        let mut first = n.first.clone();
        first.attrs.push(syn::parse_quote!(#[allow(unused_mut)]));
        let mut again = first.clone();
        if let Some(init) = &mut again.init {
            *init.expr = syn::parse_quote!(#yielded);
        }
        let original = f.to_token_stream();
        let bind = |name: &Ident, used: bool| {
            if used {
                name.to_token_stream()
            } else {
                quote::quote!(_)
            }
        };
        let i_rest = bind(i, n.i_in_rest);
        let i_init = bind(i, n.i_in_init);
        let i_term = bind(i, n.i_in_term);
        let j_term = bind(j, n.j_in_term);
        syn::parse_quote! {
            if <#s as #k::Scalar>::__ROW_BLOCKS {
                #label for (#i_rest, #yielded) in #k::__private::rows(
                    #rows,
                    || #cols,
                    |#i_init| { #first #acc },
                    |#acc, #i_term, #j_term| { *#acc #op #term; },
                ) {
                    #again
                    #(#rest)*
                }
            } else {
                #original
            };
        }
    }
}

/// `name` or `mut name` (as `mutable` asks), with no `ref` or sub-pattern.
fn plain_ident(p: &Pat, mutable: bool) -> Option<&Ident> {
    match p {
        Pat::Ident(p)
            if p.by_ref.is_none() && p.subpat.is_none() && p.mutability.is_some() == mutable =>
        {
            Some(&p.ident)
        }
        _ => None,
    }
}

/// `a..b` with both ends pure.
fn half_open(e: &Expr) -> Option<&Expr> {
    match unparen(e) {
        Expr::Range(r)
            if matches!(r.limits, RangeLimits::HalfOpen(_))
                && r.start.as_deref().is_some_and(pure)
                && r.end.as_deref().is_some_and(pure) =>
        {
            Some(e)
        }
        _ => None,
    }
}

fn is_name(e: &Expr, name: &Ident) -> bool {
    matches!(unparen(e), Expr::Path(p) if p.qself.is_none() && p.path.is_ident(name))
}

/// Every identifier in `e`'s tokens (field names too: conservative).
fn idents(e: &impl ToTokens) -> HashSet<String> {
    fn walk(ts: TokenStream, out: &mut HashSet<String>) {
        for t in ts {
            match t {
                TokenTree::Ident(i) => {
                    out.insert(i.to_string());
                }
                TokenTree::Group(g) => walk(g.stream(), out),
                _ => {}
            }
        }
    }
    let mut out = HashSet::new();
    walk(e.to_token_stream(), &mut out);
    out
}

/// `break`, `return`, `?`, or an item that must exist once (`static`, `impl`: the rest is
/// emitted twice).
fn stops_early(ts: TokenStream) -> bool {
    ts.into_iter().any(|t| match t {
        TokenTree::Ident(i) => ["break", "return", "static", "impl"].contains(&&*i.to_string()),
        TokenTree::Punct(p) => p.as_char() == '?',
        TokenTree::Group(g) => stops_early(g.stream()),
        _ => false,
    })
}
