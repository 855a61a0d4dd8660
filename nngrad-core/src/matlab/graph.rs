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
            // The piecewise functions keep NaN as NaN (`a(isnan(n)) = nan` in MATLAB's
            // bodies) rather than mapping an unknown value to 0.
            Transfer::Poslin => each(n, &|v| if v.is_nan() { v } else { v.relu() }),
            Transfer::Satlin => each(n, &|v| v.clamp(0.0, 1.0)),
            Transfer::Satlins => each(n, &|v| v.clamp(-1.0, 1.0)),
            Transfer::Elliotsig => each(n, &|v| v.softsign()),
            Transfer::Radbas => each(n, &|v| (-(v * v)).exp()),
            Transfer::Tribas => each(n, &|v| {
                if v.is_nan() {
                    v
                } else {
                    (-v.abs() + 1.0).relu()
                }
            }),
            Transfer::Hardlim => each(n, &|v| step(v, 0.0)),
            Transfer::Hardlims => each(n, &|v| step(v, -1.0)),
            Transfer::Netinv => each(n, &|v| v.recip()),
            Transfer::Softmax => {
                // Shift by the largest value (a constant: softmax is shift-invariant, so the
                // derivative is unchanged) to keep exp from overflowing.
                let top = n
                    .iter()
                    .map(|v| v.value())
                    .filter(|v| !v.is_nan())
                    .fold(f64::NEG_INFINITY, f64::max);
                // The dominant class (the first at the maximum) as 1/(1 + Σ_{j≠k} e^{n_j − n_k}):
                // its tangent y·Σ_j y_j (dn_k − dn_j) then comes without the cancellation of
                // e_k/s − e_k·ds/s², which loses the digits of 1 − y when y ≈ 1. The ONNX
                // Softmax does the same.
                let dominant = top
                    .is_finite()
                    .then(|| n.iter().position(|v| v.value() == top))
                    .flatten()
                    .filter(|_| n.len() > 1)
                    .map(|k| {
                        let zk = n[k];
                        let rest: S = n
                            .iter()
                            .enumerate()
                            .filter(|&(j, _)| j != k)
                            .map(|(_, &v)| (v - zk).exp())
                            .sum();
                        (k, (rest + 1.0).recip())
                    });
                let m = if top.is_finite() { top } else { 0.0 };
                n.iter_mut().for_each(|v| *v = (*v - m).exp());
                let sum: S = n.iter().sum();
                n.iter_mut().for_each(|v| *v /= sum);
                if let Some((k, y)) = dominant {
                    n[k] = y;
                }
            }
        }
    }
}

/// 1 for `v >= 0`, `below` otherwise, NaN for NaN; a constant (zero derivative).
fn step<S: Scalar>(v: S, below: f64) -> S {
    if v.is_nan() {
        v
    } else {
        S::cst(if v >= 0.0 { 1.0 } else { below })
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

/// Element `i` of a per-row constant, or its one element (a scalar the builder let
/// broadcast); every evaluator of the graph reads constants through this.
pub(super) fn bcast(c: &[f64], i: usize) -> f64 {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dual;

    /// MATLAB's definitions, written out independently of the Scalar implementations.
    fn matlab(f: Transfer, n: f64) -> f64 {
        match f {
            Transfer::Tansig => 2.0 / (1.0 + (-2.0 * n).exp()) - 1.0,
            Transfer::Logsig => 1.0 / (1.0 + (-n).exp()),
            Transfer::Purelin => n,
            Transfer::Poslin => n.max(0.0),
            Transfer::Satlin => n.clamp(0.0, 1.0),
            Transfer::Satlins => n.clamp(-1.0, 1.0),
            Transfer::Elliotsig => n / (1.0 + n.abs()),
            Transfer::Radbas => (-(n * n)).exp(),
            Transfer::Tribas => (1.0 - n.abs()).max(0.0),
            Transfer::Hardlim => (n >= 0.0) as u8 as f64,
            Transfer::Hardlims => 2.0 * ((n >= 0.0) as u8 as f64) - 1.0,
            Transfer::Netinv => 1.0 / n,
            Transfer::Softmax => unreachable!("not element-wise"),
        }
    }

    #[test]
    fn elementwise_transfers_match_matlab_values_and_central_differences() {
        use Transfer::*;
        let all = [
            Tansig, Logsig, Purelin, Poslin, Satlin, Satlins, Elliotsig, Radbas, Tribas, Hardlim,
            Hardlims, Netinv,
        ];
        // Points away from every kink, on both sides of them.
        let pts = [-2.3, -1.7, -0.6, -0.2, 0.15, 0.45, 0.8, 1.3, 2.9];
        for f in all {
            assert_eq!(Transfer::from_call(&format!("{}_apply", f.name())), Some(f));
            assert_eq!(Transfer::from_call(f.name()), Some(f));
            for &n in &pts {
                let mut v = [Dual::variable(n)];
                f.apply(&mut v);
                let want = matlab(f, n);
                assert!(
                    (v[0].re() - want).abs() <= 4.0 * f64::EPSILON * want.abs().max(1.0),
                    "{f:?}({n})"
                );
                let h = 1e-6;
                let fd = (matlab(f, n + h) - matlab(f, n - h)) / (2.0 * h);
                assert!(
                    (v[0].eps() - fd).abs() < 1e-8,
                    "{f:?}'({n}) = {} vs {fd}",
                    v[0].eps()
                );
            }
        }
        assert_eq!(Transfer::from_call("foo_apply"), None);
    }

    #[test]
    fn nan_stays_nan() {
        use Transfer::*;
        for f in [
            Tansig, Logsig, Purelin, Poslin, Satlin, Satlins, Elliotsig, Radbas, Tribas, Hardlim,
            Hardlims, Netinv, Softmax,
        ] {
            let mut v = [f64::NAN];
            f.apply(&mut v);
            assert!(v[0].is_nan(), "{f:?}");
        }
    }

    /// Softmax of `n` with the tangent seeded along input `j`: column `j` of its Jacobian.
    fn softmax_along(n: &[f64], j: usize) -> Vec<Dual> {
        let mut v: Vec<Dual> = n
            .iter()
            .enumerate()
            .map(|(i, &x)| Dual::new(x, (i == j) as u8 as f64))
            .collect();
        Transfer::Softmax.apply(&mut v);
        v
    }

    #[test]
    fn softmax_jacobian_is_diag_minus_outer_product() {
        let n = [0.3, -1.2, 2.0];
        let e: Vec<f64> = n.iter().map(|v: &f64| v.exp()).collect();
        let s: f64 = e.iter().sum();
        let a: Vec<f64> = e.iter().map(|v| v / s).collect();
        for j in 0..3 {
            let v = softmax_along(&n, j);
            for i in 0..3 {
                let want = if i == j {
                    a[i] * (1.0 - a[i])
                } else {
                    -a[i] * a[j]
                };
                assert!((v[i].re() - a[i]).abs() < 1e-15);
                assert!((v[i].eps() - want).abs() < 1e-15, "d a{i}/d n{j}");
            }
        }
        // Large net inputs do not overflow.
        let mut big = [1000.0, 999.0];
        Transfer::Softmax.apply(&mut big);
        assert!((big[0] - 1.0 / (1.0 + (-1f64).exp())).abs() < 1e-15);
    }

    /// Near a dominant class (`y₀ = 1 − 2e-9`) against the derivative evaluated without any
    /// cancellation: with `e_j = exp(n_j − n₀)` and `r = Σ_{j>0} e_j`, `y₀ = 1/(1 + r)`,
    /// `1 − y₀ = r/(1 + r)`, `y_j = e_j/(1 + r)`, so `∂y₀/∂n₀ = y₀(1 − y₀)` and
    /// `∂y₀/∂n_j = −y₀ y_j` come to a few ulps. The quotient form loses ~1e-7 relative here.
    #[test]
    fn softmax_derivative_near_a_dominant_class_keeps_its_digits() {
        let n = [20.0, -3.0, 0.5];
        let e: Vec<f64> = n.iter().map(|v| (v - n[0]).exp()).collect();
        let r = e[1] + e[2];
        let y0 = 1.0 / (1.0 + r);
        let want = [
            y0 * (r / (1.0 + r)),
            -y0 * e[1] / (1.0 + r),
            -y0 * e[2] / (1.0 + r),
        ];
        for (j, want) in want.into_iter().enumerate() {
            let v = softmax_along(&n, j);
            let rel = (v[0].eps() - want).abs() / want.abs();
            assert!(
                rel < 1e-14,
                "d y0 / d n{j}: {} vs {want} (rel {rel:e})",
                v[0].eps()
            );
            assert!((v[0].re() - y0).abs() < 1e-16);
        }
    }
}
