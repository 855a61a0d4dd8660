//! The batch driver behind [`Differentiable`](crate::Differentiable)'s batch methods: points
//! split into runs handed to rayon's global pool, each run writing its points' results into
//! its own buffers, joined in point order.
//!
//! Every point is computed by the same per-point code whatever the thread count, so results
//! are bit-identical for any pool size. The first point runs on the calling thread and is
//! timed: a batch whose whole estimated cost is below what handing work to other threads
//! costs stays on the calling thread, and the runs handed out are long enough to amortise
//! the hand-off. The two constants are deliberately conservative (a rayon hand-off and join
//! costs microseconds, waking a sleeping pool tens of them): a batch below them takes well
//! under a millisecond on one core, so little is lost by not splitting it.

use crate::BatchError;
use nalgebra::DMatrix;
use rayon::prelude::*;
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Below this estimated serial time a batch does not split: waking pool threads and joining
/// them costs tens of microseconds.
const SPLIT_MIN: Duration = Duration::from_micros(200);

/// The least work one run handed to the pool should carry.
const RUN_MIN: Duration = Duration::from_micros(50);

/// The number of points in a batch argument of `len` values for a model with `n` inputs.
pub(crate) fn points<E>(
    argument: &'static str,
    len: usize,
    n: usize,
) -> Result<usize, BatchError<E>> {
    match (len, n) {
        (0, _) => Ok(0),
        (_, 0) => Err(BatchError::Shape {
            argument,
            expected: "no values (the model has no inputs)".into(),
            got: len,
        }),
        _ if len.is_multiple_of(n) => Ok(len / n),
        _ => Err(BatchError::Shape {
            argument,
            expected: format!("a multiple of the input length {n}"),
            got: len,
        }),
    }
}

/// Checks that argument `argument` (e.g. the tangents) is as long as the points.
pub(crate) fn same_len<E>(
    argument: &'static str,
    len: usize,
    points_len: usize,
) -> Result<(), BatchError<E>> {
    if len == points_len {
        Ok(())
    } else {
        Err(BatchError::Shape {
            argument,
            expected: format!("{points_len} (one value per value of xs)"),
            got: len,
        })
    }
}

/// Wraps a model's error at point `index`.
pub(crate) fn at<E>(index: usize) -> impl FnOnce(E) -> BatchError<E> {
    move |source| BatchError::Point { index, source }
}

/// Copies one point's outputs into its slot, checking their count.
pub(crate) fn put<E>(index: usize, slot: &mut [f64], values: &[f64]) -> Result<(), BatchError<E>> {
    if values.len() != slot.len() {
        return Err(BatchError::Output {
            index,
            expected: slot.len(),
            got: values.len(),
        });
    }
    slot.copy_from_slice(values);
    Ok(())
}

/// Copies one point's `m×n` Jacobian into its slot, row-major, checking its row count.
pub(crate) fn put_matrix<E>(
    index: usize,
    slot: &mut [f64],
    j: &DMatrix<f64>,
    m: usize,
) -> Result<(), BatchError<E>> {
    if j.nrows() != m || j.nrows() * j.ncols() != slot.len() {
        return Err(BatchError::Output {
            index,
            expected: m,
            got: j.nrows(),
        });
    }
    let n = j.ncols();
    for (i, row) in slot.chunks_exact_mut(n.max(1)).enumerate().take(m) {
        for (c, v) in row.iter_mut().enumerate() {
            *v = j[(i, c)];
        }
    }
    Ok(())
}

/// One run's results: its two output buffers.
type Run<E> = Result<(Vec<f64>, Vec<f64>), BatchError<E>>;

/// Runs `point(p, a, b)` for every `p < k`, where `a` and `b` are point `p`'s slots of
/// `widths[0]` and `widths[1]` values in two result buffers of `k·widths[i]` values.
/// Returns the buffers, or the error of the lowest failing point.
pub(crate) fn run<E, F>(k: usize, widths: [usize; 2], point: F) -> Run<E>
where
    E: Send,
    F: Fn(usize, &mut [f64], &mut [f64]) -> Result<(), BatchError<E>> + Sync,
{
    if k == 0 {
        return Ok((Vec::new(), Vec::new()));
    }
    let started = Instant::now();
    let (mut a, mut b) = run_points(0..1, widths, &point)?;
    let first = started.elapsed();
    let rest = k - 1;
    if rest == 0 {
        return Ok((a, b));
    }
    let estimate = first.as_nanos().saturating_mul(rest as u128);
    if rayon::current_num_threads() <= 1 || estimate <= SPLIT_MIN.as_nanos() {
        let (ra, rb) = run_points(1..k, widths, &point)?;
        a.extend(ra);
        b.extend(rb);
        return Ok((a, b));
    }
    let per = first.as_nanos().max(1);
    let len = (RUN_MIN.as_nanos().div_ceil(per) as usize).clamp(1, rest);
    let runs: Vec<Range<usize>> = (1..k).step_by(len).map(|s| s..(s + len).min(k)).collect();
    let lowest_failure = AtomicUsize::new(usize::MAX);
    let results: Vec<(Range<usize>, Option<Run<E>>)> = runs
        .into_par_iter()
        .map(|r| {
            // A run after a known failure is not needed: the lowest failing point wins.
            if r.start > lowest_failure.load(Ordering::Relaxed) {
                return (r, None);
            }
            let out = run_points(r.clone(), widths, &point);
            if let Err(e) = &out {
                lowest_failure.fetch_min(e.index().unwrap_or(r.start), Ordering::Relaxed);
            }
            (r, Some(out))
        })
        .collect();
    a.reserve(rest * widths[0]);
    b.reserve(rest * widths[1]);
    for (r, out) in results {
        // Only runs after a failing one are skipped, and that one is met first; a skipped
        // run is computed here all the same rather than trusted to that reasoning.
        let (ra, rb) = match out {
            Some(out) => out?,
            None => run_points(r, widths, &point)?,
        };
        a.extend(ra);
        b.extend(rb);
    }
    Ok((a, b))
}

/// The points of `range`, in order, on this thread; stops at the first failure.
fn run_points<E, F>(range: Range<usize>, widths: [usize; 2], point: &F) -> Run<E>
where
    F: Fn(usize, &mut [f64], &mut [f64]) -> Result<(), BatchError<E>>,
{
    let count = range.len();
    let mut a = vec![0.0; count * widths[0]];
    let mut b = vec![0.0; count * widths[1]];
    for (q, p) in range.enumerate() {
        let sa = &mut a[q * widths[0]..(q + 1) * widths[0]];
        let sb = &mut b[q * widths[1]..(q + 1) * widths[1]];
        point(p, sa, sb)?;
    }
    Ok((a, b))
}
