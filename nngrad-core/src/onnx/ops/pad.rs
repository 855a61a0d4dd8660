//! Pad: `constant`, `reflect`, `edge` and `wrap` modes; pads as an attribute (opset < 11)
//! or an input, with optional `constant_value` and `axes` inputs; negative pads crop.
//! Every output element is a copy of one input element (derivative and all) or the
//! constant (derivative 0).

use super::{opt, req, Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, strides, Tensor, Value};
use crate::Scalar;

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Constant,
    Reflect,
    Edge,
    Wrap,
}

/// The input index that output index `o` of an axis reads (`None`: the constant).
fn source(o: i64, before: i64, d: i64, mode: Mode) -> Option<usize> {
    let j = o - before;
    if (0..d).contains(&j) {
        return Some(j as usize);
    }
    if d == 0 {
        return None;
    }
    Some(match mode {
        Mode::Constant => return None,
        Mode::Edge => j.clamp(0, d - 1) as usize,
        Mode::Wrap => j.rem_euclid(d) as usize,
        Mode::Reflect => {
            if d == 1 {
                0
            } else {
                let period = 2 * (d - 1);
                let k = j.rem_euclid(period);
                (if k < d { k } else { period - k }) as usize
            }
        }
    })
}

fn pad_t<T: Copy>(
    t: &Tensor<T>,
    before: &[i64],
    after: &[i64],
    mode: Mode,
    fill: T,
) -> Result<Tensor<T>, String> {
    let r = t.shape.len();
    let mut shape = Vec::with_capacity(r);
    for a in 0..r {
        let d = t.shape[a] as i64 + before[a] + after[a];
        if d < 0 {
            return Err(format!(
                "pads {before:?}/{after:?} crop more than axis {a} of {} holds",
                t.shape[a]
            ));
        }
        shape.push(d as usize);
    }
    let n = numel_checked(&shape, std::mem::size_of::<T>())?;
    if n > 0 && mode != Mode::Constant && t.len() == 0 {
        return Err("cannot reflect, repeat or wrap an empty input".into());
    }
    // per axis, the source index of every output index
    let maps: Vec<Vec<Option<usize>>> = (0..r)
        .map(|a| {
            (0..shape[a] as i64)
                .map(|o| source(o, before[a], t.shape[a] as i64, mode))
                .collect()
        })
        .collect();
    let st = strides(&t.shape);
    let mut data = Vec::with_capacity(n);
    let mut idx = vec![0usize; r];
    for _ in 0..n {
        let mut off = Some(0usize);
        for a in 0..r {
            off = match (off, maps[a][idx[a]]) {
                (Some(o), Some(j)) => Some(o + j * st[a]),
                _ => None,
            };
        }
        data.push(off.map_or(fill, |o| t.data[o]));
        for a in (0..r).rev() {
            idx[a] += 1;
            if idx[a] < shape[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    Ok(Tensor::new(shape, data))
}

/// Pad(data, pads, constant_value, axes).
pub(crate) fn pad<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let r = x.shape().len();
    let mode = match node.string("mode", "constant").as_str() {
        "constant" => Mode::Constant,
        "reflect" => Mode::Reflect,
        "edge" => Mode::Edge,
        "wrap" => Mode::Wrap,
        other => return Err(format!("unknown mode '{other}'")),
    };
    let (pads, value) = if opset < 11 {
        let p = node
            .ints("pads")
            .or_else(|| node.ints("paddings"))
            .ok_or("needs pads")?
            .to_vec();
        (p, node.float("value", 0.0))
    } else {
        let p = req(ins, 1, "pads")?.int_values("pads")?;
        let v = match opt(ins, 2) {
            Some(v) => *v.const_floats("constant_value")?.first().unwrap_or(&0.0),
            None => 0.0,
        };
        (p, v)
    };
    let axes: Vec<usize> = match opt(ins, 3) {
        Some(a) => a
            .int_values("axes")?
            .iter()
            .map(|&a| super::shape::axis_of(a, r))
            .collect::<Result<_, _>>()?,
        None => (0..r).collect(),
    };
    let k = axes.len();
    if pads.len() != 2 * k {
        return Err(format!(
            "pads has {} values, expected {}",
            pads.len(),
            2 * k
        ));
    }
    let (mut before, mut after) = (vec![0i64; r], vec![0i64; r]);
    for (i, &a) in axes.iter().enumerate() {
        before[a] = pads[i];
        after[a] = pads[i + k];
    }
    if before
        .iter()
        .chain(&after)
        .any(|p| p.unsigned_abs() > 1 << 32)
    {
        return Err(format!("pads {pads:?} are out of range"));
    }
    Ok(vec![Some(match x {
        Value::Act(t) => Value::Act(pad_t(t, &before, &after, mode, S::cst(value))?),
        Value::Float(t) => Value::float(pad_t(t, &before, &after, mode, value)?),
        Value::Int(t) => Value::int(pad_t(t, &before, &after, mode, value as i64)?),
    })])
}
