//! Receivers of binary float methods (`w.max(x)`): a scalar or a reference to one becomes `S`,
//! anything else is unchanged.

use super::wrap::{same_or_cst, W};
use crate::Scalar;

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
