//! The `nngrad` Python module: exact Jacobians of ONNX and MATLAB `genFunction` networks
//! for numpy arrays, computed in Rust on every core with the GIL released.
//!
//! Built by maturin (`pip install ./python`); the Python-facing documentation is in the
//! classes' docstrings, `python/nngrad.pyi` and `python/README.md`.

mod arrays;
mod batch;
mod models;
mod pool;
mod reduce;

use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

create_exception!(
    nngrad,
    Error,
    PyValueError,
    "Bad input to nngrad: a file that cannot be loaded, an unsupported operator, an unknown \
     output, an array of the wrong shape or type, a point the model cannot evaluate. The \
     message is the Rust library's."
);

/// An `nngrad.Error` carrying `message`.
fn error(message: impl std::fmt::Display) -> PyErr {
    Error::new_err(message.to_string())
}

/// Exact derivatives of trained networks (ONNX, MATLAB genFunction) for numpy arrays.
///
/// ``nngrad.Model(path_or_bytes, output=None)`` loads an ONNX file,
/// ``nngrad.ShallowNet(path)`` a MATLAB genFunction export. Both give ``forward``,
/// ``jacobian``, ``jvp`` and ``sensitivity`` for one point ``(n,)`` or a batch
/// ``(batch, n)``, computed by forward-mode dual numbers in Rust on all cores.
#[pymodule(name = "nngrad")]
fn nngrad_module(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("Error", m.py().get_type::<Error>())?;
    m.add_class::<models::PyModel>()?;
    m.add_class::<models::PyShallowNet>()?;
    Ok(())
}
