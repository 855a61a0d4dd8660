//! Loading a trained network by file kind, once; everything after it is generic over
//! [`Differentiable`], so no command enumerates model kinds again.
//!
//! The loaded model is handed to a [`Job`] rather than returned: the two loaders give two
//! types, and `Differentiable` (with its generic `eval`) cannot be a trait object. A generic
//! job keeps every call statically dispatched.

use nngrad_core::matlab::ShallowNet;
use nngrad_core::onnx::Model;
use nngrad_core::Differentiable;
use std::path::Path;

/// What to do with the model once it is loaded.
pub trait Job {
    /// What the job gives back.
    type Output;

    /// Runs on the loaded model, of whichever kind the file held.
    ///
    /// # Errors
    /// One line, for the user.
    fn run<M: Differentiable + Sync>(
        self,
        model: &M,
        kind: Kind<'_>,
    ) -> Result<Self::Output, String>;
}

/// The loaded model as its own type, for what only one kind has (ONNX producer and opset,
/// the MATLAB layers); everything else goes through [`Differentiable`].
#[derive(Clone, Copy)]
pub enum Kind<'a> {
    /// An ONNX graph.
    Onnx(&'a Model),
    /// A MATLAB `genFunction` export.
    Matlab(&'a ShallowNet),
}

/// Whether `path` names a MATLAB `genFunction` file (`.m`) rather than an ONNX model.
///
/// ```
/// assert!(nngrad_cli::model::is_matlab("net/myNeuralNetworkFunction.m".as_ref()));
/// assert!(!nngrad_cli::model::is_matlab("model.onnx".as_ref()));
/// ```
pub fn is_matlab(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("m"))
}

/// Loads an ONNX model, or a MATLAB `genFunction` export when the file ends in `.m`, with the
/// graph output `output` selected (ONNX only), and runs `job` on it.
///
/// # Errors
/// One line naming the file: unreadable, a directory, not a model, an unknown output; or the
/// job's own error.
///
/// ```
/// use nngrad_cli::model::{with_model, Job, Kind};
/// use nngrad_core::Differentiable;
///
/// struct Sizes;
/// impl Job for Sizes {
///     type Output = (usize, usize);
///     fn run<M: Differentiable + Sync>(self, m: &M, _: Kind<'_>) -> Result<(usize, usize), String> {
///         Ok((m.input_len(), m.output_len()))
///     }
/// }
/// let path = concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx");
/// assert_eq!(with_model(path.as_ref(), None, Sizes)?, (13, 3));
/// let e = with_model(path.as_ref(), Some("nope"), Sizes).unwrap_err();
/// assert!(e.contains("nope") && e.contains("probabilities"), "{e}");
/// # Ok::<(), String>(())
/// ```
pub fn with_model<J: Job>(path: &Path, output: Option<&str>, job: J) -> Result<J::Output, String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!(
            "{shown}: is a directory; give the model file (.onnx, or a genFunction .m file)"
        ));
    }
    if is_matlab(path) {
        if output.is_some() {
            return Err(format!(
                "{shown}: --output selects an ONNX graph output; a genFunction network has no \
                 named outputs to choose from"
            ));
        }
        let net = ShallowNet::load(path).map_err(|e| match e {
            // The I/O error names the file already; parse errors only name the line.
            nngrad_core::matlab::Error::Io { .. } => e.to_string(),
            _ => format!("{shown}: {e}"),
        })?;
        return job.run(&net, Kind::Matlab(&net));
    }
    // The ONNX errors of `load` name the file themselves.
    let model = Model::load(path).map_err(|e| e.to_string())?;
    let model = match output {
        Some(name) => model.with_output(name).map_err(|e| match e {
            // It lists the outputs there are.
            nngrad_core::onnx::Error::NoSuchOutput { .. } => format!("{shown}: {e}"),
            _ => format!("{shown}: output '{name}': {e}"),
        })?,
        None => model,
    };
    job.run(&model, Kind::Onnx(&model))
}
