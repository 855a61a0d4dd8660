//! The wrapper every generated conversion goes through, and the two conversions they share.

use crate::Scalar;
use core::any::TypeId;
use core::cell::Cell;
use core::mem::ManuallyDrop;

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
    pub(crate) fn take(&self) -> T {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_or_moves_the_same_buffer() {
        let v = vec![1.0f64, 2.0];
        let ptr = v.as_ptr();
        let w: Vec<f64> = identity_or(v, |_: Vec<f64>| unreachable!());
        assert_eq!(w.as_ptr(), ptr);
    }
}
