#![warn(missing_docs)]
//! The `#[differentiable]` attribute of nngrad: rewrites unchanged `f64` Rust into code
//! generic over `S: nngrad_core::Scalar`. Use it through `nngrad_core` (which re-exports it);
//! the guide is `nngrad_core::guide`.
//!
//! Layout: `parse` reads the attribute's arguments, `select` decides which parameters
//! become `S`, `rewrite` applies the body rules, `emit` builds the generic item, and
//! `diagnostics` holds the error messages and the fallback output.

use proc_macro::TokenStream;

mod diagnostics;
mod emit;
mod parse;
mod rewrite;
mod route;
mod scope;
mod select;
#[cfg(test)]
mod tests;

/// Makes an `f64` function (or every f64-taking method of an inherent impl block) generic over
/// the scalar `S: Scalar`; see `nngrad_core::guide`.
#[proc_macro_attribute]
pub fn differentiable(args: TokenStream, item: TokenStream) -> TokenStream {
    emit::differentiable(args.into(), item.into()).into()
}

/// Adds the `Scalar` bound and the three where-clause bundles for the named generic parameter
/// to a hand-written generic fn that calls `#[differentiable]` code.
#[proc_macro_attribute]
pub fn scalar_bounds(args: TokenStream, item: TokenStream) -> TokenStream {
    emit::scalar_bounds(args.into(), item.into()).into()
}

/// Leaves the item as plain f64 code, only removing the `#[nograd]`/`#[lift]` markers; used
/// to build the reference copy of the test corpus.
#[doc(hidden)]
#[proc_macro_attribute]
pub fn plain(_args: TokenStream, item: TokenStream) -> TokenStream {
    diagnostics::strip_markers(item.into()).into()
}
