//! The where-clause bundles around [`Scalar`](crate::Scalar): named groups of operator bounds
//! ([`BinOps`], [`AssignOps`], [`BinOpsOut`]) that keep its supertrait list readable, and the
//! bounds for `f64 op S` and borrowed operands ([`ScalarLhs`], [`ScalarRefLhs`],
//! [`ScalarRef`]), which cannot be supertraits and which `#[differentiable]` emits.

use core::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

/// `Self op Rhs -> Self` for the five arithmetic operators.
///
/// A named bundle keeps [`Scalar`]'s supertrait list readable; it is implemented for every type
/// that has the five operators.
///
/// ```
/// use nngrad_core::{BinOps, Dual};
/// fn halve<T: BinOps<f64>>(x: T) -> T { x / 2.0 }
/// assert_eq!(halve(Dual::variable(3.0)).eps(), 0.5);
/// ```
pub trait BinOps<Rhs>:
    Sized
    + Add<Rhs, Output = Self>
    + Sub<Rhs, Output = Self>
    + Mul<Rhs, Output = Self>
    + Div<Rhs, Output = Self>
    + Rem<Rhs, Output = Self>
{
}
impl<T, Rhs> BinOps<Rhs> for T where
    T: Add<Rhs, Output = T>
        + Sub<Rhs, Output = T>
        + Mul<Rhs, Output = T>
        + Div<Rhs, Output = T>
        + Rem<Rhs, Output = T>
{
}

/// `Self op= Rhs` for the five arithmetic operators.
///
/// ```
/// use nngrad_core::{AssignOps, Dual};
/// fn accumulate<T: AssignOps<f64>>(x: &mut T) { *x += 1.0; *x *= 2.0; }
/// let mut d = Dual::variable(1.0);
/// accumulate(&mut d);
/// assert_eq!((d.re(), d.eps()), (4.0, 2.0));
/// ```
pub trait AssignOps<Rhs>:
    AddAssign<Rhs> + SubAssign<Rhs> + MulAssign<Rhs> + DivAssign<Rhs> + RemAssign<Rhs>
{
}
impl<T, Rhs> AssignOps<Rhs> for T where
    T: AddAssign<Rhs> + SubAssign<Rhs> + MulAssign<Rhs> + DivAssign<Rhs> + RemAssign<Rhs>
{
}

/// `f64 op S` and `f64` compared with `S`: the bounds the `#[differentiable]` macro emits as
/// `where f64: ScalarLhs<S>` (they cannot be supertraits of [`Scalar`]).
///
/// Implemented explicitly for each scalar type, not by a blanket impl, so a missing bound is
/// one error with this message rather than one per operator.
///
/// ```
/// use nngrad_core::{Dual, Scalar, ScalarLhs};
/// fn scaled<S: Scalar>(x: S) -> S where f64: ScalarLhs<S> { 2.0 * x - 1.0 }
/// assert_eq!(scaled(Dual::variable(1.0)).eps(), 2.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "missing #[differentiable] where-clauses for scalar type `{S}`: `f64: ScalarLhs<{S}>`",
    label = "`f64 op {S}` needs this bound",
    note = "add `#[nngrad_core::scalar_bounds({S})]` to the generic fn, or `where f64: nngrad_core::ScalarLhs<{S}>`"
)]
pub trait ScalarLhs<S>:
    Copy + BinOpsOut<S, S> + for<'a> BinOpsOut<&'a S, S> + PartialEq<S> + PartialOrd<S>
{
}

/// `&f64 op S` and `&f64 op &S`, as met in iterator closures over weights:
/// `for<'a> &'a f64: ScalarRefLhs<S>`.
///
/// ```
/// use nngrad_core::{Dual, Scalar, ScalarRefLhs};
/// fn dot<S: Scalar>(w: &[f64], x: &[S]) -> S where for<'a> &'a f64: ScalarRefLhs<S> {
///     w.iter().zip(x).map(|(w, x)| w * *x).sum()
/// }
/// assert_eq!(dot(&[2.0], &[Dual::variable(1.0)]).eps(), 2.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "missing #[differentiable] where-clauses for scalar type `{S}`: `&f64: ScalarRefLhs<{S}>`",
    label = "`&f64 op {S}` needs this bound",
    note = "add `#[nngrad_core::scalar_bounds({S})]` to the generic fn, or `where for<'a> &'a f64: nngrad_core::ScalarRefLhs<{S}>`"
)]
pub trait ScalarRefLhs<S>: Sized + BinOpsOut<S, S> + for<'a> BinOpsOut<&'a S, S> {}

/// `&S op S|&S|f64|&f64` and `-&S`: `for<'a> &'a S: ScalarRef<S>`.
///
/// ```
/// use nngrad_core::{Dual, Scalar, ScalarRef};
/// fn sq_sum<S: Scalar>(x: &[S]) -> S where for<'a> &'a S: ScalarRef<S> {
///     x.iter().map(|v| v * v).sum()
/// }
/// assert_eq!(sq_sum(&[Dual::variable(3.0)]).eps(), 6.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "missing #[differentiable] where-clauses for scalar type `{S}`: `&{S}: ScalarRef<{S}>`",
    label = "`&{S} op ..` needs this bound",
    note = "add `#[nngrad_core::scalar_bounds({S})]` to the generic fn, or `where for<'a> &'a {S}: nngrad_core::ScalarRef<{S}>`"
)]
pub trait ScalarRef<S>:
    Sized
    + Neg<Output = S>
    + Add<S, Output = S>
    + Sub<S, Output = S>
    + Mul<S, Output = S>
    + Div<S, Output = S>
    + Rem<S, Output = S>
    + for<'a> BinOpsOut<&'a S, S>
    + BinOpsOut<f64, S>
    + for<'a> BinOpsOut<&'a f64, S>
{
}

/// `Self op Rhs -> Out` for the five arithmetic operators (used by [`ScalarRef`]).
///
/// ```
/// use nngrad_core::{BinOpsOut, Dual};
/// fn twice<'a>(x: &'a Dual) -> Dual where &'a Dual: BinOpsOut<f64, Dual> { x * 2.0 }
/// assert_eq!(twice(&Dual::variable(1.0)).eps(), 2.0);
/// ```
pub trait BinOpsOut<Rhs, Out>:
    Sized
    + Add<Rhs, Output = Out>
    + Sub<Rhs, Output = Out>
    + Mul<Rhs, Output = Out>
    + Div<Rhs, Output = Out>
    + Rem<Rhs, Output = Out>
{
}
impl<T, Rhs, Out> BinOpsOut<Rhs, Out> for T where
    T: Add<Rhs, Output = Out>
        + Sub<Rhs, Output = Out>
        + Mul<Rhs, Output = Out>
        + Div<Rhs, Output = Out>
        + Rem<Rhs, Output = Out>
{
}

impl ScalarLhs<f64> for f64 {}
impl ScalarRefLhs<f64> for &f64 {}
impl ScalarRef<f64> for &f64 {}
