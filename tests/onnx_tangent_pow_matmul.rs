//! The tangent route's Pow with a constant operand (`x^c` for float and integer exponents,
//! scalar and broadcast, negative bases for integral ones; `c^x`) and MatMul of two
//! activations (2-D, batched, 1-D operands, broadcast batch dimensions, both operands from
//! the same input, `A·Aᵀ` and `A·A`), each mid-route, against the generic evaluator (dual
//! numbers, `Model::eval`) and Richardson-extrapolated central differences; a batch against
//! the points one by one, bit for bit.

mod common;

use common::numeric::{rel_err, row_major, uniform};
use common::onnx::{attr_ints, f32_tensor, i64_tensor, model, node, numel, weight};
use common::route::{self, on_route, Case};
use nngrad_core::onnx::proto::{NodeProto, TensorProto};
use nngrad_core::onnx::Model;
use nngrad_core::try_jacobian;

/// [`route::check`] of a model at `x`, batched with `others`.
fn check(model: &Model, x: &[f64], others: &[Vec<f64>], op: &str, what: &str) {
    let mut case = Case::new(op, what);
    case.others = Some(others.to_vec());
    route::check(model, x, case);
}

/// The exponent (or base) operand of a Pow case.
enum Operand {
    Float(Vec<i64>, Vec<f32>),
    Int(Vec<i64>, Vec<i64>),
}

impl Operand {
    fn tensor(&self, name: &str) -> TensorProto {
        match self {
            Operand::Float(d, v) => f32_tensor(name, d, v),
            Operand::Int(d, v) => i64_tensor(name, d, v),
        }
    }
}

/// `x [2,3] → Gemm (3 → 3, bias) → a → [Exp →] b → Pow → c → Gemm (3 → 2) → y`: with
/// `positive`, the base is `exp(a)` (positive, general lanes); else `a` itself (both
/// signs). With `base_const`, `c = e^b` for the constant `e`, else `c = b^e`.
fn pow_model(e: &Operand, positive: bool, base_const: bool) -> Model {
    let mut nodes = vec![node("Gemm", &["x", "w1", "b1"], &["a"], vec![])];
    let b = if positive {
        nodes.push(node("Exp", &["a"], &["b"], vec![]));
        "b"
    } else {
        "a"
    };
    let ins = if base_const { ["e", b] } else { [b, "e"] };
    nodes.push(node("Pow", &ins, &["c"], vec![]));
    nodes.push(node("Gemm", &["c", "w2"], &["y"], vec![]));
    let inits = vec![
        weight("w1", &[3, 3], 1),
        f32_tensor("b1", &[3], &[0.3, -0.2, 0.1]),
        weight("w2", &[3, 2], 2),
        e.tensor("e"),
    ];
    model(13, nodes, inits, &[2, 3])
}

#[test]
fn pow_with_a_constant_exponent_is_on_the_route() {
    use Operand::{Float, Int};
    let x = uniform(6, 5, -1.0, 1.0);
    let others = [uniform(6, 7, -1.0, 1.0), uniform(6, 8, -1.2, 1.2)];
    // (what, exponent, positive base only)
    let cases: Vec<(&str, Operand, bool)> = vec![
        ("x^2.0", Float(vec![], vec![2.0]), true),
        ("x^3.0", Float(vec![], vec![3.0]), true),
        ("x^0.5", Float(vec![], vec![0.5]), true),
        ("x^-1.0", Float(vec![], vec![-1.0]), true),
        ("x^1.7", Float(vec![], vec![1.7]), true),
        ("x^2.0, both signs", Float(vec![], vec![2.0]), false),
        ("x^3.0, both signs", Float(vec![], vec![3.0]), false),
        ("x^-1.0, both signs", Float(vec![1], vec![-1.0]), false),
        ("x^2 int", Int(vec![], vec![2]), false),
        ("x^3 int", Int(vec![], vec![3]), false),
        ("x^-1 int", Int(vec![], vec![-1]), false),
        ("x^2 int, positive", Int(vec![], vec![2]), true),
        (
            "x^[2, 0.5, 1.7] broadcast",
            Float(vec![3], vec![2.0, 0.5, 1.7]),
            true,
        ),
        (
            "x^[[2, 3, -1]] int broadcast",
            Int(vec![1, 3], vec![2, 3, -1]),
            false,
        ),
        (
            "x^e, e of x's shape",
            Float(vec![2, 3], vec![2.0, 3.0, 0.5, -1.0, 1.7, 0.0]),
            true,
        ),
    ];
    for (what, e, positive) in &cases {
        let m = pow_model(e, *positive, false);
        check(&m, &x, &others, "Pow x^c", what);
    }
}

#[test]
fn pow_with_a_constant_base_is_on_the_route() {
    use Operand::Float;
    let x = uniform(6, 5, -1.0, 1.0);
    let others = [uniform(6, 7, -1.0, 1.0), uniform(6, 8, -1.2, 1.2)];
    let cases: Vec<(&str, Operand)> = vec![
        ("2^x", Float(vec![], vec![2.0])),
        ("[0.5, 2, 3.7]^x", Float(vec![3], vec![0.5, 2.0, 3.7])),
        ("[[3], [0.25]]^x", Float(vec![2, 1], vec![3.0, 0.25])),
    ];
    for (what, e) in &cases {
        // Both signs of the exponent: the base is constant and positive.
        let m = pow_model(e, false, true);
        check(&m, &x, &others, "Pow c^x", what);
    }
}

/// The value Pow gives on the route is the generic operator's exactly: `x^2` on a bare
/// input (no product before it), bit for bit, and zero tangents stay zero through the
/// infinite slope of `x^0.5` at 0 (as the dual numbers keep them).
#[test]
fn pow_values_are_the_generic_operators_bit_for_bit() {
    for (e, x) in [
        (2.0f32, vec![-1.5, -0.3, 0.0, 0.7, 2.0, 1e-3]),
        (0.5, vec![0.0, 0.25, 1.0, 2.0, 1e-8, 9.0]),
        (1.7, vec![0.0, 0.25, 1.0, 2.0, 1e-8, 9.0]),
        (-1.0, vec![-2.0, -0.25, 0.5, 3.0, 1e-3, -7.0]),
    ] {
        let m = model(
            13,
            vec![node("Pow", &["x", "e"], &["y"], vec![])],
            vec![f32_tensor("e", &[], &[e])],
            &[6],
        );
        assert!(on_route(&m), "x^{e}: {m:?}");
        route::same_bits_as_generic(&m, &x, &format!("x^{e}"));
    }
}

/// Pow of two activations, and an integer base (the output is then an integer tensor),
/// are not covered: the model keeps the generic evaluator.
#[test]
fn pow_cases_not_covered_keep_the_generic_evaluator() {
    let m = model(
        13,
        vec![
            node("Exp", &["x"], &["a"], vec![]),
            node("Pow", &["a", "x"], &["y"], vec![]),
        ],
        vec![],
        &[3],
    );
    assert!(!on_route(&m), "{m:?}");
    let x = [0.3, -0.2, 0.5];
    let (y, _) = m.jacobian(&x).unwrap();
    let want: Vec<f64> = x.iter().map(|v: &f64| v.exp().powf(*v)).collect();
    assert!(rel_err(&y, &want) <= 1e-15);
    // `3^x` with an int64 base: ONNX Pow's output takes the base's type, an integer tensor.
    let m = pow_model(&Operand::Int(vec![], vec![3]), false, true);
    assert!(!on_route(&m), "{m:?}");
}

fn reshape(x: &str, shape: &str, y: &str) -> NodeProto {
    node("Reshape", &[x, shape], &[y], vec![])
}

fn shape_const(name: &str, dims: &[i64]) -> TensorProto {
    i64_tensor(name, &[dims.len() as i64], dims)
}

#[test]
fn matmul_of_two_activations_is_on_the_route() {
    // (what, input dims, nodes, initializers); every model ends in `y`.
    type Case = (&'static str, Vec<i64>, Vec<NodeProto>, Vec<TensorProto>);
    let t = |x: &str, y: &str, perm: &[i64]| {
        node("Transpose", &[x], &[y], vec![attr_ints("perm", perm)])
    };
    let mm = |a: &str, b: &str, y: &str| node("MatMul", &[a, b], &[y], vec![]);
    let cases: Vec<Case> = vec![
        (
            "2-D: (x·W1)·(x·W2)ᵀ",
            vec![3, 4],
            vec![
                mm("x", "w1", "a"),
                mm("x", "w2", "b0"),
                t("b0", "b", &[1, 0]),
                mm("a", "b", "c"),
                node("Tanh", &["c"], &["y"], vec![]),
            ],
            vec![weight("w1", &[4, 5], 1), weight("w2", &[4, 5], 2)],
        ),
        (
            "2-D: A·Aᵀ",
            vec![3, 4],
            vec![
                mm("x", "w1", "a"),
                t("a", "at", &[1, 0]),
                mm("a", "at", "y"),
            ],
            vec![weight("w1", &[4, 5], 3)],
        ),
        (
            "2-D: A·A, one buffer for both operands",
            vec![4, 4],
            vec![
                mm("x", "w1", "a"),
                node("Sigmoid", &["a"], &["s"], vec![]),
                mm("s", "s", "y"),
            ],
            vec![weight("w1", &[4, 4], 4)],
        ),
        (
            "2-D: the input itself times an activation",
            vec![3, 3],
            vec![mm("x", "w1", "a"), mm("x", "a", "y")],
            vec![weight("w1", &[3, 3], 5)],
        ),
        (
            "3-D with batch: (x·W1)·(x·W2)ᵀ per batch",
            vec![2, 3, 4],
            vec![
                mm("x", "w1", "a"),
                mm("x", "w2", "b0"),
                t("b0", "b", &[0, 2, 1]),
                mm("a", "b", "y"),
            ],
            vec![weight("w1", &[4, 5], 6), weight("w2", &[4, 5], 7)],
        ),
        (
            "1-D · 1-D (a dot product)",
            vec![4],
            vec![mm("x", "w1", "a"), mm("x", "w2", "b"), mm("a", "b", "y")],
            vec![weight("w1", &[4, 5], 8), weight("w2", &[4, 5], 9)],
        ),
        (
            "1-D · 2-D and 2-D · 1-D",
            vec![4],
            vec![
                mm("x", "w1", "a"),
                mm("x", "w3", "m0"),
                reshape("m0", "s53", "mat"),
                mm("a", "mat", "r"),
                mm("mat", "r", "y"),
            ],
            vec![
                weight("w1", &[4, 5], 10),
                weight("w3", &[4, 15], 11),
                shape_const("s53", &[5, 3]),
            ],
        ),
        (
            "broadcast batch: [2,1,3,4] · [3,4,2]",
            vec![3, 4],
            vec![
                mm("x", "w1", "a0"),
                reshape("a0", "sa", "a"),
                mm("x", "w2", "b0"),
                reshape("b0", "sb", "b"),
                mm("a", "b", "y"),
            ],
            vec![
                weight("w1", &[4, 8], 12),
                weight("w2", &[4, 8], 13),
                shape_const("sa", &[2, 1, 3, 4]),
                shape_const("sb", &[3, 4, 2]),
            ],
        ),
        (
            "broadcast batch: [2,3,4] · [4,6] (B unbatched)",
            vec![2, 3, 4],
            vec![
                mm("x", "w1", "a"),
                mm("x", "w2", "b0"),
                reshape("b0", "sb", "b"),
                mm("a", "b", "y"),
            ],
            vec![
                weight("w1", &[4, 4], 14),
                weight("w2", &[4, 4], 15),
                shape_const("sb", &[4, 6]),
            ],
        ),
    ];
    for (what, dims, nodes, inits) in cases {
        let m = model(13, nodes, inits, &dims);
        let n = numel(&dims);
        let x = uniform(n, 5, -1.0, 1.0);
        let others = [uniform(n, 7, -1.0, 1.0), uniform(n, 8, -2.0, 2.0)];
        check(&m, &x, &others, "MatMul", what);
    }
}

/// An attention head as the transformer's: scores `q·kᵀ / √d`, Softmax, times `v`, with
/// q, k, v from the same input: every node on the route.
#[test]
fn an_attention_head_is_on_the_route() {
    let nodes = vec![
        node("MatMul", &["x", "wq"], &["q"], vec![]),
        node("MatMul", &["x", "wk"], &["k"], vec![]),
        node("MatMul", &["x", "wv"], &["v"], vec![]),
        node(
            "Transpose",
            &["k"],
            &["kt"],
            vec![attr_ints("perm", &[0, 2, 1])],
        ),
        node("MatMul", &["q", "kt"], &["s0"], vec![]),
        node("Div", &["s0", "sq"], &["s"], vec![]),
        node("Softmax", &["s"], &["p"], vec![]),
        node("MatMul", &["p", "v"], &["y"], vec![]),
    ];
    let inits = vec![
        weight("wq", &[4, 4], 21),
        weight("wk", &[4, 4], 22),
        weight("wv", &[4, 4], 23),
        f32_tensor("sq", &[], &[2.0]),
    ];
    let m = model(13, nodes, inits, &[2, 5, 4]);
    let x = uniform(40, 5, -1.0, 1.0);
    let others = [uniform(40, 7, -1.0, 1.0), uniform(40, 8, -2.0, 2.0)];
    check(&m, &x, &others, "MatMul attention", "attention head");
}

/// The models these two steps bring onto the route: DecayFitNet's 1-D CNN (its `Pow`s) and
/// the transformer encoder with the constant mask (its `Q·Kᵀ` and `softmax·V`), against the
/// generic evaluator. (`ddingr_pytorch_mlp` is on the route since ReduceSum, Clip, Expand
/// and Div of two activations are: `onnx_tangent_reduce.rs`; `encoder_mask_input.onnx`
/// since masks and Where are: `onnx_tangent_where.rs`.)
#[test]
fn real_models_with_pow_and_attention_are_on_the_route() {
    let shared = common::shared_dir();
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![here.join("tests/data/onnx/transformer/encoder_mask_const.onnx")];
    if shared.is_dir() {
        files.push(shared.join("real-models/decayfitnet_pytorch_cnn1d/model.onnx"));
    }
    for (i, f) in files.iter().enumerate() {
        let m = Model::load(f).unwrap();
        assert!(on_route(&m), "{}: {m:?}", f.display());
        let n = m.input_len();
        let x = uniform(n, 31 + i as u64, -1.0, 1.0);
        let (y, j) = m.jacobian(&x).unwrap();
        let (yg, jg) = try_jacobian(|x| m.eval(x), &x).unwrap();
        let (ev, ej) = (rel_err(&y, &yg), rel_err(&row_major(&j), &row_major(&jg)));
        eprintln!("{}: values {ev:e}, Jacobian {ej:e} vs generic", f.display());
        assert!(ev <= 1e-12 && ej <= 1e-12, "{}", f.display());
    }
}
