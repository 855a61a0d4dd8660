//! The one implementation of [`Scalar`](crate::Scalar), the mixed `f64` operators,
//! comparisons, sums and products for every dual type, written against
//! [`DualNum`](crate::DualNum) and the rule table. Each dual type's own file supplies only its
//! storage and `+ − × ÷` with itself.

/// Implements everything shared for `$ty` with generics `[$($gen)*]`.
macro_rules! impl_dual {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> $crate::Scalar for $ty {
            #[inline(always)]
            fn cst(v: f64) -> Self {
                <Self as DualNum>::from_real(<T as $crate::Scalar>::cst(v))
            }
            #[inline(always)]
            fn value(self) -> f64 {
                self.real().value()
            }
            #[inline(always)]
            fn is_constant(&self) -> bool {
                self.tangent_is_zero() && self.real().is_constant()
            }

            // Rules that are a few instructions stay inline.
            $crate::dual_impl::unary_rules!(inline(always);
                chain: abs, relu, softsign;
                chain_safe: sqrt, recip
            );
            // Rules that call libm are kept out of line: inlined into a user's loop, the call
            // makes the register allocator spill the loop's accumulators on every iteration
            // (measured: a plain-loop JVP of MLP-M went from 2.5x to 1.04x one f64 evaluation).
            $crate::dual_impl::unary_rules!(inline(never);
                chain: sin, cos, tan, atan, tanh, asinh, erf, erfc, sigmoid, softplus, selu, gelu,
                    gelu_tanh, silu;
                // Infinite local derivative at a domain edge, or on overflow (exp, sinh, …).
                chain_safe: cbrt, ln, ln_1p, log2, log10, asin, acos, acosh, atanh, exp, exp2,
                    exp_m1, sinh, cosh
            );

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
                self.chain(self.point().to_degrees(), <<$ty as $crate::DualNum>::Point as $crate::Scalar>::cst(180.0 / core::f64::consts::PI))
            }
            #[inline(always)]
            fn to_radians(self) -> Self {
                self.chain(self.point().to_radians(), <<$ty as $crate::DualNum>::Point as $crate::Scalar>::cst(core::f64::consts::PI / 180.0))
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
                let (f, df) = $crate::rules::powi(self.point(), n);
                self.chain_safe(f, df)
            }
            #[inline(always)]
            fn powf(self, n: impl Into<Self>) -> Self {
                let n = n.into();
                if n.tangent_is_zero() {
                    // A constant exponent stays constant in the rule (its special case at 0).
                    let (f, dx) = $crate::rules::powf(self.point(), Self::lift(n.real()));
                    self.chain_safe(f, dx)
                } else {
                    let (x, y) = self.points(&n);
                    let (f, dx) = $crate::rules::powf(x, y);
                    self.chain2(&n, f, dx, $crate::rules::powf_dy(x, f))
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
                let (f, dy, dx) = $crate::rules::atan2(y, x);
                self.chain2(&other, f, dy, dx)
            }
            #[inline(always)]
            fn hypot(self, other: impl Into<Self>) -> Self {
                let other = other.into();
                let (x, y) = self.points(&other);
                let (f, dx, dy) = $crate::rules::hypot(x, y);
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
                $crate::rules::max_select(self, other.into())
            }
            #[inline(always)]
            fn min(self, other: impl Into<Self>) -> Self {
                $crate::rules::min_select(self, other.into())
            }
            #[inline(always)]
            fn clamp(self, lo: impl Into<Self>, hi: impl Into<Self>) -> Self {
                $crate::rules::clamp_select(self, lo.into(), hi.into())
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
                self.chain2(&rhs, x.rem_euclid(y), <<$ty as $crate::DualNum>::Point as $crate::Scalar>::cst(1.0), -x.div_euclid(y))
            }
            #[inline(always)]
            fn div_euclid(self, rhs: impl Into<Self>) -> Self {
                Self::from_real(self.real().div_euclid(rhs.into().real()))
            }
            #[inline(always)]
            fn leaky_relu(self, alpha: f64) -> Self {
                let (f, df) = $crate::rules::leaky_relu(self.point(), alpha);
                self.chain(f, df)
            }
            #[inline(always)]
            fn elu(self, alpha: f64) -> Self {
                let (f, df) = $crate::rules::elu(self.point(), alpha);
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

        // Comparisons look at primal values only (documented on `Scalar`).
        impl<$($gen)*> PartialEq for $ty {
            #[inline(always)]
            fn eq(&self, o: &Self) -> bool {
                $crate::Scalar::value(*self) == $crate::Scalar::value(*o)
            }
        }
        impl<$($gen)*> PartialOrd for $ty {
            #[inline(always)]
            fn partial_cmp(&self, o: &Self) -> Option<core::cmp::Ordering> {
                $crate::Scalar::value(*self).partial_cmp(&$crate::Scalar::value(*o))
            }
        }
        impl<$($gen)*> PartialEq<f64> for $ty {
            #[inline(always)]
            fn eq(&self, o: &f64) -> bool {
                $crate::Scalar::value(*self) == *o
            }
        }
        impl<$($gen)*> PartialOrd<f64> for $ty {
            #[inline(always)]
            fn partial_cmp(&self, o: &f64) -> Option<core::cmp::Ordering> {
                $crate::Scalar::value(*self).partial_cmp(o)
            }
        }
        impl<$($gen)*> PartialEq<$ty> for f64 {
            #[inline(always)]
            fn eq(&self, o: &$ty) -> bool {
                *self == $crate::Scalar::value(*o)
            }
        }
        impl<$($gen)*> PartialOrd<$ty> for f64 {
            #[inline(always)]
            fn partial_cmp(&self, o: &$ty) -> Option<core::cmp::Ordering> {
                self.partial_cmp(&$crate::Scalar::value(*o))
            }
        }

        impl<$($gen)*> core::ops::Rem for $ty {
            type Output = Self;
            #[inline(always)]
            fn rem(self, o: Self) -> Self {
                let (x, y) = self.points(&o);
                self.chain2(&o, x % y, <<$ty as $crate::DualNum>::Point as $crate::Scalar>::cst(1.0), -(x / y).trunc())
            }
        }

        // `Dual op f64`.
        impl<$($gen)*> core::ops::Add<f64> for $ty {
            type Output = Self;
            #[inline(always)]
            fn add(self, o: f64) -> Self {
                self.shift(T::cst(o))
            }
        }
        impl<$($gen)*> core::ops::Sub<f64> for $ty {
            type Output = Self;
            #[inline(always)]
            fn sub(self, o: f64) -> Self {
                self.with_real(self.real() - o)
            }
        }
        impl<$($gen)*> core::ops::Mul<f64> for $ty {
            type Output = Self;
            #[inline(always)]
            fn mul(self, o: f64) -> Self {
                self.scale(T::cst(o))
            }
        }
        impl<$($gen)*> core::ops::Div<f64> for $ty {
            type Output = Self;
            #[inline(always)]
            fn div(self, o: f64) -> Self {
                self.unscale(T::cst(o))
            }
        }
        impl<$($gen)*> core::ops::Rem<f64> for $ty {
            type Output = Self;
            #[inline(always)]
            fn rem(self, o: f64) -> Self {
                self.with_real(self.real() % o)
            }
        }

        // `f64 op Dual`.
        impl<$($gen)*> core::ops::Add<$ty> for f64 {
            type Output = $ty;
            #[inline(always)]
            fn add(self, o: $ty) -> $ty {
                o.with_real(T::cst(self) + o.real())
            }
        }
        impl<$($gen)*> core::ops::Sub<$ty> for f64 {
            type Output = $ty;
            #[inline(always)]
            fn sub(self, o: $ty) -> $ty {
                (-o).with_real(T::cst(self) - o.real())
            }
        }
        impl<$($gen)*> core::ops::Mul<$ty> for f64 {
            type Output = $ty;
            #[inline(always)]
            fn mul(self, o: $ty) -> $ty {
                let r = T::cst(self) * o.real();
                o.scale(T::cst(self)).with_real(r)
            }
        }
        impl<$($gen)*> core::ops::Div<$ty> for f64 {
            type Output = $ty;
            #[inline(always)]
            fn div(self, o: $ty) -> $ty {
                let x = o.point();
                let q = <<$ty as $crate::DualNum>::Point as $crate::Scalar>::cst(self) / x;
                o.chain_safe(q, -(q / x))
            }
        }
        impl<$($gen)*> core::ops::Rem<$ty> for f64 {
            type Output = $ty;
            #[inline(always)]
            fn rem(self, o: $ty) -> $ty {
                <$ty as $crate::Scalar>::cst(self) % o
            }
        }

        $crate::dual_impl::ref_ops!([$($gen)*] $ty; Add add, Sub sub, Mul mul, Div div, Rem rem);
        $crate::dual_impl::assign_ops!([$($gen)*] $ty;
            AddAssign add_assign +, SubAssign sub_assign -, MulAssign mul_assign *,
            DivAssign div_assign /, RemAssign rem_assign %);

        impl<$($gen)*> core::ops::Neg for &$ty {
            type Output = $ty;
            #[inline(always)]
            fn neg(self) -> $ty {
                -*self
            }
        }

        $crate::dual_impl::folds!([$($gen)*] $ty; $ty, &'a $ty, f64, &'a f64);

    };
}

/// The Scalar methods that are one rule and one chain step.
macro_rules! unary_rules {
    ($inline:meta; chain: $($c:ident),*; chain_safe: $($s:ident),*) => {
        $(
            #[$inline]
            fn $c(self) -> Self {
                let (f, df) = $crate::rules::$c(self.point());
                self.chain(f, df)
            }
        )*
        $(
            #[$inline]
            fn $s(self) -> Self {
                let (f, df) = $crate::rules::$s(self.point());
                self.chain_safe(f, df)
            }
        )*
    };
}

/// Every combination of owned and borrowed operands, for `Dual`, `f64` and `&f64` right-hand
/// sides, forwarded to the owned impls.
macro_rules! ref_ops {
    ($g:tt $ty:ty; $($tr:ident $m:ident),*) => {
        $($crate::dual_impl::ref_ops!(@one $g $ty; $tr $m);)*
    };
    (@one [$($gen:tt)*] $ty:ty; $tr:ident $m:ident) => {
        impl<'r, $($gen)*> core::ops::$tr<&'r $ty> for $ty {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: &'r $ty) -> $ty { core::ops::$tr::$m(self, *o) }
        }
        impl<'l, $($gen)*> core::ops::$tr<$ty> for &'l $ty {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: $ty) -> $ty { core::ops::$tr::$m(*self, o) }
        }
        impl<'l, 'r, $($gen)*> core::ops::$tr<&'r $ty> for &'l $ty {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: &'r $ty) -> $ty { core::ops::$tr::$m(*self, *o) }
        }
        impl<'r, $($gen)*> core::ops::$tr<&'r f64> for $ty {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: &'r f64) -> $ty { core::ops::$tr::$m(self, *o) }
        }
        impl<'l, $($gen)*> core::ops::$tr<f64> for &'l $ty {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: f64) -> $ty { core::ops::$tr::$m(*self, o) }
        }
        impl<'l, 'r, $($gen)*> core::ops::$tr<&'r f64> for &'l $ty {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: &'r f64) -> $ty { core::ops::$tr::$m(*self, *o) }
        }
        impl<'r, $($gen)*> core::ops::$tr<&'r $ty> for f64 {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: &'r $ty) -> $ty { core::ops::$tr::$m(self, *o) }
        }
        impl<'l, $($gen)*> core::ops::$tr<$ty> for &'l f64 {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: $ty) -> $ty { core::ops::$tr::$m(*self, o) }
        }
        impl<'l, 'r, $($gen)*> core::ops::$tr<&'r $ty> for &'l f64 {
            type Output = $ty;
            #[inline(always)]
            fn $m(self, o: &'r $ty) -> $ty { core::ops::$tr::$m(*self, *o) }
        }
    };
}

/// `x op= y` for `y` of type `Dual`, `&Dual`, `f64`, `&f64`.
macro_rules! assign_ops {
    ($g:tt $ty:ty; $($tr:ident $m:ident $op:tt),*) => {
        $($crate::dual_impl::assign_ops!(@one $g $ty; $tr $m $op);)*
    };
    (@one [$($gen:tt)*] $ty:ty; $tr:ident $m:ident $op:tt) => {
        impl<$($gen)*> core::ops::$tr for $ty {
            #[inline(always)]
            fn $m(&mut self, o: $ty) { *self = *self $op o; }
        }
        impl<'r, $($gen)*> core::ops::$tr<&'r $ty> for $ty {
            #[inline(always)]
            fn $m(&mut self, o: &'r $ty) { *self = *self $op *o; }
        }
        impl<$($gen)*> core::ops::$tr<f64> for $ty {
            #[inline(always)]
            fn $m(&mut self, o: f64) { *self = *self $op o; }
        }
        impl<'r, $($gen)*> core::ops::$tr<&'r f64> for $ty {
            #[inline(always)]
            fn $m(&mut self, o: &'r f64) { *self = *self $op *o; }
        }
    };
}

/// `Sum` and `Product` over items of each listed type.
macro_rules! folds {
    ($g:tt $ty:ty; $($item:ty),*) => {
        $($crate::dual_impl::folds!(@one $g $ty; $item);)*
    };
    (@one [$($gen:tt)*] $ty:ty; $item:ty) => {
        impl<'a, $($gen)*> core::iter::Sum<$item> for $ty {
            #[inline]
            fn sum<I: Iterator<Item = $item>>(iter: I) -> Self {
                iter.fold(<$ty as $crate::Scalar>::cst(0.0), |acc, v| acc + v)
            }
        }
        impl<'a, $($gen)*> core::iter::Product<$item> for $ty {
            #[inline]
            fn product<I: Iterator<Item = $item>>(iter: I) -> Self {
                iter.fold(<$ty as $crate::Scalar>::cst(1.0), |acc, v| acc * v)
            }
        }
    };
}

pub(crate) use {assign_ops, folds, impl_dual, ref_ops, unary_rules};
