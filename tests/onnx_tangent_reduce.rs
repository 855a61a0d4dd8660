//! The tangent route's ReduceSum and ReduceMean (axes as attribute and as input, keepdims,
//! `noop_with_empty_axes`), Clip with constant bounds (attributes, inputs, either absent),
//! Div of two activations (broadcast) and Expand of an activation, each mid-route, against
//! the generic evaluator (dual numbers, `Model::eval`) and Richardson-extrapolated central
//! differences; a batch against the points one by one, bit for bit. And the real model
//! these bring onto the route, `ddingr_pytorch_mlp` (F.normalize: ReduceSum, Clip, Expand,
//! Div).

mod common;

use common::numeric::{rel_err, row_major, uniform};
use common::onnx::{attr_i, attr_ints, f32_tensor, i64_tensor, model, node, numel, weight};
use common::route::{self, on_route, Case};
use nngrad_core::onnx::proto::{AttributeProto, NodeProto, TensorProto};
use nngrad_core::onnx::Model;
use nngrad_core::try_jacobian;

/// A float attribute.
fn attr_f(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f,
        r#type: 1,
        ..Default::default()
    }
}

/// Every comparison of [`route::check`] at a uniform point of the model's input, batched
/// with two more.
fn check(m: &Model, op: &str, what: &str, seed: u64) {
    let n = m.input_len();
    let x = uniform(n, seed, -1.0, 1.0);
    route::check(m, &x, Case::new(op, what));
}

/// `x → MatMul W1 → Tanh → a → <the case's nodes from a to r> → Sigmoid → y`: the case's
/// operator reads an activation with general lanes, and its result feeds a nonlinearity.
fn around(
    opset: i64,
    x_dims: &[i64],
    k: i64,
    mid: Vec<NodeProto>,
    mut inits: Vec<TensorProto>,
) -> Model {
    let d = *x_dims.last().unwrap();
    let mut nodes = vec![
        node("MatMul", &["x", "w1"], &["a0"], vec![]),
        node("Tanh", &["a0"], &["a"], vec![]),
    ];
    nodes.extend(mid);
    nodes.push(node("Sigmoid", &["r"], &["y"], vec![]));
    inits.push(weight("w1", &[d, k], 1));
    model(opset, nodes, inits, x_dims)
}

fn axes_const(name: &str, axes: &[i64]) -> TensorProto {
    i64_tensor(name, &[axes.len() as i64], axes)
}

#[test]
fn reduce_sum_and_mean_are_on_the_route() {
    // (what, opset, operator, axes attribute, axes input, keepdims, noop_with_empty_axes)
    type Case<'a> = (
        &'a str,
        i64,
        &'a str,
        Option<&'a [i64]>,
        Option<&'a [i64]>,
        i64,
        i64,
    );
    let cases: Vec<Case> = vec![
        (
            "sum, attr axes [1]",
            11,
            "ReduceSum",
            Some(&[1]),
            None,
            1,
            0,
        ),
        (
            "sum, attr axes [-1], no keepdims",
            11,
            "ReduceSum",
            Some(&[-1]),
            None,
            0,
            0,
        ),
        (
            "sum, attr axes [0, 2]",
            11,
            "ReduceSum",
            Some(&[0, 2]),
            None,
            1,
            0,
        ),
        (
            "sum, all axes (none given)",
            11,
            "ReduceSum",
            None,
            None,
            0,
            0,
        ),
        (
            "sum, input axes [1]",
            13,
            "ReduceSum",
            None,
            Some(&[1]),
            1,
            0,
        ),
        (
            "sum, input axes [2, 0], no keepdims",
            13,
            "ReduceSum",
            None,
            Some(&[2, 0]),
            0,
            0,
        ),
        ("sum, no axes input: all", 13, "ReduceSum", None, None, 1, 0),
        (
            "sum, empty axes input: all",
            13,
            "ReduceSum",
            None,
            Some(&[]),
            0,
            0,
        ),
        (
            "sum, no axes and noop_with_empty_axes",
            13,
            "ReduceSum",
            None,
            None,
            1,
            1,
        ),
        (
            "sum, empty axes and noop_with_empty_axes",
            13,
            "ReduceSum",
            None,
            Some(&[]),
            1,
            1,
        ),
        (
            "mean, attr axes [1]",
            13,
            "ReduceMean",
            Some(&[1]),
            None,
            1,
            0,
        ),
        (
            "mean, attr axes [0, -1], no keepdims",
            13,
            "ReduceMean",
            Some(&[0, -1]),
            None,
            0,
            0,
        ),
        ("mean, all axes", 13, "ReduceMean", None, None, 1, 0),
        (
            "mean, input axes [2]",
            18,
            "ReduceMean",
            None,
            Some(&[2]),
            0,
            0,
        ),
    ];
    for (what, opset, op, attr, input, keepdims, noop) in cases {
        let mut attrs = vec![attr_i("keepdims", keepdims)];
        if noop != 0 {
            attrs.push(attr_i("noop_with_empty_axes", noop));
        }
        if let Some(a) = attr {
            attrs.push(attr_ints("axes", a));
        }
        let mut inits = Vec::new();
        let ins: Vec<&str> = match input {
            Some(a) => {
                inits.push(axes_const("axes", a));
                vec!["a", "axes"]
            }
            None => vec!["a"],
        };
        let mid = vec![node(op, &ins, &["r"], attrs)];
        let m = around(opset, &[2, 3, 4], 4, mid, inits);
        check(&m, op, what, 5);
    }
}

/// ReduceSum straight on the input (its lanes the identity) and of a tensor with a
/// reduced axis of extent 1; and the sums are the generic operator's bit for bit.
#[test]
fn reduce_sum_values_are_the_generic_operators_bit_for_bit() {
    for (dims, axes) in [
        (vec![2i64, 5], vec![1i64]),
        (vec![3, 1, 2], vec![1]),
        (vec![7], vec![0]),
    ] {
        let m = model(
            13,
            vec![node(
                "ReduceSum",
                &["x", "axes"],
                &["y"],
                vec![attr_i("keepdims", 0)],
            )],
            vec![axes_const("axes", &axes)],
            &dims,
        );
        assert!(on_route(&m), "{dims:?}: {m:?}");
        let x = uniform(numel(&dims), 3, -1e3, 1e3);
        route::same_bits_as_generic(&m, &x, &format!("{dims:?}"));
    }
}

#[test]
fn clip_with_constant_bounds_is_on_the_route() {
    let lo = f32_tensor("lo", &[], &[-0.3]);
    let hi = f32_tensor("hi", &[], &[0.4]);
    // (what, opset, inputs, attributes, initializers)
    type Case<'a> = (
        &'a str,
        i64,
        Vec<&'a str>,
        Vec<AttributeProto>,
        Vec<TensorProto>,
    );
    let cases: Vec<Case> = vec![
        (
            "min and max inputs",
            13,
            vec!["a", "lo", "hi"],
            vec![],
            vec![lo.clone(), hi.clone()],
        ),
        (
            "min input only",
            13,
            vec!["a", "lo"],
            vec![],
            vec![lo.clone()],
        ),
        (
            "max input only (min empty)",
            13,
            vec!["a", "", "hi"],
            vec![],
            vec![hi.clone()],
        ),
        ("no bounds", 13, vec!["a"], vec![], vec![]),
        (
            "bounds of shape [1]",
            11,
            vec!["a", "lo1", "hi1"],
            vec![],
            vec![
                f32_tensor("lo1", &[1], &[-0.2]),
                f32_tensor("hi1", &[1], &[0.25]),
            ],
        ),
        (
            "opset 6 attributes",
            6,
            vec!["a"],
            vec![attr_f("min", -0.3), attr_f("max", 0.4)],
            vec![],
        ),
        (
            "opset 6 min attribute only",
            6,
            vec!["a"],
            vec![attr_f("min", -0.1)],
            vec![],
        ),
    ];
    for (what, opset, ins, attrs, inits) in cases {
        // Clip, then Gemm: the clipped elements' zero lanes and the others' mix in the sum.
        let mid = vec![
            node("Clip", &ins, &["c"], attrs),
            node("MatMul", &["c", "w2"], &["r"], vec![]),
        ];
        let mut inits = inits;
        inits.push(weight("w2", &[5, 3], 2));
        let m = around(opset, &[4, 3], 5, mid, inits);
        check(&m, "Clip", what, 5);
    }
}

/// At a bound the lanes pass (the derivative of `x` inside the closed interval), beyond
/// it they are zero; a NaN passes; bounds crossed (`min > max`) give `max`. Clip straight
/// on the input, bit for bit against the generic operator.
#[test]
fn clip_at_its_bounds_matches_the_generic_operator() {
    for (opset, lo, hi) in [(13, -0.5f32, 0.5f32), (13, 0.5, -0.5), (6, -0.5, 0.5)] {
        let (ins, attrs, inits) = if opset >= 11 {
            (
                vec!["x", "lo", "hi"],
                vec![],
                vec![f32_tensor("lo", &[], &[lo]), f32_tensor("hi", &[], &[hi])],
            )
        } else {
            (
                vec!["x"],
                vec![attr_f("min", lo), attr_f("max", hi)],
                vec![],
            )
        };
        let m = model(opset, vec![node("Clip", &ins, &["y"], attrs)], inits, &[7]);
        assert!(on_route(&m), "{m:?}");
        let x = [-0.5, 0.5, -0.7, 0.9, 0.1, f64::NAN, -0.0];
        let (_, j) = route::same_bits_as_generic(&m, &x, &format!("clip({lo}, {hi})"));
        if lo < hi {
            let diag: Vec<f64> = (0..7).map(|i| j[(i, i)]).collect();
            assert_eq!(diag, [1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0], "clip: slopes");
        }
    }
}

#[test]
fn div_of_two_activations_is_on_the_route() {
    // (what, nodes from a to r, initializers): b is positive (exp), so no pole near.
    type Case<'a> = (&'a str, Vec<NodeProto>, Vec<TensorProto>);
    let cases: Vec<Case> = vec![
        (
            "same shapes",
            vec![
                node("MatMul", &["x", "w2"], &["b0"], vec![]),
                node("Exp", &["b0"], &["b"], vec![]),
                node("Div", &["a", "b"], &["r"], vec![]),
            ],
            vec![weight("w2", &[3, 4], 2)],
        ),
        (
            "divisor broadcast [4,1]",
            vec![
                node("MatMul", &["x", "w2"], &["b0"], vec![]),
                node("Exp", &["b0"], &["b"], vec![]),
                node("Div", &["a", "b"], &["r"], vec![]),
            ],
            vec![weight("w2", &[3, 1], 3)],
        ),
        (
            "dividend broadcast [4,1] over [4,4]",
            vec![
                node("MatMul", &["x", "w2"], &["b0"], vec![]),
                node("Exp", &["b0"], &["b"], vec![]),
                node("MatMul", &["x", "w3"], &["c"], vec![]),
                node("Div", &["c", "b"], &["r"], vec![]),
            ],
            vec![weight("w2", &[3, 4], 4), weight("w3", &[3, 1], 5)],
        ),
        (
            "the input over an activation",
            vec![
                node("MatMul", &["x", "w2"], &["b0"], vec![]),
                node("Exp", &["b0"], &["b"], vec![]),
                node("Div", &["x", "b"], &["r"], vec![]),
            ],
            vec![weight("w2", &[3, 3], 6)],
        ),
        (
            "an activation over a function of itself",
            vec![
                node("Mul", &["a", "a"], &["b0"], vec![]),
                node("Exp", &["b0"], &["b"], vec![]),
                node("Div", &["a", "b"], &["r"], vec![]),
            ],
            vec![],
        ),
    ];
    for (what, mid, inits) in cases {
        let m = around(13, &[4, 3], 4, mid, inits);
        check(&m, "Div", what, 9);
    }
}

#[test]
fn expand_of_an_activation_is_on_the_route() {
    // (what, input dims, target shape)
    let cases: Vec<(&str, Vec<i64>, Vec<i64>)> = vec![
        ("[3] to [2, 3]", vec![3], vec![2, 3]),
        ("[2, 1] to [2, 4]", vec![2, 1], vec![2, 4]),
        (
            "[2, 1] to [3, 1, 5] (a new leading axis)",
            vec![2, 1],
            vec![3, 1, 5],
        ),
        ("[2, 3] to [1] (nothing to broadcast)", vec![2, 3], vec![1]),
        ("[1, 3] to [2, 1, 1]", vec![1, 3], vec![2, 1, 1]),
    ];
    for (what, dims, shape) in cases {
        let k = *dims.last().unwrap();
        let mid = vec![
            node("Expand", &["a", "shape"], &["e"], vec![]),
            node("Sin", &["e"], &["r"], vec![]),
        ];
        let inits = vec![i64_tensor("shape", &[shape.len() as i64], &shape)];
        let m = around(13, &dims, k, mid, inits);
        check(&m, "Expand", what, 11);
    }
    // F.normalize's form: the shape is Shape of an activation (a constant at load).
    let mid = vec![
        node(
            "ReduceSum",
            &["a", "axes"],
            &["s"],
            vec![attr_i("keepdims", 1)],
        ),
        node("Shape", &["a"], &["sh"], vec![]),
        node("Expand", &["s", "sh"], &["e"], vec![]),
        node("Div", &["a", "e"], &["r"], vec![]),
    ];
    // `a` is tanh of a product, so the row sums stay away from 0 only by luck: add 3.
    let mut m_nodes = vec![node("Add", &["a0", "three"], &["a"], vec![])];
    m_nodes.extend(mid);
    m_nodes.insert(0, node("MatMul", &["x", "w1"], &["a0"], vec![]));
    m_nodes.push(node("Sigmoid", &["r"], &["y"], vec![]));
    let m = model(
        13,
        m_nodes,
        vec![
            weight("w1", &[4, 4], 1),
            f32_tensor("three", &[], &[3.0]),
            axes_const("axes", &[1]),
        ],
        &[3, 4],
    );
    check(
        &m,
        "Expand",
        "Shape of an activation, F.normalize's form",
        11,
    );
}

/// ddingr's MLP ends in F.normalize (ReduceSum of |h|², Pow ½, Clip with a min input,
/// Expand to Shape(h), Div of two activations, opset 14): every node is on the route
/// now, and its Jacobian is the generic evaluator's to 1e-12.
#[test]
fn ddingr_is_on_the_route() {
    let shared = common::shared_dir();
    let f = shared.join("real-models/ddingr_pytorch_mlp/model.onnx");
    if !f.is_file() {
        eprintln!("\n!!!! SKIPPED: {} is absent !!!!\n", f.display());
        return;
    }
    let m = Model::load(&f).unwrap();
    assert!(on_route(&m), "{m:?}");
    for seed in 1..4u64 {
        let x = uniform(m.input_len(), seed, -2.0, 2.0);
        let (y, j) = m.jacobian(&x).unwrap();
        let (yg, jg) = try_jacobian(|x| m.eval(x), &x).unwrap();
        let (ev, ej) = (rel_err(&y, &yg), rel_err(&row_major(&j), &row_major(&jg)));
        eprintln!("ddingr seed {seed}: values {ev:e}, Jacobian {ej:e} vs generic");
        assert!(ev <= 1e-12 && ej <= 1e-12, "seed {seed}");
        route::check(&m, &x, Case::new("ddingr", "ddingr_pytorch_mlp"));
    }
}

/// A reduced axis of extent 0 (a Slice that keeps nothing): ReduceSum gives constant
/// zeros (broadcast back onto `a` here, so the Jacobian is `a`'s), ReduceMean NaN with
/// zero lanes, both as the generic operator gives them.
#[test]
fn reductions_over_an_empty_axis_are_the_generic_operators() {
    let slice = |ins: &[&str]| node("Slice", ins, &["z"], vec![]);
    let consts = || {
        vec![
            i64_tensor("st", &[1], &[0]),
            i64_tensor("en", &[1], &[0]),
            i64_tensor("ax", &[1], &[1]),
            axes_const("axes", &[1]),
        ]
    };
    let mid = vec![
        slice(&["a", "st", "en", "ax"]),
        node("ReduceSum", &["z", "axes"], &["s"], vec![]),
        node("Add", &["a", "s"], &["r"], vec![]),
    ];
    let m = around(13, &[2, 3], 3, mid, consts());
    check(&m, "ReduceSum", "over an empty axis", 13);
    let m = model(
        18,
        vec![
            node("Tanh", &["x"], &["a"], vec![]),
            slice(&["a", "st", "en", "ax"]),
            node("ReduceMean", &["z", "axes"], &["y"], vec![]),
        ],
        consts(),
        &[2, 3],
    );
    assert!(on_route(&m), "{m:?}");
    let x = uniform(6, 3, -1.0, 1.0);
    let (y, j) = route::same_bits_as_generic(&m, &x, "empty mean");
    assert!(y.len() == 2 && y.iter().all(|v| v.is_nan()), "{y:?}");
    assert!(row_major(&j).iter().all(|&v| v == 0.0));
}

/// Clip whose bound is computed from the input is not covered (the generic operator
/// rejects it too: ONNX's bounds are constants here): the model keeps the generic
/// evaluator, which reports the error at the call.
#[test]
fn clip_with_a_bound_from_the_input_keeps_the_generic_evaluator() {
    let m = model(
        13,
        vec![
            node("ReduceSum", &["x"], &["lo"], vec![attr_i("keepdims", 0)]),
            node("Clip", &["x", "lo"], &["y"], vec![]),
        ],
        vec![],
        &[3],
    );
    assert!(!on_route(&m), "{m:?}");
    let err = m.jacobian(&[0.1, 0.2, 0.3]).unwrap_err().to_string();
    assert!(err.contains("Clip bound"), "{err}");
}
