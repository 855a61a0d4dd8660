//! ReduceSum and ReduceMean of an activation on the tangent route: whole `[value | lanes]`
//! rows added together, in the order the generic operator adds them (`for_each_reduced`:
//! the input in row-major order, each output starting from its first element rather than
//! from 0, so a lone −0 stays −0), then, for the mean, divided by the count (the dual
//! numbers' `v / count` divides the value and every lane). The sums are the generic
//! operator's bit for bit.

use super::Step;
use crate::onnx::load::Node;
use crate::onnx::ops::reduce::{for_each_reduced, reduced_axes};
use crate::onnx::tensor::{Tensor, Value};

/// `out[t] = Σ x[i]` over the input elements `i` with `to[i] = t` (and `/ count` for the
/// mean).
pub(super) struct Reduce {
    pub(super) x: usize,
    pub(super) out: usize,
    /// Each input element's output element, the input in row-major order.
    to: Vec<usize>,
    /// Whether input element `i` is the first one folded into its output (copied, not added).
    first: Vec<bool>,
    /// ReduceMean: how many elements fold into each output.
    count: Option<f64>,
    /// No element folds into any output (a reduced axis of extent 0): every output is the
    /// empty-set value as a constant (0 for the sum, NaN for the mean), zero lanes.
    empty: bool,
}

/// The step for ReduceSum or ReduceMean (`zero`: the output at the zero input), or `None`
/// for a case not covered (the axes an activation, another reduction). The generic
/// operator has run at the zero input, so the inputs fit the opset and the axes are valid.
pub(super) fn build(
    node: &Node,
    vals: &[Option<Value<f64>>],
    acts: &[Option<(usize, bool)>],
    zero: &Tensor<f64>,
    out: usize,
) -> Option<Step> {
    let mean = match node.op.as_str() {
        "ReduceSum" => false,
        "ReduceMean" => true,
        _ => return None,
    };
    let (x, _) = acts.first().copied().flatten()?;
    if acts[1..].iter().any(Option::is_some) {
        return None;
    }
    let shape = vals.first()?.as_ref()?.shape();
    // the generic operator's reading of the axes (`ops::reduce::reduce`)
    let axes = match vals.get(1).and_then(Option::as_ref) {
        Some(a) => a.int_values("axes").ok()?,
        None => node.ints("axes").map(<[i64]>::to_vec).unwrap_or_default(),
    };
    let len: usize = shape.iter().product();
    let Some(reduced) = reduced_axes(node, shape.len(), &axes).ok()? else {
        // `noop_with_empty_axes` and no axes: the input itself.
        return (zero.len() == len).then(|| Step::Gather {
            x,
            out,
            idx: (0..len).collect(),
        });
    };
    let mut to = Vec::with_capacity(len);
    for_each_reduced(shape, &reduced, |_, o| to.push(o));
    let mut seen = vec![false; zero.len()];
    let mut first = Vec::with_capacity(len);
    for &t in &to {
        first.push(!*seen.get(t)?);
        seen[t] = true;
    }
    let count: usize = shape
        .iter()
        .zip(&reduced)
        .filter(|(_, &r)| r)
        .map(|(&d, _)| d)
        .product();
    Some(Step::Reduce(Reduce {
        x,
        out,
        to,
        first,
        count: mean.then_some(count as f64),
        empty: count == 0,
    }))
}

impl Reduce {
    /// Runs on rows of `cols = points·w` components.
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], cols: usize, w: usize) {
        let mut o = std::mem::take(&mut bufs[self.out]);
        if self.empty {
            let value = if self.count.is_some() { f64::NAN } else { 0.0 };
            for blk in o.chunks_exact_mut(w) {
                blk[0] = value;
                blk[1..].fill(0.0);
            }
            bufs[self.out] = o;
            return;
        }
        let src = &bufs[self.x];
        for ((&t, &first), row) in self.to.iter().zip(&self.first).zip(src.chunks_exact(cols)) {
            let dst = &mut o[t * cols..(t + 1) * cols];
            if first {
                dst.copy_from_slice(row);
            } else {
                for (d, &s) in dst.iter_mut().zip(row) {
                    *d += s;
                }
            }
        }
        if let Some(c) = self.count {
            for v in &mut o {
                *v /= c;
            }
        }
        bufs[self.out] = o;
    }
}
