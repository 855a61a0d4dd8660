//! What one evaluation of a loaded model costs, estimated at load from the inferred shapes:
//! the most elements live at once (values, plus one node's scratch such as Conv's im2col
//! matrix) and the scalar operations of one pass. Each call multiplies them by its scalar —
//! 8 bytes and 1 component for f64, 16 and 2 for `Dual`, 72 and 9 for a Jacobian chunk
//! `DualN<f64, 8>`, `8·(1 + lanes)` on the tangent route — and checks the result against
//! [`LoadOptions::max_eval_bytes`](super::LoadOptions::max_eval_bytes) and
//! [`LoadOptions::max_work`](super::LoadOptions::max_work) *before* allocating, so a file
//! within the element limits cannot make `forward`, `jvp` or `jacobian` exceed them.

use super::load::{Graph, Node};
use super::tensor::span_checked;

/// The per-pass measures of one model and output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Cost {
    /// Most elements held at once by one evaluation through the generic evaluator: live
    /// values (the runtime input's copy included) and the largest node's outputs and scratch.
    pub peak: usize,
    /// Scalar operations of one pass, per component: each node's input and output elements,
    /// times the reduction length for products, convolutions, pools and recurrences, plus
    /// the elements a node gathers into scratch (Conv's im2col).
    pub work: usize,
}

/// Elements a shape's loops run over (zero dimensions counted as 1, as the limits count
/// them); a shape not known at load counts nothing here (its allocation is checked when it
/// is made).
fn span(shape: Option<&[usize]>) -> usize {
    shape.map_or(0, |s| span_checked(s).unwrap_or(usize::MAX))
}

/// Elements a value holds.
fn numel(shape: Option<&[usize]>) -> usize {
    match shape {
        Some(s) if s.contains(&0) => 0,
        s => span(s),
    }
}

fn product(xs: &[usize]) -> usize {
    xs.iter()
        .try_fold(1usize, |a, &d| a.checked_mul(d.max(1)))
        .unwrap_or(usize::MAX)
}

/// `(work, scratch)` of one node: scalar operations, and elements it allocates beyond its
/// outputs while it runs.
fn node_cost(node: &Node, ins: &[Option<&[usize]>], outs: &[Option<&[usize]>]) -> (usize, usize) {
    let sum = |xs: &[Option<&[usize]>]| xs.iter().fold(0usize, |a, s| a.saturating_add(span(*s)));
    let base = sum(ins).saturating_add(sum(outs));
    let x = ins.first().copied().flatten().unwrap_or(&[]);
    let w = ins.get(1).copied().flatten().unwrap_or(&[]);
    let y = outs.first().copied().flatten().unwrap_or(&[]);
    let out = span(Some(y));
    let times = |k: usize| out.saturating_mul(k.max(1)).saturating_add(base);
    match node.op.as_str() {
        // y[N, M, L] = W[M, C/G·K] · im2col (C/G·K × L), one image and group at a time: the
        // products, and the gather that writes every image's N·C·K·L im2col elements (as
        // many as the products when M/G = 1); scratch: one image and group's im2col and the
        // K·L gather table (16-byte entries, 2 elements)
        "Conv" => {
            let ck = product(w.get(1..).unwrap_or(&[]));
            let k = product(w.get(2..).unwrap_or(&[]));
            let l = product(y.get(2..).unwrap_or(&[]));
            let gather = product(x.get(..2).unwrap_or(&[]))
                .saturating_mul(k)
                .saturating_mul(l);
            (
                times(ck).saturating_add(gather),
                ck.saturating_add(2usize.saturating_mul(k))
                    .saturating_mul(l),
            )
        }
        // every input element scatters into M/G·K outputs
        "ConvTranspose" => {
            let k = product(w.get(1..).unwrap_or(&[]));
            (span(Some(x)).saturating_mul(k).saturating_add(base), out)
        }
        "MatMul" => (times(x.last().copied().unwrap_or(1)), out),
        "Gemm" => {
            let k = match (x, node.int("transA", 0) != 0) {
                ([k, _], true) | ([_, k], false) => *k,
                _ => 1,
            };
            (times(k), out)
        }
        // the product of every index's extent is at most the output's times the largest input
        "Einsum" => (times(ins.iter().map(|s| span(*s)).max().unwrap_or(1)), out),
        "MaxPool" | "AveragePool" | "LpPool" => {
            let k = node.ints("kernel_shape").map_or(1, |k| {
                product(&k.iter().map(|&v| v.max(1) as usize).collect::<Vec<_>>())
            });
            (times(k), out)
        }
        // every time step and batch row multiplies the gates' W and R
        "RNN" | "GRU" | "LSTM" => {
            let rows = span(Some(x)) / x.last().copied().unwrap_or(1).max(1);
            let weights = span(Some(w)).saturating_add(span(ins.get(2).copied().flatten()));
            (rows.saturating_mul(weights).saturating_add(base), out)
        }
        // up to 4 taps (cubic) per axis
        "Resize" => {
            let taps = 4usize.checked_pow(y.len() as u32).unwrap_or(usize::MAX);
            (times(taps), out)
        }
        "TopK" => (times(64), out),
        _ => (base, out),
    }
}

/// The cost of evaluating `steps` (topological order, `drops[k]` the values that die after
/// step `k`) from the runtime input `input` to `output`, with every value's inferred shape.
pub(crate) fn cost(
    g: &Graph,
    steps: &[usize],
    drops: &[Vec<usize>],
    shapes: &[Option<Vec<usize>>],
    input: usize,
    output: usize,
) -> Cost {
    let shape = |id: usize| shapes.get(id).and_then(|s| s.as_deref());
    let mut live = vec![0usize; g.names.len()];
    live[input] = numel(shape(input));
    let mut held = live[input];
    let mut c = Cost {
        peak: held,
        work: 0,
    };
    for (k, &ni) in steps.iter().enumerate() {
        let node = &g.nodes[ni];
        let ins: Vec<Option<&[usize]>> = node.inputs.iter().map(|i| i.and_then(shape)).collect();
        let outs: Vec<Option<&[usize]>> = node.outputs.iter().map(|o| o.and_then(shape)).collect();
        let (work, scratch) = node_cost(node, &ins, &outs);
        c.work = c.work.saturating_add(work);
        let made = outs.iter().fold(0usize, |a, s| a.saturating_add(numel(*s)));
        c.peak = c
            .peak
            .max(held.saturating_add(made).saturating_add(scratch));
        for (slot, s) in node.outputs.iter().zip(&outs) {
            if let Some(id) = slot {
                if g.consts[*id].is_none() {
                    live[*id] = numel(*s);
                    held = held.saturating_add(live[*id]);
                }
            }
        }
        for &id in drops.get(k).map_or(&[][..], |d| d.as_slice()) {
            if id != output {
                held -= std::mem::take(&mut live[id]).min(held);
            }
        }
    }
    c
}

/// Bytes and operations of one call, against the budget of `LoadOptions`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Need {
    pub bytes: usize,
    pub work: usize,
}

impl Cost {
    /// One generic evaluation with scalars of `elem` bytes (`elem / 8` f64 components),
    /// `extra` bytes of results besides, repeated `passes` times.
    pub(crate) fn generic(&self, n: usize, elem: usize, extra: usize, passes: usize) -> Need {
        Need {
            bytes: self
                .peak
                .saturating_add(n)
                .saturating_mul(elem)
                .saturating_add(extra),
            work: self
                .work
                .saturating_mul((elem / 8).max(1))
                .saturating_mul(passes.max(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::onnx::model::Call;
    use crate::onnx::{LoadOptions, Model};
    use std::path::{Path, PathBuf};

    /// The `.onnx` files of the shipped fixtures and of `../shared` (real models, fixtures,
    /// conformance cases).
    fn known_models() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut dirs = vec![root.join("tests/data/onnx")];
        let shared = std::env::var_os("NNGRAD_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared"));
        for d in [
            "real-models",
            "fixtures",
            "onnx-conformance",
            "onnx-conformance-2",
        ] {
            dirs.push(shared.join(d));
        }
        let mut files = Vec::new();
        for d in dirs {
            let Ok(rd) = std::fs::read_dir(&d) else {
                continue;
            };
            for e in rd.flatten() {
                let Ok(inner) = std::fs::read_dir(e.path()) else {
                    continue;
                };
                files.extend(
                    inner
                        .flatten()
                        .map(|f| f.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "onnx")),
                );
            }
        }
        files.sort();
        files
    }

    /// The largest need of any known model on every measure the limits bound, printed (so
    /// the defaults can be re-derived when models are added, and quoted in the docs of
    /// `LoadOptions::default`), and the margin of the defaults over it: 10× on one tensor,
    /// 5× on all values, 100× on nodes and depth; every known model's forward, jvp and
    /// (where a test computes it) full Jacobian within the bytes budget twice over and the
    /// operations budget 1.5 times over.
    #[test]
    fn default_limits_admit_every_known_model() {
        let files = known_models();
        assert!(files.len() > 500, "only {} models found", files.len());
        let names = [
            "largest tensor",
            "total elements",
            "nodes",
            "depth",
            "forward bytes",
            "forward work",
            "jvp bytes",
            "jvp work",
            "jacobian bytes",
            "jacobian work",
        ];
        let mut max = [0usize; 10];
        let mut which = [""; 10].map(String::from);
        let mut loaded = 0;
        for f in &files {
            let Ok(m) = Model::load(f) else { continue };
            loaded += 1;
            let mut outs: Vec<Model> = vec![m.clone()];
            outs.extend(
                m.output_names()
                    .iter()
                    .filter_map(|n| m.with_output(n).ok()),
            );
            for m in outs {
                let fp = m.footprint();
                let mut got = vec![fp.largest, fp.total, fp.nodes, fp.depth];
                for call in [Call::Forward, Call::Jvp, Call::Jacobian] {
                    let (_, _, need) = m.plan_call(call);
                    // full Jacobians where a test computes them: the conformance runner's
                    // rule (at most 512 inputs and 200 000 entries), which every full
                    // Jacobian of the real-model and fixture tests meets
                    let (n, o) = (m.input_len(), m.output_len());
                    let skip = (m.output_is_integer() && call != Call::Forward)
                        || (call == Call::Jacobian && (n > 512 || n * o > 200_000));
                    got.extend(if skip {
                        [0, 0]
                    } else {
                        [need.bytes, need.work]
                    });
                }
                for (k, &b) in got.iter().enumerate() {
                    if b > max[k] {
                        max[k] = b;
                        which[k] = f.display().to_string();
                    }
                }
            }
        }
        eprintln!(
            "{loaded} of {} known models loaded; the largest needs:",
            files.len()
        );
        for k in 0..10 {
            eprintln!("  {:>15}: {:>12} ({})", names[k], max[k], which[k]);
        }
        let d = LoadOptions::default();
        assert!(d.max_tensor_elements >= 10 * max[0], "{max:?}");
        assert!(d.max_total_elements >= 5 * max[1], "{max:?}");
        assert!(d.max_nodes >= 100 * max[2], "{max:?}");
        assert!(d.max_depth >= 100 * max[3], "{max:?}");
        // 1.5× for both per-call budgets: facegate's jvp on the tangent route, which keeps
        // every tensor of the call (163 MB; the generic evaluator's live set was 109 MB)
        for k in [4, 6, 8] {
            assert!(d.max_eval_bytes >= 3 * max[k] / 2, "{}: {max:?}", names[k]);
        }
        for k in [5, 7, 9] {
            assert!(d.max_work >= 3 * max[k] / 2, "{}: {max:?}", names[k]);
        }
    }
}
