//! Real exports from public repositories (../shared/real-models, not copied into the repo):
//! they load and differentiate, checked against central differences of `forward`.

use nngrad_core::onnx::Model;
use std::path::PathBuf;

fn model_path(folder: &str) -> Option<PathBuf> {
    let shared = std::env::var_os("NNGRAD_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let dir = shared.join("real-models").join(folder);
    if !dir.is_dir() {
        eprintln!(
            "\n!!!! SKIPPED: {} is absent; real model {folder} not tested !!!!\n",
            dir.display()
        );
        return None;
    }
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "onnx"))
        .expect("an .onnx file in the folder");
    Some(file)
}

/// Deterministic values in [lo, hi).
fn values(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

/// Richardson central difference of forward along `v`.
fn fd_along(model: &Model, x: &[f64], v: &[f64], h: f64) -> Vec<f64> {
    let c = |h: f64| -> Vec<f64> {
        let xp: Vec<f64> = x.iter().zip(v).map(|(a, b)| a + h * b).collect();
        let xm: Vec<f64> = x.iter().zip(v).map(|(a, b)| a - h * b).collect();
        let (p, m) = (model.forward(&xp).unwrap(), model.forward(&xm).unwrap());
        p.iter().zip(&m).map(|(a, b)| (a - b) / (2.0 * h)).collect()
    };
    let (d1, d2) = (c(h), c(h / 2.0));
    d1.iter()
        .zip(&d2)
        .map(|(a, b)| (4.0 * b - a) / 3.0)
        .collect()
}

fn rel(got: &[f64], want: &[f64]) -> f64 {
    let scale = want
        .iter()
        .chain(got)
        .fold(1e-300f64, |m, v| m.max(v.abs()));
    got.iter()
        .zip(want)
        .fold(0f64, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

#[test]
fn facegate_matlab_opset6_cnn_loads_and_differentiates() {
    let Some(path) = model_path("facegate_matlab_cnn") else {
        return;
    };
    let model = Model::load(&path).unwrap();
    assert_eq!(model.opset(), 6);
    assert_eq!(model.input_shape(), &[1, 1, 350, 350]);
    assert_eq!(model.output_name(), "softmax");
    assert_eq!(model.output_len(), 4);
    let x = values(model.input_len(), 7, 0.0, 255.0);
    let y = model.forward(&x).unwrap();
    assert!(
        (y.iter().sum::<f64>() - 1.0).abs() < 1e-12,
        "softmax outputs {y:?}"
    );
    // 122 500 inputs: directional derivatives along random directions and a few pixels
    for seed in 1..3u64 {
        let v = values(x.len(), seed, -1.0, 1.0);
        let (y2, jv) = model.jvp(&x, &v).unwrap();
        assert_eq!(y2, y);
        // a tiny step: 122 500 ReLU/MaxPool inputs leave little room between kinks
        let fd = fd_along(&model, &x, &v, 1e-7);
        assert!(rel(&jv, &fd) < 1e-5, "J·v {jv:?} vs differences {fd:?}");
    }
}

#[test]
fn ddingr_pytorch_mlp_is_scale_invariant() {
    let Some(path) = model_path("ddingr_pytorch_mlp") else {
        return;
    };
    let model = Model::load(&path).unwrap();
    assert_eq!((model.input_len(), model.output_len()), (6, 3));
    assert_eq!(model.output_name(), "31");
    for seed in 1..4u64 {
        let x = values(6, seed, -2.0, 2.0);
        let (y, j) = model.jacobian(&x).unwrap();
        assert_eq!(y, model.forward(&x).unwrap());
        let jmax = j.iter().fold(0f64, |m, v| m.max(v.abs()));
        for i in 0..3 {
            let col: Vec<f64> = (0..6).map(|k| j[(i, k)]).collect();
            // F.normalize makes the output scale invariant: J·x = 0
            let jx: f64 = col.iter().zip(&x).map(|(a, b)| a * b).sum();
            assert!(
                jx.abs() <= 1e-9 * jmax * 6.0,
                "J·x = {jx} (max|J| = {jmax})"
            );
        }
        for k in 0..6 {
            let mut e = vec![0.0; 6];
            e[k] = 1.0;
            let fd = fd_along(&model, &x, &e, 1e-4);
            let col: Vec<f64> = (0..3).map(|i| j[(i, k)]).collect();
            assert!(rel(&col, &fd) < 1e-5, "column {k}: {col:?} vs {fd:?}");
        }
    }
}

#[test]
fn decayfitnet_pytorch_cnn1d_loads_and_differentiates() {
    let Some(path) = model_path("decayfitnet_pytorch_cnn1d") else {
        return;
    };
    let model = Model::load(&path).unwrap().with_output("output").unwrap();
    assert_eq!(model.opset(), 9);
    assert_eq!((model.input_len(), model.output_len()), (100, 1));
    let x: Vec<f64> = (0..100)
        .map(|i| (-(i as f64) / 30.0).exp() + 0.01 * ((i * 7 % 13) as f64))
        .collect();
    let (y, j) = model.jacobian(&x).unwrap();
    assert_eq!(y, model.forward(&x).unwrap());
    let row: Vec<f64> = (0..100).map(|k| j[(0, k)]).collect();
    for k in 0..100 {
        let mut e = vec![0.0; 100];
        e[k] = 1.0;
        let fd = fd_along(&model, &x, &e, 1e-5)[0];
        let scale = row.iter().fold(1e-12f64, |m, v| m.max(v.abs()));
        assert!(
            (row[k] - fd).abs() < 1e-5 * scale,
            "∂y/∂x{k}: {} vs {fd}",
            row[k]
        );
    }
}
