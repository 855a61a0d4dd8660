//! Normalisation operators on the tangent route: BatchNormalization (inference) as a
//! per-element affine map folded at load, and LayerNormalization, InstanceNormalization,
//! GroupNormalization, LpNormalization and MeanVarianceNormalization as statistics over
//! groups of elements with every lane carried through them.
//!
//! The lanes are the generic operators' dual-number arithmetic written out, one statistic
//! at a time and in the order those operators compute it (`ops::reduce::layer_norm_t`,
//! `ops::norm::{lp_norm, mvn}`): the same sums from the same start, the product rule with
//! its `0·∞` guard, `sqrt` and `recip` with their zero-tangent guard. So the values are the
//! generic values bit for bit and the lanes agree to rounding, including where a variance
//! or a norm is zero (where a closed form such as `γ·r·(dx − mean(dx) − x̂·mean(x̂·dx))`
//! would differ from what the generic evaluator returns). Each statistic's lanes cost one
//! pass over the group, the lane loop innermost over contiguous components.
//!
//! Which elements form a group comes from the reduced axes; a group's elements are listed
//! in ascending order, the order in which the generic operators sum them.

use super::Step;
use crate::onnx::load::Node;
use crate::onnx::ops::reduce::per_channel_shape;
use crate::onnx::ops::shape::axis_of;
use crate::onnx::tensor::{expand_to, strides, Tensor, Value};

/// A normalisation of buffer `x` into `out` (they may be the same buffer: every statistic
/// of a group is computed before any of its elements is written).
pub(super) struct Norm {
    pub(super) x: usize,
    pub(super) out: usize,
    kind: Kind,
}

/// A per-element map, or statistics over groups.
enum Kind {
    /// BatchNormalization: `y = (x − mean)·a + b` per element with `a = scale/√(var + ε)`
    /// folded at load.
    Affine {
        mean: Vec<f64>,
        a: Vec<f64>,
        b: Vec<f64>,
    },
    /// `groups` groups of `len` elements.
    Grouped {
        /// `groups × len` element indices, each group ascending.
        idx: Vec<usize>,
        groups: usize,
        len: usize,
        stat: Stat,
    },
}

/// What is computed over each group.
enum Stat {
    /// LayerNormalization, InstanceNormalization, GroupNormalization:
    /// `y = (x − μ)·(σ² + ε)^{-1/2}·γ (+ β)`, `γ` and `β` per element.
    Standardize {
        eps: f64,
        gamma: Vec<f64>,
        beta: Option<Vec<f64>>,
    },
    /// LpNormalization: `y = x/‖x‖₁` or `x/‖x‖₂`, zero where the norm is zero.
    Lp { l1: bool },
    /// MeanVarianceNormalization: `(x − μ)/(σ + 1e-9)`.
    Mvn,
}

/// The step for a normalisation node whose input 0 is an activation (buffer `x`) and whose
/// output, of the input's shape, goes to `out`; `None` when a parameter is an activation, an
/// attribute is one the generic operator refuses, or the shapes are not the ones covered.
pub(super) fn step(
    node: &Node,
    opset: i64,
    vals: &[Option<Value<f64>>],
    acts: &[Option<(usize, bool)>],
    zero: &Tensor<f64>,
    out: usize,
) -> Option<Step> {
    let (x, _) = acts.first().copied().flatten()?;
    // Parameters are constants: a scale that is an activation is not covered.
    if acts.iter().skip(1).any(Option::is_some) {
        return None;
    }
    let val = |i: usize| vals.get(i).and_then(Option::as_ref);
    let param = |i: usize| val(i).and_then(floats);
    let xs = val(0)?.shape().to_vec();
    if zero.shape != xs {
        return None;
    }
    let e = zero.len();
    let r = xs.len();
    let norm = |reduced: &[bool], shape: &[usize], stat: Stat| {
        let (idx, groups, len) = groups(shape, reduced);
        Some(Step::Norm(Norm {
            x,
            out,
            kind: Kind::Grouped {
                idx,
                groups,
                len,
                stat,
            },
        }))
    };
    match node.op.as_str() {
        "BatchNormalization" => {
            if node.int("training_mode", 0) != 0 || node.outputs.iter().skip(1).any(Option::is_some)
            {
                return None;
            }
            let eps = node.float("epsilon", 1e-5);
            // Each parameter broadcast to X as the generic operator broadcasts it.
            let p = |i: usize, what: &str| -> Option<Vec<f64>> {
                let t = param(i)?;
                let s = per_channel_shape(&t.shape, &xs, what).ok()?;
                Some(expand_to(&t.reshaped(s), &xs).ok()?.data)
            };
            let (scale, b, mean, var) = (p(1, "scale")?, p(2, "B")?, p(3, "mean")?, p(4, "var")?);
            let a = scale
                .iter()
                .zip(&var)
                .map(|(s, v)| s / (v + eps).sqrt())
                .collect();
            Some(Step::Norm(Norm {
                x,
                out,
                kind: Kind::Affine { mean, a, b },
            }))
        }
        "LayerNormalization" => {
            let axis = axis_of(node.int("axis", -1), r).ok()?;
            let gamma = expand_to(&param(1)?, &xs).ok()?.data;
            let beta = match val(2) {
                None => None,
                Some(_) => Some(expand_to(&param(2)?, &xs).ok()?.data),
            };
            let reduced: Vec<bool> = (0..r).map(|a| a >= axis).collect();
            let eps = node.float("epsilon", 1e-5);
            norm(&reduced, &xs, Stat::Standardize { eps, gamma, beta })
        }
        "InstanceNormalization" => {
            let c = *xs.get(1)?;
            let plane: usize = xs[2..].iter().product();
            let per = |i: usize| {
                let t = param(i)?;
                (t.len() == c).then(|| per_channel(&t.data, e, plane, c, 1))
            };
            let (gamma, beta) = (per(1)?, per(2)?);
            let reduced: Vec<bool> = (0..r).map(|a| a >= 2).collect();
            let eps = node.float("epsilon", 1e-5);
            let beta = Some(beta);
            norm(&reduced, &xs, Stat::Standardize { eps, gamma, beta })
        }
        "GroupNormalization" => {
            let (n, c) = (*xs.first()?, *xs.get(1)?);
            let g = usize::try_from(node.int("num_groups", 0))
                .ok()
                .filter(|&g| g > 0 && c % g == 0)?;
            let plane: usize = xs[2..].iter().product();
            let rest: usize = xs[1..].iter().product();
            // Per channel, or (opset 18) one value per group repeated over its channels.
            let per = |i: usize| {
                let t = param(i)?;
                if opset < 21 && t.len() == g {
                    Some(per_channel(&t.data, e, plane, c, c / g))
                } else {
                    (t.len() == c).then(|| per_channel(&t.data, e, plane, c, 1))
                }
            };
            let (gamma, beta) = (per(1)?, per(2)?);
            let eps = node.float("epsilon", 1e-5);
            let beta = Some(beta);
            norm(
                &[false, false, true],
                &[n, g, rest / g],
                Stat::Standardize { eps, gamma, beta },
            )
        }
        "LpNormalization" => {
            let axis = axis_of(node.int("axis", -1), r).ok()?;
            let l1 = match node.int("p", 2) {
                1 => true,
                2 => false,
                _ => return None,
            };
            let reduced: Vec<bool> = (0..r).map(|a| a == axis).collect();
            norm(&reduced, &xs, Stat::Lp { l1 })
        }
        "MeanVarianceNormalization" => {
            let axes = node
                .ints("axes")
                .map_or_else(|| vec![0, 2, 3], <[i64]>::to_vec);
            let mut reduced = vec![false; r];
            for a in axes {
                reduced[axis_of(a, r).ok()?] = true;
            }
            norm(&reduced, &xs, Stat::Mvn)
        }
        _ => None,
    }
}

/// A float constant's values, integers widened as the generic operators widen them.
fn floats(v: &Value<f64>) -> Option<Tensor<f64>> {
    match v {
        Value::Float(t) => Some((**t).clone()),
        Value::Int(t) => Some(t.map(|x| x as f64)),
        Value::Act(_) => None,
    }
}

/// `e` values, element `i` (of `[N, C, plane]`) taking `p[channel / per]`.
fn per_channel(p: &[f64], e: usize, plane: usize, c: usize, per: usize) -> Vec<f64> {
    (0..e)
        .map(|i| p[(i / plane.max(1)) % c.max(1) / per])
        .collect()
}

/// The elements of `shape` grouped by their coordinates on the axes not `reduced`: the
/// index list (groups one after the other, each ascending), the group count and the group
/// length (the product of the reduced extents).
fn groups(shape: &[usize], reduced: &[bool]) -> (Vec<usize>, usize, usize) {
    let len: usize = shape
        .iter()
        .zip(reduced)
        .filter(|(_, &r)| r)
        .map(|(&d, _)| d)
        .product();
    let groups: usize = shape
        .iter()
        .zip(reduced)
        .filter(|(_, &r)| !r)
        .map(|(&d, _)| d)
        .product();
    let total = groups * len;
    // group of each element: its kept coordinates in row-major order over the kept axes
    let kept: Vec<usize> = shape
        .iter()
        .zip(reduced)
        .map(|(&d, &r)| if r { 1 } else { d })
        .collect();
    let (st, kst) = (strides(shape), strides(&kept));
    let mut fill = vec![0usize; groups];
    let mut idx = vec![0usize; total];
    for i in 0..total {
        let g: usize = (0..shape.len())
            .filter(|&a| !reduced[a])
            .map(|a| (i / st[a]) % shape[a] * kst[a])
            .sum();
        idx[g * len + fill[g]] = i;
        fill[g] += 1;
    }
    (idx, groups, len)
}

/// `t·d` unless the tangent `t` is zero (then `t`): `mul_zero_safe`, the guard of the
/// dual numbers' `sqrt`, `recip` and products with an infinite value.
#[inline(always)]
fn zs(t: f64, d: f64) -> f64 {
    if t == 0.0 {
        t
    } else {
        t * d
    }
}

/// A lane of the dual product `(a, da)·(b, db)` as `Dual`'s `Mul` computes it (`finite`:
/// both `a` and `b` are finite).
#[inline(always)]
fn prod(a: f64, da: f64, b: f64, db: f64, finite: bool) -> f64 {
    if finite {
        da * b + db * a
    } else {
        zs(da, b) + zs(db, a)
    }
}

impl Norm {
    /// Runs the step on `points` points of `w` components; `scratch` holds a group's
    /// statistics' lanes.
    pub(super) fn run(
        &self,
        bufs: &mut [Vec<f64>],
        scratch: &mut Vec<f64>,
        points: usize,
        w: usize,
    ) {
        let cols = points * w;
        let mut o = std::mem::take(&mut bufs[self.out]);
        if self.x != self.out {
            let len = o.len();
            o.copy_from_slice(&bufs[self.x][..len]);
        }
        let lanes = w - 1;
        scratch.resize(2 * lanes, 0.0);
        let (s1, s2) = scratch.split_at_mut(lanes);
        match &self.kind {
            Kind::Affine { mean, a, b } => {
                for (e, row) in o.chunks_exact_mut(cols).enumerate() {
                    let (m, a, b) = (mean[e], a[e], b[e]);
                    for blk in row.chunks_exact_mut(w) {
                        blk[0] = (blk[0] - m) * a + b;
                        blk[1..].iter_mut().for_each(|l| *l *= a);
                    }
                }
            }
            Kind::Grouped {
                idx,
                groups,
                len,
                stat,
            } => {
                for idx in idx.chunks_exact((*len).max(1)).take(*groups) {
                    for q in 0..points {
                        let group = Group {
                            idx,
                            cols,
                            off: q * w,
                            w,
                        };
                        match stat {
                            Stat::Standardize { eps, gamma, beta } => {
                                group.standardize(&mut o, s1, s2, *eps, gamma, beta.as_deref())
                            }
                            Stat::Lp { l1 } => group.lp(&mut o, s1, *l1),
                            Stat::Mvn => group.mvn(&mut o, s1, s2),
                        }
                    }
                }
            }
        }
        bufs[self.out] = o;
    }
}

/// One point's group: element `idx[k]`'s block of `w` components at
/// `idx[k]·cols + off`.
struct Group<'a> {
    idx: &'a [usize],
    cols: usize,
    off: usize,
    w: usize,
}

impl Group<'_> {
    fn at(&self, k: usize) -> usize {
        self.idx[k] * self.cols + self.off
    }

    /// `Σ x` from 0 (`Iterator::sum` of dual numbers) into its value and `dsum`.
    fn sum_from_zero(&self, o: &[f64], dsum: &mut [f64]) -> f64 {
        let mut s = 0.0;
        dsum.fill(0.0);
        for k in 0..self.idx.len() {
            let a = self.at(k);
            s += o[a];
            for (d, &t) in dsum.iter_mut().zip(&o[a + 1..a + self.w]) {
                *d += t;
            }
        }
        s
    }

    /// `layer_norm_t`'s statistics, then the scale and bias as `binary` applies them.
    fn standardize(
        &self,
        o: &mut [f64],
        dmean: &mut [f64],
        dvar: &mut [f64],
        eps: f64,
        gamma: &[f64],
        beta: Option<&[f64]>,
    ) {
        let (len, w) = (self.idx.len() as f64, self.w);
        let mean = self.sum_from_zero(o, dmean) / len;
        dmean.iter_mut().for_each(|d| *d /= len);
        // Σ (x − μ)², the product rule on (x − μ) with itself
        let mut var = 0.0;
        dvar.fill(0.0);
        for k in 0..self.idx.len() {
            let a = self.at(k);
            let dev = o[a] - mean;
            var += dev * dev;
            let fin = dev.is_finite();
            for ((d, &t), &dm) in dvar.iter_mut().zip(&o[a + 1..a + w]).zip(&*dmean) {
                let dd = t - dm;
                *d += prod(dev, dd, dev, dd, fin);
            }
        }
        let var = var / len;
        // (var + ε).sqrt().recip(), each with its zero-tangent guard
        let sd = (var + eps).sqrt();
        let s_slope = (sd * 2.0).recip();
        let inv = sd.recip();
        let r_slope = -(inv * inv);
        dvar.iter_mut()
            .for_each(|d| *d = zs(zs(*d / len, s_slope), r_slope));
        let dinv = &*dvar;
        for k in 0..self.idx.len() {
            let a = self.at(k);
            let e = self.idx[k];
            let dev = o[a] - mean;
            let fin = dev.is_finite() && inv.is_finite();
            let g = gamma[e];
            o[a] = dev * inv * g;
            if let Some(b) = beta {
                o[a] += b[e];
            }
            for ((t, &dm), &di) in o[a + 1..a + w].iter_mut().zip(&*dmean).zip(dinv) {
                *t = prod(dev, *t - dm, inv, di, fin) * g;
            }
        }
    }

    /// `lp_norm`: the norm as `reduce_float` folds it (from the first term), then `x / n`,
    /// zero where `n` is zero.
    fn lp(&self, o: &mut [f64], dn: &mut [f64], l1: bool) {
        let w = self.w;
        let mut n = 0.0;
        for k in 0..self.idx.len() {
            let a = self.at(k);
            let v = o[a];
            let (pre, first) = (if l1 { v.abs() } else { v * v }, k == 0);
            n = if first { pre } else { n + pre };
            let sign = if v > 0.0 {
                1.0
            } else if v < 0.0 {
                -1.0
            } else {
                0.0
            };
            let fin = v.is_finite();
            for (d, &t) in dn.iter_mut().zip(&o[a + 1..a + w]) {
                // |x|: the rule's slope times the tangent (`chain`, no guard)
                let dp = if l1 { t * sign } else { prod(v, t, v, t, fin) };
                *d = if first { dp } else { *d + dp };
            }
        }
        if !l1 {
            let s = n.sqrt();
            let slope = (s * 2.0).recip();
            dn.iter_mut().for_each(|d| *d = zs(*d, slope));
            n = s;
        }
        for k in 0..self.idx.len() {
            let a = self.at(k);
            if n == 0.0 {
                o[a..a + w].fill(0.0);
                continue;
            }
            let y = o[a] / n;
            o[a] = y;
            for (t, &d) in o[a + 1..a + w].iter_mut().zip(&*dn) {
                *t = (*t - d * y) / n;
            }
        }
    }

    /// `mvn`: mean and variance as `reduce_float` folds them (from the first term), then
    /// `(x − μ) / (√var + 1e-9)`.
    fn mvn(&self, o: &mut [f64], dmean: &mut [f64], dvar: &mut [f64]) {
        let (count, w) = (self.idx.len() as f64, self.w);
        let mut m = 0.0;
        for k in 0..self.idx.len() {
            let a = self.at(k);
            m = if k == 0 { o[a] } else { m + o[a] };
            for (d, &t) in dmean.iter_mut().zip(&o[a + 1..a + w]) {
                *d = if k == 0 { t } else { *d + t };
            }
        }
        let mean = m / count;
        dmean.iter_mut().for_each(|d| *d /= count);
        let mut var = 0.0;
        for k in 0..self.idx.len() {
            let a = self.at(k);
            let dev = o[a] - mean;
            let sq = dev * dev;
            var = if k == 0 { sq } else { var + sq };
            let fin = dev.is_finite();
            for ((d, &t), &dm) in dvar.iter_mut().zip(&o[a + 1..a + w]).zip(&*dmean) {
                let dd = t - dm;
                let dp = prod(dev, dd, dev, dd, fin);
                *d = if k == 0 { dp } else { *d + dp };
            }
        }
        let var = var / count;
        let sd = var.sqrt();
        let slope = (sd * 2.0).recip();
        // the denominator's tangent: √'s (guarded); adding 1e-9 keeps it
        dvar.iter_mut().for_each(|d| *d = zs(*d / count, slope));
        let den = sd + 1e-9;
        for k in 0..self.idx.len() {
            let a = self.at(k);
            let dev = o[a] - mean;
            let y = dev / den;
            o[a] = y;
            for ((t, &dm), &dd) in o[a + 1..a + w].iter_mut().zip(&*dmean).zip(&*dvar) {
                *t = ((*t - dm) - dd * y) / den;
            }
        }
    }
}
