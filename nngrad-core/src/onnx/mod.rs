//! Load ONNX models (MATLAB, Keras/tf2onnx, PyTorch, scikit-learn exports) and differentiate
//! them exactly.
//!
//! [`Model::load`] reads a file; [`Model::forward`], [`Model::jacobian`] and [`Model::jvp`]
//! evaluate and differentiate the selected output; [`Model::eval`] is generic over
//! [`Scalar`](crate::Scalar), so a model composes with every helper of the crate
//! ([`hessian`](crate::hessian), [`laplacian`](crate::laplacian), …).
//!
//! ```
//! use nngrad_core::onnx::Model;
//! let model = Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
//!     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx"))?;
//! let (y, j) = model.jacobian(&[0.01; 10])?;
//! println!("y = {y:?}, dy/dx = {j}");
//! # Ok::<(), nngrad_core::onnx::Error>(())
//! ```
//!
//! ## Semantics
//! * Evaluation is in f64 (float32 weights are widened exactly; `Cast` between float types
//!   keeps f64). Integer tensors (shapes, indices) stay integers and carry no derivative.
//! * Kinks: `Relu`'s derivative at 0 is 0, `LeakyRelu`'s is `alpha` and `PRelu`'s is its
//!   `slope` (`x > 0 ? x : slope·x`, so a zero slope is `Relu`, and the slope's own derivative
//!   at 0 is 0); `Relu(NaN)` is NaN; `MaxPool`, `ReduceMax`, `Max` and `Min` give the
//!   derivative to the first extreme element (row-major within a window), as JAX and
//!   TensorFlow do; `Clip` keeps the input's derivative at the bounds.
//! * Piecewise and discrete operators: comparisons, logic, `IsNaN`/`IsInf`, `ArgMin`/`ArgMax`
//!   and `Size` give integer (bool) tensors without derivative; `Where` passes the derivative
//!   of the branch it selects and never blends branches (a `-inf` not selected cannot turn
//!   into NaN); `Floor`, `Ceil`, `Round`, `Sign` and `Hardmax` have derivative 0; `Mod` has
//!   derivative 1 with respect to the dividend and `−q` with respect to the divisor between
//!   jumps; `TopK`, gathers and scatters follow the elements they select (ties to the lower
//!   index, as ONNX); `Resize` and `Pad` differentiate through their interpolation weights
//!   and copies; `Einsum` as the contraction it names.
//! * Opset-6–9 exports (MATLAB): legacy attributes are ignored, `Gemm` flattens an N-D
//!   input from axis 1, initializers listed as graph inputs are constants.
//! * Loading infers every value's shape from the runtime input's declared shape with each
//!   operator's shape rule, checks every attribute and initializer against its operator,
//!   and bounds every size by [`LoadOptions`] ([`Model::from_bytes_with`]); nothing is
//!   evaluated at load. A hostile file is an error, never an abort or a hang; zero-size
//!   tensors give ONNX's zero-size results. A file of another kind (MATLAB `.m`, Keras
//!   `.h5`/`.keras`, PyTorch `.pt`, a SavedModel folder, text) is recognised and the error
//!   ([`Error::OtherFormat`]) says what to do.
//! * An operator outside the supported set (listed with opset ranges in
//!   `docs/onnx-operators.md`), or a vendor one (`com.MathWorks.Placeholder`), is an
//!   [`Error::UnsupportedOp`] when the selected output depends on it; the error lists every
//!   such operator of the model with its opset and nodes.

mod budget;
mod error;
mod load;
mod model;
mod ops;
mod options;
pub mod proto;
mod sniff;
mod tangent;
mod tensor;
mod validate;

pub use error::{Error, UnsupportedOperator};
pub use model::Model;
pub use ops::{supported_operators, supported_operators_markdown, OperatorInfo};
pub use options::{Limit, LoadOptions};
