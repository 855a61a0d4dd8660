//! Sparse Jacobians: the pattern detected by evaluating the same generic code on a tracer
//! scalar, the columns coloured, and the Jacobian evaluated in one tangent lane per colour.
//!
//! A dense forward-mode Jacobian costs `⌈n/8⌉` evaluations. When each output depends on few
//! inputs (PDE residuals, grids, per-point models, every batch of independent points, which is
//! block-diagonal), columns that share no row can be seeded in the same lane: the Jacobian
//! costs `⌈colours/8⌉` evaluations, and the colours are bounded below by the largest number of
//! nonzeros in a row, not by `n`.
//!
//! * [`SparsityPattern::detect`] evaluates `f` on [`Tracer`]s — a value and a bitmask of the
//!   64 inputs of one block it depends on — in `⌈n/64⌉` passes. Any code generic over
//!   [`Scalar`](crate::Scalar) runs on it: closures, `#[differentiable]` functions,
//!   [`onnx::Model::eval`](crate::onnx::Model::eval),
//!   [`matlab::ShallowNet::eval`](crate::matlab::ShallowNet::eval).
//! * [`SparseJacobian::new`] colours the columns once (greedy distance-1, natural order) and
//!   [`SparseJacobian::jacobian`] evaluates at any point, returning a
//!   [`CscMatrix`](nalgebra_sparse::CscMatrix) of the pattern.
//! * [`sparse_jacobian`] does all three at one point.
//!
//! The pattern is the one of the branches taken at the point of detection (see
//! [`SparsityPattern`] for reuse at other points and [`SparsityPattern::union`]).
//!
//! ```
//! use nngrad_core::sparse::{sparse_jacobian, SparseJacobian, SparsityPattern};
//! use nngrad_core::Scalar;
//! // A 1-D diffusion residual: tridiagonal.
//! fn f<S: Scalar>(u: &[S]) -> Vec<S> {
//!     let n = u.len();
//!     (0..n).map(|i| {
//!         let l = if i > 0 { u[i - 1] } else { S::cst(0.0) };
//!         let r = if i + 1 < n { u[i + 1] } else { S::cst(0.0) };
//!         l - u[i] * 2.0 + r + u[i] * u[i]
//!     }).collect()
//! }
//! let x: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.01).sin()).collect();
//! let p = SparsityPattern::detect(|x| f(x), &x);
//! assert_eq!((p.nrows(), p.ncols(), p.nnz()), (1000, 1000, 2998));
//! let sj = SparseJacobian::new(&p);
//! assert_eq!(sj.colors(), 3); // one evaluation instead of 125
//! let (y, j) = sj.jacobian(|x| f(x), &x);
//! assert_eq!(j.get_entry(5, 5).unwrap().into_value(), -2.0 + 2.0 * x[5]);
//! let (y2, j2) = sparse_jacobian(|x| f(x), &x);
//! assert_eq!((y, j), (y2, j2));
//! ```

mod coloring;
mod jacobian;
mod pattern;
mod tracer;

pub use jacobian::SparseJacobian;
pub use pattern::SparsityPattern;
pub use tracer::Tracer;

use crate::{DualN, Outputs, DEFAULT_CHUNK};
use core::convert::Infallible;
use nalgebra_sparse::CscMatrix;

/// The scalar [`sparse_jacobian`]'s closure receives: tangent lanes over [`Tracer`]s, so that
/// the one closure serves detection (the lanes' sets) and evaluation (the lanes' values).
///
/// ```
/// use nngrad_core::sparse::{sparse_jacobian, TracedLanes};
/// use nngrad_core::Scalar;
/// // A closure written for this type directly (a generic function serves as well).
/// let f = |x: &[TracedLanes]| vec![x[0] * x[1], x[1].sin()];
/// let (_, j) = sparse_jacobian(f, &[2.0, 0.5]);
/// assert_eq!(j.nnz(), 3);
/// assert_eq!(j.get_entry(0, 1).unwrap().into_value(), 2.0);
/// ```
pub type TracedLanes = DualN<Tracer, DEFAULT_CHUNK>;

/// Outputs and sparse Jacobian of `f` at `x`: the pattern detected at `x`, coloured, and
/// evaluated in `⌈colours/8⌉` passes.
///
/// To evaluate at many points with one pattern, keep a [`SparseJacobian`] instead: detection
/// and colouring are paid once.
///
/// The closure receives [`TracedLanes`]: one closure type for both phases. Detection runs on
/// the lanes' sets, `64·8` inputs per pass (`⌈n/512⌉` passes), and finds the pattern
/// [`SparsityPattern::detect`] finds at `x`. The values are those of the dense
/// [`jacobian`](crate::jacobian): tracer values are `f64` values, and the matrix kernels
/// multiply them with the GEMM the dense Jacobian's `f64` lanes take, so every sum has the
/// same terms in the same order.
///
/// # Panics
/// If `f` returns a different number of outputs on different evaluations.
///
/// ```
/// use nngrad_core::{sparse::sparse_jacobian, Scalar};
/// fn f<S: Scalar>(x: &[S]) -> Vec<S> {
///     x.iter().map(|v| v.exp()).collect()
/// }
/// let (y, j) = sparse_jacobian(|x| f(x), &[0.0, 1.0, 2.0]);
/// assert_eq!(j.nnz(), 3);
/// assert_eq!(j.get_entry(2, 2).unwrap().into_value(), 2f64.exp());
/// assert_eq!(y, vec![1.0, 1f64.exp(), 2f64.exp()]);
/// ```
pub fn sparse_jacobian<F, O>(mut f: F, x: &[f64]) -> (Vec<f64>, CscMatrix<f64>)
where
    F: FnMut(&[TracedLanes]) -> O,
    O: Outputs<TracedLanes>,
{
    match try_sparse_jacobian(|x| Ok::<_, Infallible>(f(x)), x) {
        Ok(r) => r,
        Err(e) => panic!("sparse_jacobian: {e}"),
    }
}

/// [`sparse_jacobian`] for a fallible function: the first error `f` returns, or an output
/// count that changes, is returned.
///
/// ```
/// use nngrad_core::{onnx::Model, sparse::try_sparse_jacobian};
/// let model = Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx"))?;
/// let (y, j) = try_sparse_jacobian(|x| model.eval(x), &[0.01; 10]).unwrap();
/// assert_eq!((y.len(), j.ncols(), j.nnz()), (1, 10, 10));
/// assert!(try_sparse_jacobian(|x| model.eval(x), &[0.01; 3]).is_err());
/// # Ok::<(), nngrad_core::onnx::Error>(())
/// ```
pub fn try_sparse_jacobian<F, O, E>(
    mut f: F,
    x: &[f64],
) -> Result<(Vec<f64>, CscMatrix<f64>), SparseError<E>>
where
    F: FnMut(&[TracedLanes]) -> Result<O, E>,
    O: Outputs<TracedLanes>,
{
    // Detection on the lanes' sets: the values stay untraced (their sets empty) and input
    // `j` of a pass is seeded in a set of lane `j / 64`, so one pass covers `64·8` inputs
    // where a plain tracer covers 64. The lanes' sets follow the tangents' structure: every
    // rule unites the lanes of its operands (a local derivative that is a constant, i.e. has
    // no set, adds nothing), selections keep the chosen operand's lanes, and flat functions
    // (zero tangent) drop them — the rules of `Tracer`.
    let pattern = pattern::detect_with(
        &mut f,
        x,
        |v, seed| {
            let mut d = DualN::constant(Tracer::new(v, 0));
            if let Some(k) = seed {
                d.eps[k / pattern::BLOCK] = Tracer::new(0.0, 1 << (k % pattern::BLOCK));
            }
            d
        },
        |y: &TracedLanes| y.eps.map(|e| e.deps()),
    )?;
    SparseJacobian::new(&pattern).evaluate(f, x)
}

/// What can go wrong detecting a pattern or evaluating a sparse Jacobian; `E` is the
/// function's own error.
///
/// ```
/// use nngrad_core::sparse::{SparseError, SparsityPattern};
/// let e = SparsityPattern::from_entries(2, 2, &[(0, 3)]).unwrap_err();
/// assert_eq!(e.to_string(), "entry (0, 3) outside the 2×2 pattern");
/// assert!(matches!(e, SparseError::Entry { col: 3, .. }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SparseError<E> {
    /// The function returned this error.
    Eval(E),
    /// `x` does not have one value per column of the pattern.
    InputLen {
        /// The pattern's columns.
        expected: usize,
        /// The length of `x`.
        got: usize,
    },
    /// The function returned another number of outputs than before (or than the pattern's
    /// rows).
    OutputLen {
        /// Rows of the pattern, or outputs of the first evaluation.
        expected: usize,
        /// Outputs of this evaluation.
        got: usize,
    },
    /// Output `row` depends on an input that the pattern does not list for it: the function
    /// took another branch than at the point of detection.
    OutsidePattern {
        /// The output.
        row: usize,
    },
    /// Two patterns of different shapes (`(rows, columns)`) were combined.
    Shape {
        /// This pattern's shape.
        expected: (usize, usize),
        /// The other pattern's shape.
        got: (usize, usize),
    },
    /// An entry given to [`SparsityPattern::from_entries`] lies outside the shape.
    Entry {
        /// The entry's row.
        row: usize,
        /// The entry's column.
        col: usize,
        /// The pattern's rows.
        nrows: usize,
        /// The pattern's columns.
        ncols: usize,
    },
}

impl<E: core::fmt::Display> core::fmt::Display for SparseError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            SparseError::Eval(e) => write!(f, "the function failed: {e}"),
            SparseError::InputLen { expected, got } => write!(
                f,
                "x has {got} elements but the pattern has {expected} columns"
            ),
            SparseError::OutputLen { expected, got } => write!(
                f,
                "the function returned {got} outputs where {expected} were expected"
            ),
            SparseError::OutsidePattern { row } => write!(
                f,
                "output {row} depends on an input outside the pattern \
                 (a branch went another way than where the pattern was detected: detect \
                 at this point or take the union of patterns)"
            ),
            SparseError::Shape { expected, got } => write!(
                f,
                "patterns of shapes {}×{} and {}×{} cannot be combined",
                expected.0, expected.1, got.0, got.1
            ),
            SparseError::Entry {
                row,
                col,
                nrows,
                ncols,
            } => write!(
                f,
                "entry ({row}, {col}) outside the {nrows}×{ncols} pattern"
            ),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for SparseError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SparseError::Eval(e) => Some(e),
            _ => None,
        }
    }
}
