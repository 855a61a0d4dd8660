//! MatMul of two activations on the tangent route (attention's `Q·Kᵀ` and
//! `softmax(·)·V`): `C = A·B` for each product of the batch, per point
//! `C = A·B` on the values and `dC = dA·B + A·dB` on the lanes, every term a strided GEMM
//! over the `[value | lanes]` blocks through the same kernel as the other steps.
//!
//! The products and their operands' offsets are the generic operator's (`MatMulShape`:
//! 1-D operands promoted, batch dimensions broadcast), so the shapes cannot differ.

use crate::kernels::{dgemm_strided, Strided};

/// A view of `rows × cols` entries at strides `rs`, `cs`.
fn view(rows: usize, cols: usize, rs: usize, cs: usize) -> Strided {
    Strided { rows, cols, rs, cs }
}

/// `out[g] = A[g]·B[g]` for the products `g` of a MatMul whose operands are both
/// activations (`a` and `b` may be the same buffer).
pub(super) struct Product {
    pub(super) a: usize,
    pub(super) b: usize,
    pub(super) out: usize,
    /// `A[g]` is `m×k`, `B[g]` is `k×n`, both row-major.
    pub(super) m: usize,
    pub(super) k: usize,
    pub(super) n: usize,
    /// Per product, in the output's order: the element offsets of `A[g]` in `a` and of
    /// `B[g]` in `b`.
    pub(super) pairs: Vec<(usize, usize)>,
}

impl Product {
    /// Runs for `points` points of `w` components each.
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], points: usize, w: usize) {
        let (m, k, n) = (self.m, self.k, self.n);
        let cols = points * w;
        let lanes = w - 1;
        let mut o = std::mem::take(&mut bufs[self.out]);
        o.fill(0.0);
        if m == 0 || k == 0 || n == 0 {
            // An empty product (zeros) or an empty result: no operand row to read.
            bufs[self.out] = o;
            return;
        }
        let (xa, xb) = (&bufs[self.a], &bufs[self.b]);
        // Element (i, p) of A[g] at row `ia + i·k + p`, and so on: for one point the values
        // are a view of element strides `k·cols`, `cols`, and a row's lanes a contiguous run.
        let a_val = view(m, k, k * cols, cols);
        let b_val = view(k, n, n * cols, cols);
        let c_val = view(m, n, n * cols, cols);
        for (g, &(ia, ib)) in self.pairs.iter().enumerate() {
            let (oa, ob, oc) = (ia * cols, ib * cols, g * m * n * cols);
            for q in 0..points {
                let at = q * w;
                dgemm_strided(
                    &xa[oa + at..],
                    a_val,
                    &xb[ob + at..],
                    b_val,
                    &mut o[oc + at..],
                    c_val,
                );
                if lanes == 0 {
                    continue;
                }
                if lanes <= m.min(n) {
                    // Few lanes (a JVP): two full products per lane, dA_l·B and A·dB_l, the
                    // lane picked out by its offset; per column of C they would be m + n
                    // matrix-vector products, far slower (a 640³ JVP took over 2 s so).
                    for l in 1..=lanes {
                        dgemm_strided(
                            &xa[oa + at..],
                            a_val,
                            &xb[ob + at + l..],
                            b_val,
                            &mut o[oc + at + l..],
                            c_val,
                        );
                        dgemm_strided(
                            &xa[oa + at + l..],
                            a_val,
                            &xb[ob + at..],
                            b_val,
                            &mut o[oc + at + l..],
                            c_val,
                        );
                    }
                    continue;
                }
                // A·dB, all lanes at once: column j of C (m × lanes) += A (m×k) · the lanes
                // of column j of B (k × lanes).
                for j in 0..n {
                    dgemm_strided(
                        &xa[oa + at..],
                        a_val,
                        &xb[ob + j * cols + at + 1..],
                        view(k, lanes, n * cols, 1),
                        &mut o[oc + j * cols + at + 1..],
                        view(m, lanes, n * cols, 1),
                    );
                }
                // dA·B: row i of C (n × lanes) += Bᵀ (n×k) · the lanes of row i of A
                // (k × lanes).
                for i in 0..m {
                    dgemm_strided(
                        &xb[ob + at..],
                        view(n, k, cols, n * cols),
                        &xa[oa + i * k * cols + at + 1..],
                        view(k, lanes, cols, 1),
                        &mut o[oc + i * n * cols + at + 1..],
                        view(n, lanes, cols, 1),
                    );
                }
            }
        }
        bufs[self.out] = o;
    }
}
