//! Loading a trained network by file kind, once; everything after it is generic over
//! [`Differentiable`], so the example never enumerates model kinds again.
//!
//! The loaded model is handed to a [`Job`] rather than returned: the two loaders give two
//! types, and `Differentiable` (with its generic `eval`) cannot be a trait object. A generic
//! job keeps every call statically dispatched.

use nalgebra::DMatrix;
use nngrad_core::matlab::ShallowNet;
use nngrad_core::onnx::Model;
use nngrad_core::Differentiable;
use std::path::Path;

/// What to do with the model once it is loaded.
pub trait Job {
    /// Runs on the loaded model.
    fn run<M: Differentiable + Sync>(self, model: &M) -> Result<(), String>;
}

/// Loads an ONNX model, or a MATLAB `genFunction` export when the file ends in `.m`, and
/// runs `job` on it. Errors are one line and name the file.
pub fn with_model(path: &Path, output: Option<&str>, job: impl Job) -> Result<(), String> {
    let is_m = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("m"));
    if is_m {
        if output.is_some() {
            return Err(format!(
                "{}: --output selects an ONNX graph output; a genFunction network has no \
                 named outputs to choose from",
                path.display()
            ));
        }
        let net = ShallowNet::load(path).map_err(|e| match e {
            // The I/O error names the file already; parse errors only name the line.
            nngrad_core::matlab::Error::Io { .. } => e.to_string(),
            _ => format!("{}: {e}", path.display()),
        })?;
        return job.run(&net);
    }
    // The ONNX errors of `load` name the file themselves.
    let model = Model::load(path).map_err(|e| e.to_string())?;
    match output {
        Some(name) => job.run(
            &model
                .with_output(name)
                .map_err(|e| format!("{}: {e}", path.display()))?,
        ),
        None => job.run(&model),
    }
}

/// Largest |J − central difference| over all entries. The step is scaled to each input
/// (features range from 0.1 to 1000) and sits near ε^(1/3), where truncation and rounding
/// errors of a central difference balance.
pub fn finite_difference_gap(
    net: &impl Differentiable,
    x: &[f64],
    j: &DMatrix<f64>,
) -> Result<f64, String> {
    let mut worst = 0.0f64;
    let mut xs = x.to_vec();
    for k in 0..x.len() {
        let h = 6e-6 * x[k].abs().max(1.0);
        xs[k] = x[k] + h;
        let up = net.forward(&xs).map_err(|e| e.to_string())?;
        xs[k] = x[k] - h;
        let down = net.forward(&xs).map_err(|e| e.to_string())?;
        xs[k] = x[k];
        for (i, (u, d)) in up.iter().zip(&down).enumerate() {
            worst = worst.max(((u - d) / (2.0 * h) - j[(i, k)]).abs());
        }
    }
    Ok(worst)
}
