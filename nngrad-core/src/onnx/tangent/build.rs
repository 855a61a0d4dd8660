//! From the graph to a [`Plan`]: each node on the path to the output becomes a [`Step`] over
//! numbered buffers, or the whole plan is abandoned.
//!
//! Shapes come from running each node once through the generic operators at a zero input
//! (the same code, hence the same shape rules and the same errors, as every call of the
//! generic evaluator); nodes that read constants only are folded to constants that way.

use super::power::Pow;
use super::product::Product;
use super::select::Kind;
use super::spatial::{Conv, Pool, Softmax};
use super::{BinOp, Plan, Step};
use crate::onnx::load::{Const, Graph, Node};
use crate::onnx::ops::{self, elementwise::Unary};
use crate::onnx::tensor::{expand_to, for_each_broadcast, Tensor, Value};
use std::sync::Mutex;

/// What is known about a value while the plan is built.
enum Known {
    /// An activation in buffer `buf`; `seed`: it is the runtime input, untouched (maybe
    /// reshaped), so its Jacobian lanes are the identity; `zero`: its value at a zero input,
    /// which gives the shapes of the nodes that read it.
    Act {
        buf: usize,
        seed: bool,
        zero: Tensor<f64>,
    },
    /// A mask or a flat value (`select.rs`) in buffer `buf`: not an activation, so it
    /// reaches only the steps [`piece`] allows; `zero`: the generic operators' value at a
    /// zero input (a bool tensor for a mask, floats for a flat value).
    Piece {
        buf: usize,
        kind: Kind,
        zero: Value<f64>,
    },
    /// A constant (an initializer, or computed from constants only).
    Const(Value<f64>),
}

fn const_value(c: &Const) -> Value<f64> {
    match c {
        Const::Float(t) => Value::Float(t.clone()),
        Const::Int(t) => Value::Int(t.clone()),
    }
}

/// Operators that pass their first input's data through unchanged (a new shape at most).
/// Cast is one when it casts to a float type (the model is evaluated in f64, so the generic
/// operator returns its input as it is); a cast to an integer type gives no activation at
/// the zero input, which abandons the plan below.
fn is_alias(op: &str) -> bool {
    matches!(
        op,
        "Identity" | "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze" | "Dropout" | "Cast"
    )
}

/// Operators whose outputs are constants even when an input is an activation (they read
/// its shape only), or whose extra outputs are (Dropout's mask).
fn shape_only(op: &str) -> bool {
    matches!(op, "Shape" | "Size" | "Dropout")
}

/// A float constant's values, integers widened as the generic operators widen them.
pub(super) fn floats(v: &Value<f64>) -> Option<Tensor<f64>> {
    match v {
        Value::Float(t) => Some((**t).clone()),
        Value::Int(t) => Some(t.map(|x| x as f64)),
        Value::Act(_) => None,
    }
}

pub(super) fn build(
    g: &Graph,
    steps: &[usize],
    input: usize,
    input_shape: &[usize],
    output: usize,
) -> Option<Plan> {
    let n = input_shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))?;
    let mut known: Vec<Option<Known>> = (0..g.names.len()).map(|_| None).collect();
    known[input] = Some(Known::Act {
        buf: 0,
        seed: true,
        zero: Tensor::new(input_shape.to_vec(), vec![0.0; n]),
    });
    let mut sizes = vec![n];
    let mut plan: Vec<Step> = Vec::new();
    for &ni in steps {
        let node = &g.nodes[ni];
        let opset = g.opset(&node.domain);
        let mut vals: Vec<Option<Value<f64>>> = Vec::with_capacity(node.inputs.len());
        let mut acts: Vec<Option<(usize, bool)>> = Vec::with_capacity(node.inputs.len());
        // each input's buffer, any kind, and the kinds of those that are not activations
        let mut bufs_in: Vec<Option<usize>> = Vec::with_capacity(node.inputs.len());
        let mut kinds: Vec<Option<Kind>> = Vec::with_capacity(node.inputs.len());
        for i in &node.inputs {
            let Some(id) = *i else {
                vals.push(None);
                acts.push(None);
                bufs_in.push(None);
                kinds.push(None);
                continue;
            };
            let (v, act, buf, kind) = match (&g.consts[id], &known[id]) {
                (Some(c), _) if id != input => (const_value(c), None, None, None),
                (_, Some(Known::Act { buf, seed, zero })) => (
                    Value::Act(zero.clone()),
                    Some((*buf, *seed)),
                    Some(*buf),
                    None,
                ),
                (_, Some(Known::Piece { buf, kind, zero })) => {
                    (zero.clone(), None, Some(*buf), Some(*kind))
                }
                (_, Some(Known::Const(v))) => (v.clone(), None, None, None),
                // A value the generic evaluator would not have either: it reports the error.
                _ => return None,
            };
            vals.push(Some(v));
            acts.push(act);
            bufs_in.push(buf);
            kinds.push(kind);
        }
        let ins: Vec<Option<&Value<f64>>> = vals.iter().map(Option::as_ref).collect();
        let outs = ops::run(node, &ins, opset).ok()?;
        let reads_piece = kinds.iter().any(Option::is_some);
        if reads_piece
            || (acts.iter().any(Option::is_some)
                && (super::select::is_test(node) || node.op == "Where"))
        {
            // one output, the first, for every operator here
            let mut outs = outs.into_iter();
            let (first, out0) = (
                outs.next().flatten(),
                node.outputs.first().copied().flatten(),
            );
            if outs.any(|v| v.is_some()) || node.outputs.iter().skip(1).any(Option::is_some) {
                return None;
            }
            let (Some(id), Some(first)) = (out0, first) else {
                return None;
            };
            known[id] = Some(piece(
                node, opset, &vals, &acts, &bufs_in, &kinds, first, &mut sizes, &mut plan,
            )?);
            continue;
        }
        if acts.iter().all(Option::is_none) {
            for (slot, v) in node.outputs.iter().zip(outs) {
                if let (Some(id), Some(v)) = (slot, v) {
                    let v = match v {
                        Value::Act(t) => Value::float(t),
                        v => v,
                    };
                    known[*id] = Some(Known::Const(v));
                }
            }
            continue;
        }
        let mut outs = outs.into_iter();
        let first = outs.next().flatten();
        let out0 = node.outputs.first().copied().flatten();
        if is_alias(&node.op) {
            let (Some((buf, seed)), Some(Value::Act(zero)), Some(id)) = (acts[0], first, out0)
            else {
                return None;
            };
            if zero.len() != sizes[buf] || acts[1..].iter().any(Option::is_some) {
                return None;
            }
            known[id] = Some(Known::Act { buf, seed, zero });
        } else if shape_only(&node.op) {
            let (Some(id), Some(v)) = (out0, first) else {
                return None;
            };
            if matches!(v, Value::Act(_)) {
                return None;
            }
            known[id] = Some(Known::Const(v));
        } else {
            // One buffer per activation output the graph names; the step must write each.
            let all: Vec<Option<Value<f64>>> =
                std::iter::once(first).chain(outs.by_ref()).collect();
            let mut bufs = Vec::with_capacity(all.len());
            let mut zeros = Vec::new();
            for (i, v) in all.into_iter().enumerate() {
                let slot = node.outputs.get(i).copied().flatten();
                match (slot, v) {
                    (Some(id), Some(Value::Act(zero))) => {
                        bufs.push(Some(sizes.len()));
                        sizes.push(zero.len());
                        zeros.push((id, zero));
                    }
                    (None, _) | (_, None) => bufs.push(None),
                    // a constant output of a node that reads an activation
                    (Some(_), Some(_)) => return None,
                }
            }
            let st = step(node, opset, &vals, &acts, &bufs, &zeros, &mut sizes)?;
            let writes = st.writes();
            if !bufs.iter().flatten().all(|b| writes.contains(b)) {
                return None;
            }
            plan.push(st);
            for ((id, zero), buf) in zeros.into_iter().zip(bufs.into_iter().flatten()) {
                known[id] = Some(Known::Act {
                    buf,
                    seed: false,
                    zero,
                });
            }
        }
        // Further outputs: constants only (Dropout's mask); anything else is not covered.
        for (slot, v) in node.outputs.iter().skip(1).zip(outs) {
            if let (Some(id), Some(v)) = (slot, v) {
                if matches!(v, Value::Act(_)) || !shape_only(&node.op) {
                    return None;
                }
                known[*id] = Some(Known::Const(v));
            }
        }
    }
    let Some(Known::Act { buf: out_buf, .. }) = &known[output] else {
        return None;
    };
    let out_buf = *out_buf;
    let m = sizes[out_buf];
    let (plan, sizes, out_buf) = in_place(plan, sizes, out_buf);
    let chain = super::chain::chain(&plan, 0, n, out_buf);
    Some(Plan {
        steps: plan,
        sizes,
        input: 0,
        n,
        output: out_buf,
        m,
        pool: Mutex::new(Vec::new()),
        chain,
        dense_pool: Mutex::new(Vec::new()),
    })
}

/// What a node gives that reads a mask or a flat value (`select.rs`), or that compares or
/// selects with an activation, its step (if any) added to `plan`; `first`: its output at
/// the zero input. A mask or a flat value reaches the comparisons, `Where`, the aliases,
/// Expand, Shape and Size, and a flat value Add/Sub with an activation; anything else is
/// not covered (`None`), so neither is ever read as an activation.
#[allow(clippy::too_many_arguments)]
fn piece(
    node: &Node,
    opset: i64,
    vals: &[Option<Value<f64>>],
    acts: &[Option<(usize, bool)>],
    bufs: &[Option<usize>],
    kinds: &[Option<Kind>],
    first: Value<f64>,
    sizes: &mut Vec<usize>,
    plan: &mut Vec<Step>,
) -> Option<Known> {
    let kind_of = |i: usize| kinds.get(i).copied().flatten();
    let fresh = |sizes: &mut Vec<usize>, len: usize| {
        sizes.push(len);
        sizes.len() - 1
    };
    // The kind of a mask or flat value passed on: a mask stays one as integers (a Cast to
    // bool or an integer type keeps 0/1), becomes flat as floats (a Cast to a float type:
    // 0.0/1.0, no derivative); a flat value stays flat as floats only.
    let passed = |k: Kind, v: &Value<f64>| match (k, v) {
        (Kind::Mask, Value::Int(_)) => Some(Kind::Mask),
        (_, Value::Float(_)) => Some(Kind::Flat),
        _ => None,
    };
    if super::select::is_test(node) {
        let out = fresh(sizes, super::select::len(&first));
        plan.push(Step::Compare(super::select::compare(
            node, vals, bufs, &first, out,
        )?));
        return Some(Known::Piece {
            buf: out,
            kind: Kind::Mask,
            zero: first,
        });
    }
    let lone = |i: usize| {
        acts.iter().all(Option::is_none)
            && kinds
                .iter()
                .enumerate()
                .all(|(j, k)| (j == i) == k.is_some())
    };
    match node.op.as_str() {
        "Where" => {
            // Mask branches would select integers: not covered.
            if kind_of(1) == Some(Kind::Mask) || kind_of(2) == Some(Kind::Mask) {
                return None;
            }
            let out = fresh(sizes, super::select::len(&first));
            plan.push(Step::Where(super::select::select(vals, bufs, &first, out)?));
            match first {
                Value::Act(zero) => Some(Known::Act {
                    buf: out,
                    seed: false,
                    zero,
                }),
                Value::Float(_) => Some(Known::Piece {
                    buf: out,
                    kind: Kind::Flat,
                    zero: first,
                }),
                Value::Int(_) => None,
            }
        }
        "Identity" | "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze" | "Cast" if lone(0) => {
            let (buf, kind) = (bufs[0]?, passed(kind_of(0)?, &first)?);
            (super::select::len(&first) == sizes[buf]).then_some(Known::Piece {
                buf,
                kind,
                zero: first,
            })
        }
        "Expand" if lone(0) => {
            let (x, kind) = (bufs[0]?, kind_of(0)?);
            if passed(kind, &first) != Some(kind) {
                return None;
            }
            let shape = vals[0].as_ref()?.shape();
            let index = Tensor::new(shape.to_vec(), (0..shape.iter().product()).collect());
            let idx = expand_to(&index, first.shape()).ok()?.data;
            if idx.len() != super::select::len(&first) {
                return None;
            }
            let out = fresh(sizes, super::select::len(&first));
            plan.push(Step::Gather { x, out, idx });
            Some(Known::Piece {
                buf: out,
                kind,
                zero: first,
            })
        }
        "Shape" | "Size" => (!matches!(first, Value::Act(_))).then_some(Known::Const(first)),
        // An activation plus or minus a flat value: its lanes pass as they are (± 0).
        "Add" | "Sub" if !(opset < 7 && node.int("broadcast", 0) != 0) => {
            let flat = |i: usize| kind_of(i) == Some(Kind::Flat);
            let act = |i: usize| acts.get(i).copied().flatten();
            let (a, b) = match (act(0), act(1)) {
                (Some((a, _)), None) if flat(1) => (a, bufs[1]?),
                (None, Some((b, _))) if flat(0) => (bufs[0]?, b),
                _ => return None,
            };
            let Value::Act(zero) = first else {
                return None;
            };
            let (mut ia, mut ib) = (Vec::new(), Vec::new());
            for_each_broadcast(
                vals[0].as_ref()?.shape(),
                vals[1].as_ref()?.shape(),
                &zero.shape,
                |i, j| {
                    ia.push(i);
                    ib.push(j);
                },
            );
            if ia.len() != zero.len() {
                return None;
            }
            let out = fresh(sizes, zero.len());
            plan.push(Step::Binary {
                a,
                b,
                out,
                ia,
                ib,
                op: if node.op == "Add" {
                    BinOp::Add
                } else {
                    BinOp::Sub
                },
            });
            Some(Known::Act {
                buf: out,
                seed: false,
                zero,
            })
        }
        _ => None,
    }
}

/// The step for a node with at least one activation input whose output `i`, where it is an
/// activation the graph names, goes to buffer `outs[i]` (`zeros`: those outputs' ids and
/// values at the zero input, in order). Recurrent layers write several outputs; every other
/// operator writes its first.
fn step(
    node: &Node,
    opset: i64,
    vals: &[Option<Value<f64>>],
    acts: &[Option<(usize, bool)>],
    outs: &[Option<usize>],
    zeros: &[(usize, Tensor<f64>)],
    sizes: &mut Vec<usize>,
) -> Option<Step> {
    if matches!(node.op.as_str(), "RNN" | "GRU" | "LSTM") {
        return super::recurrent::build(node, vals, acts, outs, sizes);
    }
    let (out, (_, zero)) = (outs.first().copied().flatten()?, zeros.first()?);
    single(node, opset, vals, acts, zero, out, sizes)
}

/// The step for a node of one output (at the zero input `zero`), written to buffer `out`;
/// a step that needs scratch rows adds a buffer to `sizes` (so the budget counts it).
fn single(
    node: &Node,
    opset: i64,
    vals: &[Option<Value<f64>>],
    acts: &[Option<(usize, bool)>],
    zero: &Tensor<f64>,
    out: usize,
    sizes: &mut Vec<usize>,
) -> Option<Step> {
    let act = |i: usize| acts.get(i).copied().flatten();
    let val = |i: usize| vals.get(i).and_then(Option::as_ref);
    match node.op.as_str() {
        "Gemm" => {
            let (a, seed) = act(0)?;
            if act(1).is_some() || act(2).is_some() {
                return None;
            }
            let b = floats(val(1)?)?;
            let ash = val(0)?.shape();
            let (r0, r1) = match ash.len() {
                0 => (1, 1),
                1 => (1, ash[0]),
                _ => (ash[0], ash[1..].iter().product()),
            };
            let trans_a = node.int("transA", 0) != 0;
            let trans_b = node.int("transB", 0) != 0;
            let (rows, k) = if trans_a { (r1, r0) } else { (r0, r1) };
            if b.shape.len() != 2 {
                return None;
            }
            let n = if trans_b { b.shape[0] } else { b.shape[1] };
            let alpha = node.float("alpha", 1.0);
            let mut wt = vec![0.0; n * k];
            for j in 0..n {
                for p in 0..k {
                    let v = if trans_b {
                        b.data[j * k + p]
                    } else {
                        b.data[p * n + j]
                    };
                    wt[j * k + p] = if alpha == 1.0 { v } else { alpha * v };
                }
            }
            let bias = match val(2) {
                None => None,
                Some(c) => {
                    let beta = node.float("beta", 1.0);
                    let c = floats(c)?;
                    let c = expand_to(&c, &[rows, n]).ok()?;
                    Some(if beta == 1.0 {
                        c.data
                    } else {
                        c.data.iter().map(|v| v * beta).collect()
                    })
                }
            };
            (zero.len() == rows * n).then_some(Step::Linear {
                a,
                out,
                rows,
                k,
                n,
                trans_a,
                wt,
                bias,
                seed,
            })
        }
        "MatMul" => match (act(0), act(1)) {
            (Some((a, seed)), None) => {
                let b = floats(val(1)?)?;
                let ash = val(0)?.shape();
                let k = *ash.last()?;
                let rows: usize = ash[..ash.len() - 1].iter().product();
                let n = match b.shape.len() {
                    1 => 1,
                    2 => b.shape[1],
                    _ => return None,
                };
                if b.shape[0] != k {
                    return None;
                }
                let mut wt = vec![0.0; n * k];
                for j in 0..n {
                    for p in 0..k {
                        wt[j * k + p] = b.data[p * n + j];
                    }
                }
                (zero.len() == rows * n).then_some(Step::Linear {
                    a,
                    out,
                    rows,
                    k,
                    n,
                    trans_a: false,
                    wt,
                    bias: None,
                    seed,
                })
            }
            (None, Some((b, seed))) => {
                let w = floats(val(0)?)?;
                let bsh = val(1)?.shape();
                let (m, k) = match w.shape.len() {
                    1 => (1, w.shape[0]),
                    2 => (w.shape[0], w.shape[1]),
                    _ => return None,
                };
                let (k2, n, groups) = match bsh.len() {
                    0 => return None,
                    1 => (bsh[0], 1, 1),
                    r => (bsh[r - 2], bsh[r - 1], bsh[..r - 2].iter().product()),
                };
                (k2 == k && zero.len() == groups * m * n).then_some(Step::LinearLeft {
                    b,
                    out,
                    groups,
                    m,
                    k,
                    n,
                    w: w.data,
                    seed,
                })
            }
            (Some((a, _)), Some((b, _))) => {
                let mm = ops::linalg::matmul_shape(val(0)?.shape(), val(1)?.shape()).ok()?;
                let d = mm.dims();
                let pairs = mm.pairs();
                (Some(zero.len()) == pairs.len().checked_mul(d.m * d.n)).then_some(Step::Product(
                    Product {
                        a,
                        b,
                        out,
                        m: d.m,
                        k: d.k,
                        n: d.n,
                        pairs,
                    },
                ))
            }
            _ => None,
        },
        "Add" | "Sub" | "Mul" | "Div" | "Pow" => {
            // Opset < 7 `broadcast=1`: B lines up with A from `axis`, reshaped as the
            // generic operator reshapes it; covered when A is the activation, B a constant.
            let legacy = opset < 7 && node.int("broadcast", 0) != 0;
            if legacy && (act(0).is_none() || act(1).is_some()) {
                return None;
            }
            match (act(0), act(1)) {
                (Some((x, _)), None) | (None, Some((x, _))) => {
                    let x_first = act(0).is_some();
                    let (xv, cv) = if x_first {
                        (val(0)?, val(1)?)
                    } else {
                        (val(1)?, val(0)?)
                    };
                    // A constant that broadcasts the activation up is not covered.
                    if zero.shape != xv.shape() {
                        return None;
                    }
                    let mut c = floats(cv)?;
                    if legacy {
                        let shape =
                            ops::elementwise::legacy_b_shape(node, xv.shape(), &c.shape, opset);
                        if let Some(s) = shape.ok()? {
                            c = c.reshaped(s);
                        }
                    }
                    let c = expand_to(&c, &zero.shape).ok()?.data;
                    match (node.op.as_str(), x_first) {
                        ("Add", _) => Some(Step::AddConst {
                            x,
                            out,
                            c,
                            negate: false,
                        }),
                        // x − c = x + (−c) exactly
                        ("Sub", true) => Some(Step::AddConst {
                            x,
                            out,
                            c: c.iter().map(|v| -v).collect(),
                            negate: false,
                        }),
                        ("Sub", false) => Some(Step::AddConst {
                            x,
                            out,
                            c,
                            negate: true,
                        }),
                        ("Mul", _) => Some(Step::ScaleConst {
                            x,
                            out,
                            shift: None,
                            c,
                            divide: false,
                        }),
                        ("Div", true) => Some(Step::ScaleConst {
                            x,
                            out,
                            shift: None,
                            c,
                            divide: true,
                        }),
                        ("Pow", _) => Some(Step::Pow(Pow {
                            x,
                            out,
                            c,
                            base: !x_first,
                        })),
                        _ => None,
                    }
                }
                (Some((a, _)), Some((b, _))) => {
                    let op = match node.op.as_str() {
                        "Add" => BinOp::Add,
                        "Sub" => BinOp::Sub,
                        "Mul" => BinOp::Mul,
                        "Div" => BinOp::Div,
                        _ => return None,
                    };
                    let (ash, bsh) = (val(0)?.shape(), val(1)?.shape());
                    let (mut ia, mut ib) = (Vec::new(), Vec::new());
                    for_each_broadcast(ash, bsh, &zero.shape, |i, j| {
                        ia.push(i);
                        ib.push(j);
                    });
                    (ia.len() == zero.len()).then_some(Step::Binary {
                        a,
                        b,
                        out,
                        ia,
                        ib,
                        op,
                    })
                }
                _ => None,
            }
        }
        "Conv" => {
            let (x, _) = act(0)?;
            if act(1).is_some() || act(2).is_some() {
                return None;
            }
            let w = floats(val(1)?)?;
            let xs = val(0)?.shape();
            if xs.len() < 3 || w.shape.len() != xs.len() {
                return None;
            }
            let (images, c, m) = (xs[0], xs[1], w.shape[0]);
            let group = usize::try_from(node.int("group", 1)).ok()?;
            let (_, table) = ops::conv::window_taps(node, &xs[2..], &w.shape[2..], false).ok()?;
            let kn: usize = w.shape[2..].iter().product();
            let (cg, mg) = (c.checked_div(group)?, m.checked_div(group)?);
            let ln = table.len().checked_div(kn).unwrap_or(0);
            let bias = match val(2) {
                None => None,
                Some(b) => Some(floats(b)?.data).filter(|b| b.len() == m),
            };
            if val(2).is_some() && bias.is_none() {
                return None;
            }
            // (checked: a zero extent lets the other dimensions be anything the limits allow)
            let scratch = cg.checked_mul(kn)?.checked_mul(ln)?;
            if Some(zero.len()) != images.checked_mul(m).and_then(|v| v.checked_mul(ln))
                || Some(w.data.len()) != m.checked_mul(cg).and_then(|v| v.checked_mul(kn))
            {
                return None;
            }
            let col = sizes.len();
            sizes.push(scratch);
            Some(Step::Conv(Conv {
                x,
                out,
                col,
                images,
                group,
                cg,
                mg,
                plane: xs[2..].iter().product(),
                ln,
                kn,
                taps: table.into_iter().map(|(p, _)| p).collect(),
                w: w.data,
                bias,
            }))
        }
        "MaxPool" | "AveragePool" | "GlobalMaxPool" | "GlobalAveragePool" => {
            let (x, _) = act(0)?;
            let xs = val(0)?.shape();
            if xs.len() < 3 {
                return None;
            }
            let plane: usize = xs[2..].iter().product();
            let (kn, table) = if node.op.starts_with("Global") {
                (plane, (0..plane).map(|p| (Some(p), true)).collect())
            } else {
                let (kernel, ceil) = ops::conv::pool_window(node).ok()?;
                let (_, table) = ops::conv::window_taps(node, &xs[2..], &kernel, ceil).ok()?;
                (kernel.iter().product(), table)
            };
            let ln = table.len().checked_div(kn).unwrap_or(1);
            let planes = xs[0].checked_mul(xs[1])?;
            if Some(zero.len()) != planes.checked_mul(ln) {
                return None;
            }
            let counts = node.op.ends_with("AveragePool").then(|| {
                let include_pad = node.int("count_include_pad", 0) != 0;
                (0..ln)
                    .map(|l| {
                        table[l * kn..(l + 1) * kn]
                            .iter()
                            .filter(|&&(p, inside)| p.is_some() || (include_pad && inside))
                            .count()
                    })
                    .collect()
            });
            Some(Step::Pool(Pool {
                x,
                out,
                planes,
                plane,
                ln,
                kn,
                taps: table.into_iter().map(|(p, _)| p).collect(),
                counts,
            }))
        }
        "Transpose" => {
            let (x, _) = act(0)?;
            let shape = val(0)?.shape();
            let perm = ops::shape::perm_of(node, shape.len()).ok()?;
            let index = Tensor::new(shape.to_vec(), (0..zero.len()).collect());
            let idx = ops::shape::transpose_t(&index, &perm).data;
            (idx.len() == zero.len()).then_some(Step::Gather { x, out, idx })
        }
        // `(x − offset)·scale` per feature (the last axis) or shared; the generic operator
        // has checked the counts at the zero input.
        "Scaler" if node.domain == "ai.onnx.ml" => {
            let (x, _) = act(0)?;
            if zero.shape != val(0)?.shape() {
                return None;
            }
            let param = |what: &str, default: f64| {
                let v = node.floats(what).unwrap_or(&[]);
                let t = match v.len() {
                    0 => Tensor::scalar(default),
                    1 => Tensor::scalar(v[0]),
                    c => Tensor::new(vec![c], v.to_vec()),
                };
                expand_to(&t, &zero.shape).ok().map(|t| t.data)
            };
            let shift = param("offset", 0.0)?.iter().map(|v| -v).collect();
            Some(Step::ScaleConst {
                x,
                out,
                shift: Some(shift),
                c: param("scale", 1.0)?,
                divide: false,
            })
        }
        "Slice" => {
            // The rows it keeps: the generic operator itself, run on the element indices
            // (exact in f64), so negative bounds, steps and clamping are its own.
            let (x, _) = act(0)?;
            if acts[1..].iter().any(Option::is_some) {
                return None;
            }
            let shape = val(0)?.shape();
            let len: usize = shape.iter().product();
            let index = Value::float(Tensor::new(
                shape.to_vec(),
                (0..len).map(|i| i as f64).collect(),
            ));
            let mut ins: Vec<Option<&Value<f64>>> = vals.iter().map(Option::as_ref).collect();
            ins[0] = Some(&index);
            let picked = ops::run(node, &ins, opset).ok()?.into_iter().next()??;
            let Value::Float(t) = picked else {
                return None;
            };
            let idx: Vec<usize> = t.data.iter().map(|&i| i as usize).collect();
            (idx.len() == zero.len()).then_some(Step::Gather { x, out, idx })
        }
        "Expand" => {
            // The rows it repeats: the broadcast of the element indices to the shape the
            // generic operator gave at the zero input (its own shape rule).
            let (x, _) = act(0)?;
            if acts[1..].iter().any(Option::is_some) {
                return None;
            }
            let shape = val(0)?.shape();
            let index = Tensor::new(shape.to_vec(), (0..shape.iter().product()).collect());
            let idx = expand_to(&index, &zero.shape).ok()?.data;
            (idx.len() == zero.len()).then_some(Step::Gather { x, out, idx })
        }
        "ReduceSum" | "ReduceMean" => super::reduce::build(node, vals, acts, zero, out),
        "Clip" => super::elementwise::clip(node, opset, vals, acts, zero, out),
        "Softmax" | "LogSoftmax" => {
            let (x, _) = act(0)?;
            let (outer, d, inner) = ops::reduce::softmax_rows(node, val(0)?.shape(), opset).ok()?;
            (outer.checked_mul(d).and_then(|v| v.checked_mul(inner)) == Some(zero.len())).then_some(
                Step::Softmax(Softmax {
                    x,
                    out,
                    outer,
                    d,
                    inner,
                    log: node.op == "LogSoftmax",
                }),
            )
        }
        "BatchNormalization"
        | "LayerNormalization"
        | "InstanceNormalization"
        | "GroupNormalization"
        | "LpNormalization"
        | "MeanVarianceNormalization" => super::normalize::step(node, opset, vals, acts, zero, out),
        _ => {
            let op = Unary::of(node)?;
            let (x, _) = act(0)?;
            Some(Step::Unary {
                x,
                out,
                len: zero.len(),
                op,
                tanh: node.op == "Tanh",
            })
        }
    }
}

/// Lets elementwise steps write over their input when nothing later reads it, so a layer's
/// affine map, bias and activation share one buffer. Returns the steps with their buffers
/// renumbered, the buffer sizes (0 for buffers merged away) and the output's buffer.
fn in_place(
    mut steps: Vec<Step>,
    mut sizes: Vec<usize>,
    output: usize,
) -> (Vec<Step>, Vec<usize>, usize) {
    let count = steps.len();
    let mut last = vec![None::<usize>; sizes.len()];
    for (s, st) in steps.iter().enumerate() {
        for b in st.reads() {
            last[b] = Some(s);
        }
    }
    // The output is read after the last step.
    last[output] = Some(count);
    let mut rep: Vec<usize> = (0..sizes.len()).collect();
    for (s, st) in steps.iter_mut().enumerate() {
        st.renumber(&rep);
        if let Some((x, out)) = st.elementwise() {
            if x != out && last[x] == Some(s) && sizes[x] == sizes[out] {
                rep[out] = x;
                last[x] = last[out];
                sizes[out] = 0;
                st.set_out(x);
            }
        }
    }
    (steps, sizes, rep[output])
}

impl Step {
    /// The buffers the step reads.
    fn reads(&self) -> Vec<usize> {
        match self {
            Step::Linear { a, .. } => vec![*a],
            Step::LinearLeft { b, .. } => vec![*b],
            Step::Unary { x, .. } | Step::AddConst { x, .. } | Step::ScaleConst { x, .. } => {
                vec![*x]
            }
            Step::Binary { a, b, .. } => vec![*a, *b],
            Step::Pow(p) => vec![p.x],
            Step::Product(p) => vec![p.a, p.b],
            Step::Conv(c) => vec![c.x],
            Step::Pool(p) => vec![p.x],
            Step::Gather { x, .. } => vec![*x],
            Step::Softmax(s) => vec![s.x],
            Step::Norm(s) => vec![s.x],
            Step::Recurrent(r) => r.reads(),
            Step::Reduce(r) => vec![r.x],
            Step::Clip(c) => vec![c.x],
            Step::Compare(c) => c.reads(),
            Step::Where(w) => w.reads(),
        }
    }

    /// The buffers the step writes as its results (scratch buffers not counted).
    fn writes(&self) -> Vec<usize> {
        match self {
            Step::Linear { out, .. }
            | Step::LinearLeft { out, .. }
            | Step::Unary { out, .. }
            | Step::AddConst { out, .. }
            | Step::ScaleConst { out, .. }
            | Step::Binary { out, .. }
            | Step::Gather { out, .. } => vec![*out],
            Step::Conv(c) => vec![c.out],
            Step::Pow(p) => vec![p.out],
            Step::Product(p) => vec![p.out],
            Step::Pool(p) => vec![p.out],
            Step::Softmax(s) => vec![s.out],
            Step::Norm(s) => vec![s.out],
            Step::Recurrent(r) => r.writes(),
            Step::Reduce(r) => vec![r.out],
            Step::Clip(c) => vec![c.out],
            Step::Compare(c) => vec![c.out()],
            Step::Where(w) => vec![w.out()],
        }
    }

    /// `(input, output)` of a step that may run in place.
    pub(super) fn elementwise(&self) -> Option<(usize, usize)> {
        match self {
            Step::Unary { x, out, .. }
            | Step::AddConst { x, out, .. }
            | Step::ScaleConst { x, out, .. } => Some((*x, *out)),
            // every statistic of a group is computed before its elements are written
            Step::Norm(s) => Some((s.x, s.out)),
            Step::Pow(p) => Some((p.x, p.out)),
            Step::Clip(c) => Some((c.x, c.out)),
            _ => None,
        }
    }

    fn set_out(&mut self, b: usize) {
        if let Step::Unary { out, .. } | Step::AddConst { out, .. } | Step::ScaleConst { out, .. } =
            self
        {
            *out = b;
        }
        if let Step::Norm(s) = self {
            s.out = b;
        }
        if let Step::Pow(p) = self {
            p.out = b;
        }
        if let Step::Clip(c) = self {
            c.out = b;
        }
    }

    /// Reads of merged buffers go to the buffer they were merged into.
    fn renumber(&mut self, rep: &[usize]) {
        match self {
            Step::Linear { a, .. } => *a = rep[*a],
            Step::LinearLeft { b, .. } => *b = rep[*b],
            Step::Unary { x, .. } | Step::AddConst { x, .. } | Step::ScaleConst { x, .. } => {
                *x = rep[*x]
            }
            Step::Binary { a, b, .. } => {
                *a = rep[*a];
                *b = rep[*b];
            }
            Step::Conv(c) => c.x = rep[c.x],
            Step::Pow(p) => p.x = rep[p.x],
            Step::Product(p) => {
                p.a = rep[p.a];
                p.b = rep[p.b];
            }
            Step::Pool(p) => p.x = rep[p.x],
            Step::Gather { x, .. } => *x = rep[*x],
            Step::Softmax(s) => s.x = rep[s.x],
            Step::Norm(s) => s.x = rep[s.x],
            Step::Recurrent(r) => r.renumber(rep),
            Step::Reduce(r) => r.x = rep[r.x],
            Step::Clip(c) => c.x = rep[c.x],
            Step::Compare(c) => c.renumber(rep),
            Step::Where(w) => w.renumber(rep),
        }
    }
}
