//! [`DualN`]: a value with `N` tangent lanes on the stack — its storage, its `+ − × ÷` with
//! itself, `Display`, and at the bottom its registration of every trait family.

use super::num::mul_zero_safe;
use crate::{DualNum, Scalar};
use core::ops::{Add, Div, Mul, Neg, Sub};

/// A dual number with `N` tangent lanes: a value and `N` directional derivatives at once.
///
/// A Jacobian with `n` inputs takes `⌈n/N⌉` evaluations. The lanes are a plain array and every
/// operation is a fixed-length loop over them, which the compiler turns into SIMD.
///
/// ```
/// use nngrad_core::{DualN, Scalar};
/// let x = DualN::<f64, 2>::variable(3.0, 0);
/// let y = DualN::<f64, 2>::variable(4.0, 1);
/// let r = (x * x + y * y).sqrt();
/// assert_eq!(r.re(), 5.0);
/// let [a, b] = r.eps();
/// assert!((a - 0.6).abs() < 1e-15 && (b - 0.8).abs() < 1e-15);
/// ```
// `repr(C)`: `1 + N` values of `T` and nothing else, which the GEMM layout below relies on.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct DualN<T, const N: usize> {
    /// The value.
    ///
    /// ```
    /// use nngrad_core::DualN;
    /// assert_eq!(DualN::new(2.0, [1.0, 0.0]).re, 2.0);
    /// ```
    pub re: T,
    /// The tangent lanes: lane `k` is the derivative along the `k`-th seeded direction.
    ///
    /// ```
    /// use nngrad_core::DualN;
    /// let (x, y) = (DualN::<f64, 2>::variable(3.0, 0), DualN::<f64, 2>::variable(5.0, 1));
    /// assert_eq!((x * y).eps, [5.0, 3.0]);
    /// ```
    pub eps: [T; N],
}

impl<T: Scalar, const N: usize> DualN<T, N> {
    /// A dual number from its value and lanes.
    ///
    /// ```
    /// use nngrad_core::DualN;
    /// let d = DualN::new(1.0, [2.0, 3.0]);
    /// assert_eq!(d.eps()[1], 3.0);
    /// ```
    #[inline(always)]
    pub fn new(re: T, eps: [T; N]) -> Self {
        DualN { re, eps }
    }

    /// A constant: every lane zero.
    ///
    /// ```
    /// use nngrad_core::DualN;
    /// assert_eq!(DualN::<f64, 3>::constant(1.0).eps(), [0.0; 3]);
    /// ```
    #[inline(always)]
    pub fn constant(re: T) -> Self {
        DualN::new(re, [T::cst(0.0); N])
    }

    /// Variable number `lane`: lane `lane` is one, the others zero.
    ///
    /// # Panics
    /// If `lane >= N`.
    ///
    /// ```
    /// use nngrad_core::DualN;
    /// assert_eq!(DualN::<f64, 3>::variable(1.0, 2).eps(), [0.0, 0.0, 1.0]);
    /// ```
    #[inline(always)]
    pub fn variable(re: T, lane: usize) -> Self {
        assert!(
            lane < N,
            "DualN::variable: lane {lane} out of range for {N} lanes"
        );
        let mut d = Self::constant(re);
        d.eps[lane] = T::cst(1.0);
        d
    }

    /// The value.
    ///
    /// ```
    /// use nngrad_core::DualN;
    /// assert_eq!(DualN::new(1.0, [2.0]).re(), 1.0);
    /// ```
    #[inline(always)]
    pub fn re(&self) -> T {
        self.re
    }

    /// The tangent lanes.
    ///
    /// ```
    /// use nngrad_core::DualN;
    /// assert_eq!(DualN::new(1.0, [2.0]).eps(), [2.0]);
    /// ```
    #[inline(always)]
    pub fn eps(&self) -> [T; N] {
        self.eps
    }

    #[inline(always)]
    fn lanes(eps: [T; N], f: impl Fn(T) -> T) -> [T; N] {
        // Built by index rather than mutated in place: a shape LLVM turns into straight SIMD
        // code inside callers' dot-product loops.
        core::array::from_fn(|i| f(eps[i]))
    }

    #[inline(always)]
    fn lanes2(a: [T; N], b: [T; N], f: impl Fn(T, T) -> T) -> [T; N] {
        core::array::from_fn(|i| f(a[i], b[i]))
    }
}

impl<T: Scalar, const N: usize> DualNum for DualN<T, N> {
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
        DualN::constant(re)
    }
    #[inline(always)]
    fn with_real(self, re: T) -> Self {
        DualN::new(re, self.eps)
    }
    #[inline(always)]
    fn chain(self, f: T, df: T) -> Self {
        DualN::new(f, Self::lanes(self.eps, |e| e * df))
    }
    #[inline(always)]
    fn chain_safe(self, f: T, df: T) -> Self {
        DualN::new(f, Self::lanes(self.eps, |e| mul_zero_safe(e, df)))
    }
    #[inline(always)]
    fn chain2(self, other: &Self, f: T, dx: T, dy: T) -> Self {
        DualN::new(
            f,
            Self::lanes2(self.eps, other.eps, |a, b| {
                mul_zero_safe(a, dx) + mul_zero_safe(b, dy)
            }),
        )
    }
    #[inline(always)]
    fn tangent_is_zero(&self) -> bool {
        self.eps.iter().all(|e| e.is_constant() && e.value() == 0.0)
    }
    #[inline(always)]
    fn scale(self, k: T) -> Self {
        DualN::new(self.re * k, Self::lanes(self.eps, |e| e * k))
    }
    #[inline(always)]
    fn unscale(self, k: T) -> Self {
        DualN::new(self.re / k, Self::lanes(self.eps, |e| e / k))
    }
}

impl<T: Scalar, const N: usize> Add for DualN<T, N> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        DualN::new(self.re + o.re, Self::lanes2(self.eps, o.eps, |a, b| a + b))
    }
}

impl<T: Scalar, const N: usize> Sub for DualN<T, N> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        DualN::new(self.re - o.re, Self::lanes2(self.eps, o.eps, |a, b| a - b))
    }
}

// The product and quotient rules mix operators on purpose.
#[allow(clippy::suspicious_arithmetic_impl)]
impl<T: Scalar, const N: usize> Mul for DualN<T, N> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let (a, b) = (self.re, o.re);
        // `0·∞` as in `Dual`'s product: a zero lane times an infinite value contributes 0.
        let eps = if a.is_finite() && b.is_finite() {
            Self::lanes2(self.eps, o.eps, |x, y| x * b + y * a)
        } else {
            Self::lanes2(self.eps, o.eps, |x, y| {
                mul_zero_safe(x, b) + mul_zero_safe(y, a)
            })
        };
        DualN::new(a * b, eps)
    }
}

// The product and quotient rules mix operators on purpose.
#[allow(clippy::suspicious_arithmetic_impl)]
impl<T: Scalar, const N: usize> Div for DualN<T, N> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        let q = self.re / o.re;
        let inv = o.re;
        DualN::new(q, Self::lanes2(self.eps, o.eps, |x, y| (x - y * q) / inv))
    }
}

impl<T: Scalar, const N: usize> Neg for DualN<T, N> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        DualN::new(-self.re, Self::lanes(self.eps, |e| -e))
    }
}

/// `re + [e₀, e₁, …]ε`, each part with the caller's formatting options.
///
/// ```
/// use nngrad_core::DualN;
/// assert_eq!(format!("{}", DualN::new(1.0, [2.0, 0.5])), "1 + [2, 0.5]ε");
/// ```
impl<T: Scalar, const N: usize> core::fmt::Display for DualN<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.re, f)?;
        f.write_str(" + [")?;
        for (i, e) in self.eps.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            core::fmt::Display::fmt(e, f)?;
        }
        f.write_str("]ε")
    }
}

// Registration: every trait family this type implements, written once in `impls/`.
// `f64 parts`: `re` and the `N` lanes, `1 + N` `T`s in a `repr(C)` struct.
super::impls::scalar::impl_scalar!([T: Scalar, const N: usize] DualN<T, N>; f64 parts: N + 1, of T);
super::impls::ops::impl_ops!([T: Scalar, const N: usize] DualN<T, N>);
super::impls::num_traits::impl_num_traits!([T: Scalar, const N: usize] DualN<T, N>);
super::impls::nalgebra::impl_nalgebra!([T: Scalar, const N: usize] DualN<T, N>);
super::impls::outputs::impl_outputs!([T: Scalar, const N: usize] DualN<T, N>);
