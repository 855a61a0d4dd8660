//! One dense layer: [`Activation`] (the elementwise function, with its slopes from the rule
//! table) and [`Dense`] (`y = act(W x + b)`).

use super::{check, tanh, DenseError};
use crate::kernels::{gemm_ws, GemmDims};
use crate::Scalar;

/// The elementwise function after a dense layer's affine map.
///
/// ```
/// use nngrad_core::dense::Activation;
/// assert_eq!(Activation::Tanh.apply(0.0), 0.0);
/// assert_eq!(Activation::Identity.apply(3.0), 3.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Activation {
    /// `x`.
    Identity,
    /// `tanh x`.
    Tanh,
    /// `1 / (1 + e^−x)`.
    Sigmoid,
    /// `max(x, 0)`, slope 0 at 0.
    Relu,
}

impl Activation {
    /// The activation applied to any scalar (values and, for duals, derivatives by the
    /// crate's rule table).
    ///
    /// ```
    /// use nngrad_core::{dense::Activation, Dual};
    /// assert_eq!(Activation::Tanh.apply(Dual::variable(0.0)).eps(), 1.0);
    /// ```
    #[inline]
    pub fn apply<S: Scalar>(self, x: S) -> S {
        match self {
            Activation::Identity => x,
            Activation::Tanh => x.tanh(),
            Activation::Sigmoid => x.sigmoid(),
            Activation::Relu => x.relu(),
        }
    }

    /// Values `a` and slopes `d` at every `z`: tanh by the vectorised kernel, the others
    /// by the rule table.
    pub(super) fn values_slopes(self, z: &[f64], a: &mut [f64], d: &mut [f64]) {
        if self == Activation::Tanh {
            return tanh::tanh_slope(z, a, d);
        }
        for ((&z, a), d) in z.iter().zip(a.iter_mut()).zip(d.iter_mut()) {
            (*a, *d) = self.value_slope(z);
        }
    }

    /// Value and slope at `x`, from the same rules the dual types use.
    #[inline]
    pub(super) fn value_slope(self, x: f64) -> (f64, f64) {
        match self {
            Activation::Identity => (x, 1.0),
            Activation::Tanh => crate::dual::rules::tanh(x),
            Activation::Sigmoid => crate::dual::rules::sigmoid(x),
            Activation::Relu => crate::dual::rules::relu(x),
        }
    }
}

/// One dense layer `y = act(W x + b)`, `W` stored row-major `outputs × inputs`.
///
/// ```
/// use nngrad_core::dense::{Activation, Dense};
/// let l = Dense::new(2, 1, vec![1.0, 2.0], vec![0.5], Activation::Identity).unwrap();
/// assert_eq!(l.forward(&[1.0, 1.0]), vec![3.5]);
/// assert!(Dense::new(2, 1, vec![1.0], vec![0.5], Activation::Identity).is_err());
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Dense {
    pub(super) inputs: usize,
    pub(super) outputs: usize,
    pub(super) w: Vec<f64>,
    pub(super) b: Vec<f64>,
    pub(super) activation: Activation,
    /// The bias is added after the product (`(W x) + b`) instead of the product accumulated
    /// onto it (`b + W x`, the default): the two round differently once the product's sum is
    /// split into depth blocks, and a loaded MatMul + Add chain must give the bits of its own
    /// evaluation order.
    pub(super) bias_after: bool,
}

impl Dense {
    /// A layer from its sizes, row-major weights (`outputs × inputs`) and biases.
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `w` or `b` has the wrong length.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense};
    /// let e = Dense::new(3, 2, vec![0.0; 5], vec![0.0; 2], Activation::Tanh).unwrap_err();
    /// assert_eq!(e.to_string(), "weights (outputs × inputs): expected 6 elements, got 5");
    /// ```
    pub fn new(
        inputs: usize,
        outputs: usize,
        w: Vec<f64>,
        b: Vec<f64>,
        activation: Activation,
    ) -> Result<Self, DenseError> {
        check("weights (outputs × inputs)", inputs * outputs, w.len())?;
        check("biases", outputs, b.len())?;
        Ok(Dense {
            inputs,
            outputs,
            w,
            b,
            activation,
            bias_after: false,
        })
    }

    /// The layer with its bias added after the product (see the field `bias_after`).
    pub(crate) fn with_bias_after_product(mut self) -> Self {
        self.bias_after = true;
        self
    }

    /// `z = W·x + b` (row `i` of `z` holds unit `i` for each of the columns of `x`, `x`
    /// read through `dims`) in this layer's order of the bias and the sum: the one place
    /// the dense paths compute a layer's values, so that they are the same bits in every
    /// association and block size.
    pub(super) fn affine(&self, x: &[f64], dims: GemmDims, z: &mut [f64]) {
        let cols = dims.n;
        for (zr, &b) in z.chunks_exact_mut(cols).zip(&self.b) {
            zr.fill(if self.bias_after { 0.0 } else { b });
        }
        super::jacobian::product(&self.w, x, dims, z, true);
        if self.bias_after {
            for (zr, &b) in z.chunks_exact_mut(cols).zip(&self.b) {
                zr.iter_mut().for_each(|v| *v += b);
            }
        }
    }

    /// Number of inputs.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense};
    /// assert_eq!(Dense::new(3, 1, vec![0.0; 3], vec![0.0], Activation::Relu).unwrap().inputs(), 3);
    /// ```
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Number of outputs.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense};
    /// assert_eq!(Dense::new(3, 1, vec![0.0; 3], vec![0.0], Activation::Relu).unwrap().outputs(), 1);
    /// ```
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// The layer applied to `x` (length [`inputs`](Dense::inputs)) in any scalar type,
    /// through [`gemm_ws`].
    ///
    /// # Panics
    /// If `x` has the wrong length.
    ///
    /// ```
    /// use nngrad_core::{dense::{Activation, Dense}, Dual};
    /// let l = Dense::new(1, 1, vec![2.0], vec![0.0], Activation::Tanh).unwrap();
    /// let y = l.forward(&[Dual::variable(0.0)]);
    /// assert_eq!(y[0].eps(), 2.0);
    /// ```
    pub fn forward<S: Scalar>(&self, x: &[S]) -> Vec<S> {
        let mut y: Vec<S> = self.b.iter().map(|&b| S::cst(b)).collect();
        gemm_ws(&self.w, x, self.dims(1), &mut y);
        for v in &mut y {
            *v = self.activation.apply(*v);
        }
        y
    }

    pub(super) fn dims(&self, cols: usize) -> GemmDims {
        GemmDims {
            m: self.outputs,
            k: self.inputs,
            n: cols,
            trans_a: false,
            trans_b: false,
        }
    }
}
