//! Support code for the expansion of `#[differentiable]`; not a public API.
//!
//! The macro sees tokens, not types: at a position where a value must end up as the generic
//! scalar `S` it cannot tell whether the expression is `f64` data or already `S`. It writes
//! `(&W::new(e)).__promote::<S>()` and lets method probing decide, once, while the generic
//! function is type-checked ("autoref specialisation"):
//!
//! * level 0 (`PromoteL0`, implemented for `&W<T>`) matches without autoref when `T` is a
//!   scalar (`f64` data or `S` itself) or a container of scalars, and converts to `S`;
//! * level 1 (`PromoteL1`, implemented for `&&W<T>`) is found only after autoref, for every
//!   other `T` (indices, bools, structs, iterators), and returns the value unchanged.
//!
//! Plain trait dispatch cannot do this: `impl From<f64> for S` and the reflexive `From<S>`
//! overlap exactly at `S = f64`. Here no impl overlaps; the choice is made on the generic body.
//! At `S = f64` every conversion is an identity that the optimiser removes (`same_or_cst` and
//! `identity_or` test `TypeId`s, which are constants after monomorphisation).
//!
//! One family per file: `wrap.rs` (the wrappers and the conversions they share),
//! `promote.rs`, `receiver.rs`, `assign.rs`, `cast.rs`, `matrix.rs` (f64 matrices met by
//! scalar vectors in annotated code), `simd.rs` (the run-time choice of the AVX2 clone), `rows.rs` (register blocking of
//! reduction loop nests); this module only re-exports them under
//! the paths the generated code names.

mod assign;
mod cast;
mod matrix;
mod promote;
mod receiver;
mod rows;
mod simd;
mod wrap;

pub use assign::{place_type, ConvL0, ConvL1, ConvL2, W2};
pub use cast::{AsF64, ToSL0, ToSL1, ValL0, ValL1};
pub use matrix::{AnyBin, Elem, ElemL0, ElemL1, MatBin, MatMul, MatOperand, Pair, Unknown};
pub use promote::{PromoteL0, PromoteL1};
pub use receiver::{RecvL0, RecvL1, RecvRef};
pub use rows::{rows, Rows};
pub use simd::{force_simd_fallback, simd_avx2_fma};
pub use wrap::{identity_or, same_or_cst, W};

/// The lane count of the width-choosing Jacobians (`jacobian!`, `Differentiable::jacobian`).
pub use crate::first_order::lanes_for;

/// Strips the `#[nograd]`/`#[lift]` markers and leaves the f64 code as written (reference
/// copies in tests).
pub use nngrad_derive::plain;

/// A scalar type's layout for the GEMM kernels (named by a hidden `Scalar` method).
pub use crate::dual::impls::layout::F64Layout;
