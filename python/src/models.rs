//! The two Python classes. Each is a loader (its constructor, its names, its pickling) around
//! a Rust model; everything they compute goes through the generic functions of
//! [`crate::batch`], written into both classes by [`differentiable_methods!`].

use std::path::PathBuf;

use nngrad_core::{matlab, onnx};
use numpy::PyArray2;
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString, PyTuple, PyType};

use crate::batch;
use crate::error;

/// The methods both classes share, each delegating to the generic code of [`crate::batch`]
/// with the class's `model` field; `$own` are the class's own items (constructor, names).
macro_rules! differentiable_methods {
    ($class:ty, { $($own:tt)* }) => {
        #[pymethods]
        impl $class {
            $($own)*

            /// Number of input values per point (``n``): the width of ``X``.
            #[getter]
            fn input_len(&self) -> usize {
                nngrad_core::Differentiable::input_len(&self.model)
            }

            /// Number of output values per point (``m``).
            #[getter]
            fn output_len(&self) -> usize {
                nngrad_core::Differentiable::output_len(&self.model)
            }

            /// Outputs at ``X``.
            ///
            /// ``X`` is one point of shape ``(n,)`` or a batch ``(batch, n)``: a numpy array
            /// of any float or integer dtype and any memory layout, or a (nested) list.
            /// Returns float64 of shape ``(m,)`` or ``(batch, m)``.
            ///
            /// The points are evaluated in parallel with the GIL released, on ``threads``
            /// worker threads (default: ``RAYON_NUM_THREADS`` or every core).
            /// Raises ``nngrad.Error`` for a wrong shape or a point the model cannot evaluate.
            #[pyo3(signature = (X, *, threads=None))]
            #[allow(non_snake_case)]
            fn forward<'py>(
                &self,
                py: Python<'py>,
                X: &Bound<'py, PyAny>,
                threads: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyAny>> {
                batch::forward(py, &self.model, X, threads)
            }

            /// Outputs and exact Jacobians at ``X``: ``(Y, J)``.
            ///
            /// For ``X`` of shape ``(n,)``: ``Y`` is ``(m,)`` and ``J`` is ``(m, n)`` with
            /// ``J[i, j] = dY[i]/dX[j]``. For ``(batch, n)``: ``Y`` is ``(batch, m)`` and ``J``
            /// is ``(batch, m, n)``. float64, computed by forward-mode dual numbers (exact to
            /// rounding, no step size). Parallel over points with the GIL released; ``threads``
            /// as in ``forward``.
            #[pyo3(signature = (X, *, threads=None))]
            #[allow(non_snake_case)]
            fn jacobian<'py>(
                &self,
                py: Python<'py>,
                X: &Bound<'py, PyAny>,
                threads: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
                batch::jacobian(py, &self.model, X, threads)
            }

            /// Outputs and Jacobian-vector products at ``X`` along ``V``: ``(Y, JV)``.
            ///
            /// ``V`` has the shape of ``X`` (one tangent per point). For ``X`` of shape
            /// ``(n,)`` both results are ``(m,)``; for ``(batch, n)`` both are ``(batch, m)``.
            /// One pass per point, however many inputs: cheaper than ``jacobian`` when only a
            /// direction is needed.
            #[pyo3(signature = (X, V, *, threads=None))]
            #[allow(non_snake_case)]
            fn jvp<'py>(
                &self,
                py: Python<'py>,
                X: &Bound<'py, PyAny>,
                V: &Bound<'py, PyAny>,
                threads: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
                batch::jvp(py, &self.model, X, V, threads)
            }

            /// Dataset-wide input sensitivity: the ``(m, n)`` reduction over the points of
            /// ``X`` (``(batch, n)``, or one point ``(n,)``) of their Jacobians.
            ///
            /// ``reduce`` is ``"mean_abs"`` (mean of ``|J|``), ``"mean"`` (mean of ``J``),
            /// ``"rms"`` (root mean square) or ``"max_abs"`` (largest ``|J|``). The reduction
            /// runs in Rust as blocks of ``block`` points are done, so the ``(batch, m, n)``
            /// Jacobians are never held: memory stays at one block (default: about 2**20
            /// Jacobian entries). Points are folded in order, so the result is the same for
            /// any ``block`` and ``threads``. Returns float64 ``(m, n)``.
            #[pyo3(
                signature = (X, reduce=None, *, block=None, threads=None),
                text_signature = "(self, /, X, reduce='mean_abs', *, block=None, threads=None)"
            )]
            #[allow(non_snake_case)]
            fn sensitivity<'py>(
                &self,
                py: Python<'py>,
                X: &Bound<'py, PyAny>,
                reduce: Option<&Bound<'py, PyAny>>,
                block: Option<&Bound<'py, PyAny>>,
                threads: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyArray2<f64>>> {
                batch::sensitivity(py, &self.model, X, reduce, block, threads)
            }
        }
    };
}

/// What a `source` argument names: a file, or the file's bytes.
enum Source {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

impl Source {
    /// Reads `source`: `bytes`/`bytearray`/`memoryview` are contents, `str`/`os.PathLike` a
    /// path; anything else is an error naming what came.
    fn new(source: &Bound<'_, PyAny>, bytes_allowed: bool) -> PyResult<Source> {
        let py = source.py();
        if bytes_allowed {
            if let Ok(b) = source.cast::<PyBytes>() {
                return Ok(Source::Bytes(b.as_bytes().to_vec()));
            }
            if let Ok(b) = source.cast::<PyByteArray>() {
                return Ok(Source::Bytes(b.to_vec()));
            }
            if source.hasattr("__buffer__")? || source.get_type().name()? == "memoryview" {
                let b = py
                    .get_type::<PyBytes>()
                    .call1((source,))
                    .map_err(|e| error(format!("cannot read the buffer as bytes: {e}")))?;
                return Ok(Source::Bytes(b.cast::<PyBytes>()?.as_bytes().to_vec()));
            }
        }
        if source.is_instance_of::<PyString>() || source.hasattr("__fspath__")? {
            let os = py.import("os")?;
            let path: String = os
                .call_method1("fsdecode", (os.call_method1("fspath", (source,))?,))?
                .extract()?;
            return Ok(Source::Path(PathBuf::from(path)));
        }
        let expected = if bytes_allowed {
            "a path (str or os.PathLike) or the file's bytes"
        } else {
            "a path (str or os.PathLike)"
        };
        Err(error(format!(
            "source must be {expected}, got {}",
            source.get_type().name()?
        )))
    }

    /// The contents, and the file name to prefix errors with (none for bytes).
    fn read(self) -> Result<(Vec<u8>, Option<PathBuf>), String> {
        match self {
            Source::Bytes(b) => Ok((b, None)),
            Source::Path(p) => match std::fs::read(&p) {
                Ok(b) => Ok((b, Some(p))),
                Err(e) => Err(format!("cannot read {}: {e}", p.display())),
            },
        }
    }
}

/// The `str` argument `what`, or an error saying it must be `expected`.
fn text_arg(what: &str, expected: &str, value: &Bound<'_, PyAny>) -> PyResult<String> {
    value.extract().map_err(|_| {
        let got = value.get_type().name().map(|n| n.to_string());
        error(format!(
            "{what} must be {expected}, got {}",
            got.unwrap_or_default()
        ))
    })
}

/// `['a', 'b']`: names as Python prints a list of them (for the reprs).
fn py_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Prefixes a load error with the file it came from, as the Rust loaders' `load` do.
fn in_file(path: &Option<PathBuf>, e: impl std::fmt::Display) -> String {
    match path {
        Some(p) => format!("{}: {e}", p.display()),
        None => e.to_string(),
    }
}

/// An ONNX network, ready to give outputs, Jacobians and JVPs.
///
/// ``source`` is the path of an ``.onnx`` file (``str`` or ``os.PathLike``) or its
/// contents as ``bytes``. ``output`` names the graph output to differentiate; by default the
/// first floating-point output (a classifier's probabilities rather than its label).
///
/// The network's single runtime input is flattened to ``input_len`` values per point (C
/// order: an image input of shape ``(1, 8, 8, 1)`` takes 64), and the selected output to
/// ``output_len`` values. Loading or evaluation problems raise ``nngrad.Error`` with the Rust
/// loader's message (unsupported operator, malformed file, unknown output, ...).
///
/// Models are immutable and thread-safe; they pickle (re-created from their bytes), so
/// Dask, Ray and multiprocessing can send them to workers.
///
/// Example::
///
///     model = nngrad.Model("model.onnx")
///     Y, J = model.jacobian(X)   # X (batch, n) -> Y (batch, m), J (batch, m, n)
///     S = model.sensitivity(X)   # (m, n) mean |dY/dX| over the dataset
#[pyclass(module = "nngrad", name = "Model", frozen)]
pub struct PyModel {
    model: onnx::Model,
    bytes: Vec<u8>,
    output: Option<String>,
}

differentiable_methods!(PyModel, {
    #[new]
    #[pyo3(signature = (source, output=None))]
    fn new(
        py: Python<'_>,
        source: &Bound<'_, PyAny>,
        output: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let source = Source::new(source, true)?;
        let output = match output.filter(|o| !o.is_none()) {
            None => None,
            Some(o) => Some(text_arg(
                "output",
                "None or a graph output's name (str)",
                o,
            )?),
        };
        let (bytes, model) = py
            .detach(|| {
                let (bytes, path) = source.read()?;
                let model = onnx::Model::from_bytes(&bytes)
                    .and_then(|m| match &output {
                        Some(name) => m.with_output(name),
                        None => Ok(m),
                    })
                    .map_err(|e| in_file(&path, e))?;
                Ok::<_, String>((bytes, model))
            })
            .map_err(error)?;
        Ok(PyModel {
            model,
            bytes,
            output,
        })
    }

    /// Names of the runtime inputs (one for an ONNX model).
    #[getter]
    fn input_names(&self) -> Vec<String> {
        vec![self.model.input_name().to_string()]
    }

    /// Names of all graph outputs, in graph order (any of them can be passed as ``output``).
    #[getter]
    fn output_names(&self) -> Vec<String> {
        self.model
            .output_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Name of the output being differentiated.
    #[getter]
    fn output(&self) -> &str {
        self.model.output_name()
    }

    /// The input's shape as declared (symbolic dimensions taken as 1); ``input_len`` is its
    /// product.
    #[getter]
    fn input_shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.model.input_shape())
    }

    /// The selected output's shape, as evaluated (declared shapes can be wrong).
    #[getter]
    fn output_shape<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        PyTuple::new(py, self.model.output_shape())
    }

    /// Pickles as ``Model(<the file's bytes>, output)``.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> (Bound<'py, PyType>, (Bound<'py, PyBytes>, Option<String>)) {
        let me = slf.get();
        (
            slf.get_type(),
            (PyBytes::new(slf.py(), &me.bytes), me.output.clone()),
        )
    }

    fn __repr__(&self) -> String {
        format!(
            "nngrad.Model(input '{}' ({} values), output '{}' ({} values), outputs {})",
            self.model.input_name(),
            self.model.input_len(),
            self.model.output_name(),
            self.model.output_len(),
            py_list(&self.model.output_names())
        )
    }
});

/// A MATLAB shallow network exported with ``genFunction`` (a self-contained ``.m`` file),
/// ready to give outputs, Jacobians and JVPs.
///
/// ``path`` is the ``.m`` file (``str`` or ``os.PathLike``); ``ShallowNet.from_source(text)``
/// takes the file's text instead.
///
/// The function's inputs (``x1``, ``x2``, ...) are concatenated into one vector of
/// ``input_len`` values per point, in argument order, and its outputs into ``output_len``
/// values. The input and output processing (``mapminmax``, ``mapstd``,
/// ``removeconstantrows``) is part of the derivative. Unsupported or malformed files raise
/// ``nngrad.Error`` with the source line.
///
/// Networks pickle (re-created from their source text).
#[pyclass(module = "nngrad", name = "ShallowNet", frozen)]
pub struct PyShallowNet {
    model: matlab::ShallowNet,
    source: String,
}

impl PyShallowNet {
    fn parse(py: Python<'_>, text: String, path: Option<PathBuf>) -> PyResult<Self> {
        let model = py
            .detach(|| matlab::ShallowNet::from_source(&text))
            .map_err(|e| error(in_file(&path, e)))?;
        Ok(PyShallowNet {
            model,
            source: text,
        })
    }
}

differentiable_methods!(PyShallowNet, {
    #[new]
    fn new(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<Self> {
        let (bytes, path) = Source::new(path, false)?.read().map_err(error)?;
        // As `ShallowNet::load`: MATLAB files are often Latin-1, whose non-UTF-8 bytes can
        // only sit in comments and strings.
        PyShallowNet::parse(py, String::from_utf8_lossy(&bytes).into_owned(), path)
    }

    /// The network from the text of a ``genFunction`` file.
    #[classmethod]
    fn from_source(cls: &Bound<'_, PyType>, text: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = text_arg("text", "the text of a genFunction file (str)", text)?;
        PyShallowNet::parse(cls.py(), text, None)
    }

    /// The MATLAB function's name.
    #[getter]
    fn name(&self) -> &str {
        self.model.name()
    }

    /// The input variables' names, in the order they are concatenated.
    #[getter]
    fn input_names(&self) -> Vec<String> {
        self.model
            .input_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// The output variables' names, in the order they are concatenated.
    #[getter]
    fn output_names(&self) -> Vec<String> {
        self.model
            .output_names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Pickles as ``ShallowNet.from_source(<the file's text>)``.
    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<(Bound<'py, PyAny>, (String,))> {
        Ok((
            slf.get_type().getattr("from_source")?,
            (slf.get().source.clone(),),
        ))
    }

    fn __repr__(&self) -> String {
        format!(
            "nngrad.ShallowNet('{}', inputs {} ({} values), outputs {} ({} values))",
            self.model.name(),
            py_list(&self.model.input_names()),
            self.model.input_len(),
            py_list(&self.model.output_names()),
            self.model.output_len()
        )
    }
});
