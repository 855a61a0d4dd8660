//! [`Scalar`] for `f64`: the plain values every dual type carries, computed as `f64`'s own
//! methods (or libm's, or a rule's value half) compute them.

use crate::Scalar;

/// `f64`'s value of each of the table's functions.
macro_rules! f64_unary {
    ($($(#[$doc:meta])* $name:ident: $tangent:ident, $inline:ident, $f64:ident;)*) => {
        $(f64_unary!(@ $f64 $name);)*
    };
    (@ std $name:ident) => {
        #[inline(always)]
        fn $name(self) -> Self {
            f64::$name(self)
        }
    };
    (@ libm $name:ident) => {
        #[inline(always)]
        fn $name(self) -> Self {
            libm::$name(self)
        }
    };
    (@ rule $name:ident) => {
        #[inline(always)]
        fn $name(self) -> Self {
            crate::dual::rules::$name(self).0
        }
    };
}

/// `f64` methods of the same name.
macro_rules! forward_f64 {
    ($($name:ident),* $(,)?) => {
        $(#[inline(always)] fn $name(self) -> Self { f64::$name(self) })*
    };
}

impl Scalar for f64 {
    #[inline(always)]
    fn cst(v: f64) -> Self {
        v
    }
    #[inline(always)]
    fn value(self) -> f64 {
        self
    }
    #[inline(always)]
    fn is_constant(&self) -> bool {
        true
    }
    #[inline(always)]
    fn __f64_layout() -> Option<crate::private::F64Layout> {
        Some(crate::private::F64Layout::f64())
    }
    crate::dual::table::unary_table!(f64_unary);
    forward_f64!(signum, floor, ceil, round, trunc, fract, to_degrees, to_radians);
    #[inline(always)]
    fn log(self, base: impl Into<Self>) -> Self {
        f64::log(self, base.into())
    }
    #[inline(always)]
    fn powi(self, n: i32) -> Self {
        f64::powi(self, n)
    }
    #[inline(always)]
    fn powf(self, n: impl Into<Self>) -> Self {
        f64::powf(self, n.into())
    }
    #[inline(always)]
    fn sin_cos(self) -> (Self, Self) {
        f64::sin_cos(self)
    }
    #[inline(always)]
    fn atan2(self, other: impl Into<Self>) -> Self {
        f64::atan2(self, other.into())
    }
    #[inline(always)]
    fn hypot(self, other: impl Into<Self>) -> Self {
        f64::hypot(self, other.into())
    }
    #[inline(always)]
    fn mul_add(self, a: impl Into<Self>, b: impl Into<Self>) -> Self {
        f64::mul_add(self, a.into(), b.into())
    }
    #[inline(always)]
    fn max(self, other: impl Into<Self>) -> Self {
        f64::max(self, other.into())
    }
    #[inline(always)]
    fn min(self, other: impl Into<Self>) -> Self {
        f64::min(self, other.into())
    }
    #[inline(always)]
    fn clamp(self, lo: impl Into<Self>, hi: impl Into<Self>) -> Self {
        crate::dual::rules::clamp_select(self, lo.into(), hi.into())
    }
    #[inline(always)]
    fn copysign(self, sign: impl Into<Self>) -> Self {
        f64::copysign(self, sign.into())
    }
    #[inline(always)]
    fn rem_euclid(self, rhs: impl Into<Self>) -> Self {
        f64::rem_euclid(self, rhs.into())
    }
    #[inline(always)]
    fn div_euclid(self, rhs: impl Into<Self>) -> Self {
        f64::div_euclid(self, rhs.into())
    }
    #[inline(always)]
    fn leaky_relu(self, alpha: f64) -> Self {
        if self > 0.0 {
            self
        } else {
            alpha * self
        }
    }
    #[inline(always)]
    fn elu(self, alpha: f64) -> Self {
        crate::dual::rules::elu(self, alpha).0
    }
}
