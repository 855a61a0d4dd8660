//! The load-time validation pass: shapes inferred over the evaluated path with each
//! operator's shape rule (`ops/infer/`), small constant subgraphs folded with the evaluator
//! itself, and every size checked against [`LoadOptions`] — before anything is evaluated.

use super::load::{Const, Graph};
use super::ops::{self, infer::Meta};
use super::options::{Limit, LoadOptions};
use super::tensor::{span_checked, Value};
use super::Error;

/// Constant results up to this many elements are computed at load (shape arithmetic such
/// as Shape → Gather → Concat → Reshape needs their values); larger ones only get a shape.
const FOLD_MAX: usize = 1 << 12;

/// What the pass learns: every value's shape and kind (by value index), and the measures
/// the limits bound.
pub(crate) struct Inferred {
    pub metas: Vec<Option<Meta>>,
    pub footprint: Footprint,
}

/// The measures of [`LoadOptions`] for one model and output: the largest value (elements,
/// zero dimensions counted as 1), all node outputs together, nodes evaluated, longest chain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Footprint {
    pub largest: usize,
    pub total: usize,
    pub nodes: usize,
    pub depth: usize,
}

fn limit(limit: Limit, what: String, needed: usize, max: usize) -> Error {
    Error::Limit {
        limit,
        what,
        needed,
        max,
    }
}

/// Checks the shape of the value `name` against the per-tensor limit. Zero dimensions count
/// as 1: an empty tensor's loops over its other axes still run.
pub(crate) fn check_tensor(
    shape: &[usize],
    name: &str,
    opts: &LoadOptions,
) -> Result<usize, Error> {
    let max = opts.max_tensor_elements;
    let span = span_checked(shape).unwrap_or(usize::MAX);
    if span > max {
        return Err(limit(
            Limit::TensorElements,
            if shape.contains(&0) {
                format!("value '{name}' of shape {shape:?} (empty, but its loops span its other dimensions)")
            } else {
                format!("value '{name}' of shape {shape:?}")
            },
            span,
            max,
        ));
    }
    Ok(if shape.contains(&0) { 0 } else { span })
}

/// Infers every value on `steps` (topological order) from the runtime input `input` of
/// shape `input_shape`.
pub(crate) fn infer(
    g: &Graph,
    steps: &[usize],
    input: usize,
    input_shape: &[usize],
    opts: &LoadOptions,
) -> Result<Inferred, Error> {
    if steps.len() > opts.max_nodes {
        return Err(limit(
            Limit::Nodes,
            "the evaluated path".into(),
            steps.len(),
            opts.max_nodes,
        ));
    }
    let mut metas: Vec<Option<Meta>> = g
        .consts
        .iter()
        .map(|c| c.as_ref().map(Meta::of_const))
        .collect();
    for (id, m) in metas.iter().enumerate() {
        if let Some(m) = m {
            check_tensor(&m.shape, &g.names[id], opts)?;
        }
    }
    check_tensor(input_shape, &g.names[input], opts)?;
    metas[input] = Some(Meta::float(input_shape.to_vec()));
    // the longest chain of nodes ending at each value
    let mut depth = vec![0usize; g.names.len()];
    let mut total = 0usize;
    let mut fp = Footprint {
        largest: span_checked(input_shape).unwrap_or(usize::MAX),
        nodes: steps.len(),
        ..Footprint::default()
    };
    for &ni in steps {
        let node = &g.nodes[ni];
        let opset = g.opset(&node.domain);
        let node_err = |message: String| Error::Node {
            node: node.name.clone(),
            op: node.op.clone(),
            opset,
            message,
        };
        let ins: Vec<Option<&Meta>> = node
            .inputs
            .iter()
            .map(|i| match i {
                None => Ok(None),
                Some(id) => metas[*id].as_ref().map(Some).ok_or_else(|| {
                    node_err(format!(
                        "input '{}' is not produced (its node has fewer outputs)",
                        g.names[*id]
                    ))
                }),
            })
            .collect::<Result<_, _>>()?;
        let d = 1 + node
            .inputs
            .iter()
            .flatten()
            .map(|&id| depth[id])
            .max()
            .unwrap_or(0);
        if d > opts.max_depth {
            return Err(limit(
                Limit::Depth,
                format!("the chain of nodes ending at '{}'", node.name),
                d,
                opts.max_depth,
            ));
        }
        let rule = ops::infer::rule_of(&node.domain, &node.op)
            .ok_or_else(|| node_err("this operator has no load-time shape rule".into()))?;
        let mut outs = rule(node, &ins, opset).map_err(node_err)?;
        let mut sizes = Vec::with_capacity(outs.len());
        for (slot, m) in node.outputs.iter().zip(&outs) {
            if let (Some(id), Some(m)) = (slot, m) {
                let n = check_tensor(&m.shape, &g.names[*id], opts)?;
                total = total.saturating_add(n);
                fp.largest = fp.largest.max(span_checked(&m.shape).unwrap_or(usize::MAX));
                sizes.push(n);
            }
        }
        if total > opts.max_total_elements {
            return Err(limit(
                Limit::TotalElements,
                format!("the values up to node '{}'", node.name),
                total,
                opts.max_total_elements,
            ));
        }
        fp.depth = fp.depth.max(d);
        fold(node, &ins, opset, &mut outs, &sizes).map_err(node_err)?;
        for (slot, m) in node.outputs.iter().zip(outs) {
            if let (Some(id), Some(m)) = (slot, m) {
                depth[*id] = d;
                metas[*id] = Some(m);
            }
        }
    }
    fp.total = total;
    Ok(Inferred {
        metas,
        footprint: fp,
    })
}

/// Computes a node's outputs at load when all its inputs are known constants and its
/// outputs are small, with the evaluator's own operator; checks the rule's shapes against it.
fn fold(
    node: &super::load::Node,
    ins: &[Option<&Meta>],
    opset: i64,
    outs: &mut [Option<Meta>],
    sizes: &[usize],
) -> Result<(), String> {
    let all_known = ins.iter().flatten().all(|m| m.value.is_some());
    let small = sizes.iter().all(|&n| n <= FOLD_MAX)
        && ins
            .iter()
            .flatten()
            .all(|m| span_checked(&m.shape).is_some_and(|n| n <= FOLD_MAX));
    if !all_known || !small || outs.iter().flatten().all(|m| m.value.is_some()) {
        return Ok(());
    }
    let vals: Vec<Option<Value<f64>>> = ins.iter().map(|m| m.and_then(Meta::as_value)).collect();
    let refs: Vec<Option<&Value<f64>>> = vals.iter().map(Option::as_ref).collect();
    let got = ops::run::<f64>(node, &refs, opset)?;
    for (m, v) in outs.iter_mut().zip(got) {
        let (Some(m), Some(v)) = (m, v) else { continue };
        if m.shape != v.shape() || m.int != v.is_int() {
            return Err(format!(
                "internal: the shape rule gives {:?} (integer: {}), the operator {:?} (integer: {})",
                m.shape,
                m.int,
                v.shape(),
                v.is_int()
            ));
        }
        m.value = match v {
            Value::Float(t) => Some(Const::Float(t)),
            Value::Int(t) => Some(Const::Int(t)),
            Value::Act(_) => None,
        };
    }
    Ok(())
}
