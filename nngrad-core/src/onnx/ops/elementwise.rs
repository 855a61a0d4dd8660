//! Element-wise operators with more than one operand: broadcasting binary arithmetic, Mod,
//! the variadic Sum/Mean/Max/Min, Clip, PRelu and the `ai.onnx.ml` Scaler (the unary
//! functions are in `unary.rs`).
//!
//! A constant operand stays f64 and meets an activation through the mixed `S op f64`
//! arithmetic; only integer tensors take the integer paths.

use super::{opt, req, Ins, Outs, NOT_THIS_FAMILY};
use crate::onnx::load::Node;
use crate::onnx::tensor::{broadcast_shapes, for_each_broadcast, numel_checked, Tensor, Value};
use crate::Scalar;

/// The unary functions live in `unary.rs`; the tangent route names them from here.
pub(crate) use super::unary::Unary;

/// Broadcasting binary arithmetic.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Bin {
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Max,
    Min,
}

impl Bin {
    pub fn of(op: &str) -> Option<Bin> {
        Some(match op {
            "Add" | "Sum" | "Mean" => Bin::Add,
            "Sub" => Bin::Sub,
            "Mul" => Bin::Mul,
            "Div" => Bin::Div,
            "Pow" => Bin::Pow,
            "Max" => Bin::Max,
            "Min" => Bin::Min,
            _ => return None,
        })
    }

    fn ss<T: Scalar>(self, a: T, b: T) -> T {
        match self {
            Bin::Add => a + b,
            Bin::Sub => a - b,
            Bin::Mul => a * b,
            Bin::Div => a / b,
            Bin::Pow => a.powf(b),
            // NaN propagates (as NumPy's maximum); on a tie the first operand wins.
            Bin::Max => {
                if a.is_nan() || b.is_nan() {
                    if a.is_nan() {
                        a
                    } else {
                        b
                    }
                } else if b > a {
                    b
                } else {
                    a
                }
            }
            Bin::Min => {
                if a.is_nan() || b.is_nan() {
                    if a.is_nan() {
                        a
                    } else {
                        b
                    }
                } else if b < a {
                    b
                } else {
                    a
                }
            }
        }
    }

    /// `a op b` for an activation `a` and a constant `b` (the tangent route's constant
    /// exponent of Pow evaluates its value and slope with this very function).
    pub(crate) fn sw<S: Scalar>(self, a: S, b: f64) -> S {
        match self {
            Bin::Add => a + b,
            Bin::Sub => a - b,
            Bin::Mul => a * b,
            Bin::Div => a / b,
            Bin::Pow => pow_const_exponent(a, b),
            Bin::Max | Bin::Min => self.ss(a, S::cst(b)),
        }
    }

    /// `a op b` for a constant `a` and an activation `b` (as [`Bin::sw`], Pow's constant
    /// base on the tangent route).
    pub(crate) fn ws<S: Scalar>(self, a: f64, b: S) -> S {
        match self {
            Bin::Add => b + a,
            Bin::Sub => -b + a,
            Bin::Mul => b * a,
            Bin::Div => b.recip() * a,
            Bin::Pow | Bin::Max | Bin::Min => self.ss(S::cst(a), b),
        }
    }

    fn ii(self, a: i64, b: i64) -> Result<i64, String> {
        Ok(match self {
            Bin::Add => a.wrapping_add(b),
            Bin::Sub => a.wrapping_sub(b),
            Bin::Mul => a.wrapping_mul(b),
            Bin::Div => {
                if b == 0 {
                    return Err("integer division by zero".into());
                }
                a.wrapping_div(b)
            }
            Bin::Pow => int_pow(a, b),
            Bin::Max => a.max(b),
            Bin::Min => a.min(b),
        })
    }
}

/// `x^p` for a constant exponent; integral exponents use `powi` (exact for negative bases).
fn pow_const_exponent<S: Scalar>(x: S, p: f64) -> S {
    if p.fract() == 0.0 && p.abs() <= 64.0 {
        x.powi(p as i32)
    } else {
        x.powf(p)
    }
}

fn int_pow(a: i64, b: i64) -> i64 {
    if b < 0 {
        return match a {
            1 => 1,
            -1 => {
                if b % 2 == 0 {
                    1
                } else {
                    -1
                }
            }
            _ => 0,
        };
    }
    a.wrapping_pow(u32::try_from(b).unwrap_or(u32::MAX))
}

pub(crate) fn zip_broadcast<A: Copy, B: Copy, C>(
    a: &Tensor<A>,
    b: &Tensor<B>,
    mut f: impl FnMut(A, B) -> Result<C, String>,
) -> Result<Tensor<C>, String> {
    let shape = broadcast_shapes(&a.shape, &b.shape)?;
    let n = numel_checked(&shape, std::mem::size_of::<C>())?;
    let mut data = Vec::with_capacity(n);
    let mut err = None;
    for_each_broadcast(&a.shape, &b.shape, &shape, |ia, ib| {
        match f(a.data[ia], b.data[ib]) {
            Ok(v) => data.push(v),
            Err(e) => {
                if err.is_none() {
                    err = Some(e)
                }
            }
        };
    });
    if let Some(e) = err {
        return Err(e);
    }
    Ok(Tensor { shape, data })
}

/// `a op b` with NumPy broadcasting.
pub(crate) fn binary<S: Scalar>(op: Bin, a: &Value<S>, b: &Value<S>) -> Result<Value<S>, String> {
    use Value::*;
    Ok(match (a, b) {
        (Act(x), Act(y)) => Act(zip_broadcast(x, y, |p, q| Ok(op.ss(p, q)))?),
        (Act(x), Float(y)) => Act(zip_broadcast(x, y, |p, q| Ok(op.sw(p, q)))?),
        (Float(x), Act(y)) => Act(zip_broadcast(x, y, |p, q| Ok(op.ws(p, q)))?),
        (Float(x), Float(y)) => Value::float(zip_broadcast(x, y, |p, q| Ok(op.ss(p, q)))?),
        (Int(x), Int(y)) => Value::int(zip_broadcast(x, y, |p, q| op.ii(p, q))?),
        // An integer base keeps its type (ONNX Pow's output type is the base's).
        (Int(x), Float(y)) if op == Bin::Pow => {
            Value::int(zip_broadcast(x, y, |p, q| Ok((p as f64).powf(q) as i64))?)
        }
        (Int(x), Act(y)) if op == Bin::Pow => Value::int(zip_broadcast(x, y, |p, q| {
            Ok((p as f64).powf(q.value()) as i64)
        })?),
        (Int(x), other) => binary(op, &Value::float(x.map(|v| v as f64)), other)?,
        (other, Int(y)) => binary(op, other, &Value::float(y.map(|v| v as f64)))?,
    })
}

/// Opset < 7 `broadcast=1, axis=k`: `B`'s dims line up with `A`'s from axis `k`.
fn legacy_broadcast<S: Scalar>(
    node: &Node,
    a: &Value<S>,
    b: &Value<S>,
    opset: i64,
) -> Result<Option<Value<S>>, String> {
    Ok(legacy_b_shape(node, a.shape(), b.shape(), opset)?.map(|s| reshape_value(b, s)))
}

/// The shape `B` takes under the opset < 7 `broadcast=1, axis=k` form (`None` when the node
/// uses NumPy broadcasting).
pub(crate) fn legacy_b_shape(
    node: &Node,
    a: &[usize],
    bs: &[usize],
    opset: i64,
) -> Result<Option<Vec<usize>>, String> {
    if opset >= 7 || node.int("broadcast", 0) == 0 {
        return Ok(None);
    }
    let Some(axis) = node.attr("axis").map(|a| a.i) else {
        return Ok(None);
    };
    let ra = a.len() as i64;
    let axis = if axis < 0 {
        axis.saturating_add(ra)
    } else {
        axis
    };
    if axis < 0 || (axis as u64).saturating_add(bs.len() as u64) > a.len() as u64 {
        return Err(format!(
            "broadcast axis {axis} does not fit B {bs:?} into A {a:?}"
        ));
    }
    let mut shape = bs.to_vec();
    shape.extend(std::iter::repeat_n(1, a.len() - axis as usize - bs.len()));
    Ok(Some(shape))
}

pub(crate) fn reshape_value<S: Scalar>(v: &Value<S>, shape: Vec<usize>) -> Value<S> {
    match v {
        Value::Act(t) => Value::Act(t.reshaped(shape)),
        Value::Float(t) => Value::float(t.reshaped(shape)),
        Value::Int(t) => Value::int(t.reshaped(shape)),
    }
}

/// Add, Sub, Mul, Div, Pow.
pub(crate) fn run_binary<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let op = Bin::of(&node.op).ok_or_else(|| format!("{} {NOT_THIS_FAMILY}", node.op))?;
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let out = match legacy_broadcast(node, a, b, opset)? {
        Some(b2) => binary(op, a, &b2)?,
        None => binary(op, a, b)?,
    };
    Ok(vec![Some(out)])
}

/// `a mod b` of the values: `fmod` as C's (sign of the dividend), else as Python's (sign of
/// the divisor, NumPy's `mod` including its infinities).
fn mod_value(a: f64, b: f64, fmod: bool) -> f64 {
    let r = a % b;
    if fmod || r.is_nan() {
        r
    } else if r == 0.0 {
        0f64.copysign(b)
    } else if (r < 0.0) != (b < 0.0) {
        r + b
    } else {
        r
    }
}

/// `a − q·b` with the quotient `q` constant: derivative 1 with respect to the dividend and
/// `−q` with respect to the divisor between the jumps; the value is `mod_value`'s.
fn mod_scalar<T: Scalar>(a: T, b: T, fmod: bool) -> T {
    let (av, bv) = (a.value(), b.value());
    let r = mod_value(av, bv, fmod);
    if !r.is_finite() {
        return T::cst(r);
    }
    let q = ((av - r) / bv).round();
    let y = if q == 0.0 || !bv.is_finite() {
        a
    } else {
        a - b * q
    };
    let fix = r - y.value();
    y + fix
}

/// Mod (`fmod` 0: sign of the divisor; 1: sign of the dividend), broadcasting.
pub(crate) fn run_mod<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let fmod = node.int("fmod", 0) != 0;
    use Value::*;
    Ok(vec![Some(match (a, b) {
        (Int(x), Int(y)) => Value::int(zip_broadcast(x, y, |p, q| {
            if q == 0 {
                return Err("integer Mod by zero".into());
            }
            let r = p.wrapping_rem(q);
            Ok(if !fmod && r != 0 && ((r < 0) != (q < 0)) {
                r + q
            } else {
                r
            })
        })?),
        (Float(x), Float(y)) => {
            Value::float(zip_broadcast(x, y, |p, q| Ok(mod_value(p, q, fmod)))?)
        }
        _ => Act(zip_broadcast(
            &*a.act_ref("A")?,
            &*b.act_ref("B")?,
            |p, q| Ok(mod_scalar(p, q, fmod)),
        )?),
    })])
}

/// Sum, Mean, Max, Min over any number of broadcast inputs.
pub(crate) fn run_variadic<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let op = Bin::of(&node.op).ok_or_else(|| format!("{} {NOT_THIS_FAMILY}", node.op))?;
    let vals: Vec<&Value<S>> = ins.iter().flatten().copied().collect();
    let first = *vals.first().ok_or("needs at least one input")?;
    let mut acc = first.clone();
    for v in &vals[1..] {
        acc = binary(op, &acc, v)?;
    }
    if node.op == "Mean" {
        let n = Value::float(Tensor::scalar(vals.len() as f64));
        acc = binary(Bin::Div, &acc, &n)?;
    }
    Ok(vec![Some(acc)])
}

fn clip_one<T: Scalar>(x: T, lo: f64, hi: f64) -> T {
    let y = if x < lo { T::cst(lo) } else { x };
    if y > hi {
        T::cst(hi)
    } else {
        y
    }
}

/// Clip: bounds as attributes (opset < 11) or inputs; the derivative is `x`'s inside the
/// closed interval and zero outside.
pub(crate) fn run_clip<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "input")?;
    let (lo, hi) = if opset < 11 {
        (
            node.float("min", f64::NEG_INFINITY),
            node.float("max", f64::INFINITY),
        )
    } else {
        let bound = |i: usize, d: f64| -> Result<f64, String> {
            match opt(ins, i) {
                None => Ok(d),
                Some(v) => {
                    let b = v.const_floats("a Clip bound")?;
                    if b.len() != 1 {
                        return Err(format!(
                            "a Clip bound must be a scalar, got {} values",
                            b.len()
                        ));
                    }
                    Ok(b[0])
                }
            }
        };
        (bound(1, f64::NEG_INFINITY)?, bound(2, f64::INFINITY)?)
    };
    let out = match x {
        Value::Act(t) => Value::Act(t.map(|v| clip_one(v, lo, hi))),
        Value::Float(t) => Value::float(t.map(|v| clip_one(v, lo, hi))),
        Value::Int(t) => Value::int(t.map(|v| {
            let y = if (v as f64) < lo { lo as i64 } else { v };
            if (y as f64) > hi {
                hi as i64
            } else {
                y
            }
        })),
    };
    Ok(vec![Some(out)])
}

/// `x > 0 ? x : slope·x`: at 0 the slope branch, so `∂/∂x = slope` there as `LeakyRelu'(0) =
/// alpha`, and a slope of 0 is `Relu` with `Relu'(0) = 0` (crate docs, *Kinks*).
fn prelu_one<T: Scalar>(x: T, slope: T) -> T {
    if x > 0.0 {
        x
    } else {
        x * slope
    }
}

/// PRelu: `x > 0 ? x : slope·x` (slope `slope` at 0, see `prelu_one`). Opset 6's slope of
/// shape `[C]` is per channel (axis 1).
pub(crate) fn run_prelu<S: Scalar>(ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let slope = req(ins, 1, "slope")?;
    let ss = prelu_slope_shape(x.shape(), slope.shape(), opset);
    let slope = reshape_value(slope, ss);
    use Value::*;
    let out = match (x, &slope) {
        (Act(a), Act(s)) => Act(zip_broadcast(a, s, |p, q| Ok(prelu_one(p, q)))?),
        (Act(a), Float(s)) => Act(zip_broadcast(a, s, |p, q| {
            Ok(if p > 0.0 { p } else { p * q })
        })?),
        (Float(a), Float(s)) => Value::float(zip_broadcast(a, s, |p, q| Ok(prelu_one(p, q)))?),
        (Float(a), Act(s)) => Act(zip_broadcast(a, s, |p, q| {
            Ok(if p > 0.0 { S::cst(p) } else { q * p })
        })?),
        _ => return Err("PRelu expects float tensors".into()),
    };
    Ok(vec![Some(out)])
}

/// The shape PRelu's slope takes: opset 6's per-channel `[C]` becomes `[C, 1, …]`.
pub(crate) fn prelu_slope_shape(xs: &[usize], ss: &[usize], opset: i64) -> Vec<usize> {
    let per_channel = ss.len() == 1
        && xs.len() > 2
        && ss[0] == xs[1]
        && ss[0] != 1
        && (opset < 7 || broadcast_shapes(xs, ss).map_or(true, |s| s != xs));
    if per_channel {
        let mut shape = vec![ss[0]];
        shape.extend(std::iter::repeat_n(1, xs.len() - 2));
        shape
    } else {
        ss.to_vec()
    }
}

/// Scaler's offset and scale shapes (`[]` or `[C]`), checked against the input's features.
pub(crate) fn scaler_len_check(node: &Node, xs: &[usize]) -> Result<Vec<Vec<usize>>, String> {
    let c = xs.last().copied().unwrap_or(1);
    ["offset", "scale"]
        .iter()
        .map(|what| match node.floats(what).unwrap_or(&[]).len() {
            0 | 1 => Ok(vec![]),
            n if n == c => Ok(vec![n]),
            n => Err(format!(
                "Scaler {what} has {n} values, the input has {c} features"
            )),
        })
        .collect()
}

/// `ai.onnx.ml` Scaler: `(x - offset) * scale`, per feature (last axis) or shared.
pub(crate) fn run_scaler<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let offset = node.floats("offset").unwrap_or(&[]).to_vec();
    let scale = node.floats("scale").unwrap_or(&[]).to_vec();
    let c = x.shape().last().copied().unwrap_or(1);
    let param = |v: Vec<f64>, d: f64, what: &str| -> Result<Tensor<f64>, String> {
        match v.len() {
            0 => Ok(Tensor::scalar(d)),
            1 => Ok(Tensor::scalar(v[0])),
            n if n == c => Ok(Tensor::new(vec![n], v)),
            n => Err(format!(
                "Scaler {what} has {n} values, the input has {c} features"
            )),
        }
    };
    let off = Value::float(param(offset, 0.0, "offset")?);
    let sc = Value::float(param(scale, 1.0, "scale")?);
    let xf = match x {
        Value::Int(t) => Value::float(t.map(|v| v as f64)),
        v => v.clone(),
    };
    let y = binary(Bin::Mul, &binary(Bin::Sub, &xf, &off)?, &sc)?;
    Ok(vec![Some(y)])
}
