//! Einsum: the contraction its equation names (explicit `->` output or the implicit one:
//! the labels used once, in alphabetical order), with `...` broadcasting, repeated labels
//! within an operand (diagonals) and full reductions (`->`). Sums of products, so the
//! derivative is the same contraction of the operands' derivatives.

use super::{Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, strides, Tensor, Value};
use crate::Scalar;

/// The ellipsis' labels: characters no equation uses as a label.
fn ellipsis_labels(n: usize) -> Vec<char> {
    (0..n)
        .map(|i| char::from_u32(0x100 + i as u32).unwrap_or('?'))
        .collect()
}

/// One operand's (or the output's) labels with `...` expanded to the trailing ellipsis
/// labels of `rank` dims.
fn expand(term: &str, rank: Option<usize>, ell_rank: usize) -> Result<Vec<char>, String> {
    let term = term.trim();
    let named = term
        .replace("...", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .count();
    let mut out = Vec::new();
    if let Some((a, b)) = term.split_once("...") {
        let n = match rank {
            Some(r) => r.checked_sub(named).ok_or_else(|| {
                format!("term '{term}' has more labels than its operand's rank {r}")
            })?,
            None => ell_rank,
        };
        let labels = ellipsis_labels(ell_rank);
        out.extend(a.chars().filter(|c| c.is_ascii_alphabetic()));
        out.extend_from_slice(&labels[ell_rank - n..]);
        out.extend(b.chars().filter(|c| c.is_ascii_alphabetic()));
    } else {
        out.extend(term.chars().filter(|c| c.is_ascii_alphabetic()));
        if let Some(r) = rank {
            if out.len() != r {
                return Err(format!(
                    "term '{term}' has {} labels, its operand rank {r}",
                    out.len()
                ));
            }
        }
    }
    Ok(out)
}

pub(crate) fn einsum<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let eq = node.string("equation", "");
    let ops: Vec<&Value<S>> = ins.iter().flatten().copied().collect();
    let (lhs, rhs) = match eq.split_once("->") {
        Some((l, r)) => (l, Some(r)),
        None => (eq.as_str(), None),
    };
    let terms: Vec<&str> = lhs.split(',').collect();
    if terms.len() != ops.len() {
        return Err(format!(
            "equation '{eq}' names {} operands, got {}",
            terms.len(),
            ops.len()
        ));
    }
    let named = |t: &str| {
        t.replace("...", "")
            .chars()
            .filter(|c| c.is_ascii_alphabetic())
            .count()
    };
    let ell_rank = terms
        .iter()
        .zip(&ops)
        .filter(|(t, _)| t.contains("..."))
        .map(|(t, v)| v.shape().len().saturating_sub(named(t)))
        .max()
        .unwrap_or(0);
    let labels: Vec<Vec<char>> = terms
        .iter()
        .zip(&ops)
        .map(|(t, v)| expand(t, Some(v.shape().len()), ell_rank))
        .collect::<Result<_, _>>()?;
    let ell = ellipsis_labels(ell_rank);
    let out_labels: Vec<char> = match rhs {
        Some(r) => expand(r, None, ell_rank)?,
        None => {
            let mut once: Vec<char> = labels
                .iter()
                .flatten()
                .copied()
                .filter(|c| c.is_ascii_alphabetic())
                .filter(|c| labels.iter().flatten().filter(|d| *d == c).count() == 1)
                .collect();
            once.sort_unstable();
            let mut o = ell.clone();
            o.extend(once);
            o
        }
    };
    // every label's extent (an ellipsis dim of 1 broadcasts)
    let mut all: Vec<char> = out_labels.clone();
    for l in labels.iter().flatten() {
        if !all.contains(l) {
            all.push(*l);
        }
    }
    let mut size = vec![1usize; all.len()];
    let mut set = vec![false; all.len()];
    for (ls, v) in labels.iter().zip(&ops) {
        for (l, &d) in ls.iter().zip(v.shape()) {
            let k = all.iter().position(|c| c == l).unwrap();
            if !set[k] || size[k] == 1 {
                size[k] = d;
                set[k] = true;
            } else if d != size[k] && !(d == 1 && ell.contains(l)) {
                return Err(format!("label '{l}' has extents {} and {d}", size[k]));
            }
        }
    }
    let out_shape: Vec<usize> = out_labels
        .iter()
        .map(|l| size[all.iter().position(|c| c == l).unwrap()])
        .collect();
    let n_out = numel_checked(&out_shape, std::mem::size_of::<S>())?;
    numel_checked(&size, 1)?;
    // per operand, the stride of each label (0 where the operand broadcasts it)
    let op_strides: Vec<Vec<usize>> = labels
        .iter()
        .zip(&ops)
        .map(|(ls, v)| {
            let st = strides(v.shape());
            all.iter()
                .map(|c| {
                    ls.iter()
                        .enumerate()
                        .filter(|(_, l)| *l == c)
                        .map(|(i, _)| if v.shape()[i] == 1 { 0 } else { st[i] })
                        .sum()
                })
                .collect()
        })
        .collect();
    let out_st = strides(&out_shape);
    let out_strides: Vec<usize> = all
        .iter()
        .map(|c| {
            out_labels
                .iter()
                .position(|l| l == c)
                .map_or(0, |i| out_st[i])
        })
        .collect();
    let acts: Vec<Tensor<S>> = ops
        .iter()
        .map(|v| v.to_act("an Einsum operand"))
        .collect::<Result<_, _>>()?;
    let mut out = vec![S::cst(0.0); n_out];
    let total: usize = size.iter().product();
    let mut idx = vec![0usize; all.len()];
    for _ in 0..total {
        let mut p = S::cst(1.0);
        for (t, st) in acts.iter().zip(&op_strides) {
            let off: usize = idx.iter().zip(st).map(|(i, s)| i * s).sum();
            p = if acts.len() == 1 {
                t.data[off]
            } else {
                p * t.data[off]
            };
        }
        let o: usize = idx.iter().zip(&out_strides).map(|(i, s)| i * s).sum();
        out[o] += p;
        for k in (0..all.len()).rev() {
            idx[k] += 1;
            if idx[k] < size[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    let t = Tensor::new(out_shape, out);
    Ok(vec![Some(
        if ops.iter().all(|v| !matches!(v, Value::Act(_))) {
            Value::float(t.map(|v| v.value()))
        } else {
            Value::Act(t)
        },
    )])
}
