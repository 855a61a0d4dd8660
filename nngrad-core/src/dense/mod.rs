//! The dense-layer path: a multilayer perceptron stored as weight matrices, evaluated for any
//! [`Scalar`] and differentiated in forward order with matrix products through
//! [`kernels`](crate::kernels).
//!
//! The Jacobian of `y = f_L(W_L … f_1(W_1 x + b_1) … + b_L)` is the product
//! `J = D_L W_L ⋯ D_1 W_1` (`D_l` the diagonal of activation slopes). [`Mlp::jacobian`] forms
//! it with matrix products, in whichever association costs fewer multiply-adds:
//! * from the input side (forward mode): each layer carries its activations and their `n`
//!   tangents as one row-major matrix `[h | T]` (row `i` = value and lanes of unit `i`, the
//!   memory of a `DualN<f64, n>`), so a layer is one GEMM `W · [h | T]`, then the bias on the
//!   value column and the slope on each row's lanes; the first tangent `D_1 W_1` needs no
//!   product;
//! * from the output side, when there are fewer outputs than inputs: one values-only pass
//!   keeps every layer's slopes, then `R ← (R D_l) W_l` from `R = D_L W_L` down.
//!
//! Both give the same exact derivatives (only the rounding of the sums differs).
//! [`Mlp::jacobian_batch`] lays many points side by side so each step is one wide GEMM.
//! `tanh` layers take a vectorised `tanh` with its slope (within 3 ulps of libm).
//!
//! | file | holds |
//! |---|---|
//! | `mod.rs` | [`Mlp`], [`Workspace`], [`DenseError`], `forward`/`jvp` and the [`Differentiable`] impl |
//! | `layer.rs` | [`Dense`] and [`Activation`] |
//! | `jacobian.rs` | the Jacobians: association orders, blocks of points, batches |
//! | `tanh.rs` | the vectorised `tanh` and its slope |

mod jacobian;
mod layer;
pub(crate) mod tanh;

pub use layer::{Activation, Dense};

use crate::{batch, BatchError, Differentiable, Scalar};
use nalgebra::DMatrix;

/// What was wrong with a dense layer, a network or its input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DenseError {
    /// A weight or bias array has the wrong number of elements.
    Shape {
        /// Which array.
        what: &'static str,
        /// Elements expected.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// Layer `layer` takes `expected` inputs but the previous layer gives `got`.
    Chain {
        /// Index of the layer whose input does not fit.
        layer: usize,
        /// Inputs it takes.
        expected: usize,
        /// Outputs of the layer before.
        got: usize,
    },
    /// A network needs at least one layer.
    Empty,
}

impl core::fmt::Display for DenseError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            DenseError::Shape {
                what,
                expected,
                got,
            } => write!(f, "{what}: expected {expected} elements, got {got}"),
            DenseError::Chain {
                layer,
                expected,
                got,
            } => write!(
                f,
                "layer {layer} takes {expected} inputs but the layer before gives {got}"
            ),
            DenseError::Empty => write!(f, "a network needs at least one layer"),
        }
    }
}

impl std::error::Error for DenseError {}

fn check(what: &'static str, expected: usize, got: usize) -> Result<(), DenseError> {
    if expected == got {
        Ok(())
    } else {
        Err(DenseError::Shape {
            what,
            expected,
            got,
        })
    }
}

/// A chain of dense layers.
///
/// ```
/// use nngrad_core::dense::{Activation, Dense, Mlp};
/// let net = Mlp::new(vec![
///     Dense::new(2, 2, vec![1.0, 0.0, 0.0, 1.0], vec![0.0; 2], Activation::Tanh).unwrap(),
///     Dense::new(2, 1, vec![1.0, 1.0], vec![0.0], Activation::Identity).unwrap(),
/// ])
/// .unwrap();
/// let (y, j) = net.jacobian(&[0.0, 0.0]).unwrap();
/// assert_eq!((y, j[(0, 0)], j[(0, 1)]), (vec![0.0], 1.0, 1.0));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Mlp {
    layers: Vec<Dense>,
}

/// Preallocated buffers for repeated [`Mlp::jacobian_with`] calls.
///
/// ```
/// use nngrad_core::dense::{Activation, Dense, Mlp, Workspace};
/// let net = Mlp::new(vec![Dense::new(1, 1, vec![3.0], vec![0.0], Activation::Identity).unwrap()]).unwrap();
/// let mut ws = Workspace::default();
/// net.jacobian_with(&[1.0], &mut ws).unwrap();
/// assert_eq!((ws.values(), ws.jacobian()), (&[3.0][..], &[3.0][..]));
/// ```
#[derive(Clone, Debug, Default)]
pub struct Workspace {
    cur: Vec<f64>,
    next: Vec<f64>,
    vals: Vec<f64>,
    jacs: Vec<f64>,
    z: Vec<f64>,
    a: Vec<f64>,
    d: Vec<f64>,
    outputs: usize,
    inputs: usize,
    points: usize,
}

impl Workspace {
    /// The outputs of the last evaluation (for a batch: point after point).
    ///
    /// ```
    /// # use nngrad_core::dense::Workspace;
    /// assert!(Workspace::default().values().is_empty());
    /// ```
    pub fn values(&self) -> &[f64] {
        &self.vals[..self.points * self.outputs]
    }

    /// The Jacobian of the last evaluation, row-major `outputs × inputs` (for a batch: one
    /// such matrix per point, point after point).
    ///
    /// ```
    /// # use nngrad_core::dense::Workspace;
    /// assert!(Workspace::default().jacobian().is_empty());
    /// ```
    pub fn jacobian(&self) -> &[f64] {
        &self.jacs[..self.points * self.outputs * self.inputs]
    }
}

impl Mlp {
    /// A network from its layers, first to last.
    ///
    /// # Errors
    /// [`DenseError::Empty`] for no layers, [`DenseError::Chain`] if a layer's inputs differ
    /// from the previous layer's outputs.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let l = |i, o| Dense::new(i, o, vec![0.0; i * o], vec![0.0; o], Activation::Tanh).unwrap();
    /// let e = Mlp::new(vec![l(2, 3), l(4, 1)]).unwrap_err();
    /// assert_eq!(e.to_string(), "layer 1 takes 4 inputs but the layer before gives 3");
    /// ```
    pub fn new(layers: Vec<Dense>) -> Result<Self, DenseError> {
        if layers.is_empty() {
            return Err(DenseError::Empty);
        }
        for (i, pair) in layers.windows(2).enumerate() {
            if pair[1].inputs != pair[0].outputs {
                return Err(DenseError::Chain {
                    layer: i + 1,
                    expected: pair[1].inputs,
                    got: pair[0].outputs,
                });
            }
        }
        Ok(Mlp { layers })
    }

    /// The layers, first to last.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let net = Mlp::new(vec![Dense::new(1, 1, vec![1.0], vec![0.0], Activation::Relu).unwrap()]).unwrap();
    /// assert_eq!(net.layers().len(), 1);
    /// ```
    pub fn layers(&self) -> &[Dense] {
        &self.layers
    }

    /// Number of inputs.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let net = Mlp::new(vec![Dense::new(2, 1, vec![1.0; 2], vec![0.0], Activation::Relu).unwrap()]).unwrap();
    /// assert_eq!((net.inputs(), net.outputs()), (2, 1));
    /// ```
    pub fn inputs(&self) -> usize {
        self.layers[0].inputs
    }

    /// Number of outputs.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let net = Mlp::new(vec![Dense::new(2, 1, vec![1.0; 2], vec![0.0], Activation::Relu).unwrap()]).unwrap();
    /// assert_eq!(net.outputs(), 1);
    /// ```
    pub fn outputs(&self) -> usize {
        self.layers[self.layers.len() - 1].outputs
    }

    /// The network applied to `x` in any scalar type (`f64` for values, a dual type for
    /// derivatives with the generic helpers), every layer through [`gemm_ws`].
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `x` does not have [`inputs`](Mlp::inputs) elements.
    ///
    /// ```
    /// use nngrad_core::{dense::{Activation, Dense, Mlp}, jacobian};
    /// let net = Mlp::new(vec![Dense::new(2, 1, vec![1.0, -1.0], vec![0.0], Activation::Tanh).unwrap()]).unwrap();
    /// let (_, j) = jacobian(|x| net.forward(x).unwrap(), &[0.0, 0.0]);
    /// assert_eq!((j[(0, 0)], j[(0, 1)]), (1.0, -1.0));
    /// ```
    pub fn forward<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, DenseError> {
        check("input x", self.inputs(), x.len())?;
        let mut h = self.layers[0].forward(x);
        for l in &self.layers[1..] {
            h = l.forward(&h);
        }
        Ok(h)
    }

    /// Outputs and the directional derivative `J·v` at `x`, in one pass carrying value and
    /// tangent through the same kernels as [`forward`](Mlp::forward).
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `x` or `v` does not have [`inputs`](Mlp::inputs) elements.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let net = Mlp::new(vec![Dense::new(2, 1, vec![1.0, 2.0], vec![0.0], Activation::Identity).unwrap()]).unwrap();
    /// assert_eq!(net.jvp(&[1.0, 1.0], &[1.0, -1.0]).unwrap(), (vec![3.0], vec![-1.0]));
    /// ```
    pub fn jvp(&self, x: &[f64], v: &[f64]) -> Result<(Vec<f64>, Vec<f64>), DenseError> {
        check("input x", self.inputs(), x.len())?;
        check("direction v", self.inputs(), v.len())?;
        let xs: Vec<crate::Dual<f64>> = x
            .iter()
            .zip(v)
            .map(|(&x, &v)| crate::Dual::new(x, v))
            .collect();
        Ok(self
            .forward(&xs)?
            .into_iter()
            .map(|y| (y.re, y.eps))
            .unzip())
    }
}

/// The network as a [`Differentiable`]: `jacobian` takes the dense path of
/// [`Mlp::jacobian`], `jacobian_batch` that of [`Mlp::jacobian_batch`] with its blocks of
/// points on rayon's pool.
///
/// ```
/// use nngrad_core::dense::{Activation, Dense, Mlp};
/// use nngrad_core::Differentiable;
/// let net = Mlp::new(vec![Dense::new(1, 1, vec![3.0], vec![0.0], Activation::Identity).unwrap()]).unwrap();
/// let (ys, js) = Differentiable::jacobian_batch(&net, &[1.0, 2.0]).unwrap();
/// assert_eq!((ys, js), (vec![3.0, 6.0], vec![3.0, 3.0]));
/// ```
impl Differentiable for Mlp {
    type Error = DenseError;

    fn input_len(&self) -> usize {
        self.inputs()
    }

    fn output_len(&self) -> usize {
        self.outputs()
    }

    fn eval<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, DenseError> {
        Mlp::forward(self, x)
    }

    fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), DenseError> {
        Mlp::jacobian(self, x)
    }

    fn jvp(&self, x: &[f64], v: &[f64]) -> Result<(Vec<f64>, Vec<f64>), DenseError> {
        Mlp::jvp(self, x, v)
    }

    fn jacobian_batch(&self, xs: &[f64]) -> Result<(Vec<f64>, Vec<f64>), BatchError<DenseError>> {
        batch::points("xs", xs.len(), self.inputs())?;
        // The dense path fails only on the batch's shape, checked just above; should it fail
        // all the same, the error is reported against the first point.
        self.jacobian_batch_pooled(xs)
            .map_err(|source| BatchError::Point { index: 0, source })
    }
}
