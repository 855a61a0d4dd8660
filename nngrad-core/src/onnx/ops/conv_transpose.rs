//! ConvTranspose over any number of spatial dimensions: `strides`, `pads`, `dilations`,
//! `group`, `output_padding`, `output_shape` and `auto_pad`, as the ONNX reference
//! computes them. Each input element scatters `x·w` into the output, so the derivative is
//! the same scatter of the derivatives.

use super::elementwise::{binary, reshape_value, Bin};
use super::{opt, req, Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, strides, Tensor, Value};
use crate::Scalar;

/// The spatial layout: output sizes and leading pads.
struct Layout {
    out: Vec<usize>,
    pad_begin: Vec<i64>,
    stride: Vec<usize>,
    dilation: Vec<usize>,
}

fn layout(node: &Node, input: &[usize], kernel: &[usize]) -> Result<Layout, String> {
    let nd = input.len();
    let list = |name: &str, default: i64| -> Result<Vec<i64>, String> {
        match node.ints(name) {
            Some(v) if !v.is_empty() => {
                if v.len() != nd {
                    return Err(format!("{name} {v:?} does not have {nd} values"));
                }
                Ok(v.to_vec())
            }
            _ => Ok(vec![default; nd]),
        }
    };
    let positive = |v: Vec<i64>, name: &str| -> Result<Vec<usize>, String> {
        v.iter()
            .map(|&x| {
                usize::try_from(x)
                    .ok()
                    .filter(|&x| x > 0 && x < 1 << 20)
                    .ok_or_else(|| format!("{name} {v:?} must be positive"))
            })
            .collect()
    };
    let stride = positive(list("strides", 1)?, "strides")?;
    let dilation = positive(list("dilations", 1)?, "dilations")?;
    let out_pad = list("output_padding", 0)?;
    let out_shape = node.ints("output_shape").map(<[i64]>::to_vec);
    let auto_pad = node.string("auto_pad", "NOTSET");
    // the full (unpadded) extent of every axis
    let full: Vec<i64> = (0..nd)
        .map(|i| {
            stride[i] as i64 * (input[i] as i64 - 1)
                + out_pad[i]
                + (kernel[i] as i64 - 1) * dilation[i] as i64
                + 1
        })
        .collect();
    let explicit = node.ints("pads").map(<[i64]>::to_vec);
    let (pb, out): (Vec<i64>, Vec<i64>) = if let Some(p) = explicit.filter(|p| !p.is_empty()) {
        if p.len() != 2 * nd {
            return Err(format!("pads {p:?} must have {} values", 2 * nd));
        }
        let out = match &out_shape {
            Some(s) => s[s.len().saturating_sub(nd)..].to_vec(),
            None => (0..nd).map(|i| full[i] - p[i] - p[i + nd]).collect(),
        };
        (p[..nd].to_vec(), out)
    } else if matches!(auto_pad.as_str(), "SAME_UPPER" | "SAME_LOWER") || out_shape.is_some() {
        let target: Vec<i64> = match &out_shape {
            Some(s) => s[s.len().saturating_sub(nd)..].to_vec(),
            None => (0..nd)
                .map(|i| input[i] as i64 * stride[i] as i64)
                .collect(),
        };
        if target.len() != nd {
            return Err(format!(
                "output_shape {out_shape:?} does not have {nd} spatial values"
            ));
        }
        let pb = (0..nd)
            .map(|i| {
                let total = full[i] - target[i];
                if auto_pad == "SAME_UPPER" {
                    total / 2
                } else if auto_pad == "SAME_LOWER" {
                    total - total / 2
                } else {
                    // output_shape without auto_pad: the reference pads at the end
                    0
                }
            })
            .collect();
        (pb, target)
    } else {
        (vec![0; nd], full)
    };
    let out = out
        .iter()
        .map(|&o| usize::try_from(o).map_err(|_| format!("output size {o} is negative")))
        .collect::<Result<_, _>>()?;
    Ok(Layout {
        out,
        pad_begin: pb,
        stride,
        dilation,
    })
}

fn scatter<T: Scalar, W: Copy>(
    x: &Tensor<T>,
    w: &[W],
    ws: &[usize],
    group: usize,
    l: &Layout,
    mul: impl Fn(T, W) -> T,
) -> Result<Tensor<T>, String> {
    let (n, c) = (x.shape[0], x.shape[1]);
    let sp = &x.shape[2..];
    let kernel = &ws[2..];
    let (cg, mg) = (c / group, ws[1]);
    let m = mg * group;
    let mut shape = vec![n, m];
    shape.extend_from_slice(&l.out);
    let total = numel_checked(&shape, std::mem::size_of::<T>())?;
    let mut out = vec![T::cst(0.0); total];
    let plane: usize = sp.iter().product();
    let oplane: usize = l.out.iter().product();
    let kn: usize = kernel.iter().product();
    let ost = strides(&l.out);
    let ist = strides(sp);
    let kst = strides(kernel);
    // for every (input position, kernel tap): the output offset, if inside
    let mut targets: Vec<Option<usize>> = Vec::with_capacity(plane * kn);
    for p in 0..plane {
        for k in 0..kn {
            let mut off = 0usize;
            let mut inside = true;
            for a in 0..sp.len() {
                let i = (p / ist[a]) % sp[a];
                let j = (k / kst[a]) % kernel[a];
                let o = (i * l.stride[a] + j * l.dilation[a]) as i64 - l.pad_begin[a];
                if o < 0 || o >= l.out[a] as i64 {
                    inside = false;
                    break;
                }
                off += o as usize * ost[a];
            }
            targets.push(inside.then_some(off));
        }
    }
    for b in 0..n {
        for ci in 0..c {
            let g = ci / cg;
            let xin = &x.data[(b * c + ci) * plane..(b * c + ci + 1) * plane];
            for mo in 0..mg {
                let wk = &w[(ci * mg + mo) * kn..(ci * mg + mo + 1) * kn];
                let base = (b * m + g * mg + mo) * oplane;
                for (p, &xv) in xin.iter().enumerate() {
                    for (k, &wv) in wk.iter().enumerate() {
                        if let Some(o) = targets[p * kn + k] {
                            out[base + o] += mul(xv, wv);
                        }
                    }
                }
            }
        }
    }
    Ok(Tensor::new(shape, out))
}

pub(crate) fn conv_transpose<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let w = req(ins, 1, "W")?;
    let xs = x.shape().to_vec();
    let ws = w.shape().to_vec();
    if xs.len() < 3 || ws.len() != xs.len() {
        return Err(format!(
            "X of shape {xs:?} and W of shape {ws:?} do not match"
        ));
    }
    let group = usize::try_from(node.int("group", 1))
        .ok()
        .filter(|&g| g > 0 && xs[1] % g == 0 && ws[0] == xs[1])
        .ok_or_else(|| format!("W of shape {ws:?} and group do not fit X of shape {xs:?}"))?;
    let kernel: Vec<usize> = match node.ints("kernel_shape") {
        Some(k) if !k.is_empty() => k.iter().map(|&v| v.max(0) as usize).collect(),
        _ => ws[2..].to_vec(),
    };
    if kernel != ws[2..] || kernel.contains(&0) {
        return Err(format!(
            "kernel_shape {kernel:?} does not match W of shape {ws:?}"
        ));
    }
    let l = layout(node, &xs[2..], &kernel)?;
    let y = match (x, w) {
        (Value::Float(xt), Value::Float(wt)) => {
            Value::float(scatter(&**xt, &wt.data, &ws, group, &l, |a, b| a * b)?)
        }
        (xv, Value::Float(wt)) => Value::Act(scatter(
            &*xv.act_ref("X")?,
            &wt.data,
            &ws,
            group,
            &l,
            |a, b| a * b,
        )?),
        (xv, wv) => {
            let wt = wv.to_act("W")?;
            Value::Act(scatter(
                &*xv.act_ref("X")?,
                &wt.data,
                &ws,
                group,
                &l,
                |a, b| a * b,
            )?)
        }
    };
    let m = ws[1] * group;
    let y = match opt(ins, 2) {
        Some(bias) => {
            if bias.shape().iter().product::<usize>() != m {
                return Err(format!(
                    "B of shape {:?} does not have {m} values",
                    bias.shape()
                ));
            }
            let mut s = vec![m];
            s.extend(std::iter::repeat_n(1, xs.len() - 2));
            binary(Bin::Add, &y, &reshape_value(bias, s))?
        }
        None => y,
    };
    Ok(vec![Some(y)])
}
