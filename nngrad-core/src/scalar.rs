//! The [`Scalar`] trait: the one bound generic numeric code needs, implemented by `f64` and by
//! every dual type (nested ones included), plus the where-clause bundles for `f64 op S`.

use core::fmt::{Debug, Display};
use core::iter::{Product, Sum};
use core::ops::{
    Add, AddAssign, Div, DivAssign, Mul, MulAssign, Neg, Rem, RemAssign, Sub, SubAssign,
};

/// `Self op Rhs -> Self` for the five arithmetic operators.
///
/// A named bundle keeps [`Scalar`]'s supertrait list readable; it is implemented for every type
/// that has the five operators.
///
/// ```
/// use nngrad_core::{BinOps, Dual};
/// fn halve<T: BinOps<f64>>(x: T) -> T { x / 2.0 }
/// assert_eq!(halve(Dual::variable(3.0)).eps(), 0.5);
/// ```
pub trait BinOps<Rhs>:
    Sized
    + Add<Rhs, Output = Self>
    + Sub<Rhs, Output = Self>
    + Mul<Rhs, Output = Self>
    + Div<Rhs, Output = Self>
    + Rem<Rhs, Output = Self>
{
}
impl<T, Rhs> BinOps<Rhs> for T where
    T: Add<Rhs, Output = T>
        + Sub<Rhs, Output = T>
        + Mul<Rhs, Output = T>
        + Div<Rhs, Output = T>
        + Rem<Rhs, Output = T>
{
}

/// `Self op= Rhs` for the five arithmetic operators.
///
/// ```
/// use nngrad_core::{AssignOps, Dual};
/// fn accumulate<T: AssignOps<f64>>(x: &mut T) { *x += 1.0; *x *= 2.0; }
/// let mut d = Dual::variable(1.0);
/// accumulate(&mut d);
/// assert_eq!((d.re(), d.eps()), (4.0, 2.0));
/// ```
pub trait AssignOps<Rhs>:
    AddAssign<Rhs> + SubAssign<Rhs> + MulAssign<Rhs> + DivAssign<Rhs> + RemAssign<Rhs>
{
}
impl<T, Rhs> AssignOps<Rhs> for T where
    T: AddAssign<Rhs> + SubAssign<Rhs> + MulAssign<Rhs> + DivAssign<Rhs> + RemAssign<Rhs>
{
}

/// A real number that generic code computes with: `f64` itself, or a dual number carrying
/// derivatives along with the value.
///
/// Write a function once over `S: Scalar`; call it with `f64` for plain values and with
/// [`Dual`](crate::Dual), [`DualN`](crate::DualN) or nested duals for derivatives.
///
/// * Arithmetic mixes freely with `f64` (`x * 2.0`, `x += w`, `sum` over `f64` or `S` items).
///   `f64 op S` cannot be a supertrait; generic callers add the bounds of
///   [`ScalarLhs`], [`ScalarRefLhs`] and [`ScalarRef`] (the `#[differentiable]` macro emits them,
///   and `#[scalar_bounds(S)]` adds them to hand-written code).
/// * Comparisons (`<`, `==`, `max`, `min`, `clamp`, …) compare primal values; a kink takes the
///   derivative of the branch it chose (see the crate docs' *Kinks* section).
/// * Binary methods take `impl Into<Self>`, so `x.max(0.0)`, `x.max(w)` and `x.max(y)` all work.
/// * Do not write `S::from(s)` with `s: S` inside generic code (rust-lang/rust#24066: the
///   `From<f64>` bound shadows the reflexive impl); use [`Scalar::cst`] for constants.
///
/// ```
/// use nngrad_core::{Dual, Scalar};
/// fn softplus_sum<S: Scalar>(x: &[S]) -> S {
///     x.iter().map(|v| v.softplus()).sum()
/// }
/// assert_eq!(softplus_sum(&[0.0, 0.0]), 2.0 * 2f64.ln());
/// let d = softplus_sum(&[Dual::variable(0.0), Dual::constant(1.0)]);
/// assert_eq!(d.eps(), 0.5); // sigmoid(0)
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an nngrad scalar",
    label = "expected `f64` or an nngrad dual number here",
    note = "nngrad implements `Scalar` for `f64`, `Dual<T>` and `DualN<T, N>` (nested too)"
)]
pub trait Scalar:
    Copy
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
    + PartialEq
    + PartialOrd
    + PartialEq<f64>
    + PartialOrd<f64>
    + From<f64>
    + Neg<Output = Self>
    + BinOps<Self>
    + BinOps<f64>
    + for<'a> BinOps<&'a Self>
    + for<'a> BinOps<&'a f64>
    + AssignOps<Self>
    + AssignOps<f64>
    + for<'a> AssignOps<&'a Self>
    + for<'a> AssignOps<&'a f64>
    + Sum<Self>
    + Sum<f64>
    + for<'a> Sum<&'a Self>
    + for<'a> Sum<&'a f64>
    + Product<Self>
    + Product<f64>
    + for<'a> Product<&'a Self>
    + for<'a> Product<&'a f64>
    + num_traits::Zero
    + num_traits::One
{
    /// A constant: value `v`, every derivative part zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// let c = <Dual<f64> as Scalar>::cst(2.5);
    /// assert_eq!((c.re(), c.eps()), (2.5, 0.0));
    /// ```
    fn cst(v: f64) -> Self;

    /// The innermost primal value (for nested duals, the value of the value).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// let x = Dual::new(Dual::new(1.5, 2.0), Dual::new(3.0, 4.0));
    /// assert_eq!(x.value(), 1.5);
    /// ```
    fn value(self) -> f64;

    /// True when every derivative part is exactly zero (always true for `f64`).
    ///
    /// Rules whose local derivative can be infinite (sqrt at 0, ln at 0, …) use this so that a
    /// zero tangent stays exactly zero instead of becoming `0 · ∞ = NaN`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!(Dual::constant(3.0).is_constant());
    /// assert!(!Dual::variable(3.0).is_constant());
    /// ```
    fn is_constant(&self) -> bool;

    /// `Some(c)` when `Self` is laid out as exactly `c` consecutive `f64` values (`f64`
    /// itself, and the `#[repr(C)]` dual types built from it, nested or not), `None`
    /// otherwise: the dense kernels then treat a slice of `Self` as an f64 matrix. Computed
    /// from the structure of the type, not from a list of types. Crate-internal: the default
    /// `None` is the only safe value for a type of your own.
    ///
    /// ```
    /// use nngrad_core::{Dual, DualN, Scalar};
    /// assert_eq!(<DualN<Dual<f64>, 3> as Scalar>::F64_COMPONENTS, Some(8));
    /// ```
    #[doc(hidden)]
    const F64_COMPONENTS: Option<usize> = None;

    /// `|x|`. Derivative `signum(x)`, and 0 at `x = 0` (JAX's and PyTorch's choice).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(-2.0).abs().eps(), -1.0);
    /// ```
    fn abs(self) -> Self;
    /// Sign of `x` as f64 does it (`±1`, NaN for NaN); derivative zero.
    ///
    /// ```
    /// use nngrad_core::Scalar;
    /// assert_eq!(Scalar::signum(-0.5f64), -1.0);
    /// ```
    fn signum(self) -> Self;
    /// Square root.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(4.0).sqrt().eps(), 0.25);
    /// ```
    fn sqrt(self) -> Self;
    /// Cube root.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!((Dual::variable(8.0).cbrt().eps() - 1.0 / 12.0).abs() < 1e-15);
    /// ```
    fn cbrt(self) -> Self;
    /// `e^x`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).exp().eps(), 1.0);
    /// ```
    fn exp(self) -> Self;
    /// `2^x`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).exp2().eps(), 2.0 * 2f64.ln());
    /// ```
    fn exp2(self) -> Self;
    /// `e^x − 1`, accurate near zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).exp_m1().eps(), 1.0);
    /// ```
    fn exp_m1(self) -> Self;
    /// Natural logarithm.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(2.0).ln().eps(), 0.5);
    /// ```
    fn ln(self) -> Self;
    /// `ln(1 + x)`, accurate near zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).ln_1p().eps(), 0.5);
    /// ```
    fn ln_1p(self) -> Self;
    /// Logarithm in base `base` (which may itself carry derivatives).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// let d = Dual::variable(8.0).log(2.0);
    /// assert!((d.re() - 3.0).abs() < 1e-15);
    /// ```
    fn log(self, base: impl Into<Self>) -> Self;
    /// Base-2 logarithm.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(4.0).log2().re(), 2.0);
    /// ```
    fn log2(self) -> Self;
    /// Base-10 logarithm.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(100.0).log10().re(), 2.0);
    /// ```
    fn log10(self) -> Self;
    /// Integer power.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(3.0).powi(2).eps(), 6.0);
    /// ```
    fn powi(self, n: i32) -> Self;
    /// Real power; the exponent may carry derivatives.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(4.0).powf(0.5).eps(), 0.25);
    /// ```
    fn powf(self, n: impl Into<Self>) -> Self;
    /// Sine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).sin().eps(), 1.0);
    /// ```
    fn sin(self) -> Self;
    /// Cosine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).cos().eps(), 0.0);
    /// ```
    fn cos(self) -> Self;
    /// Tangent.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).tan().eps(), 1.0);
    /// ```
    fn tan(self) -> Self;
    /// Sine and cosine together.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// let (s, c) = Dual::variable(0.0).sin_cos();
    /// assert_eq!((s.eps(), c.eps()), (1.0, 0.0));
    /// ```
    fn sin_cos(self) -> (Self, Self);
    /// Arcsine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).asin().eps(), 1.0);
    /// ```
    fn asin(self) -> Self;
    /// Arccosine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).acos().eps(), -1.0);
    /// ```
    fn acos(self) -> Self;
    /// Arctangent.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).atan().eps(), 0.5);
    /// ```
    fn atan(self) -> Self;
    /// Four-quadrant arctangent of `self / other` (`self` is y).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).atan2(1.0).eps(), 1.0);
    /// ```
    fn atan2(self, other: impl Into<Self>) -> Self;
    /// Hyperbolic sine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).sinh().eps(), 1.0);
    /// ```
    fn sinh(self) -> Self;
    /// Hyperbolic cosine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).cosh().eps(), 0.0);
    /// ```
    fn cosh(self) -> Self;
    /// Hyperbolic tangent; value and derivative finite over the whole f64 range.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).tanh().eps(), 1.0);
    /// assert_eq!(Dual::variable(1e300).tanh().eps(), 0.0);
    /// ```
    fn tanh(self) -> Self;
    /// Inverse hyperbolic sine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).asinh().eps(), 1.0);
    /// ```
    fn asinh(self) -> Self;
    /// Inverse hyperbolic cosine.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!((Dual::variable(2.0).acosh().eps() - 1.0 / 3f64.sqrt()).abs() < 1e-15);
    /// ```
    fn acosh(self) -> Self;
    /// Inverse hyperbolic tangent.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).atanh().eps(), 1.0);
    /// ```
    fn atanh(self) -> Self;
    /// `sqrt(self² + other²)` without overflow.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(3.0).hypot(4.0).eps(), 0.6);
    /// ```
    fn hypot(self, other: impl Into<Self>) -> Self;
    /// `1 / x`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(2.0).recip().eps(), -0.25);
    /// ```
    fn recip(self) -> Self;
    /// `self * a + b` (fused for `f64`).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(2.0).mul_add(3.0, 1.0).eps(), 3.0);
    /// ```
    fn mul_add(self, a: impl Into<Self>, b: impl Into<Self>) -> Self;
    /// The larger of the two; on a tie, `self` (and its derivative). NaN is ignored as f64 does.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).max(0.0).eps(), 1.0);
    /// ```
    fn max(self, other: impl Into<Self>) -> Self;
    /// The smaller of the two; on a tie, `self` (and its derivative). NaN is ignored as f64 does.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).min(0.0).eps(), 0.0);
    /// ```
    fn min(self, other: impl Into<Self>) -> Self;
    /// `self` restricted to `[lo, hi]`; inside the interval and at its ends the derivative is
    /// `self`'s, outside it is the bound's.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.5).clamp(0.0, 1.0).eps(), 1.0);
    /// assert_eq!(Dual::variable(1.5).clamp(0.0, 1.0).eps(), 0.0);
    /// ```
    fn clamp(self, lo: impl Into<Self>, hi: impl Into<Self>) -> Self;
    /// Largest integer ≤ x; derivative zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.7).floor().re(), 1.0);
    /// ```
    fn floor(self) -> Self;
    /// Smallest integer ≥ x; derivative zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.2).ceil().re(), 2.0);
    /// ```
    fn ceil(self) -> Self;
    /// Nearest integer (half away from zero); derivative zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(2.5).round().re(), 3.0);
    /// ```
    fn round(self) -> Self;
    /// Integer part; derivative zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(-2.5).trunc().re(), -2.0);
    /// ```
    fn trunc(self) -> Self;
    /// Fractional part `x - trunc(x)`; derivative one.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(2.25).fract().eps(), 1.0);
    /// ```
    fn fract(self) -> Self;
    /// `|self|` with the sign of `sign`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(2.0).copysign(-1.0).eps(), -1.0);
    /// ```
    fn copysign(self, sign: impl Into<Self>) -> Self;
    /// Radians to degrees.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).to_degrees().eps(), 180.0 / std::f64::consts::PI);
    /// ```
    fn to_degrees(self) -> Self;
    /// Degrees to radians.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).to_radians().eps(), std::f64::consts::PI / 180.0);
    /// ```
    fn to_radians(self) -> Self;
    /// Euclidean remainder; derivative one in `self`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(-1.0).rem_euclid(3.0).re(), 2.0);
    /// ```
    fn rem_euclid(self, rhs: impl Into<Self>) -> Self;
    /// Euclidean division (integer-valued); derivative zero.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(7.0).div_euclid(2.0).re(), 3.0);
    /// ```
    fn div_euclid(self, rhs: impl Into<Self>) -> Self;

    /// Error function.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).erf().eps(), 2.0 / std::f64::consts::PI.sqrt());
    /// ```
    fn erf(self) -> Self;
    /// Complementary error function `1 - erf(x)`, accurate for large x.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).erfc().eps(), -2.0 / std::f64::consts::PI.sqrt());
    /// ```
    fn erfc(self) -> Self;
    /// Logistic sigmoid `1 / (1 + e^-x)`; finite with a finite derivative everywhere.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).sigmoid().eps(), 0.25);
    /// ```
    fn sigmoid(self) -> Self;
    /// `ln(1 + e^x)` without overflow.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1e3).softplus().re(), 1e3);
    /// ```
    fn softplus(self) -> Self;
    /// `max(x, 0)`; derivative 0 at `x = 0`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).relu().eps(), 0.0);
    /// ```
    fn relu(self) -> Self;
    /// `x` for `x > 0`, `alpha · x` otherwise (slope `alpha` at 0).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(-1.0).leaky_relu(0.01).eps(), 0.01);
    /// ```
    fn leaky_relu(self, alpha: f64) -> Self;
    /// `x` for `x > 0`, `alpha · (e^x − 1)` otherwise.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).elu(1.0).eps(), 1.0);
    /// ```
    fn elu(self, alpha: f64) -> Self;
    /// Scaled ELU with the self-normalising constants of Klambauer et al.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!((Dual::variable(1.0).selu().eps() - 1.0507009873554805).abs() < 1e-15);
    /// ```
    fn selu(self) -> Self;
    /// Exact GELU `x · Φ(x)`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).gelu().eps(), 0.5);
    /// ```
    fn gelu(self) -> Self;
    /// GELU with the tanh approximation `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).gelu_tanh().eps(), 0.5);
    /// ```
    fn gelu_tanh(self) -> Self;
    /// SiLU (swish) `x · sigmoid(x)`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).silu().eps(), 0.5);
    /// ```
    fn silu(self) -> Self;
    /// `x / (1 + |x|)`.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(1.0).softsign().eps(), 0.25);
    /// ```
    fn softsign(self) -> Self;

    /// Whether the value is NaN.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!(Dual::variable(f64::NAN).is_nan());
    /// ```
    fn is_nan(self) -> bool {
        self.value().is_nan()
    }
    /// Whether the value is finite.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!(Dual::variable(1.0).is_finite());
    /// ```
    fn is_finite(self) -> bool {
        self.value().is_finite()
    }
    /// Whether the value is ±∞.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!(Dual::variable(f64::INFINITY).is_infinite());
    /// ```
    fn is_infinite(self) -> bool {
        self.value().is_infinite()
    }
    /// Whether the value is normal (not zero, subnormal, infinite or NaN).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!(Dual::variable(1.0).is_normal());
    /// ```
    fn is_normal(self) -> bool {
        self.value().is_normal()
    }
    /// Whether the value has a positive sign bit.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!(Dual::variable(0.0).is_sign_positive());
    /// ```
    fn is_sign_positive(self) -> bool {
        self.value().is_sign_positive()
    }
    /// Whether the value has a negative sign bit.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert!(Dual::variable(-0.0).is_sign_negative());
    /// ```
    fn is_sign_negative(self) -> bool {
        self.value().is_sign_negative()
    }
    /// Total order of the values (as `f64::total_cmp`).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// let (a, b) = (Dual::variable(1.0), Dual::constant(2.0));
    /// assert_eq!(a.total_cmp(&b), std::cmp::Ordering::Less);
    /// ```
    fn total_cmp(&self, other: &Self) -> core::cmp::Ordering {
        self.value().total_cmp(&other.value())
    }
}

/// `f64 op S` and `f64` compared with `S`: the bounds the `#[differentiable]` macro emits as
/// `where f64: ScalarLhs<S>` (they cannot be supertraits of [`Scalar`]).
///
/// Implemented explicitly for each scalar type, not by a blanket impl, so a missing bound is
/// one error with this message rather than one per operator.
///
/// ```
/// use nngrad_core::{Dual, Scalar, ScalarLhs};
/// fn scaled<S: Scalar>(x: S) -> S where f64: ScalarLhs<S> { 2.0 * x - 1.0 }
/// assert_eq!(scaled(Dual::variable(1.0)).eps(), 2.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "missing #[differentiable] where-clauses for scalar type `{S}`: `f64: ScalarLhs<{S}>`",
    label = "`f64 op {S}` needs this bound",
    note = "add `#[nngrad_core::scalar_bounds({S})]` to the generic fn, or `where f64: nngrad_core::ScalarLhs<{S}>`"
)]
pub trait ScalarLhs<S>:
    Copy + BinOpsOut<S, S> + for<'a> BinOpsOut<&'a S, S> + PartialEq<S> + PartialOrd<S>
{
}

/// `&f64 op S` and `&f64 op &S`, as met in iterator closures over weights:
/// `for<'a> &'a f64: ScalarRefLhs<S>`.
///
/// ```
/// use nngrad_core::{Dual, Scalar, ScalarRefLhs};
/// fn dot<S: Scalar>(w: &[f64], x: &[S]) -> S where for<'a> &'a f64: ScalarRefLhs<S> {
///     w.iter().zip(x).map(|(w, x)| w * *x).sum()
/// }
/// assert_eq!(dot(&[2.0], &[Dual::variable(1.0)]).eps(), 2.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "missing #[differentiable] where-clauses for scalar type `{S}`: `&f64: ScalarRefLhs<{S}>`",
    label = "`&f64 op {S}` needs this bound",
    note = "add `#[nngrad_core::scalar_bounds({S})]` to the generic fn, or `where for<'a> &'a f64: nngrad_core::ScalarRefLhs<{S}>`"
)]
pub trait ScalarRefLhs<S>: Sized + BinOpsOut<S, S> + for<'a> BinOpsOut<&'a S, S> {}

/// `&S op S|&S|f64|&f64` and `-&S`: `for<'a> &'a S: ScalarRef<S>`.
///
/// ```
/// use nngrad_core::{Dual, Scalar, ScalarRef};
/// fn sq_sum<S: Scalar>(x: &[S]) -> S where for<'a> &'a S: ScalarRef<S> {
///     x.iter().map(|v| v * v).sum()
/// }
/// assert_eq!(sq_sum(&[Dual::variable(3.0)]).eps(), 6.0);
/// ```
#[diagnostic::on_unimplemented(
    message = "missing #[differentiable] where-clauses for scalar type `{S}`: `&{S}: ScalarRef<{S}>`",
    label = "`&{S} op ..` needs this bound",
    note = "add `#[nngrad_core::scalar_bounds({S})]` to the generic fn, or `where for<'a> &'a {S}: nngrad_core::ScalarRef<{S}>`"
)]
pub trait ScalarRef<S>:
    Sized
    + Neg<Output = S>
    + Add<S, Output = S>
    + Sub<S, Output = S>
    + Mul<S, Output = S>
    + Div<S, Output = S>
    + Rem<S, Output = S>
    + for<'a> BinOpsOut<&'a S, S>
    + BinOpsOut<f64, S>
    + for<'a> BinOpsOut<&'a f64, S>
{
}

/// `Self op Rhs -> Out` for the five arithmetic operators (used by [`ScalarRef`]).
///
/// ```
/// use nngrad_core::{BinOpsOut, Dual};
/// fn twice<'a>(x: &'a Dual) -> Dual where &'a Dual: BinOpsOut<f64, Dual> { x * 2.0 }
/// assert_eq!(twice(&Dual::variable(1.0)).eps(), 2.0);
/// ```
pub trait BinOpsOut<Rhs, Out>:
    Sized
    + Add<Rhs, Output = Out>
    + Sub<Rhs, Output = Out>
    + Mul<Rhs, Output = Out>
    + Div<Rhs, Output = Out>
    + Rem<Rhs, Output = Out>
{
}
impl<T, Rhs, Out> BinOpsOut<Rhs, Out> for T where
    T: Add<Rhs, Output = Out>
        + Sub<Rhs, Output = Out>
        + Mul<Rhs, Output = Out>
        + Div<Rhs, Output = Out>
        + Rem<Rhs, Output = Out>
{
}

impl ScalarLhs<f64> for f64 {}
impl ScalarRefLhs<f64> for &f64 {}
impl ScalarRef<f64> for &f64 {}

macro_rules! forward_f64 {
    ($($name:ident),* $(,)?) => {
        $(#[inline(always)] fn $name(self) -> Self { f64::$name(self) })*
    };
}

impl Scalar for f64 {
    const F64_COMPONENTS: Option<usize> = Some(1);
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
    forward_f64!(
        abs, signum, sqrt, cbrt, exp, exp2, exp_m1, ln, ln_1p, log2, log10, sin, cos, tan, asin,
        acos, atan, sinh, cosh, tanh, asinh, acosh, atanh, recip, floor, ceil, round, trunc, fract,
        to_degrees, to_radians
    );
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
        crate::rules::clamp_select(self, lo.into(), hi.into())
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
    fn erf(self) -> Self {
        libm::erf(self)
    }
    #[inline(always)]
    fn erfc(self) -> Self {
        libm::erfc(self)
    }
    #[inline(always)]
    fn sigmoid(self) -> Self {
        crate::rules::sigmoid(self).0
    }
    #[inline(always)]
    fn softplus(self) -> Self {
        crate::rules::softplus(self).0
    }
    #[inline(always)]
    fn relu(self) -> Self {
        if self > 0.0 {
            self
        } else {
            0.0
        }
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
        crate::rules::elu(self, alpha).0
    }
    #[inline(always)]
    fn selu(self) -> Self {
        crate::rules::selu(self).0
    }
    #[inline(always)]
    fn gelu(self) -> Self {
        crate::rules::gelu(self).0
    }
    #[inline(always)]
    fn gelu_tanh(self) -> Self {
        crate::rules::gelu_tanh(self).0
    }
    #[inline(always)]
    fn silu(self) -> Self {
        crate::rules::silu(self).0
    }
    #[inline(always)]
    fn softsign(self) -> Self {
        crate::rules::softsign(self).0
    }
}
