//! [`Dual`]: a value with one tangent — its storage, its `+ − × ÷` with itself (the product
//! and quotient rules), `Display`, and at the bottom its registration of every trait family.

use super::num::mul_zero_safe;
use crate::{DualNum, Scalar};
use core::ops::{Add, Div, Mul, Neg, Sub};

/// A dual number `re + eps·ε` with `ε² = 0`: a value and one directional derivative.
///
/// `T` is the scalar of both parts: `f64` for first derivatives, another dual type for higher
/// ones (`Dual<Dual<f64>>` carries a second derivative in `eps.eps`).
///
/// ```
/// use nngrad_core::{Dual, Scalar};
/// let x = Dual::variable(2.0);
/// let y = x * x * x + 1.0;
/// assert_eq!((y.re(), y.eps()), (9.0, 12.0));
///
/// // Second derivative by nesting: d²/dx² x³ = 6x.
/// let x = Dual::new(Dual::variable(2.0), Dual::constant(1.0));
/// let y = x * x * x;
/// assert_eq!(y.eps().eps(), 12.0);
/// ```
// `repr(C)`: two fields of `T` and nothing else, which the GEMM layout below relies on.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Dual<T = f64> {
    /// The value.
    ///
    /// ```
    /// use nngrad_core::Dual;
    /// assert_eq!(Dual::new(2.0, 1.0).re, 2.0);
    /// ```
    pub re: T,
    /// The tangent: the derivative along the seeded direction.
    ///
    /// ```
    /// use nngrad_core::Dual;
    /// assert_eq!((Dual::variable(3.0) * 2.0).eps, 2.0);
    /// ```
    pub eps: T,
}

/// A first-order dual number over `f64`.
///
/// ```
/// use nngrad_core::Dual64;
/// let x = Dual64::variable(1.0);
/// assert_eq!(x.eps(), 1.0);
/// ```
pub type Dual64 = Dual<f64>;

impl<T: Scalar> Dual<T> {
    /// A dual number from its value and tangent.
    ///
    /// ```
    /// use nngrad_core::Dual;
    /// let d = Dual::new(1.0, 0.5);
    /// assert_eq!((d.re(), d.eps()), (1.0, 0.5));
    /// ```
    #[inline(always)]
    pub fn new(re: T, eps: T) -> Self {
        Dual { re, eps }
    }

    /// A constant: tangent zero.
    ///
    /// ```
    /// use nngrad_core::Dual;
    /// assert_eq!(Dual::constant(3.0).eps(), 0.0);
    /// ```
    #[inline(always)]
    pub fn constant(re: T) -> Self {
        Dual::new(re, T::cst(0.0))
    }

    /// The variable being differentiated by: tangent one.
    ///
    /// ```
    /// use nngrad_core::Dual;
    /// assert_eq!(Dual::variable(3.0).eps(), 1.0);
    /// ```
    #[inline(always)]
    pub fn variable(re: T) -> Self {
        Dual::new(re, T::cst(1.0))
    }

    /// The value.
    ///
    /// ```
    /// use nngrad_core::Dual;
    /// assert_eq!(Dual::new(1.0, 2.0).re(), 1.0);
    /// ```
    #[inline(always)]
    pub fn re(&self) -> T {
        self.re
    }

    /// The tangent.
    ///
    /// ```
    /// use nngrad_core::Dual;
    /// assert_eq!(Dual::new(1.0, 2.0).eps(), 2.0);
    /// ```
    #[inline(always)]
    pub fn eps(&self) -> T {
        self.eps
    }
}

impl<T: Scalar> DualNum for Dual<T> {
    type Re = T;
    type Point = T;
    #[inline(always)]
    fn point(&self) -> T {
        self.re
    }
    #[inline(always)]
    fn points(&self, other: &Self) -> (T, T) {
        (self.re, other.re)
    }
    #[inline(always)]
    fn lift(re: T) -> T {
        re
    }
    #[inline(always)]
    fn real(&self) -> T {
        self.re
    }
    #[inline(always)]
    fn from_real(re: T) -> Self {
        Dual::constant(re)
    }
    #[inline(always)]
    fn with_real(self, re: T) -> Self {
        Dual::new(re, self.eps)
    }
    #[inline(always)]
    fn chain(self, f: T, df: T) -> Self {
        Dual::new(f, self.eps * df)
    }
    #[inline(always)]
    fn chain_safe(self, f: T, df: T) -> Self {
        Dual::new(f, mul_zero_safe(self.eps, df))
    }
    #[inline(always)]
    fn chain2(self, other: &Self, f: T, dx: T, dy: T) -> Self {
        Dual::new(
            f,
            mul_zero_safe(self.eps, dx) + mul_zero_safe(other.eps, dy),
        )
    }
    #[inline(always)]
    fn tangent_is_zero(&self) -> bool {
        self.eps.is_constant() && self.eps.value() == 0.0
    }
    #[inline(always)]
    fn scale(self, k: T) -> Self {
        Dual::new(self.re * k, self.eps * k)
    }
    #[inline(always)]
    fn unscale(self, k: T) -> Self {
        Dual::new(self.re / k, self.eps / k)
    }
}

impl<T: Scalar> Add for Dual<T> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Dual::new(self.re + o.re, self.eps + o.eps)
    }
}

impl<T: Scalar> Sub for Dual<T> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Dual::new(self.re - o.re, self.eps - o.eps)
    }
}

// The product and quotient rules mix operators on purpose.
#[allow(clippy::suspicious_arithmetic_impl)]
impl<T: Scalar> Mul for Dual<T> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let (a, b) = (self.re, o.re);
        // A zero tangent times an infinite value contributes 0, not `0·∞ = NaN` (crate docs,
        // *Infinite local derivatives*). Tested on the values, once per product, so the
        // finite case stays two multiply-adds.
        let eps = if a.is_finite() && b.is_finite() {
            self.eps * b + o.eps * a
        } else {
            mul_zero_safe(self.eps, b) + mul_zero_safe(o.eps, a)
        };
        Dual::new(a * b, eps)
    }
}

// The product and quotient rules mix operators on purpose.
#[allow(clippy::suspicious_arithmetic_impl)]
impl<T: Scalar> Div for Dual<T> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let q = self.re / o.re;
        Dual::new(q, (self.eps - o.eps * q) / o.re)
    }
}

impl<T: Scalar> Neg for Dual<T> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Dual::new(-self.re, -self.eps)
    }
}

/// `re + epsε`, each part with the caller's formatting options.
///
/// ```
/// use nngrad_core::Dual;
/// assert_eq!(format!("{:.2}", Dual::new(1.0, -0.5)), "1.00 + -0.50ε");
/// ```
impl<T: Scalar> core::fmt::Display for Dual<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.re, f)?;
        f.write_str(" + ")?;
        core::fmt::Display::fmt(&self.eps, f)?;
        f.write_str("ε")
    }
}

// Registration: every trait family this type implements, written once in `impls/`.
// `f64 parts`: `re` and `eps`, two `T`s in a `repr(C)` struct.
super::impls::scalar::impl_scalar!([T: Scalar] Dual<T>; f64 parts: 2, of T);
super::impls::ops::impl_ops!([T: Scalar] Dual<T>);
super::impls::num_traits::impl_num_traits!([T: Scalar] Dual<T>);
super::impls::nalgebra::impl_nalgebra!([T: Scalar] Dual<T>);
super::impls::outputs::impl_outputs!([T: Scalar] Dual<T>);
