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

use crate::Scalar;

use core::any::TypeId;
use core::cell::Cell;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
/// Strips the `#[nograd]`/`#[lift]` markers and leaves the f64 code as written (reference
/// copies in tests).
pub use nngrad_derive::plain;

mod matrix;
pub use matrix::{AnyBin, MatBin, MatMul, MatOperand, Pair};

/// Holds the wrapped value; the methods take `&self` (so that autoref can pick the level) and
/// move the value out.
pub struct W<T>(Cell<Option<T>>);

impl<T> W<T> {
    /// Wraps `v`.
    #[inline(always)]
    pub fn new(v: T) -> Self {
        W(Cell::new(Some(v)))
    }
    #[inline(always)]
    fn take(&self) -> T {
        match self.0.take() {
            Some(v) => v,
            // Each wrapper is built and consumed by exactly one generated method call.
            None => unreachable!("nngrad: a promotion wrapper was consumed twice"),
        }
    }
}

/// `t` itself when `T` is `S`, otherwise the constant `S::cst(t.value())`.
#[inline(always)]
pub fn same_or_cst<T: Scalar, S: Scalar>(t: T) -> S {
    identity_or(t, |t| S::cst(t.value()))
}

/// `a` moved unchanged when `A` is `B` (no copy: same heap buffer), otherwise `convert(a)`.
///
/// The test compares two `TypeId` constants, so after monomorphisation only one branch is
/// left and `S = f64` costs nothing (a `dyn Any` downcast measured 10–20% slower in loops).
#[inline(always)]
pub fn identity_or<A: 'static, B: 'static>(a: A, convert: impl FnOnce(A) -> B) -> B {
    if TypeId::of::<A>() == TypeId::of::<B>() {
        let a = ManuallyDrop::new(a);
        // SAFETY: `A` and `B` are the same type (equal `TypeId`s), so this is a plain move;
        // `ManuallyDrop` keeps the source from being dropped twice.
        unsafe { core::mem::transmute_copy::<A, B>(&*a) }
    } else {
        convert(a)
    }
}

/// Level 0 of "make this an `S`": scalars and containers of scalars.
pub trait PromoteL0 {
    /// The promoted type for the scalar `S`.
    type Out<S: Scalar>;
    /// Converts (or moves unchanged when it already is the `S` form).
    fn __promote<S: Scalar>(self) -> Self::Out<S>;
}

/// Level 1 of "make this an `S`": anything else, unchanged.
pub trait PromoteL1 {
    /// The value's own type.
    type Out<S: Scalar>;
    /// Returns the value unchanged.
    fn __promote<S: Scalar>(self) -> Self::Out<S>;
}

impl<T: Scalar> PromoteL0 for &W<T> {
    type Out<S: Scalar> = S;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> S {
        same_or_cst(self.take())
    }
}

impl<T: Scalar> PromoteL0 for &W<Vec<T>> {
    type Out<S: Scalar> = Vec<S>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> Vec<S> {
        identity_or(self.take(), |v| v.into_iter().map(same_or_cst).collect())
    }
}

impl<T: Scalar> PromoteL0 for &W<Vec<Vec<T>>> {
    type Out<S: Scalar> = Vec<Vec<S>>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> Vec<Vec<S>> {
        identity_or(self.take(), |v| {
            v.into_iter()
                .map(|row| row.into_iter().map(same_or_cst).collect())
                .collect()
        })
    }
}

impl<T: Scalar, const N: usize> PromoteL0 for &W<[T; N]> {
    type Out<S: Scalar> = [S; N];
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> [S; N] {
        identity_or(self.take(), |a| a.map(same_or_cst))
    }
}

impl<T: Scalar, U: Scalar> PromoteL0 for &W<(T, U)> {
    type Out<S: Scalar> = (S, S);
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> (S, S) {
        let (a, b) = self.take();
        (same_or_cst(a), same_or_cst(b))
    }
}

impl<T: Scalar, U: Scalar, V: Scalar> PromoteL0 for &W<(T, U, V)> {
    type Out<S: Scalar> = (S, S, S);
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> (S, S, S) {
        let (a, b, c) = self.take();
        (same_or_cst(a), same_or_cst(b), same_or_cst(c))
    }
}

impl<T: Scalar> PromoteL0 for &W<Option<T>> {
    type Out<S: Scalar> = Option<S>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> Option<S> {
        self.take().map(same_or_cst)
    }
}

/// nalgebra matrices and vectors with owned storage: `f64` entries become constants of `S`;
/// a matrix that already holds `S` is moved unchanged.
impl<T, R, C, St> PromoteL0 for &W<nalgebra::Matrix<T, R, C, St>>
where
    T: Scalar,
    R: nalgebra::Dim,
    C: nalgebra::Dim,
    St: nalgebra::RawStorage<T, R, C> + 'static,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R, C>,
{
    type Out<S: Scalar> = nalgebra::OMatrix<S, R, C>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> nalgebra::OMatrix<S, R, C> {
        identity_or(self.take(), |m| m.map(same_or_cst))
    }
}

/// A borrowed nalgebra matrix (a constant parameter lifted at entry): copied into `S`, or
/// cloned when it already holds `S`.
impl<T, R, C, St> PromoteL0 for &W<&nalgebra::Matrix<T, R, C, St>>
where
    T: Scalar,
    R: nalgebra::Dim,
    C: nalgebra::Dim,
    St: nalgebra::RawStorage<T, R, C>,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R, C>,
{
    type Out<S: Scalar> = nalgebra::OMatrix<S, R, C>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> nalgebra::OMatrix<S, R, C> {
        self.take().map(same_or_cst)
    }
}

impl<T> PromoteL1 for &&W<T> {
    type Out<S: Scalar> = T;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> T {
        self.take()
    }
}

/// Receivers of binary float methods (`w.max(x)`): a scalar becomes `S`, level 0.
pub trait RecvL0 {
    /// Converts to `S`.
    fn __promote_recv<S: Scalar>(self) -> S;
}

/// Receivers of binary float methods: a *reference* to a scalar becomes `S` too (a separate
/// trait: one impl for `&W<T>` and one for `&W<&T>` would overlap if `&T` were a scalar).
pub trait RecvRef {
    /// Converts to `S`.
    fn __promote_recv<S: Scalar>(self) -> S;
}

/// Receivers of binary float methods: anything else (`usize`, `Ordering`, …) unchanged.
pub trait RecvL1 {
    /// The value's own type.
    type Out;
    /// Returns the value unchanged.
    fn __promote_recv<S: Scalar>(self) -> Self::Out;
}

impl<T: Scalar> RecvL0 for &W<T> {
    #[inline(always)]
    fn __promote_recv<S: Scalar>(self) -> S {
        same_or_cst(self.take())
    }
}

impl<T: Scalar> RecvRef for &W<&T> {
    #[inline(always)]
    fn __promote_recv<S: Scalar>(self) -> S {
        same_or_cst(*self.take())
    }
}

impl<T> RecvL1 for &&W<T> {
    type Out = T;
    #[inline(always)]
    fn __promote_recv<S: Scalar>(self) -> T {
        self.take()
    }
}

/// The type of an assignment's place, without keeping a borrow of it.
#[inline(always)]
pub fn place_type<P>(_: &P) -> PhantomData<P> {
    PhantomData
}

/// `place = rhs` for a place that is not a plain local (`out[i]`, `self.f`, `*o`): the value
/// is converted according to the place's type `P`.
pub struct W2<R, P>(Cell<Option<R>>, PhantomData<P>);

impl<R, P> W2<R, P> {
    /// Wraps the value; `place` only carries the type.
    #[inline(always)]
    pub fn new(rhs: R, place: PhantomData<P>) -> Self {
        W2(Cell::new(Some(rhs)), place)
    }
    #[inline(always)]
    fn take(&self) -> R {
        match self.0.take() {
            Some(v) => v,
            None => unreachable!("nngrad: an assignment wrapper was consumed twice"),
        }
    }
}

/// Assignment, level 0: value and place have the same type: unchanged.
pub trait ConvL0 {
    /// The place's type.
    type Out;
    /// The value itself.
    fn __conv<S: Scalar>(self) -> Self::Out;
}

/// Assignment, level 1: `f64` data into a scalar place of another type: a constant.
pub trait ConvL1 {
    /// The place's type.
    type Out;
    /// `S::cst(rhs)`.
    fn __conv<S: Scalar>(self) -> Self::Out;
}

/// Assignment, level 2: anything else is left to rustc (a value with derivatives into an
/// `f64` place is its E0308 at the user's expression).
pub trait ConvL2 {
    /// The value's own type.
    type Out;
    /// The value itself.
    fn __conv<S: Scalar>(self) -> Self::Out;
}

impl<T> ConvL0 for &&&W2<T, T> {
    type Out = T;
    #[inline(always)]
    fn __conv<S: Scalar>(self) -> T {
        self.take()
    }
}

impl<T: Scalar> ConvL1 for &&W2<f64, T> {
    type Out = T;
    #[inline(always)]
    fn __conv<S: Scalar>(self) -> T {
        same_or_cst(self.take())
    }
}

impl<R, P> ConvL2 for &W2<R, P> {
    type Out = R;
    #[inline(always)]
    fn __conv<S: Scalar>(self) -> R {
        self.take()
    }
}

/// Level 0 of `e as f64`: a scalar (`f64` data or `S`) becomes `S`.
pub trait ToSL0 {
    /// Converts to `S`.
    fn __to_s<S: Scalar>(self) -> S;
}

/// Level 1 of `e as f64`: a primitive number is cast with `as f64` and becomes a constant.
pub trait ToSL1 {
    /// Casts and converts to `S`.
    fn __to_s<S: Scalar>(self) -> S;
}

impl<T: Scalar> ToSL0 for &W<T> {
    #[inline(always)]
    fn __to_s<S: Scalar>(self) -> S {
        same_or_cst(self.take())
    }
}

/// Primitive numbers that `as f64` accepts.
pub trait AsF64: Copy {
    /// `self as f64`, with the exact semantics of the cast.
    fn as_f64(self) -> f64;
}

macro_rules! as_f64 {
    ($($t:ty),*) => {$(
        impl AsF64 for $t {
            #[inline(always)]
            fn as_f64(self) -> f64 { self as f64 }
        }
    )*};
}
as_f64!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32);

impl<T: AsF64> ToSL1 for &&W<T> {
    #[inline(always)]
    fn __to_s<S: Scalar>(self) -> S {
        S::cst(self.take().as_f64())
    }
}

/// Level 0 of `e as i64` (any non-`f64` target): a scalar gives its `f64` value.
pub trait ValL0 {
    /// The primal value.
    fn __val(self) -> f64;
}

/// Level 1 of `e as i64`: anything else unchanged, so the cast keeps its exact semantics.
pub trait ValL1 {
    /// The value's own type.
    type Out;
    /// Returns the value unchanged.
    fn __val(self) -> Self::Out;
}

impl<T: Scalar> ValL0 for &W<T> {
    #[inline(always)]
    fn __val(self) -> f64 {
        self.take().value()
    }
}

impl<T> ValL1 for &&W<T> {
    type Out = T;
    #[inline(always)]
    fn __val(self) -> T {
        self.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dual;

    // The dispatch is exercised the way the macro emits it: inside a generic fn over `S`.
    fn promote_all<S: Scalar>(x: S, w: f64, v: Vec<f64>, n: usize) -> (S, S, Vec<S>, usize) {
        let a = (&W::new(x)).__promote::<S>();
        let b = (&W::new(w)).__promote::<S>();
        let c = (&W::new(v)).__promote::<S>();
        let d = (&W::new(n)).__promote::<S>();
        (a, b, c, d)
    }

    #[test]
    fn promotion_keeps_s_and_makes_f64_data_constant() {
        let (a, b, c, d) = promote_all(Dual::variable(2.0), 3.0, vec![4.0], 7);
        assert_eq!((a.re(), a.eps()), (2.0, 1.0));
        assert_eq!((b.re(), b.eps()), (3.0, 0.0));
        assert_eq!((c[0].re(), c[0].eps()), (4.0, 0.0));
        assert_eq!(d, 7);
    }

    #[test]
    fn identity_or_moves_the_same_buffer() {
        let v = vec![1.0f64, 2.0];
        let ptr = v.as_ptr();
        let w: Vec<f64> = identity_or(v, |_: Vec<f64>| unreachable!());
        assert_eq!(w.as_ptr(), ptr);
    }

    // Written as the macro emits `k as u64`; the cast is the user's.
    #[allow(clippy::unnecessary_cast)]
    fn casts<S: Scalar>(x: S, k: u64) -> (S, S, i64, u64) {
        let a = (&W::new(x)).__to_s::<S>();
        let b = (&W::new(k)).__to_s::<S>();
        let c = (&W::new(x)).__val() as i64;
        let d = (&W::new(k)).__val() as u64;
        (a, b, c, d)
    }

    #[test]
    fn casts_keep_rust_semantics() {
        let (a, b, c, d) = casts(Dual::variable(-2.5), u64::MAX);
        assert_eq!(a.eps(), 1.0);
        assert_eq!(b.re(), u64::MAX as f64);
        assert_eq!(c, -2);
        assert_eq!(d, u64::MAX);
    }
}
