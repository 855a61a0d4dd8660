//! [`Outputs`]: what a differentiated closure may return. Each dual type registers the
//! single-value case in its own file (`dual/impls/outputs.rs`).

use nalgebra::{DVector, SVector};

/// The return types a vector-valued closure may have: a single scalar, `Vec<S>`, `[S; M]`,
/// `DVector<S>` or `SVector<S, M>`. Outputs are read in order (row-major for matrices).
///
/// ```
/// use nngrad_core::{jvp, Scalar};
/// use nalgebra::SVector;
/// let f = |x: &[nngrad_core::Dual]| SVector::<_, 2>::new(x[0] * 2.0, x[0].exp());
/// let (y, dy) = jvp(f, &[0.0], &[1.0]);
/// assert_eq!((y, dy), (vec![0.0, 1.0], vec![2.0, 1.0]));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a result nngrad can differentiate with `{S}` inputs",
    label = "this returns `{Self}`, but the inputs are `{S}`",
    note = "a function written for `f64` returns `f64` values: annotate the function with \
            #[differentiable] (or make it generic over S: Scalar), so that it returns `{S}`",
    note = "results may be a scalar, `Vec<{S}>`, `[{S}; M]`, `DVector<{S}>` or `SVector<{S}, M>`"
)]
pub trait Outputs<S> {
    /// Appends the outputs, in order, to `out`.
    ///
    /// ```
    /// use nngrad_core::Outputs;
    /// let mut out = Vec::new();
    /// [1.0, 2.0].write_outputs(&mut out);
    /// assert_eq!(out, vec![1.0, 2.0]);
    /// ```
    fn write_outputs(self, out: &mut Vec<S>);
}

impl Outputs<f64> for f64 {
    fn write_outputs(self, out: &mut Vec<f64>) {
        out.push(self);
    }
}
impl<S> Outputs<S> for Vec<S> {
    fn write_outputs(mut self, out: &mut Vec<S>) {
        out.append(&mut self);
    }
}
impl<S, const M: usize> Outputs<S> for [S; M] {
    fn write_outputs(self, out: &mut Vec<S>) {
        out.extend(self);
    }
}
impl<S: nalgebra::Scalar> Outputs<S> for DVector<S> {
    fn write_outputs(self, out: &mut Vec<S>) {
        out.extend(self.iter().cloned());
    }
}
impl<S: nalgebra::Scalar, const M: usize> Outputs<S> for SVector<S, M> {
    fn write_outputs(self, out: &mut Vec<S>) {
        out.extend(self.iter().cloned());
    }
}
