//! `num-traits` for every dual type (nested ones included): `Num`, `NumCast`, `ToPrimitive`,
//! `FromPrimitive`, `Float`, `FloatConst` and `Signed` (`Zero` and `One` come with
//! [`Scalar`](crate::Scalar)). Every method forwards to [`Scalar`](crate::Scalar), so derivatives come from the one rule
//! table; conversions and classifications look at the primal value.
//!
//! Code generic over `T: num_traits::Float` therefore takes duals:
//!
//! ```
//! use nngrad_core::{Dual, DualN};
//! fn f<T: num_traits::Float>(x: T) -> T {
//!     x.sin() * x.exp() + T::from(2.0).unwrap()
//! }
//! let d = f(Dual::variable(0.5));
//! let exact = 0.5f64.exp() * (0.5f64.sin() + 0.5f64.cos());
//! assert!((d.eps() - exact).abs() < 1e-15);
//!
//! let x = DualN::<f64, 4>::variable(0.5, 2);
//! assert_eq!(f(x).eps()[2], d.eps());
//!
//! // Second derivative by nesting: (e^x sin x)'' = 2 e^x cos x.
//! let x = Dual::new(Dual::variable(0.5), Dual::constant(1.0));
//! assert!((f(x).eps().eps() - 2.0 * 0.5f64.exp() * 0.5f64.cos()).abs() < 1e-14);
//! ```
//!
//! The dual types implement [`Scalar`](crate::Scalar), `num_traits::Float` and `nalgebra::ComplexField`, all
//! of which name methods `sin`, `abs`, `max`, …. Generic code with one of these bounds calls
//! them unambiguously; concrete code on a dual type should import only one of the traits (or
//! call `Scalar::sin(x)`).
//!
//! A type registers them at the bottom of its own file: `impl_num_traits!([generics] Type);`.

use crate::Scalar;

/// Implements the num-traits for `$ty` with generics `[$($gen)*]` by forwarding to [`Scalar`](crate::Scalar).
macro_rules! impl_num_traits {
    ([$($gen:tt)*] $ty:ty) => {
        // The trait whose methods the bodies call, in scope here only (not the caller's).
        const _: () = {
            // Unused when the registering file imports them too.
            #[allow(unused_imports)]
            use $crate::Scalar as _;

            impl<$($gen)*> num_traits::Num for $ty {
                type FromStrRadixErr = <f64 as num_traits::Num>::FromStrRadixErr;
                /// A constant parsed as `f64` does.
                fn from_str_radix(s: &str, radix: u32) -> Result<Self, Self::FromStrRadixErr> {
                    <f64 as num_traits::Num>::from_str_radix(s, radix).map($crate::Scalar::cst)
                }
            }

            impl<$($gen)*> num_traits::ToPrimitive for $ty {
                fn to_i64(&self) -> Option<i64> {
                    num_traits::ToPrimitive::to_i64(&self.value())
                }
                fn to_u64(&self) -> Option<u64> {
                    num_traits::ToPrimitive::to_u64(&self.value())
                }
                fn to_i128(&self) -> Option<i128> {
                    num_traits::ToPrimitive::to_i128(&self.value())
                }
                fn to_u128(&self) -> Option<u128> {
                    num_traits::ToPrimitive::to_u128(&self.value())
                }
                fn to_f32(&self) -> Option<f32> {
                    num_traits::ToPrimitive::to_f32(&self.value())
                }
                fn to_f64(&self) -> Option<f64> {
                    Some(self.value())
                }
            }

            impl<$($gen)*> num_traits::FromPrimitive for $ty {
                fn from_i64(n: i64) -> Option<Self> {
                    Some($crate::Scalar::cst(n as f64))
                }
                fn from_u64(n: u64) -> Option<Self> {
                    Some($crate::Scalar::cst(n as f64))
                }
                fn from_i128(n: i128) -> Option<Self> {
                    Some($crate::Scalar::cst(n as f64))
                }
                fn from_u128(n: u128) -> Option<Self> {
                    Some($crate::Scalar::cst(n as f64))
                }
                fn from_f32(n: f32) -> Option<Self> {
                    Some($crate::Scalar::cst(f64::from(n)))
                }
                fn from_f64(n: f64) -> Option<Self> {
                    Some($crate::Scalar::cst(n))
                }
            }

            impl<$($gen)*> num_traits::NumCast for $ty {
                fn from<P: num_traits::ToPrimitive>(n: P) -> Option<Self> {
                    n.to_f64().map($crate::Scalar::cst)
                }
            }

            impl<$($gen)*> num_traits::Signed for $ty {
                fn abs(&self) -> Self {
                    $crate::Scalar::abs(*self)
                }
                fn abs_sub(&self, other: &Self) -> Self {
                    $crate::dual::impls::num_traits::positive_difference(*self, *other)
                }
                fn signum(&self) -> Self {
                    $crate::Scalar::signum(*self)
                }
                fn is_positive(&self) -> bool {
                    $crate::Scalar::is_sign_positive(*self)
                }
                fn is_negative(&self) -> bool {
                    $crate::Scalar::is_sign_negative(*self)
                }
            }

            impl<$($gen)*> num_traits::FloatConst for $ty {
                $crate::dual::impls::num_traits::consts!(
                    E, FRAC_1_PI, FRAC_1_SQRT_2, FRAC_2_PI, FRAC_2_SQRT_PI, FRAC_PI_2, FRAC_PI_3,
                    FRAC_PI_4, FRAC_PI_6, FRAC_PI_8, LN_10, LN_2, LOG10_E, LOG2_E, PI, SQRT_2, TAU,
                    LOG10_2, LOG2_10
                );
            }

            impl<$($gen)*> num_traits::Float for $ty {
                $crate::dual::impls::num_traits::forward!(
                    (self): floor, ceil, round, trunc, fract, abs, signum, recip, sqrt, exp, exp2,
                        ln, log2, log10, to_degrees, to_radians, cbrt, sin, cos, tan, asin, acos,
                        atan, exp_m1, ln_1p, sinh, cosh, tanh, asinh, acosh, atanh;
                    (self, o): log, powf, max, min, hypot, atan2, copysign;
                    bool: is_nan, is_infinite, is_finite, is_normal, is_sign_positive,
                        is_sign_negative
                );
                fn nan() -> Self {
                    $crate::Scalar::cst(f64::NAN)
                }
                fn infinity() -> Self {
                    $crate::Scalar::cst(f64::INFINITY)
                }
                fn neg_infinity() -> Self {
                    $crate::Scalar::cst(f64::NEG_INFINITY)
                }
                fn neg_zero() -> Self {
                    $crate::Scalar::cst(-0.0)
                }
                fn min_value() -> Self {
                    $crate::Scalar::cst(f64::MIN)
                }
                fn min_positive_value() -> Self {
                    $crate::Scalar::cst(f64::MIN_POSITIVE)
                }
                fn epsilon() -> Self {
                    $crate::Scalar::cst(f64::EPSILON)
                }
                fn max_value() -> Self {
                    $crate::Scalar::cst(f64::MAX)
                }
                fn is_subnormal(self) -> bool {
                    self.value().is_subnormal()
                }
                fn classify(self) -> core::num::FpCategory {
                    self.value().classify()
                }
                fn mul_add(self, a: Self, b: Self) -> Self {
                    $crate::Scalar::mul_add(self, a, b)
                }
                fn powi(self, n: i32) -> Self {
                    $crate::Scalar::powi(self, n)
                }
                fn clamp(self, lo: Self, hi: Self) -> Self {
                    $crate::Scalar::clamp(self, lo, hi)
                }
                fn abs_sub(self, other: Self) -> Self {
                    $crate::dual::impls::num_traits::positive_difference(self, other)
                }
                fn sin_cos(self) -> (Self, Self) {
                    $crate::Scalar::sin_cos(self)
                }
                /// The decomposition of the primal value.
                fn integer_decode(self) -> (u64, i16, i8) {
                    num_traits::Float::integer_decode(self.value())
                }
            }
        };
    };
}

/// `Float` methods that are the `Scalar` method of the same name.
macro_rules! forward {
    ((self): $($u:ident),*; (self, o): $($b:ident),*; bool: $($p:ident),*) => {
        $(#[inline(always)] fn $u(self) -> Self { $crate::Scalar::$u(self) })*
        $(#[inline(always)] fn $b(self, o: Self) -> Self { $crate::Scalar::$b(self, o) })*
        $(#[inline(always)] fn $p(self) -> bool { $crate::Scalar::$p(self) })*
    };
}

/// `FloatConst` constants as dual constants.
macro_rules! consts {
    ($($c:ident),*) => {
        $(#[inline(always)] fn $c() -> Self { $crate::Scalar::cst(core::f64::consts::$c) })*
    };
}

/// `max(x − y, 0)` as `f64`'s `abs_sub` chooses it: zero (a constant) when `x ≤ y`.
#[inline(always)]
pub(crate) fn positive_difference<S: Scalar>(x: S, y: S) -> S {
    if x <= y {
        S::cst(0.0)
    } else {
        x - y
    }
}

pub(crate) use {consts, forward, impl_num_traits};
