//! The table of elementary functions of one argument: each row is one [`Scalar`] method that is
//! one rule of [`rules`](super::rules) and one chain step, with its documentation.
//!
//! The rows are read by the trait declaration (`scalar/mod.rs`), by `f64`'s implementation
//! (`scalar/float.rs`) and by the one implementation for every dual type
//! (`dual/impls/scalar.rs`), so adding such a function is a row here, its formula in
//! `rules.rs`, and its tests (`tests/elementary.rs`; nngrad-derive's `SCALAR_FNS`, which a
//! test ties to this table) — nothing per type.
//!
//! A row reads `name: tangent, inlining, f64;`:
//! * tangent: `chain` multiplies the tangents by the local derivative; `chain_safe` keeps a
//!   tangent that is exactly zero at zero where the local derivative is infinite (a domain
//!   edge, or overflow);
//! * inlining: `inline` for rules of a few instructions; `outline` for rules that call libm,
//!   which inlined into a user's loop make the register allocator spill the loop's
//!   accumulators on every iteration (measured: a plain-loop JVP of MLP-M went from 2.5x to
//!   1.04x one f64 evaluation when they moved out of line);
//! * f64: how `f64` computes the value: `std` (`f64::name`), `libm` (`libm::name`), or `rule`
//!   (the value half of the rule, for functions std does not have).
//!
//! [`Scalar`]: crate::Scalar

/// Calls the macro at the path given with every row of the table (see the module docs).
macro_rules! unary_table {
    ($($callback:tt)+) => {
        $($callback)+! {
            /// `|x|`. Derivative `signum(x)`, and 0 at `x = 0` (JAX's and PyTorch's choice).
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(-2.0).abs().eps(), -1.0);
            /// ```
            abs: chain, inline, std;
            /// Square root.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(4.0).sqrt().eps(), 0.25);
            /// ```
            sqrt: chain_safe, inline, std;
            /// Cube root.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert!((Dual::variable(8.0).cbrt().eps() - 1.0 / 12.0).abs() < 1e-15);
            /// ```
            cbrt: chain_safe, outline, std;
            /// `e^x`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).exp().eps(), 1.0);
            /// ```
            exp: chain_safe, outline, std;
            /// `2^x`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(1.0).exp2().eps(), 2.0 * 2f64.ln());
            /// ```
            exp2: chain_safe, outline, std;
            /// `e^x − 1`, accurate near zero.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).exp_m1().eps(), 1.0);
            /// ```
            exp_m1: chain_safe, outline, std;
            /// Natural logarithm.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(2.0).ln().eps(), 0.5);
            /// ```
            ln: chain_safe, outline, std;
            /// `ln(1 + x)`, accurate near zero.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(1.0).ln_1p().eps(), 0.5);
            /// ```
            ln_1p: chain_safe, outline, std;
            /// Base-2 logarithm.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(4.0).log2().re(), 2.0);
            /// ```
            log2: chain_safe, outline, std;
            /// Base-10 logarithm.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(100.0).log10().re(), 2.0);
            /// ```
            log10: chain_safe, outline, std;
            /// Sine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).sin().eps(), 1.0);
            /// ```
            sin: chain, outline, std;
            /// Cosine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).cos().eps(), 0.0);
            /// ```
            cos: chain, outline, std;
            /// Tangent.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).tan().eps(), 1.0);
            /// ```
            tan: chain, outline, std;
            /// Arcsine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).asin().eps(), 1.0);
            /// ```
            asin: chain_safe, outline, std;
            /// Arccosine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).acos().eps(), -1.0);
            /// ```
            acos: chain_safe, outline, std;
            /// Arctangent.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(1.0).atan().eps(), 0.5);
            /// ```
            atan: chain, outline, std;
            /// Hyperbolic sine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).sinh().eps(), 1.0);
            /// ```
            sinh: chain_safe, outline, std;
            /// Hyperbolic cosine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).cosh().eps(), 0.0);
            /// ```
            cosh: chain_safe, outline, std;
            /// Hyperbolic tangent; value and derivative finite over the whole f64 range.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).tanh().eps(), 1.0);
            /// assert_eq!(Dual::variable(1e300).tanh().eps(), 0.0);
            /// ```
            tanh: chain, outline, std;
            /// Inverse hyperbolic sine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).asinh().eps(), 1.0);
            /// ```
            asinh: chain, outline, std;
            /// Inverse hyperbolic cosine.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert!((Dual::variable(2.0).acosh().eps() - 1.0 / 3f64.sqrt()).abs() < 1e-15);
            /// ```
            acosh: chain_safe, outline, std;
            /// Inverse hyperbolic tangent.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).atanh().eps(), 1.0);
            /// ```
            atanh: chain_safe, outline, std;
            /// `1 / x`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(2.0).recip().eps(), -0.25);
            /// ```
            recip: chain_safe, inline, std;
            /// Error function.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).erf().eps(), 2.0 / std::f64::consts::PI.sqrt());
            /// ```
            erf: chain, outline, libm;
            /// Complementary error function `1 - erf(x)`, accurate for large x.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).erfc().eps(), -2.0 / std::f64::consts::PI.sqrt());
            /// ```
            erfc: chain, outline, libm;
            /// Logistic sigmoid `1 / (1 + e^-x)`; finite with a finite derivative everywhere.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).sigmoid().eps(), 0.25);
            /// ```
            sigmoid: chain, outline, rule;
            /// `ln(1 + e^x)` without overflow.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(1e3).softplus().re(), 1e3);
            /// ```
            softplus: chain, outline, rule;
            /// `max(x, 0)`; derivative 0 at `x = 0`. NaN stays NaN (derivative 0), as in
            /// PyTorch and JAX and as `leaky_relu` keeps it, not `f64::max(NaN, 0) = 0`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).relu().eps(), 0.0);
            /// ```
            relu: chain, inline, rule;
            /// Scaled ELU with the self-normalising constants of Klambauer et al.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert!((Dual::variable(1.0).selu().eps() - 1.0507009873554805).abs() < 1e-15);
            /// ```
            selu: chain, outline, rule;
            /// Exact GELU `x · Φ(x)`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).gelu().eps(), 0.5);
            /// ```
            gelu: chain, outline, rule;
            /// GELU with the tanh approximation `0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³)))`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).gelu_tanh().eps(), 0.5);
            /// ```
            gelu_tanh: chain, outline, rule;
            /// SiLU (swish) `x · sigmoid(x)`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(0.0).silu().eps(), 0.5);
            /// ```
            silu: chain, outline, rule;
            /// `x / (1 + |x|)`.
            ///
            /// ```
            /// use nngrad_core::{Dual, Scalar};
            /// assert_eq!(Dual::variable(1.0).softsign().eps(), 0.25);
            /// ```
            softsign: chain, inline, rule;
        }
    };
}

pub(crate) use unary_table;
