//! The [`Scalar`] trait: the one bound generic numeric code needs, implemented by `f64` and by
//! every dual type (nested ones included).
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | the trait: its required methods and their docs (the one-rule functions are declared from `dual/table.rs`, where their docs live) |
//! | `bundles.rs` | the where-clause bundles: `BinOps`, `AssignOps`, `BinOpsOut`, and `ScalarLhs`, `ScalarRefLhs`, `ScalarRef` for `f64 op S` |
//! | `float.rs` | the implementation for `f64` |
//! | `guide.md` | the trait's own documentation and examples |

use core::fmt::{Debug, Display};
use core::iter::{Product, Sum};
use core::ops::Neg;

mod bundles;
mod float;

pub use bundles::{AssignOps, BinOps, BinOpsOut, ScalarLhs, ScalarRef, ScalarRefLhs};

#[doc = include_str!("guide.md")]
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

    // The elementary functions that are one rule each: declared from the table
    // (`dual/table.rs`), where their documentation lives.
    crate::dual::table::unary_table!(declare_unary);

    /// Whether `#[differentiable]` code runs its AVX2+FMA clone for this scalar (on x86-64
    /// CPUs that have both): `true` for the dual types, `false` for `f64`, so that an `f64`
    /// call of an annotated fn is the body as written, with no dispatch. See
    /// `private/simd.rs`.
    #[doc(hidden)]
    const __SIMD_CLONE: bool = false;

    /// Whether `#[differentiable]` code runs recognised reduction loop nests through
    /// `__private::rows` (several outputs per sweep; bit-identical results): `true` for the
    /// dual types, `false` for `f64`, whose calls run the loops as written. See
    /// `private/rows.rs`.
    #[doc(hidden)]
    const __ROW_BLOCKS: bool = false;

    /// The type's layout as a run of `f64`s, for the GEMM kernels (`None`: take the loops).
    /// Only this crate can make a layout; see `dual/impls/layout.rs`.
    #[doc(hidden)]
    #[inline(always)]
    fn __f64_layout() -> Option<crate::private::F64Layout> {
        None
    }

    /// Sign of `x` as f64 does it (`±1`, NaN for NaN); derivative zero.
    ///
    /// ```
    /// use nngrad_core::Scalar;
    /// assert_eq!(Scalar::signum(-0.5f64), -1.0);
    /// ```
    fn signum(self) -> Self;
    /// Logarithm in base `base` (which may itself carry derivatives).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// let d = Dual::variable(8.0).log(2.0);
    /// assert!((d.re() - 3.0).abs() < 1e-15);
    /// ```
    fn log(self, base: impl Into<Self>) -> Self;
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
    /// Sine and cosine together.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// let (s, c) = Dual::variable(0.0).sin_cos();
    /// assert_eq!((s.eps(), c.eps()), (1.0, 0.0));
    /// ```
    fn sin_cos(self) -> (Self, Self);
    /// Four-quadrant arctangent of `self / other` (`self` is y). At the origin both partials
    /// are 0 (the angle has no derivative there; `hypot` takes the same rule).
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(0.0).atan2(1.0).eps(), 1.0);
    /// ```
    fn atan2(self, other: impl Into<Self>) -> Self;
    /// `sqrt(self² + other²)` without overflow.
    ///
    /// ```
    /// use nngrad_core::{Dual, Scalar};
    /// assert_eq!(Dual::variable(3.0).hypot(4.0).eps(), 0.6);
    /// ```
    fn hypot(self, other: impl Into<Self>) -> Self;
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

/// Declares the table's methods in the trait.
macro_rules! declare_unary {
    ($($(#[$doc:meta])* $name:ident: $tangent:ident, $inline:ident, $f64:ident;)*) => {
        $($(#[$doc])* fn $name(self) -> Self;)*
    };
}
use declare_unary;
