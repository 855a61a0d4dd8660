//! [`Taylor2`]: a value, `N` first-order lanes and one second-order coefficient summed over the
//! lanes' directions (collapsed Taylor mode).
//!
//! For seed directions `v₁ … v_N`, a `Taylor2` carries `a`, `a₁ₖ = ∇a·vₖ` and
//! `a₂ = Σₖ vₖᵀ(∇²a)vₖ`. The propagation rules are those of second-order Taylor arithmetic with
//! the second-order terms added up over the directions as they go:
//!
//! | operation | second-order coefficient |
//! |---|---|
//! | `a ± b` | `a₂ ± b₂` |
//! | `a·b` | `a₂b + ab₂ + 2Σₖ a₁ₖb₁ₖ` |
//! | `q = a/b` | `(a₂ − q·b₂ − 2Σₖ q₁ₖb₁ₖ)/b` |
//! | `g(a)` | `g′(a)·a₂ + g″(a)·Σₖ a₁ₖ²` |
//! | `g(a, b)` | `g_a a₂ + g_b b₂ + Σₖ (g_aa a₁ₖ² + 2g_ab a₁ₖb₁ₖ + g_bb b₁ₖ²)` |
//!
//! The elementary functions take no formula of their own: the rule table gives `(g, g′)` in
//! any scalar type, and this type asks for it at the point `a + ε₀` in `DualN<T, 2>` (and
//! `(a + ε₀, b + ε₁)` for two-argument functions), so the rule's derivative part carries
//! `g′` and, differentiated once more by the nesting, `g″` (or `g_aa`, `g_ab`, `g_bb`) — one
//! table for every order, the same formulas (and the same care at extremes) as `Dual`.
//! Seeded with the unit vectors of a chunk of inputs, `a₂` is the chunk's part of the
//! Laplacian, so the Laplacian takes `⌈n/N⌉` evaluations of one value, `N` lanes and one
//! coefficient each (Li et al. 2023, "Forward Laplacian"; Dangel et al. 2025, "collapsed
//! Taylor mode"), where nested first-order duals take `n` evaluations of four components.

use crate::{DualN, DualNum, Scalar};
use core::ops::{Add, Div, Mul, Neg, Sub};

/// A value, `N` directional derivatives, and the sum over those directions of the second
/// directional derivatives: what the Laplacian (and `Σᵢ σᵢ² ∂²f/∂xᵢ²`) needs, in one pass per
/// `N` directions.
///
/// Seed input `j` of a chunk with lane `k = j − start` set to one ([`Taylor2::variable`]);
/// after the evaluation the lanes hold the chunk's gradient and [`eps2`](Taylor2::eps2) the
/// chunk's part of `Σᵢ ∂²f/∂xᵢ²`. It implements [`Scalar`] like every dual type (so models,
/// `#[differentiable]` code and nalgebra matrices run on it), nests (`T` may itself be a dual
/// number), and takes the GEMM path of [`kernels`](crate::kernels) for `T = f64`.
///
/// ```
/// use nngrad_core::{Scalar, Taylor2};
/// // f = x²y + sin y at (2, 0.5): Δf = 2y − sin y.
/// let x = Taylor2::<f64, 2>::variable(2.0, 0);
/// let y = Taylor2::<f64, 2>::variable(0.5, 1);
/// let f = x * x * y + y.sin();
/// assert_eq!(f.re(), 2.0 + 0.5f64.sin());
/// assert_eq!(f.eps(), [2.0 * 2.0 * 0.5, 4.0 + 0.5f64.cos()]);
/// assert!((f.eps2() - (2.0 * 0.5 - 0.5f64.sin())).abs() < 1e-15);
/// ```
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Taylor2<T, const N: usize> {
    /// The value.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// assert_eq!(Taylor2::<f64, 1>::constant(2.0).re, 2.0);
    /// ```
    pub re: T,
    /// The first-order lanes: lane `k` is the derivative along the `k`-th seeded direction.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// let x = Taylor2::<f64, 2>::variable(3.0, 1);
    /// assert_eq!((x * x).eps, [0.0, 6.0]);
    /// ```
    pub eps: [T; N],
    /// The second directional derivatives along the seeded directions, summed.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// let x = Taylor2::<f64, 2>::variable(3.0, 1);
    /// assert_eq!((x * x * x).eps2, 18.0);
    /// ```
    pub eps2: T,
}

impl<T: Scalar, const N: usize> Taylor2<T, N> {
    /// A number from its value, lanes and summed second-order coefficient.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// assert_eq!(Taylor2::new(1.0, [2.0], 3.0).eps2(), 3.0);
    /// ```
    #[inline(always)]
    pub fn new(re: T, eps: [T; N], eps2: T) -> Self {
        Taylor2 { re, eps, eps2 }
    }

    /// A constant: lanes and second-order coefficient zero.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// assert_eq!(Taylor2::<f64, 2>::constant(1.0).eps(), [0.0; 2]);
    /// ```
    #[inline(always)]
    pub fn constant(re: T) -> Self {
        Taylor2::new(re, [T::cst(0.0); N], T::cst(0.0))
    }

    /// Variable number `lane`: lane `lane` is one, the others and the second-order
    /// coefficient zero.
    ///
    /// # Panics
    /// If `lane >= N`.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// assert_eq!(Taylor2::<f64, 3>::variable(1.0, 2).eps(), [0.0, 0.0, 1.0]);
    /// ```
    #[inline(always)]
    pub fn variable(re: T, lane: usize) -> Self {
        assert!(
            lane < N,
            "Taylor2::variable: lane {lane} out of range for {N} lanes"
        );
        let mut t = Self::constant(re);
        t.eps[lane] = T::cst(1.0);
        t
    }

    /// The value.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// assert_eq!(Taylor2::new(1.0, [2.0], 0.0).re(), 1.0);
    /// ```
    #[inline(always)]
    pub fn re(&self) -> T {
        self.re
    }

    /// The first-order lanes.
    ///
    /// ```
    /// use nngrad_core::Taylor2;
    /// assert_eq!(Taylor2::new(1.0, [2.0], 0.0).eps(), [2.0]);
    /// ```
    #[inline(always)]
    pub fn eps(&self) -> [T; N] {
        self.eps
    }

    /// The summed second-order coefficient `Σₖ vₖᵀ(∇²f)vₖ`.
    ///
    /// ```
    /// use nngrad_core::{Scalar, Taylor2};
    /// assert_eq!(Taylor2::<f64, 1>::variable(0.0, 0).exp().eps2(), 1.0);
    /// ```
    #[inline(always)]
    pub fn eps2(&self) -> T {
        self.eps2
    }

    /// `Σₖ aₖbₖ` over the lanes.
    #[inline(always)]
    fn dot(a: &[T; N], b: &[T; N]) -> T {
        a.iter()
            .zip(b)
            .fold(T::cst(0.0), |acc, (&x, &y)| acc + x * y)
    }

    /// The chain rule of a one-argument function with slope `g1` and curvature `g2`;
    /// `safe` keeps exactly-zero parts zero whatever the factors (infinite slopes).
    #[inline(always)]
    fn chain_with(self, f: T, g1: T, g2: T, safe: bool) -> Self {
        let mul = |t: T, d: T| {
            if safe {
                super::num::mul_zero_safe(t, d)
            } else {
                t * d
            }
        };
        let sq = Self::dot(&self.eps, &self.eps);
        Taylor2::new(
            f,
            core::array::from_fn(|k| mul(self.eps[k], g1)),
            mul(self.eps2, g1) + mul(sq, g2),
        )
    }
}

/// The point a rule is evaluated at: `a + ε₀` (and `b + ε₁` for a second argument), so that
/// the rule's derivative part carries the second derivatives too.
type Point<T> = DualN<T, 2>;

impl<T: Scalar, const N: usize> DualNum for Taylor2<T, N> {
    type Re = T;
    type Point = Point<T>;
    #[inline(always)]
    fn real(&self) -> T {
        self.re
    }
    #[inline(always)]
    fn point(&self) -> Point<T> {
        DualN::variable(self.re, 0)
    }
    #[inline(always)]
    fn points(&self, other: &Self) -> (Point<T>, Point<T>) {
        (DualN::variable(self.re, 0), DualN::variable(other.re, 1))
    }
    #[inline(always)]
    fn lift(re: T) -> Point<T> {
        DualN::constant(re)
    }
    #[inline(always)]
    fn from_real(re: T) -> Self {
        Taylor2::constant(re)
    }
    #[inline(always)]
    fn with_real(self, re: T) -> Self {
        Taylor2::new(re, self.eps, self.eps2)
    }
    #[inline(always)]
    fn chain(self, f: Point<T>, df: Point<T>) -> Self {
        self.chain_with(f.re, df.re, df.eps[0], false)
    }
    #[inline(always)]
    fn chain_safe(self, f: Point<T>, df: Point<T>) -> Self {
        self.chain_with(f.re, df.re, df.eps[0], true)
    }
    #[inline(always)]
    fn chain2(self, o: &Self, f: Point<T>, dx: Point<T>, dy: Point<T>) -> Self {
        use super::num::mul_zero_safe as m;
        let (gx, gy) = (dx.re, dy.re);
        let (gxx, gxy, gyy) = (dx.eps[0], dx.eps[1], dy.eps[1]);
        let (aa, ab, bb) = (
            Self::dot(&self.eps, &self.eps),
            Self::dot(&self.eps, &o.eps),
            Self::dot(&o.eps, &o.eps),
        );
        Taylor2::new(
            f.re,
            core::array::from_fn(|k| m(self.eps[k], gx) + m(o.eps[k], gy)),
            m(self.eps2, gx) + m(o.eps2, gy) + m(aa, gxx) + m(ab, gxy) * 2.0 + m(bb, gyy),
        )
    }
    #[inline(always)]
    fn tangent_is_zero(&self) -> bool {
        let zero = |e: &T| e.is_constant() && e.value() == 0.0;
        self.eps.iter().all(zero) && zero(&self.eps2)
    }
    #[inline(always)]
    fn scale(self, k: T) -> Self {
        Taylor2::new(
            self.re * k,
            core::array::from_fn(|i| self.eps[i] * k),
            self.eps2 * k,
        )
    }
    #[inline(always)]
    fn unscale(self, k: T) -> Self {
        Taylor2::new(
            self.re / k,
            core::array::from_fn(|i| self.eps[i] / k),
            self.eps2 / k,
        )
    }
    #[inline(always)]
    fn shift(self, k: T) -> Self {
        Taylor2::new(self.re + k, self.eps, self.eps2)
    }
}

impl<T: Scalar, const N: usize> Add for Taylor2<T, N> {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        Taylor2::new(
            self.re + o.re,
            core::array::from_fn(|k| self.eps[k] + o.eps[k]),
            self.eps2 + o.eps2,
        )
    }
}

impl<T: Scalar, const N: usize> Sub for Taylor2<T, N> {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        Taylor2::new(
            self.re - o.re,
            core::array::from_fn(|k| self.eps[k] - o.eps[k]),
            self.eps2 - o.eps2,
        )
    }
}

// The product and quotient rules mix operators on purpose.
#[allow(clippy::suspicious_arithmetic_impl)]
impl<T: Scalar, const N: usize> Mul for Taylor2<T, N> {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        let (a, b) = (self.re, o.re);
        Taylor2::new(
            a * b,
            core::array::from_fn(|k| self.eps[k] * b + o.eps[k] * a),
            self.eps2 * b + o.eps2 * a + Self::dot(&self.eps, &o.eps) * 2.0,
        )
    }
}

// The product and quotient rules mix operators on purpose.
#[allow(clippy::suspicious_arithmetic_impl)]
impl<T: Scalar, const N: usize> Div for Taylor2<T, N> {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        // q = a/b: a = q·b, so a₁ = q₁b + qb₁ and a₂ = q₂b + qb₂ + 2Σq₁b₁, solved for q.
        let (b, q) = (o.re, self.re / o.re);
        let q1: [T; N] = core::array::from_fn(|k| (self.eps[k] - o.eps[k] * q) / b);
        let q2 = (self.eps2 - o.eps2 * q - Self::dot(&q1, &o.eps) * 2.0) / b;
        Taylor2::new(q, q1, q2)
    }
}

impl<T: Scalar, const N: usize> Neg for Taylor2<T, N> {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Taylor2::new(-self.re, core::array::from_fn(|k| -self.eps[k]), -self.eps2)
    }
}

/// `re + [e₀, e₁, …]ε + e₂ε²`, each part with the caller's formatting options.
///
/// ```
/// use nngrad_core::Taylor2;
/// assert_eq!(format!("{}", Taylor2::new(1.0, [2.0, 0.5], 3.0)), "1 + [2, 0.5]ε + 3ε²");
/// ```
impl<T: Scalar, const N: usize> core::fmt::Display for Taylor2<T, N> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.re, f)?;
        f.write_str(" + [")?;
        for (i, e) in self.eps.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            core::fmt::Display::fmt(e, f)?;
        }
        f.write_str("]ε + ")?;
        core::fmt::Display::fmt(&self.eps2, f)?;
        f.write_str("ε²")
    }
}

// Registration: every trait family this type implements, written once in `impls/`.
// `f64 parts`: `re`, the `N` lanes and `eps2`, `N + 2` `T`s in a `repr(C)` struct — a run of
// components an f64 weight scales alike, so matrix products take the GEMM path.
super::impls::scalar::impl_scalar!([T: Scalar, const N: usize] Taylor2<T, N>; f64 parts: N + 2, of T);
super::impls::ops::impl_ops!([T: Scalar, const N: usize] Taylor2<T, N>);
super::impls::num_traits::impl_num_traits!([T: Scalar, const N: usize] Taylor2<T, N>);
super::impls::nalgebra::impl_nalgebra!([T: Scalar, const N: usize] Taylor2<T, N>);
super::impls::outputs::impl_outputs!([T: Scalar, const N: usize] Taylor2<T, N>);
