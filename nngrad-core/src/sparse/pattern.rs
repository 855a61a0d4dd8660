//! [`SparsityPattern`]: which outputs depend on which inputs, detected by evaluating the
//! function on [`Tracer`]s.

use super::{SparseError, Tracer};
use crate::Outputs;
use core::convert::Infallible;
use nalgebra_sparse::pattern::SparsityPattern as CscPattern;

/// Inputs one tracer evaluation covers: the bits of a [`Tracer`]'s set.
pub(crate) const BLOCK: usize = 64;

/// The structural nonzeros of an `m×n` Jacobian: entry `(i, j)` is present when output `i`
/// depends on input `j`.
///
/// Detected once ([`detect`](Self::detect)) and reused at other points, with one caveat: the
/// pattern is that of the branches the function took at the point of detection (see
/// [`Tracer`]). A function that branches on its inputs (`if x > 0`, `max`, a piecewise rule)
/// can depend on other inputs elsewhere; detect at several points and take the
/// [`union`](Self::union) to cover them. [`SparseJacobian`](super::SparseJacobian) reports an
/// output that leaves the pattern when it can see it.
///
/// Stored column by column (compressed sparse column, rows sorted in each column), the layout
/// of the [`CscMatrix`](nalgebra_sparse::CscMatrix) the sparse Jacobian returns.
///
/// ```
/// use nngrad_core::{sparse::SparsityPattern, Scalar};
/// fn f<S: Scalar>(x: &[S]) -> Vec<S> {
///     vec![x[0] * x[1], x[2].sin()]
/// }
/// let p = SparsityPattern::detect(|x| f(x), &[1.0, 2.0, 3.0]);
/// assert_eq!((p.nrows(), p.ncols(), p.nnz()), (2, 3, 3));
/// assert!(p.contains(0, 1) && p.contains(1, 2) && !p.contains(1, 0));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SparsityPattern {
    /// Major dimension: columns (inputs); minor: rows (outputs).
    csc: CscPattern,
}

impl SparsityPattern {
    /// The pattern of `f` at `x`, in `⌈n/64⌉` evaluations of `f` on [`Tracer`]s.
    ///
    /// # Panics
    /// If `f` returns a different number of outputs on different evaluations.
    ///
    /// ```
    /// use nngrad_core::{sparse::{SparsityPattern, Tracer}, Scalar};
    /// // A tridiagonal map on 200 inputs: 4 evaluations.
    /// let f = |x: &[Tracer]| -> Vec<Tracer> {
    ///     (0..x.len()).map(|i| {
    ///         let l = if i > 0 { x[i - 1] } else { Scalar::cst(0.0) };
    ///         let r = if i + 1 < x.len() { x[i + 1] } else { Scalar::cst(0.0) };
    ///         l - x[i] * 2.0 + r
    ///     }).collect()
    /// };
    /// let p = SparsityPattern::detect(f, &vec![1.0; 200]);
    /// assert_eq!(p.nnz(), 3 * 200 - 2);
    /// assert!(p.contains(57, 58) && !p.contains(57, 59));
    /// ```
    pub fn detect<F, O>(mut f: F, x: &[f64]) -> Self
    where
        F: FnMut(&[Tracer]) -> O,
        O: Outputs<Tracer>,
    {
        match Self::try_detect(|x| Ok::<_, Infallible>(f(x)), x) {
            Ok(p) => p,
            Err(e) => panic!("SparsityPattern::detect: {e}"),
        }
    }

    /// [`detect`](Self::detect) for a fallible function: the first error `f` returns is
    /// returned, as is an output count that changes between evaluations.
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, sparse::SparsityPattern};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 0; 0 3];\ny = IW1_1*x;")?;
    /// let p = SparsityPattern::try_detect(|x| net.eval(x), &[1.0, 1.0]).unwrap();
    /// // Structural: the zero weights still connect (a weight is data, not structure).
    /// assert_eq!(p.nnz(), 4);
    /// assert!(SparsityPattern::try_detect(|x| net.eval(x), &[1.0]).is_err());
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn try_detect<F, O, E>(f: F, x: &[f64]) -> Result<Self, SparseError<E>>
    where
        F: FnMut(&[Tracer]) -> Result<O, E>,
        O: Outputs<Tracer>,
    {
        detect_with(
            f,
            x,
            |v, seed| Tracer::new(v, seed.map_or(0, |k| 1 << k)),
            |y| [y.deps()],
        )
    }

    /// The pattern with, in column `j`, the sorted distinct rows `cols[j]`.
    pub(crate) fn from_columns(nrows: usize, cols: Vec<Vec<usize>>) -> Self {
        let mut offsets = Vec::with_capacity(cols.len() + 1);
        offsets.push(0);
        let mut rows = Vec::with_capacity(cols.iter().map(Vec::len).sum());
        for c in &cols {
            rows.extend_from_slice(c);
            offsets.push(rows.len());
        }
        let csc = CscPattern::try_from_offsets_and_indices(cols.len(), nrows, offsets, rows)
            .expect("columns hold sorted distinct rows below nrows");
        SparsityPattern { csc }
    }

    /// A pattern from its entries `(row, column)` (in any order, repeats allowed), for
    /// patterns known in advance.
    ///
    /// # Errors
    /// [`SparseError::Entry`] naming the first entry outside `nrows × ncols`.
    ///
    /// ```
    /// use nngrad_core::sparse::SparsityPattern;
    /// let p = SparsityPattern::from_entries(2, 2, &[(1, 0), (0, 0), (1, 0)]).unwrap();
    /// assert_eq!(p.nnz(), 2);
    /// assert!(SparsityPattern::from_entries(2, 2, &[(2, 0)]).is_err());
    /// ```
    pub fn from_entries(
        nrows: usize,
        ncols: usize,
        entries: &[(usize, usize)],
    ) -> Result<Self, SparseError<Infallible>> {
        let mut cols = vec![Vec::new(); ncols];
        for &(i, j) in entries {
            if i >= nrows || j >= ncols {
                return Err(SparseError::Entry {
                    row: i,
                    col: j,
                    nrows,
                    ncols,
                });
            }
            cols[j].push(i);
        }
        for c in &mut cols {
            c.sort_unstable();
            c.dedup();
        }
        Ok(Self::from_columns(nrows, cols))
    }

    /// Number of rows (outputs).
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// assert_eq!(SparsityPattern::detect(|x| vec![x[0]; 3], &[1.0]).nrows(), 3);
    /// ```
    pub fn nrows(&self) -> usize {
        self.csc.minor_dim()
    }

    /// Number of columns (inputs).
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// assert_eq!(SparsityPattern::detect(|x| x[0], &[1.0, 2.0]).ncols(), 2);
    /// ```
    pub fn ncols(&self) -> usize {
        self.csc.major_dim()
    }

    /// Number of structural nonzeros.
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// assert_eq!(SparsityPattern::detect(|x| x[0] * x[1], &[1.0, 2.0]).nnz(), 2);
    /// ```
    pub fn nnz(&self) -> usize {
        self.csc.nnz()
    }

    /// Whether output `row` depends on input `col` (false outside the shape).
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// let p = SparsityPattern::detect(|x| vec![x[1], x[0]], &[1.0, 2.0]);
    /// assert!(p.contains(0, 1) && !p.contains(0, 0) && !p.contains(5, 5));
    /// ```
    pub fn contains(&self, row: usize, col: usize) -> bool {
        col < self.ncols() && self.rows_of(col).binary_search(&row).is_ok()
    }

    /// The rows (outputs) that depend on input `col`, sorted.
    ///
    /// # Panics
    /// If `col >= ncols()`.
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// let p = SparsityPattern::detect(|x| vec![x[0], x[1], x[0]], &[1.0, 2.0]);
    /// assert_eq!(p.rows_of(0), &[0, 2]);
    /// ```
    pub fn rows_of(&self, col: usize) -> &[usize] {
        self.csc.lane(col)
    }

    /// The largest number of nonzeros in one row: a lower bound on the colours any column
    /// colouring needs (the columns of one row must differ).
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// let p = SparsityPattern::detect(|x| vec![x[0] + x[1] + x[2], x[0]], &[1.0; 3]);
    /// assert_eq!(p.max_row_degree(), 3);
    /// ```
    pub fn max_row_degree(&self) -> usize {
        let mut deg = vec![0usize; self.nrows()];
        for &i in self.csc.minor_indices() {
            deg[i] += 1;
        }
        deg.into_iter().max().unwrap_or(0)
    }

    /// The entries present in either pattern: for functions that branch, the union of the
    /// patterns detected at several points.
    ///
    /// # Panics
    /// If the shapes differ; [`try_union`](Self::try_union) returns the error instead.
    ///
    /// ```
    /// use nngrad_core::{sparse::{SparsityPattern, Tracer}, Scalar};
    /// let f = |x: &[Tracer]| vec![x[0].max(x[1])];
    /// let a = SparsityPattern::detect(f, &[1.0, 0.0]);
    /// let b = SparsityPattern::detect(f, &[0.0, 1.0]);
    /// assert_eq!((a.nnz(), b.nnz(), a.union(&b).nnz()), (1, 1, 2));
    /// ```
    pub fn union(&self, other: &SparsityPattern) -> SparsityPattern {
        match self.try_union(other) {
            Ok(p) => p,
            Err(e) => panic!("SparsityPattern::union: {e}"),
        }
    }

    /// [`union`](Self::union), with a shape mismatch as an error.
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// let a = SparsityPattern::detect(|x| x[0], &[1.0]);
    /// let b = SparsityPattern::detect(|x| x[0], &[1.0, 2.0]);
    /// assert!(a.try_union(&b).is_err());
    /// ```
    pub fn try_union(
        &self,
        other: &SparsityPattern,
    ) -> Result<SparsityPattern, SparseError<Infallible>> {
        if (self.nrows(), self.ncols()) != (other.nrows(), other.ncols()) {
            return Err(SparseError::Shape {
                expected: (self.nrows(), self.ncols()),
                got: (other.nrows(), other.ncols()),
            });
        }
        let cols = (0..self.ncols())
            .map(|j| merge_sorted(self.rows_of(j), other.rows_of(j)))
            .collect();
        Ok(Self::from_columns(self.nrows(), cols))
    }

    /// The pattern in nalgebra-sparse's form (major dimension: columns), as the
    /// [`CscMatrix`](nalgebra_sparse::CscMatrix) of a sparse Jacobian holds it.
    ///
    /// ```
    /// use nngrad_core::{sparse::SparsityPattern, Scalar};
    /// let p = SparsityPattern::detect(|x| vec![x[0], x[0] * x[1]], &[1.0, 2.0]);
    /// assert_eq!(p.as_csc().major_offsets(), &[0, 2, 3]);
    /// ```
    pub fn as_csc(&self) -> &CscPattern {
        &self.csc
    }
}

/// Detection on any scalar `S` that carries `L` tracer sets: `make(value, seed)` makes an
/// input, seeded with bit `seed % 64` of set `seed / 64` when it is in the pass (`None`: a
/// constant), and `sets` reads an output's `L` sets. Each pass covers `64·L` inputs.
pub(crate) fn detect_with<S, F, O, E, const L: usize>(
    mut f: F,
    x: &[f64],
    make: impl Fn(f64, Option<usize>) -> S,
    sets: impl Fn(&S) -> [u64; L],
) -> Result<SparsityPattern, SparseError<E>>
where
    F: FnMut(&[S]) -> Result<O, E>,
    O: Outputs<S>,
{
    let n = x.len();
    let width = BLOCK * L;
    let mut xs: Vec<S> = x.iter().map(|&v| make(v, None)).collect();
    let mut ys = Vec::new();
    let mut nrows = None;
    // The pattern in compressed columns, built pass by pass: each pass covers the next
    // `width` columns, so appending its columns in order keeps the whole sorted.
    let mut offsets = Vec::with_capacity(n + 1);
    offsets.push(0);
    let mut rows: Vec<usize> = Vec::new();
    let mut entries: Vec<(u32, usize)> = Vec::new();
    let mut count = vec![0usize; width + 1];
    for start in (0..n.max(1)).step_by(width) {
        let end = (start + width).min(n);
        for (k, j) in (start..end).enumerate() {
            xs[j] = make(x[j], Some(k));
        }
        ys.clear();
        f(&xs).map_err(SparseError::Eval)?.write_outputs(&mut ys);
        let m = *nrows.get_or_insert(ys.len());
        if ys.len() != m {
            return Err(SparseError::OutputLen {
                expected: m,
                got: ys.len(),
            });
        }
        // (column in the pass, row), rows increasing; then a counting sort by column keeps
        // each column's rows in increasing order.
        entries.clear();
        for (i, y) in ys.iter().enumerate() {
            for (l, mut bits) in sets(y).into_iter().enumerate() {
                while bits != 0 {
                    let k = l * BLOCK + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if k < end - start {
                        entries.push((k as u32, i));
                    }
                }
            }
        }
        count.fill(0);
        for &(k, _) in &entries {
            count[k as usize + 1] += 1;
        }
        for k in 0..width {
            count[k + 1] += count[k];
        }
        let base = rows.len();
        rows.resize(base + entries.len(), 0);
        for &(k, i) in &entries {
            let at = &mut count[k as usize];
            rows[base + *at] = i;
            *at += 1;
        }
        // count[k] is now the end of column k within the pass.
        offsets.extend(count[..end - start].iter().map(|&e| base + e));
        for j in start..end {
            xs[j] = make(x[j], None);
        }
    }
    let nrows = nrows.unwrap_or(0);
    let csc = CscPattern::try_from_offsets_and_indices(n, nrows, offsets, rows)
        .expect("columns hold sorted distinct rows below nrows");
    Ok(SparsityPattern { csc })
}

/// The sorted union of two sorted, duplicate-free lists.
fn merge_sorted(a: &[usize], b: &[usize]) -> Vec<usize> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        let (x, y) = (a[i], b[j]);
        out.push(x.min(y));
        i += usize::from(x <= y);
        j += usize::from(y <= x);
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_keeps_order_and_drops_repeats() {
        assert_eq!(merge_sorted(&[0, 2, 5], &[1, 2, 6]), vec![0, 1, 2, 5, 6]);
        assert_eq!(merge_sorted(&[], &[3]), vec![3]);
    }

    #[test]
    fn blocks_beyond_the_first_are_placed_at_their_columns() {
        // Output i depends on input 3i mod n: spans several 64-input blocks.
        let n = 300;
        let p = SparsityPattern::detect(
            |x: &[Tracer]| (0..n).map(|i| x[(3 * i) % n] * 2.0).collect::<Vec<_>>(),
            &vec![0.5; n],
        );
        assert_eq!(p.nnz(), n);
        for i in 0..n {
            assert!(p.contains(i, (3 * i) % n), "row {i}");
        }
    }

    #[test]
    fn no_inputs_still_counts_the_outputs() {
        let p = SparsityPattern::detect(|_: &[Tracer]| vec![Tracer::new(1.0, 0); 4], &[]);
        assert_eq!((p.nrows(), p.ncols(), p.nnz()), (4, 0, 0));
    }
}
