//! [`SparseJacobian`]: a pattern and its column colouring, evaluated in one tangent lane per
//! colour and decompressed into a [`CscMatrix`].

use super::coloring::{greedy_columns, Rows};
use super::{SparseError, SparsityPattern};
use crate::{DualN, Outputs, Scalar, DEFAULT_CHUNK};
use core::convert::Infallible;
use nalgebra_sparse::CscMatrix;

/// Tangent lanes per evaluation: colours `c0 … c0 + LANES − 1` in one pass.
pub(crate) const LANES: usize = DEFAULT_CHUNK;
const _: () = assert!(
    LANES <= 64,
    "the outside-pattern check keeps one bit per lane"
);

/// A [`SparsityPattern`] with its columns coloured (once, at [`new`](Self::new)), ready to
/// evaluate sparse Jacobians at any number of points in `⌈colours / 8⌉` evaluations each
/// ([`DEFAULT_CHUNK`] lanes), where a dense Jacobian takes `⌈n / 8⌉`.
///
/// Columns of one colour share no row, so they are seeded together in one lane and each
/// nonzero `(i, j)` is read back from row `i`'s lane of `j`'s colour.
///
/// ```
/// use nngrad_core::{sparse::{SparseJacobian, SparsityPattern}, Scalar};
/// fn f<S: Scalar>(x: &[S]) -> Vec<S> {
///     // Each output couples a point with its neighbour: bidiagonal.
///     (0..x.len()).map(|i| x[i] * x[(i + 1).min(x.len() - 1)]).collect()
/// }
/// let x = vec![2.0; 100];
/// let sj = SparseJacobian::new(&SparsityPattern::detect(|x| f(x), &x));
/// assert_eq!(sj.colors(), 2);
/// let (y, j) = sj.jacobian(|x| f(x), &x);
/// assert_eq!(y[0], 4.0);
/// assert_eq!(j.get_entry(3, 4).unwrap().into_value(), 2.0);
/// ```
#[derive(Clone, Debug)]
pub struct SparseJacobian {
    pattern: SparsityPattern,
    color: Vec<usize>,
    colors: usize,
    /// Each row's columns: where the outside-pattern check looks.
    rows: Rows,
}

impl SparseJacobian {
    /// Colours the columns of `pattern` greedily in natural order (see
    /// [`colors`](Self::colors)).
    ///
    /// ```
    /// use nngrad_core::sparse::{SparseJacobian, SparsityPattern};
    /// let p = SparsityPattern::from_entries(2, 3, &[(0, 0), (0, 1), (1, 1), (1, 2)]).unwrap();
    /// let sj = SparseJacobian::new(&p);
    /// assert_eq!((sj.colors(), sj.coloring()), (2, &[0, 1, 0][..]));
    /// ```
    pub fn new(pattern: &SparsityPattern) -> Self {
        let rows = Rows::of(pattern);
        let (color, colors) = greedy_columns(pattern, &rows);
        SparseJacobian {
            pattern: pattern.clone(),
            color,
            colors,
            rows,
        }
    }

    /// The number of colours, hence of tangent lanes a Jacobian takes. Columns are visited in
    /// their natural order `0, 1, …, n − 1`, each taking the smallest colour that no column
    /// sharing a row with it has already taken (greedy distance-1 colouring). At least
    /// [`lower_bound`](Self::lower_bound); equal to it for banded patterns.
    ///
    /// ```
    /// use nngrad_core::{sparse::{SparseJacobian, SparsityPattern}, Scalar};
    /// let p = SparsityPattern::detect(|x| vec![x[0] + x[1], x[1] + x[2]], &[0.0; 3]);
    /// assert_eq!(SparseJacobian::new(&p).colors(), 2);
    /// ```
    pub fn colors(&self) -> usize {
        self.colors
    }

    /// The pattern's maximum row degree, the least number of colours any colouring needs.
    ///
    /// ```
    /// use nngrad_core::{sparse::{SparseJacobian, SparsityPattern}, Scalar};
    /// let p = SparsityPattern::detect(|x| vec![x[0] * x[1] * x[2]], &[1.0; 3]);
    /// let sj = SparseJacobian::new(&p);
    /// assert_eq!((sj.lower_bound(), sj.colors()), (3, 3));
    /// ```
    pub fn lower_bound(&self) -> usize {
        self.pattern.max_row_degree()
    }

    /// Each column's colour.
    ///
    /// ```
    /// use nngrad_core::sparse::{SparseJacobian, SparsityPattern};
    /// let p = SparsityPattern::from_entries(1, 2, &[(0, 0), (0, 1)]).unwrap();
    /// assert_eq!(SparseJacobian::new(&p).coloring(), &[0, 1]);
    /// ```
    pub fn coloring(&self) -> &[usize] {
        &self.color
    }

    /// The pattern the Jacobians have.
    ///
    /// ```
    /// use nngrad_core::sparse::{SparseJacobian, SparsityPattern};
    /// let p = SparsityPattern::from_entries(1, 2, &[(0, 1)]).unwrap();
    /// assert_eq!(SparseJacobian::new(&p).pattern(), &p);
    /// ```
    pub fn pattern(&self) -> &SparsityPattern {
        &self.pattern
    }

    /// Outputs and the sparse Jacobian of `f` at `x`, in `⌈colours / 8⌉` evaluations.
    ///
    /// Every value equals the dense [`jacobian`](crate::jacobian)'s: each nonzero is computed
    /// by the same operations, the other columns of its colour adding exact zeros.
    ///
    /// # Panics
    /// If `x` or the outputs do not have the pattern's shape, or an output depends on an
    /// input the pattern does not list for it where the colouring can see it (a branch taken
    /// differently from the point of detection; [`try_jacobian`](Self::try_jacobian) returns
    /// these as errors).
    ///
    /// ```
    /// use nngrad_core::{sparse::{SparseJacobian, SparsityPattern}, Scalar};
    /// let p = SparsityPattern::detect(|x| vec![x[0].sin(), x[1] * x[0]], &[0.0, 0.0]);
    /// let (y, j) = SparseJacobian::new(&p).jacobian(|x| vec![x[0].sin(), x[1] * x[0]], &[1.0, 3.0]);
    /// assert_eq!(y, vec![1f64.sin(), 3.0]);
    /// assert_eq!(j.get_entry(1, 0).unwrap().into_value(), 3.0);
    /// assert_eq!(j.nnz(), 3);
    /// ```
    pub fn jacobian<F, O>(&self, mut f: F, x: &[f64]) -> (Vec<f64>, CscMatrix<f64>)
    where
        F: FnMut(&[DualN<f64, LANES>]) -> O,
        O: Outputs<DualN<f64, LANES>>,
    {
        match self.try_jacobian(|x| Ok::<_, Infallible>(f(x)), x) {
            Ok(r) => r,
            Err(e) => panic!("SparseJacobian::jacobian: {e}"),
        }
    }

    /// [`jacobian`](Self::jacobian) for a fallible function, with every failure an error:
    /// the first error `f` returns, a shape mismatch, or an output leaving the pattern.
    ///
    /// An output that depends on an input outside the pattern is seen when no column of that
    /// input's colour is in the output's row (inputs no output depends on are seeded in a
    /// spare lane when the last pass has one); when one is, the two are indistinguishable and
    /// the entry is their sum. Detect at the points you evaluate, or take the
    /// [`union`](SparsityPattern::union) of patterns over the region.
    ///
    /// ```
    /// use nngrad_core::{sparse::{SparseError, SparseJacobian, SparsityPattern}, Scalar};
    /// fn f<S: Scalar>(x: &[S]) -> Result<Vec<S>, String> {
    ///     Ok(vec![x[0].max(x[1])])
    /// }
    /// let sj = SparseJacobian::new(&SparsityPattern::try_detect(|x| f(x), &[1.0, 0.0]).unwrap());
    /// assert!(sj.try_jacobian(|x| f(x), &[1.0, 0.0]).is_ok());
    /// // At (0, 1) max takes x[1], which the pattern from (1, 0) does not hold.
    /// let e = sj.try_jacobian(|x| f(x), &[0.0, 1.0]);
    /// assert!(matches!(e, Err(SparseError::OutsidePattern { row: 0 })));
    /// ```
    pub fn try_jacobian<F, O, E>(
        &self,
        f: F,
        x: &[f64],
    ) -> Result<(Vec<f64>, CscMatrix<f64>), SparseError<E>>
    where
        F: FnMut(&[DualN<f64, LANES>]) -> Result<O, E>,
        O: Outputs<DualN<f64, LANES>>,
    {
        self.evaluate(f, x)
    }

    /// The compressed evaluations and their decompression, for lanes of any scalar `T`
    /// whose values are `f64` values (`f64`, or the tracer in `sparse_jacobian`).
    pub(crate) fn evaluate<T, F, O, E>(
        &self,
        mut f: F,
        x: &[f64],
    ) -> Result<(Vec<f64>, CscMatrix<f64>), SparseError<E>>
    where
        T: Scalar,
        F: FnMut(&[DualN<T, LANES>]) -> Result<O, E>,
        O: Outputs<DualN<T, LANES>>,
    {
        let (m, n) = (self.pattern.nrows(), self.pattern.ncols());
        if x.len() != n {
            return Err(SparseError::InputLen {
                expected: n,
                got: x.len(),
            });
        }
        let offsets = self.pattern.as_csc().major_offsets();
        let mut xs = vec![DualN::<T, LANES>::constant(T::cst(0.0)); n];
        let mut vals = vec![0.0; self.pattern.nnz()];
        let mut values = Vec::new();
        let mut ys = Vec::new();
        // Columns no output depends on are seeded in a spare lane of the last pass when there
        // is one: a nonzero there is an output leaving the pattern.
        let last = (self.colors.max(1) - 1) / LANES * LANES;
        let spare = (self.colors - last < LANES).then_some(self.colors - last);
        // Each column's lane in the current pass (`NONE`: not seeded in it).
        const NONE: u8 = u8::MAX;
        let mut lanes = vec![NONE; n];
        for c0 in (0..self.colors.max(1)).step_by(LANES) {
            for (j, l) in lanes.iter_mut().enumerate() {
                let k = if offsets[j] == offsets[j + 1] {
                    spare.filter(|_| c0 == last)
                } else {
                    self.color[j].checked_sub(c0).filter(|&k| k < LANES)
                };
                *l = k.map_or(NONE, |k| k as u8);
            }
            let lane = |j: usize| (lanes[j] != NONE).then(|| usize::from(lanes[j]));
            for (j, (xj, &v)) in xs.iter_mut().zip(x).enumerate() {
                *xj = DualN::constant(T::cst(v));
                if let Some(k) = lane(j) {
                    xj.eps[k] = T::cst(1.0);
                }
            }
            ys.clear();
            f(&xs).map_err(SparseError::Eval)?.write_outputs(&mut ys);
            if ys.len() != m {
                return Err(SparseError::OutputLen {
                    expected: m,
                    got: ys.len(),
                });
            }
            if c0 == 0 {
                values = ys.iter().map(|y| y.re.value()).collect();
            }
            for j in 0..n {
                if let Some(k) = lane(j) {
                    for (v, &i) in vals[offsets[j]..].iter_mut().zip(self.pattern.rows_of(j)) {
                        *v = ys[i].eps[k].value();
                    }
                }
            }
            // A lane no column of this row was seeded in must be exactly zero.
            let used = (self.colors - c0).min(LANES) + usize::from(c0 == last && spare.is_some());
            for (i, y) in ys.iter().enumerate() {
                let seen = self.rows.row(i).iter().filter_map(|&j| lane(j));
                let mask = seen.fold(0u64, |m, k| m | 1 << k);
                if (0..used).any(|k| mask & 1 << k == 0 && y.eps[k].value() != 0.0) {
                    return Err(SparseError::OutsidePattern { row: i });
                }
            }
        }
        let j = CscMatrix::try_from_pattern_and_values(self.pattern.as_csc().clone(), vals)
            .expect("one value per nonzero of the pattern");
        Ok((values, j))
    }
}
