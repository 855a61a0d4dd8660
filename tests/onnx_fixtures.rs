//! The exported fixture networks (tests/data/onnx, copied from the shared fixtures): every
//! point's outputs and Jacobian against the independent JAX float64 references.

mod common;

use common::json::{floats, matrix};
use common::numeric::{rel_err, row_major};
use nngrad_core::onnx::Model;
use serde_json::Value as Json;
use std::path::PathBuf;

const FIXTURES: &[&str] = &[
    "diabetes_mlp_tanh_regressor",
    "digits_keras_cnn_conv2d",
    "digits_keras_lstm_sequence",
    "digits_mlp_sigmoid_softmax_classifier",
    "wine_mlp_relu_softmax_classifier",
];

fn dir(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/onnx")
        .join(name)
}

fn reference(name: &str) -> Json {
    let text = std::fs::read_to_string(dir(name).join("reference.json")).unwrap();
    // the checks section holds bare Infinity/NaN (not JSON); no value we compare does
    let text = text
        .replace("-Infinity", "null")
        .replace("Infinity", "null")
        .replace("NaN", "null");
    serde_json::from_str(&text).unwrap()
}

/// Checks every point against one reference; returns the per-point Jacobian errors.
fn check_points(
    model: &Model,
    points: &Json,
    outputs: Option<&Json>,
    jacs: &Json,
    tol: f64,
    what: &str,
) -> Vec<f64> {
    let points = matrix(points);
    let jacs = jacs.as_array().unwrap();
    let mut errs = Vec::new();
    for (k, x) in points.iter().enumerate() {
        let (y, j) = model.jacobian(x).unwrap();
        if let Some(outs) = outputs {
            let want = floats(&outs[k]);
            let e = rel_err(&y, &want);
            assert!(
                e <= tol,
                "{what} point {k}: outputs differ by {e:e} (relative)"
            );
        }
        let want: Vec<f64> = matrix(&jacs[k]).concat();
        errs.push(rel_err(&row_major(&j), &want));
        // forward agrees with the Jacobian's primal pass
        assert_eq!(model.forward(x).unwrap(), y);
    }
    errs
}

/// Points where the JAX reference itself is off by more than this from the extended-precision
/// one are judged against the latter only.
const REFERENCE_NOISE: f64 = 1e-10;

#[test]
fn every_fixture_point_matches_reference_outputs_and_jacobians() {
    for name in FIXTURES {
        let r = reference(name);
        let model = Model::load(dir(name).join("model.onnx")).unwrap();
        assert_eq!(
            model.output_name(),
            r["output"]["name"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            model.input_name(),
            r["input"]["name"].as_str().unwrap(),
            "{name}"
        );
        let n: usize = r["layout"]["point_shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .product();
        assert_eq!(model.input_len(), n, "{name}");
        let jax = check_points(
            &model,
            &r["points"],
            Some(&r["outputs_reference_f64"]),
            &r["jacobians_reference_f64"],
            1e-9,
            name,
        );
        let ext_path = dir(name).join("reference_extended.json");
        if ext_path.exists() {
            // JAX differentiates tanh as 1 − t² and softmax as y(dz − Σy·dz), which cancel at
            // saturation; an extended-precision reference (extended_reference.py) decides
            let ext: Json =
                serde_json::from_str(&std::fs::read_to_string(ext_path).unwrap()).unwrap();
            let ours = check_points(
                &model,
                &r["points"],
                Some(&ext["outputs"]),
                &ext["jacobians"],
                1e-9,
                name,
            );
            let jax_vs_ext: Vec<f64> = matrix(&r["points"])
                .iter()
                .enumerate()
                .map(|(k, _)| {
                    rel_err(
                        &matrix(&r["jacobians_reference_f64"][k]).concat(),
                        &matrix(&ext["jacobians"][k]).concat(),
                    )
                })
                .collect();
            for k in 0..ours.len() {
                assert!(
                    ours[k] <= 1e-9,
                    "{name} point {k}: Jacobian vs extended precision {:e}",
                    ours[k]
                );
                if jax_vs_ext[k] <= REFERENCE_NOISE {
                    assert!(
                        jax[k] <= 1e-9,
                        "{name} point {k}: Jacobian vs JAX {:e}",
                        jax[k]
                    );
                } else {
                    eprintln!(
                        "{name} point {k}: JAX reference is off by {:e} (cancellation); ours by {:e}",
                        jax_vs_ext[k], ours[k]
                    );
                }
            }
        } else {
            for (k, e) in jax.iter().enumerate() {
                assert!(
                    *e <= 1e-9,
                    "{name} point {k}: Jacobian differs by {e:e} (relative to max|J|)"
                );
            }
        }
    }
}

#[test]
fn maxpool_ties_follow_the_first_maximum_rule() {
    let name = "digits_keras_cnn_conv2d";
    let r = reference(name);
    let ties = &r["maxpool_tie_points"];
    let model = Model::load(dir(name).join("model.onnx")).unwrap();
    assert!(!ties["points"].as_array().unwrap().is_empty());
    let errs = check_points(
        &model,
        &ties["points"],
        None,
        &ties["jacobians_reference_f64_first_max"],
        1e-9,
        "maxpool ties",
    );
    for (k, e) in errs.iter().enumerate() {
        assert!(*e <= 1e-9, "tie point {k}: Jacobian differs by {e:e}");
    }
}

/// Central differences of `forward` with steps h and h/2, Richardson-extrapolated.
fn finite_difference_jacobian(model: &Model, x: &[f64], h: f64) -> Vec<Vec<f64>> {
    let m = model.output_len();
    let mut rows = vec![vec![0.0; x.len()]; m];
    let central = |j: usize, hj: f64| {
        let mut xp = x.to_vec();
        let mut xm = x.to_vec();
        xp[j] += hj;
        xm[j] -= hj;
        let (yp, ym) = (model.forward(&xp).unwrap(), model.forward(&xm).unwrap());
        yp.iter()
            .zip(&ym)
            .map(|(a, b)| (a - b) / (2.0 * hj))
            .collect::<Vec<_>>()
    };
    for j in 0..x.len() {
        let hj = h * x[j].abs().max(1.0);
        let (d1, d2) = (central(j, hj), central(j, hj / 2.0));
        for i in 0..m {
            rows[i][j] = (4.0 * d2[i] - d1[i]) / 3.0;
        }
    }
    rows
}

/// Whether point `k` is one where the JAX reference disagrees with the extended-precision one
/// (a saturated tanh or softmax, where differences of outputs cancel as well).
fn saturated(name: &str, r: &Json, k: usize) -> bool {
    let Ok(text) = std::fs::read_to_string(dir(name).join("reference_extended.json")) else {
        return false;
    };
    let ext: Json = serde_json::from_str(&text).unwrap();
    rel_err(
        &matrix(&r["jacobians_reference_f64"][k]).concat(),
        &matrix(&ext["jacobians"][k]).concat(),
    ) > REFERENCE_NOISE
}

#[test]
fn float64_twins_load_double_weights_and_match_finite_differences() {
    for name in FIXTURES {
        let path = dir(name).join("model_f64.onnx");
        if !path.exists() {
            continue;
        }
        let r = reference(name);
        let model = Model::load(&path).unwrap();
        let model32 = Model::load(dir(name).join("model.onnx")).unwrap();
        // onnxruntime's Richardson central differences on this twin (reference.json); how
        // close they came to the JAX Jacobian bounds how close we can expect to be
        let fd_noise = r["checks"]["max_abs_jac_ref_vs_fd_over_max_abs_jac"]
            .as_f64()
            .unwrap();
        let tol = (10.0 * fd_noise).max(1e-5);
        for (k, x) in matrix(&r["points"]).iter().enumerate() {
            let (y, j) = model.jacobian(x).unwrap();
            // the twin's weights are the float64 originals of the float32 model's
            let y32 = model32.forward(x).unwrap();
            assert!(
                rel_err(&y, &y32) < 1e-5,
                "{name}: twin outputs {y:?} vs {y32:?}"
            );
            let fd = matrix(&r["jacobians_finite_difference"][k]).concat();
            if saturated(name, &r, k) {
                eprintln!("{name} point {k}: saturated softmax/tanh, differences of outputs cancel; not compared");
                continue;
            }
            let e = rel_err(&row_major(&j), &fd);
            assert!(e < tol, "{name} point {k}: twin Jacobian vs onnxruntime differences: {e:e} (tolerance {tol:e})");
            if k < 2 && *name != "wine_mlp_relu_softmax_classifier" {
                // and our own differences of forward (the wine softmax saturates to 1 − 1e-10,
                // where differences of outputs cancel)
                let fd = finite_difference_jacobian(&model, x, 1e-4).concat();
                let e = rel_err(&row_major(&j), &fd);
                assert!(
                    e < 1e-6,
                    "{name}: twin Jacobian vs central differences: {e:e}"
                );
            }
        }
    }
}

#[test]
fn gru_with_linear_before_reset_matches_the_onnx_reference_evaluator() {
    // made by gru_linear_before_reset/make.py with onnx.reference (bidirectional, float64)
    let d =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/onnx/gru_linear_before_reset");
    let r: Json =
        serde_json::from_str(&std::fs::read_to_string(d.join("reference.json")).unwrap()).unwrap();
    let model = Model::load(d.join("model.onnx")).unwrap();
    assert_eq!((model.input_len(), model.output_len()), (12, 10));
    for (k, x) in matrix(&r["points"]).iter().enumerate() {
        let (y, j) = model.jacobian(x).unwrap();
        let e = rel_err(&y, &floats(&r["outputs"][k]));
        assert!(e < 1e-13, "point {k}: outputs differ by {e:e}");
        let e = rel_err(&row_major(&j), &matrix(&r["jacobians_fd"][k]).concat());
        assert!(
            e < 1e-8,
            "point {k}: Jacobian vs the evaluator's differences: {e:e}"
        );
    }
}

/// Which path each fixture's Jacobian takes: the scikit-learn MLPs (a scaler in front,
/// a softmax behind for the classifiers) are dense chains, the Keras CNN and LSTM are on the
/// tangent route. The fixture test above holds each path to the references.
#[test]
fn fixtures_take_the_fast_paths() {
    for (name, route, chain) in [
        ("diabetes_mlp_tanh_regressor", true, true),
        ("wine_mlp_relu_softmax_classifier", true, true),
        ("digits_mlp_sigmoid_softmax_classifier", true, true),
        ("digits_keras_cnn_conv2d", true, false),
        ("digits_keras_lstm_sequence", true, false),
    ] {
        let model = Model::load(dir(name).join("model.onnx")).unwrap();
        let d = format!("{model:?}");
        assert_eq!(d.contains("tangent_route: true"), route, "{name}: {d}");
        assert_eq!(d.contains("dense_chain: true"), chain, "{name}: {d}");
    }
}
