//! Register blocking of reduction loop nests in `#[differentiable]` code (issue 11, target 5).
//!
//! The plain way to write a dense layer is
//!
//! ```text
//! for i in 0..m {
//!     let mut acc = b[i];
//!     for j in 0..k {
//!         acc += w[i * k + j] * h[j];
//!     }
//!     y.push(acc.tanh());
//! }
//! ```
//!
//! With dual scalars every `acc += ..` waits on the previous one (the value and each vector of
//! lanes is one serial chain), and every output reads all of `h`'s lanes once: one multiply-add
//! per load, bound by the add latency at 8 lanes and by L2 at 32. The macro (`rows.rs` of
//! `nngrad-derive`) recognises this shape and, for dual scalars only, runs the outer loop over
//! [`rows`], which computes the accumulators of up to four consecutive outputs in one sweep
//! over `j`: each loaded `h[j]` serves all of them, and four independent chains hide the add
//! latency. Each accumulator still receives exactly its own terms in the order written
//! (`init`, then `term` for `j` ascending), so every value and every lane is bit-identical to
//! the loop as written; only the interleaving across outputs changes, which the macro allows
//! only when those expressions are pure (indexing, fields, arithmetic, `len()`) and the rest of
//! the outer body names none of what they read.
//!
//! The outer loop stays a loop over the same indices in the same order (`break`, `continue`
//! and `return` in its body keep their meaning); at most three accumulators beyond the last
//! visited index are computed and dropped.

use core::ops::Range;

/// How many accumulators of type `A` one sweep carries: with `r` 32-byte registers per
/// accumulator, `B` of them, the `r` registers of a loaded `h[j]` and `B` broadcast weights
/// must fit in the sixteen AVX2 registers, `B·r + r + B ≤ 16`, at most four, at least one
/// (`DualN<f64, 8>`: 3; `DualN<f64, 16>` and wider: 1; `Dual<f64>`: 4). More spill the
/// accumulators to the stack, which costs more than the sweep saves (measured: four
/// `DualN<f64, 8>` accumulators were slower than three). A constant after monomorphisation.
#[inline(always)]
const fn block<A>() -> usize {
    let regs = core::mem::size_of::<A>().div_ceil(32);
    let fit = (16 - if regs > 16 { 16 } else { regs }) / (regs + 1);
    if fit > 4 {
        4
    } else if fit < 1 {
        1
    } else {
        fit
    }
}

/// The outer loop of a recognised reduction nest: yields `(i, acc_i)` for `i` in `rows` in
/// order, where `acc_i` is `init(i)` followed by `term(&mut acc, i, j)` for `j` in `cols()`.
/// Written by `#[differentiable]`; not a public API.
///
/// ```
/// use nngrad_core::__private::rows;
/// let (w, h) = ([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.5, 0.25]);
/// let y: Vec<(usize, f64)> =
///     rows(0..3, || 0..2, |i| i as f64, |acc: &mut f64, i: usize, j: usize| *acc += w[i * 2 + j] * h[j])
///         .collect();
/// assert_eq!(y, vec![(0, 1.0), (1, 3.5), (2, 6.0)]);
/// ```
#[inline(always)]
pub fn rows<T, J, A, C, I, F>(rows: Range<T>, cols: C, init: I, term: F) -> Rows<T, J, A, C, I, F>
where
    T: Copy,
    Range<T>: Iterator<Item = T>,
    Range<J>: Iterator<Item = J>,
    C: FnMut() -> Range<J>,
    I: FnMut(T) -> A,
    F: FnMut(&mut A, T, J),
{
    Rows {
        rows,
        cols,
        init,
        term,
        ready: [None, None, None, None],
        next: 0,
        _cols: core::marker::PhantomData,
    }
}

/// The iterator [`rows`] returns: `(i, acc_i)` in the order of the rows.
///
/// ```
/// let h = [1.0, 2.0];
/// let mut it = nngrad_core::__private::rows(0..5, || 0..2, |_| 0.0, |a: &mut f64, i: usize, j: usize| {
///     *a += (i + j) as f64 * h[j]
/// });
/// assert_eq!(it.next(), Some((0, 2.0)));
/// assert_eq!(it.by_ref().map(|(i, _)| i).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
/// assert_eq!(it.next(), None);
/// ```
pub struct Rows<T, J, A, C, I, F> {
    rows: Range<T>,
    cols: C,
    init: I,
    term: F,
    /// Computed `(i, acc_i)` not yet yielded, from `ready[next]` on.
    ready: [Option<(T, A)>; 4],
    next: usize,
    _cols: core::marker::PhantomData<J>,
}

impl<T, J, A, C, I, F> Iterator for Rows<T, J, A, C, I, F>
where
    T: Copy,
    Range<T>: Iterator<Item = T>,
    Range<J>: Iterator<Item = J>,
    J: Copy,
    C: FnMut() -> Range<J>,
    I: FnMut(T) -> A,
    F: FnMut(&mut A, T, J),
{
    type Item = (T, A);

    #[inline(always)]
    fn next(&mut self) -> Option<(T, A)> {
        if let Some(slot) = self.ready.get_mut(self.next) {
            if let Some(done) = slot.take() {
                self.next += 1;
                return Some(done);
            }
        }
        // Each arm keeps its accumulators in locals and moves them out only after the sweep
        // (a sweep that wrote into `ready` or a returned array would accumulate in memory).
        let i0 = self.rows.next()?;
        let b = block::<A>();
        let i1 = if b >= 2 { self.rows.next() } else { None };
        let i2 = if b >= 3 && i1.is_some() {
            self.rows.next()
        } else {
            None
        };
        let i3 = if b >= 4 && i2.is_some() {
            self.rows.next()
        } else {
            None
        };
        let (init, term) = (&mut self.init, &mut self.term);
        // The inner range is evaluated once per sweep (as written: once per output).
        let cols = (self.cols)();
        self.next = 1;
        match (i1, i2, i3) {
            (Some(i1), Some(i2), Some(i3)) => {
                let (mut a0, mut a1, mut a2, mut a3) = (init(i0), init(i1), init(i2), init(i3));
                for j in cols {
                    term(&mut a0, i0, j);
                    term(&mut a1, i1, j);
                    term(&mut a2, i2, j);
                    term(&mut a3, i3, j);
                }
                self.ready = [None, Some((i1, a1)), Some((i2, a2)), Some((i3, a3))];
                Some((i0, a0))
            }
            (Some(i1), Some(i2), None) => {
                let (mut a0, mut a1, mut a2) = (init(i0), init(i1), init(i2));
                for j in cols {
                    term(&mut a0, i0, j);
                    term(&mut a1, i1, j);
                    term(&mut a2, i2, j);
                }
                self.ready = [None, Some((i1, a1)), Some((i2, a2)), None];
                Some((i0, a0))
            }
            (Some(i1), _, _) => {
                let (mut a0, mut a1) = (init(i0), init(i1));
                for j in cols {
                    term(&mut a0, i0, j);
                    term(&mut a1, i1, j);
                }
                self.ready = [None, Some((i1, a1)), None, None];
                Some((i0, a0))
            }
            (None, _, _) => {
                let mut a0 = init(i0);
                for j in cols {
                    term(&mut a0, i0, j);
                }
                Some((i0, a0))
            }
        }
    }
}
