//! [`DualNum`]: what a dual type provides so that the shared machinery (the rule table, the mixed `f64`
//! operators, comparisons, sums) can be written once for all of them.

use crate::Scalar;

/// A dual number: a real part of scalar type [`DualNum::Re`] plus tangent parts.
///
/// The dual types of this crate implement it; a new dual type implements these few methods
/// plus `Add/Sub/Mul/Div/Neg` with itself, and gets the whole [`Scalar`] API, every elementary
/// rule and the mixed `f64` operators from the crate's shared implementation.
///
/// ```
/// use nngrad_core::{Dual, DualNum};
/// let x = Dual::variable(3.0);
/// let y = x.chain(9.0, 6.0); // x² by hand: value 9, local derivative 2x = 6
/// assert_eq!((y.real(), y.eps()), (9.0, 6.0));
/// ```
pub trait DualNum: Copy {
    /// The scalar type of the real part and of each tangent part.
    type Re: Scalar;

    /// The scalar the rule table is evaluated in, whose `(f, f′)` the chain steps receive.
    ///
    /// First-order types use [`Re`](DualNum::Re) itself. A type that also carries second
    /// derivatives ([`Taylor2`](crate::Taylor2)) uses a first-order dual over `Re`, seeded at
    /// [`point`](DualNum::point): the rule's derivative part then carries `f″` as well, so
    /// every order comes from the one table.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// let p: <Dual as DualNum>::Point = Dual::variable(2.0).point();
    /// assert_eq!(p, 2.0);
    /// ```
    type Point: Scalar;

    /// The real part as the point a one-argument rule is evaluated at.
    ///
    /// ```
    /// use nngrad_core::{DualNum, Taylor2};
    /// let p = Taylor2::<f64, 1>::constant(2.0).point();
    /// assert_eq!((p.re, p.eps), (2.0, [1.0, 0.0]));
    /// ```
    fn point(&self) -> Self::Point;

    /// The real parts of two arguments as the point a two-argument rule is evaluated at.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::variable(2.0).points(&Dual::constant(3.0)), (2.0, 3.0));
    /// ```
    fn points(&self, other: &Self) -> (Self::Point, Self::Point);

    /// A real part as a constant point (an argument that does not vary).
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(<Dual as DualNum>::lift(4.0), 4.0);
    /// ```
    fn lift(re: Self::Re) -> Self::Point;

    /// The real part.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::new(2.0, 1.0).real(), 2.0);
    /// ```
    fn real(&self) -> Self::Re;

    /// A constant with real part `re` and zero tangents.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::from_real(2.0).eps(), 0.0);
    /// ```
    fn from_real(re: Self::Re) -> Self;

    /// The same tangents with the real part replaced.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::new(2.0, 1.0).with_real(5.0), Dual::new(5.0, 1.0));
    /// ```
    fn with_real(self, re: Self::Re) -> Self;

    /// The chain rule: real part `f`, tangents multiplied by `df` (both evaluated at
    /// [`point`](DualNum::point)).
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::new(1.0, 2.0).chain(7.0, 3.0).eps(), 6.0);
    /// ```
    fn chain(self, f: Self::Point, df: Self::Point) -> Self;

    /// [`chain`](DualNum::chain) where a tangent part that is exactly zero stays zero even if
    /// `df` is infinite or NaN (sqrt, ln, asin, … at the edge of their domain).
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::new(0.0, 0.0).chain_safe(0.0, f64::INFINITY).eps(), 0.0);
    /// ```
    fn chain_safe(self, f: Self::Point, df: Self::Point) -> Self;

    /// Two-argument chain rule: real part `f`, tangents `dx·self + dy·other`, where a zero
    /// tangent part contributes exactly zero whatever its factor (`f`, `dx`, `dy` evaluated
    /// at [`points`](DualNum::points)).
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// let (x, y) = (Dual::new(1.0, 1.0), Dual::new(2.0, 0.0));
    /// assert_eq!(x.chain2(&y, 0.0, 3.0, f64::NAN).eps(), 3.0);
    /// ```
    fn chain2(self, other: &Self, f: Self::Point, dx: Self::Point, dy: Self::Point) -> Self;

    /// Whether every tangent part is exactly zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert!(Dual::constant(1.0).tangent_is_zero());
    /// ```
    fn tangent_is_zero(&self) -> bool;

    /// Real part and tangents multiplied by `k`.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::new(1.0, 2.0).scale(3.0), Dual::new(3.0, 6.0));
    /// ```
    fn scale(self, k: Self::Re) -> Self;

    /// Real part and tangents divided by `k` (a true division, not a multiplication by `1/k`,
    /// so the real part is what `f64` division gives).
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::new(1.0, 2.0).unscale(3.0).real(), 1.0 / 3.0);
    /// ```
    fn unscale(self, k: Self::Re) -> Self;

    /// `k` added to the real part.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualNum};
    /// assert_eq!(Dual::new(1.0, 2.0).shift(3.0), Dual::new(4.0, 2.0));
    /// ```
    #[inline(always)]
    fn shift(self, k: Self::Re) -> Self {
        let re = self.real() + k;
        self.with_real(re)
    }
}

/// `0 · anything = 0`, for the tangents that must stay zero through an infinite local
/// derivative.
#[inline(always)]
pub(crate) fn mul_zero_safe<T: Scalar>(t: T, d: T) -> T {
    if t.is_constant() && t.value() == 0.0 {
        t
    } else {
        t * d
    }
}
