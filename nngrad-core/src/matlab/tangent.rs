//! The network's Jacobian and JVP in one pass that carries every tangent column beside the
//! value: each node's column vector becomes `len × w` f64 rows `[value | lanes]` (the memory
//! of a dual number with `w − 1` lanes), so a layer is one real GEMM over values and lanes
//! (through [`gemm_ws_components`], the kernel choice of [`crate::kernels::gemm_ws`]) and a
//! transfer function scales each row's lanes by its slope. A layer fed by an input needs no
//! product for its lanes: they are the input's identity seed times the weights.
//!
//! Values are those of [`Graph::run`] over `f64`, bit for bit (the same operations in the
//! same order); lanes are those of the generic dual path up to the order of the sums.

use super::graph::{bcast, Graph, Node, Transfer};
use crate::kernels::{gemm_ws, gemm_ws_components, GemmDims};
use crate::Dual;

/// What the lanes carry: the Jacobian (`n` lanes, identity seed) or one tangent.
#[derive(Clone, Copy)]
pub(crate) enum Lanes<'a> {
    Jacobian,
    Jvp(&'a [f64]),
}

/// Runs the graph at `x` (its length checked by the caller) and returns the outputs' rows,
/// `w` components each, one after another.
pub(crate) fn run(g: &Graph, x: &[f64], lanes: Lanes<'_>) -> (Vec<f64>, usize) {
    let w = match lanes {
        Lanes::Jacobian => 1 + x.len(),
        Lanes::Jvp(_) => 2,
    };
    let mut vals: Vec<Vec<f64>> = Vec::with_capacity(g.nodes.len());
    for node in &g.nodes {
        let rows = |src: usize| vals[src].chunks_exact(w);
        let v: Vec<f64> = match node {
            Node::Input { offset, len } => {
                let mut out = vec![0.0; len * w];
                for (e, row) in out.chunks_exact_mut(w).enumerate() {
                    row[0] = x[offset + e];
                    match lanes {
                        Lanes::Jacobian => row[1 + offset + e] = 1.0,
                        Lanes::Jvp(v) => row[1] = v[offset + e],
                    }
                }
                out
            }
            Node::Gather { src, idx } => {
                let s = &vals[*src];
                idx.iter()
                    .flat_map(|&i| s[i * w..(i + 1) * w].iter().copied())
                    .collect()
            }
            Node::Scatter {
                src,
                len,
                keep,
                fill,
            } => {
                let mut out = vec![0.0; len * w];
                for r in out.chunks_exact_mut(w) {
                    r[0] = f64::NAN;
                }
                for (k, &i) in keep.iter().enumerate() {
                    out[i * w..(i + 1) * w].copy_from_slice(&vals[*src][k * w..(k + 1) * w]);
                }
                for &(i, c) in fill {
                    out[i * w] = c;
                    out[i * w + 1..(i + 1) * w].fill(0.0);
                }
                out
            }
            Node::AddConst { src, c } => map_value(rows(*src), |i, v| v + bcast(c, i)),
            Node::SubConst { src, c } => map_value(rows(*src), |i, v| v - bcast(c, i)),
            Node::MulConst { src, c } => map_all(rows(*src), |i, v| v * bcast(c, i)),
            Node::DivConst { src, c } => map_all(rows(*src), |i, v| v / bcast(c, i)),
            Node::Neg { src } => map_all(rows(*src), |_, v| -v),
            Node::Add { a, b } => vals[*a].iter().zip(&vals[*b]).map(|(p, q)| p + q).collect(),
            Node::Sub { a, b } => vals[*a].iter().zip(&vals[*b]).map(|(p, q)| p - q).collect(),
            Node::MatMul {
                src,
                w: wm,
                rows: r,
                cols,
            } => {
                let mut out = vec![0.0; r * w];
                let dims = GemmDims {
                    m: *r,
                    k: *cols,
                    n: 1,
                    trans_a: false,
                    trans_b: false,
                };
                match (&g.nodes[*src], lanes) {
                    (Node::Input { offset, len }, Lanes::Jacobian) => {
                        // The input's lanes are the identity: the product's lanes are W.
                        let mut y = vec![0.0; *r];
                        gemm_ws(wm, &x[*offset..offset + len], dims, &mut y);
                        for (i, row) in out.chunks_exact_mut(w).enumerate() {
                            row[0] = y[i];
                            row[1 + offset..1 + offset + len]
                                .copy_from_slice(&wm[i * cols..(i + 1) * cols]);
                        }
                    }
                    _ => gemm_ws_components(wm, &vals[*src], dims, w, &mut out),
                }
                out
            }
            Node::Transfer {
                src,
                f: Transfer::Softmax,
            } => softmax(&vals[*src], w),
            Node::Transfer { src, f } => {
                let mut out = vals[*src].clone();
                for row in out.chunks_exact_mut(w) {
                    let mut d = [Dual::new(row[0], 1.0)];
                    f.apply(&mut d);
                    row[0] = d[0].re();
                    let s = d[0].eps();
                    row[1..].iter_mut().for_each(|l| *l *= s);
                }
                out
            }
        };
        vals.push(v);
    }
    let mut out = Vec::new();
    for &o in &g.outputs {
        out.extend_from_slice(&vals[o]);
    }
    (out, w)
}

/// The value of each row changed by `f(row index, value)`, the lanes kept.
fn map_value<'a>(rows: impl Iterator<Item = &'a [f64]>, f: impl Fn(usize, f64) -> f64) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, r) in rows.enumerate() {
        out.push(f(i, r[0]));
        out.extend_from_slice(&r[1..]);
    }
    out
}

/// Every component of each row changed by `f(row index, component)` (a linear map).
fn map_all<'a>(rows: impl Iterator<Item = &'a [f64]>, f: impl Fn(usize, f64) -> f64) -> Vec<f64> {
    let mut out = Vec::new();
    for (i, r) in rows.enumerate() {
        out.extend(r.iter().map(|&v| f(i, v)));
    }
    out
}

/// Softmax is not elementwise: each lane goes through the toolbox's own formula on
/// [`Dual`] numbers, so values and lanes are those of the generic path.
fn softmax(src: &[f64], w: usize) -> Vec<f64> {
    let len = src.len() / w;
    let mut out = vec![0.0; src.len()];
    let mut d: Vec<Dual<f64>> = vec![Dual::new(0.0, 0.0); len];
    for lane in 0..w.max(2) - 1 {
        for (e, v) in d.iter_mut().enumerate() {
            let l = if w > 1 { src[e * w + 1 + lane] } else { 0.0 };
            *v = Dual::new(src[e * w], l);
        }
        Transfer::Softmax.apply(&mut d);
        for (e, v) in d.iter().enumerate() {
            out[e * w] = v.re();
            if w > 1 {
                out[e * w + 1 + lane] = v.eps();
            }
        }
    }
    out
}
