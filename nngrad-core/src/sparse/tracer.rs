//! [`Tracer`]: the scalar that pattern detection evaluates a function on.

use crate::DualNum;
use core::ops::{Add, Div, Mul, Neg, Sub};

/// A value and the set of inputs it depends on, as a bitmask over one block of 64 inputs.
///
/// A tracer is a dual number whose tangent is a set: where a dual number multiplies its tangent
/// by a local derivative, the tracer keeps its set, and where two operands meet their sets are
/// united. Evaluating a function on tracers seeded with input `j` in bit `j mod 64` therefore
/// gives, for each output, the inputs of that block it depends on; a pattern over `n` inputs
/// takes `⌈n/64⌉` evaluations (see [`SparsityPattern::detect`](super::SparsityPattern::detect)).
///
/// The value is carried too, computed exactly as `f64` computes it, so the function takes the
/// same branches as at an ordinary evaluation at that point:
/// * comparisons and the selections `max`, `min`, `clamp` follow the primal values and keep the
///   chosen operand's set — the pattern is that of the branch taken at this point;
/// * every other operation keeps its operands' sets whatever the local derivative's value
///   (`relu` at a negative input, `x * 0.0`, `abs` at 0 keep theirs), so the pattern is
///   structural for that branch;
/// * functions whose derivative is zero everywhere (`floor`, `ceil`, `round`, `trunc`,
///   `signum`, `div_euclid`) drop the set, as the dual types give them a zero tangent.
///
/// ```
/// use nngrad_core::{sparse::Tracer, Scalar};
/// let x = Tracer::new(2.0, 0b01);
/// let y = Tracer::new(3.0, 0b10);
/// let z = (x * y).sin() + 1.0;
/// assert_eq!((z.value(), z.deps()), ((6.0f64).sin() + 1.0, 0b11));
/// assert_eq!(x.floor().deps(), 0);
/// ```
// `repr(C)`: the value then the set, which the kernels' tracer layout relies on.
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Tracer {
    v: f64,
    deps: u64,
}

impl Tracer {
    /// A tracer with value `v` depending on the inputs whose bits are set in `deps`.
    ///
    /// ```
    /// use nngrad_core::sparse::Tracer;
    /// assert_eq!(Tracer::new(1.0, 0b100).deps(), 4);
    /// ```
    #[inline(always)]
    pub fn new(v: f64, deps: u64) -> Self {
        Tracer { v, deps }
    }

    /// The set of inputs (bit `k`: input `k` of the traced block) the value depends on.
    ///
    /// ```
    /// use nngrad_core::sparse::Tracer;
    /// let (a, b) = (Tracer::new(1.0, 1), Tracer::new(2.0, 2));
    /// assert_eq!((a / b).deps(), 3);
    /// ```
    #[inline(always)]
    pub fn deps(&self) -> u64 {
        self.deps
    }
}

impl DualNum for Tracer {
    type Re = f64;
    type Point = f64;
    #[inline(always)]
    fn point(&self) -> f64 {
        self.v
    }
    #[inline(always)]
    fn points(&self, other: &Self) -> (f64, f64) {
        (self.v, other.v)
    }
    #[inline(always)]
    fn lift(re: f64) -> f64 {
        re
    }
    #[inline(always)]
    fn real(&self) -> f64 {
        self.v
    }
    #[inline(always)]
    fn from_real(re: f64) -> Self {
        Tracer::new(re, 0)
    }
    #[inline(always)]
    fn with_real(self, re: f64) -> Self {
        Tracer::new(re, self.deps)
    }
    #[inline(always)]
    fn chain(self, f: f64, _df: f64) -> Self {
        Tracer::new(f, self.deps)
    }
    #[inline(always)]
    fn chain_safe(self, f: f64, _df: f64) -> Self {
        Tracer::new(f, self.deps)
    }
    #[inline(always)]
    fn chain2(self, other: &Self, f: f64, _dx: f64, _dy: f64) -> Self {
        Tracer::new(f, self.deps | other.deps)
    }
    #[inline(always)]
    fn tangent_is_zero(&self) -> bool {
        self.deps == 0
    }
    #[inline(always)]
    fn scale(self, k: f64) -> Self {
        Tracer::new(self.v * k, self.deps)
    }
    #[inline(always)]
    fn unscale(self, k: f64) -> Self {
        Tracer::new(self.v / k, self.deps)
    }
    #[inline(always)]
    fn shift(self, k: f64) -> Self {
        Tracer::new(self.v + k, self.deps)
    }
}

/// The four arithmetic operators with another tracer: the `f64` operation on the values, the
/// union of the sets.
macro_rules! union_ops {
    ($($tr:ident $m:ident $op:tt),*) => {$(
        impl $tr for Tracer {
            type Output = Self;
            #[inline(always)]
            fn $m(self, o: Self) -> Self {
                Tracer::new(self.v $op o.v, self.deps | o.deps)
            }
        }
    )*};
}
union_ops!(Add add +, Sub sub -, Mul mul *, Div div /);

impl Neg for Tracer {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        Tracer::new(-self.v, self.deps)
    }
}

// The dual types' trait families. The layout is one tracer component: the kernels multiply
// the values with the GEMM `f64` takes (so they round as `f64` does) and unite the sets.
crate::dual::impls::scalar::impl_scalar!([] Tracer; layout: {
    // SAFETY: `Tracer` is `#[repr(C)]` with an `f64` and a `u64`.
    Some(unsafe { crate::dual::impls::layout::F64Layout::traced::<Tracer>(1) })
});
crate::dual::impls::ops::impl_ops!([] Tracer);
crate::dual::impls::num_traits::impl_num_traits!([] Tracer);
crate::dual::impls::nalgebra::impl_nalgebra!([] Tracer);
crate::dual::impls::outputs::impl_outputs!([] Tracer);

/// `value ∂{set}` with the set in binary, the value with the caller's formatting options.
///
/// ```
/// use nngrad_core::sparse::Tracer;
/// assert_eq!(format!("{}", Tracer::new(1.5, 0b101)), "1.5 ∂{0b101}");
/// ```
impl core::fmt::Display for Tracer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(&self.v, f)?;
        write!(f, " ∂{{{:#b}}}", self.deps)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Scalar;

    fn t(v: f64, d: u64) -> Tracer {
        Tracer::new(v, d)
    }

    #[test]
    fn values_are_f64_values_and_sets_unite() {
        let (x, y) = (t(0.7, 1), t(-1.3, 2));
        let z = x.atan2(y) * x.exp() - y.powf(x.abs()) / 2.0 + 3.0 * x.hypot(y);
        let r = 0.7f64.atan2(-1.3) * 0.7f64.exp() - (-1.3f64).powf(0.7) / 2.0
            + 3.0 * 0.7f64.hypot(-1.3);
        assert_eq!(z.value().to_bits(), r.to_bits());
        assert_eq!(z.deps(), 3);
        assert_eq!(x.powf(2.0).deps(), 1);
        assert_eq!((x * 0.0).deps(), 1);
        assert_eq!(t(-1.0, 4).relu().deps(), 4);
    }

    #[test]
    fn selections_keep_the_branch_taken_and_flat_functions_drop_the_set() {
        let (x, y) = (t(1.0, 1), t(2.0, 2));
        assert_eq!(x.max(y).deps(), 2);
        assert_eq!(x.min(y).deps(), 1);
        assert_eq!(x.clamp(0.0, 0.5).deps(), 0);
        for z in [
            x.floor(),
            x.ceil(),
            x.round(),
            x.trunc(),
            x.signum(),
            x.div_euclid(y),
        ] {
            assert_eq!(z.deps(), 0);
        }
        assert_eq!(x.rem_euclid(y).deps(), 3);
        assert!(t(1.0, 0).is_constant() && !x.is_constant());
    }
}
