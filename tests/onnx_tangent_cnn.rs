//! The tangent route's convolution, pooling, transpose and softmax steps (issue 11): the
//! digits CNN fixture against its float64 reference Jacobians and against the generic
//! evaluator (dual numbers, `Model::eval`); each step alone on small random shapes against
//! Richardson-extrapolated central differences and the generic evaluator; MaxPool ties
//! against the first-maximum rule; both Softmax axis semantics.

mod common;

use common::json::matrix;
use common::numeric::{rel_err, row_major, uniform};
use common::onnx::{attr_i, attr_ints, attr_s, f32_tensor, model_bytes, node, value_info};
use common::route::{self, bits, central_differences, on_route, Case};
use nngrad_core::onnx::proto::{data_type, AttributeProto, NodeProto, TensorProto};
use nngrad_core::onnx::Model;
use nngrad_core::{try_jacobian, Differentiable};
use serde_json::Value as Json;

/// Uniform values in `[lo, hi)`, reproducible.
fn random(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    uniform(n, seed, lo, hi)
}

/// Float32 values (the weights are stored as float32, so the model holds them exactly).
fn random_f32(n: usize, seed: u64) -> Vec<f32> {
    random(n, seed, -1.0, 1.0)
        .into_iter()
        .map(|v| v as f32)
        .collect()
}

/// [`route::check`] of a model at `x`, values to 1e-13, central differences when `fd`.
fn check(model: &Model, x: &[f64], fd: bool, what: &str) {
    let mut case = Case::new("cnn", what);
    case.differences = fd;
    case.values = 1e-13;
    route::check(model, x, case);
}

fn fixture() -> (Model, Json) {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/onnx/digits_keras_cnn_conv2d");
    let text = std::fs::read_to_string(dir.join("reference.json")).unwrap();
    // the checks section holds bare Infinity/NaN (not JSON); no value compared here does
    let text = text
        .replace("-Infinity", "null")
        .replace("Infinity", "null")
        .replace("NaN", "null");
    let r = serde_json::from_str(&text).unwrap();
    (Model::load(dir.join("model.onnx")).unwrap(), r)
}

#[test]
fn digits_cnn_jacobians_on_the_route_match_float64_references_and_generic_path() {
    let (model, r) = fixture();
    assert!(on_route(&model), "{model:?}");
    let points = matrix(&r["points"]);
    let jacs = r["jacobians_reference_f64"].as_array().unwrap();
    let outs = matrix(&r["outputs_reference_f64"]);
    assert!(points.len() >= 5);
    for (k, x) in points.iter().enumerate() {
        let (y, j) = model.jacobian(x).unwrap();
        let e = rel_err(&y, &outs[k]);
        assert!(e <= 1e-9, "point {k}: outputs vs reference {e:e}");
        let e = rel_err(&row_major(&j), &matrix(&jacs[k]).concat());
        assert!(e <= 1e-9, "point {k}: J vs float64 reference {e:e}");
        let (yg, jg) = try_jacobian(|x| model.eval(x), x).unwrap();
        let e = rel_err(&y, &yg);
        assert!(e <= 1e-13, "point {k}: values vs generic {e:e}");
        let e = rel_err(&row_major(&j), &row_major(&jg));
        assert!(e <= 1e-12, "point {k}: J vs generic {e:e}");
    }
    check(&model, &points[0], false, "digits CNN");
    // every point in one batch, as the points one by one
    let n = model.input_len();
    let m = model.output_len();
    let xs = points.concat();
    let (ys, js) = model.jacobian_batch(&xs).unwrap();
    for (k, x) in points.iter().enumerate() {
        let (y, j) = model.jacobian(x).unwrap();
        assert_eq!(bits(&ys[k * m..(k + 1) * m]), bits(&y), "batch y {k}");
        assert_eq!(
            bits(&js[k * m * n..(k + 1) * m * n]),
            bits(&row_major(&j)),
            "batch J {k}"
        );
    }
}

#[test]
fn digits_cnn_maxpool_ties_take_the_first_maximum_on_the_route() {
    let (model, r) = fixture();
    let ties = &r["maxpool_tie_points"];
    let points = matrix(&ties["points"]);
    let jacs = ties["jacobians_reference_f64_first_max"]
        .as_array()
        .unwrap();
    assert!(!points.is_empty());
    for (k, x) in points.iter().enumerate() {
        let (_, j) = model.jacobian(x).unwrap();
        let e = rel_err(&row_major(&j), &matrix(&jacs[k]).concat());
        assert!(e <= 1e-9, "tie point {k}: J vs first-max reference {e:e}");
        let (_, jg) = try_jacobian(|x| model.eval(x), x).unwrap();
        let e = rel_err(&row_major(&j), &row_major(&jg));
        assert!(e <= 1e-12, "tie point {k}: J vs generic {e:e}");
    }
}

fn out_info(name: &str) -> nngrad_core::onnx::proto::ValueInfoProto {
    value_info(name, data_type::FLOAT, &[])
}

/// `x → Tanh → <nodes> → y` at `opset`: the Tanh makes the lanes reaching the step under
/// test general (not the identity of the input).
fn tanh_then(opset: i64, x_dims: &[i64], nodes: Vec<NodeProto>, inits: Vec<TensorProto>) -> Model {
    let mut all = vec![node("Tanh", &["x"], &["t"], vec![])];
    all.extend(nodes);
    Model::from_bytes(&model_bytes(opset, all, inits, x_dims, vec![out_info("y")])).unwrap()
}

fn conv_case(
    x_dims: &[i64],
    w_dims: &[i64],
    attrs: Vec<AttributeProto>,
    bias: bool,
    seed: u64,
) -> Model {
    let wn: i64 = w_dims.iter().product();
    let mut inits = vec![f32_tensor("w", w_dims, &random_f32(wn as usize, seed))];
    let mut ins = vec!["t", "w"];
    if bias {
        inits.push(f32_tensor(
            "b",
            &[w_dims[0]],
            &random_f32(w_dims[0] as usize, seed + 1),
        ));
        ins.push("b");
    }
    tanh_then(17, x_dims, vec![node("Conv", &ins, &["y"], attrs)], inits)
}

/// What, X's and W's dimensions, attributes, whether there is a bias.
type ConvCase = (&'static str, Vec<i64>, Vec<i64>, Vec<AttributeProto>, bool);

#[test]
fn conv_steps_match_differences_and_generic_path() {
    let cases: Vec<ConvCase> = vec![
        (
            "plain 3x3",
            vec![1, 2, 5, 5],
            vec![3, 2, 3, 3],
            vec![],
            true,
        ),
        (
            "strides, pads, dilations, group 2",
            vec![2, 4, 7, 6],
            vec![6, 2, 3, 2],
            vec![
                attr_ints("strides", &[2, 1]),
                attr_ints("pads", &[1, 0, 2, 1]),
                attr_ints("dilations", &[1, 2]),
                attr_i("group", 2),
            ],
            true,
        ),
        (
            "depthwise SAME_UPPER, no bias",
            vec![1, 3, 5, 4],
            vec![3, 1, 2, 3],
            vec![attr_i("group", 3), attr_s("auto_pad", "SAME_UPPER")],
            false,
        ),
        (
            "SAME_LOWER strided",
            vec![1, 2, 6, 5],
            vec![4, 2, 3, 3],
            vec![
                attr_s("auto_pad", "SAME_LOWER"),
                attr_ints("strides", &[2, 2]),
            ],
            true,
        ),
        (
            "1-D",
            vec![2, 3, 9],
            vec![2, 3, 4],
            vec![attr_ints("pads", &[2, 1]), attr_ints("strides", &[2])],
            true,
        ),
        (
            "3-D",
            vec![1, 2, 3, 4, 3],
            vec![2, 2, 2, 2, 2],
            vec![attr_ints("pads", &[0, 1, 0, 1, 0, 1])],
            true,
        ),
        (
            "1x1 kernel",
            vec![1, 3, 3, 3],
            vec![5, 3, 1, 1],
            vec![],
            true,
        ),
    ];
    for (k, (what, xd, wd, attrs, bias)) in cases.into_iter().enumerate() {
        let model = conv_case(&xd, &wd, attrs, bias, 10 + k as u64);
        let n: i64 = xd.iter().product();
        let x = random(n as usize, 20 + k as u64, -1.5, 1.5);
        check(&model, &x, true, what);
    }
}

#[test]
fn conv_on_the_raw_input_and_the_digits_layout() {
    // Conv reading the runtime input itself (identity lanes), after a Reshape, as the
    // digits CNN does.
    let w = random_f32(2 * 3 * 3, 3);
    let nodes = vec![
        node("Reshape", &["x", "s"], &["r"], vec![]),
        node(
            "Conv",
            &["r", "w"],
            &["y"],
            vec![attr_ints("pads", &[1, 1, 1, 1])],
        ),
    ];
    let inits = vec![
        common::onnx::i64_tensor("s", &[4], &[1, 1, 4, 5]),
        f32_tensor("w", &[2, 1, 3, 3], &w),
    ];
    let model = Model::from_bytes(&model_bytes(
        17,
        nodes,
        inits,
        &[1, 4, 5, 1],
        vec![out_info("y")],
    ))
    .unwrap();
    check(&model, &random(20, 4, -1.0, 1.0), true, "conv on the input");
}

fn pool(op: &str, attrs: Vec<AttributeProto>) -> Vec<NodeProto> {
    vec![node(op, &["t"], &["y"], attrs)]
}

#[test]
fn pool_steps_match_differences_and_generic_path() {
    let cases: Vec<(&str, Vec<i64>, Vec<NodeProto>)> = vec![
        (
            "MaxPool 2x2",
            vec![1, 3, 6, 6],
            pool(
                "MaxPool",
                vec![
                    attr_ints("kernel_shape", &[2, 2]),
                    attr_ints("strides", &[2, 2]),
                ],
            ),
        ),
        (
            "MaxPool 3x3 strided, padded, ceil_mode",
            vec![2, 2, 7, 6],
            pool(
                "MaxPool",
                vec![
                    attr_ints("kernel_shape", &[3, 3]),
                    attr_ints("strides", &[2, 2]),
                    attr_ints("pads", &[1, 1, 1, 0]),
                    attr_i("ceil_mode", 1),
                ],
            ),
        ),
        (
            "MaxPool dilated",
            vec![1, 2, 7, 7],
            pool(
                "MaxPool",
                vec![
                    attr_ints("kernel_shape", &[2, 3]),
                    attr_ints("dilations", &[2, 1]),
                ],
            ),
        ),
        (
            "AveragePool padded, pads excluded",
            vec![1, 3, 5, 6],
            pool(
                "AveragePool",
                vec![
                    attr_ints("kernel_shape", &[3, 2]),
                    attr_ints("strides", &[2, 1]),
                    attr_ints("pads", &[1, 1, 1, 1]),
                ],
            ),
        ),
        (
            "AveragePool padded, pads counted",
            vec![2, 2, 5, 5],
            pool(
                "AveragePool",
                vec![
                    attr_ints("kernel_shape", &[3, 3]),
                    attr_ints("pads", &[1, 2, 1, 0]),
                    attr_i("count_include_pad", 1),
                ],
            ),
        ),
        (
            "GlobalAveragePool",
            vec![2, 3, 4, 3],
            pool("GlobalAveragePool", vec![]),
        ),
        (
            "GlobalMaxPool",
            vec![2, 3, 4, 3],
            pool("GlobalMaxPool", vec![]),
        ),
        (
            "MaxPool 1-D",
            vec![1, 2, 9],
            pool(
                "MaxPool",
                vec![attr_ints("kernel_shape", &[3]), attr_ints("strides", &[2])],
            ),
        ),
    ];
    for (k, (what, xd, nodes)) in cases.into_iter().enumerate() {
        let model = tanh_then(17, &xd, nodes, vec![]);
        let n: i64 = xd.iter().product();
        // distinct values, so no window has a tie and differences see one slope
        let x = random(n as usize, 40 + k as u64, -2.0, 2.0);
        check(&model, &x, true, what);
    }
}

#[test]
fn maxpool_ties_pick_the_first_maximum_in_row_major_order() {
    // One 2x3 window over a 2x3 plane: with ties the derivative goes to the first maximal
    // element (row-major), the generic evaluator's rule, whatever the tie's positions.
    let nodes = vec![node(
        "MaxPool",
        &["x"],
        &["y"],
        vec![attr_ints("kernel_shape", &[2, 3])],
    )];
    let model = Model::from_bytes(&model_bytes(
        17,
        nodes,
        vec![],
        &[1, 1, 2, 3],
        vec![out_info("y")],
    ))
    .unwrap();
    assert!(on_route(&model));
    for (x, first) in [
        ([0.5, 2.0, 2.0, 1.0, 2.0, 0.0], 1),
        ([3.0, 1.0, 0.0, 3.0, 3.0, 3.0], 0),
        ([-1.0, -2.0, -3.0, -4.0, -1.0, -1.0], 0),
        ([0.0, 0.0, 0.0, 0.0, 0.0, 0.0], 0),
        ([1.0, 2.0, 3.0, 4.0, 5.0, 5.0], 4),
    ] {
        let (y, j) = model.jacobian(&x).unwrap();
        let mut want = vec![0.0; 6];
        want[first] = 1.0;
        assert_eq!(y, vec![x[first]], "{x:?}");
        assert_eq!(row_major(&j), want, "{x:?}");
        let (_, jg) = try_jacobian(|x| model.eval(x), &x).unwrap();
        assert_eq!(row_major(&jg), want, "{x:?}: generic");
    }
    // and inside a larger model with padding and overlapping windows: the generic path
    let padded = tanh_then(
        17,
        &[1, 2, 4, 4],
        pool(
            "MaxPool",
            vec![
                attr_ints("kernel_shape", &[3, 3]),
                attr_ints("pads", &[1, 1, 1, 1]),
            ],
        ),
        vec![],
    );
    let x: Vec<f64> = (0..32)
        .map(|i| f64::from((i * 7 % 5) as u8) * 0.25)
        .collect();
    check(&padded, &x, false, "MaxPool with ties");
}

#[test]
fn transpose_steps_match_differences_and_generic_path() {
    for (k, (xd, perm)) in [
        (vec![2, 3, 4], Some(vec![1, 2, 0])),
        (vec![1, 3, 2, 4], Some(vec![0, 2, 3, 1])),
        (vec![2, 3, 4], None),
    ]
    .into_iter()
    .enumerate()
    {
        let attrs = perm.iter().map(|p| attr_ints("perm", p)).collect();
        let model = tanh_then(
            13,
            &xd,
            vec![node("Transpose", &["t"], &["y"], attrs)],
            vec![],
        );
        let n: i64 = xd.iter().product();
        check(
            &model,
            &random(n as usize, 60 + k as u64, -1.0, 1.0),
            true,
            &format!("Transpose {xd:?} {perm:?}"),
        );
    }
}

#[test]
fn softmax_steps_follow_both_opset_semantics() {
    // x of shape [2, 3, 4]: opset 11 with axis 1 normalises the 12 values after the axis
    // together, opset 13 the 3 values along it.
    let x = random(24, 70, -2.0, 2.0);
    let t: Vec<f64> = x.iter().map(|v| v.tanh()).collect();
    for (opset, op, axis) in [
        (11, "Softmax", 1i64),
        (13, "Softmax", 1),
        (13, "Softmax", -1),
        (11, "LogSoftmax", 1),
        (13, "LogSoftmax", 0),
        (11, "Softmax", 3),
    ] {
        let what = format!("{op} opset {opset} axis {axis}");
        let m = tanh_then(
            opset,
            &[2, 3, 4],
            vec![node(op, &["t"], &["y"], vec![attr_i("axis", axis)])],
            vec![],
        );
        let mut case = Case::new("cnn", &what);
        case.values = 1e-13;
        // opset 11's axis 3 of a rank-3 input normalises each value alone: J is zero
        case.nonzero = axis != 3;
        route::check(&m, &x, case);
        // the values against the closed form over the opset's rows
        let shape = [2usize, 3, 4];
        let r = shape.len();
        let a = if axis < 0 { axis + r as i64 } else { axis } as usize;
        let (outer, d, inner): (usize, usize, usize) = if opset >= 13 {
            (
                shape[..a].iter().product(),
                shape[a],
                shape[a + 1..].iter().product(),
            )
        } else {
            (shape[..a].iter().product(), shape[a..].iter().product(), 1)
        };
        let y = m.forward(&x).unwrap();
        for o in 0..outer {
            for i in 0..inner {
                let at = |k: usize| (o * d + k) * inner + i;
                let s: f64 = (0..d).map(|k| t[at(k)].exp()).sum();
                for k in 0..d {
                    let want = if op == "Softmax" {
                        t[at(k)].exp() / s
                    } else {
                        t[at(k)] - s.ln()
                    };
                    assert!(
                        (y[at(k)] - want).abs() <= 1e-14,
                        "{what}: y[{}] = {} vs {want}",
                        at(k),
                        y[at(k)]
                    );
                }
            }
        }
    }
    // a saturated softmax (no Tanh before it): the dominant class's tangent without
    // cancellation, as the generic evaluator computes it
    let nodes = vec![node("Softmax", &["x"], &["y"], vec![])];
    let m = Model::from_bytes(&model_bytes(
        13,
        nodes,
        vec![],
        &[1, 4],
        vec![out_info("y")],
    ))
    .unwrap();
    let x = [30.0, -10.0, 2.0, 5.0];
    check(&m, &x, false, "saturated softmax");
    let (y, j) = m.jacobian(&x).unwrap();
    // ∂y_0/∂x_1 = −y_0·y_1 with y_1 ≈ e^{−40}: relative accuracy, not absolute
    let want = -y[0] * y[1];
    assert!(
        ((j[(0, 1)] - want) / want).abs() < 1e-12,
        "{} vs {want}",
        j[(0, 1)]
    );
}

#[test]
fn what_the_route_does_not_cover_keeps_the_generic_evaluator() {
    // MaxPool whose Indices output is read: indices are not a tangent; the model is still
    // evaluated, by the generic path, with the same Jacobian of Y.
    let nodes = vec![node(
        "MaxPool",
        &["t"],
        &["y", "i"],
        vec![attr_ints("kernel_shape", &[2, 2])],
    )];
    let bytes = model_bytes(
        17,
        {
            let mut v = vec![node("Tanh", &["x"], &["t"], vec![])];
            v.extend(nodes);
            v
        },
        vec![],
        &[1, 1, 4, 4],
        vec![out_info("y"), value_info("i", data_type::INT64, &[])],
    );
    let model = Model::from_bytes(&bytes).unwrap();
    assert!(!on_route(&model), "{model:?}");
    let x = random(16, 80, -1.0, 1.0);
    let (_, j) = model.jacobian(&x).unwrap();
    let e = rel_err(&row_major(&j), &central_differences(&model, &x));
    assert!(e <= 1e-7, "{e:e}");
    // a Conv whose weights are an activation is not on the route either
    let nodes = vec![
        node("Tanh", &["x"], &["t"], vec![]),
        node("Conv", &["t", "t"], &["y"], vec![]),
    ];
    let model = Model::from_bytes(&model_bytes(
        17,
        nodes,
        vec![],
        &[1, 1, 3, 3],
        vec![out_info("y")],
    ))
    .unwrap();
    assert!(!on_route(&model), "{model:?}");
    let x = random(9, 81, -1.0, 1.0);
    let (y, j) = model.jacobian(&x).unwrap();
    // y = Σ tanh(x)², ∂y/∂x_i = 2·tanh(x_i)·(1 − tanh²(x_i))
    let t: Vec<f64> = x.iter().map(|v| v.tanh()).collect();
    assert!((y[0] - t.iter().map(|v| v * v).sum::<f64>()).abs() < 1e-14);
    for i in 0..9 {
        let want = 2.0 * t[i] * (1.0 - t[i] * t[i]);
        assert!((j[(0, i)] - want).abs() < 1e-14);
    }
    // and what the generic evaluator rejects is still rejected: a group that does not
    // divide the channels fails at load, whichever path would have run it
    let nodes = vec![node("Conv", &["x", "w"], &["y"], vec![attr_i("group", 2)])];
    let bytes = model_bytes(
        17,
        nodes,
        vec![f32_tensor("w", &[2, 1, 1, 1], &[1.0, 2.0])],
        &[1, 3, 2, 2],
        vec![out_info("y")],
    );
    assert!(Model::from_bytes(&bytes).is_err());
}

/// The scikit-learn MLP fixtures written with Sub/Div scaling, a float `Cast`, MatMul + Add,
/// Sigmoid or Tanh and Softmax are on the route too; `tests/onnx_fixtures.rs` holds the same
/// `Model::jacobian` to their float64 references. (The wine classifier's `ai.onnx.ml`
/// Scaler is not a route step: it keeps the generic evaluator.)
#[test]
fn sklearn_mlp_fixtures_are_on_the_route() {
    for name in [
        "diabetes_mlp_tanh_regressor",
        "digits_mlp_sigmoid_softmax_classifier",
    ] {
        let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data/onnx")
            .join(name);
        let model = Model::load(dir.join("model.onnx")).unwrap();
        let x = random(model.input_len(), 5, -1.0, 1.0);
        check(&model, &x, false, name);
    }
}
