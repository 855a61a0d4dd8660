//! numpy in and out: any real-valued array-like becomes one C-contiguous float64 array of
//! points (converted once, not copied when it already is one); results go back as float64
//! arrays that own the Rust buffers.

use numpy::ndarray::{ArrayD, IxDyn};
use numpy::{IntoPyArray, PyArrayDyn, PyArrayMethods, PyReadonlyArrayDyn, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict};

use crate::error;

/// Points read from Python: `(n,)` is one point, `(batch, n)` a batch.
pub struct Points<'py> {
    array: PyReadonlyArrayDyn<'py, f64>,
    /// Whether the input had a batch axis (results keep it; a 1-D input drops it).
    pub batched: bool,
    /// Number of points.
    pub count: usize,
}

impl<'py> Points<'py> {
    /// Converts `obj` (the argument called `what`) to points of `n` values each.
    ///
    /// Accepts lists, tuples and arrays of any float or integer dtype, in any memory layout;
    /// everything else (strings, complex numbers, ragged lists, 0-D or 3-D shapes, a wrong
    /// width) is an [`crate::Error`] saying what was expected.
    pub fn new(py: Python<'py>, obj: &Bound<'py, PyAny>, what: &str, n: usize) -> PyResult<Self> {
        let np = py.import("numpy")?;
        let any = np
            .call_method1("asarray", (obj,))
            .map_err(|e| error(format!("{what} must be an array of numbers: {e}")))?;
        let dtype = any.getattr("dtype")?;
        let kind: String = dtype.getattr("kind")?.extract()?;
        if !matches!(kind.as_str(), "f" | "i" | "u") {
            return Err(error(format!(
                "{what} must hold real numbers (a float or integer dtype), got dtype {}",
                dtype.str()?
            )));
        }
        // the shape before conversion: `require` makes a 0-D input 1-D
        let shape: Vec<usize> = any.getattr("shape")?.extract()?;
        let (batched, count) = match shape[..] {
            [w] if w == n => (false, 1),
            [k, w] if w == n => (true, k),
            _ => {
                return Err(error(format!(
                    "{what} must have shape ({n},) for one point or (batch, {n}) for a batch, \
                     got shape {}",
                    shape_str(&shape)
                )))
            }
        };
        // C order and aligned (a block unpickled from a byte buffer can be misaligned); no
        // copy when the input already is such a float64 array
        let kw = PyDict::new(py);
        kw.set_item("dtype", np.getattr("float64")?)?;
        kw.set_item("requirements", "CA")?;
        let array = np
            .call_method("require", (any,), Some(&kw))?
            .cast_into::<PyArrayDyn<f64>>()?
            .readonly();
        Ok(Points {
            array,
            batched,
            count,
        })
    }

    /// The points, row-major (`count · n` values).
    pub fn values(&self) -> PyResult<&[f64]> {
        self.array.as_slice().map_err(|e| {
            error(format!(
                "cannot read the converted array: {e} (numpy.require returned it)"
            ))
        })
    }

    /// The shape of the input, for messages comparing two arguments.
    pub fn shape(&self) -> Vec<usize> {
        self.array.shape().to_vec()
    }
}

/// `(3,)`, `(2, 13)`: a shape as Python prints it.
pub fn shape_str(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A float64 array of `dims` per point, with a leading batch axis of `count` when `batched`
/// (as the input had one), owning `data`.
pub fn per_point<'py>(
    py: Python<'py>,
    data: Vec<f64>,
    batched: bool,
    count: usize,
    dims: &[usize],
) -> PyResult<Bound<'py, PyAny>> {
    let shape: Vec<usize> = if batched {
        std::iter::once(count).chain(dims.iter().copied()).collect()
    } else {
        dims.to_vec()
    };
    array(py, data, &shape)
}

/// A float64 array of `shape` owning `data` (row-major).
pub fn array<'py>(py: Python<'py>, data: Vec<f64>, shape: &[usize]) -> PyResult<Bound<'py, PyAny>> {
    let got = data.len();
    let a = ArrayD::from_shape_vec(IxDyn(shape), data).map_err(|_| {
        error(format!(
            "the model returned {got} values where shape {} needs {}",
            shape_str(shape),
            shape.iter().product::<usize>()
        ))
    })?;
    Ok(a.into_pyarray(py).into_any())
}

/// Reads an optional count argument called `what`: `None`, or an integer from 1 to `max`
/// (not a bool, not a float); anything else is an [`crate::Error`] saying so.
pub fn count_arg(
    what: &str,
    value: Option<&Bound<'_, PyAny>>,
    max: usize,
) -> PyResult<Option<usize>> {
    let Some(v) = value.filter(|v| !v.is_none()) else {
        return Ok(None);
    };
    match v.extract::<i64>() {
        Ok(c) if !v.is_instance_of::<PyBool>() && (1..=max as i64).contains(&c) => {
            Ok(Some(c as usize))
        }
        _ => Err(error(format!(
            "{what} must be None or an integer from 1 to {max}, got {}",
            v.repr()?
        ))),
    }
}
