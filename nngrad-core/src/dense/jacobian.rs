//! [`Mlp`]'s Jacobians by matrix products: one point, batches laid side by side (on one thread
//! or rayon's pool), in whichever association (from the input or the output side) costs fewer
//! multiply-adds.

use super::{check, Activation, Dense, DenseError, Mlp, Workspace};
use crate::kernels::GemmDims;
use nalgebra::DMatrix;
use rayon::prelude::*;

impl Mlp {
    /// Outputs and the `outputs × inputs` Jacobian at `x`, formed by matrix products in the
    /// cheaper association order (see the [module docs](crate::dense)).
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `x` does not have [`inputs`](Mlp::inputs) elements.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let net = Mlp::new(vec![Dense::new(1, 1, vec![2.0], vec![0.0], Activation::Tanh).unwrap()]).unwrap();
    /// let (y, j) = net.jacobian(&[0.5]).unwrap();
    /// assert_eq!(y[0], 1f64.tanh());
    /// assert!((j[(0, 0)] - 2.0 * (1.0 - 1f64.tanh().powi(2))).abs() < 1e-15);
    /// ```
    pub fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), DenseError> {
        let mut ws = Workspace::default();
        self.jacobian_with(x, &mut ws)?;
        let (m, n) = (self.outputs(), self.inputs());
        Ok((
            ws.values().to_vec(),
            DMatrix::from_row_slice(m, n, ws.jacobian()),
        ))
    }

    /// [`jacobian`](Mlp::jacobian) into preallocated buffers, read back with
    /// [`Workspace::values`] and [`Workspace::jacobian`] (row-major): no allocation once the
    /// workspace has grown to the network's size.
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `x` does not have [`inputs`](Mlp::inputs) elements.
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp, Workspace};
    /// let net = Mlp::new(vec![Dense::new(2, 1, vec![1.0, 2.0], vec![0.0], Activation::Identity).unwrap()]).unwrap();
    /// let mut ws = Workspace::default();
    /// net.jacobian_with(&[1.0, 1.0], &mut ws).unwrap();
    /// assert_eq!(ws.jacobian(), &[1.0, 2.0]);
    /// ```
    pub fn jacobian_with(&self, x: &[f64], ws: &mut Workspace) -> Result<(), DenseError> {
        check("inputs", self.inputs(), x.len())?;
        // One point even with no inputs (a batch cannot count zero-input points).
        let outputs_first = self.outputs_first_is_cheaper(1);
        self.jacobian_batch_in(x, 1, ws, outputs_first)
    }

    /// Outputs and Jacobians at many points: `xs` holds the points one after the other
    /// (`points × inputs`, row-major). Returns the outputs (`points × outputs`) and the
    /// Jacobians (`points × outputs × inputs`), both row-major. The points are laid side by
    /// side so that each layer is one wide matrix product.
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `xs.len()` is not a multiple of [`inputs`](Mlp::inputs).
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let net = Mlp::new(vec![Dense::new(1, 1, vec![3.0], vec![0.0], Activation::Identity).unwrap()]).unwrap();
    /// let (y, j) = net.jacobian_batch(&[1.0, 2.0]).unwrap();
    /// assert_eq!((y, j), (vec![3.0, 6.0], vec![3.0, 3.0]));
    /// ```
    pub fn jacobian_batch(&self, xs: &[f64]) -> Result<(Vec<f64>, Vec<f64>), DenseError> {
        let mut ws = Workspace::default();
        self.jacobian_batch_with(xs, &mut ws)?;
        Ok((ws.values().to_vec(), ws.jacobian().to_vec()))
    }

    /// [`jacobian_batch`](Mlp::jacobian_batch) into preallocated buffers.
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `xs.len()` is not a multiple of [`inputs`](Mlp::inputs).
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp, Workspace};
    /// let net = Mlp::new(vec![Dense::new(1, 1, vec![3.0], vec![1.0], Activation::Identity).unwrap()]).unwrap();
    /// let mut ws = Workspace::default();
    /// net.jacobian_batch_with(&[1.0, 2.0], &mut ws).unwrap();
    /// assert_eq!(ws.values(), &[4.0, 7.0]);
    /// ```
    pub fn jacobian_batch_with(&self, xs: &[f64], ws: &mut Workspace) -> Result<(), DenseError> {
        let points = xs.len().checked_div(self.inputs()).unwrap_or(0);
        let outputs_first = self.outputs_first_is_cheaper(points.min(BLOCK_ELEMS));
        self.jacobian_batch_in(xs, points, ws, outputs_first)
    }

    /// [`jacobian_batch_with`](Mlp::jacobian_batch_with) of `points` points in the given
    /// association order.
    fn jacobian_batch_in(
        &self,
        xs: &[f64],
        points: usize,
        ws: &mut Workspace,
        outputs_first: bool,
    ) -> Result<(), DenseError> {
        let n = self.inputs();
        check("points × inputs", points * n, xs.len())?;
        let m = self.outputs();
        grow(&mut ws.vals, points * m);
        grow(&mut ws.jacs, points * m * n);
        ws.outputs = m;
        ws.inputs = n;
        ws.points = points;
        // The results go to the workspace's own buffers, taken out for the call so the
        // blocks can borrow the rest of it.
        let (mut vals, mut jacs) = (std::mem::take(&mut ws.vals), std::mem::take(&mut ws.jacs));
        self.blocks_into(
            xs,
            points,
            ws,
            outputs_first,
            (&mut vals[..points * m], &mut jacs[..points * m * n]),
        );
        (ws.vals, ws.jacs) = (vals, jacs);
        Ok(())
    }

    /// [`jacobian_batch_with`](Mlp::jacobian_batch_with) with the results written straight
    /// into `vals` (`points × outputs`) and `jacs` (`points × outputs × inputs`), both
    /// point-major, instead of the workspace's buffers ([`Workspace::values`] and
    /// [`Workspace::jacobian`] are left as they were): a caller that returns the results in
    /// buffers of its own (a loaded model's batch) skips a copy. Same blocks, same sums, so
    /// the same bits as `jacobian_batch_with`, and for one point as
    /// [`jacobian_with`](Mlp::jacobian_with) (the association order compares costs that both
    /// grow in proportion to the points).
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `xs.len()` is not a multiple of [`inputs`](Mlp::inputs) or
    /// `vals` or `jacs` does not have the length of that many points' results.
    pub(crate) fn jacobian_batch_into(
        &self,
        xs: &[f64],
        ws: &mut Workspace,
        vals: &mut [f64],
        jacs: &mut [f64],
    ) -> Result<(), DenseError> {
        let (n, m) = (self.inputs(), self.outputs());
        let points = xs.len().checked_div(n).unwrap_or(0);
        check("points × inputs", points * n, xs.len())?;
        check("points × outputs", points * m, vals.len())?;
        check("points × outputs × inputs", points * m * n, jacs.len())?;
        let outputs_first = self.outputs_first_is_cheaper(points.min(BLOCK_ELEMS));
        self.blocks_into(xs, points, ws, outputs_first, (vals, jacs));
        Ok(())
    }

    /// The blocks of a batch of `points` points (shapes checked by the caller), each block's
    /// results written to its part of `out` (values, Jacobians).
    fn blocks_into(
        &self,
        xs: &[f64],
        points: usize,
        ws: &mut Workspace,
        outputs_first: bool,
        (vals, jacs): (&mut [f64], &mut [f64]),
    ) {
        let (n, m) = (self.inputs(), self.outputs());
        let block = self.block_points(points, outputs_first);
        let mut p0 = 0;
        while p0 < points {
            let p1 = (p0 + block).min(points);
            let x = &xs[p0 * n..p1 * n];
            let out = (&mut vals[p0 * m..p1 * m], &mut jacs[p0 * m * n..p1 * m * n]);
            if outputs_first {
                self.jacobian_block_outputs_first(x, p1 - p0, ws, out);
            } else {
                self.jacobian_block(x, p1 - p0, ws, out);
            }
            p0 = p1;
        }
    }

    /// [`jacobian_batch`](Mlp::jacobian_batch) on `threads` threads of a rayon pool made for
    /// the call (`0`: on rayon's global pool, as [`Differentiable::jacobian_batch`] does).
    /// Same results, bit for bit, as the single-threaded call.
    ///
    /// # Errors
    /// [`DenseError::Shape`] if `xs.len()` is not a multiple of [`inputs`](Mlp::inputs).
    ///
    /// ```
    /// use nngrad_core::dense::{Activation, Dense, Mlp};
    /// let net = Mlp::new(vec![Dense::new(1, 1, vec![3.0], vec![0.0], Activation::Tanh).unwrap()]).unwrap();
    /// let xs = [0.1, 0.2, 0.3, 0.4, 0.5];
    /// assert_eq!(net.jacobian_batch_parallel(&xs, 2).unwrap(), net.jacobian_batch(&xs).unwrap());
    /// ```
    pub fn jacobian_batch_parallel(
        &self,
        xs: &[f64],
        threads: usize,
    ) -> Result<(Vec<f64>, Vec<f64>), DenseError> {
        if threads == 0 {
            return self.jacobian_batch_pooled(xs);
        }
        match rayon::ThreadPoolBuilder::new().num_threads(threads).build() {
            Ok(pool) => pool.install(|| self.jacobian_batch_pooled(xs)),
            // No threads to be had: the same results on this one.
            Err(_) => self.jacobian_batch(xs),
        }
    }

    /// [`jacobian_batch`](Mlp::jacobian_batch) with its blocks of points spread over the
    /// current rayon pool. The blocks are those the single-threaded call makes, whatever the
    /// thread count, so the results are the same bit for bit.
    pub(crate) fn jacobian_batch_pooled(
        &self,
        xs: &[f64],
    ) -> Result<(Vec<f64>, Vec<f64>), DenseError> {
        let n = self.inputs();
        let points = xs.len().checked_div(n).unwrap_or(0);
        check("points × inputs", points * n, xs.len())?;
        let outputs_first = self.outputs_first_is_cheaper(points.min(BLOCK_ELEMS));
        let block = self.block_points(points, outputs_first);
        if points <= block || rayon::current_num_threads() <= 1 {
            return self.jacobian_batch(xs);
        }
        let parts: Vec<(Vec<f64>, Vec<f64>)> = xs
            .par_chunks(block * n)
            .map(|x| {
                let mut ws = Workspace::default();
                // The chunk is whole points, so the shape check inside cannot fail.
                match self.jacobian_batch_in(x, x.len() / n, &mut ws, outputs_first) {
                    Ok(()) => (ws.vals, ws.jacs),
                    Err(_) => (Vec::new(), Vec::new()),
                }
            })
            .collect();
        let (m, mut vals, mut jacs) = (self.outputs(), Vec::new(), Vec::new());
        vals.reserve(points * m);
        jacs.reserve(points * m * n);
        for (v, j) in parts {
            vals.extend(v);
            jacs.extend(j);
        }
        check("points × outputs", points * m, vals.len())?;
        Ok((vals, jacs))
    }

    /// Points per block of a batch: small enough that a layer's state stays in cache, wide
    /// enough that each GEMM has many columns.
    fn block_points(&self, points: usize, outputs_first: bool) -> usize {
        let widest = self.layers.iter().map(|l| l.outputs).max().unwrap_or(0);
        let per_point = if outputs_first {
            self.outputs() + 1
        } else {
            self.inputs() + 1
        };
        (BLOCK_ELEMS / (widest * per_point).max(1)).clamp(1, points.max(1))
    }

    /// Whether `J = D_L W_L ⋯ D_1 W_1` for `points` points costs less associated from the
    /// output side (`m` rows carried down, after one values-only pass) than from the input
    /// side (`n` tangent columns carried up), counting multiply-adds. Both orders give the same exact product; only the rounding of the sums
    /// differs.
    fn outputs_first_is_cheaper(&self, points: usize) -> bool {
        let (n, m, layers) = (self.inputs(), self.outputs(), self.layers.len());
        let size = |l: &Dense| l.inputs * l.outputs;
        let values: usize = self.layers.iter().map(size).sum();
        let later: usize = self.layers[1..].iter().map(size).sum();
        let earlier: usize = self.layers[..layers - 1].iter().map(size).sum();
        let outputs_side = points * (values + m * earlier);
        let inputs_side = points * (n + 1) * later;
        outputs_side < inputs_side
    }

    /// One block of points, the Jacobian associated from the output side: a values-only
    /// forward pass keeps every layer's slopes, then `R ← (R D_l) W_l` from `R = D_L W_L`
    /// down to the first layer, all points' `R` stacked so each step is one GEMM
    /// (activations × weights) and the final `R` is the point-major Jacobians.
    ///
    /// `out` receives the block's values and Jacobians (point-major).
    fn jacobian_block_outputs_first(
        &self,
        xs: &[f64],
        points: usize,
        ws: &mut Workspace,
        (vals, jacs): (&mut [f64], &mut [f64]),
    ) {
        let (n, m) = (self.inputs(), self.outputs());
        let widest = self.layers.iter().map(|l| l.outputs).max().unwrap_or(0);
        let total: usize = self.layers.iter().map(|l| l.outputs).sum();
        grow(&mut ws.d, total * points);
        grow(&mut ws.z, widest * points);
        grow(&mut ws.cur, widest.max(n) * points);
        // `a` and `next` trade places after each product of R (points·m rows); `a` also holds
        // a layer's slopes in the values pass (m ≥ 1).
        grow(&mut ws.a, widest.max(n) * m * points);
        grow(&mut ws.next, widest.max(n) * m * points);

        // Values pass: state (units × points), inputs first.
        let mut off = 0;
        for (li, l) in self.layers.iter().enumerate() {
            let (k, h) = (l.inputs, l.outputs);
            let z = &mut ws.z[..h * points];
            let dims = GemmDims {
                m: h,
                k,
                n: points,
                trans_a: false,
                trans_b: false,
            };
            if li == 0 {
                // The points are the rows of `xs`: read transposed (one point: the column
                // itself, whichever way it is read).
                let dims = GemmDims {
                    trans_b: points > 1,
                    ..dims
                };
                l.affine(xs, dims, z);
            } else {
                l.affine(&ws.cur[..k * points], dims, z);
            }
            l.activation.values_slopes(
                &ws.z[..h * points],
                &mut ws.cur[..h * points],
                &mut ws.a[..h * points],
            );
            // Slopes stored point-major, so that scaling a row of R below is contiguous.
            let slopes = &mut ws.d[off..off + h * points];
            for (j, sr) in ws.a[..h * points].chunks_exact(points).enumerate() {
                for (p, &v) in sr.iter().enumerate() {
                    slopes[p * h + j] = v;
                }
            }
            off += h * points;
        }
        for i in 0..m {
            for p in 0..points {
                vals[p * m + i] = ws.cur[i * points + p];
            }
        }

        // R (points·m × k), row (p, i): start from D_L W_L.
        let last = &self.layers[self.layers.len() - 1];
        off -= last.outputs * points;
        let k = last.inputs;
        for p in 0..points {
            for i in 0..m {
                let d = ws.d[off + p * m + i];
                let row = &mut ws.a[(p * m + i) * k..(p * m + i + 1) * k];
                for (r, &w) in row.iter_mut().zip(&last.w[i * k..(i + 1) * k]) {
                    *r = d * w;
                }
            }
        }
        let layers = self.layers.len();
        for (li, l) in self.layers[..layers - 1].iter().enumerate().rev() {
            let (h, k) = (l.outputs, l.inputs);
            off -= h * points;
            // R ← R D_l: column j of point p's block scaled by slope j at p.
            if l.activation != Activation::Identity {
                for (p, rows) in ws.a[..points * m * h].chunks_exact_mut(m * h).enumerate() {
                    let d = &ws.d[off + p * h..off + (p + 1) * h];
                    for row in rows.chunks_exact_mut(h) {
                        for (r, &d) in row.iter_mut().zip(d) {
                            *r *= d;
                        }
                    }
                }
            }
            // R ← R W_l; the last product (the first layer's) is the Jacobians themselves,
            // written in place.
            let dims = GemmDims {
                m: points * m,
                k: h,
                n: k,
                trans_a: false,
                trans_b: false,
            };
            if li == 0 {
                product(&ws.a[..points * m * h], &l.w, dims, jacs, false);
                return;
            }
            let out = &mut ws.next[..points * m * k];
            product(&ws.a[..points * m * h], &l.w, dims, out, false);
            core::mem::swap(&mut ws.a, &mut ws.next);
        }
        // One layer (never cheaper from this side, but correct): R = D_L W_L is the Jacobian.
        jacs.copy_from_slice(&ws.a[..points * m * n]);
    }

    /// One block of `points` points from the input side, its values and Jacobians written to
    /// `out` (point-major).
    fn jacobian_block(
        &self,
        xs: &[f64],
        points: usize,
        ws: &mut Workspace,
        (vals, jacs): (&mut [f64], &mut [f64]),
    ) {
        let (n, m) = (self.inputs(), self.outputs());
        let w = 1 + n;
        let cols = points * w;
        let widest = self.layers.iter().map(|l| l.outputs).max().unwrap_or(0);
        grow(&mut ws.cur, widest * cols);
        grow(&mut ws.next, widest * cols);

        grow(&mut ws.z, widest * points);
        grow(&mut ws.d, widest * points);
        grow(&mut ws.a, widest * points);

        // State layout: row i = one unit, `points` blocks of `w` columns [value | n lanes].
        let l0 = &self.layers[0];
        let h = l0.outputs;
        let dims = GemmDims {
            m: h,
            k: n,
            n: points,
            trans_a: false,
            trans_b: points > 1,
        };
        l0.affine(xs, dims, &mut ws.z[..h * points]);
        l0.activation.values_slopes(
            &ws.z[..h * points],
            &mut ws.a[..h * points],
            &mut ws.d[..h * points],
        );
        for (i, row) in ws.cur[..h * cols].chunks_exact_mut(cols).enumerate() {
            let wi = &l0.w[i * n..(i + 1) * n];
            let (a, d) = (&ws.a[i * points..], &ws.d[i * points..]);
            for (p, blk) in row.chunks_exact_mut(w).enumerate() {
                blk[0] = a[p];
                // The first tangent is D₁W₁: the seed is the identity, so no product.
                for (t, &wv) in blk[1..].iter_mut().zip(wi) {
                    *t = d[p] * wv;
                }
            }
        }
        for l in &self.layers[1..] {
            let out = &mut ws.next[..l.outputs * cols];
            for (i, row) in out.chunks_exact_mut(cols).enumerate() {
                for blk in row.chunks_exact_mut(w) {
                    blk[0] = if l.bias_after { 0.0 } else { l.b[i] };
                    blk[1..].fill(0.0);
                }
            }
            // Values and lanes in one product; the values' sums are those of `affine`.
            product(&l.w, &ws.cur[..l.inputs * cols], l.dims(cols), out, true);
            if l.bias_after {
                for (row, &b) in out.chunks_exact_mut(cols).zip(&l.b) {
                    row.iter_mut().step_by(w).for_each(|v| *v += b);
                }
            }
            if l.activation != Activation::Identity {
                let k = l.outputs * points;
                for (z, blk) in ws.z[..k].iter_mut().zip(out.chunks_exact(w)) {
                    *z = blk[0];
                }
                l.activation
                    .values_slopes(&ws.z[..k], &mut ws.a[..k], &mut ws.d[..k]);
                for ((blk, &a), &d) in out.chunks_exact_mut(w).zip(&ws.a[..k]).zip(&ws.d[..k]) {
                    blk[0] = a;
                    for t in &mut blk[1..] {
                        *t *= d;
                    }
                }
            }
            core::mem::swap(&mut ws.cur, &mut ws.next);
        }
        // Reorder [unit][point][value | lanes] into values and Jacobians, point-major.
        for (i, row) in ws.cur[..m * cols].chunks_exact(cols).enumerate() {
            for (p, blk) in row.chunks_exact(w).enumerate() {
                let q = p * m + i;
                vals[q] = blk[0];
                jacs[q * n..(q + 1) * n].copy_from_slice(&blk[1..]);
            }
        }
    }
}

/// Makes `v` at least `len` long. Buffers only grow: every use slices the length it needs,
/// and the blocks of a batch differ in size (the last is shorter), so shrinking would make
/// the next call zero the regrown part again.
fn grow(v: &mut Vec<f64>, len: usize) {
    if v.len() < len {
        v.resize(len, 0.0);
    }
}

/// Elements of one layer's state per block of points in [`Mlp::jacobian_batch_with`]:
/// 32 Ki f64 (256 KiB), so the two state buffers stay within a typical L2 cache.
const BLOCK_ELEMS: usize = 32 * 1024;

/// `out = A·B` (`+=` when `accumulate`) for f64 operands, through the crate's kernels: the
/// dimensions here grow with the number of points in a block, so every kernel they may pick
/// gives each entry the same sum, bit for bit (`kernels::small`; never the plain loops that
/// `gemm_ws` takes for products of at most 64 multiply-adds, which sum without FMA), and a
/// point's Jacobian does not depend on the batch it came in (the Python `sensitivity` test pins results for any
/// `block`).
pub(super) fn product(a: &[f64], b: &[f64], d: GemmDims, out: &mut [f64], accumulate: bool) {
    if accumulate {
        crate::kernels::gemm_f64_acc(a, b, d, out);
    } else {
        crate::kernels::gemm_f64_assign(a, b, d, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tanh network of the given widths (linear last layer), weights from a fixed
    /// sequence in (−0.5, 0.5).
    fn net(sizes: &[usize]) -> Mlp {
        let mut s = 0x2545_f491_4f6c_dd1du64;
        let mut r = move || {
            s = s.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (s >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let last = sizes.len() - 2;
        let layers = sizes
            .windows(2)
            .enumerate()
            .map(|(l, w)| {
                let act = if l == last {
                    Activation::Identity
                } else {
                    Activation::Tanh
                };
                let wt = (0..w[0] * w[1]).map(|_| r()).collect();
                let b = (0..w[1]).map(|_| r()).collect();
                Dense::new(w[0], w[1], wt, b, act).unwrap()
            })
            .collect();
        Mlp::new(layers).unwrap()
    }

    fn bits(v: &[f64]) -> Vec<u64> {
        v.iter().map(|x| x.to_bits()).collect()
    }

    /// Into the caller's buffers, the same bits as into the workspace and as each point
    /// alone: both association orders (fewer outputs than inputs, and more), one layer
    /// (whose Jacobian is known exactly), and batches of one, part of a block and several
    /// blocks.
    #[test]
    fn batch_into_caller_buffers_is_batch_with_bit_for_bit() {
        for sizes in [&[8usize, 32, 32, 4][..], &[4, 32, 32, 8], &[6, 3]] {
            let mlp = net(sizes);
            let (n, m) = (mlp.inputs(), mlp.outputs());
            for points in [1usize, 37, 500] {
                let xs: Vec<f64> = (0..points * n).map(|i| (i as f64 * 0.37).sin()).collect();
                let mut ws = Workspace::default();
                mlp.jacobian_batch_with(&xs, &mut ws).unwrap();
                let (mut ys, mut js) = (vec![0.0; points * m], vec![0.0; points * m * n]);
                let mut ws2 = Workspace::default();
                mlp.jacobian_batch_into(&xs, &mut ws2, &mut ys, &mut js)
                    .unwrap();
                assert_eq!(bits(&ys), bits(ws.values()), "{sizes:?} {points}");
                assert_eq!(bits(&js), bits(ws.jacobian()), "{sizes:?} {points}");
                for p in [0, points / 2, points - 1] {
                    mlp.jacobian_with(&xs[p * n..(p + 1) * n], &mut ws).unwrap();
                    assert_eq!(bits(&ys[p * m..(p + 1) * m]), bits(ws.values()));
                    assert_eq!(bits(&js[p * m * n..(p + 1) * m * n]), bits(ws.jacobian()));
                }
                // A one-layer net's Jacobian is diag(slopes)·W: here the identity, so W.
                if sizes.len() == 2 {
                    for jq in js.chunks_exact(m * n) {
                        assert_eq!(bits(jq), bits(&mlp.layers()[0].w));
                    }
                }
            }
        }
    }

    #[test]
    fn batch_into_checks_every_length() {
        let mlp = net(&[3, 5, 2]);
        let mut ws = Workspace::default();
        let xs = [0.1; 6];
        let (mut ys, mut js) = (vec![0.0; 4], vec![0.0; 12]);
        assert!(mlp
            .jacobian_batch_into(&xs, &mut ws, &mut ys, &mut js)
            .is_ok());
        assert!(mlp
            .jacobian_batch_into(&xs[..5], &mut ws, &mut ys, &mut js)
            .is_err());
        assert!(mlp
            .jacobian_batch_into(&xs, &mut ws, &mut ys[..3], &mut js)
            .is_err());
        assert!(mlp
            .jacobian_batch_into(&xs, &mut ws, &mut ys, &mut js[..11])
            .is_err());
    }
}
