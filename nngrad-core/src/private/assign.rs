//! `place = rhs` for places that are not plain locals: the value converted by the place's type.

use super::wrap::same_or_cst;
use crate::Scalar;
use core::cell::Cell;
use core::marker::PhantomData;

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
    pub(crate) fn take(&self) -> R {
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
