//! Plans that are a multilayer perceptron: one path from the input through affine maps and
//! activations to the output, the form every MLP export takes (Gemm + Tanh, MatMul + Add +
//! Relu, …). Such a plan's Jacobians go to the dense path ([`crate::dense::Mlp`]), which
//! picks the cheaper association (from the output side when there are fewer outputs than
//! inputs) and stacks the points of a block so each layer is one large GEMM; forward passes
//! and JVPs keep the plan's own steps. Both compute every value as the same sum in the same
//! order (one kernel for all products, a bias on the side the steps add it), so a point's
//! values are the same bits on either path.

use super::Step;
use crate::dense::{Activation, Dense, Mlp};

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

/// The steps as a chain of dense layers, or `None` when they are anything else: a step that
/// reads something other than the step before, an activation the dense path does not have,
/// a constant that is not a bias, an output that is not the chain's end.
pub(super) fn mlp(steps: &[Step], input: usize, n: usize, output: usize) -> Option<Mlp> {
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
            _ => return None,
        }
    }
    layers.push(close(open?)?);
    if cur != output {
        return None;
    }
    Mlp::new(layers).ok()
}

fn close(l: Open) -> Option<Dense> {
    let d = Dense::new(l.k, l.out, l.w, l.b, l.act.unwrap_or(Activation::Identity)).ok()?;
    Some(if l.after {
        d.with_bias_after_product()
    } else {
        d
    })
}
