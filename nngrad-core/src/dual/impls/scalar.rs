//! The one implementation of [`Scalar`](crate::Scalar) for every dual type, written against
//! [`DualNum`](crate::DualNum), the rule table ([`rules`](crate::dual::rules)) and the list
//! of one-rule functions ([`table`](crate::dual::table)), with the `f64 op S` bundles,
//! `From<f64>`, `Default`, `Zero` and `One` that `Scalar` requires.
//!
//! A type registers it at the bottom of its own file:
//! `impl_scalar!([generics] Type; f64 parts: n, of Inner);` — the generics and the type are spelled out, and the
//! expansion names everything by `$crate` path, so it does not rely on what the calling file
//! imports or on what its generic parameters are called.

/// Implements [`Scalar`](crate::Scalar) and what it requires for `$ty` with generics
/// `[$($gen)*]`; `$ty` is `$parts` fields of `$inner` (its layout for the GEMM kernels, see
/// [`layout`](super::layout)).
macro_rules! impl_scalar {
    ([$($gen:tt)*] $ty:ty $(; f64 parts: $parts:expr, of $inner:ty)? $(; layout: $layout:expr)?) => {
        // The traits whose methods the bodies call, in scope here only (not the caller's).
        const _: () = {
            // Unused when the registering file imports them too.
            #[allow(unused_imports)]
            use $crate::{DualNum as _, Scalar as _};

            impl<$($gen)*> $crate::Scalar for $ty {
                // Lanes that a wider vector unit processes in fewer operations.
                const __SIMD_CLONE: bool = true;
                // Accumulators of several outputs per sweep hide the add latency.
                const __ROW_BLOCKS: bool = true;
                #[inline(always)]
                fn cst(v: f64) -> Self {
                    <Self as $crate::DualNum>::from_real($crate::dual::impls::re_cst::<$ty>(v))
                }
                #[inline(always)]
                fn value(self) -> f64 {
                    self.real().value()
                }
                #[inline(always)]
                fn is_constant(&self) -> bool {
                    self.tangent_is_zero() && self.real().is_constant()
                }

                $($crate::dual::impls::layout::f64_layout_method!($parts, $inner);)?
                $(
                    #[inline(always)]
                    fn __f64_layout() -> Option<$crate::dual::impls::layout::F64Layout> {
                        $layout
                    }
                )?

                // The table's functions: one rule and one chain step each.
                $crate::dual::table::unary_table!($crate::dual::impls::scalar::dual_unary);

                #[inline(always)]
                fn signum(self) -> Self {
                    Self::from_real(self.real().signum())
                }
                #[inline(always)]
                fn floor(self) -> Self {
                    Self::from_real(self.real().floor())
                }
                #[inline(always)]
                fn ceil(self) -> Self {
                    Self::from_real(self.real().ceil())
                }
                #[inline(always)]
                fn round(self) -> Self {
                    Self::from_real(self.real().round())
                }
                #[inline(always)]
                fn trunc(self) -> Self {
                    Self::from_real(self.real().trunc())
                }
                #[inline(always)]
                fn fract(self) -> Self {
                    self.with_real(self.real().fract())
                }
                #[inline(always)]
                fn to_degrees(self) -> Self {
                    self.chain(self.point().to_degrees(), $crate::dual::impls::point_cst::<$ty>(180.0 / core::f64::consts::PI))
                }
                #[inline(always)]
                fn to_radians(self) -> Self {
                    self.chain(self.point().to_radians(), $crate::dual::impls::point_cst::<$ty>(core::f64::consts::PI / 180.0))
                }
                #[inline(always)]
                fn log(self, base: impl Into<Self>) -> Self {
                    let base = base.into();
                    if base.tangent_is_zero() {
                        // Keeps f64's own `log(x, b)` value when only x varies.
                        let lb = Self::lift(base.real().ln());
                        let x = self.point();
                        return self.chain_safe(x.log(Self::lift(base.real())), (x * lb).recip());
                    }
                    self.ln() / base.ln()
                }
                #[inline(always)]
                fn powi(self, n: i32) -> Self {
                    let (f, df) = $crate::dual::rules::powi(self.point(), n);
                    self.chain_safe(f, df)
                }
                #[inline(always)]
                fn powf(self, n: impl Into<Self>) -> Self {
                    let n = n.into();
                    if n.tangent_is_zero() {
                        // A constant exponent stays constant in the rule (its special case at 0).
                        let (f, dx) = $crate::dual::rules::powf(self.point(), Self::lift(n.real()));
                        self.chain_safe(f, dx)
                    } else {
                        let (x, y) = self.points(&n);
                        let (f, dx) = $crate::dual::rules::powf(x, y);
                        self.chain2(&n, f, dx, $crate::dual::rules::powf_dy(x, f))
                    }
                }
                #[inline(always)]
                fn sin_cos(self) -> (Self, Self) {
                    let (s, c) = self.point().sin_cos();
                    (self.chain(s, c), self.chain(c, -s))
                }
                #[inline(always)]
                fn atan2(self, other: impl Into<Self>) -> Self {
                    let other = other.into();
                    let (y, x) = self.points(&other);
                    let (f, dy, dx) = $crate::dual::rules::atan2(y, x);
                    self.chain2(&other, f, dy, dx)
                }
                #[inline(always)]
                fn hypot(self, other: impl Into<Self>) -> Self {
                    let other = other.into();
                    let (x, y) = self.points(&other);
                    let (f, dx, dy) = $crate::dual::rules::hypot(x, y);
                    self.chain2(&other, f, dx, dy)
                }
                #[inline(always)]
                fn mul_add(self, a: impl Into<Self>, b: impl Into<Self>) -> Self {
                    let (a, b) = (a.into(), b.into());
                    let f = self.real().mul_add(a.real(), b.real());
                    (self * a + b).with_real(f)
                }
                #[inline(always)]
                fn max(self, other: impl Into<Self>) -> Self {
                    $crate::dual::rules::max_select(self, other.into())
                }
                #[inline(always)]
                fn min(self, other: impl Into<Self>) -> Self {
                    $crate::dual::rules::min_select(self, other.into())
                }
                #[inline(always)]
                fn clamp(self, lo: impl Into<Self>, hi: impl Into<Self>) -> Self {
                    $crate::dual::rules::clamp_select(self, lo.into(), hi.into())
                }
                #[inline(always)]
                fn copysign(self, sign: impl Into<Self>) -> Self {
                    let sign = sign.into();
                    if self.is_sign_negative() == sign.is_sign_negative() {
                        self
                    } else {
                        -self
                    }
                }
                #[inline(always)]
                fn rem_euclid(self, rhs: impl Into<Self>) -> Self {
                    let rhs = rhs.into();
                    let (x, y) = self.points(&rhs);
                    self.chain2(&rhs, x.rem_euclid(y), $crate::dual::impls::point_cst::<$ty>(1.0), -x.div_euclid(y))
                }
                #[inline(always)]
                fn div_euclid(self, rhs: impl Into<Self>) -> Self {
                    Self::from_real(self.real().div_euclid(rhs.into().real()))
                }
                #[inline(always)]
                fn leaky_relu(self, alpha: f64) -> Self {
                    let (f, df) = $crate::dual::rules::leaky_relu(self.point(), alpha);
                    self.chain(f, df)
                }
                #[inline(always)]
                fn elu(self, alpha: f64) -> Self {
                    let (f, df) = $crate::dual::rules::elu(self.point(), alpha);
                    self.chain(f, df)
                }
            }

            impl<$($gen)*> $crate::ScalarLhs<$ty> for f64 {}
            impl<'r, $($gen)*> $crate::ScalarRefLhs<$ty> for &'r f64 {}
            impl<'r, $($gen)*> $crate::ScalarRef<$ty> for &'r $ty {}

            impl<$($gen)*> From<f64> for $ty {
                #[inline(always)]
                fn from(v: f64) -> Self {
                    <Self as $crate::Scalar>::cst(v)
                }
            }
            impl<$($gen)*> Default for $ty {
                #[inline(always)]
                fn default() -> Self {
                    <Self as $crate::Scalar>::cst(0.0)
                }
            }
            impl<$($gen)*> num_traits::Zero for $ty {
                #[inline(always)]
                fn zero() -> Self {
                    <Self as $crate::Scalar>::cst(0.0)
                }
                #[inline(always)]
                fn is_zero(&self) -> bool {
                    $crate::Scalar::is_constant(self) && $crate::Scalar::value(*self) == 0.0
                }
            }
            impl<$($gen)*> num_traits::One for $ty {
                #[inline(always)]
                fn one() -> Self {
                    <Self as $crate::Scalar>::cst(1.0)
                }
            }

        };
    };
}

/// The table's functions for a dual type: `(f, f')` from the rule, then one chain step.
macro_rules! dual_unary {
    ($($(#[$doc:meta])* $name:ident: $tangent:ident, $inline:ident, $f64:ident;)*) => {
        $($crate::dual::impls::scalar::dual_unary!(@ $name $tangent $inline);)*
    };
    (@ $name:ident $tangent:ident inline) => {
        #[inline(always)]
        fn $name(self) -> Self {
            let (f, df) = $crate::dual::rules::$name($crate::DualNum::point(&self));
            $crate::DualNum::$tangent(self, f, df)
        }
    };
    (@ $name:ident $tangent:ident outline) => {
        #[inline(never)]
        fn $name(self) -> Self {
            let (f, df) = $crate::dual::rules::$name($crate::DualNum::point(&self));
            $crate::DualNum::$tangent(self, f, df)
        }
    };
}

pub(crate) use {dual_unary, impl_scalar};
