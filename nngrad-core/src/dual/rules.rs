//! Every derivative formula of the crate, written once and shared by every dual type: the one
//! place a rule lives (which `Scalar` methods are a single rule is listed in
//! [`table`](super::table)).
//!
//! Each rule returns `(f(x), f'(x))` computed in the inner scalar type `T`, so a rule applied to
//! `Dual<Dual<f64>>` differentiates its own derivative and nesting yields higher orders without
//! a second table. Formulas are chosen to stay finite over the whole f64 range (tanh, sigmoid,
//! softplus and the exp-based activations), as num-dual's naive `1 - tanh²` and `cosh⁻²` do not.

use crate::Scalar;

#[inline(always)]
fn c<T: Scalar>(v: f64) -> T {
    T::cst(v)
}

#[inline(always)]
pub(crate) fn abs<T: Scalar>(x: T) -> (T, T) {
    let d = if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    };
    (x.abs(), c(d))
}

#[inline(always)]
pub(crate) fn sqrt<T: Scalar>(x: T) -> (T, T) {
    let s = x.sqrt();
    (s, (s * 2.0).recip())
}

#[inline(always)]
pub(crate) fn cbrt<T: Scalar>(x: T) -> (T, T) {
    let r = x.cbrt();
    (r, (r * r * 3.0).recip())
}

#[inline(always)]
pub(crate) fn exp<T: Scalar>(x: T) -> (T, T) {
    let e = x.exp();
    (e, e)
}

#[inline(always)]
pub(crate) fn exp2<T: Scalar>(x: T) -> (T, T) {
    let e = x.exp2();
    (e, e * core::f64::consts::LN_2)
}

#[inline(always)]
pub(crate) fn exp_m1<T: Scalar>(x: T) -> (T, T) {
    (x.exp_m1(), x.exp())
}

#[inline(always)]
pub(crate) fn ln<T: Scalar>(x: T) -> (T, T) {
    (x.ln(), x.recip())
}

#[inline(always)]
pub(crate) fn ln_1p<T: Scalar>(x: T) -> (T, T) {
    (x.ln_1p(), (x + 1.0).recip())
}

#[inline(always)]
pub(crate) fn log2<T: Scalar>(x: T) -> (T, T) {
    (x.log2(), (x * core::f64::consts::LN_2).recip())
}

#[inline(always)]
pub(crate) fn log10<T: Scalar>(x: T) -> (T, T) {
    (x.log10(), (x * core::f64::consts::LN_10).recip())
}

#[inline(always)]
pub(crate) fn sin<T: Scalar>(x: T) -> (T, T) {
    x.sin_cos()
}

#[inline(always)]
pub(crate) fn cos<T: Scalar>(x: T) -> (T, T) {
    let (s, c) = x.sin_cos();
    (c, -s)
}

#[inline(always)]
pub(crate) fn tan<T: Scalar>(x: T) -> (T, T) {
    let t = x.tan();
    (t, t * t + 1.0)
}

#[inline(always)]
pub(crate) fn asin<T: Scalar>(x: T) -> (T, T) {
    (x.asin(), ((-x + 1.0) * (x + 1.0)).sqrt().recip())
}

#[inline(always)]
pub(crate) fn acos<T: Scalar>(x: T) -> (T, T) {
    (x.acos(), -((-x + 1.0) * (x + 1.0)).sqrt().recip())
}

#[inline(always)]
pub(crate) fn atan<T: Scalar>(x: T) -> (T, T) {
    // Past |x| = 1 the reciprocal form keeps x² from overflowing.
    let d = if x.abs() <= 1.0 {
        (x * x + 1.0).recip()
    } else {
        let r = x.recip();
        r * r / (r * r + 1.0)
    };
    (x.atan(), d)
}

#[inline(always)]
pub(crate) fn sinh<T: Scalar>(x: T) -> (T, T) {
    (x.sinh(), x.cosh())
}

#[inline(always)]
pub(crate) fn cosh<T: Scalar>(x: T) -> (T, T) {
    (x.cosh(), x.sinh())
}

/// `tanh` with `sech²` from `1 − t²` near zero and from `4e/(1+e)²`, `e = exp(−2|x|)`, farther
/// out, where `1 − t²` cancels to zero long before the true derivative underflows.
#[inline(always)]
pub(crate) fn tanh<T: Scalar>(x: T) -> (T, T) {
    let t = x.tanh();
    let d = if x.abs() < 1.0 {
        -(t * t) + 1.0
    } else {
        let e = (x.abs() * -2.0).exp();
        let q = e + 1.0;
        e * 4.0 / (q * q)
    };
    (t, d)
}

#[inline(always)]
pub(crate) fn asinh<T: Scalar>(x: T) -> (T, T) {
    (x.asinh(), x.hypot(1.0).recip())
}

#[inline(always)]
pub(crate) fn acosh<T: Scalar>(x: T) -> (T, T) {
    (x.acosh(), ((x - 1.0).sqrt() * (x + 1.0).sqrt()).recip())
}

#[inline(always)]
pub(crate) fn atanh<T: Scalar>(x: T) -> (T, T) {
    (x.atanh(), ((-x + 1.0) * (x + 1.0)).recip())
}

#[inline(always)]
pub(crate) fn recip<T: Scalar>(x: T) -> (T, T) {
    let r = x.recip();
    (r, -(r * r))
}

/// `2/√π`.
const FRAC_2_SQRT_PI: f64 = core::f64::consts::FRAC_2_SQRT_PI;

#[inline(always)]
pub(crate) fn erf<T: Scalar>(x: T) -> (T, T) {
    (x.erf(), (-(x * x)).exp() * FRAC_2_SQRT_PI)
}

#[inline(always)]
pub(crate) fn erfc<T: Scalar>(x: T) -> (T, T) {
    (x.erfc(), (-(x * x)).exp() * -FRAC_2_SQRT_PI)
}

/// `−|x|` with the derivative of the branch taken, `−sign(x)`, including at 0 (where `abs`
/// would give 0): the exp-based rules below use it, and nesting must see its true slope.
#[inline(always)]
fn neg_abs<T: Scalar>(x: T) -> T {
    if x >= 0.0 {
        -x
    } else {
        x
    }
}

/// Logistic sigmoid from `e = exp(−|x|)`: no overflow, and the derivative `e/(1+e)²` keeps its
/// relative accuracy where `s(1−s)` would cancel.
#[inline(always)]
pub(crate) fn sigmoid<T: Scalar>(x: T) -> (T, T) {
    let e = neg_abs(x).exp();
    let q = (e + 1.0).recip();
    let s = if x >= 0.0 { q } else { e * q };
    (s, e * q * q)
}

#[inline(always)]
pub(crate) fn softplus<T: Scalar>(x: T) -> (T, T) {
    // x + ln(1 + e^−x) or ln(1 + e^x): the same branch as `neg_abs`, so nesting sees slope ½ at 0.
    let v = if x >= 0.0 {
        x + (-x).exp().ln_1p()
    } else {
        x.exp().ln_1p()
    };
    (v, sigmoid(x).0)
}

#[inline(always)]
/// `max(x, 0)`, slope 0 at the kink; NaN stays NaN with slope 0, as PyTorch's and JAX's relu
/// give (and as `leaky_relu` and `elu` keep NaN), rather than the 0 of `f64::max(NaN, 0)`,
/// which would hide a NaN input.
pub(crate) fn relu<T: Scalar>(x: T) -> (T, T) {
    if x > 0.0 {
        (x, c(1.0))
    } else if x.is_nan() {
        (x, c(0.0))
    } else {
        (c(0.0), c(0.0))
    }
}

#[inline(always)]
pub(crate) fn leaky_relu<T: Scalar>(x: T, alpha: f64) -> (T, T) {
    if x > 0.0 {
        (x, c(1.0))
    } else {
        (x * alpha, c(alpha))
    }
}

#[inline(always)]
pub(crate) fn elu<T: Scalar>(x: T, alpha: f64) -> (T, T) {
    if x > 0.0 {
        (x, c(1.0))
    } else {
        (x.exp_m1() * alpha, x.exp() * alpha)
    }
}

/// SELU's constants (Klambauer et al. 2017), as ONNX and PyTorch define them.
pub(crate) const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
pub(crate) const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

#[inline(always)]
pub(crate) fn selu<T: Scalar>(x: T) -> (T, T) {
    let (v, d) = elu(x, SELU_ALPHA);
    (v * SELU_SCALE, d * SELU_SCALE)
}

/// Exact GELU `x·Φ(x)` with `Φ(x) = erfc(−x/√2)/2`, accurate in the far negative tail.
#[inline(always)]
pub(crate) fn gelu<T: Scalar>(x: T) -> (T, T) {
    let phi_cdf = (x * -core::f64::consts::FRAC_1_SQRT_2).erfc() * 0.5;
    // φ(x) = exp(−x²/2)/√(2π)
    let phi_pdf = (x * x * -0.5).exp() * (0.5 * FRAC_2_SQRT_PI * core::f64::consts::FRAC_1_SQRT_2);
    (x * phi_cdf, phi_cdf + x * phi_pdf)
}

const GELU_K: f64 = 0.797_884_560_802_865_4; // √(2/π)
const GELU_C: f64 = 0.044_715;

/// The tanh approximation of GELU. Beyond |x| = 30 it equals relu to the last bit, and the
/// closed form would meet `x³ = ∞` times `sech² = 0`, so that range takes relu's rule.
#[inline(always)]
pub(crate) fn gelu_tanh<T: Scalar>(x: T) -> (T, T) {
    if x.abs() > 30.0 {
        return if x > 0.0 {
            (x, c(1.0))
        } else {
            (x * 0.0, c(0.0))
        };
    }
    let x2 = x * x;
    let (t, dt) = tanh((x + x2 * x * GELU_C) * GELU_K);
    let half = (t + 1.0) * 0.5;
    (
        x * half,
        half + x * 0.5 * dt * GELU_K * (x2 * (3.0 * GELU_C) + 1.0),
    )
}

#[inline(always)]
pub(crate) fn silu<T: Scalar>(x: T) -> (T, T) {
    let (s, ds) = sigmoid(x);
    (x * s, s + x * ds)
}

#[inline(always)]
pub(crate) fn softsign<T: Scalar>(x: T) -> (T, T) {
    let q = (x.abs() + 1.0).recip();
    (x * q, q * q)
}

#[inline(always)]
pub(crate) fn powi<T: Scalar>(x: T, n: i32) -> (T, T) {
    if n == 0 {
        return (c(1.0), c(0.0));
    }
    // n − 1 overflows only for i32::MIN, where x^n / x is as good (x^n is 0 or ∞ there anyway).
    let below = match n.checked_sub(1) {
        Some(m) => x.powi(m),
        None => x.powi(n) / x,
    };
    (x.powi(n), below * f64::from(n))
}

/// `x^y` and its partial derivative in `x`, `y·x^(y−1)`.
#[inline(always)]
pub(crate) fn powf<T: Scalar>(x: T, y: T) -> (T, T) {
    let v = x.powf(y);
    // A constant exponent 0 gives derivative 0 even at x = 0 (not 0·0⁻¹ = NaN). An exponent
    // whose value is 0 but which varies (nesting) keeps the general form: its derivative
    // ∂²(x^y)/∂x∂y = 1/x is not zero.
    if y == 0.0 && y.is_constant() {
        return (v, c(0.0));
    }
    (v, y * x.powf(y - 1.0))
}

/// Partial derivative of `x^y` in `y`: `x^y · ln x`, and 0 where `x^y` is 0 (`x = 0`, `y > 0`,
/// where `x^y` is 0 nearby too, or underflow), not `0 · ln 0 = NaN`.
#[inline(always)]
pub(crate) fn powf_dy<T: Scalar>(x: T, value: T) -> T {
    if value == 0.0 {
        return c(0.0);
    }
    value * x.ln()
}

/// `(atan2(y, x), ∂/∂y, ∂/∂x)` = `(…, x/h², −y/h²)` with `h = hypot(y, x)`, divided by `h`
/// twice so that `h²` cannot overflow or underflow. At the origin, where the angle is
/// undefined and `0/0` would give NaN partials, both partials are 0: the rule `hypot` has
/// there (a kink takes a finite slope, here that of no direction preferred).
#[inline(always)]
pub(crate) fn atan2<T: Scalar>(y: T, x: T) -> (T, T, T) {
    let h = y.hypot(x);
    if h == 0.0 {
        return (y.atan2(x), c(0.0), c(0.0));
    }
    (y.atan2(x), x / h / h, -y / h / h)
}

/// `(hypot(x, y), ∂/∂x, ∂/∂y)`; at the origin, a kink (`hypot(x, 0) = |x|`), both partials
/// are 0 as for `abs`.
#[inline(always)]
pub(crate) fn hypot<T: Scalar>(x: T, y: T) -> (T, T, T) {
    let h = x.hypot(y);
    if h == 0.0 {
        return (h, c(0.0), c(0.0));
    }
    (h, x / h, y / h)
}

/// f64's `clamp` choice (and panic on `lo > hi`), shared by every scalar type.
///
/// # Panics
/// When `lo > hi` or either bound is NaN, exactly as `f64::clamp`.
#[inline(always)]
pub(crate) fn clamp_select<T: Scalar>(x: T, lo: T, hi: T) -> T {
    assert!(
        lo <= hi,
        "clamp: min > max, or either was NaN. min = {lo:?}, max = {hi:?}"
    );
    if x < lo {
        lo
    } else if x > hi {
        hi
    } else {
        x
    }
}

/// `max` as f64 computes it (NaN loses), keeping `x` on ties.
#[inline(always)]
pub(crate) fn max_select<T: Scalar>(x: T, y: T) -> T {
    if y > x || x.is_nan() {
        y
    } else {
        x
    }
}

/// `min` as f64 computes it (NaN loses), keeping `x` on ties.
#[inline(always)]
pub(crate) fn min_select<T: Scalar>(x: T, y: T) -> T {
    if y < x || x.is_nan() {
        y
    } else {
        x
    }
}
