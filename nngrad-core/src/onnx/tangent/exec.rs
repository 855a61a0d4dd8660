//! Running a [`Plan`]: `P` points at once, each tensor an `E × (P·w)` f64 matrix of
//! `[value | lanes]` blocks.

use super::{BinOp, Plan, Step};
use crate::dense::tanh::tanh_slope;
use crate::kernels::{dgemm_strided, Strided};
use crate::Dual;

/// What the lanes carry.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Mode<'a> {
    /// No lanes: values only.
    Forward,
    /// One lane: the tangent of each point, `points·n` values.
    Jvp(&'a [f64]),
    /// `n` lanes seeded with the identity: the Jacobian.
    Jacobian,
}

/// The buffers of one call, kept in the plan's pool between calls.
#[derive(Debug, Default)]
pub(crate) struct Work {
    bufs: Vec<Vec<f64>>,
    z: Vec<f64>,
    t: Vec<f64>,
    d: Vec<f64>,
}

/// The layout of one call: `points` blocks of `w` components per element.
#[derive(Clone, Copy)]
struct Cols {
    points: usize,
    w: usize,
    jacobian: bool,
}

impl Cols {
    fn all(&self) -> usize {
        self.points * self.w
    }
}

impl Plan {
    /// Runs the plan at the `points` points of `xs` (`points·n` values) and hands the
    /// output buffer (`m` rows of `points` blocks of `w` components) to `read`.
    ///
    /// # Panics
    /// If `xs` (or the JVP tangents) is not `points·n` long: the callers check lengths.
    pub(crate) fn run<R>(
        &self,
        xs: &[f64],
        points: usize,
        mode: Mode<'_>,
        read: impl FnOnce(&[f64], usize) -> R,
    ) -> R {
        self.run_steps(
            xs,
            points,
            mode,
            self.steps.len(),
            (self.output, self.m),
            read,
        )
    }

    /// The first `count` steps at one lane (a JVP; `mode` must be `Jvp`), read from buffer
    /// `buf` of `n` elements: the point-major values into `v` and lanes into `d` (both set
    /// to `points × n` elements, every one written). The dense chain's scaler.
    pub(super) fn run_prefix(
        &self,
        xs: &[f64],
        points: usize,
        mode: Mode<'_>,
        count: usize,
        buf: usize,
        (v, d): (&mut Vec<f64>, &mut Vec<f64>),
    ) {
        let n = self.n;
        v.resize(points * n, 0.0);
        d.resize(points * n, 0.0);
        self.run_steps(xs, points, mode, count, (buf, n), |o, cols| {
            for e in 0..n {
                for q in 0..points {
                    v[q * n + e] = o[e * cols + 2 * q];
                    d[q * n + e] = o[e * cols + 2 * q + 1];
                }
            }
        })
    }

    /// Runs the first `count` steps and hands the first `rows` rows of buffer `buf` to
    /// `read`, as [`Plan::run`].
    fn run_steps<R>(
        &self,
        xs: &[f64],
        points: usize,
        mode: Mode<'_>,
        count: usize,
        (buf, rows): (usize, usize),
        read: impl FnOnce(&[f64], usize) -> R,
    ) -> R {
        let n = self.n;
        assert_eq!(xs.len(), points * n, "tangent route: points × inputs");
        let lanes = match mode {
            Mode::Forward => 0,
            Mode::Jvp(v) => {
                assert_eq!(v.len(), xs.len(), "tangent route: tangents");
                1
            }
            Mode::Jacobian => n,
        };
        let c = Cols {
            points,
            w: 1 + lanes,
            jacobian: matches!(mode, Mode::Jacobian),
        };
        let cols = c.all();
        let mut work = self
            .pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop()
            .unwrap_or_default();
        work.bufs.resize_with(self.sizes.len(), Vec::new);
        for (b, &s) in work.bufs.iter_mut().zip(&self.sizes) {
            b.resize(s * cols, 0.0);
        }
        let inp = &mut work.bufs[self.input];
        for e in 0..n {
            let row = &mut inp[e * cols..(e + 1) * cols];
            for (q, blk) in row.chunks_exact_mut(c.w).enumerate() {
                blk[0] = xs[q * n + e];
                match mode {
                    Mode::Forward => {}
                    Mode::Jvp(v) => blk[1] = v[q * n + e],
                    Mode::Jacobian => {
                        blk[1..].fill(0.0);
                        blk[1 + e] = 1.0;
                    }
                }
            }
        }
        for st in &self.steps[..count] {
            st.run(&mut work, c);
        }
        let r = read(&work.bufs[buf][..rows * cols], cols);
        self.pool
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(work);
        r
    }
}

/// A view of `rows × cols` entries at strides `rs`, `cs`.
fn view(rows: usize, cols: usize, rs: usize, cs: usize) -> Strided {
    Strided { rows, cols, rs, cs }
}

impl Step {
    fn run(&self, work: &mut Work, c: Cols) {
        let cols = c.all();
        let w = c.w;
        match self {
            Step::Linear {
                a,
                out,
                rows,
                k,
                n,
                trans_a,
                wt,
                bias,
                seed,
            } => {
                let (rows, k, n) = (*rows, *k, *n);
                let mut o = std::mem::take(&mut work.bufs[*out]);
                let x = &work.bufs[*a];
                for (e, row) in o.chunks_exact_mut(cols).enumerate() {
                    let b = bias.as_ref().map_or(0.0, |b| b[e]);
                    for blk in row.chunks_exact_mut(w) {
                        blk[0] = b;
                        blk[1..].fill(0.0);
                    }
                }
                let wv = view(n, k, k, 1);
                let a_rs = if *trans_a { rows * cols } else { cols };
                for r in 0..rows {
                    let a_off = if *trans_a { r * cols } else { r * k * cols };
                    let o_r = &mut o[r * n * cols..(r + 1) * n * cols];
                    if *seed && c.jacobian {
                        // Values: one product over the points' value columns; lanes: the
                        // input's lanes are the identity, so W's rows are the tangents.
                        dgemm_strided(
                            wt,
                            wv,
                            &x[a_off..],
                            view(k, c.points, a_rs, w),
                            o_r,
                            view(n, c.points, cols, w),
                        );
                        for (j, row) in o_r.chunks_exact_mut(cols).enumerate() {
                            let wj = &wt[j * k..(j + 1) * k];
                            for blk in row.chunks_exact_mut(w) {
                                for (p, &v) in wj.iter().enumerate() {
                                    let lane = if *trans_a { p * rows + r } else { r * k + p };
                                    blk[1 + lane] = v;
                                }
                            }
                        }
                    } else {
                        dgemm_strided(
                            wt,
                            wv,
                            &x[a_off..],
                            view(k, cols, a_rs, 1),
                            o_r,
                            view(n, cols, cols, 1),
                        );
                    }
                }
                work.bufs[*out] = o;
            }
            Step::LinearLeft {
                b,
                out,
                groups,
                m,
                k,
                n,
                w: wm,
                seed,
            } => {
                let (m, k, n) = (*m, *k, *n);
                let mut o = std::mem::take(&mut work.bufs[*out]);
                let x = &work.bufs[*b];
                o.fill(0.0);
                let wv = view(m, k, k, 1);
                for g in 0..*groups {
                    let x_g = &x[g * k * n * cols..];
                    let o_g = &mut o[g * m * n * cols..(g + 1) * m * n * cols];
                    if *seed && c.jacobian {
                        for j in 0..n {
                            dgemm_strided(
                                wm,
                                wv,
                                &x_g[j * cols..],
                                view(k, c.points, n * cols, w),
                                &mut o_g[j * cols..],
                                view(m, c.points, n * cols, w),
                            );
                        }
                        for i in 0..m {
                            for j in 0..n {
                                let row = &mut o_g[(i * n + j) * cols..(i * n + j + 1) * cols];
                                for blk in row.chunks_exact_mut(w) {
                                    for p in 0..k {
                                        blk[1 + (g * k + p) * n + j] = wm[i * k + p];
                                    }
                                }
                            }
                        }
                    } else {
                        dgemm_strided(
                            wm,
                            wv,
                            x_g,
                            view(k, n * cols, n * cols, 1),
                            o_g,
                            view(m, n * cols, n * cols, 1),
                        );
                    }
                }
                work.bufs[*out] = o;
            }
            Step::Unary {
                x,
                out,
                len,
                op,
                tanh,
            } => {
                let len = *len;
                let mut o = std::mem::take(&mut work.bufs[*out]);
                let in_place = x == out;
                let count = len * c.points;
                work.z.resize(count, 0.0);
                work.t.resize(count, 0.0);
                work.d.resize(count, 0.0);
                {
                    let src: &[f64] = if in_place { &o } else { &work.bufs[*x] };
                    for (z, blk) in work.z.iter_mut().zip(src[..len * cols].chunks_exact(w)) {
                        *z = blk[0];
                    }
                }
                if *tanh {
                    tanh_slope(&work.z, &mut work.t, &mut work.d);
                } else {
                    for ((&z, t), d) in work.z.iter().zip(&mut work.t).zip(&mut work.d) {
                        let r = op.apply(Dual::new(z, 1.0));
                        (*t, *d) = (r.re(), r.eps());
                    }
                }
                let vals = work.t.iter().zip(&work.d);
                if in_place {
                    for (blk, (&t, &d)) in o[..len * cols].chunks_exact_mut(w).zip(vals) {
                        blk[0] = t;
                        for l in &mut blk[1..] {
                            *l *= d;
                        }
                    }
                } else {
                    let src = &work.bufs[*x][..len * cols];
                    for ((blk, s), (&t, &d)) in o[..len * cols]
                        .chunks_exact_mut(w)
                        .zip(src.chunks_exact(w))
                        .zip(vals)
                    {
                        blk[0] = t;
                        for (l, &s) in blk[1..].iter_mut().zip(&s[1..]) {
                            *l = s * d;
                        }
                    }
                }
                work.bufs[*out] = o;
            }
            Step::AddConst {
                x,
                out,
                c: cst,
                negate,
            } => {
                let mut o = std::mem::take(&mut work.bufs[*out]);
                if x != out {
                    let len = o.len();
                    o.copy_from_slice(&work.bufs[*x][..len]);
                }
                for (row, &cv) in o.chunks_exact_mut(cols).zip(cst) {
                    for blk in row.chunks_exact_mut(w) {
                        if *negate {
                            blk[0] = -blk[0] + cv;
                            for l in &mut blk[1..] {
                                *l = -*l;
                            }
                        } else {
                            blk[0] += cv;
                        }
                    }
                }
                work.bufs[*out] = o;
            }
            Step::ScaleConst {
                x,
                out,
                shift,
                c: cst,
                divide,
            } => {
                let mut o = std::mem::take(&mut work.bufs[*out]);
                if x != out {
                    let len = o.len();
                    o.copy_from_slice(&work.bufs[*x][..len]);
                }
                if let Some(sh) = shift {
                    for (row, &sv) in o.chunks_exact_mut(cols).zip(sh) {
                        row.iter_mut().step_by(w).for_each(|v| *v += sv);
                    }
                }
                for (row, &cv) in o.chunks_exact_mut(cols).zip(cst) {
                    if *divide {
                        row.iter_mut().for_each(|v| *v /= cv);
                    } else {
                        row.iter_mut().for_each(|v| *v *= cv);
                    }
                }
                work.bufs[*out] = o;
            }
            Step::Binary {
                a,
                b,
                out,
                ia,
                ib,
                op,
            } => {
                let mut o = std::mem::take(&mut work.bufs[*out]);
                let (xa, xb) = (&work.bufs[*a], &work.bufs[*b]);
                for ((row, &i), &j) in o.chunks_exact_mut(cols).zip(ia).zip(ib) {
                    let ra = &xa[i * cols..(i + 1) * cols];
                    let rb = &xb[j * cols..(j + 1) * cols];
                    match op {
                        BinOp::Add => {
                            for ((o, &p), &q) in row.iter_mut().zip(ra).zip(rb) {
                                *o = p + q;
                            }
                        }
                        BinOp::Sub => {
                            for ((o, &p), &q) in row.iter_mut().zip(ra).zip(rb) {
                                *o = p - q;
                            }
                        }
                        BinOp::Mul => {
                            for ((blk, pa), pb) in row
                                .chunks_exact_mut(w)
                                .zip(ra.chunks_exact(w))
                                .zip(rb.chunks_exact(w))
                            {
                                let (va, vb) = (pa[0], pb[0]);
                                blk[0] = va * vb;
                                for ((l, &x), &y) in blk[1..].iter_mut().zip(&pa[1..]).zip(&pb[1..])
                                {
                                    *l = x * vb + y * va;
                                }
                            }
                        }
                        BinOp::Div => super::elementwise::quotient(row, ra, rb, w),
                    }
                }
                work.bufs[*out] = o;
            }
            Step::Conv(cv) => cv.run(&mut work.bufs, cols, w),
            Step::Pool(p) => p.run(&mut work.bufs, c.points, w),
            Step::Gather { x, out, idx } => {
                super::spatial::gather(&mut work.bufs, *x, *out, idx, cols)
            }
            Step::Softmax(sm) => sm.run(&mut work.bufs, &mut work.t, c.points, w),
            Step::Norm(nm) => nm.run(&mut work.bufs, &mut work.t, c.points, w),
            Step::Pow(pw) => pw.run(&mut work.bufs, cols, w),
            Step::Product(pr) => pr.run(&mut work.bufs, c.points, w),
            Step::Recurrent(r) => {
                let tmp = super::recurrent::Tmp {
                    z: &mut work.z,
                    t: &mut work.t,
                    d: &mut work.d,
                };
                r.run(&mut work.bufs, tmp, c.points, w)
            }
            Step::Reduce(rd) => rd.run(&mut work.bufs, cols, w),
            Step::Clip(cl) => cl.run(&mut work.bufs, w),
            Step::Compare(cm) => cm.run(&mut work.bufs, cols, w),
            Step::Where(sl) => sl.run(&mut work.bufs, cols, w),
        }
    }
}
