//! The trait families every dual type registers, each written once as a macro that takes the
//! type and its generics explicitly (`impl_x!([T: Scalar] Dual<T>)`) and names everything by
//! `$crate` path, so that a type's file is the one place that lists what it implements:
//!
//! | macro | implements |
//! |---|---|
//! | [`impl_scalar!`](scalar) | `Scalar` (every method, from the rule table), `f64 op S` bundles, `From<f64>`, `Default`, `Zero`, `One`, and the GEMM layout the kernels read |
//! | [`impl_ops!`](ops) | `%`, the mixes with `f64` and references, `op=`, `Sum`/`Product`, comparisons |
//! | [`impl_num_traits!`](num_traits) | num-traits' `Num`, `NumCast`, `ToPrimitive`, `FromPrimitive`, `Float`, `FloatConst`, `Signed` |
//! | [`impl_nalgebra!`](nalgebra) | simba's `SimdValue`, `Field`, `SubsetOf`, `ComplexField`, `RealField`; approx's comparisons |
//! | [`impl_outputs!`](outputs) | [`Outputs`](crate::Outputs): a single value returned from a differentiated closure |

pub(crate) mod layout;
pub(crate) mod nalgebra;
pub(crate) mod num_traits;
pub(crate) mod ops;
pub(crate) mod outputs;
pub(crate) mod scalar;

/// The constant `v` in the scalar type of `D`'s real part (the macros' spelling of `T::cst`
/// that does not depend on what the caller named its parameter).
#[inline(always)]
pub(crate) fn re_cst<D: crate::DualNum>(v: f64) -> D::Re {
    <D::Re as crate::Scalar>::cst(v)
}

/// The constant `v` in the scalar `D`'s rules are evaluated in ([`DualNum::Point`](crate::DualNum::Point)).
#[inline(always)]
pub(crate) fn point_cst<D: crate::DualNum>(v: f64) -> D::Point {
    <D::Point as crate::Scalar>::cst(v)
}
