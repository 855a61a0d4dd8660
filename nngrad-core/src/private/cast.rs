//! `e as f64` (a scalar becomes `S`, a primitive number a constant) and `e as i64` and other
//! non-`f64` targets (a scalar gives its value; anything else keeps the cast's semantics).

use super::wrap::{same_or_cst, W};
use crate::Scalar;

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
    use crate::private::W;
    use crate::Dual;

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
