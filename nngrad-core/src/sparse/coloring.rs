//! Greedy distance-1 colouring of a pattern's columns: two columns that share a row get
//! different colours, so the columns of one colour can be seeded in one tangent lane and every
//! nonzero read back from that lane unmixed.

use super::SparsityPattern;

/// The rows of a pattern as lists of columns (the transpose of its column lists).
#[derive(Clone, Debug)]
pub(crate) struct Rows {
    offsets: Vec<usize>,
    cols: Vec<usize>,
}

impl Rows {
    pub(crate) fn of(p: &SparsityPattern) -> Self {
        let mut offsets = vec![0usize; p.nrows() + 1];
        for &i in p.as_csc().minor_indices() {
            offsets[i + 1] += 1;
        }
        for i in 0..p.nrows() {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut cols = vec![0usize; p.nnz()];
        for j in 0..p.ncols() {
            for &i in p.rows_of(j) {
                cols[next[i]] = j;
                next[i] += 1;
            }
        }
        Rows { offsets, cols }
    }

    /// The columns of row `i`, in increasing order.
    pub(crate) fn row(&self, i: usize) -> &[usize] {
        &self.cols[self.offsets[i]..self.offsets[i + 1]]
    }
}

/// A colour for every column, and the number of colours.
///
/// Columns are visited in their natural order `0, 1, …, n−1` and each takes the smallest
/// colour no already-coloured column sharing a row with it has (greedy distance-1 colouring of
/// the column intersection graph). Natural order is optimal for banded patterns (a band of
/// `b` nonzeros per row takes `b` colours) and within a few colours of the lower bound on
/// stencils; the result depends only on the pattern, so it is the same on every run.
pub(crate) fn greedy_columns(p: &SparsityPattern, rows: &Rows) -> (Vec<usize>, usize) {
    let n = p.ncols();
    let mut color = vec![usize::MAX; n];
    // forbidden[c] == j + 1: colour c is taken by a neighbour of column j.
    let mut forbidden = vec![0usize; n + 1];
    let mut count = 0;
    for j in 0..n {
        for &i in p.rows_of(j) {
            // A row's columns are sorted and only those before `j` are coloured yet.
            for &k in rows.row(i).iter().take_while(|&&k| k < j) {
                forbidden[color[k]] = j + 1;
            }
        }
        let c = (0..).find(|&c| forbidden[c] != j + 1).unwrap_or(0);
        color[j] = c;
        count = count.max(c + 1);
    }
    (color, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn banded(n: usize, half: usize) -> SparsityPattern {
        let entries: Vec<_> = (0..n)
            .flat_map(|i| (i.saturating_sub(half)..(i + half + 1).min(n)).map(move |j| (i, j)))
            .collect();
        SparsityPattern::from_entries(n, n, &entries).unwrap()
    }

    #[test]
    fn a_band_takes_its_width_in_colours() {
        for half in 0..4 {
            let p = banded(50, half);
            let (c, count) = greedy_columns(&p, &Rows::of(&p));
            assert_eq!(count, 2 * half + 1);
            assert_eq!(count, p.max_row_degree());
            assert!(c.iter().all(|&c| c < count));
        }
    }

    #[test]
    fn empty_columns_take_colour_zero() {
        let p = SparsityPattern::from_entries(1, 3, &[(0, 1)]).unwrap();
        let (c, count) = greedy_columns(&p, &Rows::of(&p));
        assert_eq!((c, count), (vec![0, 0, 0], 1));
    }
}
