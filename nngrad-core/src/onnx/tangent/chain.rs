//! Plans that are a multilayer perceptron: one path from the input through affine maps and
//! activations to the output, the form every MLP export takes (Gemm + Tanh, MatMul + Add +
//! Relu, …), perhaps behind a standard scaler (Sub + Div, `ai.onnx.ml` Scaler) and before a
//! Softmax or LogSoftmax (a classifier's probabilities). Such a plan's Jacobians go to the
//! dense path ([`crate::dense::Mlp`]), which picks the cheaper association (from the output
//! side when there are fewer outputs than inputs) and stacks the points of a block so each
//! layer is one large GEMM; forward passes and JVPs keep the plan's own steps. Both compute
//! every value as the same sum in the same order (one kernel for all products, a bias on the
//! side the steps add it, the scaler and the softmax by the steps' own code), so a point's
//! values are the same bits on either path.

use super::exec::Mode;
use super::spatial::Softmax;
use super::{Plan, Step};
use crate::dense::{Activation, Dense, Mlp, Workspace};

/// A plan's steps as a dense chain.
pub(super) struct Chain {
    /// Steps `..prefix` are elementwise affine maps of the input (a scaler): their values
    /// and the diagonal of their Jacobian come from running them with one lane seeded 1.
    prefix: usize,
    /// Their output buffer (the input's own when there are none).
    scaled: usize,
    mlp: Mlp,
    /// A Softmax/LogSoftmax over the chain's outputs, run on `[y | J]` by its step's code.
    tail: Option<Softmax>,
}

/// The layer being gathered: a product, then perhaps a bias and an activation.
struct Open {
    k: usize,
    out: usize,
    w: Vec<f64>,
    /// The Gemm's bias (added before the sum, as the plan's steps do), or the constant of
    /// an Add after the product (`after`).
    b: Vec<f64>,
    has_bias: bool,
    after: bool,
    act: Option<Activation>,
}

/// The steps as a dense chain, or `None` when they are anything else: a step that reads
/// something other than the step before, an activation the dense path does not have, a
/// constant that is not a bias, an output that is not the chain's end.
pub(super) fn chain(steps: &[Step], input: usize, n: usize, output: usize) -> Option<Chain> {
    let mut cur = input;
    // The scaler: elementwise affine steps on the whole input.
    let mut prefix = 0;
    for st in steps {
        match st {
            Step::AddConst { x, c, .. } | Step::ScaleConst { x, c, .. }
                if *x == cur && c.len() == n =>
            {
                cur = st.elementwise()?.1;
                prefix += 1;
            }
            _ => break,
        }
    }
    let scaled = cur;
    let mut layers = Vec::new();
    let mut open: Option<Open> = None;
    let mut width = n;
    let mut tail = None;
    for st in &steps[prefix..] {
        if tail.is_some() {
            return None;
        }
        match st {
            Step::Linear {
                a,
                out,
                rows: 1,
                k,
                n: h,
                trans_a: false,
                wt,
                bias,
                seed,
            } if *a == cur
                && *k == width
                && *seed == (prefix == 0 && layers.is_empty() && open.is_none()) =>
            {
                if let Some(l) = open.take() {
                    layers.push(close(l)?);
                }
                open = Some(Open {
                    k: *k,
                    out: *h,
                    w: wt.clone(),
                    b: bias.clone().unwrap_or_else(|| vec![0.0; *h]),
                    has_bias: bias.is_some(),
                    after: false,
                    act: None,
                });
                cur = *out;
                width = *h;
            }
            // A bias added after the product (MatMul + Add): the layer's bias, added after
            // the sum as the steps add it. (A second bias after a Gemm's own would round
            // differently folded into one: such a plan keeps its steps.)
            Step::AddConst {
                x,
                out,
                c,
                negate: false,
            } if *x == cur && c.len() == width => {
                let l = open
                    .as_mut()
                    .filter(|l| l.act.is_none() && !l.has_bias && !l.after)?;
                l.b.copy_from_slice(c);
                l.after = true;
                cur = *out;
            }
            Step::Unary { x, out, op, .. } if *x == cur => {
                let l = open.as_mut().filter(|l| l.act.is_none())?;
                l.act = Some(op.dense_activation()?);
                cur = *out;
            }
            Step::Softmax(s) if s.x == cur && s.outer == 1 && s.inner == 1 && s.d == width => {
                open.as_ref()?;
                tail = Some(Softmax {
                    x: 0,
                    out: 1,
                    outer: 1,
                    d: width,
                    inner: 1,
                    log: s.log,
                });
                cur = s.out;
            }
            _ => return None,
        }
    }
    layers.push(close(open?)?);
    if cur != output {
        return None;
    }
    Some(Chain {
        prefix,
        scaled,
        mlp: Mlp::new(layers).ok()?,
        tail,
    })
}

fn close(l: Open) -> Option<Dense> {
    let d = Dense::new(l.k, l.out, l.w, l.b, l.act.unwrap_or(Activation::Identity)).ok()?;
    Some(if l.after {
        d.with_bias_after_product()
    } else {
        d
    })
}

/// The buffers of one call on the chain, kept in the plan's pool between calls: the dense
/// path's workspace, and the scaler's and the softmax's buffers (a batch's blocks would
/// otherwise allocate them again each).
#[derive(Default)]
pub(super) struct Work {
    dense: Workspace,
    /// All 1: the scaler's seed (only ever grown, so every prefix of it is all ones).
    ones: Vec<f64>,
    /// The scaler's values and slopes, point-major.
    scaled: Vec<f64>,
    slopes: Vec<f64>,
    /// The softmax's input and output `[y | J]` rows, and its scratch.
    tail: [Vec<f64>; 2],
    scratch: Vec<f64>,
}

impl Chain {
    /// The Jacobians of the `xs.len() / n` points of `xs` (whole points, `n > 0`, checked by
    /// the caller) into `ys` (point-major values) and `js` (point-major row-major `m × n`
    /// Jacobians), which the dense path writes directly; `false` if it refused (the caller
    /// then runs the steps).
    pub(super) fn jacobians(
        &self,
        plan: &Plan,
        xs: &[f64],
        work: &mut Work,
        ys: &mut [f64],
        js: &mut [f64],
    ) -> bool {
        let (n, m) = (plan.n, plan.m);
        let points = xs.len() / n;
        let Work {
            dense,
            ones,
            scaled,
            slopes,
            tail,
            scratch,
        } = work;
        // The scaler's values and slopes: its steps with every lane seeded 1 (a JVP along
        // the ones), so the values are the steps' bits and `slopes[j]` is `∂x'_j/∂x_j`.
        let x = if self.prefix == 0 {
            xs
        } else {
            if ones.len() < xs.len() {
                ones.resize(xs.len(), 1.0);
            }
            let seed = Mode::Jvp(&ones[..xs.len()]);
            plan.run_prefix(xs, points, seed, self.prefix, self.scaled, (scaled, slopes));
            &scaled[..]
        };
        // One point or many: the same blocks and sums (one point is a block of one).
        if self.mlp.jacobian_batch_into(x, dense, ys, js).is_err() {
            return false;
        }
        if self.prefix > 0 {
            // J_total = J_mlp · diag(slopes) per point
            for (q, jq) in js.chunks_exact_mut(m * n).enumerate() {
                let dq = &slopes[q * n..(q + 1) * n];
                for row in jq.chunks_exact_mut(n) {
                    row.iter_mut().zip(dq).for_each(|(v, &s)| *v *= s);
                }
            }
        }
        if let Some(sm) = &self.tail {
            // `[y | J]` rows laid out as the steps lay them out, through the step's code
            // (which writes every component of its output, so the buffers need no zeroing).
            let w = 1 + n;
            let cols = points * w;
            for b in tail.iter_mut() {
                b.resize(m * cols, 0.0);
            }
            for q in 0..points {
                for i in 0..m {
                    let blk = &mut tail[0][i * cols + q * w..i * cols + (q + 1) * w];
                    blk[0] = ys[q * m + i];
                    blk[1..].copy_from_slice(&js[(q * m + i) * n..(q * m + i + 1) * n]);
                }
            }
            sm.run(tail, scratch, points, w);
            for q in 0..points {
                for i in 0..m {
                    let blk = &tail[1][i * cols + q * w..i * cols + (q + 1) * w];
                    ys[q * m + i] = blk[0];
                    js[(q * m + i) * n..(q * m + i + 1) * n].copy_from_slice(&blk[1..]);
                }
            }
        }
        true
    }
}
