#![warn(missing_docs)]
//! The `#[differentiable]` attribute of nngrad: rewrites unchanged `f64` Rust into code
//! generic over `S: nngrad_core::Scalar`. Use it through `nngrad_core` (which re-exports it);
//! the guide is `nngrad_core::guide`.
//!
//! Layout, in thiserror's stages: `ast` parses the item into a small typed model (each node
//! keeping its `syn` original; `attr` reads the attribute's arguments), `valid` runs every
//! semantic check on it and reports all errors at once, `expand` only generates: `select`
//! decides which parameters become `S`, `rewrite` applies the body rules (`route` the matrix
//! operations, `scope` the file's `f64` constants, `rows` the register blocking of reduction
//! loop nests). `diagnostics` is the fallback output.

use proc_macro::TokenStream;

mod ast;
mod attr;
mod diagnostics;
mod expand;
mod rewrite;
mod route;
mod rows;
mod scope;
mod select;
#[cfg(test)]
mod tests;
mod valid;

/// Makes an `f64` function (or every f64-taking method of an inherent impl block) generic over
/// the scalar `S: Scalar`; see `nngrad_core::guide`.
#[proc_macro_attribute]
pub fn differentiable(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::differentiable(args.into(), item.into()).into()
}

/// Adds the `Scalar` bound and the three where-clause bundles for the named generic parameter
/// to a hand-written generic fn that calls `#[differentiable]` code.
#[proc_macro_attribute]
pub fn scalar_bounds(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::scalar_bounds(args.into(), item.into()).into()
}

/// Leaves the item as plain f64 code, only removing the `#[nograd]`/`#[lift]` markers; used
/// to build the reference copy of the test corpus.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn plain(_args: TokenStream, item: TokenStream) -> TokenStream {
    diagnostics::strip_markers(item.into()).into()
}
