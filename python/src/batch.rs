//! The one code path behind both Python classes: numpy points in, the model's batch methods
//! run with the GIL released inside the requested rayon pool, numpy arrays out. Generic over
//! any [`Differentiable`] model.

use nngrad_core::{BatchError, Differentiable};
use numpy::PyArray2;
use pyo3::prelude::*;

use crate::arrays::{array, count_arg, per_point, shape_str, Points};
use crate::error;
use crate::pool::{pool, threads_arg};
use crate::reduce::{Accumulator, Reduce};

/// Jacobian entries one `sensitivity` block may hold (8 MiB of f64): bounds its memory
/// whatever the dataset's size, while leaving thousands of points per block for the threads
/// of small models.
const BLOCK_ENTRIES: usize = 1 << 20;

/// Runs `work` with the GIL released in the pool `threads` asks for.
fn in_pool<T: Send>(
    py: Python<'_>,
    threads: Option<&Bound<'_, PyAny>>,
    work: impl FnOnce() -> T + Send,
) -> PyResult<T> {
    let pool = pool(threads_arg(threads)?)?;
    Ok(py.detach(|| pool.install(work)))
}

/// `forward(X)`: outputs `(m,)` or `(batch, m)`.
pub fn forward<'py, M: Differentiable + Sync>(
    py: Python<'py>,
    model: &M,
    x: &Bound<'py, PyAny>,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let x = Points::new(py, x, "X", model.input_len())?;
    let xs = x.values()?;
    let ys = in_pool(py, threads, || model.forward_batch(xs))?.map_err(error)?;
    per_point(py, ys, x.batched, x.count, &[model.output_len()])
}

/// `jacobian(X)`: outputs and Jacobians, `((m,), (m, n))` or `((batch, m), (batch, m, n))`.
pub fn jacobian<'py, M: Differentiable + Sync>(
    py: Python<'py>,
    model: &M,
    x: &Bound<'py, PyAny>,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let (m, n) = (model.output_len(), model.input_len());
    let x = Points::new(py, x, "X", n)?;
    let xs = x.values()?;
    let (ys, js) = in_pool(py, threads, || model.jacobian_batch(xs))?.map_err(error)?;
    Ok((
        per_point(py, ys, x.batched, x.count, &[m])?,
        per_point(py, js, x.batched, x.count, &[m, n])?,
    ))
}

/// `jvp(X, V)`: outputs and directional derivatives `J·v`, each `(m,)` or `(batch, m)`.
pub fn jvp<'py, M: Differentiable + Sync>(
    py: Python<'py>,
    model: &M,
    x: &Bound<'py, PyAny>,
    v: &Bound<'py, PyAny>,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let n = model.input_len();
    let x = Points::new(py, x, "X", n)?;
    let v = Points::new(py, v, "V", n)?;
    if v.shape() != x.shape() {
        return Err(error(format!(
            "V must have the shape of X, {}, got {}",
            shape_str(&x.shape()),
            shape_str(&v.shape())
        )));
    }
    let (xs, vs) = (x.values()?, v.values()?);
    let (ys, jv) = in_pool(py, threads, || model.jvp_batch(xs, vs))?.map_err(error)?;
    let m = [model.output_len()];
    Ok((
        per_point(py, ys, x.batched, x.count, &m)?,
        per_point(py, jv, x.batched, x.count, &m)?,
    ))
}

/// `sensitivity(X, reduce)`: the `(m, n)` reduction of every point's Jacobian, computed
/// `block` points at a time so at most one block of Jacobians is held.
pub fn sensitivity<'py, M: Differentiable + Sync>(
    py: Python<'py>,
    model: &M,
    x: &Bound<'py, PyAny>,
    reduce: Option<&Bound<'py, PyAny>>,
    block: Option<&Bound<'py, PyAny>>,
    threads: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let name: String = match reduce {
        None => "mean_abs".into(),
        Some(r) => r.extract().map_err(|_| {
            error(Reduce::unknown(
                r.repr().map(|r| r.to_string()).unwrap_or_default(),
            ))
        })?,
    };
    let reduce = Reduce::parse(&name).map_err(error)?;
    let (m, n) = (model.output_len(), model.input_len());
    let x = Points::new(py, x, "X", n)?;
    if x.count == 0 {
        return Err(error("sensitivity needs at least one point, X has none"));
    }
    let block = count_arg("block", block, usize::MAX >> 8)?
        .unwrap_or_else(|| (BLOCK_ENTRIES / (m * n).max(1)).max(1));
    let xs = x.values()?;
    let reduced = in_pool(py, threads, || {
        let mut acc = Accumulator::new(reduce, m * n);
        // `max(1)`: a model with no inputs still has one (empty) point per row.
        for (b, chunk) in xs.chunks(block * n.max(1)).enumerate() {
            let (_, js) = model
                .jacobian_batch(chunk)
                .map_err(|e| offset(e, b * block).to_string())?;
            acc.add(&js);
        }
        Ok::<_, String>(acc.finish())
    })?
    .map_err(error)?;
    Ok(array(py, reduced, &[m, n])?.cast_into::<PyArray2<f64>>()?)
}

/// A block's error with its point index counted from the start of the whole dataset.
fn offset<E>(e: BatchError<E>, first: usize) -> BatchError<E> {
    match e {
        BatchError::Point { index, source } => BatchError::Point {
            index: index + first,
            source,
        },
        BatchError::Output {
            index,
            expected,
            got,
        } => BatchError::Output {
            index: index + first,
            expected,
            got,
        },
        shape @ BatchError::Shape { .. } => shape,
    }
}
