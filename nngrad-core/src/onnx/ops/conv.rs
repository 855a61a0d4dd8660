//! Convolution and pooling over any number of spatial dimensions (1-D, 2-D, 3-D, …):
//! explicit pads, `auto_pad`, strides, dilations, groups, `ceil_mode`, `count_include_pad`.
//!
//! Conv is an im2col gather followed by the shared f64-weights × activations kernel.
//! MaxPool's derivative goes to the first maximal element of each window in row-major
//! order (`if v > best`), the convention of JAX and TensorFlow.

use super::elementwise::{binary, reshape_value, Bin};
use super::{opt, req, Ins, Outs};
use crate::kernels::{gemm_ss, gemm_ws, GemmDims};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, strides, Tensor, Value};
use crate::Scalar;

/// Window placement along each spatial axis: `pos[axis][o * k + j]` is the input index that
/// kernel tap `j` of output position `o` reads, or `None` in the padding; `in_pad` tells
/// whether the tap lies inside the padded extent (for `count_include_pad`).
struct Geometry {
    out: Vec<usize>,
    k: Vec<usize>,
    pos: Vec<Vec<Option<usize>>>,
    in_pad: Vec<Vec<bool>>,
}

/// Where the windows of a convolution or pooling sit along each spatial axis: the output
/// extent, strides, dilations and padding before each axis (arithmetic only, all checked:
/// this is also the load-time shape rule's).
pub(crate) struct Placement {
    pub out: Vec<usize>,
    s: Vec<usize>,
    d: Vec<usize>,
    pb: Vec<usize>,
    pe: Vec<usize>,
}

/// The most window positions × taps along one axis (the tables of [`Geometry`] hold that
/// many entries of 16 bytes).
const MAX_TAPS_PER_AXIS: usize = 1 << 24;

pub(crate) fn placement(
    node: &Node,
    input: &[usize],
    kernel: &[usize],
    ceil_mode: bool,
) -> Result<Placement, String> {
    let nd = input.len();
    let list = |name: &str, default: usize| -> Result<Vec<usize>, String> {
        match node.ints(name) {
            Some(v) if !v.is_empty() => {
                if v.len() != nd {
                    return Err(format!(
                        "{name} {v:?} does not have one entry per spatial axis ({nd})"
                    ));
                }
                v.iter()
                    .map(|&x| {
                        usize::try_from(x)
                            .ok()
                            .filter(|&x| x > 0)
                            .ok_or_else(|| format!("{name} {v:?} must be positive"))
                    })
                    .collect()
            }
            _ => Ok(vec![default; nd]),
        }
    };
    let s = list("strides", 1)?;
    let d = list("dilations", 1)?;
    if kernel.len() != nd {
        return Err(format!(
            "kernel {kernel:?} does not match {nd} spatial axes"
        ));
    }
    let auto_pad = node.string("auto_pad", "NOTSET");
    let mut pb = vec![0usize; nd];
    let mut pe = vec![0usize; nd];
    let mut out = vec![0usize; nd];
    let explicit = node.ints("pads").map(<[i64]>::to_vec).unwrap_or_default();
    if matches!(auto_pad.as_str(), "NOTSET" | "") && !explicit.is_empty() {
        if explicit.len() != 2 * nd || explicit.iter().any(|&p| p < 0) {
            return Err(format!(
                "pads {explicit:?} must be {} non-negative values",
                2 * nd
            ));
        }
        for i in 0..nd {
            pb[i] = usize::try_from(explicit[i])
                .unwrap_or(usize::MAX)
                .min(1 << 32);
            pe[i] = usize::try_from(explicit[i + nd])
                .unwrap_or(usize::MAX)
                .min(1 << 32);
        }
    }
    // kernel sizes, strides and dilations come from attributes: bound them by the input
    // before any arithmetic or allocation depends on them
    numel_checked(kernel, 64)?;
    for i in 0..nd {
        let room = input[i]
            .saturating_add(pb[i])
            .saturating_add(pe[i])
            .saturating_mul(4)
            .saturating_add(64);
        if kernel[i] == 0 || (kernel[i] - 1).saturating_mul(d[i]) > room {
            return Err(format!(
                "kernel {kernel:?} with dilations {d:?} does not fit the input {input:?} with pads"
            ));
        }
    }
    for i in 0..nd {
        let ek = (kernel[i] - 1).saturating_mul(d[i]).saturating_add(1);
        match auto_pad.as_str() {
            "SAME_UPPER" | "SAME_LOWER" => {
                let o = input[i].div_ceil(s[i]);
                let total = (o.max(1) - 1)
                    .checked_mul(s[i])
                    .and_then(|v| v.checked_add(ek))
                    .ok_or_else(|| format!("strides {s:?} overflow the padded extent"))?
                    .saturating_sub(input[i]);
                let half = total / 2;
                if auto_pad == "SAME_UPPER" {
                    (pb[i], pe[i]) = (half, total - half);
                } else {
                    (pb[i], pe[i]) = (total - half, half);
                }
                out[i] = o;
            }
            "VALID" | "NOTSET" | "" => {
                let span = input[i].saturating_add(pb[i]).saturating_add(pe[i]);
                if span < ek {
                    return Err(format!(
                        "the window ({ek} with dilation) is larger than the padded input ({span}) on spatial axis {i}"
                    ));
                }
                let num = span - ek;
                let mut o = if ceil_mode {
                    num.div_ceil(s[i])
                } else {
                    num / s[i]
                } + 1;
                // the last window must start inside the input or its leading padding
                if ceil_mode && (o - 1).saturating_mul(s[i]) >= input[i].saturating_add(pb[i]) {
                    o -= 1;
                }
                out[i] = o;
            }
            other => {
                return Err(format!(
                    "auto_pad '{other}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID"
                ))
            }
        }
    }
    for i in 0..nd {
        if out[i].saturating_mul(kernel[i]) > MAX_TAPS_PER_AXIS {
            return Err(format!(
                "{} windows of {} taps on spatial axis {i}: more than {MAX_TAPS_PER_AXIS}",
                out[i], kernel[i]
            ));
        }
        // the last tap of the last window must be addressable
        (out[i].max(1) - 1)
            .checked_mul(s[i])
            .and_then(|v| {
                (kernel[i] - 1)
                    .checked_mul(d[i])
                    .and_then(|w| v.checked_add(w))
            })
            .and_then(|v| i64::try_from(v).ok())
            .ok_or_else(|| format!("strides {s:?} and dilations {d:?} overflow"))?;
    }
    i64::try_from(
        pb.iter()
            .chain(&pe)
            .chain(input)
            .copied()
            .max()
            .unwrap_or(0),
    )
    .map_err(|_| format!("input {input:?} or its pads do not fit int64"))?;
    numel_checked(&out, 1)?;
    Ok(Placement { out, s, d, pb, pe })
}

fn geometry(
    node: &Node,
    input: &[usize],
    kernel: &[usize],
    ceil_mode: bool,
) -> Result<Geometry, String> {
    let Placement { out, s, d, pb, pe } = placement(node, input, kernel, ceil_mode)?;
    let nd = input.len();
    let mut pos = Vec::with_capacity(nd);
    let mut in_pad = Vec::with_capacity(nd);
    for i in 0..nd {
        let mut p = Vec::with_capacity(out[i] * kernel[i]);
        let mut q = Vec::with_capacity(out[i] * kernel[i]);
        for o in 0..out[i] {
            for j in 0..kernel[i] {
                let x = (o * s[i] + j * d[i]) as i64 - pb[i] as i64;
                p.push(if x >= 0 && (x as usize) < input[i] {
                    Some(x as usize)
                } else {
                    None
                });
                q.push(x < (input[i] + pe[i]) as i64);
            }
        }
        pos.push(p);
        in_pad.push(q);
    }
    Ok(Geometry {
        out,
        k: kernel.to_vec(),
        pos,
        in_pad,
    })
}

/// Calls `f(l, taps)` for every output position `l` (row-major), where `taps` holds, for
/// every kernel tap in row-major order, `(Some(input offset) or None in the padding, whether
/// the tap lies inside the padded extent)`.
fn for_each_window(
    g: &Geometry,
    in_shape: &[usize],
    mut f: impl FnMut(usize, &[(Option<usize>, bool)]),
) {
    let nd = g.out.len();
    let ist = strides(in_shape);
    let kn: usize = g.k.iter().product();
    let ln: usize = g.out.iter().product();
    let mut taps = vec![(None, true); kn];
    let mut oi = vec![0usize; nd];
    // the tap odometer wraps back to all zeros after each window's `kn` taps, so one buffer
    // serves every window
    let mut ki = vec![0usize; nd];
    for l in 0..ln {
        for tap in taps.iter_mut() {
            let mut off = Some(0usize);
            let mut inside = true;
            for a in 0..nd {
                let idx = oi[a] * g.k[a] + ki[a];
                inside &= g.in_pad[a][idx];
                off = match (off, g.pos[a][idx]) {
                    (Some(o), Some(p)) => Some(o + p * ist[a]),
                    _ => None,
                };
            }
            *tap = (off, inside);
            let mut a = nd;
            while a > 0 {
                a -= 1;
                ki[a] += 1;
                if ki[a] < g.k[a] {
                    break;
                }
                ki[a] = 0;
            }
        }
        f(l, &taps);
        let mut a = nd;
        while a > 0 {
            a -= 1;
            oi[a] += 1;
            if oi[a] < g.out[a] {
                break;
            }
            oi[a] = 0;
        }
    }
}

/// One tap of a window: its offset in the plane (`None` in the padding) and whether it
/// lies inside the padded extent.
pub(crate) type Tap = (Option<usize>, bool);

/// The windows of a convolution or pooling over planes of shape `in_sp`, for the tangent
/// route, which gathers whole `[value | lanes]` rows the way the operators here gather
/// elements: the output extent, and for each output position (row-major) its taps in
/// row-major order as `(offset in the plane, or None in the padding, whether the tap lies
/// inside the padded extent)` — the same table, so the same padding, counts and tie order.
pub(crate) fn window_taps(
    node: &Node,
    in_sp: &[usize],
    kernel: &[usize],
    ceil_mode: bool,
) -> Result<(Vec<usize>, Vec<Tap>), String> {
    let g = geometry(node, in_sp, kernel, ceil_mode)?;
    let kn: usize = g.k.iter().product();
    let ln: usize = g.out.iter().product();
    let mut table = Vec::with_capacity(kn.saturating_mul(ln));
    for_each_window(&g, in_sp, |_, taps| table.extend_from_slice(taps));
    Ok((g.out, table))
}

/// A pooling node's kernel and `ceil_mode`, as MaxPool and AveragePool read them.
pub(crate) fn pool_window(node: &Node) -> Result<(Vec<usize>, bool), String> {
    Ok((pool_kernel(node)?, node.int("ceil_mode", 0) != 0))
}

fn split_nc(shape: &[usize], what: &str) -> Result<(usize, usize, Vec<usize>), String> {
    if shape.len() < 3 {
        return Err(format!(
            "{what} must be N×C×spatial (rank ≥ 3), got shape {shape:?}"
        ));
    }
    Ok((shape[0], shape[1], shape[2..].to_vec()))
}

/// The gather table of im2col, tap-major: entry `tap·L + l` is the plane offset that kernel
/// tap `tap` of output position `l` reads, or `None` in the padding. Built once per call, as
/// every image, group and channel reads the same positions.
fn gather_table(g: &Geometry, in_sp: &[usize]) -> Vec<Option<usize>> {
    let kn: usize = g.k.iter().product();
    let ln: usize = g.out.iter().product();
    let mut table = vec![None; kn * ln];
    for_each_window(g, in_sp, |l, taps| {
        for (t, &(off, _)) in taps.iter().enumerate() {
            table[t * ln + l] = off;
        }
    });
    table
}

/// im2col for one image and one group into `cols` (its previous contents replaced):
/// `cols[(c·K + tap)·L + l]`, written in order, zeros in the padding.
fn im2col<T: Scalar>(
    x: &[T],
    c0: usize,
    cg: usize,
    plane: usize,
    table: &[Option<usize>],
    cols: &mut Vec<T>,
) {
    cols.clear();
    for c in c0..c0 + cg {
        let xc = &x[c * plane..(c + 1) * plane];
        cols.extend(table.iter().map(|off| off.map_or(T::cst(0.0), |o| xc[o])));
    }
}

/// The shapes of one grouped convolution, lowered to one GEMM per image and group:
/// `W_g (M/G × C/G·K) · im2col(X_b, g) (C/G·K × L)`.
struct GroupedConv<'a> {
    n: usize,
    group: usize,
    cg: usize,
    plane: usize,
    table: &'a [Option<usize>],
    dims: GemmDims,
}

impl GroupedConv<'_> {
    /// Written once for the three element pairings (f64 × f64, f64 weights × S, S × S),
    /// which differ only in the kernel called.
    fn run<X: Scalar, W, O: Scalar>(
        &self,
        x: &[X],
        w: &[W],
        gemm: impl Fn(&[W], &[X], GemmDims, &mut [O]),
    ) -> Vec<O> {
        let (n, group, cg, plane) = (self.n, self.group, self.cg, self.plane);
        let (mg, ln) = (self.dims.m, self.dims.n);
        let (c, m) = (cg * group, mg * group);
        let wl = mg * self.dims.k;
        let mut out = vec![O::cst(0.0); n * m * ln];
        // one im2col buffer for every image and group
        let mut cols = Vec::with_capacity(self.dims.k * ln);
        for b in 0..n {
            for gi in 0..group {
                let xb = &x[b * c * plane..(b + 1) * c * plane];
                im2col(xb, gi * cg, cg, plane, self.table, &mut cols);
                let o = &mut out[(b * m + gi * mg) * ln..(b * m + (gi + 1) * mg) * ln];
                gemm(&w[gi * wl..(gi + 1) * wl], &cols, self.dims, o);
            }
        }
        out
    }
}

/// Conv's checks (ranks, kernel, groups, window placement) and output shape `[N, M, out…]`.
pub(crate) fn conv_shape(node: &Node, xs: &[usize], ws: &[usize]) -> Result<Vec<usize>, String> {
    let (n, c, in_sp) = split_nc(xs, "X")?;
    if ws.len() != in_sp.len() + 2 {
        return Err(format!(
            "W of shape {ws:?} does not match X of shape {xs:?}"
        ));
    }
    let kernel: Vec<usize> = match node.ints("kernel_shape") {
        Some(k) if !k.is_empty() => k.iter().map(|&v| usize::try_from(v).unwrap_or(0)).collect(),
        _ => ws[2..].to_vec(),
    };
    if kernel != ws[2..] || kernel.contains(&0) {
        return Err(format!(
            "kernel_shape {kernel:?} does not match W of shape {ws:?}"
        ));
    }
    let group = usize::try_from(node.int("group", 1))
        .ok()
        .filter(|&g| g > 0)
        .ok_or("group must be positive")?;
    let m = ws[0];
    if !c.is_multiple_of(group) || !m.is_multiple_of(group) || ws[1] != c / group {
        return Err(format!(
            "X has {c} channels, W has shape {ws:?}, group = {group}: channels do not divide"
        ));
    }
    let p = placement(node, &in_sp, &kernel, false)?;
    let mut out_shape = vec![n, m];
    out_shape.extend_from_slice(&p.out);
    numel_checked(&out_shape, 1)?;
    Ok(out_shape)
}

/// A zero-size result of the kind an operator gives for `x` (ONNX defines them: no
/// window is evaluated, so none of the loops over the other axes runs).
fn empty_like<S: Scalar>(x: &Value<S>, shape: Vec<usize>) -> Value<S> {
    match x {
        Value::Act(_) => Value::Act(Tensor::new(shape, vec![])),
        Value::Float(_) => Value::float(Tensor::new(shape, vec![])),
        Value::Int(_) => Value::int(Tensor::new(shape, vec![])),
    }
}

pub(crate) fn conv<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let w = req(ins, 1, "W")?;
    let out_shape = conv_shape(node, x.shape(), w.shape())?;
    let ws = w.shape().to_vec();
    let m = ws[0];
    if let Some(bias) = opt(ins, 2) {
        if bias.shape().iter().product::<usize>() != m {
            return Err(format!(
                "B of shape {:?} does not have {m} values",
                bias.shape()
            ));
        }
    }
    if x.is_int() || w.is_int() {
        return Err("X and W must be float tensors".into());
    }
    if numel_checked(&out_shape, std::mem::size_of::<S>())? == 0 {
        let y = match (x, w) {
            (Value::Float(_), Value::Float(_)) => Value::float(Tensor::new(out_shape, vec![])),
            _ => Value::Act(Tensor::new(out_shape, vec![])),
        };
        return Ok(vec![Some(y)]);
    }
    let (n, c, in_sp) = split_nc(x.shape(), "X")?;
    let kernel = ws[2..].to_vec();
    let group = node.int("group", 1) as usize;
    let g = geometry(node, &in_sp, &kernel, false)?;
    let (cg, mg) = (c / group, m / group);
    let kn: usize = kernel.iter().product();
    let ln: usize = g.out.iter().product();
    let plane: usize = in_sp.iter().product();
    numel_checked(&[cg, kn, ln], std::mem::size_of::<S>())?;
    let dims = GemmDims {
        m: mg,
        k: cg * kn,
        n: ln,
        trans_a: false,
        trans_b: false,
    };
    let table = gather_table(&g, &in_sp);
    let plan = GroupedConv {
        n,
        group,
        cg,
        plane,
        table: &table,
        dims,
    };
    let y = match (x, w) {
        (Value::Float(xt), Value::Float(wt)) => Value::float(Tensor::new(
            out_shape,
            plan.run(&xt.data, &wt.data, gemm_ws::<f64>),
        )),
        // activations read in place (a copy of X costs as much as a pass over the input);
        // only a constant X beside activation weights is lifted
        (Value::Act(xt), Value::Float(wt)) => Value::Act(Tensor::new(
            out_shape,
            plan.run(&xt.data, &wt.data, gemm_ws),
        )),
        (Value::Act(xt), Value::Act(wt)) => Value::Act(Tensor::new(
            out_shape,
            plan.run(&xt.data, &wt.data, gemm_ss),
        )),
        (xv, wv) => {
            let xt = xv.to_act("X")?;
            let wt = wv.to_act("W")?;
            Value::Act(Tensor::new(
                out_shape,
                plan.run(&xt.data, &wt.data, gemm_ss),
            ))
        }
    };
    let y = match opt(ins, 2) {
        Some(bias) => {
            if bias.shape().iter().product::<usize>() != m {
                return Err(format!(
                    "B of shape {:?} does not have {m} values",
                    bias.shape()
                ));
            }
            let mut s = vec![m];
            s.extend(std::iter::repeat_n(1, in_sp.len()));
            binary(Bin::Add, &y, &reshape_value(bias, s))?
        }
        None => y,
    };
    Ok(vec![Some(y)])
}

fn max_pool_t<T: Scalar>(
    t: &Tensor<T>,
    g: &Geometry,
    col_major: bool,
) -> Result<(Tensor<T>, Tensor<i64>), String> {
    let (n, c, in_sp) = split_nc(&t.shape, "X")?;
    let plane: usize = in_sp.iter().product();
    let ln: usize = g.out.iter().product();
    let mut out = Vec::with_capacity(n * c * ln);
    let mut idx = Vec::with_capacity(n * c * ln);
    // storage_order=1 numbers the spatial positions column-major
    let rs = strides(&in_sp);
    let mut cs = vec![1usize; in_sp.len()];
    for a in 1..in_sp.len() {
        cs[a] = cs[a - 1] * in_sp[a - 1];
    }
    for nc in 0..n * c {
        let x = &t.data[nc * plane..(nc + 1) * plane];
        for_each_window(g, &in_sp, |_, taps| {
            let mut best: Option<(T, usize)> = None;
            for &(off, _) in taps {
                if let Some(o) = off {
                    let v = x[o];
                    match best {
                        None => best = Some((v, o)),
                        Some((b, _)) if v > b => best = Some((v, o)),
                        _ => {}
                    }
                }
            }
            let (v, o) = best.unwrap_or((T::cst(f64::NEG_INFINITY), 0));
            out.push(v);
            // (a window wholly in the padding reports index 0, as the strides may be 0)
            let sp = if col_major && best.is_some() {
                let mut rem = o;
                let mut k = 0;
                for a in 0..in_sp.len() {
                    let i = rem / rs[a];
                    rem %= rs[a];
                    k += i * cs[a];
                }
                k
            } else {
                o
            };
            idx.push((nc * plane + sp) as i64);
        });
    }
    let mut shape = vec![n, c];
    shape.extend_from_slice(&g.out);
    Ok((Tensor::new(shape.clone(), out), Tensor::new(shape, idx)))
}

fn avg_pool_t<T: Scalar>(
    t: &Tensor<T>,
    g: &Geometry,
    include_pad: bool,
) -> Result<Tensor<T>, String> {
    let (n, c, in_sp) = split_nc(&t.shape, "X")?;
    let plane: usize = in_sp.iter().product();
    let ln: usize = g.out.iter().product();
    let mut out = Vec::with_capacity(n * c * ln);
    for nc in 0..n * c {
        let x = &t.data[nc * plane..(nc + 1) * plane];
        for_each_window(g, &in_sp, |_, taps| {
            let mut s = T::cst(0.0);
            let mut count = 0usize;
            for &(off, inside) in taps {
                if let Some(o) = off {
                    s += x[o];
                    count += 1;
                } else if include_pad && inside {
                    count += 1;
                }
            }
            out.push(if count == 0 {
                T::cst(f64::NAN)
            } else {
                s / count as f64
            });
        });
    }
    let mut shape = vec![n, c];
    shape.extend_from_slice(&g.out);
    Ok(Tensor::new(shape, out))
}

/// `(Σ |x|^p)^(1/p)` over each window (padding contributes 0).
fn lp_pool_t<T: Scalar>(t: &Tensor<T>, g: &Geometry, p: f64) -> Result<Tensor<T>, String> {
    let (n, c, in_sp) = split_nc(&t.shape, "X")?;
    let plane: usize = in_sp.iter().product();
    let ln: usize = g.out.iter().product();
    let mut out = Vec::with_capacity(n * c * ln);
    for nc in 0..n * c {
        let x = &t.data[nc * plane..(nc + 1) * plane];
        for_each_window(g, &in_sp, |_, taps| {
            let mut s = T::cst(0.0);
            for &(off, _) in taps {
                if let Some(o) = off {
                    s += if p == 2.0 {
                        x[o] * x[o]
                    } else {
                        x[o].abs().powf(p)
                    };
                }
            }
            out.push(if p == 2.0 { s.sqrt() } else { s.powf(1.0 / p) });
        });
    }
    let mut shape = vec![n, c];
    shape.extend_from_slice(&g.out);
    Ok(Tensor::new(shape, out))
}

fn pool_kernel(node: &Node) -> Result<Vec<usize>, String> {
    node.ints("kernel_shape")
        .ok_or("needs kernel_shape")?
        .iter()
        .map(|&k| {
            usize::try_from(k)
                .ok()
                .filter(|&k| k > 0)
                .ok_or_else(|| format!("kernel size {k} must be positive"))
        })
        .collect()
}

/// MaxPool's and AveragePool's checks and output shape `[N, C, out…]`.
pub(crate) fn pool_shape(node: &Node, xs: &[usize]) -> Result<Vec<usize>, String> {
    let (n, c, in_sp) = split_nc(xs, "X")?;
    let p = placement(
        node,
        &in_sp,
        &pool_kernel(node)?,
        node.int("ceil_mode", 0) != 0,
    )?;
    let mut shape = vec![n, c];
    shape.extend_from_slice(&p.out);
    numel_checked(&shape, 1)?;
    Ok(shape)
}

fn pool_geometry<S: Scalar>(node: &Node, x: &Value<S>) -> Result<Geometry, String> {
    let (_, _, in_sp) = split_nc(x.shape(), "X")?;
    geometry(
        node,
        &in_sp,
        &pool_kernel(node)?,
        node.int("ceil_mode", 0) != 0,
    )
}

pub(crate) fn max_pool<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    let shape = pool_shape(node, x.shape())?;
    if numel_checked(&shape, std::mem::size_of::<S>())? == 0 {
        let i = Value::int(Tensor::new(shape.clone(), vec![]));
        return Ok(vec![Some(empty_like(x, shape)), Some(i)]);
    }
    let g = pool_geometry(node, x)?;
    let col = node.int("storage_order", 0) != 0;
    let (y, i) = match x {
        Value::Act(t) => {
            let (y, i) = max_pool_t(t, &g, col)?;
            (Value::Act(y), i)
        }
        Value::Float(t) => {
            let (y, i) = max_pool_t(&**t, &g, col)?;
            (Value::float(y), i)
        }
        Value::Int(t) => {
            let (y, i) = max_pool_t(&t.map(|v| v as f64), &g, col)?;
            (Value::int(y.map(|v| v as i64)), i)
        }
    };
    Ok(vec![Some(y), Some(Value::int(i))])
}

pub(crate) fn avg_pool<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    if x.is_int() {
        return Err("expects a float tensor, got an integer one".into());
    }
    let shape = pool_shape(node, x.shape())?;
    if numel_checked(&shape, std::mem::size_of::<S>())? == 0 {
        return Ok(vec![Some(empty_like(x, shape))]);
    }
    let g = pool_geometry(node, x)?;
    let inc = node.int("count_include_pad", 0) != 0;
    let y = super::reduce::float_each!(x, |t| avg_pool_t(t, &g, inc)?);
    Ok(vec![Some(y)])
}

/// GlobalAveragePool's and GlobalMaxPool's output shape `[N, C, 1, …]`.
pub(crate) fn global_pool_shape(xs: &[usize]) -> Result<Vec<usize>, String> {
    let (n, c, in_sp) = split_nc(xs, "X")?;
    numel_checked(xs, 1)?;
    let mut shape = vec![n, c];
    shape.extend(std::iter::repeat_n(1, in_sp.len()));
    Ok(shape)
}

/// LpPool: the p-norm (attribute `p`, default 2) of each window.
pub(crate) fn lp_pool<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    if x.is_int() {
        return Err("expects a float tensor, got an integer one".into());
    }
    let g = pool_geometry(node, x)?;
    let p = match node.attr("p") {
        // opset ≥ 11 stores p as an int, older opsets as a float
        Some(a) if a.i != 0 => a.i as f64,
        Some(a) if a.f != 0.0 => a.f,
        _ => 2.0,
    };
    if !(p > 0.0 && p.is_finite()) {
        return Err(format!("p must be positive, got {p}"));
    }
    let y = super::reduce::float_each!(x, |t| lp_pool_t(t, &g, p)?);
    Ok(vec![Some(y)])
}

/// GlobalAveragePool / GlobalMaxPool: one value per (image, channel).
pub(crate) fn global_pool<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "X")?;
    if x.is_int() {
        return Err("expects a float tensor, got an integer one".into());
    }
    let shape = global_pool_shape(x.shape())?;
    numel_checked(x.shape(), std::mem::size_of::<S>())?;
    if shape.contains(&0) {
        return Ok(vec![Some(empty_like(x, shape))]);
    }
    let (_, _, in_sp) = split_nc(x.shape(), "X")?;
    // an empty plane has no taps, so no table is read: keep them empty whatever the dims
    let empty = in_sp.contains(&0);
    let g = Geometry {
        out: vec![1; in_sp.len()],
        k: in_sp.clone(),
        pos: in_sp
            .iter()
            .map(|&d| {
                if empty {
                    vec![]
                } else {
                    (0..d).map(Some).collect()
                }
            })
            .collect(),
        in_pad: in_sp
            .iter()
            .map(|&d| if empty { vec![] } else { vec![true; d] })
            .collect(),
    };
    let y = if node.op == "GlobalMaxPool" {
        super::reduce::float_each!(x, |t| max_pool_t(t, &g, false)?.0)
    } else {
        super::reduce::float_each!(x, |t| avg_pool_t(t, &g, false)?)
    };
    Ok(vec![Some(y)])
}
