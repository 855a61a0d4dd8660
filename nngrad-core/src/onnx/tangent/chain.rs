//! Plans that are a multilayer perceptron: one path from the input through affine maps and
//! activations to the output, the form every MLP export takes (Gemm + Tanh, MatMul + Add +
//! Relu, …). Such a plan's batches of Jacobians go to the dense path
//! ([`crate::dense::Mlp`]), which picks the cheaper association (from the output side when
//! there are fewer outputs than inputs) and stacks the points of a block so each layer is
//! one large GEMM; single points, forward passes and JVPs keep the plan's own steps.

use super::Step;
use crate::dense::{Activation, Dense, Mlp};

/// The steps as a chain of dense layers, or `None` when they are anything else: a step that
/// reads something other than the step before, an activation the dense path does not have,
/// a constant that is not a bias, an output that is not the chain's end.
pub(super) fn mlp(steps: &[Step], input: usize, n: usize, output: usize) -> Option<Mlp> {
    struct Open {
        k: usize,
        out: usize,
        w: Vec<f64>,
        b: Vec<f64>,
        act: Option<Activation>,
    }
    let mut layers = Vec::new();
    let mut open: Option<Open> = None;
    let mut cur = input;
    let mut width = n;
    for st in steps {
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
            } if *a == cur && *k == width && *seed == (layers.is_empty() && open.is_none()) => {
                if let Some(l) = open.take() {
                    layers.push(close(l.k, l.out, l.w, l.b, l.act)?);
                }
                open = Some(Open {
                    k: *k,
                    out: *h,
                    w: wt.clone(),
                    b: bias.clone().unwrap_or_else(|| vec![0.0; *h]),
                    act: None,
                });
                cur = *out;
                width = *h;
            }
            // A bias added after the product (MatMul + Add): folded into the layer's bias.
            Step::AddConst {
                x,
                out,
                c,
                negate: false,
            } if *x == cur && c.len() == width => {
                let l = open.as_mut().filter(|l| l.act.is_none())?;
                for (b, &c) in l.b.iter_mut().zip(c) {
                    *b += c;
                }
                cur = *out;
            }
            Step::Unary { x, out, op, .. } if *x == cur => {
                let l = open.as_mut().filter(|l| l.act.is_none())?;
                l.act = Some(op.dense_activation()?);
                cur = *out;
            }
            _ => return None,
        }
    }
    let l = open?;
    layers.push(close(l.k, l.out, l.w, l.b, l.act)?);
    if cur != output {
        return None;
    }
    Mlp::new(layers).ok()
}

fn close(k: usize, out: usize, w: Vec<f64>, b: Vec<f64>, act: Option<Activation>) -> Option<Dense> {
    Dense::new(k, out, w, b, act.unwrap_or(Activation::Identity)).ok()
}
