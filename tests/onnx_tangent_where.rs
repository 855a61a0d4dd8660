//! The tangent route's masks: comparisons of activations (Equal against a constant and
//! against another activation, Less, Greater), the logic on masks (Not, And, Or, Cast,
//! Reshape, Expand) and Where with activation and constant branches and broadcasting, each
//! mid-route, against the generic evaluator (dual numbers, `Model::eval`) and
//! Richardson-extrapolated central differences where the point is off every comparison
//! edge; a batch against the points one by one, bit for bit. Models where a mask or a
//! Where of constants would be read as a float stay off the route and keep the generic
//! evaluator. And the transformer whose padding mask is computed from its input,
//! `encoder_mask_input.onnx`, is on the route with the generic path's Jacobian.

mod common;

use common::json::floats;
use common::numeric::{rel_err, row_major, uniform};
use common::onnx::{self, attr_i, f32_tensor, i64_tensor, node, weight};
use common::route::{self, on_route, Case};
use nngrad_core::onnx::proto::{NodeProto, TensorProto};
use nngrad_core::onnx::Model;
use nngrad_core::try_jacobian;

const BOOL: i64 = 9;
const FLOAT: i64 = 1;

fn scalar(name: &str, v: f32) -> TensorProto {
    f32_tensor(name, &[], &[v])
}

fn model(nodes: Vec<NodeProto>, inits: Vec<TensorProto>, x_dims: &[i64]) -> Model {
    onnx::model(17, nodes, inits, x_dims)
}

/// `x [2, 3, 4] → MatMul W1 → Tanh → a`, `x → MatMul W2 → Sin → b` (two activations with
/// general lanes, roughly half of each negative), `<the case's nodes> → r → Sigmoid → y`.
fn around(mid: Vec<NodeProto>, mut inits: Vec<TensorProto>) -> Model {
    let mut nodes = vec![
        node("MatMul", &["x", "w1"], &["a0"], vec![]),
        node("Tanh", &["a0"], &["a"], vec![]),
        node("MatMul", &["x", "w2"], &["b0"], vec![]),
        node("Sin", &["b0"], &["b"], vec![]),
    ];
    nodes.extend(mid);
    nodes.push(node("Sigmoid", &["r"], &["y"], vec![]));
    inits.push(weight("w1", &[4, 4], 1));
    inits.push(weight("w2", &[4, 4], 2));
    model(nodes, inits, &[2, 3, 4])
}

/// [`route::check`] at a uniform point, the Jacobian also against central differences
/// when `differences` (off only where the point sits on a comparison edge).
fn check(m: &Model, op: &str, what: &str, x: &[f64], differences: bool) {
    let mut case = Case::new(op, what);
    case.differences = differences;
    route::check(m, x, case);
}

fn point(seed: u64) -> Vec<f64> {
    uniform(24, seed, -1.0, 1.0)
}

/// Asserts that `m` (a `Where` of `a` and `b` into `r`) takes each branch somewhere at
/// `x`: its outputs equal the model with `r = a` at some elements and `r = b` at others
/// (else the case would test one branch only).
fn both_branches(m: &Model, x: &[f64]) {
    let y = m.forward(x).unwrap();
    let of = |v: &str| {
        around(vec![node("Identity", &[v], &["r"], vec![])], vec![])
            .forward(x)
            .unwrap()
    };
    let (ya, yb) = (of("a"), of("b"));
    let from =
        |want: &[f64], other: &[f64]| (0..y.len()).any(|i| y[i] == want[i] && y[i] != other[i]);
    assert!(from(&ya, &yb) && from(&yb, &ya), "one branch only: {y:?}");
}

#[test]
fn equal_against_a_constant_selects_activations() {
    // Relu(a) == 0 where a <= 0: a mask true for about half the elements, no point of it
    // on an edge (a is never exactly 0 at a random point, nor within a step of it here).
    let m = around(
        vec![
            node("Relu", &["a"], &["p"], vec![]),
            node("Equal", &["p", "zero"], &["m"], vec![]),
            node("Where", &["m", "b", "a"], &["r"], vec![]),
        ],
        vec![scalar("zero", 0.0)],
    );
    let x = point(3);
    both_branches(&m, &x);
    check(&m, "Equal", "Equal(Relu(a), 0) → Where(m, b, a)", &x, true);
    // The same against an integer constant (widened as the generic operator widens it).
    let m = around(
        vec![
            node("Relu", &["a"], &["p"], vec![]),
            node("Equal", &["p", "zero"], &["m"], vec![]),
            node("Where", &["m", "a", "b"], &["r"], vec![]),
        ],
        vec![i64_tensor("zero", &[], &[0])],
    );
    both_branches(&m, &x);
    check(
        &m,
        "Equal",
        "Equal(Relu(a), int 0) → Where(m, a, b)",
        &x,
        true,
    );
}

#[test]
fn equal_of_two_activations_selects_a_constant_or_an_activation() {
    // Relu(a) == Relu(b): true where both are <= 0 (0 == 0), false elsewhere; a constant
    // branch of shape [4] broadcast to [2, 3, 4].
    let m = around(
        vec![
            node("Relu", &["a"], &["p"], vec![]),
            node("Relu", &["b"], &["q"], vec![]),
            node("Equal", &["p", "q"], &["m"], vec![]),
            node("Where", &["m", "c", "a"], &["r"], vec![]),
        ],
        vec![weight("c", &[4], 5)],
    );
    let x = point(4);
    check(
        &m,
        "Equal",
        "Equal(Relu(a), Relu(b)) → Where(m, c, a)",
        &x,
        true,
    );
    // The mask itself is 0/1 at each element: compared against the generic path's values.
    let m2 = around(
        vec![
            node("Relu", &["a"], &["p"], vec![]),
            node("Relu", &["b"], &["q"], vec![]),
            node("Equal", &["p", "q"], &["m"], vec![]),
            node("Where", &["m", "one", "zero"], &["s"], vec![]),
            node("Add", &["a", "s"], &["r"], vec![]),
        ],
        vec![scalar("one", 1.0), scalar("zero", 0.0)],
    );
    let y = m2.forward(&x).unwrap();
    let ya = around(vec![node("Identity", &["a"], &["r"], vec![])], vec![])
        .forward(&x)
        .unwrap();
    let flips = y
        .iter()
        .zip(&ya)
        .filter(|(p, q)| (*p - *q).abs() > 1e-12)
        .count();
    assert!(flips > 0 && flips < y.len(), "mask {flips} of {}", y.len());
    check(&m2, "Where", "Add(a, Where(Equal(..), 1, 0))", &x, true);
}

#[test]
fn less_and_greater_select_the_larger_and_smaller_branch() {
    for (op, what) in [
        ("Greater", "Where(a > b, a, b): max"),
        ("Less", "Where(a < b, a, b): min"),
        ("GreaterOrEqual", "Where(a >= b, a, b)"),
        ("LessOrEqual", "Where(a <= b, a, b)"),
    ] {
        let m = around(
            vec![
                node(op, &["a", "b"], &["m"], vec![]),
                node("Where", &["m", "a", "b"], &["r"], vec![]),
            ],
            vec![],
        );
        both_branches(&m, &point(6));
        check(&m, op, what, &point(6), true);
    }
}

#[test]
fn where_broadcasts_its_condition_and_branches() {
    // condition [2, 3, 1] (a row's sum below 0), X a [2, 3, 4], Y b's first column [2, 3, 1]
    let m = around(
        vec![
            node(
                "ReduceSum",
                &["a", "ax"],
                &["s"],
                vec![attr_i("keepdims", 1)],
            ),
            node("Less", &["s", "zero"], &["m"], vec![]),
            node("Slice", &["b", "st", "en", "ax"], &["b1"], vec![]),
            node("Where", &["m", "a", "b1"], &["r"], vec![]),
        ],
        vec![
            i64_tensor("ax", &[1], &[-1]),
            i64_tensor("st", &[1], &[0]),
            i64_tensor("en", &[1], &[1]),
            scalar("zero", 0.0),
        ],
    );
    let y = m.forward(&point(7)).unwrap();
    let ya = around(vec![node("Identity", &["a"], &["r"], vec![])], vec![])
        .forward(&point(7))
        .unwrap();
    // some rows of four select a, others b's first column (four equal entries)
    let rows_a = (0..6)
        .filter(|r| y[r * 4..r * 4 + 4] == ya[r * 4..r * 4 + 4])
        .count();
    assert!(rows_a > 0 && rows_a < 6, "rows taking a: {rows_a}");
    check(
        &m,
        "Where",
        "Where(m [2,3,1], a [2,3,4], b1 [2,3,1])",
        &point(7),
        true,
    );
    // a constant condition [3, 1] with two activation branches
    let m = around(
        vec![node("Where", &["cond", "a", "b"], &["r"], vec![])],
        vec![i64_tensor("cond", &[3, 1], &[1, 0, 1])],
    );
    both_branches(&m, &point(8));
    check(&m, "Where", "Where(const [3,1], a, b)", &point(8), true);
    // an activation branch [4] broadcast up by a mask [2, 3, 4] and a constant scalar
    let m = around(
        vec![
            node("Greater", &["a", "b"], &["m"], vec![]),
            node(
                "ReduceSum",
                &["b", "ax"],
                &["bs"],
                vec![attr_i("keepdims", 0)],
            ),
            node("Where", &["m", "k", "bs"], &["r0"], vec![]),
            node("Add", &["r0", "a"], &["r"], vec![]),
        ],
        vec![
            i64_tensor("ax", &[2], &[0, 1]),
            f32_tensor("k", &[], &[0.25]),
        ],
    );
    check(
        &m,
        "Where",
        "Where(m [2,3,4], 0.25, Σb [4])",
        &point(9),
        true,
    );
}

/// Where reading the runtime input itself (its lanes the identity) as condition operand
/// and branch: `Where(x > 0, x, −x/2)`, a leaky ReLU, whose diagonal Jacobian is checked in
/// closed form.
#[test]
fn where_selects_the_runtime_input() {
    let m = model(
        vec![
            node("Greater", &["x", "zero"], &["g"], vec![]),
            node("Mul", &["x", "half"], &["h"], vec![]),
            node("Where", &["g", "x", "h"], &["w"], vec![]),
            node("Tanh", &["w"], &["y"], vec![]),
        ],
        vec![scalar("zero", 0.0), scalar("half", -0.5)],
        &[3, 4],
    );
    let x = uniform(12, 16, -1.0, 1.0);
    assert!(x.iter().any(|&v| v > 0.0) && x.iter().any(|&v| v < 0.0));
    let (_, j) = m.jacobian(&x).unwrap();
    for (i, &v) in x.iter().enumerate() {
        let t = if v > 0.0 { v } else { -0.5 * v };
        let slope = if v > 0.0 { 1.0 } else { -0.5 };
        let want = slope * (1.0 - t.tanh().powi(2));
        assert!((j[(i, i)] - want).abs() <= 1e-15, "diagonal {i}");
    }
    let mut case = Case::new("Where", "Where(x > 0, x, -x/2) on the input");
    case.others = Some(vec![uniform(12, 17, -1.0, 1.0), uniform(12, 18, -2.0, 2.0)]);
    route::check(&m, &x, case);
}

#[test]
fn logic_on_masks_and_the_additive_mask_pattern() {
    // Not, And, Or, Cast to bool, Reshape and Expand of masks, then the transformer's
    // `Where(mask, -inf, 0)` added to scores before a Softmax: the masked entries get
    // exactly zero weight, the others their softmax.
    let m = around(
        vec![
            node("Greater", &["a", "zero"], &["g"], vec![]),
            node("Less", &["b", "half"], &["l"], vec![]),
            node("And", &["g", "l"], &["gl"], vec![]),
            node("Not", &["g"], &["ng"], vec![]),
            node("Or", &["gl", "ng"], &["o"], vec![]),
            node("Cast", &["o"], &["oc"], vec![attr_i("to", BOOL)]),
            node(
                "ReduceSum",
                &["a", "ax"],
                &["s"],
                vec![attr_i("keepdims", 0)],
            ),
            node("Less", &["s", "zero"], &["t"], vec![]),
            node("Reshape", &["t", "sh"], &["t4"], vec![]),
            node("Expand", &["t4", "full"], &["te"], vec![]),
            node("Xor", &["oc", "te"], &["xo"], vec![]),
            // the first column never masked, so no row's Softmax is masked out entirely
            node("And", &["xo", "keep"], &["mask"], vec![]),
            node("Where", &["mask", "ninf", "zero"], &["add"], vec![]),
            node("Add", &["b", "add"], &["sc"], vec![]),
            node("Softmax", &["sc"], &["r"], vec![attr_i("axis", -1)]),
        ],
        vec![
            scalar("zero", 0.0),
            scalar("half", 0.5),
            scalar("ninf", f32::NEG_INFINITY),
            i64_tensor("ax", &[1], &[-1]),
            i64_tensor("sh", &[3], &[2, 3, 1]),
            i64_tensor("full", &[3], &[2, 3, 4]),
            i64_tensor("keep", &[4], &[0, 1, 1, 1]),
        ],
    );
    let x = point(10);
    let y = m.forward(&x).unwrap();
    assert!(y.iter().all(|v| v.is_finite()), "{y:?}");
    assert!(y.contains(&0.5), "some entries masked out");
    let others = Some(vec![point(11), point(12)]);
    for o in others.as_ref().unwrap() {
        assert!(m.forward(o).unwrap().iter().all(|v| v.is_finite()));
    }
    let mut case = Case::new(
        "Where",
        "Xor/Or/And/Not/Cast/Reshape/Expand → Where(m, -inf, 0)",
    );
    case.others = others;
    route::check(&m, &x, case);
    // A mask cast to float is flat (0/1, no derivative): added to an activation.
    let m = around(
        vec![
            node("Greater", &["a", "b"], &["g"], vec![]),
            node("Cast", &["g"], &["gf"], vec![attr_i("to", FLOAT)]),
            node("Sub", &["gf", "a"], &["r"], vec![]),
        ],
        vec![],
    );
    check(&m, "Cast", "Sub(Cast(a > b, float), a)", &point(13), true);
}

/// The input-padding pattern on a comparison edge: `Equal(ReduceSum(Abs(x)), 0)` is true
/// for a token of zeros, where central differences would cross the edge (and Abs's kink):
/// against the generic evaluator only.
#[test]
fn a_mask_on_its_edge_agrees_with_the_generic_path() {
    let m = model(
        vec![
            node("Abs", &["x"], &["ax"], vec![]),
            node(
                "ReduceSum",
                &["ax", "axes"],
                &["s"],
                vec![attr_i("keepdims", 1)],
            ),
            node("Equal", &["s", "zero"], &["pad"], vec![]),
            node("MatMul", &["x", "w"], &["h"], vec![]),
            node("Tanh", &["h"], &["t"], vec![]),
            node("Where", &["pad", "zero", "t"], &["y"], vec![]),
        ],
        vec![
            i64_tensor("axes", &[1], &[-1]),
            scalar("zero", 0.0),
            weight("w", &[4, 4], 3),
        ],
        &[3, 4],
    );
    let mut x = uniform(12, 14, -1.0, 1.0);
    x[4..8].fill(0.0);
    let mut case = Case::new("Equal", "Equal(Σ|x|, 0) with a zero token");
    case.differences = false;
    route::check(&m, &x, case);
    let (_, j) = m.jacobian(&x).unwrap();
    for i in 4..8 {
        assert!((0..12).all(|c| j[(i, c)] == 0.0), "row {i}: padding");
    }
}

/// A mask or a Where of constants read as a float anywhere but Where, the aliases, Expand
/// and (flat only) Add/Sub with an activation keeps the generic evaluator, which still
/// gives its numbers.
#[test]
fn a_mask_read_as_a_float_stays_off_the_route() {
    let cases: Vec<(&str, Vec<NodeProto>)> = vec![
        (
            "Mul(mask as float, a)",
            vec![
                node("Greater", &["a", "b"], &["g"], vec![]),
                node("Cast", &["g"], &["gf"], vec![attr_i("to", FLOAT)]),
                node("Mul", &["gf", "a"], &["r"], vec![]),
            ],
        ),
        (
            "Relu(Where(mask, 1, 0))",
            vec![
                node("Greater", &["a", "b"], &["g"], vec![]),
                node("Where", &["g", "one", "zero"], &["f"], vec![]),
                node("Relu", &["f"], &["f2"], vec![]),
                node("Add", &["f2", "a"], &["r"], vec![]),
            ],
        ),
        (
            "Where with mask branches",
            vec![
                node("Greater", &["a", "b"], &["g"], vec![]),
                node("Less", &["a", "b"], &["l"], vec![]),
                node("Where", &["g", "g", "l"], &["gl"], vec![]),
                node("Where", &["gl", "a", "b"], &["r"], vec![]),
            ],
        ),
        (
            "a flat output",
            vec![
                node("Greater", &["a", "b"], &["g"], vec![]),
                node("Where", &["g", "one", "zero"], &["r"], vec![]),
            ],
        ),
        (
            "MatMul of a mask",
            vec![
                node("Greater", &["a", "b"], &["g"], vec![]),
                node("Cast", &["g"], &["gf"], vec![attr_i("to", FLOAT)]),
                node("MatMul", &["gf", "w3"], &["g3"], vec![]),
                node("Add", &["g3", "a"], &["r"], vec![]),
            ],
        ),
    ];
    for (what, mid) in cases {
        let m = around(
            mid,
            vec![
                scalar("one", 1.0),
                scalar("zero", 0.0),
                weight("w3", &[4, 4], 9),
            ],
        );
        assert!(!on_route(&m), "{what}: on the route");
        let x = point(15);
        route::same_bits_as_generic(&m, &x, what);
    }
}

/// The transformer encoder whose key-padding mask comes from its input (`Abs → ReduceSum →
/// Equal(·, 0) → Cast → Reshape → Expand → Where(mask, -inf, 0)` added to the scores) is on
/// the route, with the generic path's values and Jacobian at the reference points (one with
/// a padding token, on the mask's edge) and the float64 reference's.
#[test]
fn the_transformer_with_an_input_mask_is_on_the_route() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/onnx/transformer");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("reference.json")).unwrap())
            .unwrap();
    let rec = &r["variants"]["mask_input"];
    let m = Model::load(dir.join(rec["model"].as_str().unwrap())).unwrap();
    assert!(on_route(&m), "{m:?}");
    let pts = rec["points"].as_array().unwrap();
    for (p, xp) in pts.iter().enumerate() {
        let x = floats(xp);
        let (y, j) = m.jacobian(&x).unwrap();
        let (yg, jg) = try_jacobian(|x| m.eval(x), &x).unwrap();
        let (ev, ej) = (rel_err(&y, &yg), rel_err(&row_major(&j), &row_major(&jg)));
        let want_j = floats(&rec["jacobians"][p]);
        let (rv, rj) = (
            rel_err(&y, &floats(&rec["outputs"][p])),
            rel_err(&row_major(&j), &want_j),
        );
        eprintln!(
            "point {p}: vs generic values {ev:e}, J {ej:e}; vs reference values {rv:e}, J {rj:e}"
        );
        assert!(ev <= 1e-12 && ej <= 1e-12, "point {p}");
        assert!(rv <= 1e-6 && rj <= 1e-6, "point {p}");
    }
    let mut case = Case::new("Where", "encoder_mask_input.onnx");
    case.differences = false;
    case.others = Some(pts[1..].iter().map(floats).collect());
    route::check(&m, &floats(&pts[0]), case);
}
