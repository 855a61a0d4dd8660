// The corpus: ordinary f64 Rust, written the way people write it. `tests/corpus.rs` includes
// this file twice: once with `differentiable` = a no-op (the reference) and once with the real
// attribute. Every item must compile unchanged in both.

#[allow(unused_imports)]
use nalgebra::{DMatrix, DVector, SVector};
#[allow(unused_imports)]
use nngrad_core::Scalar;
use std::f64::consts::PI;

pub const ALPHA: f64 = 0.1;

#[derive(Clone, Copy, Debug)]
pub enum Act {
    Relu,
    Tanh,
    Gelu,
    Identity,
}

// ---- scalars, literals, paths ----

#[differentiable]
pub fn c01_scalar(x: f64) -> f64 {
    let y = 0.5 * x * x + 1e-3;
    let z = (2.0 * PI * x).sin() + std::f64::consts::E * x.powi(3);
    y.exp() * 0.1 + z.tanh() - x / 3.0 + 0.25f64 * x
}

#[differentiable]
pub fn c02_slice(x: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(x.len());
    for &v in x {
        out.push(v * v - 2.0 * v);
    }
    out
}

#[differentiable]
pub fn c03_array(x: [f64; 3]) -> [f64; 2] {
    let s = x[0] + x[1] + x[2];
    [s * x[0], (x[1] - x[2]).powi(2)]
}

#[differentiable(wrt(x))]
pub fn c04_dense(x: &[f64], w: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; w.len()];
    for i in 0..w.len() {
        let mut acc = b[i];
        for j in 0..x.len() {
            acc += w[i][j] * x[j];
        }
        out[i] = acc.tanh();
    }
    out
}

#[differentiable]
pub fn c04b_dense_all(x: &[f64], w: &[Vec<f64>], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; w.len()];
    for i in 0..w.len() {
        let mut acc = b[i];
        for j in 0..x.len() {
            acc += w[i][j] * x[j];
        }
        out[i] = acc.tanh();
    }
    out
}

#[differentiable(wrt(x))]
pub fn c05_dot(x: &[f64], w: &[f64]) -> f64 {
    x.iter().zip(w).map(|(a, b)| a * b).sum::<f64>()
}

#[differentiable(wrt(x))]
pub fn c05b_iter_mix(x: &[f64], w: &[f64]) -> f64 {
    let s: f64 = w.iter().zip(x.iter()).map(|(wi, xi)| wi * xi.exp()).sum();
    let norm = x.iter().map(|v| v * v).sum::<f64>().sqrt();
    let total: f64 = x.iter().sum();
    let wsum: f64 = w.iter().sum();
    let prod: f64 = x.iter().map(|v| 1.0 + v).product();
    s / (1.0 + norm) + total * wsum + prod
}

#[differentiable]
pub fn c06_relu_max(x: f64) -> f64 {
    x.max(0.0)
}

#[differentiable]
pub fn c06_relu_if(x: f64) -> f64 {
    if x > 0.0 {
        x
    } else {
        0.0
    }
}

#[differentiable]
pub fn c06_leaky(x: f64) -> f64 {
    if x >= 0.0 {
        x
    } else {
        0.01 * x
    }
}

#[differentiable]
pub fn c06_softmax(x: &[f64]) -> Vec<f64> {
    let m = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let e: Vec<f64> = x.iter().map(|v| (v - m).exp()).collect();
    let s: f64 = e.iter().sum();
    e.iter().map(|v| v / s).collect()
}

#[differentiable]
pub fn c07_positional(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    let mut out = Vec::new();
    for (i, v) in x.iter().enumerate() {
        let t = i as f64 / n as f64;
        let freq = 10000f64.powf(-t);
        out.push(v + (i as f64 * freq).sin() + t * v);
    }
    out
}

#[differentiable]
pub fn c08_sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

#[differentiable]
pub fn c08_swish(x: f64) -> f64 {
    x * c08_sigmoid(x)
}

#[differentiable(wrt(x))]
pub fn c08_two_layer(
    x: &[f64],
    w1: &[Vec<f64>],
    b1: &[f64],
    w2: &[Vec<f64>],
    b2: &[f64],
) -> Vec<f64> {
    let h = c04_dense(x, w1, b1);
    let h: Vec<f64> = h.iter().map(|&v| c08_swish(v)).collect();
    c04_dense(&h, w2, b2)
}

// ---- methods through &self with f64 weights ----

pub struct Mlp {
    pub w1: Vec<Vec<f64>>,
    pub b1: Vec<f64>,
    pub w2: Vec<Vec<f64>>,
    pub b2: Vec<f64>,
}

impl Mlp {
    pub fn demo() -> Self {
        Mlp {
            w1: vec![vec![0.3, -0.2, 0.5], vec![0.1, 0.4, -0.6]],
            b1: vec![0.05, -0.1],
            w2: vec![vec![0.7, -0.3], vec![-0.2, 0.9]],
            b2: vec![0.2, -0.4],
        }
    }

    #[differentiable]
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let h = c04_dense(x, &self.w1, &self.b1);
        let mut out = self.b2.clone();
        for (o, row) in out.iter_mut().zip(&self.w2) {
            *o += row.iter().zip(&h).map(|(w, h)| w * h).sum::<f64>();
        }
        out
    }
}

#[differentiable]
pub fn c11_activate(x: f64, act: Act) -> f64 {
    match act {
        Act::Relu => x.max(0.0),
        Act::Tanh => x.tanh(),
        Act::Gelu => 0.5 * x * (1.0 + ((2.0 / PI).sqrt() * (x + 0.044715 * x.powi(3))).tanh()),
        Act::Identity => x,
    }
}

#[differentiable]
pub fn c11_closures(x: &[f64], act: Act) -> f64 {
    if x.is_empty() {
        return 0.0;
    }
    let sq = |v: f64| v * v;
    let scale = 2.0;
    let f = |v: &f64| c11_activate(*v * scale, act);
    let mut total = 0.0;
    for v in x {
        if *v > 10.0 {
            return *v;
        }
        total += f(v) + sq(*v);
    }
    total
}

pub struct Norm {
    pub eps: f64,
    pub scale: f64,
    pub shift: f64,
}

impl Norm {
    #[differentiable]
    pub fn apply(&self, x: &[f64]) -> Vec<f64> {
        let n = x.len() as f64;
        let mean = x.iter().sum::<f64>() / n;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
        let inv = 1.0 / (var + self.eps).sqrt();
        x.iter().map(|v| (v - mean) * inv * self.scale + self.shift).collect()
    }
}

#[differentiable]
pub fn c13_polar(x: f64, y: f64) -> (f64, f64) {
    let r = (x * x + y * y).sqrt();
    let theta = y.atan2(x);
    (r, theta)
}

#[differentiable(wrt(x))]
pub fn c14_methods(x: f64, w: f64) -> f64 {
    let a = f64::max(x, w);
    let b = f64::max(w, x);
    let c = x.mul_add(w, 1.0) + w.mul_add(x, 0.5);
    let d = x.abs() * x.signum() + f64::abs(x);
    let e = w.hypot(x) + w.max(x) + w.min(x * 0.5) + w.powf(x);
    a + b + c + d + e + f64::sqrt(x * x + 1.0)
}

#[differentiable]
pub fn c15_const(x: f64) -> f64 {
    let lo = x.max(ALPHA * x);
    let clipped = x.min(ALPHA * 100.0).max(-ALPHA);
    if x > ALPHA {
        lo + clipped
    } else {
        ALPHA
    }
}

#[differentiable(wrt(x))]
pub fn c16_promote(x: &[f64], b: &[f64], w: f64) -> Vec<f64> {
    let mut out = b.to_vec();
    let mut best = w;
    let mut m = f64::NEG_INFINITY;
    for i in 0..x.len() {
        out[i] += x[i] * w;
        if x[i] > best {
            best = x[i];
        }
        m = m.max(x[i]);
    }
    let y = if best > 0.0 { b[0] } else { best };
    out.push(best + m + y);
    out
}

#[differentiable]
pub fn c17_mse(pred: &[f64], #[nograd] target: &[f64]) -> f64 {
    let n = pred.len() as f64;
    pred.iter().zip(target).map(|(p, t)| (p - t).powi(2)).sum::<f64>() / n
}

#[differentiable]
pub fn c18_casts(x: f64, k: u32) -> f64 {
    let kf = f64::from(k);
    let bucket = (x * 4.0).floor() as i64;
    let frac = x - bucket as f64;
    let half = (k / 2) as f64;
    let xf = x as f64;
    let small = x as f32;
    kf * frac + half + xf + (k as f32) as f64 + f64::from(small) * 0.0
}

#[differentiable]
pub fn c18b_to_int(x: f64) -> f64 {
    let idx = (x.abs() * 3.0) as usize % 4;
    let table = [1.0, 2.0, 3.0, 4.0];
    x * table[idx] + (idx as f64) * 0.5 + 7 as f64
}

#[differentiable(wrt(q))]
pub fn c19_attention(q: &[f64], keys: &[Vec<f64>], values: &[Vec<f64>]) -> Vec<f64> {
    let d = q.len();
    let scale = 1.0 / (d as f64).sqrt();
    let scores: Vec<f64> = keys
        .iter()
        .map(|k| q.iter().zip(k).map(|(a, b)| a * b).sum::<f64>() * scale)
        .collect();
    let probs = c06_softmax(&scores);
    let mut out = vec![0.0; values[0].len()];
    for (p, v) in probs.iter().zip(values) {
        for (o, vi) in out.iter_mut().zip(v) {
            *o += p * vi;
        }
    }
    out
}

#[differentiable]
pub fn c20_loops(x: [f64; 4]) -> f64 {
    let mut buf = [0.0f64; 4];
    let mut i = 0;
    while i < 4 {
        buf[i] = x[i] * (i as f64 + 1.0);
        i += 1;
    }
    let (mut a, mut b) = (buf[0], buf[1]);
    a *= 2.0;
    b -= a / 3.0;
    let mut acc: f64 = 0.0;
    for v in buf.iter().skip(2) {
        acc += v;
    }
    a + b + acc
}

#[differentiable]
pub fn c21_sorting(x: &[f64]) -> f64 {
    let mut v = x.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let mx = x.iter().cloned().fold(f64::MIN, f64::max);
    let mn = x.iter().copied().min_by(|a, b| a.total_cmp(b)).unwrap();
    v[v.len() / 2] + mx - mn + x.iter().filter(|v| **v > 0.5).count() as f64
}

#[differentiable(wrt(x))]
pub fn c22_typed(x: &[f64], b: &[f64], _w: f64) -> Vec<f64> {
    let mut acc: f64 = b[0];
    let copy: Vec<f64> = b.to_vec();
    let mut out = vec![0.0; x.len()];
    for i in 0..x.len() {
        acc += x[i];
        out[i] = b[i] + copy[i];
        if i == 0 {
            out[i] = b[i];
        }
        out[i] += acc;
    }
    let mut copy = copy;
    copy[0] += x[0];
    out.push(copy[0]);
    out
}

#[differentiable(wrt(x))]
pub fn c22_return(x: f64, w: f64) -> f64 {
    if x > 100.0 {
        return w;
    }
    if x < -100.0 {
        w
    } else if x < 0.0 {
        -w + x
    } else {
        x * w
    }
}

#[differentiable(wrt(x))]
pub fn c22_const_tail(x: f64, w: f64) -> f64 {
    let _unused = x;
    w
}

#[differentiable]
pub fn c24_norm<const N: usize>(x: [f64; N]) -> f64 {
    x.iter().map(|v| v * v).sum::<f64>().sqrt()
}

#[differentiable]
pub fn c24_first_pos(x: &[f64]) -> Option<f64> {
    x.iter().copied().find(|v| *v > 0.0).map(|v| v * 3.0)
}

pub struct Layer {
    pub w: Vec<Vec<f64>>,
    pub b: Vec<f64>,
    pub act: Act,
}

#[differentiable]
impl Layer {
    pub fn new(w: Vec<Vec<f64>>, b: Vec<f64>) -> Self {
        Layer { w, b, act: Act::Tanh }
    }
    pub fn pre(&self, x: &[f64]) -> Vec<f64> {
        self.w
            .iter()
            .zip(&self.b)
            .map(|(r, b)| r.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + b)
            .collect()
    }
    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.pre(x).into_iter().map(|z| c11_activate(z, self.act)).collect()
    }
    pub fn width(&self) -> usize {
        self.b.len()
    }
}

#[differentiable(wrt(x))]
pub fn c26_closure_both(x: f64, w: f64) -> f64 {
    let sq = |v: f64| v * v;
    let cube = |v| v * v * v;
    sq(w) + sq(x) + cube(w) + cube(x) * w
}

#[differentiable]
pub fn c27_escape(x: f64) -> f64 {
    let table = nngrad_core::nograd!(vec![0.25, 0.5, 1.0]);
    let idx = nngrad_core::nograd!((x.value() * 2.0).clamp(0.0, 2.0) as usize);
    x * table[idx] + x.value()
}

#[differentiable]
pub fn c28_option(x: f64, bias: Option<f64>) -> f64 {
    x * 2.0 + bias.unwrap_or(0.5) * x
}

#[differentiable]
pub fn c29_nested(m: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let mut out = vec![vec![0.0; m.len()]; m[0].len()];
    for (i, row) in m.iter().enumerate() {
        for (j, v) in row.iter().enumerate() {
            out[j][i] = v * v + 1.0;
        }
    }
    out
}

#[differentiable]
pub fn c30_tuple(p: (f64, f64), scale: f64) -> f64 {
    let (a, b) = p;
    (a * b).sin() * scale + a / (1.0 + b * b)
}

#[differentiable]
pub fn c31_math(x: f64) -> f64 {
    let (s, c) = x.sin_cos();
    let a = x.exp2() + x.ln_1p() + x.log2() + x.log10() + x.cbrt() + x.exp_m1();
    let b = x.sinh() + x.cosh() + x.asin() + x.acos() + x.atan() + x.tan() + x.recip();
    let d = x.atanh() + (x + 2.0).acosh() + x.asinh() + x.ln() + x.log(3.0);
    let e = x.to_degrees() * 0.01 + x.to_radians() + x.copysign(-1.0) + x.fract();
    a + b + d + e + s * c + x.clamp(0.1, 0.9) + x.powf(1.5) + x.sqrt()
}

#[differentiable]
pub fn c32_else_if(x: f64, y: f64) -> f64 {
    let r = if x > y {
        x - y
    } else if x < -y {
        y
    } else {
        0.5
    };
    match (x > 0.0, y > 0.0) {
        (true, true) => r * x,
        (true, false) => r + y,
        _ => r,
    }
}

#[differentiable]
pub fn c33_time_loop(k: f64) -> f64 {
    let mut t = 0.0;
    let dt = 0.125;
    let mut acc = 0.0;
    while t < 1.0 {
        acc += (k * t).cos() * dt;
        t += dt;
    }
    acc
}

#[differentiable]
pub fn c34_svector(x: SVector<f64, 3>) -> SVector<f64, 2> {
    SVector::<f64, 2>::new(x[0] * x[1], x[2].exp() - x[0])
}

#[differentiable]
pub fn c35_from_consts(x: f64, n: u8) -> f64 {
    let eps = f64::EPSILON;
    let big = f64::MAX;
    let scaled = x * f64::from(n) + f64::powi(x, 2) * 0.5;
    if scaled < big {
        scaled + eps
    } else {
        0.0
    }
}

#[differentiable(wrt(x))]
pub fn c36_mixed_calls(x: &[f64], w: &[Vec<f64>], b: &[f64]) -> f64 {
    let h = c04_dense(x, w, b);
    let l = c17_mse(&h, b);
    let s = c05_dot(&h, b);
    l + s + c08_sigmoid(h[0])
}

#[differentiable]
pub fn c37_iter_adapters(x: &[f64]) -> f64 {
    let pos: Vec<f64> = x.iter().filter(|v| **v > 0.0).map(|v| v.sqrt()).collect();
    let m = x.iter().copied().max_by(|a, b| a.partial_cmp(b).unwrap()).unwrap();
    let windows: f64 = x.windows(2).map(|w| w[1] - w[0]).map(|d| d * d).sum();
    let rev: Vec<f64> = x.iter().rev().cloned().collect();
    let first = pos.first().copied().unwrap_or(0.0);
    m + windows + rev[0] * 2.0 + first + x.iter().skip(1).step_by(2).sum::<f64>()
}

#[differentiable]
pub fn c38_refs(x: &[f64], y: &f64) -> f64 {
    let a = &x[0];
    let b = a * y + *a - y;
    let c = -a + a / y;
    b * c + x.iter().map(|v| v * y).sum::<f64>()
}

#[differentiable]
pub fn c39_enum_data(x: f64, which: usize) -> f64 {
    let act = match which {
        0 => Act::Relu,
        1 => Act::Tanh,
        2 => Act::Gelu,
        _ => Act::Identity,
    };
    c11_activate(x, act) + c11_activate(-x, act)
}

#[differentiable]
pub fn c40_builtin_acts(x: f64) -> f64 {
    x.sigmoid() + x.softplus() + x.gelu() + x.silu() + x.leaky_relu(0.01) + x.elu(1.0) + x.erf()
}

#[differentiable(wrt(x))]
pub fn c41_push_data(x: &[f64], w: &[f64]) -> Vec<f64> {
    let mut out = Vec::new();
    for i in 0..x.len() {
        out.push(w[i]);
        out.push(x[i] * w[i]);
    }
    out
}

#[differentiable(wrt(x))]
pub fn c42_ref_receivers(x: f64, w: &[f64]) -> f64 {
    let clipped: Vec<f64> = w.iter().map(|v| v.max(x)).collect();
    let m = w.iter().map(|v| v.min(x * 0.5)).fold(0.0, |a, b| a + b);
    clipped.iter().sum::<f64>() + m
}

#[differentiable(wrt(x))]
pub fn c43_state_array(x: f64, init: &[f64]) -> f64 {
    let mut state = [init[0], init[1]];
    let (mut p, q) = (init[0], init[1]);
    for _ in 0..3 {
        state[0] += x * state[1];
        state[1] -= 0.5 * state[0];
        p *= x;
    }
    state[0] + state[1] + p + q
}

// ---- more everyday forms: fold, Result, out-params, references, labels, while let, let-else ----

#[differentiable]
pub fn c44_fold_sum(x: &[f64]) -> f64 {
    let s = x.iter().fold(0.0, |acc, v| acc + v * v);
    let t = x.iter().map(|&v| v * 2.0).fold(0.0, |a: f64, b| a.max(b));
    let mut arr = [0.0; 3];
    arr[0] = x[0];
    let r: Result<f64, String> = if s > 0.0 { Ok(s.sqrt()) } else { Err("neg".into()) };
    let q = r.unwrap_or(1.0);
    assert!(s >= 0.0, "s = {}", s);
    let neg = -0.5;
    let lit = 1_000.0 + 1e-8_f64 + neg;
    let w = if let Some(v) = x.first() { *v } else { 0.0 };
    s + t + arr[0] + q + lit * 1e-3 + w
}

#[differentiable]
pub fn c45_result_ret(x: f64) -> Result<f64, String> {
    if x < 0.0 {
        return Err(format!("negative {}", x));
    }
    Ok(x.sqrt())
}

#[differentiable]
pub fn c46_out_param(x: &[f64], out: &mut [f64]) {
    for i in 0..x.len() {
        out[i] = x[i] * 2.0;
    }
}

#[differentiable]
pub fn c47_ref_ret<'a>(x: &'a [f64]) -> &'a f64 {
    &x[0]
}

#[differentiable]
pub fn c48_sim(x0: f64, v0: f64) -> f64 {
    let mut cur = vec![x0, v0];
    let mut next = vec![0.0; 2];
    let dt = 0.1;
    'outer: for step in 0..10 {
        next[0] = cur[0] + dt * cur[1];
        next[1] = cur[1] - dt * cur[0];
        std::mem::swap(&mut cur, &mut next);
        if step > 100 {
            break 'outer;
        }
    }
    let mut it = cur.iter();
    let mut acc = 0.0;
    while let Some(v) = it.next() {
        acc += match *v {
            v if v > 10.0 => 10.0,
            v => v,
        };
    }
    let Some(first) = cur.first() else { return 0.0 };
    acc + first
}

pub struct Stats {
    pub last: f64,
    pub calls: usize,
}

#[differentiable(wrt(x))]
pub fn c49_f64_storage(x: &[f64], w: &[f64], stats: &mut Stats, scratch: &mut [f64]) -> f64 {
    let mut total = 0.0;
    for i in 0..x.len() {
        // Literals become `S`, so pure-f64 arithmetic bound for f64 storage uses the escape hatch.
        scratch[i] = nngrad_core::nograd!(w[i] * 2.0);
        total += x[i] * scratch[i];
    }
    stats.last = total.value();
    stats.calls += 1;
    total
}

#[differentiable(wrt(x))]
pub fn c50_everyday(x: &[f64], w: &[Vec<f64>]) -> Vec<f64> {
    let y: Vec<f64> = w.iter().map(|row| row.iter().zip(x).map(|(a, b)| a * b).sum()).collect();
    let own = x.to_owned();
    let mean = x.iter().copied().sum::<f64>() / x.len() as f64;
    let series = (1..=3).map(|k| k as f64 * x[0]).sum::<f64>();
    let [a, b] = [x[0], x[1]];
    let v = x.iter().map(|v| v.powi(2)).collect::<Vec<_>>();
    let h = f64::hypot(a, b) + x[0].clamp(-1.0, 1.0) + std::f64::consts::FRAC_PI_2;
    let mut arr: [f64; 3] = [0.0; 3];
    arr[0] = x[0];
    arr.iter_mut().for_each(|v| *v *= 2.0);
    let e: f64 = x.iter().enumerate().map(|(i, v)| v * i as f64).sum();
    let t = (0..10).fold(x[0], |acc, _| acc * 0.9);
    let mut out = y;
    out.push(own[0] + mean + series + v[1] + h + arr[0] + e + t);
    out
}

// ---- nalgebra ----

#[differentiable]
pub fn n01_layer_all(x: &DVector<f64>, w: &DMatrix<f64>, b: &DVector<f64>) -> DVector<f64> {
    (w * x + b).map(|v| v.tanh())
}

#[differentiable(wrt(x))]
pub fn n02_layer_lift(
    x: &DVector<f64>,
    #[lift] w: &DMatrix<f64>,
    #[lift] b: &DVector<f64>,
) -> DVector<f64> {
    (w * x + b).map(|v| v.tanh())
}

#[differentiable(wrt(x))]
pub fn n03_layer_index(x: &DVector<f64>, w: &DMatrix<f64>, b: &DVector<f64>) -> DVector<f64> {
    let mut out = DVector::from_element(w.nrows(), 0.0);
    for i in 0..w.nrows() {
        let mut acc = b[i];
        for j in 0..w.ncols() {
            acc += w[(i, j)] * x[j];
        }
        out[i] = acc.max(0.0);
    }
    out
}

#[differentiable]
pub fn n04_reduce(x: &DVector<f64>) -> f64 {
    let y = x.map(|v| v * v + 1.0);
    x.dot(&y) + y.sum() * 0.5 + x.component_mul(&y).sum()
}

#[differentiable(wrt(x))]
pub fn n05_auto_lift(x: &DVector<f64>, w: &DMatrix<f64>) -> f64 {
    let h = w * x;
    h.dot(&h).sqrt()
}
