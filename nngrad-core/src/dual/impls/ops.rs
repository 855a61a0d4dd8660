//! The operators of every dual type beyond `+ − × ÷ −x` with itself (which its own file
//! writes): `%`, every mix with `f64` and with references, `op=`, `Sum`/`Product`, and the
//! comparisons, which look at primal values only (documented on [`Scalar`](crate::Scalar)).
//!
//! A type registers them at the bottom of its own file: `impl_ops!([generics] Type);`.

/// Implements the operators and comparisons for `$ty` with generics `[$($gen)*]`.
macro_rules! impl_ops {
    ([$($gen:tt)*] $ty:ty) => {
        // The traits whose methods the bodies call, in scope here only (not the caller's).
        const _: () = {
            // Unused when the registering file imports them too.
            #[allow(unused_imports)]
            use $crate::{DualNum as _, Scalar as _};

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
                    self.chain2(&o, x % y, $crate::dual::impls::point_cst::<$ty>(1.0), -(x / y).trunc())
                }
            }

            // `Dual op f64`.
            impl<$($gen)*> core::ops::Add<f64> for $ty {
                type Output = Self;
                #[inline(always)]
                fn add(self, o: f64) -> Self {
                    self.shift($crate::dual::impls::re_cst::<$ty>(o))
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
                    self.scale($crate::dual::impls::re_cst::<$ty>(o))
                }
            }
            impl<$($gen)*> core::ops::Div<f64> for $ty {
                type Output = Self;
                #[inline(always)]
                fn div(self, o: f64) -> Self {
                    self.unscale($crate::dual::impls::re_cst::<$ty>(o))
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
                    o.with_real($crate::dual::impls::re_cst::<$ty>(self) + o.real())
                }
            }
            impl<$($gen)*> core::ops::Sub<$ty> for f64 {
                type Output = $ty;
                #[inline(always)]
                fn sub(self, o: $ty) -> $ty {
                    (-o).with_real($crate::dual::impls::re_cst::<$ty>(self) - o.real())
                }
            }
            impl<$($gen)*> core::ops::Mul<$ty> for f64 {
                type Output = $ty;
                #[inline(always)]
                fn mul(self, o: $ty) -> $ty {
                    let r = $crate::dual::impls::re_cst::<$ty>(self) * o.real();
                    o.scale($crate::dual::impls::re_cst::<$ty>(self)).with_real(r)
                }
            }
            impl<$($gen)*> core::ops::Div<$ty> for f64 {
                type Output = $ty;
                #[inline(always)]
                fn div(self, o: $ty) -> $ty {
                    let x = o.point();
                    let q = $crate::dual::impls::point_cst::<$ty>(self) / x;
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

            $crate::dual::impls::ops::ref_ops!([$($gen)*] $ty; Add add, Sub sub, Mul mul, Div div, Rem rem);
            $crate::dual::impls::ops::assign_ops!([$($gen)*] $ty;
                AddAssign add_assign +, SubAssign sub_assign -, MulAssign mul_assign *,
                DivAssign div_assign /, RemAssign rem_assign %);

            impl<$($gen)*> core::ops::Neg for &$ty {
                type Output = $ty;
                #[inline(always)]
                fn neg(self) -> $ty {
                    -*self
                }
            }

            $crate::dual::impls::ops::folds!([$($gen)*] $ty; $ty, &'a $ty, f64, &'a f64);
        };
    };
}

/// Every combination of owned and borrowed operands, for `Dual`, `f64` and `&f64` right-hand
/// sides, forwarded to the owned impls.
macro_rules! ref_ops {
    ($g:tt $ty:ty; $($tr:ident $m:ident),*) => {
        $($crate::dual::impls::ops::ref_ops!(@one $g $ty; $tr $m);)*
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
        $($crate::dual::impls::ops::assign_ops!(@one $g $ty; $tr $m $op);)*
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
        $($crate::dual::impls::ops::folds!(@one $g $ty; $item);)*
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

pub(crate) use {assign_ops, folds, impl_ops, ref_ops};
