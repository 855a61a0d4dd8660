//! The two kinds of trained network the example reads, behind one face.

use nalgebra::DMatrix;
use nngrad_core::matlab::ShallowNet;
use nngrad_core::onnx::Model;
use std::path::Path;

pub enum Net {
    Onnx(Model),
    Matlab(ShallowNet),
}

impl Net {
    /// Loads an ONNX model, or a MATLAB `genFunction` export when the file ends in `.m`.
    /// Errors are one line and name the file.
    pub fn load(path: &Path, output: Option<&str>) -> Result<Net, String> {
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
            return ShallowNet::load(path)
                .map(Net::Matlab)
                .map_err(|e| match e {
                    // The I/O error names the file already; parse errors only name the line.
                    nngrad_core::matlab::Error::Io { .. } => e.to_string(),
                    _ => format!("{}: {e}", path.display()),
                });
        }
        // The ONNX errors of `load` name the file themselves.
        let model = Model::load(path).map_err(|e| e.to_string())?;
        match output {
            Some(name) => model
                .with_output(name)
                .map(Net::Onnx)
                .map_err(|e| format!("{}: {e}", path.display())),
            None => Ok(Net::Onnx(model)),
        }
    }

    pub fn input_len(&self) -> usize {
        match self {
            Net::Onnx(m) => m.input_len(),
            Net::Matlab(m) => m.input_len(),
        }
    }

    /// One label per flattened input, from the model's own names: `X[3]`, `input[2,5,0]`
    /// (ONNX, batch dimension left out), `x1[0]`, `x2[4]` (MATLAB, one name per argument).
    pub fn input_labels(&self) -> Vec<String> {
        match self {
            Net::Onnx(m) => tensor_labels(m.input_name(), m.input_shape()),
            Net::Matlab(m) => port_labels(m.inputs()),
        }
    }

    /// One label per flattened output, like [`Net::input_labels`].
    pub fn output_labels(&self) -> Vec<String> {
        match self {
            Net::Onnx(m) => tensor_labels(m.output_name(), m.output_shape()),
            Net::Matlab(m) => port_labels(m.outputs()),
        }
    }

    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>, String> {
        match self {
            Net::Onnx(m) => m.forward(x).map_err(|e| e.to_string()),
            Net::Matlab(m) => m.forward(x).map_err(|e| e.to_string()),
        }
    }

    pub fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), String> {
        match self {
            Net::Onnx(m) => m.jacobian(x).map_err(|e| e.to_string()),
            Net::Matlab(m) => m.jacobian(x).map_err(|e| e.to_string()),
        }
    }

    /// Largest |J − central difference| over all entries. The step is scaled to each input
    /// (features range from 0.1 to 1000) and sits near ε^(1/3), where truncation and rounding
    /// errors of a central difference balance.
    pub fn finite_difference_gap(&self, x: &[f64], j: &DMatrix<f64>) -> Result<f64, String> {
        let mut worst = 0.0f64;
        let mut xs = x.to_vec();
        for k in 0..x.len() {
            let h = 6e-6 * x[k].abs().max(1.0);
            xs[k] = x[k] + h;
            let up = self.forward(&xs)?;
            xs[k] = x[k] - h;
            let down = self.forward(&xs)?;
            xs[k] = x[k];
            for (i, (u, d)) in up.iter().zip(&down).enumerate() {
                worst = worst.max(((u - d) / (2.0 * h) - j[(i, k)]).abs());
            }
        }
        Ok(worst)
    }
}

/// `name[i]` for a vector, `name[i,j,…]` for a tensor; a leading batch dimension of 1 is
/// left out since every point is one sample.
fn tensor_labels(name: &str, shape: &[usize]) -> Vec<String> {
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

fn port_labels(ports: &[nngrad_core::matlab::Port]) -> Vec<String> {
    ports
        .iter()
        .flat_map(|p| (0..p.len).map(move |i| format!("{}[{i}]", p.name)))
        .collect()
}
