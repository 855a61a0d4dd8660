//! The network as the simulation code computes it, one sample at a time: a list of nodes in
//! evaluation order, each a column vector computed from earlier nodes with f64 constants.
//! Evaluation is generic over [`Scalar`], so the same code gives values and derivatives.

use crate::kernels::{gemm_ws, GemmDims};
use crate::Scalar;

/// A transfer function of the Deep Learning (formerly Neural Network) Toolbox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Transfer {
    Tansig,
    Logsig,
    Purelin,
    Poslin,
    Satlin,
    Satlins,
    Softmax,
    Elliotsig,
    Radbas,
    Tribas,
    Hardlim,
    Hardlims,
    Netinv,
}

impl Transfer {
    /// The transfer function a call names: `tansig_apply` (as `genFunction` writes it) or the
    /// toolbox name itself.
    pub fn from_call(name: &str) -> Option<Transfer> {
        let base = name.strip_suffix("_apply").unwrap_or(name);
        Some(match base {
            "tansig" => Transfer::Tansig,
            "logsig" => Transfer::Logsig,
            "purelin" => Transfer::Purelin,
            "poslin" => Transfer::Poslin,
            "satlin" => Transfer::Satlin,
            "satlins" => Transfer::Satlins,
            "softmax" => Transfer::Softmax,
            "elliotsig" => Transfer::Elliotsig,
            "radbas" => Transfer::Radbas,
            "tribas" => Transfer::Tribas,
            "hardlim" => Transfer::Hardlim,
            "hardlims" => Transfer::Hardlims,
            "netinv" => Transfer::Netinv,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Transfer::Tansig => "tansig",
            Transfer::Logsig => "logsig",
            Transfer::Purelin => "purelin",
            Transfer::Poslin => "poslin",
            Transfer::Satlin => "satlin",
            Transfer::Satlins => "satlins",
            Transfer::Softmax => "softmax",
            Transfer::Elliotsig => "elliotsig",
            Transfer::Radbas => "radbas",
            Transfer::Tribas => "tribas",
            Transfer::Hardlim => "hardlim",
            Transfer::Hardlims => "hardlims",
            Transfer::Netinv => "netinv",
        }
    }

    /// Applies the function to one layer's net input.
    ///
    /// `tansig` is evaluated as `tanh` (MATLAB's `2/(1+exp(-2n))-1` is the same function; the
    /// two agree to within a few ulps, and `tanh` keeps full relative accuracy near 0).
    /// At kinks the derivative is the shared rule table's: `poslin'(0) = 0` (as `relu`),
    /// `satlin`/`satlins` take slope 1 on their closed interval (as MATLAB's `dsatlin`).
    pub fn apply<S: Scalar>(self, n: &mut [S]) {
        let each = |n: &mut [S], f: &dyn Fn(S) -> S| n.iter_mut().for_each(|v| *v = f(*v));
        match self {
            Transfer::Tansig => each(n, &|v| v.tanh()),
            Transfer::Logsig => each(n, &|v| v.sigmoid()),
            Transfer::Purelin => {}
            Transfer::Poslin => each(n, &|v| v.relu()),
            Transfer::Satlin => each(n, &|v| v.clamp(0.0, 1.0)),
            Transfer::Satlins => each(n, &|v| v.clamp(-1.0, 1.0)),
            Transfer::Elliotsig => each(n, &|v| v.softsign()),
            Transfer::Radbas => each(n, &|v| (-(v * v)).exp()),
            Transfer::Tribas => each(n, &|v| (-v.abs() + 1.0).relu()),
            Transfer::Hardlim => each(n, &|v| S::cst(if v >= 0.0 { 1.0 } else { 0.0 })),
            Transfer::Hardlims => each(n, &|v| S::cst(if v >= 0.0 { 1.0 } else { -1.0 })),
            Transfer::Netinv => each(n, &|v| v.recip()),
            Transfer::Softmax => {
                // Shift by the largest value (a constant: softmax is shift-invariant, so the
                // derivative is unchanged) to keep exp from overflowing.
                let m = n
                    .iter()
                    .map(|v| v.value())
                    .filter(|v| !v.is_nan())
                    .fold(f64::NEG_INFINITY, f64::max);
                let m = if m.is_finite() { m } else { 0.0 };
                n.iter_mut().for_each(|v| *v = (*v - m).exp());
                let sum: S = n.iter().sum();
                n.iter_mut().for_each(|v| *v /= sum);
            }
        }
    }
}

/// One column-vector value of the per-sample computation. Constants broadcast as `bsxfun`
/// does: a constant of length 1 applies to every row.
#[derive(Clone, Debug)]
pub(crate) enum Node {
    /// Input `index` (0-based), taken from `x[offset..offset + len]`.
    Input {
        offset: usize,
        len: usize,
    },
    /// `x(keep, :)`: removeconstantrows_apply.
    Gather {
        src: usize,
        idx: Vec<usize>,
    },
    /// removeconstantrows_reverse: rows `keep` from `src`, rows `remove` set to `constants`.
    Scatter {
        src: usize,
        len: usize,
        keep: Vec<usize>,
        fill: Vec<(usize, f64)>,
    },
    AddConst {
        src: usize,
        c: Vec<f64>,
    },
    SubConst {
        src: usize,
        c: Vec<f64>,
    },
    MulConst {
        src: usize,
        c: Vec<f64>,
    },
    DivConst {
        src: usize,
        c: Vec<f64>,
    },
    Neg {
        src: usize,
    },
    Add {
        a: usize,
        b: usize,
    },
    Sub {
        a: usize,
        b: usize,
    },
    /// `W * src` with `W` `rows×cols`, row-major.
    MatMul {
        src: usize,
        w: Vec<f64>,
        rows: usize,
        cols: usize,
    },
    Transfer {
        src: usize,
        f: Transfer,
    },
}

#[derive(Clone, Debug)]
pub(crate) struct Graph {
    pub nodes: Vec<Node>,
    pub outputs: Vec<usize>,
}

fn bcast(c: &[f64], i: usize) -> f64 {
    if c.len() == 1 {
        c[0]
    } else {
        c[i]
    }
}

impl Graph {
    /// Evaluates every node; `x` has the total input length (checked by the caller), and the
    /// builder checked every size, so nothing here can fail.
    pub fn run<S: Scalar>(&self, x: &[S]) -> Vec<S> {
        let mut vals: Vec<Vec<S>> = Vec::with_capacity(self.nodes.len());
        for node in &self.nodes {
            let v: Vec<S> = match node {
                Node::Input { offset, len } => x[*offset..*offset + *len].to_vec(),
                Node::Gather { src, idx } => idx.iter().map(|&i| vals[*src][i]).collect(),
                Node::Scatter {
                    src,
                    len,
                    keep,
                    fill,
                } => {
                    let mut out = vec![S::cst(f64::NAN); *len];
                    for (k, &i) in keep.iter().enumerate() {
                        out[i] = vals[*src][k];
                    }
                    for &(i, c) in fill {
                        out[i] = S::cst(c);
                    }
                    out
                }
                Node::AddConst { src, c } => vals[*src]
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| v + bcast(c, i))
                    .collect(),
                Node::SubConst { src, c } => vals[*src]
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| v - bcast(c, i))
                    .collect(),
                Node::MulConst { src, c } => vals[*src]
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| v * bcast(c, i))
                    .collect(),
                Node::DivConst { src, c } => vals[*src]
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| v / bcast(c, i))
                    .collect(),
                Node::Neg { src } => vals[*src].iter().map(|&v| -v).collect(),
                Node::Add { a, b } => vals[*a]
                    .iter()
                    .zip(&vals[*b])
                    .map(|(&p, &q)| p + q)
                    .collect(),
                Node::Sub { a, b } => vals[*a]
                    .iter()
                    .zip(&vals[*b])
                    .map(|(&p, &q)| p - q)
                    .collect(),
                Node::MatMul { src, w, rows, cols } => {
                    let mut out = vec![S::cst(0.0); *rows];
                    let dims = GemmDims {
                        m: *rows,
                        k: *cols,
                        n: 1,
                        trans_a: false,
                        trans_b: false,
                    };
                    gemm_ws(w, &vals[*src], dims, &mut out);
                    out
                }
                Node::Transfer { src, f } => {
                    let mut v = vals[*src].clone();
                    f.apply(&mut v);
                    v
                }
            };
            vals.push(v);
        }
        let mut out = Vec::new();
        for &o in &self.outputs {
            out.extend_from_slice(&vals[o]);
        }
        out
    }
}
