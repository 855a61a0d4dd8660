//! [`Differentiable`]: the one interface every model implements — the ONNX loader, the MATLAB
//! genFunction loader, the dense network and a user's own struct — so that code written for
//! "any model" (the examples, the command-line tool, the Python package) never enumerates
//! model kinds. A model supplies its sizes and one generic `eval`; the per-point and batch
//! derivative methods come with it and may be overridden by a model with a faster route.
//!
//! [`BatchError`] is what the batch methods return: a shape that does not fit, or the lowest
//! point that failed, with that point's own error as its source.

use crate::batch;
use crate::{try_jvp, Scalar, ScalarLhs, ScalarRef, ScalarRefLhs};
use nalgebra::DMatrix;
use std::fmt;

/// A model `y = f(x)` from `input_len()` inputs to `output_len()` outputs, generic over the
/// scalar, with its derivatives.
///
/// Implementors write [`input_len`](Differentiable::input_len),
/// [`output_len`](Differentiable::output_len) and [`eval`](Differentiable::eval); the rest
/// is provided: [`forward`](Differentiable::forward) evaluates at `f64`,
/// [`jvp`](Differentiable::jvp) in one pass of [`Dual`](crate::Dual) numbers,
/// [`jacobian`](Differentiable::jacobian) in passes of [`DualN`](crate::DualN) numbers whose
/// lane count (8, 16 or 32) is chosen from `n` (the first failing pass stops it), and the batch
/// methods over many points on rayon's global thread pool.
///
/// # Batches
/// `xs` holds `k` points one after another (`k·n` values, row-major); an empty batch gives
/// empty results. [`forward_batch`](Differentiable::forward_batch) returns `k·m` values,
/// [`jvp_batch`](Differentiable::jvp_batch) takes one tangent per point (`vs` as long as
/// `xs`), and [`jacobian_batch`](Differentiable::jacobian_batch) returns `(ys, js)` with `js`
/// the `k` Jacobians one after another, each `m×n` row-major: point `p`, output `i`, input
/// `j` at `js[(p·m + i)·n + j]`.
///
/// The points run in parallel on rayon's global pool, so `RAYON_NUM_THREADS` and a caller's
/// [`ThreadPool::install`](https://docs.rs/rayon/latest/rayon/struct.ThreadPool.html#method.install)
/// decide the threads. Each point is computed by the same code whatever the thread count, so
/// results are bit-identical across thread counts. A batch whose first point shows that the
/// whole batch is quicker than handing work to other threads runs on the calling thread.
/// A failing point gives [`BatchError::Point`] with the lowest failing index.
///
/// # A model of your own
/// `eval`'s where-clauses are the ones `#[differentiable]` code carries, so the body can be
/// plain `f64` code under the attribute (an implementation with only `S: Scalar` is accepted
/// too):
///
/// ```
/// use nngrad_core::{differentiable, Differentiable};
///
/// #[derive(Debug)]
/// struct WrongLength(usize);
/// impl std::fmt::Display for WrongLength {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         write!(f, "expected 2 inputs, got {}", self.0)
///     }
/// }
/// impl std::error::Error for WrongLength {}
///
/// struct Pendulum { g: f64, l: f64 }
///
/// impl Differentiable for Pendulum {
///     type Error = WrongLength;
///     fn input_len(&self) -> usize { 2 }
///     fn output_len(&self) -> usize { 2 }
///     #[differentiable]
///     fn eval(&self, x: &[f64]) -> Result<Vec<f64>, WrongLength> {
///         if x.len() != 2 {
///             return Err(WrongLength(x.len()));
///         }
///         Ok(vec![x[1], -self.g / self.l * x[0].sin()])
///     }
/// }
///
/// let p = Pendulum { g: 9.81, l: 2.0 };
/// let (y, j) = p.jacobian(&[0.3, 0.0])?;
/// assert_eq!(y[1], -9.81 / 2.0 * 0.3f64.sin());
/// assert_eq!(j[(1, 0)], -9.81 / 2.0 * 0.3f64.cos());
/// let (_, js) = p.jacobian_batch(&[0.3, 0.0, 0.1, 1.0]).unwrap();
/// assert_eq!(js.len(), 2 * 2 * 2);
/// assert_eq!(js[2], j[(1, 0)]); // point 0, output 1, input 0
/// assert!(p.jacobian(&[0.3]).is_err());
/// # Ok::<(), WrongLength>(())
/// ```
// The batch signatures spell out their `(values, derivatives)` pairs on purpose: the pair is
// the contract users read in the docs, not a name to look up.
#[allow(clippy::type_complexity)]
pub trait Differentiable {
    /// What a failed evaluation reports.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Number of inputs `n` (a point's length).
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [1 2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(Differentiable::input_len(&net), 3);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn input_len(&self) -> usize;

    /// Number of outputs `m`.
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [1 2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(Differentiable::output_len(&net), 1);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn output_len(&self) -> usize;

    /// One label per input value, for tables and file headers: the model's own names where
    /// it has them (`X[0,3]` for element 3 of an ONNX input `X` of shape `[1, n]`'s row,
    /// `x1[2]` for a MATLAB argument), else `x[0]`, `x[1]`, …
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [1 2];\ny = IW1_1*x;")?;
    /// assert_eq!(net.input_labels(), vec!["x[0]", "x[1]"]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn input_labels(&self) -> Vec<String> {
        (0..self.input_len()).map(|i| format!("x[{i}]")).collect()
    }

    /// One label per output value, like [`input_labels`](Differentiable::input_labels)
    /// (`y[0]`, `y[1]`, … where the model has no names).
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source("function out = f(x)\nIW1_1 = [1 2];\nout = IW1_1*x;")?;
    /// assert_eq!(net.output_labels(), vec!["out[0]"]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn output_labels(&self) -> Vec<String> {
        (0..self.output_len()).map(|i| format!("y[{i}]")).collect()
    }

    /// The outputs at `x` in any scalar type: `f64` for values, a dual type for derivatives
    /// (so every helper of this crate composes with the model).
    ///
    /// # Errors
    /// The model's own: a wrong input length, a failing node, …
    ///
    /// ```
    /// use nngrad_core::{hessian, matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source(
    ///     "function y = f(x)\nIW1_1 = [1 2];\ny = tansig_apply(IW1_1*x);")?;
    /// let (y, _, h) = hessian(|x| net.eval(x).unwrap()[0], &[0.1, 0.2]);
    /// assert_eq!(y, 0.5f64.tanh());
    /// assert_eq!(h.shape(), (2, 2));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn eval<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, Self::Error>
    where
        f64: ScalarLhs<S>,
        for<'a> &'a f64: ScalarRefLhs<S>,
        for<'a> &'a S: ScalarRef<S>;

    /// The outputs at `x`.
    ///
    /// # Errors
    /// Those of [`eval`](Differentiable::eval).
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(Differentiable::forward(&net, &[1.0, 1.0])?, vec![5.0]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn forward(&self, x: &[f64]) -> Result<Vec<f64>, Self::Error> {
        self.eval(x)
    }

    /// The outputs and the directional derivative `J(x)·v`, in one evaluation.
    ///
    /// # Errors
    /// Those of [`eval`](Differentiable::eval).
    ///
    /// # Panics
    /// This provided version panics if `v` and `x` differ in length (it cannot make a
    /// `Self::Error`); the crate's models override it with an error, and the batch form
    /// checks shapes with [`BatchError::Shape`].
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(Differentiable::jvp(&net, &[1.0, 1.0], &[1.0, -1.0])?, (vec![5.0], vec![-1.0]));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn jvp(&self, x: &[f64], v: &[f64]) -> Result<(Vec<f64>, Vec<f64>), Self::Error> {
        try_jvp(|x| self.eval(x), x, v)
    }

    /// The outputs and the `m×n` Jacobian `∂yᵢ/∂xⱼ` at `x`.
    ///
    /// # Errors
    /// Those of [`eval`](Differentiable::eval): the first failing pass stops the work.
    ///
    /// The provided version runs `eval` on [`DualN`](crate::DualN) numbers with the lane
    /// count [`jacobian!`](crate::jacobian!) picks from `n` (8, 16 or 32): a model of 32
    /// inputs takes one pass, not four. The numbers are those of any other lane count.
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source(
    ///     "function y = f(x)\nIW1_1 = [2 3];\ny = tansig_apply(IW1_1*x);")?;
    /// let (y, j) = Differentiable::jacobian(&net, &[0.0, 0.0])?;
    /// assert_eq!((y, j), (vec![0.0], nalgebra::dmatrix![2.0, 3.0]));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), Self::Error> {
        // `eval` is generic, so the lanes can follow `n` here (a closure could not choose):
        // 32 inputs take one pass of 32 lanes instead of four of 8, with the same numbers.
        crate::try_jacobian!(|x| self.eval(x), x)
    }

    /// The outputs at each of the `k` points of `xs` (`k·n` values), `k·m` values in all.
    ///
    /// # Errors
    /// [`BatchError::Shape`] if `xs.len()` is not a multiple of `n`;
    /// [`BatchError::Point`] with the lowest failing point;
    /// [`BatchError::Output`] if a point gave other than `m` outputs.
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, BatchError, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(net.forward_batch(&[1.0, 1.0, 0.0, 1.0]).unwrap(), vec![5.0, 3.0]);
    /// assert!(matches!(net.forward_batch(&[1.0, 1.0, 0.0]), Err(BatchError::Shape { .. })));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn forward_batch(&self, xs: &[f64]) -> Result<Vec<f64>, BatchError<Self::Error>>
    where
        Self: Sync,
    {
        let (n, m) = (self.input_len(), self.output_len());
        let k = batch::points("xs", xs.len(), n)?;
        let (ys, _) = batch::run(k, [m, 0], |p, y, _| {
            let v = self
                .forward(&xs[p * n..(p + 1) * n])
                .map_err(batch::at(p))?;
            batch::put(p, y, &v)
        })?;
        Ok(ys)
    }

    /// The outputs and `J·v` at each point of `xs`, with the tangent `vs[p·n..(p+1)·n]` for
    /// point `p`: `(ys, jvs)`, each `k·m` values.
    ///
    /// # Errors
    /// [`BatchError::Shape`] if `xs.len()` is not a multiple of `n` or `vs` is not as long
    /// as `xs`; otherwise as [`forward_batch`](Differentiable::forward_batch).
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
    /// let (y, jv) = net.jvp_batch(&[1.0, 1.0, 0.0, 1.0], &[1.0, 0.0, 0.0, 1.0]).unwrap();
    /// assert_eq!((y, jv), (vec![5.0, 3.0], vec![2.0, 3.0]));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn jvp_batch(
        &self,
        xs: &[f64],
        vs: &[f64],
    ) -> Result<(Vec<f64>, Vec<f64>), BatchError<Self::Error>>
    where
        Self: Sync,
    {
        let (n, m) = (self.input_len(), self.output_len());
        let k = batch::points("xs", xs.len(), n)?;
        batch::same_len("vs", vs.len(), xs.len())?;
        batch::run(k, [m, m], |p, y, jv| {
            let at = p * n..(p + 1) * n;
            let (v, d) = self.jvp(&xs[at.clone()], &vs[at]).map_err(batch::at(p))?;
            batch::put(p, y, &v)?;
            batch::put(p, jv, &d)
        })
    }

    /// The outputs and Jacobians at each point of `xs`: `(ys, js)`, `ys` `k·m` values and
    /// `js` the `k` Jacobians one after another, each `m×n` row-major
    /// (`js[(p·m + i)·n + j]` = `∂yᵢ/∂xⱼ` at point `p`).
    ///
    /// # Errors
    /// As [`forward_batch`](Differentiable::forward_batch).
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, BatchError, Differentiable};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3; 1 0];\ny = IW1_1*x;")?;
    /// let (y, js) = net.jacobian_batch(&[1.0, 1.0, 0.0, 1.0]).unwrap();
    /// assert_eq!(y, vec![5.0, 1.0, 3.0, 0.0]);
    /// assert_eq!(js, vec![2.0, 3.0, 1.0, 0.0, 2.0, 3.0, 1.0, 0.0]);
    /// let e = net.jacobian_batch(&[1.0, 1.0, 0.0]).unwrap_err();
    /// assert!(matches!(e, BatchError::Shape { argument: "xs", got: 3, .. }));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    fn jacobian_batch(&self, xs: &[f64]) -> Result<(Vec<f64>, Vec<f64>), BatchError<Self::Error>>
    where
        Self: Sync,
    {
        let (n, m) = (self.input_len(), self.output_len());
        let k = batch::points("xs", xs.len(), n)?;
        batch::run(k, [m, m * n], |p, y, js| {
            let (v, j) = self
                .jacobian(&xs[p * n..(p + 1) * n])
                .map_err(batch::at(p))?;
            batch::put(p, y, &v)?;
            batch::put_matrix(p, js, &j, m)
        })
    }
}

/// `name[i]` for a vector, `name[i,j,…]` for a tensor: one label per value of a tensor of
/// `shape`, row-major. A leading batch dimension of 1 is left out, since a point is one sample.
pub(crate) fn tensor_labels(name: &str, shape: &[usize]) -> Vec<String> {
    let dims = match shape {
        [1, rest @ ..] if !rest.is_empty() => rest,
        _ => shape,
    };
    let len: usize = dims.iter().product();
    (0..len)
        .map(|flat| {
            let mut rest = flat;
            let mut index = vec![0; dims.len()];
            for (slot, &d) in index.iter_mut().zip(dims).rev() {
                *slot = rest % d;
                rest /= d;
            }
            let index: Vec<String> = index.iter().map(usize::to_string).collect();
            format!("{name}[{}]", index.join(","))
        })
        .collect()
}

/// What a batch method reports: a shape that does not fit, or the lowest point that failed.
///
/// ```
/// use nngrad_core::{matlab::ShallowNet, BatchError, Differentiable};
/// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
/// let e = net.forward_batch(&[1.0; 5]).unwrap_err();
/// assert_eq!(e.to_string(), "xs has 5 values, expected a multiple of the input length 2");
/// # Ok::<(), nngrad_core::matlab::Error>(())
/// ```
#[derive(Debug)]
pub enum BatchError<E> {
    /// An argument's length does not fit the model or the other arguments.
    Shape {
        /// Which argument (`"xs"`, `"vs"`).
        argument: &'static str,
        /// What its length had to be.
        expected: String,
        /// Its length.
        got: usize,
    },
    /// Point `index` failed (the lowest such index) with the model's error `source`.
    Point {
        /// The point's position in the batch, from 0.
        index: usize,
        /// The model's error at that point.
        source: E,
    },
    /// Point `index` gave `got` outputs where the model declares `expected`.
    Output {
        /// The point's position in the batch, from 0.
        index: usize,
        /// [`Differentiable::output_len`].
        expected: usize,
        /// The number of outputs it gave.
        got: usize,
    },
}

impl<E> BatchError<E> {
    /// The index of the failing point, if the error is about one point.
    ///
    /// ```
    /// use nngrad_core::BatchError;
    /// let e: BatchError<std::io::Error> = BatchError::Output { index: 3, expected: 2, got: 1 };
    /// assert_eq!(e.index(), Some(3));
    /// ```
    pub fn index(&self) -> Option<usize> {
        match self {
            BatchError::Shape { .. } => None,
            BatchError::Point { index, .. } | BatchError::Output { index, .. } => Some(*index),
        }
    }
}

impl<E: fmt::Display> fmt::Display for BatchError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BatchError::Shape {
                argument,
                expected,
                got,
            } => write!(f, "{argument} has {got} values, expected {expected}"),
            BatchError::Point { index, source } => write!(f, "point {index}: {source}"),
            BatchError::Output {
                index,
                expected,
                got,
            } => write!(
                f,
                "point {index}: the model gave {got} outputs, but declares {expected}"
            ),
        }
    }
}

impl<E: std::error::Error + 'static> std::error::Error for BatchError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            BatchError::Point { source, .. } => Some(source),
            _ => None,
        }
    }
}
