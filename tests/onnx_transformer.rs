//! The torch-style transformer encoder of issue 17 (`tests/data/onnx/transformer/`, written
//! by `make_transformer.py` node for node as `torch.onnx.export` at opset 17 writes it: the
//! in-graph head split, `Add(bias, MatMul)` projections, `Equal → Cast → Where(-inf, 0)`
//! attention masks, LayerNormalization, erf-GELU). Both variants load and match the
//! script's independent float64 NumPy references: values to 1e-12 relative, the Jacobian
//! (complex step in NumPy) to 1e-9 relative to max |J|, and Rust-side central differences
//! too. In `encoder_mask_input.onnx` the mask is computed from the input (all-zero tokens are
//! padding), so its `Equal` cannot be folded at load.

mod common;

use common::json::floats;
use nngrad_core::onnx::Model;
use serde_json::Value as Json;
use std::path::Path;

fn dir() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/onnx/transformer"
    ))
}

fn reference() -> Json {
    serde_json::from_str(&std::fs::read_to_string(dir().join("reference.json")).unwrap()).unwrap()
}

/// Richardson-extrapolated central difference of column `j`: error O(h⁴).
fn central_column(m: &Model, x: &[f64], j: usize) -> Vec<f64> {
    let d = |h: f64| -> Vec<f64> {
        let (mut p, mut q) = (x.to_vec(), x.to_vec());
        p[j] += h;
        q[j] -= h;
        let (fp, fq) = (m.forward(&p).unwrap(), m.forward(&q).unwrap());
        fp.iter()
            .zip(&fq)
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect()
    };
    let (d1, d2) = (d(2e-3), d(1e-3));
    d1.iter()
        .zip(&d2)
        .map(|(a, b)| (4.0 * b - a) / 3.0)
        .collect()
}

#[test]
fn torch_style_transformer_matches_its_references() {
    let r = reference();
    for (variant, rec) in r["variants"].as_object().unwrap() {
        let path = dir().join(rec["model"].as_str().unwrap());
        let model = Model::load(&path).unwrap_or_else(|e| panic!("{variant}: {e}"));
        assert_eq!(
            (model.input_len(), model.output_len()),
            (40, 40),
            "{variant}"
        );
        assert_eq!(model.input_shape(), &[1, 5, 8]);
        assert!(!model.output_is_dynamic());
        let ops = model.operators();
        for op in [
            "Equal",
            "Cast",
            "Where",
            "Expand",
            "ConstantOfShape",
            "LayerNormalization",
            "Erf",
            "Softmax",
            "Shape",
            "Gather",
            "Unsqueeze",
            "Concat",
            "Reshape",
            "Transpose",
        ] {
            assert!(ops.iter().any(|o| o == op), "{variant}: no {op} in {ops:?}");
        }
        let (mut worst_y, mut worst_j, mut worst_fd) = (0f64, 0f64, 0f64);
        let pts = rec["points"].as_array().unwrap();
        for (p, x) in pts.iter().enumerate() {
            let x = floats(x);
            let want = floats(&rec["outputs"][p]);
            let jwant = floats(&rec["jacobians"][p]);
            let pad: Vec<usize> = rec["pad_columns"][p]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_u64().unwrap() as usize)
                .collect();
            let y = model.forward(&x).unwrap();
            // forward may take the one-pass tangent route, jacobian its lanes: both are
            // checked against the reference
            let (yj, j) = model.jacobian(&x).unwrap();
            assert_eq!(j.shape(), (40, 40));
            for (a, b) in y.iter().chain(&yj).zip(want.iter().chain(&want)) {
                worst_y = worst_y.max((a - b).abs() / b.abs());
            }
            let jmax = jwant.iter().fold(0f64, |m, v| m.max(v.abs()));
            for (i, row) in jwant.chunks(40).enumerate() {
                for (c, w) in row.iter().enumerate() {
                    assert!(
                        j[(i, c)].is_finite(),
                        "{variant}: J[{i},{c}] = {}",
                        j[(i, c)]
                    );
                    worst_j = worst_j.max((j[(i, c)] - w).abs() / jmax);
                }
            }
            // central differences along every entry that does not move a padding token (the
            // mask is piecewise constant: moving a zero token off zero unmasks it)
            for c in (0..40).filter(|c| !pad.contains(c)) {
                for (i, fd) in central_column(&model, &x, c).iter().enumerate() {
                    worst_fd = worst_fd.max((j[(i, c)] - fd).abs() / jmax);
                }
            }
        }
        eprintln!(
            "{variant}: {} points; values {worst_y:.1e} relative, Jacobian {worst_j:.1e} and \
             central differences {worst_fd:.1e} relative to max|J|",
            pts.len()
        );
        assert!(worst_y <= 1e-12, "{variant}: values off by {worst_y:e}");
        assert!(worst_j <= 1e-9, "{variant}: Jacobian off by {worst_j:e}");
        assert!(
            worst_fd <= 1e-9,
            "{variant}: central differences off by {worst_fd:e}"
        );
    }
}

/// In `encoder_mask_input.onnx` the mask is computed from the input: an all-zero token is
/// padding, its key and value masked out for every query (`Where(mask, -inf, 0)` added to
/// the scores). So the other tokens' outputs do not depend on it at all — their Jacobian
/// columns for it are exactly 0, not NaN (the `-inf` never meets a derivative) — while its
/// own output row does (its query and residual paths are live); and moving it off zero
/// unmasks it, changing the others.
#[test]
fn a_padding_token_from_the_input_is_masked_out_exactly() {
    let r = reference();
    let rec = &r["variants"]["mask_input"];
    let model = Model::load(dir().join(rec["model"].as_str().unwrap())).unwrap();
    let x = floats(&rec["points"][0]);
    assert!(x[32..].iter().all(|v| *v == 0.0), "token 4 is padding");
    let (y, j) = model.jacobian(&x).unwrap();
    for c in 32..40 {
        for i in 0..32 {
            assert_eq!(
                j[(i, c)],
                0.0,
                "output {i} depends on the masked token (column {c})"
            );
        }
        assert!(
            (32..40).any(|i| j[(i, c)] != 0.0),
            "column {c}: its own row"
        );
    }
    let mut x2 = x.clone();
    x2[32] = 0.75;
    let y2 = model.forward(&x2).unwrap();
    assert!(
        (0..32).any(|i| (y[i] - y2[i]).abs() > 1e-6),
        "unmasked, token 4 is seen"
    );
}

/// The first finding, kept: a loader lacking `Where` and `Equal` must say so for
/// both at once, with every node. Here the two are renamed to operators no one has.
#[test]
fn every_unsupported_operator_of_the_transformer_is_reported_at_once() {
    use nngrad_core::onnx::proto::ModelProto;
    use nngrad_core::onnx::Error;
    use prost::Message;
    let bytes = std::fs::read(dir().join("encoder_mask_input.onnx")).unwrap();
    let mut m = ModelProto::decode(bytes.as_slice()).unwrap();
    let mut renamed = Vec::new();
    for n in &mut m.graph.as_mut().unwrap().node {
        if n.op_type == "Where" || n.op_type == "Equal" {
            n.op_type = format!("{}Future", n.op_type);
            renamed.push(n.name.clone());
        }
    }
    assert_eq!(renamed.len(), 4, "{renamed:?}");
    let e = Model::from_bytes(&m.encode_to_vec()).unwrap_err();
    let Error::UnsupportedOp { all, .. } = &e else {
        panic!("{e}")
    };
    let mut ops: Vec<&str> = all.iter().map(|u| u.op.as_str()).collect();
    ops.sort();
    assert_eq!(ops, ["EqualFuture", "WhereFuture"], "{e}");
    let mut nodes: Vec<String> = all.iter().flat_map(|u| u.nodes.clone()).collect();
    nodes.sort();
    renamed.sort();
    assert_eq!(nodes, renamed, "{e}");
    assert!(all.iter().all(|u| u.opset == 17));
    let s = e.to_string();
    assert!(
        s.contains("/encoder/self_attn/Where_1") && s.contains("EqualFuture"),
        "{s}"
    );
}
