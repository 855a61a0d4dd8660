//! nalgebra for every dual type, nested ones included: simba's `SimdValue` (one lane),
//! `Field`, `ComplexField`, `RealField` and `SubsetOf`, and approx's `AbsDiffEq`,
//! `RelativeEq`, `UlpsEq` (comparing primal values). Matrices of duals then have LU,
//! determinants, inverses and norms whose derivatives are exact, because every method
//! forwards to [`Scalar`](crate::Scalar) and so to the one rule table.
//!
//! ```
//! use nalgebra::DMatrix;
//! use nngrad_core::Dual;
//! // d/dt det(A + tB) at t = 0 is det(A)·tr(A⁻¹B).
//! let a = [2.0, 1.0, 0.5, 3.0];
//! let b = [1.0, 0.0, 2.0, 1.0];
//! let m = DMatrix::from_fn(2, 2, |i, j| Dual::new(a[2 * i + j], b[2 * i + j]));
//! let det = m.determinant();
//! assert_eq!(det.re(), 2.0 * 3.0 - 0.5);
//! // A⁻¹B by hand: det·tr(A⁻¹B) = a₁₁b₂₂ + a₂₂b₁₁ − a₁₂b₂₁ − a₂₁b₁₂ = 2 + 3 − 2 − 0.
//! assert_eq!(det.eps(), 3.0);
//!
//! // Nested duals are real fields too: second derivative of det(A + tB) is 2·det(B).
//! let m = DMatrix::from_fn(2, 2, |i, j| {
//!     Dual::new(Dual::new(a[2 * i + j], b[2 * i + j]), Dual::constant(b[2 * i + j]))
//! });
//! assert_eq!(m.determinant().eps().eps(), 2.0 * (1.0 - 0.0));
//! ```
//!
//! The dual types implement [`Scalar`](crate::Scalar), `num_traits::Float` and `nalgebra::ComplexField`, all
//! of which name methods `sin`, `abs`, `max`, …. Generic code with one of these bounds calls
//! them unambiguously; concrete code on a dual type should import only one of the traits.
//!
//! `Zero::is_zero` means the zero dual (value and every derivative zero): nalgebra uses it
//! both to skip zero entries and to detect singular pivots, and skipping an entry whose
//! derivative is not zero would lose that derivative silently. The price: a matrix that is
//! exactly singular in value but not in derivative is not reported singular, and its inverse
//! or solution comes out infinite or NaN rather than `None`.
//!
//! A type registers them at the bottom of its own file: `impl_nalgebra!([generics] Type);`.

use crate::Scalar;

/// Implements simba's and approx's traits for `$ty` with generics `[$($gen)*]`.
macro_rules! impl_nalgebra {
    ([$($gen:tt)*] $ty:ty) => {
        // The trait whose methods the bodies call, in scope here only (not the caller's).
        const _: () = {
            // Unused when the registering file imports them too.
            #[allow(unused_imports)]
            use $crate::Scalar as _;

            impl<$($gen)*> simba::simd::SimdValue for $ty {
                const LANES: usize = 1;
                type Element = Self;
                type SimdBool = bool;
                #[inline(always)]
                fn splat(val: Self) -> Self {
                    val
                }
                #[inline(always)]
                fn extract(&self, _: usize) -> Self {
                    *self
                }
                #[inline(always)]
                unsafe fn extract_unchecked(&self, _: usize) -> Self {
                    *self
                }
                #[inline(always)]
                fn replace(&mut self, _: usize, val: Self) {
                    *self = val;
                }
                #[inline(always)]
                unsafe fn replace_unchecked(&mut self, _: usize, val: Self) {
                    *self = val;
                }
                #[inline(always)]
                fn select(self, cond: bool, other: Self) -> Self {
                    if cond {
                        self
                    } else {
                        other
                    }
                }
            }

            impl<$($gen)*> simba::scalar::Field for $ty {}

            impl<$($gen)*> simba::scalar::SubsetOf<$ty> for $ty {
                #[inline(always)]
                fn to_superset(&self) -> Self {
                    *self
                }
                #[inline(always)]
                fn from_superset_unchecked(element: &Self) -> Self {
                    *element
                }
                #[inline(always)]
                fn is_in_subset(_: &Self) -> bool {
                    true
                }
            }

            /// `f64` embeds as a constant; a dual is an `f64` only when its derivatives are zero.
            impl<$($gen)*> simba::scalar::SubsetOf<$ty> for f64 {
                #[inline(always)]
                fn to_superset(&self) -> $ty {
                    $crate::Scalar::cst(*self)
                }
                #[inline(always)]
                fn from_superset_unchecked(element: &$ty) -> Self {
                    element.value()
                }
                #[inline(always)]
                fn is_in_subset(element: &$ty) -> bool {
                    element.is_constant()
                }
            }

            impl<$($gen)*> simba::scalar::SubsetOf<$ty> for f32 {
                #[inline(always)]
                fn to_superset(&self) -> $ty {
                    $crate::Scalar::cst(f64::from(*self))
                }
                #[inline(always)]
                fn from_superset_unchecked(element: &$ty) -> Self {
                    element.value() as f32
                }
                #[inline(always)]
                fn is_in_subset(element: &$ty) -> bool {
                    element.is_constant()
                }
            }

            impl<$($gen)*> approx::AbsDiffEq for $ty {
                type Epsilon = Self;
                fn default_epsilon() -> Self {
                    $crate::Scalar::cst(f64::EPSILON)
                }
                fn abs_diff_eq(&self, other: &Self, epsilon: Self) -> bool {
                    approx::AbsDiffEq::abs_diff_eq(&self.value(), &other.value(), epsilon.value())
                }
            }

            impl<$($gen)*> approx::RelativeEq for $ty {
                fn default_max_relative() -> Self {
                    $crate::Scalar::cst(f64::EPSILON)
                }
                fn relative_eq(&self, other: &Self, epsilon: Self, max_relative: Self) -> bool {
                    let (a, b) = (self.value(), other.value());
                    approx::RelativeEq::relative_eq(&a, &b, epsilon.value(), max_relative.value())
                }
            }

            impl<$($gen)*> approx::UlpsEq for $ty {
                fn default_max_ulps() -> u32 {
                    <f64 as approx::UlpsEq>::default_max_ulps()
                }
                fn ulps_eq(&self, other: &Self, epsilon: Self, max_ulps: u32) -> bool {
                    approx::UlpsEq::ulps_eq(&self.value(), &other.value(), epsilon.value(), max_ulps)
                }
            }

            impl<$($gen)*> simba::scalar::ComplexField for $ty {
                type RealField = Self;
                $crate::dual::impls::num_traits::forward!(
                    (self): floor, ceil, round, trunc, fract, abs, signum, recip, sqrt, exp, exp2,
                        ln, log2, log10, cbrt, sin, cos, tan, asin, acos, atan, exp_m1, ln_1p,
                        sinh, cosh, tanh, asinh, acosh, atanh;
                    (self, o): log, powf, hypot;
                    bool:
                );
                #[inline(always)]
                fn from_real(re: Self) -> Self {
                    re
                }
                #[inline(always)]
                fn real(self) -> Self {
                    self
                }
                #[inline(always)]
                fn imaginary(self) -> Self {
                    $crate::Scalar::cst(0.0)
                }
                #[inline(always)]
                fn modulus(self) -> Self {
                    $crate::Scalar::abs(self)
                }
                #[inline(always)]
                fn modulus_squared(self) -> Self {
                    self * self
                }
                /// `0` for `x ≥ 0`, `π` otherwise, as for `f64`; a constant either way.
                #[inline(always)]
                fn argument(self) -> Self {
                    $crate::Scalar::cst(if self >= 0.0 { 0.0 } else { core::f64::consts::PI })
                }
                #[inline(always)]
                fn norm1(self) -> Self {
                    $crate::Scalar::abs(self)
                }
                #[inline(always)]
                fn scale(self, factor: Self) -> Self {
                    self * factor
                }
                #[inline(always)]
                fn unscale(self, factor: Self) -> Self {
                    self / factor
                }
                #[inline(always)]
                fn mul_add(self, a: Self, b: Self) -> Self {
                    $crate::Scalar::mul_add(self, a, b)
                }
                /// `(|x|, ±1)` with the branch chosen by `x ≥ 0`, as for `f64`, so that
                /// `modulus · sign` is `x` itself with `x`'s derivative even at 0 (Householder
                /// reflections rely on it).
                #[inline(always)]
                fn to_exp(self) -> (Self, Self) {
                    if self >= 0.0 {
                        (self, $crate::Scalar::cst(1.0))
                    } else {
                        (-self, $crate::Scalar::cst(-1.0))
                    }
                }
                /// `sin(x)/x`, by its Taylor polynomial near 0, so the value and every derivative
                /// stay exact there instead of `0/0`.
                #[inline(always)]
                fn sinc(self) -> Self {
                    $crate::dual::impls::nalgebra::sinc(self, -1.0, $crate::Scalar::sin)
                }
                /// `sinh(x)/x`, by its Taylor polynomial near 0 (see `sinc`).
                #[inline(always)]
                fn sinhc(self) -> Self {
                    $crate::dual::impls::nalgebra::sinc(self, 1.0, $crate::Scalar::sinh)
                }
                #[inline(always)]
                fn conjugate(self) -> Self {
                    self
                }
                #[inline(always)]
                fn sin_cos(self) -> (Self, Self) {
                    $crate::Scalar::sin_cos(self)
                }
                #[inline(always)]
                fn powi(self, n: i32) -> Self {
                    $crate::Scalar::powi(self, n)
                }
                #[inline(always)]
                fn powc(self, n: Self) -> Self {
                    $crate::Scalar::powf(self, n)
                }
                #[inline(always)]
                fn is_finite(&self) -> bool {
                    $crate::Scalar::is_finite(*self)
                }
                /// `None` for negative values, as for `f64`.
                #[inline(always)]
                fn try_sqrt(self) -> Option<Self> {
                    if self >= 0.0 {
                        Some($crate::Scalar::sqrt(self))
                    } else {
                        None
                    }
                }
            }

            impl<$($gen)*> simba::scalar::RealField for $ty {
                #[inline(always)]
                fn is_sign_positive(&self) -> bool {
                    $crate::Scalar::is_sign_positive(*self)
                }
                #[inline(always)]
                fn is_sign_negative(&self) -> bool {
                    $crate::Scalar::is_sign_negative(*self)
                }
                #[inline(always)]
                fn copysign(self, sign: Self) -> Self {
                    $crate::Scalar::copysign(self, sign)
                }
                #[inline(always)]
                fn max(self, other: Self) -> Self {
                    $crate::Scalar::max(self, other)
                }
                #[inline(always)]
                fn min(self, other: Self) -> Self {
                    $crate::Scalar::min(self, other)
                }
                #[inline(always)]
                fn clamp(self, lo: Self, hi: Self) -> Self {
                    $crate::Scalar::clamp(self, lo, hi)
                }
                #[inline(always)]
                fn atan2(self, other: Self) -> Self {
                    $crate::Scalar::atan2(self, other)
                }
                #[inline(always)]
                fn min_value() -> Option<Self> {
                    Some($crate::Scalar::cst(f64::MIN))
                }
                #[inline(always)]
                fn max_value() -> Option<Self> {
                    Some($crate::Scalar::cst(f64::MAX))
                }
                $crate::dual::impls::nalgebra::real_consts!(
                    pi PI, two_pi TAU, frac_pi_2 FRAC_PI_2, frac_pi_3 FRAC_PI_3,
                    frac_pi_4 FRAC_PI_4, frac_pi_6 FRAC_PI_6, frac_pi_8 FRAC_PI_8,
                    frac_1_pi FRAC_1_PI, frac_2_pi FRAC_2_PI, frac_2_sqrt_pi FRAC_2_SQRT_PI,
                    e E, log2_e LOG2_E, log10_e LOG10_E, ln_2 LN_2, ln_10 LN_10
                );
            }
        };
    };
}

/// `RealField`'s constant methods as dual constants.
macro_rules! real_consts {
    ($($m:ident $c:ident),* $(,)?) => {
        $(#[inline(always)] fn $m() -> Self { $crate::Scalar::cst(core::f64::consts::$c) })*
    };
}

pub(crate) use {impl_nalgebra, real_consts};

/// `f(x)/x` for `f` = sin (`sign = −1`) or sinh (`sign = 1`): below |x| = 0.5 the series
/// `Σ signᵏ x²ᵏ/(2k+1)!` to k = 8 (next term < 1e-19), whose derivatives are exact at 0 and do
/// not cancel near it as those of the quotient do.
#[inline]
pub(crate) fn sinc<S: Scalar>(x: S, sign: f64, f: fn(S) -> S) -> S {
    if x.value().abs() >= 0.5 {
        return f(x) / x;
    }
    let z = x * x * sign;
    // Horner in z over the coefficients 1/(2k+1)!, k = 8 down to 0.
    let mut fact = 355_687_428_096_000.0; // 17!
    let mut p = S::cst(1.0 / fact);
    for k in (0..8).rev() {
        fact /= ((2 * k + 2) * (2 * k + 3)) as f64;
        p = p * z + 1.0 / fact;
    }
    p
}
