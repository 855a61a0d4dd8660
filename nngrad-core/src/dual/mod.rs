//! The dual-number types and everything they share.
//!
//! | file | holds |
//! |---|---|
//! | `dual.rs` | [`Dual`]: one tangent |
//! | `dual_n.rs` | [`DualN`]: `N` tangent lanes |
//! | `taylor2.rs` | [`Taylor2`]: `N` lanes and their summed second derivatives (collapsed Taylor mode) |
//! | `num.rs` | [`DualNum`]: the few primitives a type provides to the shared code |
//! | `rules.rs` | every derivative formula, `(f(x), f'(x))`, generic over the scalar so nesting gives higher orders |
//! | `table.rs` | the `Scalar` methods that are one rule each, with their docs |
//! | `impls/` | the trait families (`Scalar`, operators, num-traits, nalgebra, `Outputs`), each one macro |
//!
//! A type's file holds its storage, its `+ − × ÷ −x` with itself and `Display`, and at its
//! bottom one line per trait family (`impl_scalar!`, `impl_ops!`, `impl_num_traits!`,
//! `impl_nalgebra!`, `impl_outputs!`), which is where it states its GEMM layout too. Adding a
//! type is that one file, a `mod` line and a `pub use` line here; adding an elementary
//! function is a row of `table.rs`, its formula in `rules.rs` and its tests.

// The file is named for the type it holds, as its siblings are.
#[allow(clippy::module_inception)]
mod dual;
mod dual_n;
pub(crate) mod impls;
mod num;
pub(crate) mod rules;
pub(crate) mod table;
mod taylor2;

pub use dual::{Dual, Dual64};
pub use dual_n::DualN;
pub use num::DualNum;
pub use taylor2::Taylor2;
