//! The tangent route's normalisation steps: BatchNormalization, LayerNormalization,
//! InstanceNormalization, GroupNormalization, LpNormalization and
//! MeanVarianceNormalization, each mid-route (a Conv or Gemm before it, a Tanh and a Conv or
//! Gemm after it) over their attribute variants, against the generic evaluator (dual
//! numbers, `Model::eval`) and Richardson-extrapolated central differences; a batch against
//! the points one by one; zero variances and zero norms against the generic evaluator;
//! the cases the route does not cover keep the generic evaluator.

mod common;

use common::numeric::{rel_err, row_major, uniform};
use common::onnx::{attr_i, attr_ints, f32_tensor, model_bytes, node, numel, value_info};
use common::route::{self, bits, central_differences, on_route, Case};
use nngrad_core::onnx::proto::{data_type, AttributeProto, NodeProto, TensorProto};
use nngrad_core::onnx::Model;
use nngrad_core::try_jvp;

fn random_f32(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f32> {
    uniform(n, seed, lo, hi)
        .into_iter()
        .map(|v| v as f32)
        .collect()
}

fn attr_f(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f,
        r#type: 1,
        ..Default::default()
    }
}

fn named(mut n: NodeProto, name: &str) -> NodeProto {
    n.name = name.into();
    n
}

/// [`route::check`] of a model at `x`, central differences when `fd`.
fn check(model: &Model, x: &[f64], fd: bool, op: &str, what: &str) {
    let mut case = Case::new(op, what);
    case.differences = fd;
    route::check(model, x, case);
}

fn out_info(name: &str) -> nngrad_core::onnx::proto::ValueInfoProto {
    value_info(name, data_type::FLOAT, &[])
}

/// `x → (Conv 3-wide, padded, C → C | Gemm K → K) → a → <norm> → b → Tanh → (Conv 1-wide
/// C → 2 | Gemm K → 3) → y`: the step under test sits mid-route with general lanes on
/// both sides. Rank 2 uses Gemm, ranks 3 and 4 Conv.
fn sandwich(opset: i64, x_dims: &[i64], norm: NodeProto, mut inits: Vec<TensorProto>) -> Model {
    let r = x_dims.len();
    let c = x_dims[1];
    let (first, last) = if r == 2 {
        inits.push(f32_tensor(
            "w1",
            &[c, c],
            &random_f32((c * c) as usize, 1, -1.0, 1.0),
        ));
        inits.push(f32_tensor(
            "w2",
            &[c, 3],
            &random_f32((c * 3) as usize, 2, -1.0, 1.0),
        ));
        (
            node("Gemm", &["x", "w1"], &["a"], vec![]),
            node("Gemm", &["c", "w2"], &["y"], vec![]),
        )
    } else {
        let k = r - 2;
        let mut w1 = vec![c, c];
        w1.extend(std::iter::repeat_n(3, k));
        let mut w2 = vec![2, c];
        w2.extend(std::iter::repeat_n(1, k));
        let n1: i64 = w1.iter().product();
        let n2: i64 = w2.iter().product();
        inits.push(f32_tensor(
            "w1",
            &w1,
            &random_f32(n1 as usize, 1, -0.6, 0.6),
        ));
        inits.push(f32_tensor(
            "w2",
            &w2,
            &random_f32(n2 as usize, 2, -1.0, 1.0),
        ));
        inits.push(f32_tensor(
            "b1",
            &[c],
            &random_f32(c as usize, 3, -0.5, 0.5),
        ));
        let pads = vec![1; 2 * k];
        (
            node(
                "Conv",
                &["x", "w1", "b1"],
                &["a"],
                vec![attr_ints("pads", &pads)],
            ),
            node("Conv", &["c", "w2"], &["y"], vec![]),
        )
    };
    let nodes = vec![
        named(first, "first"),
        norm,
        node("Tanh", &["b"], &["c"], vec![]),
        named(last, "last"),
    ];
    Model::from_bytes(&model_bytes(
        opset,
        nodes,
        inits,
        x_dims,
        vec![out_info("y")],
    ))
    .unwrap()
}

/// A parameter tensor `name` of `dims`, values in `[lo, hi)`.
fn param(name: &str, dims: &[i64], seed: u64, lo: f64, hi: f64) -> TensorProto {
    f32_tensor(name, dims, &random_f32(numel(dims), seed, lo, hi))
}

fn run(op: &str, opset: i64, x_dims: &[i64], norm: NodeProto, inits: Vec<TensorProto>, what: &str) {
    let model = sandwich(opset, x_dims, norm, inits);
    let x: Vec<f64> = uniform(numel(x_dims), 5, -1.5, 1.5);
    check(&model, &x, true, op, what);
}

#[test]
fn batch_normalization_is_a_folded_affine_map_on_the_route() {
    let bn = |attrs: Vec<AttributeProto>| {
        node(
            "BatchNormalization",
            &["a", "s", "bb", "m", "v"],
            &["b"],
            attrs,
        )
    };
    let params = |dims: &[i64]| {
        vec![
            param("s", dims, 11, 0.5, 1.5),
            param("bb", dims, 12, -0.5, 0.5),
            param("m", dims, 13, -0.3, 0.3),
            param("v", dims, 14, 0.2, 2.0),
        ]
    };
    // (what, opset, X, attributes, parameter shape)
    type Case = (&'static str, i64, Vec<i64>, Vec<AttributeProto>, Vec<i64>);
    let cases: Vec<Case> = vec![
        ("rank 4, batch 2", 15, vec![2, 3, 4, 4], vec![], vec![3]),
        (
            "rank 3, epsilon 1e-2",
            9,
            vec![1, 2, 6],
            vec![attr_f("epsilon", 1e-2)],
            vec![2],
        ),
        (
            "rank 2 after Gemm, batch 3",
            14,
            vec![3, 4],
            vec![],
            vec![4],
        ),
        (
            "opset 6, legacy attributes",
            6,
            vec![1, 2, 3, 3],
            vec![attr_i("is_test", 1), attr_i("spatial", 1)],
            vec![2],
        ),
        (
            "opset 7 spatial=0: one value per activation",
            7,
            vec![2, 2, 3, 3],
            vec![attr_i("spatial", 0)],
            vec![2, 3, 3],
        ),
    ];
    for (what, opset, xd, attrs, pd) in cases {
        run(
            "BatchNormalization",
            opset,
            &xd,
            bn(attrs),
            params(&pd),
            what,
        );
    }
}

#[test]
fn layer_normalization_over_its_axes_on_the_route() {
    let ln = |bias: bool, attrs: Vec<AttributeProto>| {
        let ins: &[&str] = if bias { &["a", "g", "be"] } else { &["a", "g"] };
        node("LayerNormalization", ins, &["b"], attrs)
    };
    type Case = (
        &'static str,
        Vec<i64>,
        Vec<AttributeProto>,
        Vec<i64>,
        Option<Vec<i64>>,
    );
    let cases: Vec<Case> = vec![
        (
            "rank 2, last axis, batch 3",
            vec![3, 5],
            vec![],
            vec![5],
            Some(vec![5]),
        ),
        (
            "rank 3, axis 1, no bias",
            vec![2, 3, 4],
            vec![attr_i("axis", 1)],
            vec![3, 4],
            None,
        ),
        (
            "rank 4, axis 2, broadcast scale and bias, epsilon 1e-2",
            vec![2, 3, 4, 4],
            vec![attr_i("axis", 2), attr_f("epsilon", 1e-2)],
            vec![4, 1],
            Some(vec![4]),
        ),
        (
            "rank 4, axis 0: batch normalised together",
            vec![2, 2, 3, 3],
            vec![attr_i("axis", 0)],
            vec![3],
            Some(vec![1]),
        ),
        (
            "rank 4, axis -1, scale over the channels",
            vec![1, 3, 4, 5],
            vec![attr_i("axis", -1), attr_i("stash_type", 1)],
            vec![3, 1, 1],
            Some(vec![5]),
        ),
    ];
    for (what, xd, attrs, sd, bd) in cases {
        let mut inits = vec![param("g", &sd, 21, 0.5, 1.5)];
        if let Some(bd) = &bd {
            inits.push(param("be", bd, 22, -0.5, 0.5));
        }
        run(
            "LayerNormalization",
            17,
            &xd,
            ln(bd.is_some(), attrs),
            inits,
            what,
        );
    }
}

#[test]
fn instance_normalization_on_the_route() {
    let cases: Vec<(&str, i64, Vec<i64>, Vec<AttributeProto>)> = vec![
        ("rank 4, batch 2", 6, vec![2, 3, 3, 4], vec![]),
        (
            "rank 3, epsilon 1e-3",
            1,
            vec![2, 2, 5],
            vec![attr_f("epsilon", 1e-3)],
        ),
        ("rank 5", 22, vec![1, 2, 2, 3, 2], vec![]),
    ];
    for (what, opset, xd, attrs) in cases {
        let c = xd[1];
        let inits = vec![
            param("g", &[c], 31, 0.5, 1.5),
            param("be", &[c], 32, -0.5, 0.5),
        ];
        let n = node("InstanceNormalization", &["a", "g", "be"], &["b"], attrs);
        run("InstanceNormalization", opset, &xd, n, inits, what);
    }
}

#[test]
fn group_normalization_on_the_route() {
    // (what, opset, X, num_groups, parameter length)
    let cases: Vec<(&str, i64, Vec<i64>, i64, i64)> = vec![
        ("opset 18, per-group parameters", 18, vec![2, 4, 3, 3], 2, 2),
        (
            "opset 21, per-channel parameters",
            21,
            vec![2, 4, 3, 3],
            2,
            4,
        ),
        ("opset 18, per-channel parameters", 18, vec![1, 6, 4], 3, 6),
        ("one group", 21, vec![2, 3, 3, 2], 1, 3),
        ("a group per channel", 18, vec![1, 3, 5], 3, 3),
    ];
    for (what, opset, xd, groups, plen) in cases {
        let inits = vec![
            param("g", &[plen], 41, 0.5, 1.5),
            param("be", &[plen], 42, -0.5, 0.5),
        ];
        let n = node(
            "GroupNormalization",
            &["a", "g", "be"],
            &["b"],
            vec![attr_i("num_groups", groups), attr_f("epsilon", 1e-4)],
        );
        run("GroupNormalization", opset, &xd, n, inits, what);
    }
}

#[test]
fn lp_normalization_on_the_route() {
    let cases: Vec<(&str, Vec<i64>, Vec<AttributeProto>)> = vec![
        (
            "p 2, axis 1, rank 4",
            vec![2, 3, 3, 3],
            vec![attr_i("axis", 1)],
        ),
        ("p 1, last axis, rank 2", vec![3, 5], vec![attr_i("p", 1)]),
        (
            "p 2 (default), axis 0, rank 3",
            vec![2, 3, 4],
            vec![attr_i("axis", 0)],
        ),
        (
            "p 1, axis 2, rank 4",
            vec![1, 2, 4, 3],
            vec![attr_i("p", 1), attr_i("axis", 2)],
        ),
    ];
    for (what, xd, attrs) in cases {
        let n = node("LpNormalization", &["a"], &["b"], attrs);
        run("LpNormalization", 1, &xd, n, vec![], what);
    }
}

#[test]
fn mean_variance_normalization_on_the_route() {
    let cases: Vec<(&str, i64, Vec<i64>, Vec<AttributeProto>)> = vec![
        ("default axes [0, 2, 3]", 13, vec![2, 3, 3, 3], vec![]),
        (
            "axes [2, 3], opset 9",
            9,
            vec![2, 2, 3, 4],
            vec![attr_ints("axes", &[2, 3])],
        ),
        (
            "axes [1] rank 2",
            13,
            vec![3, 4],
            vec![attr_ints("axes", &[1])],
        ),
        (
            "axes [0, -1] rank 3",
            13,
            vec![2, 3, 4],
            vec![attr_ints("axes", &[0, -1])],
        ),
    ];
    for (what, opset, xd, attrs) in cases {
        let n = node("MeanVarianceNormalization", &["a"], &["b"], attrs);
        run("MeanVarianceNormalization", opset, &xd, n, vec![], what);
    }
}

/// `x → Relu → <norm> → Tanh → Gemm → y` on a rank-2 input: rows of `x` that are all
/// negative reach the normalisation as exact zeros.
fn after_relu(opset: i64, x_dims: &[i64], norm: NodeProto, mut inits: Vec<TensorProto>) -> Model {
    let c = x_dims[x_dims.len() - 1];
    inits.push(param("w2", &[c, 2], 2, -1.0, 1.0));
    let nodes = vec![
        node("Relu", &["x"], &["a"], vec![]),
        norm,
        node("Tanh", &["b"], &["c"], vec![]),
        node("Flatten", &["c"], &["f"], vec![]),
        node("Gemm", &["f", "w2"], &["y"], vec![]),
    ];
    Model::from_bytes(&model_bytes(
        opset,
        nodes,
        inits,
        x_dims,
        vec![out_info("y")],
    ))
    .unwrap()
}

#[test]
fn zero_norms_and_variances_match_the_generic_evaluator() {
    // row 0 all negative: a zero row for LpNormalization; the others mixed
    let mut x = uniform(12, 3, -1.0, 1.0);
    for v in &mut x[..4] {
        *v = -v.abs() - 0.1;
    }
    for p in [1, 2] {
        let n = node("LpNormalization", &["a"], &["b"], vec![attr_i("p", p)]);
        let model = after_relu(13, &[3, 4], n, vec![]);
        check(
            &model,
            &x,
            false,
            "LpNormalization",
            &format!("zero row, p {p}"),
        );
    }
    // groups of one element: zero variance everywhere
    let n = node(
        "MeanVarianceNormalization",
        &["a"],
        &["b"],
        vec![attr_ints("axes", &[])],
    );
    // (y = 0 whatever x: the Jacobian is zero by construction)
    let mut case = Case::new("MeanVarianceNormalization", "groups of one");
    case.differences = false;
    case.nonzero = false;
    route::check(&after_relu(13, &[3, 4], n, vec![]), &x, case);
    let n = node(
        "MeanVarianceNormalization",
        &["a"],
        &["b"],
        vec![attr_ints("axes", &[1])],
    );
    check(
        &after_relu(13, &[3, 4], n, vec![]),
        &x,
        false,
        "MeanVarianceNormalization",
        "a zero row",
    );
    let n = node("LayerNormalization", &["a", "g"], &["b"], vec![]);
    let inits = vec![param("g", &[4], 5, 0.5, 1.5)];
    check(
        &after_relu(17, &[3, 4], n, inits),
        &x,
        false,
        "LayerNormalization",
        "a zero row",
    );
    let n = node("InstanceNormalization", &["a", "g", "be"], &["b"], vec![]);
    let inits = vec![
        param("g", &[4], 5, 0.5, 1.5),
        param("be", &[4], 6, -0.5, 0.5),
    ];
    // (y = beta whatever x: the Jacobian is zero by construction)
    let mut case = Case::new("InstanceNormalization", "rank 2: groups of one");
    case.differences = false;
    case.nonzero = false;
    route::check(&after_relu(6, &[3, 4], n, inits), &x, case);
}

#[test]
fn uncovered_normalisations_keep_the_generic_evaluator() {
    let x = uniform(15, 4, -1.0, 1.0);
    // LayerNormalization's Mean output named
    let n = node("LayerNormalization", &["a", "g"], &["b", "mean"], vec![]);
    let model = sandwich(17, &[3, 5], n, vec![param("g", &[5], 21, 0.5, 1.5)]);
    assert!(!on_route(&model), "{model:?}");
    // the scale an activation
    let nodes = vec![
        node("Tanh", &["x"], &["t"], vec![]),
        node("LayerNormalization", &["x", "t"], &["y"], vec![]),
    ];
    let model = Model::from_bytes(&model_bytes(
        17,
        nodes,
        vec![],
        &[3, 5],
        vec![out_info("y")],
    ))
    .unwrap();
    assert!(!on_route(&model), "{model:?}");
    // each still differentiates (the generic evaluator), against central differences
    let (_, j) = model.jacobian(&x).unwrap();
    let e = rel_err(&row_major(&j), &central_differences(&model, &x));
    assert!(e <= 1e-7, "generic J vs central differences {e:e}");
}

#[test]
fn opset6_legacy_broadcast_then_batch_normalization_on_the_route() {
    // MATLAB's exports: Sub with `broadcast=1, axis=1` of a per-channel constant, then a
    // BatchNormalization with the opset-6 attributes
    let nodes = vec![
        node(
            "Sub",
            &["x", "mu"],
            &["a"],
            vec![attr_i("broadcast", 1), attr_i("axis", 1)],
        ),
        node(
            "BatchNormalization",
            &["a", "s", "bb", "m", "v"],
            &["b"],
            vec![
                attr_i("is_test", 1),
                attr_ints("consumed_inputs", &[0, 0, 0, 1, 1]),
            ],
        ),
        node("Tanh", &["b"], &["c"], vec![]),
        node("Conv", &["c", "w2"], &["y"], vec![]),
    ];
    let inits = vec![
        param("mu", &[2], 10, -0.5, 0.5),
        param("s", &[2], 11, 0.5, 1.5),
        param("bb", &[2], 12, -0.5, 0.5),
        param("m", &[2], 13, -0.3, 0.3),
        param("v", &[2], 14, 0.2, 2.0),
        param("w2", &[3, 2, 1, 1], 15, -1.0, 1.0),
    ];
    let dims = [1, 2, 3, 3];
    let model =
        Model::from_bytes(&model_bytes(6, nodes, inits, &dims, vec![out_info("y")])).unwrap();
    let x = uniform(numel(&dims), 5, -1.5, 1.5);
    check(
        &model,
        &x,
        true,
        "BatchNormalization",
        "opset 6 after a legacy-broadcast Sub",
    );
}

/// MATLAB's opset-6 CNN (Sub, Conv, BatchNormalization, Relu, MaxPool, Gemm, Softmax):
/// off the route before the normalisation steps (and the legacy-broadcast Sub), on it now;
/// its 122 500 inputs make a full Jacobian too large for the route's budget, so the JVP and
/// the values are compared with the generic evaluator.
#[test]
fn facegate_matlab_cnn_takes_the_route() {
    let dir = common::shared_dir().join("real-models/facegate_matlab_cnn");
    if !dir.is_dir() {
        eprintln!("\n!!!! SKIPPED: {} is absent !!!!\n", dir.display());
        return;
    }
    let model = Model::load(dir.join("model.onnx")).unwrap();
    assert!(on_route(&model), "{model:?}");
    let x = uniform(model.input_len(), 7, 0.0, 255.0);
    let v = uniform(model.input_len(), 8, -1.0, 1.0);
    let (y, jv) = model.jvp(&x, &v).unwrap();
    let (yg, jvg) = try_jvp(|x| model.eval(x), &x, &v).unwrap();
    let (ev, ej) = (rel_err(&y, &yg), rel_err(&jv, &jvg));
    let t0 = std::time::Instant::now();
    model.jvp(&x, &v).unwrap();
    let route = t0.elapsed();
    let t0 = std::time::Instant::now();
    try_jvp(|x| model.eval(x), &x, &v).unwrap();
    let generic = t0.elapsed();
    eprintln!(
        "facegate: y {y:?}, J·v {jv:?}; values vs generic {ev:e}, J·v vs generic {ej:e}; \
         jvp {route:?} on the route, {generic:?} generic"
    );
    assert!(ev <= 1e-12 && ej <= 1e-12, "{ev:e} {ej:e}");
    assert_eq!(bits(&model.forward(&x).unwrap()), bits(&y));
}
