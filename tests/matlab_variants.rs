//! The variant genFunction files (tests/data/matlab/variants, written by generate.py in the
//! styles published exports come in) against two independent references: the closed-form
//! chain rule over the constants in the .json sidecar (for one hidden layer exactly
//! Y' = diag(1/gain_out)·LW·diag(f'(n))·IW·diag(gain_in)), and central finite differences.

use nalgebra::{DMatrix, DVector};
use nngrad_core::matlab::ShallowNet;
use serde_json::Value;

fn dir() -> String {
    format!("{}/tests/data/matlab/variants", env!("CARGO_MANIFEST_DIR"))
}

fn vecf(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

fn matf(v: &Value) -> DMatrix<f64> {
    let rows: Vec<Vec<f64>> = v.as_array().unwrap().iter().map(vecf).collect();
    DMatrix::from_fn(rows.len(), rows[0].len(), |i, j| rows[i][j])
}

/// Counts of (derivative-zero, derivative-one-or-smooth) units seen, to make sure a piecewise
/// layer was exercised on both sides of its kinks.
#[derive(Default, Debug)]
struct Coverage {
    flat: usize,
    sloped: usize,
}

/// Outputs and Jacobian by the chain rule over the sidecar's constants, with MATLAB's own
/// formulas for the transfer functions.
fn closed_form(spec: &Value, x: &[f64], cov: &mut Coverage) -> (Vec<f64>, DMatrix<f64>) {
    let mut v = DVector::from_column_slice(x);
    let mut d = DMatrix::<f64>::identity(x.len(), x.len());
    for st in spec["input_steps"].as_array().unwrap() {
        match st["type"].as_str().unwrap() {
            "removeconstantrows" => {
                let keep: Vec<usize> = st["keep"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_u64().unwrap() as usize - 1)
                    .collect();
                let s = DMatrix::from_fn(keep.len(), v.len(), |i, j| (keep[i] == j) as u8 as f64);
                v = &s * v;
                d = s * d;
            }
            _ => {
                let (xo, g, y) = (
                    vecf(&st["xoffset"]),
                    vecf(&st["gain"]),
                    st["y"].as_f64().unwrap(),
                );
                v = DVector::from_fn(v.len(), |i, _| (v[i] - xo[i]) * g[i] + y);
                d = DMatrix::from_diagonal(&DVector::from_column_slice(&g)) * d;
            }
        }
    }
    for layer in spec["layers"].as_array().unwrap() {
        let w = matf(&layer["W"]);
        let b = DVector::from_vec(vecf(&layer["b"]));
        let n = &w * &v + b;
        let f = layer["f"].as_str().unwrap();
        let (a, jf) = match f {
            "softmax" => {
                let m = n.max();
                let e = n.map(|t| (t - m).exp());
                let a = &e / e.sum();
                let jf = DMatrix::from_diagonal(&a) - &a * a.transpose();
                (a, jf)
            }
            _ => {
                let pairs: Vec<(f64, f64)> = n
                    .iter()
                    .map(|&t| match f {
                        "tansig" => {
                            let a = 2.0 / (1.0 + (-2.0 * t).exp()) - 1.0;
                            (a, 1.0 - a * a)
                        }
                        "logsig" => {
                            let a = 1.0 / (1.0 + (-t).exp());
                            (a, a * (1.0 - a))
                        }
                        "poslin" => (t.max(0.0), (t > 0.0) as u8 as f64),
                        "satlin" => (t.clamp(0.0, 1.0), (0.0..=1.0).contains(&t) as u8 as f64),
                        "purelin" => (t, 1.0),
                        other => panic!("no closed form for {other}"),
                    })
                    .collect();
                if matches!(f, "poslin" | "satlin") {
                    for p in &pairs {
                        if p.1 == 0.0 {
                            cov.flat += 1
                        } else {
                            cov.sloped += 1
                        }
                    }
                }
                let a = DVector::from_iterator(n.len(), pairs.iter().map(|p| p.0));
                let jf = DMatrix::from_diagonal(&DVector::from_iterator(
                    n.len(),
                    pairs.iter().map(|p| p.1),
                ));
                (a, jf)
            }
        };
        d = jf * w * d;
        v = a;
    }
    for st in spec["output_steps"].as_array().unwrap() {
        let (xo, g, y) = (
            vecf(&st["xoffset"]),
            vecf(&st["gain"]),
            st["y"].as_f64().unwrap(),
        );
        v = DVector::from_fn(v.len(), |i, _| (v[i] - y) / g[i] + xo[i]);
        d = DMatrix::from_diagonal(&DVector::from_iterator(g.len(), g.iter().map(|g| 1.0 / g))) * d;
    }
    (v.iter().copied().collect(), d)
}

fn central_differences(net: &ShallowNet, x: &[f64]) -> DMatrix<f64> {
    let mut j = DMatrix::zeros(net.output_len(), x.len());
    for c in 0..x.len() {
        let h = 1e-6 * x[c].abs().max(1.0);
        let mut xp = x.to_vec();
        let mut xm = x.to_vec();
        xp[c] += h;
        xm[c] -= h;
        let (yp, ym) = (net.forward(&xp).unwrap(), net.forward(&xm).unwrap());
        for i in 0..yp.len() {
            j[(i, c)] = (yp[i] - ym[i]) / (2.0 * h);
        }
    }
    j
}

fn check(name: &str) -> Coverage {
    let net = ShallowNet::load(format!("{}/{name}.m", dir())).unwrap();
    let spec: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{}/{name}.json", dir())).unwrap())
            .unwrap();
    assert_eq!(
        net.input_len() as u64,
        spec["n_in"].as_u64().unwrap(),
        "{name}"
    );
    let mut cov = Coverage::default();
    for (k, p) in spec["points"].as_array().unwrap().iter().enumerate() {
        let x = vecf(p);
        let (y, j) = net.jacobian(&x).unwrap();
        let (y_ref, j_ref) = closed_form(&spec, &x, &mut cov);
        assert_eq!(y.len(), y_ref.len(), "{name}");
        assert_eq!(j.shape(), j_ref.shape(), "{name}");
        let scale = j_ref.amax().max(1.0);
        for (a, b) in y.iter().zip(&y_ref) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs().max(1.0),
                "{name} point {k}: y {a} vs closed form {b}"
            );
        }
        for (a, b) in j.iter().zip(j_ref.iter()) {
            assert!(
                (a - b).abs() <= 1e-12 * scale,
                "{name} point {k}: J {a} vs closed form {b}"
            );
        }
        let fd = central_differences(&net, &x);
        for (a, b) in j.iter().zip(fd.iter()) {
            assert!(
                (a - b).abs() <= 1e-6 * scale,
                "{name} point {k}: J {a} vs central differences {b}"
            );
        }
    }
    cov
}

#[test]
fn flat_names_no_end_exponent_literals() {
    check("v1_flat_noend_exp");
}

#[test]
fn struct_settings_indented_commas_poslin_removeconstantrows() {
    let cov = check("v2_struct_indent_poslin_rcr");
    assert!(
        cov.flat > 0 && cov.sloped > 0,
        "poslin exercised on both sides: {cov:?}"
    );
    let net = ShallowNet::load(format!("{}/v2_struct_indent_poslin_rcr.m", dir())).unwrap();
    // Rows 2 and 5 are removed as constant: the outputs do not depend on them.
    let (_, j) = net.jacobian(&[0.3, -1.0, 0.2, 1.1, 0.7, -0.4]).unwrap();
    for i in 0..j.nrows() {
        assert_eq!((j[(i, 1)], j[(i, 4)]), (0.0, 0.0));
    }
}

#[test]
fn softmax_output_layer_with_continuations() {
    check("v3_softmax_pattern");
    let net = ShallowNet::load(format!("{}/v3_softmax_pattern.m", dir())).unwrap();
    let y = net.forward(&[0.1, 0.2, -0.3, 1.0, 2.0]).unwrap();
    assert!(
        (y.iter().sum::<f64>() - 1.0).abs() < 1e-15,
        "softmax outputs sum to one"
    );
}

#[test]
fn satlin_hidden_layer_mapstd_both_ends() {
    let cov = check("v4_satlin_mapstd");
    assert!(
        cov.flat > 0 && cov.sloped > 0,
        "satlin exercised inside and outside [0, 1]: {cov:?}"
    );
}

#[test]
fn two_hidden_layers_crlf_line_ends() {
    check("v5_two_hidden_flat");
    let net = ShallowNet::load(format!("{}/v5_two_hidden_flat.m", dir())).unwrap();
    let t: Vec<_> = net.layers().iter().map(|l| (l.size, l.transfer)).collect();
    assert_eq!(t, [(6, "tansig"), (4, "logsig"), (2, "purelin")]);
}

#[test]
fn time_series_signature_of_a_static_network() {
    check("v6_timeseries_static");
    let net = ShallowNet::load(format!("{}/v6_timeseries_static.m", dir())).unwrap();
    assert_eq!(net.inputs()[0].name, "X{1}");
    assert_eq!(net.outputs()[0].name, "Y{1}");
}

#[test]
fn cascade_with_two_inputs_pca_and_constant_output_row() {
    let net = ShallowNet::load(format!("{}/v7_cascade_two_inputs.m", dir())).unwrap();
    let names: Vec<_> = net
        .inputs()
        .iter()
        .map(|p| (p.name.as_str(), p.len))
        .collect();
    assert_eq!(names, [("x1", 3), ("x2", 2)]);
    assert_eq!(net.output_len(), 3);
    // The same network written out by hand with nalgebra.
    let g1 = DVector::from_vec(vec![0.8, 1.25, 0.4]);
    let xo1 = DVector::from_vec(vec![-1.5, 0.25, -3.0]);
    let t = DMatrix::from_row_slice(2, 2, &[0.6, -0.8, 0.8, 0.6]);
    let b1 = DVector::from_vec(vec![0.1, -0.2, 0.3, -0.4]);
    let iw11 = DMatrix::from_row_slice(
        4,
        3,
        &[
            0.5, -0.25, 0.75, -0.5, 1.0, 0.125, 0.25, 0.5, -1.0, 1.0, -0.75, 0.5,
        ],
    );
    let iw12 = DMatrix::from_row_slice(4, 2, &[0.3, -0.6, 0.9, 0.2, -0.4, 0.7, 0.1, -0.1]);
    let b2 = DVector::from_vec(vec![0.05, -0.15]);
    let iw21 = DMatrix::from_row_slice(2, 3, &[0.2, -0.1, 0.3, -0.3, 0.4, 0.1]);
    let lw21 = DMatrix::from_row_slice(2, 4, &[1.1, -0.7, 0.4, 0.9, -0.6, 0.8, -1.2, 0.3]);
    let gy = [0.5, 0.25];
    let xoy = [10.0, -4.0];
    for x in [
        [0.3, -1.0, 2.0, 0.5, -0.7],
        [-2.0, 1.5, -0.4, -1.1, 0.9],
        [1.2, 0.1, -2.5, 2.2, 0.05],
    ] {
        let x1 = DVector::from_column_slice(&x[..3]);
        let x2 = DVector::from_column_slice(&x[3..]);
        let xp1 = (x1 - &xo1).component_mul(&g1).add_scalar(-1.0);
        let xp2 = &t * x2;
        let n1 = &b1 + &iw11 * &xp1 + &iw12 * &xp2;
        let a1 = n1.map(|n: f64| 2.0 / (1.0 + (-2.0 * n).exp()) - 1.0);
        let a2 = &b2 + &iw21 * &xp1 + &lw21 * &a1;
        let y_ref = [
            (a2[0] + 1.0) / gy[0] + xoy[0],
            0.75,
            (a2[1] + 1.0) / gy[1] + xoy[1],
        ];
        let da1 = DMatrix::from_diagonal(&a1.map(|a| 1.0 - a * a));
        let g = DMatrix::from_diagonal(&g1);
        let d_x1 = &iw21 * &g + &lw21 * &da1 * &iw11 * &g;
        let d_x2 = &lw21 * &da1 * &iw12 * &t;
        let (y, j) = net.jacobian(&x).unwrap();
        for (a, b) in y.iter().zip(&y_ref) {
            assert!((a - b).abs() < 1e-12 * b.abs().max(1.0), "{a} vs {b}");
        }
        for c in 0..5 {
            assert_eq!(
                j[(1, c)],
                0.0,
                "the restored constant row has no derivative"
            );
            for (row, out) in [(0, 0), (2, 1)] {
                let want = if c < 3 {
                    d_x1[(out, c)]
                } else {
                    d_x2[(out, c - 3)]
                } / gy[out];
                assert!(
                    (j[(row, c)] - want).abs() < 1e-12,
                    "J[{row},{c}] = {} vs {want}",
                    j[(row, c)]
                );
            }
        }
        let fd = central_differences(&net, &x);
        assert!((j - fd).amax() < 1e-6);
    }
}
