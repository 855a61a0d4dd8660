//! Elementwise steps whose lanes follow a rule of their own rather than a slope from
//! `Unary`: Clip with constant bounds and the quotient of two activations. Each is the
//! generic operator's dual-number arithmetic written out over `[value | lanes]` blocks, so
//! the values and lanes are its own bit for bit.

use super::Step;
use crate::onnx::load::Node;
use crate::onnx::tensor::{Tensor, Value};

/// `out = clip(x, lo, hi)` elementwise (`x` and `out` may be one buffer), as
/// `ops::elementwise::clip_one`: below `lo` the constant `lo`, then above `hi` the constant
/// `hi` (zero lanes), else `x` with its lanes; so at a bound, inside the closed interval,
/// the lanes pass, and a NaN passes with its lanes.
pub(super) struct Clip {
    pub(super) x: usize,
    pub(super) out: usize,
    lo: f64,
    hi: f64,
}

/// The step for Clip of an activation with constant bounds (attributes before opset 11,
/// optional scalar inputs since), or `None` for bounds that are activations.
pub(super) fn clip(
    node: &Node,
    opset: i64,
    vals: &[Option<Value<f64>>],
    acts: &[Option<(usize, bool)>],
    zero: &Tensor<f64>,
    out: usize,
) -> Option<Step> {
    let (x, _) = acts.first().copied().flatten()?;
    if acts[1..].iter().any(Option::is_some)
        || Some(&zero.shape[..]) != vals[0].as_ref().map(Value::shape)
    {
        return None;
    }
    // the generic operator's reading of the bounds (`ops::elementwise::run_clip`)
    let (lo, hi) = if opset < 11 {
        (
            node.float("min", f64::NEG_INFINITY),
            node.float("max", f64::INFINITY),
        )
    } else {
        let bound = |i: usize, default: f64| match vals.get(i).and_then(Option::as_ref) {
            None => Some(default),
            Some(v) => match v.const_floats("a Clip bound").ok()?[..] {
                [b] => Some(b),
                _ => None,
            },
        };
        (bound(1, f64::NEG_INFINITY)?, bound(2, f64::INFINITY)?)
    };
    Some(Step::Clip(Clip { x, out, lo, hi }))
}

impl Clip {
    /// Runs on rows of `cols = points·w` components.
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], w: usize) {
        let mut o = std::mem::take(&mut bufs[self.out]);
        if self.x != self.out {
            let len = o.len();
            o.copy_from_slice(&bufs[self.x][..len]);
        }
        for blk in o.chunks_exact_mut(w) {
            if blk[0] < self.lo {
                blk[0] = self.lo;
                blk[1..].fill(0.0);
            }
            if blk[0] > self.hi {
                blk[0] = self.hi;
                blk[1..].fill(0.0);
            }
        }
        bufs[self.out] = o;
    }
}

/// One element of `a / b` for two activations into `row`, block by block, as the dual
/// numbers divide: `q = a/b`, lanes `(da − db·q)/b`.
pub(super) fn quotient(row: &mut [f64], ra: &[f64], rb: &[f64], w: usize) {
    for ((blk, pa), pb) in row
        .chunks_exact_mut(w)
        .zip(ra.chunks_exact(w))
        .zip(rb.chunks_exact(w))
    {
        let (va, vb) = (pa[0], pb[0]);
        let q = va / vb;
        blk[0] = q;
        for ((l, &x), &y) in blk[1..].iter_mut().zip(&pa[1..]).zip(&pb[1..]) {
            *l = (x - y * q) / vb;
        }
    }
}
