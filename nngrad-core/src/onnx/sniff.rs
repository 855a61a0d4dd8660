//! What a file that is not ONNX is: MATLAB code or data, a Keras/HDF5, PyTorch or NumPy file,
//! a TensorFlow SavedModel folder, or plain text, recognised by content so that the error
//! says what to do instead of only "protobuf decoding failed".

use super::Error;
use std::path::Path;

const SHALLOW: &str = "a MATLAB shallow network written by genFunction loads with \
                       nngrad_core::matlab::ShallowNet::load; any other network: export it \
                       from MATLAB with exportONNXNetwork";

/// A recognised foreign format: what it is and what to do.
fn other(format: &str, advice: &str) -> Error {
    Error::OtherFormat {
        format: format.into(),
        advice: advice.into(),
    }
}

/// Whether the first bytes look like text (UTF-8 without control bytes other than
/// whitespace).
fn is_text(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    // a multi-byte character may be cut at the end of the window
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.valid_up_to() + 4 > head.len() && e.error_len().is_none(),
    };
    !head.is_empty()
        && valid
        && head
            .iter()
            .all(|&b| b >= 0x20 || matches!(b, b'\n' | b'\r' | b'\t' | 0x0c))
}

/// The foreign format `bytes` are in, if recognised.
fn recognise(bytes: &[u8]) -> Option<Error> {
    let head = &bytes[..bytes.len().min(8192)];
    let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
    if head.starts_with(b"\x89HDF\r\n\x1a\n") {
        return Some(other(
            "an HDF5 file (a Keras .h5 model?)",
            "convert it to ONNX, e.g. `python -m tf2onnx.convert --keras model.h5 --output \
             model.onnx` (or load it in Keras and use tf2onnx.convert.from_keras)",
        ));
    }
    if head.starts_with(b"PK\x03\x04") {
        if has(b"data.pkl") || has(b"archive/") || has(b"constants.pkl") {
            return Some(other(
                "a PyTorch checkpoint (.pt/.pth zip archive)",
                "load the model in PyTorch and export it with torch.onnx.export(model, \
                 example_input, \"model.onnx\")",
            ));
        }
        if has(b"config.json") || has(b".weights.h5") || has(b"metadata.json") {
            return Some(other(
                "a Keras 3 model (.keras zip archive)",
                "load it in Keras and convert it with tf2onnx (tf2onnx.convert.from_keras)",
            ));
        }
        return Some(other(
            "a zip archive",
            "an ONNX model is a single protobuf file (.onnx), not an archive; extract or \
             export the model as .onnx",
        ));
    }
    if head.len() >= 2 && head[0] == 0x80 && (2..=5).contains(&head[1]) {
        return Some(other(
            "a Python pickle (a legacy PyTorch .pt/.pth or a scikit-learn joblib file?)",
            "export the model to ONNX: torch.onnx.export for PyTorch, skl2onnx for \
             scikit-learn",
        ));
    }
    if head.starts_with(b"\x93NUMPY") {
        return Some(other(
            "a NumPy array file (.npy)",
            "that holds data, not a model: export the model itself to ONNX",
        ));
    }
    if head.starts_with(b"MATLAB 5.0 MAT-file") || head.starts_with(b"MATLAB 7.3 MAT-file") {
        return Some(other(
            "a MATLAB MAT-file (saved variables)",
            &format!("export the network with exportONNXNetwork, or {SHALLOW}"),
        ));
    }
    if is_text(head) {
        let text = String::from_utf8_lossy(head);
        let code = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('%'));
        let matlab = code.is_some_and(|l| l.starts_with("function"))
            || text.lines().any(|l| l.trim_start().starts_with("%")) && text.contains("end");
        if matlab {
            return Some(other("MATLAB code (a .m file)", SHALLOW));
        }
    }
    None
}

/// The error for bytes the protobuf decoder rejected with `message` (or that decoded to no
/// graph, `message` `None`).
pub(crate) fn explain(bytes: &[u8], message: Option<String>) -> Error {
    if let Some(e) = recognise(bytes) {
        return e;
    }
    let text_hint = is_text(bytes).then(|| {
        let start: String = String::from_utf8_lossy(&bytes[..bytes.len().min(40)])
            .chars()
            .take_while(|&c| c != '\n')
            .collect();
        format!(
            "the file is text (it starts \"{start}\"), and an ONNX model is a binary protobuf \
             file; a text export (onnx.printer, JSON) must be converted back with the onnx \
             Python package"
        )
    });
    match (message, text_hint) {
        (Some(m), Some(h)) => Error::Decode {
            message: format!("{m}; {h}"),
        },
        (Some(m), None) => Error::Decode { message: m },
        (None, Some(h)) => Error::Invalid { message: h },
        (None, None) => Error::Invalid {
            message: "the model has no graph (is this an ONNX model?)".into(),
        },
    }
}

/// What a folder given as a model is, if recognised.
pub(crate) fn explain_dir(path: &Path) -> Option<Error> {
    if !path.is_dir() {
        return None;
    }
    if path.join("saved_model.pb").exists() || path.join("saved_model.pbtxt").exists() {
        return Some(other(
            "a TensorFlow SavedModel folder",
            &format!(
                "convert it with `python -m tf2onnx.convert --saved-model {} --output \
                 model.onnx`",
                path.display()
            ),
        ));
    }
    let onnx = std::fs::read_dir(path)
        .ok()?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "onnx"));
    Some(match onnx {
        Some(f) => other(
            "a folder",
            &format!("give the model file itself, e.g. {}", f.display()),
        ),
        None => other(
            "a folder with no .onnx file in it",
            "give the path of an .onnx file",
        ),
    })
}
