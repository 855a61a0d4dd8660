//! Resize: `nearest` (`round_prefer_floor`, `round_prefer_ceil`, `floor`, `ceil`), `linear`
//! and `cubic` interpolation, separable per axis, with the coordinate transformations
//! `half_pixel`, `half_pixel_symmetric`, `pytorch_half_pixel`, `align_corners`,
//! `asymmetric` and `tf_crop_and_resize` (`roi`, `extrapolation_value`); `scales` or
//! `sizes`, `axes`, `keep_aspect_ratio_policy`, `antialias`, `exclude_outside`,
//! `cubic_coeff_a` — following the ONNX reference implementation.
//!
//! Each output element is `Σ w·x` over its taps, the weights depending only on the
//! geometry: the derivative with respect to the input is the same weighted sum of the
//! input's derivatives. Taps of weight 0 are left out, so a non-finite input element that
//! the interpolation does not use cannot reach the result.

use super::{opt, req, Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, strides, Tensor, Value};
use crate::Scalar;

/// The interpolation settings of a node.
struct Interp {
    mode: String,
    coord: String,
    nearest: String,
    a: f64,
    exclude_outside: bool,
    antialias: bool,
}

/// The weights of the taps `base + j` for `j` in `start..start + len`, at the fractional
/// position `ratio ∈ (0, 1]` right of `base`.
fn coefficients(p: &Interp, ratio: f64, scale: f64) -> (i64, Vec<f64>) {
    match p.mode.as_str() {
        "nearest" => {
            let right = if ratio == 1.0 {
                true
            } else {
                match p.nearest.as_str() {
                    "round_prefer_ceil" => ratio >= 0.5,
                    "floor" => false,
                    "ceil" => true,
                    _ => ratio > 0.5,
                }
            };
            (
                0,
                if right {
                    vec![0.0, 1.0]
                } else {
                    vec![1.0, 0.0]
                },
            )
        }
        "linear" if p.antialias => {
            let s = scale.min(1.0);
            let start = (-1.0 / s).floor() as i64 + 1;
            let n = 2 - 2 * start;
            let c: Vec<f64> = (start..start + n)
                .map(|i| (1.0 - ((i as f64 - ratio) * s).abs()).clamp(0.0, 1.0))
                .collect();
            let sum: f64 = c.iter().sum();
            (start, c.iter().map(|v| v / sum).collect())
        }
        "linear" => (0, vec![1.0 - ratio, ratio]),
        _ if p.antialias => {
            let a = p.a;
            let s = scale.min(1.0);
            let kernel = |x: f64| {
                let x = x.abs();
                let (x2, x3) = (x * x, x * x * x);
                if x <= 1.0 {
                    (a + 2.0) * x3 - (a + 3.0) * x2 + 1.0
                } else if x < 2.0 {
                    a * x3 - 5.0 * a * x2 + 8.0 * a * x - 4.0 * a
                } else {
                    0.0
                }
            };
            let start = (-2.0 / s).floor() as i64 + 1;
            let end = 2 - start;
            let c: Vec<f64> = (start..end)
                .map(|i| kernel(s * (i as f64 - ratio)))
                .collect();
            let sum: f64 = c.iter().sum();
            (start, c.iter().map(|v| v / sum).collect())
        }
        _ => {
            let a = p.a;
            let r = ratio;
            let q = 1.0 - r;
            (
                -1,
                vec![
                    ((a * (r + 1.0) - 5.0 * a) * (r + 1.0) + 8.0 * a) * (r + 1.0) - 4.0 * a,
                    ((a + 2.0) * r - (a + 3.0)) * r * r + 1.0,
                    ((a + 2.0) * q - (a + 3.0)) * q * q + 1.0,
                    ((a * (q + 1.0) - 5.0 * a) * (q + 1.0) + 8.0 * a) * (q + 1.0) - 4.0 * a,
                ],
            )
        }
    }
}

/// Per output index of one axis: its taps `(input index, weight)`, or `None` where
/// `tf_crop_and_resize` extrapolates.
fn axis_taps(
    p: &Interp,
    len: usize,
    out: usize,
    scale: f64,
    roi: (f64, f64),
) -> Vec<Option<Vec<(usize, f64)>>> {
    let width = scale * len as f64;
    let l = len as f64;
    (0..out)
        .map(|o| {
            let x = o as f64;
            let xo = match p.coord.as_str() {
                "align_corners" => {
                    if width == 1.0 {
                        0.0
                    } else {
                        x * (l - 1.0) / (width - 1.0)
                    }
                }
                "asymmetric" => x / scale,
                "tf_crop_and_resize" => {
                    let xo = if width == 1.0 {
                        (roi.1 - roi.0) * (l - 1.0) / 2.0
                    } else {
                        x * (roi.1 - roi.0) * (l - 1.0) / (width - 1.0)
                    } + roi.0 * (l - 1.0);
                    if xo < 0.0 || xo > l - 1.0 {
                        return None;
                    }
                    xo
                }
                "pytorch_half_pixel" => {
                    if width == 1.0 {
                        -0.5
                    } else {
                        (x + 0.5) / scale - 0.5
                    }
                }
                "half_pixel_symmetric" => {
                    let offset = l / 2.0 * (1.0 - out as f64 / width);
                    offset + (x + 0.5) / scale - 0.5
                }
                _ => (x + 0.5) / scale - 0.5,
            };
            // the tap left of xo, with ratio in (0, 1] (an integer xo has ratio 1)
            let base = xo.ceil() as i64 - 1;
            let ratio = xo - base as f64;
            let (start, mut c) = coefficients(p, ratio, scale);
            let idx: Vec<i64> = (0..c.len() as i64).map(|j| base + start + j).collect();
            if p.exclude_outside {
                for (w, &i) in c.iter_mut().zip(&idx) {
                    if i < 0 || i >= len as i64 {
                        *w = 0.0;
                    }
                }
                let sum: f64 = c.iter().sum();
                c.iter_mut().for_each(|w| *w /= sum);
            }
            // outside the input, the edge element (the reference pads with 'edge')
            Some(
                idx.iter()
                    .zip(&c)
                    .filter(|(_, &w)| w != 0.0)
                    .map(|(&i, &w)| (i.clamp(0, len as i64 - 1) as usize, w))
                    .collect(),
            )
        })
        .collect()
}

/// Per axis: `None` when the axis is not resized, else per output index its taps.
type AxisTaps = Option<Vec<Option<Vec<(usize, f64)>>>>;

fn resize_t<T: Scalar>(
    t: &Tensor<T>,
    out: &[usize],
    taps: &[AxisTaps],
    fill: f64,
) -> Result<Tensor<T>, String> {
    let n = numel_checked(out, std::mem::size_of::<T>())?;
    let st = strides(&t.shape);
    let mut data = Vec::with_capacity(n);
    let mut idx = vec![0usize; out.len()];
    let mut terms: Vec<(usize, f64)> = Vec::new();
    let mut next: Vec<(usize, f64)> = Vec::new();
    for _ in 0..n {
        terms.clear();
        terms.push((0, 1.0));
        let mut outside = false;
        for a in 0..out.len() {
            let tap: Option<&Vec<(usize, f64)>> = match &taps[a] {
                None => {
                    // an axis not resized: the same index
                    let i = idx[a];
                    terms.iter_mut().for_each(|(off, _)| *off += i * st[a]);
                    continue;
                }
                Some(per) => per[idx[a]].as_ref(),
            };
            let Some(tap) = tap else {
                outside = true;
                break;
            };
            next.clear();
            for &(off, w) in &terms {
                for &(i, v) in tap {
                    next.push((off + i * st[a], w * v));
                }
            }
            std::mem::swap(&mut terms, &mut next);
        }
        data.push(if outside {
            T::cst(fill)
        } else {
            let mut s = T::cst(0.0);
            for &(off, w) in &terms {
                s += t.data[off] * w;
            }
            s
        });
        for a in (0..out.len()).rev() {
            idx[a] += 1;
            if idx[a] < out[a] {
                break;
            }
            idx[a] = 0;
        }
    }
    Ok(Tensor::new(out.to_vec(), data))
}

/// A float input that is present and not empty.
fn floats_of<S: Scalar>(ins: &Ins<S>, i: usize, what: &str) -> Result<Option<Vec<f64>>, String> {
    match opt(ins, i) {
        Some(v) if v.shape().iter().product::<usize>() > 0 => Ok(Some(v.const_floats(what)?)),
        _ => Ok(None),
    }
}

pub(crate) fn resize<S: Scalar>(node: &Node, ins: &Ins<S>, opset: i64) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let shape = x.shape().to_vec();
    let r = shape.len();
    let p = Interp {
        mode: node.string("mode", "nearest"),
        coord: if opset < 11 {
            "asymmetric".into()
        } else {
            node.string("coordinate_transformation_mode", "half_pixel")
        },
        nearest: if opset < 11 {
            "floor".into()
        } else {
            node.string("nearest_mode", "round_prefer_floor")
        },
        a: node.float("cubic_coeff_a", -0.75),
        exclude_outside: node.int("exclude_outside", 0) != 0,
        antialias: node.int("antialias", 0) != 0,
    };
    if !matches!(p.mode.as_str(), "nearest" | "linear" | "cubic") {
        return Err(format!("unknown mode '{}'", p.mode));
    }
    let axes: Vec<usize> = match node.ints("axes") {
        Some(a) if !a.is_empty() => a
            .iter()
            .map(|&a| super::shape::axis_of(a, r))
            .collect::<Result<_, _>>()?,
        _ => (0..r).collect(),
    };
    let k = axes.len();
    let (roi, scales, sizes) = if opset < 11 {
        (None, floats_of(ins, 1, "scales")?, None)
    } else {
        (
            floats_of(ins, 1, "roi")?,
            floats_of(ins, 2, "scales")?,
            match opt(ins, 3) {
                Some(v) if v.shape().iter().product::<usize>() > 0 => Some(v.int_values("sizes")?),
                _ => None,
            },
        )
    };
    let mut scale = vec![1.0; r];
    let mut out = shape.clone();
    match (scales, sizes) {
        (Some(s), None) => {
            if s.len() != k {
                return Err(format!("scales has {} values for {k} axes", s.len()));
            }
            for (&a, &v) in axes.iter().zip(&s) {
                if !(v > 0.0 && v.is_finite()) {
                    return Err(format!("scales {s:?} must be positive"));
                }
                scale[a] = v;
                out[a] = (v * shape[a] as f64).floor() as usize;
            }
        }
        (None, Some(z)) => {
            if z.len() != k || z.iter().any(|&v| v < 0) {
                return Err(format!("sizes {z:?} must be {k} non-negative values"));
            }
            let ratio = |i: usize| z[i] as f64 / shape[axes[i]] as f64;
            let policy = node.string("keep_aspect_ratio_policy", "stretch");
            let common = match policy.as_str() {
                "not_larger" => Some((0..k).map(ratio).fold(f64::INFINITY, f64::min)),
                "not_smaller" => Some((0..k).map(ratio).fold(0.0, f64::max)),
                _ => None,
            };
            for (i, &a) in axes.iter().enumerate() {
                match common {
                    Some(c) => {
                        scale[a] = c;
                        out[a] = (c * shape[a] as f64 + 0.5).floor() as usize;
                    }
                    None => {
                        scale[a] = ratio(i);
                        out[a] = z[i] as usize;
                    }
                }
            }
        }
        _ => return Err("exactly one of scales and sizes must be given".into()),
    }
    numel_checked(&out, 16)?;
    if shape.iter().zip(&out).any(|(&i, &o)| i == 0 && o > 0) {
        return Err(format!(
            "cannot resize the empty input {shape:?} to {out:?}"
        ));
    }
    let roi_of = |i: usize| -> (f64, f64) {
        match &roi {
            Some(v) if v.len() == 2 * k => (v[i], v[i + k]),
            Some(v) if v.len() == 2 * r => (v[axes[i]], v[axes[i] + r]),
            _ => (0.0, 1.0),
        }
    };
    let mut taps: Vec<AxisTaps> = vec![None; r];
    for (i, &a) in axes.iter().enumerate() {
        if scale[a] != 1.0 || out[a] != shape[a] || p.coord == "tf_crop_and_resize" {
            taps[a] = Some(axis_taps(&p, shape[a], out[a], scale[a], roi_of(i)));
        }
    }
    let fill = node.float("extrapolation_value", 0.0);
    Ok(vec![Some(super::reduce::float_each!(x, |t| resize_t(
        t, &out, &taps, fill
    )?))])
}
