//! Convolution, pooling, gathers and softmax on the tangent route: each moves or combines
//! whole `[value | lanes]` blocks, so the lanes follow the values by construction.
//!
//! The windows come from the generic operators' own table (`ops::conv::window_taps`), so
//! padding, strides, dilations, `ceil_mode`, the averaging counts and the order in which a
//! max-pool window is searched (hence which element of a tie wins) are theirs.

use crate::kernels::{dgemm_strided, Strided};

/// A view of `rows × cols` entries at strides `rs`, `cs`.
fn view(rows: usize, cols: usize, rs: usize, cs: usize) -> Strided {
    Strided { rows, cols, rs, cs }
}

/// Conv with constant weights: per image `b` and group `g`,
/// `out[b, g·mg + i, l] = Σ_{c, t} w[g·mg + i, c·kn + t] · X[b, g·cg + c, tap(l, t)]`
/// (`+ bias[g·mg + i]`), one GEMM over the im2col of whole rows (values and lanes at once).
pub(super) struct Conv {
    pub(super) x: usize,
    pub(super) out: usize,
    /// Scratch for the im2col rows, `cg·kn·ln` elements.
    pub(super) col: usize,
    pub(super) images: usize,
    pub(super) group: usize,
    /// Input channels and output channels per group.
    pub(super) cg: usize,
    pub(super) mg: usize,
    /// Elements of one input plane, output positions, taps per window.
    pub(super) plane: usize,
    pub(super) ln: usize,
    pub(super) kn: usize,
    /// `ln × kn`: the plane offset each tap of each window reads, `None` in the padding.
    pub(super) taps: Vec<Option<usize>>,
    /// `M × cg·kn` row-major: ONNX's `W` layout `[M, C/G, k…]` as it is.
    pub(super) w: Vec<f64>,
    /// One value per output channel, added after the sum as the generic operator adds it.
    pub(super) bias: Option<Vec<f64>>,
}

impl Conv {
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], cols: usize, w: usize) {
        let mut o = std::mem::take(&mut bufs[self.out]);
        let mut col = std::mem::take(&mut bufs[self.col]);
        let x = &bufs[self.x];
        let (cg, mg, kn, ln, plane) = (self.cg, self.mg, self.kn, self.ln, self.plane);
        let (c, m) = (cg * self.group, mg * self.group);
        let kk = cg * kn;
        let lc = ln * cols;
        o.fill(0.0);
        for b in 0..self.images {
            for g in 0..self.group {
                for ci in 0..cg {
                    let base = (b * c + g * cg + ci) * plane;
                    for l in 0..ln {
                        for t in 0..kn {
                            let at = ((ci * kn + t) * ln + l) * cols;
                            let dst = &mut col[at..at + cols];
                            match self.taps[l * kn + t] {
                                Some(p) => {
                                    let src = (base + p) * cols;
                                    dst.copy_from_slice(&x[src..src + cols]);
                                }
                                None => dst.fill(0.0),
                            }
                        }
                    }
                }
                if kk > 0 && mg > 0 && lc > 0 {
                    let o_bg = &mut o[(b * m + g * mg) * lc..(b * m + (g + 1) * mg) * lc];
                    dgemm_strided(
                        &self.w[g * mg * kk..(g + 1) * mg * kk],
                        view(mg, kk, kk, 1),
                        &col[..kk * lc],
                        view(kk, lc, lc, 1),
                        o_bg,
                        view(mg, lc, lc, 1),
                    );
                }
            }
        }
        if let (Some(bias), true) = (&self.bias, lc > 0) {
            for (r, row) in o.chunks_exact_mut(lc).enumerate() {
                let bv = bias[r % m];
                for blk in row.chunks_exact_mut(w) {
                    blk[0] += bv;
                }
            }
        }
        bufs[self.out] = o;
        bufs[self.col] = col;
    }
}

/// MaxPool / GlobalMaxPool, AveragePool / GlobalAveragePool over `planes` planes.
pub(super) struct Pool {
    pub(super) x: usize,
    pub(super) out: usize,
    pub(super) planes: usize,
    pub(super) plane: usize,
    pub(super) ln: usize,
    pub(super) kn: usize,
    /// `ln × kn` plane offsets, `None` in the padding.
    pub(super) taps: Vec<Option<usize>>,
    /// `Some(divisors)` (one per window) for an average, `None` for the max.
    pub(super) counts: Option<Vec<usize>>,
}

impl Pool {
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], points: usize, w: usize) {
        let cols = points * w;
        let mut o = std::mem::take(&mut bufs[self.out]);
        let x = &bufs[self.x];
        let (ln, kn) = (self.ln, self.kn);
        for nc in 0..self.planes {
            let xb = nc * self.plane;
            for l in 0..ln {
                let taps = &self.taps[l * kn..(l + 1) * kn];
                let row = &mut o[(nc * ln + l) * cols..(nc * ln + l + 1) * cols];
                for (q, dst) in row.chunks_exact_mut(w).enumerate() {
                    let src = |p: usize| &x[(xb + p) * cols + q * w..(xb + p) * cols + (q + 1) * w];
                    match &self.counts {
                        None => {
                            // The generic rule: the first tap, then any strictly greater
                            // (`v > best`), so a tie keeps the earliest tap in row-major
                            // order and a NaN first tap stays.
                            let mut best: Option<(f64, usize)> = None;
                            for &p in taps.iter().flatten() {
                                let v = x[(xb + p) * cols + q * w];
                                if best.is_none_or(|(b, _)| v > b) {
                                    best = Some((v, p));
                                }
                            }
                            match best {
                                Some((_, p)) => dst.copy_from_slice(src(p)),
                                None => {
                                    // a window wholly in the padding: −∞, a constant
                                    dst.fill(0.0);
                                    dst[0] = f64::NEG_INFINITY;
                                }
                            }
                        }
                        Some(counts) => {
                            dst.fill(0.0);
                            for &p in taps.iter().flatten() {
                                for (d, s) in dst.iter_mut().zip(src(p)) {
                                    *d += s;
                                }
                            }
                            match counts[l] {
                                // no tap counted: NaN, a constant (as the generic operator)
                                0 => dst[0] = f64::NAN,
                                k => {
                                    let k = k as f64;
                                    dst.iter_mut().for_each(|v| *v /= k);
                                }
                            }
                        }
                    }
                }
            }
        }
        bufs[self.out] = o;
    }
}

/// `out` row `e` is `x` row `idx[e]` (Transpose).
pub(super) fn gather(bufs: &mut [Vec<f64>], x: usize, out: usize, idx: &[usize], cols: usize) {
    let mut o = std::mem::take(&mut bufs[out]);
    let src = &bufs[x];
    for (row, &i) in o.chunks_exact_mut(cols).zip(idx) {
        row.copy_from_slice(&src[i * cols..(i + 1) * cols]);
    }
    bufs[out] = o;
}

/// Softmax / LogSoftmax over rows of `d` elements, element `k` of row `(o, i)` at
/// `(o·d + k)·inner + i`. The values and every lane are the generic operator's dual-number
/// arithmetic written out (`ops::reduce::softmax_t`): `e_k = exp(z_k − max)`,
/// `y = e/s`, `dy = (e·dz − ds·y)/s`; and for the dominant class `y = 1/q`,
/// `q = 1 + Σ_{j≠k} e^{z_j − z_k}`, whose tangent does not cancel when `y ≈ 1`.
pub(super) struct Softmax {
    pub(super) x: usize,
    pub(super) out: usize,
    pub(super) outer: usize,
    pub(super) d: usize,
    pub(super) inner: usize,
    pub(super) log: bool,
}

impl Softmax {
    pub(super) fn run(
        &self,
        bufs: &mut [Vec<f64>],
        scratch: &mut Vec<f64>,
        points: usize,
        w: usize,
    ) {
        let cols = points * w;
        let (d, inner) = (self.d, self.inner);
        let mut o = std::mem::take(&mut bufs[self.out]);
        let x = &bufs[self.x];
        // the e_k (d values), then s and its tangent (w components)
        scratch.resize(d + w, 0.0);
        let (e, ds) = scratch.split_at_mut(d);
        for oo in 0..self.outer {
            for i in 0..inner {
                for q in 0..points {
                    let at = |k: usize| ((oo * d + k) * inner + i) * cols + q * w;
                    let mut m = f64::NEG_INFINITY;
                    for k in 0..d {
                        m = m.max(x[at(k)]);
                    }
                    if !m.is_finite() {
                        m = 0.0;
                    }
                    // s (ds[0]) and its tangent ds[1..]
                    ds.fill(0.0);
                    for k in 0..d {
                        let blk = &x[at(k)..at(k) + w];
                        e[k] = (blk[0] - m).exp();
                        ds[0] += e[k];
                        for (a, &z) in ds[1..].iter_mut().zip(&blk[1..]) {
                            *a += z * e[k];
                        }
                    }
                    let s = ds[0];
                    if self.log {
                        let ls = s.ln();
                        let inv = s.recip();
                        for k in 0..d {
                            let (xa, oa) = (at(k), at(k));
                            o[oa] = (x[xa] - m) - ls;
                            for l in 1..w {
                                o[oa + l] = x[xa + l] - ds[l] * inv;
                            }
                        }
                        continue;
                    }
                    for (k, &ek) in e.iter().enumerate() {
                        let a = at(k);
                        let y = ek / s;
                        o[a] = y;
                        for l in 1..w {
                            o[a + l] = (x[a + l] * ek - ds[l] * y) / s;
                        }
                    }
                    if d > 1 {
                        let k = (0..d).find(|&k| x[at(k)] == m).unwrap_or(0);
                        let ak = at(k);
                        let zk = x[ak];
                        // q and dq, the latter in the output's lanes of k
                        let mut qv = 1.0;
                        o[ak + 1..ak + w].fill(0.0);
                        for j in (0..d).filter(|&j| j != k) {
                            let aj = at(j);
                            let ej = (x[aj] - zk).exp();
                            qv += ej;
                            for l in 1..w {
                                o[ak + l] += (x[aj + l] - x[ak + l]) * ej;
                            }
                        }
                        let r = qv.recip();
                        let slope = -(r * r);
                        o[ak] = r;
                        for l in 1..w {
                            o[ak + l] *= slope;
                        }
                    }
                }
            }
        }
        bufs[self.out] = o;
    }
}
