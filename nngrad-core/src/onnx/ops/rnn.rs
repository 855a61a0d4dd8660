//! The recurrent layers LSTM, GRU and RNN, as the ONNX specification defines them:
//! forward, reverse and bidirectional, `layout` 0 and 1, sequence lengths, initial states,
//! peepholes, `clip`, `input_forget`, GRU's `linear_before_reset` and the `activations`
//! attribute. Input and recurrent products go through the shared kernels.

use super::shape::{each, transpose_t};
use super::{opt, req, Ins, Outs};
use crate::kernels::{gemm_ss, gemm_sw, GemmDims};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, Tensor, Value};
use crate::Scalar;

/// Which recurrent layer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Kind {
    Lstm,
    Gru,
    Rnn,
}

/// One entry of the `activations` attribute with its `activation_alpha`/`beta`.
#[derive(Clone, Copy)]
pub(crate) struct Act {
    f: ActFn,
    alpha: f64,
    beta: f64,
}

#[derive(Clone, Copy)]
enum ActFn {
    Sigmoid,
    Tanh,
    Relu,
    LeakyRelu,
    ThresholdedRelu,
    ScaledTanh,
    HardSigmoid,
    Elu,
    Softsign,
    Softplus,
    Affine,
}

impl Act {
    fn apply<T: Scalar>(self, x: T) -> T {
        match self.f {
            ActFn::Sigmoid => x.sigmoid(),
            ActFn::Tanh => x.tanh(),
            ActFn::Relu => x.relu(),
            ActFn::LeakyRelu => x.leaky_relu(self.alpha),
            ActFn::ThresholdedRelu => {
                if x > self.alpha {
                    x
                } else {
                    T::cst(0.0)
                }
            }
            ActFn::ScaledTanh => (x * self.beta).tanh() * self.alpha,
            ActFn::HardSigmoid => super::unary::hard_sigmoid(x, self.alpha, self.beta),
            ActFn::Elu => x.elu(self.alpha),
            ActFn::Softsign => x.softsign(),
            ActFn::Softplus => x.softplus(),
            ActFn::Affine => x * self.alpha + self.beta,
        }
    }

    /// The value and slope at `x`: [`Act::apply`] on a dual number, so the tangent route
    /// takes both from the same rules as the generic operator.
    pub(crate) fn value_slope(self, x: f64) -> (f64, f64) {
        let r = self.apply(crate::Dual::new(x, 1.0));
        (r.re(), r.eps())
    }

    /// Whether this is plain `tanh` (the tangent route then uses the dense tanh kernel).
    pub(crate) fn is_tanh(self) -> bool {
        matches!(self.f, ActFn::Tanh)
    }
}

fn activations(node: &Node, defaults: &[&str], ndir: usize) -> Result<Vec<Act>, String> {
    let names: Vec<String> = match node.attr("activations") {
        Some(a) if !a.strings.is_empty() => a.strings.clone(),
        _ => (0..ndir)
            .flat_map(|_| defaults.iter().map(|s| s.to_string()))
            .collect(),
    };
    if names.len() != defaults.len() * ndir {
        return Err(format!(
            "activations {names:?}: expected {} names ({} per direction)",
            defaults.len() * ndir,
            defaults.len()
        ));
    }
    let alphas = node.floats("activation_alpha").unwrap_or(&[]).to_vec();
    let betas = node.floats("activation_beta").unwrap_or(&[]).to_vec();
    let (mut ai, mut bi) = (0usize, 0usize);
    let take = |v: &[f64], i: &mut usize, d: f64| {
        let x = v.get(*i).copied().unwrap_or(d);
        *i += 1;
        x
    };
    names
        .iter()
        .map(|n| {
            let (f, a, b) = match n.to_ascii_lowercase().as_str() {
                "sigmoid" => (ActFn::Sigmoid, None, None),
                "tanh" => (ActFn::Tanh, None, None),
                "relu" => (ActFn::Relu, None, None),
                "leakyrelu" => (ActFn::LeakyRelu, Some(0.01), None),
                "thresholdedrelu" => (ActFn::ThresholdedRelu, Some(1.0), None),
                "scaledtanh" => (ActFn::ScaledTanh, Some(1.0), Some(1.0)),
                "hardsigmoid" => (ActFn::HardSigmoid, Some(0.2), Some(0.5)),
                "elu" => (ActFn::Elu, Some(1.0), None),
                "softsign" => (ActFn::Softsign, None, None),
                "softplus" => (ActFn::Softplus, None, None),
                "affine" => (ActFn::Affine, Some(1.0), Some(0.0)),
                _ => return Err(format!("activation '{n}' is not supported")),
            };
            Ok(Act {
                f,
                alpha: a.map_or(0.0, |d| take(&alphas, &mut ai, d)),
                beta: b.map_or(0.0, |d| take(&betas, &mut bi, d)),
            })
        })
        .collect()
}

/// A weight operand: f64 constants, or activations when a weight depends on the input.
#[derive(Clone, Copy)]
enum Op<'a, T> {
    W(&'a [f64]),
    A(&'a [T]),
}

impl<'a, T: Scalar> Op<'a, T> {
    fn part(self, start: usize, len: usize) -> Op<'a, T> {
        match self {
            Op::W(w) => Op::W(&w[start..start + len]),
            Op::A(a) => Op::A(&a[start..start + len]),
        }
    }
    fn len(self) -> usize {
        match self {
            Op::W(w) => w.len(),
            Op::A(a) => a.len(),
        }
    }
    fn add(self, x: T, i: usize) -> T {
        match self {
            Op::W(w) => x + w[i],
            Op::A(a) => x + a[i],
        }
    }
    fn mul(self, x: T, i: usize) -> T {
        match self {
            Op::W(w) => x * w[i],
            Op::A(a) => x * a[i],
        }
    }
    fn get(self, i: usize) -> T {
        match self {
            Op::W(w) => T::cst(w[i]),
            Op::A(a) => a[i],
        }
    }
    /// `out += a · selfᵀ` (`self` stored rows × k).
    fn mm_t(self, a: &[T], m: usize, k: usize, n: usize, out: &mut [T]) {
        let dims = GemmDims {
            m,
            k,
            n,
            trans_a: false,
            trans_b: true,
        };
        match self {
            Op::W(w) => gemm_sw(a, w, dims, out),
            Op::A(w) => gemm_ss(a, w, dims, out),
        }
    }
}

/// A layer's attributes, as the evaluation reads them.
pub(crate) struct Spec {
    pub(crate) kind: Kind,
    pub(crate) h: usize,
    /// One entry per direction: whether it runs from the last step to the first.
    pub(crate) reverse: Vec<bool>,
    /// The activations, `acts.len() / reverse.len()` per direction.
    pub(crate) acts: Vec<Act>,
    pub(crate) clip: Option<f64>,
    pub(crate) linear_before_reset: bool,
    pub(crate) input_forget: bool,
}

impl Spec {
    /// The attributes of `node` (whose shapes [`rnn_dims`] checked) for hidden size `h`.
    pub(crate) fn of(node: &Node, h: usize) -> Result<Spec, String> {
        let kind = kind_of(node);
        let reverse = match node.string("direction", "forward").as_str() {
            "forward" => vec![false],
            "reverse" => vec![true],
            "bidirectional" => vec![false, true],
            d => {
                return Err(format!(
                    "direction '{d}' is not forward, reverse or bidirectional"
                ))
            }
        };
        Ok(Spec {
            kind,
            h,
            acts: activations(node, defaults(kind), reverse.len())?,
            reverse,
            clip: node.attr("clip").map(|a| a.f),
            linear_before_reset: node.int("linear_before_reset", 0) != 0,
            input_forget: node.int("input_forget", 0) != 0,
        })
    }
}

fn kind_of(node: &Node) -> Kind {
    match node.op.as_str() {
        "LSTM" => Kind::Lstm,
        "GRU" => Kind::Gru,
        _ => Kind::Rnn,
    }
}

/// Gates per hidden unit.
pub(crate) fn gates(kind: Kind) -> usize {
    match kind {
        Kind::Lstm => 4,
        Kind::Gru => 3,
        Kind::Rnn => 1,
    }
}

/// The activations a layer uses when the attribute is absent (per direction).
fn defaults(kind: Kind) -> &'static [&'static str] {
    match kind {
        Kind::Lstm => &["Sigmoid", "Tanh", "Tanh"],
        Kind::Gru => &["Sigmoid", "Tanh"],
        Kind::Rnn => &["Tanh"],
    }
}

/// The `sequence_lens` input (each clamped to `[0, seq]`) or `seq` for every batch entry.
pub(crate) fn seq_lens<S: Scalar>(
    l: Option<&Value<S>>,
    seq: usize,
    batch: usize,
) -> Result<Vec<usize>, String> {
    let lens: Vec<usize> = match l {
        Some(l) => l
            .int_values("sequence_lens")?
            .iter()
            .map(|&v| usize::try_from(v).map_or(0, |v| v.min(seq)))
            .collect(),
        None => vec![seq; batch],
    };
    if lens.len() != batch {
        return Err(format!(
            "sequence_lens has {} values for a batch of {batch}",
            lens.len()
        ));
    }
    Ok(lens)
}

struct Inputs<'a, T> {
    x: &'a [T],
    seq: usize,
    batch: usize,
    input: usize,
    w: Op<'a, T>,
    r: Op<'a, T>,
    b: Option<Op<'a, T>>,
    lens: Vec<usize>,
    h0: Option<Op<'a, T>>,
    c0: Option<Op<'a, T>>,
    p: Option<Op<'a, T>>,
}

/// Y `[seq, dirs, batch, H]`, Y_h and Y_c `[dirs, batch, H]`.
fn run_layer<T: Scalar>(s: &Spec, i: &Inputs<T>) -> (Vec<T>, Vec<T>, Vec<T>) {
    let (seq, batch, h) = (i.seq, i.batch, s.h);
    let g = gates(s.kind);
    let nd = s.reverse.len();
    let zero = T::cst(0.0);
    let mut y = vec![zero; seq * nd * batch * h];
    let mut yh = vec![zero; nd * batch * h];
    let mut yc = vec![zero; nd * batch * h];
    let na = s.acts.len() / nd;
    let clip = |v: T| match s.clip {
        Some(c) => {
            let v = if v < -c { T::cst(-c) } else { v };
            if v > c {
                T::cst(c)
            } else {
                v
            }
        }
        None => v,
    };
    for (d, &rev) in s.reverse.iter().enumerate() {
        let acts = &s.acts[d * na..(d + 1) * na];
        let w = i.w.part(d * g * h * i.input, g * h * i.input);
        let r = i.r.part(d * g * h * h, g * h * h);
        let wb = i.b.map(|b| b.part(d * 2 * g * h, g * h));
        let rb = i.b.map(|b| b.part(d * 2 * g * h + g * h, g * h));
        // input projections of every step at once: [seq·batch, G·H]
        let mut xw = vec![zero; seq * batch * g * h];
        w.mm_t(i.x, seq * batch, i.input, g * h, &mut xw);
        let mut hs: Vec<T> = (0..batch * h)
            .map(|k| i.h0.map_or(zero, |h0| h0.get(d * batch * h + k)))
            .collect();
        let mut cs: Vec<T> = (0..batch * h)
            .map(|k| i.c0.map_or(zero, |c0| c0.get(d * batch * h + k)))
            .collect();
        let p = i.p.map(|p| p.part(d * 3 * h, 3 * h));
        for step in 0..seq {
            let t = if rev { seq - 1 - step } else { step };
            let mut hr = vec![zero; batch * g * h];
            if s.kind == Kind::Gru && !s.linear_before_reset {
                // only the z and r parts: the candidate needs (r ⊙ H)·Rhᵀ, computed below
                let mut zr = vec![zero; batch * 2 * h];
                r.part(0, 2 * h * h).mm_t(&hs, batch, h, 2 * h, &mut zr);
                for b in 0..batch {
                    hr[b * g * h..b * g * h + 2 * h]
                        .copy_from_slice(&zr[b * 2 * h..(b + 1) * 2 * h]);
                }
            } else {
                r.mm_t(&hs, batch, h, g * h, &mut hr);
            }
            let mut new_h = hs.clone();
            let mut new_c = cs.clone();
            let pre = |b: usize, k: usize, hr: &[T]| -> T {
                let mut v = xw[(t * batch + b) * g * h + k] + hr[b * g * h + k];
                if let Some(wb) = wb {
                    v = wb.add(v, k);
                }
                if let Some(rb) = rb {
                    v = rb.add(v, k);
                }
                v
            };
            match s.kind {
                Kind::Rnn => {
                    for b in 0..batch {
                        for k in 0..h {
                            new_h[b * h + k] = acts[0].apply(clip(pre(b, k, &hr)));
                        }
                    }
                }
                Kind::Lstm => {
                    for b in 0..batch {
                        for k in 0..h {
                            let c_prev = cs[b * h + k];
                            let mut ii = pre(b, k, &hr);
                            let mut oo = pre(b, h + k, &hr);
                            let mut ff = pre(b, 2 * h + k, &hr);
                            let cc = pre(b, 3 * h + k, &hr);
                            if let Some(p) = p {
                                ii += p.mul(c_prev, k);
                                ff += p.mul(c_prev, 2 * h + k);
                            }
                            let ig = acts[0].apply(clip(ii));
                            let fg = if s.input_forget {
                                -ig + 1.0
                            } else {
                                acts[0].apply(clip(ff))
                            };
                            let c_new = fg * c_prev + ig * acts[1].apply(clip(cc));
                            if let Some(p) = p {
                                oo += p.mul(c_new, h + k);
                            }
                            let og = acts[0].apply(clip(oo));
                            new_c[b * h + k] = c_new;
                            new_h[b * h + k] = og * acts[2].apply(c_new);
                        }
                    }
                }
                Kind::Gru => {
                    let mut z = vec![zero; batch * h];
                    let mut rg = vec![zero; batch * h];
                    for b in 0..batch {
                        for k in 0..h {
                            z[b * h + k] = acts[0].apply(clip(pre(b, k, &hr)));
                            rg[b * h + k] = acts[0].apply(clip(pre(b, h + k, &hr)));
                        }
                    }
                    let rh = r.part(2 * h * h, h * h);
                    let rbh = rb.map(|rb| rb.part(2 * h, h));
                    let wbh = wb.map(|wb| wb.part(2 * h, h));
                    let mut hh = vec![zero; batch * h];
                    if s.linear_before_reset {
                        for b in 0..batch {
                            for k in 0..h {
                                let mut v = hr[b * g * h + 2 * h + k];
                                if let Some(rbh) = rbh {
                                    v = rbh.add(v, k);
                                }
                                hh[b * h + k] = rg[b * h + k] * v;
                            }
                        }
                    } else {
                        let rhs: Vec<T> = rg.iter().zip(&hs).map(|(&a, &b)| a * b).collect();
                        rh.mm_t(&rhs, batch, h, h, &mut hh);
                        if let Some(rbh) = rbh {
                            for b in 0..batch {
                                for k in 0..h {
                                    hh[b * h + k] = rbh.add(hh[b * h + k], k);
                                }
                            }
                        }
                    }
                    for b in 0..batch {
                        for k in 0..h {
                            let mut v = xw[(t * batch + b) * g * h + 2 * h + k] + hh[b * h + k];
                            if let Some(wbh) = wbh {
                                v = wbh.add(v, k);
                            }
                            let cand = acts[1].apply(clip(v));
                            let zz = z[b * h + k];
                            new_h[b * h + k] = (-zz + 1.0) * cand + zz * hs[b * h + k];
                        }
                    }
                }
            }
            for b in 0..batch {
                if t < i.lens[b] {
                    hs[b * h..(b + 1) * h].copy_from_slice(&new_h[b * h..(b + 1) * h]);
                    cs[b * h..(b + 1) * h].copy_from_slice(&new_c[b * h..(b + 1) * h]);
                    let base = ((t * nd + d) * batch + b) * h;
                    y[base..base + h].copy_from_slice(&hs[b * h..(b + 1) * h]);
                }
            }
        }
        yh[d * batch * h..(d + 1) * batch * h].copy_from_slice(&hs);
        yc[d * batch * h..(d + 1) * batch * h].copy_from_slice(&cs);
    }
    (y, yh, yc)
}

fn op_of<'a, S: Scalar>(v: &'a Value<S>) -> Result<Op<'a, S>, String> {
    match v {
        Value::Float(t) => Ok(Op::W(&t.data)),
        Value::Act(t) => Ok(Op::A(&t.data)),
        Value::Int(_) => Err("recurrent weights and states must be float tensors".into()),
    }
}

fn op_f64(v: &Value<impl Scalar>) -> Result<Op<'_, f64>, String> {
    match v {
        Value::Float(t) => Ok(Op::W(&t.data)),
        _ => Err("internal: expected a constant".into()),
    }
}

/// The dimensions of a recurrent layer, checked against every input's shape.
pub(crate) struct RnnDims {
    kind: Kind,
    layout: i64,
    seq: usize,
    batch: usize,
    nd: usize,
    h: usize,
}

impl RnnDims {
    /// The layer's kind.
    pub(crate) fn kind(&self) -> Kind {
        self.kind
    }

    /// `(layout, seq_length, batch_size, directions, hidden_size)`.
    pub(crate) fn sizes(&self) -> (i64, usize, usize, usize, usize) {
        (self.layout, self.seq, self.batch, self.nd, self.h)
    }

    /// The output shapes: Y, Y_h and (LSTM) Y_c.
    pub(crate) fn outputs(&self) -> Vec<Vec<usize>> {
        let (seq, batch, nd, h) = (self.seq, self.batch, self.nd, self.h);
        let (y, yh) = if self.layout == 1 {
            (vec![batch, seq, nd, h], vec![batch, nd, h])
        } else {
            (vec![seq, nd, batch, h], vec![nd, batch, h])
        };
        let mut v = vec![y, yh.clone()];
        if self.kind == Kind::Lstm {
            v.push(yh);
        }
        v
    }
}

/// LSTM's, GRU's and RNN's checks on the shapes of X, W, R, B, sequence_lens, initial_h,
/// initial_c, P (`None` where absent) and on the attributes.
pub(crate) fn rnn_dims(node: &Node, shapes: &[Option<&[usize]>]) -> Result<RnnDims, String> {
    let kind = kind_of(node);
    let g = gates(kind);
    let layout = node.int("layout", 0);
    let get = |i: usize| shapes.get(i).copied().flatten();
    let need =
        |i: usize, what: &str| get(i).ok_or_else(|| format!("missing required input {i} ({what})"));
    let (x0, w0, r0) = (need(0, "X")?, need(1, "W")?, need(2, "R")?);
    if x0.len() != 3 || w0.len() != 3 || r0.len() != 3 {
        return Err(format!("X, W, R must be 3-D, got {x0:?}, {w0:?}, {r0:?}"));
    }
    let (seq, batch, input) = if layout == 1 {
        (x0[1], x0[0], x0[2])
    } else {
        (x0[0], x0[1], x0[2])
    };
    let nd = match node.string("direction", "forward").as_str() {
        "forward" | "reverse" => 1,
        "bidirectional" => 2,
        d => {
            return Err(format!(
                "direction '{d}' is not forward, reverse or bidirectional"
            ))
        }
    };
    let h = match node.attr("hidden_size") {
        Some(a) => usize::try_from(a.i).map_err(|_| "hidden_size is negative")?,
        None => r0[2],
    };
    if h != r0[2] {
        return Err(format!("hidden_size {h} does not match R of shape {r0:?}"));
    }
    let gh = h
        .checked_mul(g)
        .ok_or_else(|| format!("hidden_size {h} overflows"))?;
    let check = |s: &[usize], want: &[usize], what: &str| -> Result<(), String> {
        if s != want {
            return Err(format!("{what} has shape {s:?}, expected {want:?}"));
        }
        Ok(())
    };
    check(w0, &[nd, gh, input], "W")?;
    check(r0, &[nd, gh, h], "R")?;
    if let Some(b) = get(3) {
        check(b, &[nd, 2 * gh], "B")?;
    }
    if let Some(l) = get(4) {
        if numel_checked(l, 1)? != batch {
            return Err(format!(
                "sequence_lens has shape {l:?} for a batch of {batch}"
            ));
        }
    }
    let state = if layout == 1 {
        [batch, nd, h]
    } else {
        [nd, batch, h]
    };
    if let Some(s) = get(5) {
        check(s, &state, "initial_h")?;
    }
    if kind == Kind::Lstm {
        if let Some(s) = get(6) {
            check(s, &state, "initial_c")?;
        }
        if let Some(p) = get(7) {
            check(p, &[nd, 3 * h], "P")?;
        }
    }
    numel_checked(&[seq, nd, batch, h, g], 8)?;
    activations(node, defaults(kind), nd)?;
    Ok(RnnDims {
        kind,
        layout,
        seq,
        batch,
        nd,
        h,
    })
}

pub(crate) fn rnn<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let kind = kind_of(node);
    let g = gates(kind);
    let shapes: Vec<Option<&[usize]>> = (0..8).map(|i| opt(ins, i).map(Value::shape)).collect();
    rnn_dims(node, &shapes)?;
    let layout = node.int("layout", 0);
    let x0 = req(ins, 0, "X")?;
    let w0 = req(ins, 1, "W")?;
    let r0 = req(ins, 2, "R")?;
    if x0.shape().len() != 3 || w0.shape().len() != 3 || r0.shape().len() != 3 {
        return Err(format!(
            "X, W, R must be 3-D, got {:?}, {:?}, {:?}",
            x0.shape(),
            w0.shape(),
            r0.shape()
        ));
    }
    let swap01 = |v: &Value<S>| -> Value<S> { each!(v, |t| transpose_t(t, &[1, 0, 2])) };
    let x = if layout == 1 { swap01(x0) } else { x0.clone() };
    let (seq, batch, input) = (x.shape()[0], x.shape()[1], x.shape()[2]);
    let direction = node.string("direction", "forward");
    let reverse = match direction.as_str() {
        "forward" => vec![false],
        "reverse" => vec![true],
        "bidirectional" => vec![false, true],
        d => {
            return Err(format!(
                "direction '{d}' is not forward, reverse or bidirectional"
            ))
        }
    };
    let nd = reverse.len();
    let h = match node.attr("hidden_size") {
        Some(a) => usize::try_from(a.i).map_err(|_| "hidden_size is negative")?,
        None => r0.shape()[2],
    };
    if h != r0.shape()[2] {
        return Err(format!(
            "hidden_size {h} does not match R of shape {:?}",
            r0.shape()
        ));
    }
    let check = |v: &Value<S>, shape: &[usize], what: &str| -> Result<(), String> {
        if v.shape() != shape {
            return Err(format!(
                "{what} has shape {:?}, expected {shape:?}",
                v.shape()
            ));
        }
        Ok(())
    };
    check(w0, &[nd, g * h, input], "W")?;
    check(r0, &[nd, g * h, h], "R")?;
    let b = opt(ins, 3);
    if let Some(b) = b {
        check(b, &[nd, 2 * g * h], "B")?;
    }
    let lens = seq_lens(opt(ins, 4), seq, batch)?;
    let state = |i: usize, what: &str| -> Result<Option<Value<S>>, String> {
        let Some(v) = opt(ins, i) else {
            return Ok(None);
        };
        let v = if layout == 1 { swap01(v) } else { v.clone() };
        check(&v, &[nd, batch, h], what)?;
        Ok(Some(v))
    };
    let h0 = state(5, "initial_h")?;
    let (c0, p) = if kind == Kind::Lstm {
        let p = opt(ins, 7);
        if let Some(p) = p {
            check(p, &[nd, 3 * h], "P")?;
        }
        (state(6, "initial_c")?, p.cloned())
    } else {
        (None, None)
    };
    numel_checked(&[seq, nd, batch, h, g], std::mem::size_of::<S>())?;
    let spec = Spec::of(node, h)?;
    let all_const = [
        Some(&x),
        Some(w0),
        Some(r0),
        b,
        h0.as_ref(),
        c0.as_ref(),
        p.as_ref(),
    ]
    .iter()
    .flatten()
    .all(|v| matches!(v, Value::Float(_)));
    let (y, yh, yc) = if let (true, Value::Float(xt)) = (all_const, &x) {
        let inp = Inputs {
            x: &xt.data,
            seq,
            batch,
            input,
            w: op_f64(w0)?,
            r: op_f64(r0)?,
            b: b.map(op_f64).transpose()?,
            lens,
            h0: h0.as_ref().map(op_f64).transpose()?,
            c0: c0.as_ref().map(op_f64).transpose()?,
            p: p.as_ref().map(op_f64).transpose()?,
        };
        let (y, yh, yc) = run_layer(&spec, &inp);
        (
            Value::float(Tensor::new(vec![seq, nd, batch, h], y)),
            Value::float(Tensor::new(vec![nd, batch, h], yh)),
            Value::float(Tensor::new(vec![nd, batch, h], yc)),
        )
    } else {
        let xt = x.act_ref("X")?;
        let inp = Inputs {
            x: &xt.data,
            seq,
            batch,
            input,
            w: op_of(w0)?,
            r: op_of(r0)?,
            b: b.map(op_of).transpose()?,
            lens,
            h0: h0.as_ref().map(op_of).transpose()?,
            c0: c0.as_ref().map(op_of).transpose()?,
            p: p.as_ref().map(op_of).transpose()?,
        };
        debug_assert!(inp.w.len() == nd * g * h * input);
        let (y, yh, yc) = run_layer(&spec, &inp);
        (
            Value::Act(Tensor::new(vec![seq, nd, batch, h], y)),
            Value::Act(Tensor::new(vec![nd, batch, h], yh)),
            Value::Act(Tensor::new(vec![nd, batch, h], yc)),
        )
    };
    let (y, yh, yc) = if layout == 1 {
        (
            each!(&y, |t| transpose_t(t, &[2, 0, 1, 3])),
            swap01(&yh),
            swap01(&yc),
        )
    } else {
        (y, yh, yc)
    };
    let mut outs = vec![Some(y), Some(yh)];
    if kind == Kind::Lstm {
        outs.push(Some(yc));
    }
    Ok(outs)
}
