#![warn(missing_docs)]
//! # nngrad-core
//!
//! Exact derivatives of a program's outputs with respect to its inputs, by forward-mode dual
//! numbers.
//!
//! * [`Scalar`]: the bound for generic numeric code, implemented by `f64` and every dual type.
//! * [`Dual`], [`DualN`]: one tangent, or `N` tangent lanes; nest them for higher orders.
//!   [`Taylor2`]: `N` lanes and their summed second derivatives (Laplacians in one pass per
//!   `N` inputs).
//! * Helpers returning value and derivative together: [`derivative`], [`jvp`], [`gradient`],
//!   [`jacobian`], [`hessian`], [`hvp`], [`laplacian`], [`weighted_laplacian`],
//!   [`hessian_diagonal`], [`divergence`]; sparse Jacobians in [`sparse`].
//!
//! ```
//! use nngrad_core::{jacobian, Scalar};
//! fn f<S: Scalar>(x: &[S]) -> Vec<S> {
//!     vec![x[0] * x[1], x[0].sin()]
//! }
//! let (y, j) = jacobian(|x| f(x), &[2.0, 3.0]);
//! assert_eq!(y, vec![6.0, 2f64.sin()]);
//! assert_eq!(j[(0, 0)], 3.0);
//! assert_eq!(j[(1, 0)], 2f64.cos());
//! ```
//!
//! Plain `f64` code becomes generic with [`#[differentiable]`](differentiable): see the
//! [`guide`].
//!
//! ## Which API do I want
//!
//! | you have | use |
//! |---|---|
//! | a function of a few variables | [`derivative`], [`gradient`], [`jacobian`], [`hessian`], [`laplacian`] on a closure generic over [`Scalar`] |
//! | plain `f64` Rust code | [`#[differentiable]`](differentiable) on it, then the helpers above ([`guide`]) |
//! | a model struct of your own | implement [`Differentiable`] (its `eval` may be `#[differentiable]` code) |
//! | an ONNX file (PyTorch, Keras, scikit-learn, MATLAB exports) | [`onnx::Model::load`] |
//! | a MATLAB `genFunction` `.m` file | [`matlab::ShallowNet::load`] |
//! | a dense tanh/relu network in memory | [`dense::Mlp`] |
//! | many points, all cores | [`Differentiable::jacobian_batch`], [`Differentiable::jvp_batch`], [`Differentiable::forward_batch`] |
//! | a fallible function | [`try_jacobian`], [`try_gradient`], [`try_jvp`], [`try_derivative`] |
//!
//! Every model — loaded or written — implements [`Differentiable`], so code written for one
//! takes any:
//!
//! ```
//! use nngrad_core::{onnx::Model, Differentiable};
//! fn mean_abs_sensitivity<M: Differentiable + Sync>(model: &M, xs: &[f64]) -> Vec<f64> {
//!     let (n, m) = (model.input_len(), model.output_len());
//!     let (_, js) = model.jacobian_batch(xs).expect("valid points");
//!     let k = (xs.len() / n).max(1) as f64;
//!     (0..m * n).map(|e| js.iter().skip(e).step_by(m * n).map(|v| v.abs()).sum::<f64>() / k).collect()
//! }
//! let model = Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
//!     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx"))?;
//! let s = mean_abs_sensitivity(&model, &vec![0.01; 4 * 10]);
//! assert_eq!(s.len(), 10);
//! # Ok::<(), nngrad_core::onnx::Error>(())
//! ```
//!
//! ## Kinks
//! Where a function has a kink, the derivative is that of the branch the primal computation
//! takes: `relu'(0) = 0`, `abs'(0) = 0`, `max`/`min` keep the receiver's derivative on a tie
//! (so the first of equal values wins, as in JAX and TensorFlow), `clamp` keeps `x`'s
//! derivative on the interval's closed ends. `leaky_relu` and `elu` have slope `alpha` at 0,
//! and so has ONNX `PRelu` (slope `slope` at 0, as `x > 0 ? x : slope·x`), so that all three
//! agree with `relu'(0) = 0` when the slope is 0. `hypot` and `atan2` at the origin have both
//! partials 0 (as `abs`, which `hypot(x, 0)` is). `relu(NaN)` is NaN with derivative 0 (as in
//! PyTorch and JAX), not `f64::max`'s 0.
//!
//! ## Infinite local derivatives
//! A tangent that is exactly zero stays exactly zero through a point where the local
//! derivative is infinite (`sqrt`, `cbrt`, `powf`, `ln`, `asin`, `acos`, `atanh`, … at the
//! edge of their domain, `exp` past overflow): `d/dx [x + sqrt(y²)]` at `y = 0` is 1, not NaN.
//! The product of two duals keeps the same promise where a factor's value is infinite (its
//! local derivative for the other factor): `d/dy [2·y]` at `y = ∞` is 2, not `0·∞ = NaN`.
//!
//! ## num-traits and nalgebra
//! nngrad-core is built on nalgebra 0.35 (re-exported as [`nalgebra`]). Every dual type,
//! nested ones included, implements num-traits' `Float`, `FloatConst`, `Signed`, `Num`,
//! `NumCast`, `ToPrimitive`, `FromPrimitive`, and nalgebra's `ComplexField` and `RealField`,
//! so generic numeric code and `DMatrix<Dual<..>>` (determinant, inverse, LU, norms, …)
//! differentiate exactly. These traits share method names with [`Scalar`] (`sin`,
//! `max`, …): generic code with one bound is unambiguous; concrete code should import only
//! one of the traits.
//!
//! ```
//! use nalgebra::DMatrix;
//! use nngrad_core::Dual;
//! fn norm<T: num_traits::Float>(x: T, y: T) -> T { x.hypot(y) }
//! assert_eq!(norm(Dual::variable(3.0), Dual::constant(4.0)).eps(), 0.6);
//! let m = DMatrix::from_row_slice(2, 2, &[Dual::variable(2.0), Dual::constant(1.0),
//!                                        Dual::constant(1.0), Dual::variable(3.0)]);
//! assert_eq!(m.determinant().eps(), 3.0 + 2.0); // d/dt [(2+t)(3+t) − 1] at 0
//! ```

// The generated code names the core crate `::nngrad_core` everywhere, this crate included.
extern crate self as nngrad_core;

/// Makes unchanged `f64` code generic over `S: Scalar`; see the [`guide`].
///
/// ```
/// use nngrad_core::{derivative, differentiable, Dual};
///
/// #[differentiable]
/// fn f(x: f64) -> f64 {
///     let mut acc = 0.0;
///     for k in 1..=3 {
///         acc += (k as f64 * x).sin() / k as f64;
///     }
///     acc
/// }
///
/// assert_eq!(f(0.5), (0.5f64).sin() + (1.0f64).sin() / 2.0 + (1.5f64).sin() / 3.0);
/// let (_, d) = derivative(f, 0.5);
/// assert!((d - ((0.5f64).cos() + (1.0f64).cos() + (1.5f64).cos())).abs() < 1e-15);
/// assert_eq!(f(Dual::variable(0.5)).re(), f(0.5));
/// ```
pub use nngrad_derive::differentiable;

/// Adds `T: Scalar` and the where-clauses of `#[differentiable]` code to a hand-written generic
/// fn, so that it can call differentiable functions.
///
/// ```
/// use nngrad_core::{differentiable, scalar_bounds, Dual, Scalar};
///
/// #[differentiable(wrt(x))]
/// fn scale(x: f64, k: f64) -> f64 { x * k }
///
/// #[scalar_bounds(T)]
/// fn caller<T: Scalar>(x: T) -> T { scale(x, 4.0) + 1.0 }
///
/// assert_eq!(caller(Dual::variable(1.0)).eps(), 4.0);
/// ```
pub use nngrad_derive::scalar_bounds;

mod batch;
pub mod dense;
mod differentiable;
mod dual;
mod first_order;
pub mod guide;
pub mod kernels;
pub mod matlab;
#[cfg(feature = "onnx")]
pub mod onnx;
mod outputs;
#[doc(hidden)]
pub mod private;
mod scalar;
mod second_order;
pub mod sparse;

pub use differentiable::{BatchError, Differentiable};
// Every public item of `dual/` (each type, `DualNum`): a new type is re-exported in `dual/mod.rs` only.
pub use dual::*;
pub use first_order::{
    derivative, divergence, gradient, gradient_chunk, jacobian, jacobian_chunk, jvp,
    try_derivative, try_gradient, try_gradient_chunk, try_jacobian, try_jacobian_chunk, try_jvp,
    Chunk, DEFAULT_CHUNK,
};
pub use outputs::Outputs;
pub use scalar::{AssignOps, BinOps, BinOpsOut, Scalar, ScalarLhs, ScalarRef, ScalarRefLhs};
pub use second_order::{
    hessian, hessian_chunk, hessian_diagonal, hvp, laplacian, model_laplacian, try_laplacian,
    weighted_laplacian, weighted_laplacian as trace_hessian_times,
};

/// The nalgebra crate nngrad-core's matrices come from, version 0.35: name
/// `nngrad_core::nalgebra::DMatrix` (or depend on `nalgebra = "0.35"` yourself) so your
/// matrices and nngrad's are one type. A `DMatrix` is column-major: `as_slice()` lists its
/// columns one after another, so copy it back with `from_column_slice`, not `from_row_slice`
/// (which silently gives a different matrix).
///
/// ```
/// use nngrad_core::nalgebra::DMatrix;
/// let (_, j) = nngrad_core::jacobian(|x| vec![x[0] * x[1]], &[2.0, 3.0]);
/// let mine = DMatrix::from_row_slice(1, 2, &[3.0, 2.0]);
/// assert_eq!(j - mine, DMatrix::zeros(1, 2));
///
/// // J = [3 2; 1 0]: the flat slice is column-major.
/// let (_, j) = nngrad_core::jacobian(|x| vec![x[0] * x[1], x[0]], &[2.0, 3.0]);
/// assert_eq!(j.as_slice(), &[3.0, 1.0, 2.0, 0.0]);
/// assert_eq!(DMatrix::from_column_slice(2, 2, j.as_slice()), j);
/// assert_ne!(DMatrix::from_row_slice(2, 2, j.as_slice()), j); // the transpose
/// ```
pub use nalgebra;
/// The sparse-matrix crate of the [`sparse`] Jacobians' `CscMatrix`, re-exported as `nalgebra`
/// is, so the type can be named without a second dependency.
///
/// ```
/// use nngrad_core::{nalgebra_sparse::CscMatrix, sparse::sparse_jacobian, Scalar};
/// let (_, j): (_, CscMatrix<f64>) = sparse_jacobian(|x| vec![x[0] * 2.0], &[1.0]);
/// assert_eq!(j.nnz(), 1);
/// ```
pub use nalgebra_sparse;

/// The generated code's helpers, under the name the macro emits (`<core>::__private::..`).
#[doc(hidden)]
pub use private as __private;

/// An island of plain `f64` code inside a `#[differentiable]` body: the macro leaves the
/// tokens untouched (literals and types stay `f64`), and `nograd!` itself expands to them.
///
/// ```
/// use nngrad_core::{differentiable, nograd, Dual, Scalar};
/// #[differentiable]
/// fn scaled(x: f64) -> f64 {
///     let table = nograd!(vec![0.25, 0.5, 1.0]); // stays Vec<f64>
///     let i = nograd!((x.value() * 2.0).clamp(0.0, 2.0) as usize);
///     x * table[i]
/// }
/// assert_eq!(scaled(0.6), 0.6 * 0.5);
/// assert_eq!(scaled(Dual::variable(0.6)).eps(), 0.5);
/// ```
#[macro_export]
macro_rules! nograd {
    ($($t:tt)*) => { $($t)* };
}

/// The README's code blocks, compiled and run as doctests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
