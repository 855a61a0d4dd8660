//! RNN, GRU and LSTM on the tangent route: the generic operator's recurrence
//! (`ops::rnn::run_layer`) written out over `[value | lanes]` rows.
//!
//! The input projections `X_t·Wᵀ` of every time step are GEMMs over whole rows before the
//! loop; each step's `H_{t-1}·Rᵀ` is one GEMM over the state, whose rows hold every batch
//! entry side by side (row `k` of the state is unit `k` of batch entries `0, 1, …`, each a
//! block of `cols` components), so the batch is one product. Gates take value and slope from
//! the generic operator's own activation ([`Act::value_slope`], plain tanh through the dense
//! kernel) and scale their lanes; products of two activations (`i⊙g`, `f⊙c`, `o⊙tanh(c)`,
//! GRU's `r⊙h`, `(1−z)⊙h̃ + z⊙h`) follow the product rule over the lanes. Sums and products
//! are formed in the generic operator's order, so values agree with it to rounding.

use super::build::floats;
use super::Step;
use crate::dense::tanh::tanh_slope;
use crate::kernels::{dgemm_strided, Strided};
use crate::onnx::load::Node;
use crate::onnx::ops::rnn::{gates, rnn_dims, seq_lens, Act, Kind, Spec};
use crate::onnx::tensor::Value;

/// A view of `rows × cols` entries at strides `rs`, `cs`.
fn view(rows: usize, cols: usize, rs: usize, cs: usize) -> Strided {
    Strided { rows, cols, rs, cs }
}

/// One recurrent layer with constant weights.
pub(super) struct Recurrent {
    kind: Kind,
    /// The buffer of X.
    x: usize,
    /// `layout = 1`: X, Y and the states are batch-major.
    batch_major: bool,
    seq: usize,
    batch: usize,
    input: usize,
    h: usize,
    dirs: Vec<Direction>,
    clip: Option<f64>,
    linear_before_reset: bool,
    input_forget: bool,
    /// Steps each batch entry runs (`sequence_lens`, clamped as the generic operator does).
    lens: Vec<usize>,
    h0: Option<Init>,
    c0: Option<Init>,
    /// The buffers of Y, Y_h and Y_c, where the graph names them.
    y: Option<usize>,
    y_h: Option<usize>,
    y_c: Option<usize>,
    /// Rows for the projections, the recurrent products, the states and two temporaries:
    /// `(seq·G·H + G·H + 4·H)·batch`.
    scratch: usize,
}

/// One direction's weights and activations.
struct Direction {
    reverse: bool,
    /// `acts.len() / directions` entries, in the attribute's order.
    acts: Vec<Act>,
    /// `G·H × input` and `G·H × H`, row-major (ONNX's layout as it is).
    w: Vec<f64>,
    r: Vec<f64>,
    /// `Wb` and `Rb` (`G·H` each).
    wb: Option<Vec<f64>>,
    rb: Option<Vec<f64>>,
    /// Peepholes `[P_i, P_o, P_f]` (`3·H`).
    p: Option<Vec<f64>>,
}

/// An initial state.
enum Init {
    /// `[directions, batch, H]` (layout 1 already swapped).
    Const(Vec<f64>),
    /// An activation buffer in the node's layout.
    Act(usize),
}

/// The step for a recurrent node whose output `i` goes to buffer `outs[i]` (where it is an
/// activation the graph names), or `None` when an operand is not covered: X not an
/// activation, a weight, bias, peephole or `sequence_lens` computed from the input.
pub(super) fn build(
    node: &Node,
    vals: &[Option<Value<f64>>],
    acts: &[Option<(usize, bool)>],
    outs: &[Option<usize>],
    sizes: &mut Vec<usize>,
) -> Option<Step> {
    let act = |i: usize| acts.get(i).copied().flatten();
    let val = |i: usize| vals.get(i).and_then(Option::as_ref);
    let shapes: Vec<Option<&[usize]>> = (0..8).map(|i| val(i).map(Value::shape)).collect();
    let dims = rnn_dims(node, &shapes).ok()?;
    let kind = dims.kind();
    let (layout, seq, batch, nd, h) = dims.sizes();
    let input = *val(0)?.shape().get(2)?;
    let spec = Spec::of(node, h).ok()?;
    let (x, _) = act(0)?;
    let lstm = kind == Kind::Lstm;
    // Operands the generic operator reads (c0 and P by LSTM only) must be constants.
    let constant = [1, 2, 3, 4]
        .into_iter()
        .chain(if lstm { 7..8 } else { 0..0 });
    if constant.into_iter().any(|i| act(i).is_some()) {
        return None;
    }
    let batch_major = layout == 1;
    let g = gates(kind);
    let gh = g * h;
    let w = floats(val(1)?)?.data;
    let r = floats(val(2)?)?.data;
    let b = val(3).map(floats).map(|b| b.map(|t| t.data));
    let b = match b {
        Some(None) => return None,
        Some(Some(b)) => Some(b),
        None => None,
    };
    let p = if lstm {
        match val(7).map(floats) {
            Some(None) => return None,
            Some(Some(p)) => Some(p.data),
            None => None,
        }
    } else {
        None
    };
    let lens = seq_lens(val(4), seq, batch).ok()?;
    let init = |i: usize| -> Option<Option<Init>> {
        if let Some((buf, _)) = act(i) {
            return Some(Some(Init::Act(buf)));
        }
        let Some(v) = val(i) else {
            return Some(None);
        };
        let t = floats(v)?;
        let data = if batch_major {
            // [batch, nd, H] → [nd, batch, H]
            let mut d = vec![0.0; t.data.len()];
            for bi in 0..batch {
                for di in 0..nd {
                    let (from, to) = ((bi * nd + di) * h, (di * batch + bi) * h);
                    d[to..to + h].copy_from_slice(&t.data[from..from + h]);
                }
            }
            d
        } else {
            t.data
        };
        Some(Some(Init::Const(data)))
    };
    let h0 = init(5)?;
    let c0 = if lstm { init(6)? } else { None };
    let na = spec.acts.len() / nd;
    let dirs = spec
        .reverse
        .iter()
        .enumerate()
        .map(|(d, &reverse)| Direction {
            reverse,
            acts: spec.acts[d * na..(d + 1) * na].to_vec(),
            w: w[d * gh * input..(d + 1) * gh * input].to_vec(),
            r: r[d * gh * h..(d + 1) * gh * h].to_vec(),
            wb: b.as_ref().map(|b| b[d * 2 * gh..d * 2 * gh + gh].to_vec()),
            rb: b
                .as_ref()
                .map(|b| b[d * 2 * gh + gh..(d + 1) * 2 * gh].to_vec()),
            p: p.as_ref().map(|p| p[d * 3 * h..(d + 1) * 3 * h].to_vec()),
        })
        .collect();
    let rows = seq
        .checked_mul(gh)?
        .checked_add(gh)?
        .checked_add(h.checked_mul(4)?)?
        .checked_mul(batch)?;
    let scratch = sizes.len();
    sizes.push(rows);
    let out = |i: usize| outs.get(i).copied().flatten();
    Some(Step::Recurrent(Box::new(Recurrent {
        kind,
        x,
        batch_major,
        seq,
        batch,
        input,
        h,
        dirs,
        clip: spec.clip,
        linear_before_reset: spec.linear_before_reset,
        input_forget: spec.input_forget,
        lens,
        h0,
        c0,
        y: out(0),
        y_h: out(1),
        y_c: if lstm { out(2) } else { None },
        scratch,
    })))
}

/// The scratch vectors of a call (values, activations, slopes), borrowed from the caller.
pub(super) struct Tmp<'a> {
    pub(super) z: &'a mut Vec<f64>,
    pub(super) t: &'a mut Vec<f64>,
    pub(super) d: &'a mut Vec<f64>,
}

impl Recurrent {
    /// The buffers the step reads.
    pub(super) fn reads(&self) -> Vec<usize> {
        let mut v = vec![self.x];
        for s in [&self.h0, &self.c0] {
            if let Some(Init::Act(b)) = s {
                v.push(*b);
            }
        }
        v
    }

    /// The buffers the step writes (its outputs).
    pub(super) fn writes(&self) -> Vec<usize> {
        [self.y, self.y_h, self.y_c].into_iter().flatten().collect()
    }

    /// Reads of merged buffers go to the buffer they were merged into.
    pub(super) fn renumber(&mut self, rep: &[usize]) {
        self.x = rep[self.x];
        for s in [&mut self.h0, &mut self.c0] {
            if let Some(Init::Act(b)) = s {
                *b = rep[*b];
            }
        }
    }

    /// Element row of X for time `t`, batch entry `b`, feature 0.
    fn x_row(&self, t: usize, b: usize) -> usize {
        if self.batch_major {
            (b * self.seq + t) * self.input
        } else {
            (t * self.batch + b) * self.input
        }
    }

    /// Element row of a state tensor (Y_h, Y_c, initial_h, initial_c) for direction `d`,
    /// batch entry `b`, unit 0.
    fn state_row(&self, d: usize, b: usize) -> usize {
        let nd = self.dirs.len();
        if self.batch_major {
            (b * nd + d) * self.h
        } else {
            (d * self.batch + b) * self.h
        }
    }

    /// Element row of Y for time `t`, direction `d`, batch entry `b`, unit 0.
    fn y_row(&self, t: usize, d: usize, b: usize) -> usize {
        let nd = self.dirs.len();
        if self.batch_major {
            ((b * self.seq + t) * nd + d) * self.h
        } else {
            ((t * nd + d) * self.batch + b) * self.h
        }
    }

    pub(super) fn run(&self, bufs: &mut [Vec<f64>], tmp: Tmp<'_>, points: usize, w: usize) {
        let cols = points * w;
        let (seq, batch, input, h) = (self.seq, self.batch, self.input, self.h);
        let gh = gates(self.kind) * h;
        // one row of the internal layout: every batch entry's block of `cols` components
        let bc = batch * cols;
        let mut scratch = std::mem::take(&mut bufs[self.scratch]);
        let mut take = |b: Option<usize>| b.map(|b| std::mem::take(&mut bufs[b]));
        let (mut y, mut y_h, mut y_c) = (take(self.y), take(self.y_h), take(self.y_c));
        if let Some(y) = &mut y {
            // steps past a sequence's length leave zeros (value and lanes)
            y.fill(0.0);
        }
        let x = &bufs[self.x];
        let (xw, rest) = scratch.split_at_mut(seq * gh * bc);
        let (hr, rest) = rest.split_at_mut(gh * bc);
        let (hs, rest) = rest.split_at_mut(h * bc);
        let (cs, rest) = rest.split_at_mut(h * bc);
        let (t1, t2) = rest.split_at_mut(h * bc);
        let t2 = &mut t2[..h * bc];
        let mut tmp = tmp;
        for (d, dir) in self.dirs.iter().enumerate() {
            // X_t·Wᵀ for every step and batch entry: row j of step t holds gate row j
            xw.fill(0.0);
            if gh > 0 && input > 0 && cols > 0 {
                for t in 0..seq {
                    for b in 0..batch {
                        dgemm_strided(
                            &dir.w,
                            view(gh, input, input, 1),
                            &x[self.x_row(t, b) * cols..],
                            view(input, cols, cols, 1),
                            &mut xw[(t * gh * batch + b) * cols..],
                            view(gh, cols, bc, 1),
                        );
                    }
                }
            }
            for (state, init) in [(&mut *hs, &self.h0), (&mut *cs, &self.c0)] {
                for b in 0..batch {
                    for k in 0..h {
                        let row = &mut state[(k * batch + b) * cols..(k * batch + b + 1) * cols];
                        match init {
                            None => row.fill(0.0),
                            Some(Init::Const(v)) => {
                                let v = v[(d * batch + b) * h + k];
                                for blk in row.chunks_exact_mut(w) {
                                    blk[0] = v;
                                    blk[1..].fill(0.0);
                                }
                            }
                            Some(Init::Act(buf)) => {
                                let at = (self.state_row(d, b) + k) * cols;
                                row.copy_from_slice(&bufs[*buf][at..at + cols]);
                            }
                        }
                    }
                }
            }
            for step in 0..seq {
                let t = if dir.reverse { seq - 1 - step } else { step };
                let xw_t = &xw[t * gh * bc..(t + 1) * gh * bc];
                // H_{t-1}·Rᵀ; GRU without linear_before_reset needs the z and r rows only
                // (its candidate multiplies r ⊙ H by R_h below)
                let rrows = if self.kind == Kind::Gru && !self.linear_before_reset {
                    2 * h
                } else {
                    gh
                };
                hr.fill(0.0);
                if rrows > 0 && h > 0 && bc > 0 {
                    dgemm_strided(
                        &dir.r[..rrows * h],
                        view(rrows, h, h, 1),
                        hs,
                        view(h, bc, bc, 1),
                        hr,
                        view(rrows, bc, bc, 1),
                    );
                }
                match self.kind {
                    Kind::Rnn => {
                        self.pre(hr, xw_t, dir, 0..h, bc, w);
                        self.activate(&mut hr[..h * bc], dir.acts[0], true, w, &mut tmp);
                        t1.copy_from_slice(&hr[..h * bc]);
                    }
                    Kind::Lstm => self.lstm_step(dir, hr, xw_t, cs, t1, t2, &mut tmp, bc, w),
                    Kind::Gru => self.gru_step(dir, hr, xw_t, hs, t1, t2, &mut tmp, bc, w),
                }
                // the new state (h in t1 for RNN and GRU, t2 for LSTM with c in t1) where
                // the step is within the entry's sequence
                let (new_h, new_c): (&[f64], Option<&[f64]>) = match self.kind {
                    Kind::Lstm => (t2, Some(t1)),
                    _ => (t1, None),
                };
                for b in (0..batch).filter(|&b| t < self.lens[b]) {
                    for k in 0..h {
                        let at = (k * batch + b) * cols;
                        hs[at..at + cols].copy_from_slice(&new_h[at..at + cols]);
                        if let Some(c) = new_c {
                            cs[at..at + cols].copy_from_slice(&c[at..at + cols]);
                        }
                        if let Some(y) = &mut y {
                            let yo = (self.y_row(t, d, b) + k) * cols;
                            y[yo..yo + cols].copy_from_slice(&hs[at..at + cols]);
                        }
                    }
                }
            }
            for (out, state) in [(&mut y_h, &*hs), (&mut y_c, &*cs)] {
                let Some(out) = out else { continue };
                for b in 0..batch {
                    for k in 0..h {
                        let (at, o) = ((k * batch + b) * cols, (self.state_row(d, b) + k) * cols);
                        out[o..o + cols].copy_from_slice(&state[at..at + cols]);
                    }
                }
            }
        }
        for (b, v) in [(self.y, y), (self.y_h, y_h), (self.y_c, y_c)] {
            if let (Some(b), Some(v)) = (b, v) {
                bufs[b] = v;
            }
        }
        bufs[self.scratch] = scratch;
    }

    /// Gate rows `gates` of `hr` (holding `H·Rᵀ`) become the pre-activations
    /// `X·Wᵀ + H·Rᵀ + Wb + Rb`, added in the generic operator's order.
    fn pre(
        &self,
        hr: &mut [f64],
        xw_t: &[f64],
        dir: &Direction,
        gates: std::ops::Range<usize>,
        bc: usize,
        w: usize,
    ) {
        for j in gates {
            let (row, xr) = (&mut hr[j * bc..(j + 1) * bc], &xw_t[j * bc..(j + 1) * bc]);
            for (o, &v) in row.iter_mut().zip(xr) {
                *o += v;
            }
            for bias in [&dir.wb, &dir.rb].into_iter().flatten() {
                for blk in row.chunks_exact_mut(w) {
                    blk[0] += bias[j];
                }
            }
        }
    }

    /// `act` (after `clip`, when `clipped` and the layer has one) of every block of `rows`,
    /// in place: the value, and the lanes times the slope.
    fn activate(&self, rows: &mut [f64], act: Act, clipped: bool, w: usize, tmp: &mut Tmp<'_>) {
        if let (Some(c), true) = (self.clip, clipped) {
            // the generic operator's clip: a bound replaces the value by a constant
            for blk in rows.chunks_exact_mut(w) {
                if blk[0] < -c {
                    blk[0] = -c;
                    blk[1..].fill(0.0);
                }
                if blk[0] > c {
                    blk[0] = c;
                    blk[1..].fill(0.0);
                }
            }
        }
        let count = rows.len() / w;
        tmp.z.clear();
        tmp.z.extend(rows.chunks_exact(w).map(|blk| blk[0]));
        tmp.t.resize(count, 0.0);
        tmp.d.resize(count, 0.0);
        if act.is_tanh() {
            tanh_slope(tmp.z, tmp.t, tmp.d);
        } else {
            for ((&z, t), d) in tmp.z.iter().zip(tmp.t.iter_mut()).zip(tmp.d.iter_mut()) {
                (*t, *d) = act.value_slope(z);
            }
        }
        for ((blk, &t), &d) in rows.chunks_exact_mut(w).zip(tmp.t.iter()).zip(tmp.d.iter()) {
            blk[0] = t;
            for l in &mut blk[1..] {
                *l *= d;
            }
        }
    }

    /// One LSTM step: gates in `hr` (rows i, o, f, c̃), the new cell in `t1`, the new
    /// hidden state in `t2`; `cs` is the previous cell.
    #[allow(clippy::too_many_arguments)]
    fn lstm_step(
        &self,
        dir: &Direction,
        hr: &mut [f64],
        xw_t: &[f64],
        cs: &[f64],
        t1: &mut [f64],
        t2: &mut [f64],
        tmp: &mut Tmp<'_>,
        bc: usize,
        w: usize,
    ) {
        let h = self.h;
        let hb = h * bc;
        self.pre(hr, xw_t, dir, 0..4 * h, bc, w);
        let (gi, rest) = hr.split_at_mut(hb);
        let (go, rest) = rest.split_at_mut(hb);
        let (gf, gc) = rest.split_at_mut(hb);
        // peepholes of i and f read the previous cell: `pre + c_prev·P` as a dual sum
        if let Some(p) = &dir.p {
            for (gate, off) in [(&mut *gi, 0), (&mut *gf, 2 * h)] {
                for k in 0..h {
                    let pk = p[off + k];
                    let (g, c) = (&mut gate[k * bc..(k + 1) * bc], &cs[k * bc..(k + 1) * bc]);
                    for (o, &cv) in g.iter_mut().zip(c) {
                        *o += cv * pk;
                    }
                }
            }
        }
        self.activate(gi, dir.acts[0], true, w, tmp);
        if self.input_forget {
            // f = 1 − i, formed as the generic `-i + 1`
            for (f, i) in gf.chunks_exact_mut(w).zip(gi.chunks_exact(w)) {
                f[0] = -i[0] + 1.0;
                for (l, &il) in f[1..].iter_mut().zip(&i[1..]) {
                    *l = -il;
                }
            }
        } else {
            self.activate(gf, dir.acts[0], true, w, tmp);
        }
        self.activate(gc, dir.acts[1], true, w, tmp);
        // c = f·c_prev + i·g
        for ((((c, f), cp), i), g) in t1
            .chunks_exact_mut(w)
            .zip(gf.chunks_exact(w))
            .zip(cs.chunks_exact(w))
            .zip(gi.chunks_exact(w))
            .zip(gc.chunks_exact(w))
        {
            c[0] = f[0] * cp[0] + i[0] * g[0];
            for l in 1..w {
                c[l] = (f[l] * cp[0] + f[0] * cp[l]) + (i[l] * g[0] + i[0] * g[l]);
            }
        }
        if let Some(p) = &dir.p {
            for k in 0..h {
                let pk = p[h + k];
                let (g, c) = (&mut go[k * bc..(k + 1) * bc], &t1[k * bc..(k + 1) * bc]);
                for (o, &cv) in g.iter_mut().zip(c) {
                    *o += cv * pk;
                }
            }
        }
        self.activate(go, dir.acts[0], true, w, tmp);
        // h = o ⊙ act₂(c), act₂ unclipped as in the generic operator
        t2.copy_from_slice(t1);
        self.activate(t2, dir.acts[2], false, w, tmp);
        mul_assign(t2, go, w);
    }

    /// One GRU step: z and r in rows 0 and 1 of `hr` (its candidate rows hold `H·R_hᵀ`
    /// with `linear_before_reset`); the new hidden state in `t1` (`t2` scratch); `hs` is the
    /// previous state.
    #[allow(clippy::too_many_arguments)]
    fn gru_step(
        &self,
        dir: &Direction,
        hr: &mut [f64],
        xw_t: &[f64],
        hs: &[f64],
        t1: &mut [f64],
        t2: &mut [f64],
        tmp: &mut Tmp<'_>,
        bc: usize,
        w: usize,
    ) {
        let h = self.h;
        let hb = h * bc;
        self.pre(hr, xw_t, dir, 0..2 * h, bc, w);
        let (gz, rest) = hr.split_at_mut(hb);
        let (gr, gn) = rest.split_at_mut(hb);
        self.activate(gz, dir.acts[0], true, w, tmp);
        self.activate(gr, dir.acts[0], true, w, tmp);
        let rbh = dir.rb.as_ref().map(|rb| &rb[2 * h..3 * h]);
        let wbh = dir.wb.as_ref().map(|wb| &wb[2 * h..3 * h]);
        let add_rows = |rows: &mut [f64], bias: Option<&[f64]>| {
            if let Some(bias) = bias {
                for (k, row) in rows.chunks_exact_mut(bc).enumerate() {
                    for blk in row.chunks_exact_mut(w) {
                        blk[0] += bias[k];
                    }
                }
            }
        };
        // hh (in t1): r ⊙ (H·R_hᵀ + Rb_h), or (r ⊙ H)·R_hᵀ + Rb_h
        if self.linear_before_reset {
            t1.copy_from_slice(&gn[..hb]);
            add_rows(t1, rbh);
            mul_assign(t1, gr, w);
        } else {
            t2.copy_from_slice(hs);
            mul_assign(t2, gr, w);
            t1.fill(0.0);
            if h > 0 && bc > 0 {
                dgemm_strided(
                    &dir.r[2 * h * h..3 * h * h],
                    view(h, h, h, 1),
                    t2,
                    view(h, bc, bc, 1),
                    t1,
                    view(h, bc, bc, 1),
                );
            }
            add_rows(t1, rbh);
        }
        // the candidate: X·W_hᵀ + hh + Wb_h
        for (o, &v) in t1.iter_mut().zip(&xw_t[2 * hb..3 * hb]) {
            *o += v;
        }
        add_rows(t1, wbh);
        self.activate(t1, dir.acts[1], true, w, tmp);
        // h = (1 − z)·h̃ + z·h_prev, with 1 − z formed as the generic `-z + 1`
        for ((c, z), hp) in t1
            .chunks_exact_mut(w)
            .zip(gz.chunks_exact(w))
            .zip(hs.chunks_exact(w))
        {
            let (cv, zv, hv) = (c[0], z[0], hp[0]);
            let a = -zv + 1.0;
            c[0] = a * cv + zv * hv;
            for l in 1..w {
                c[l] = (-z[l] * cv + a * c[l]) + (z[l] * hv + zv * hp[l]);
            }
        }
    }
}

/// `o ← o ⊙ b` blockwise with the product rule over the lanes (the order of the Binary
/// step's Mul).
fn mul_assign(o: &mut [f64], b: &[f64], w: usize) {
    for (blk, pb) in o.chunks_exact_mut(w).zip(b.chunks_exact(w)) {
        let (va, vb) = (blk[0], pb[0]);
        blk[0] = va * vb;
        for (l, &y) in blk[1..].iter_mut().zip(&pb[1..]) {
            *l = *l * vb + y * va;
        }
    }
}
