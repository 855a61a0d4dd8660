//! The tangent route of loaded ONNX models (`onnx/tangent`) against independent references:
//! the hand-written analytic Jacobian of the same weights, and the generic evaluator with
//! dual numbers (`Model::eval`, the path every model took before), to 1e-13 relative.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use nngrad_core::onnx::Model;
use nngrad_core::{try_jacobian, try_jvp, Differentiable};
use workloads::*;

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-300);
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale.max(x.abs().max(y.abs())),
            "{what}[{k}]: {x} vs {y}"
        );
    }
}

fn row_major(j: &nalgebra::DMatrix<f64>) -> Vec<f64> {
    j.transpose().as_slice().to_vec()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

fn on_route(model: &Model) -> bool {
    format!("{model:?}").contains("tangent_route: true")
}

#[test]
fn mlp_jacobians_match_analytic_and_generic_path() {
    for (sizes, seed) in [(&MLP_S[..], 1u64), (&MLP_M[..], 2), (&MLP_L[..], 3)] {
        let net = Net::glorot(sizes, seed);
        for form in [Form::GemmF64, Form::MatMulF32] {
            let what = format!("{sizes:?} {form:?}");
            let model = Model::from_bytes(&net.onnx(form)).unwrap();
            assert!(on_route(&model), "{what}: {model:?}");
            let reference = match form {
                Form::GemmF64 => Net::glorot(sizes, seed),
                Form::MatMulF32 => net.rounded_f32(),
            };
            let x = inputs(net.inputs(), seed + 10);
            let (y, j) = model.jacobian(&x).unwrap();
            let mut an = Analytic::default();
            let (ya, ja) = an.jacobian(&reference, &x);
            assert_close(&y, ya, 1e-13, &format!("{what}: values vs analytic"));
            assert_close(&row_major(&j), ja, 1e-13, &format!("{what}: J vs analytic"));
            // the old path: the generic evaluator with DualN lanes
            let (yg, jg) = try_jacobian(|x| model.eval(x), &x).unwrap();
            assert_close(&y, &yg, 1e-13, &format!("{what}: values vs generic"));
            assert_close(
                &row_major(&j),
                &row_major(&jg),
                1e-13,
                &format!("{what}: J vs generic"),
            );
            assert_eq!(
                bits(&model.forward(&x).unwrap()),
                bits(&y),
                "{what}: forward"
            );
            // JVP against J·v and against the generic Dual path
            let v = inputs(net.inputs(), seed + 20);
            let (yv, jv) = model.jvp(&x, &v).unwrap();
            assert_eq!(bits(&yv), bits(&y), "{what}: jvp value");
            let jv_ref: Vec<f64> = (0..j.nrows())
                .map(|i| (0..j.ncols()).map(|c| ja[i * j.ncols() + c] * v[c]).sum())
                .collect();
            assert_close(&jv, &jv_ref, 1e-12, &format!("{what}: J·v vs analytic"));
            let (_, jvg) = try_jvp(|x| model.eval(x), &x, &v).unwrap();
            assert_close(&jv, &jvg, 1e-13, &format!("{what}: J·v vs generic"));
        }
    }
}

#[test]
fn batches_match_points_and_are_identical_for_any_thread_count() {
    let net = Net::glorot(&MLP_S, 5);
    let model = Model::from_bytes(&net.onnx(Form::GemmF64)).unwrap();
    let (n, m) = (net.inputs(), net.outputs());
    let k = 300;
    let xs = inputs(k * n, 9);
    let vs = inputs(k * n, 10);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            (
                model.jacobian_batch(&xs).unwrap(),
                model.jvp_batch(&xs, &vs).unwrap(),
                model.forward_batch(&xs).unwrap(),
            )
        })
    };
    let one = run(1);
    let two = run(2);
    assert_eq!(bits(&one.0 .0), bits(&two.0 .0));
    assert_eq!(bits(&one.0 .1), bits(&two.0 .1));
    assert_eq!(bits(&one.1 .1), bits(&two.1 .1));
    assert_eq!(bits(&one.2), bits(&two.2));
    let ((ys, js), (yv, jvs), yf) = one;
    let mut an = Analytic::default();
    for p in 0..k {
        let x = &xs[p * n..(p + 1) * n];
        let (ya, ja) = an.jacobian(&net, x);
        assert_close(&ys[p * m..(p + 1) * m], ya, 1e-13, "batch values");
        assert_close(&js[p * m * n..(p + 1) * m * n], ja, 1e-13, "batch J");
        let (y1, j1) = model.jacobian(x).unwrap();
        assert_close(&row_major(&j1), &js[p * m * n..(p + 1) * m * n], 1e-13, "J");
        assert_close(&y1, &yv[p * m..(p + 1) * m], 1e-13, "jvp batch values");
        assert_close(&y1, &yf[p * m..(p + 1) * m], 1e-13, "forward batch values");
        let (_, jv1) = model.jvp(x, &vs[p * n..(p + 1) * n]).unwrap();
        assert_close(&jv1, &jvs[p * m..(p + 1) * m], 1e-13, "J·v batch");
    }
    // shapes are still checked
    assert!(model.jacobian_batch(&xs[..n + 1]).is_err());
    assert!(model.jvp_batch(&xs, &vs[..n]).is_err());
    assert_eq!(model.jacobian_batch(&[]).unwrap().0.len(), 0);
}

fn on_dense_chain(model: &Model) -> bool {
    format!("{model:?}").contains("dense_chain: true")
}

/// The MLP-S export with its hidden activations replaced by `op`.
fn with_activation(net: &Net, form: Form, op: &str) -> Model {
    use nngrad_core::onnx::proto::ModelProto;
    use prost::Message;
    let mut p = ModelProto::decode(&net.onnx(form)[..]).unwrap();
    for node in &mut p.graph.as_mut().unwrap().node {
        if node.op_type == "Tanh" {
            node.op_type = op.into();
        }
    }
    Model::from_bytes(&p.encode_to_vec()).unwrap()
}

#[test]
fn mlp_chains_take_the_dense_path_and_match_the_step_route_and_generic_path() {
    // MLP-S has fewer outputs than inputs (the output-side association), the reversed net
    // more (the input side); both forms; activations the dense path has, and one it has not
    // (Softsign: the plan's own steps, no chain).
    let rev = [4usize, 32, 32, 8];
    for (sizes, seed) in [(&MLP_S[..], 31u64), (&rev[..], 32), (&MLP_M[..], 33)] {
        let net = Net::glorot(sizes, seed);
        for form in [Form::GemmF64, Form::MatMulF32] {
            for op in ["Tanh", "Relu", "Sigmoid", "Softsign"] {
                let what = format!("{sizes:?} {form:?} {op}");
                let model = with_activation(&net, form, op);
                assert!(on_route(&model), "{what}");
                assert_eq!(
                    on_dense_chain(&model),
                    op != "Softsign",
                    "{what}: {model:?}"
                );
                let x = inputs(net.inputs(), seed + 1);
                let (y, j) = model.jacobian(&x).unwrap();
                let (yg, jg) = try_jacobian(|x| model.eval(x), &x).unwrap();
                assert_close(&y, &yg, 1e-13, &format!("{what}: values vs generic"));
                // One point and its values: the chain's Jacobian (dense path) and the plan's
                // forward and JVP (its steps) must agree bit for bit, not just closely.
                assert_eq!(
                    bits(&model.forward(&x).unwrap()),
                    bits(&y),
                    "{what}: forward"
                );
                let jr = row_major(&j);
                assert_close(
                    &jr,
                    &row_major(&jg),
                    1e-13,
                    &format!("{what}: J vs generic"),
                );
                // The plan's own steps (the JVP keeps them): each column e_c of J.
                let n = net.inputs();
                for c in 0..n {
                    let mut e = vec![0.0; n];
                    e[c] = 1.0;
                    let (yv, jv) = model.jvp(&x, &e).unwrap();
                    assert_eq!(bits(&yv), bits(&y), "{what}: jvp values");
                    let col: Vec<f64> = (0..j.nrows()).map(|i| j[(i, c)]).collect();
                    assert_close(&col, &jv, 1e-13, &format!("{what}: J e_{c} vs steps"));
                }
                // a batch: every point as the single-point call, any thread count the same
                let xs = inputs(37 * n, seed + 2);
                let pool = |t| {
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(t)
                        .build()
                        .unwrap()
                };
                let one = pool(1).install(|| model.jacobian_batch(&xs).unwrap());
                let two = pool(2).install(|| model.jacobian_batch(&xs).unwrap());
                assert_eq!(bits(&one.1), bits(&two.1), "{what}: threads");
                assert_eq!(bits(&one.0), bits(&two.0), "{what}: threads");
                let m = net.outputs();
                for p in [0, 17, 36] {
                    // The same bits whether a point comes alone or in a batch.
                    let (y1, j1) = model.jacobian(&xs[p * n..(p + 1) * n]).unwrap();
                    assert_eq!(bits(&one.0[p * m..(p + 1) * m]), bits(&y1), "{what}");
                    assert_eq!(
                        bits(&one.1[p * m * n..(p + 1) * m * n]),
                        bits(&row_major(&j1)),
                        "{what}"
                    );
                }
            }
        }
    }
}

/// A scaler in front of the MLP export (`None`, Sub + Div, Sub, or `ai.onnx.ml` Scaler with
/// per-feature or shared parameters) and a Softmax or LogSoftmax behind it: what skl2onnx
/// writes for a scaled classifier or regressor.
fn scaled_classifier(net: &Net, form: Form, prefix: &str, tail: &str) -> Model {
    use nngrad_core::onnx::proto::*;
    use prost::Message;
    let mut p = ModelProto::decode(&net.onnx(form)[..]).unwrap();
    let n = net.inputs();
    let f32s = matches!(form, Form::MatMulF32);
    let tensor = |name: &str, v: Vec<f64>| TensorProto {
        dims: vec![v.len() as i64],
        data_type: if f32s {
            data_type::FLOAT
        } else {
            data_type::DOUBLE
        },
        name: name.into(),
        double_data: if f32s { vec![] } else { v.clone() },
        float_data: if f32s {
            v.iter().map(|&x| x as f32).collect()
        } else {
            vec![]
        },
        ..Default::default()
    };
    let node = |op: &str, ins: &[&str], out: &str, attrs: Vec<AttributeProto>| NodeProto {
        input: ins.iter().map(|s| s.to_string()).collect(),
        output: vec![out.into()],
        name: out.into(),
        op_type: op.into(),
        attribute: attrs,
        domain: if op == "Scaler" {
            "ai.onnx.ml".into()
        } else {
            String::new()
        },
    };
    let floats = |name: &str, v: Vec<f64>| AttributeProto {
        name: name.into(),
        floats: v.iter().map(|&x| x as f32).collect(),
        r#type: attribute_type::FLOATS,
        ..Default::default()
    };
    let g = p.graph.as_mut().unwrap();
    let mean: Vec<f64> = (0..n).map(|j| 0.3 - 0.07 * j as f64).collect();
    let std: Vec<f64> = (0..n).map(|j| 0.5 + 0.11 * j as f64).collect();
    let mut front = Vec::new();
    match prefix {
        "none" => {}
        "sub_div" | "sub" => {
            g.initializer.push(tensor("mean", mean.clone()));
            g.initializer.push(tensor("std", std.clone()));
            front.push(node("Sub", &["x", "mean"], "xc", vec![]));
            if prefix == "sub" {
                front.push(node("Identity", &["xc"], "xs", vec![]));
            } else {
                front.push(node("Div", &["xc", "std"], "xs", vec![]));
            }
        }
        "scaler" | "scaler_shared" => {
            let (off, sc) = if prefix == "scaler" {
                (mean.clone(), std.iter().map(|s| 1.0 / s).collect())
            } else {
                (vec![0.25], vec![1.75])
            };
            front.push(node(
                "Scaler",
                &["x"],
                "xs",
                vec![floats("offset", off), floats("scale", sc)],
            ));
            p.opset_import.push(OperatorSetIdProto {
                domain: "ai.onnx.ml".into(),
                version: 1,
            });
        }
        other => panic!("{other}"),
    }
    if prefix != "none" {
        for nd in &mut g.node {
            for i in &mut nd.input {
                if i == "x" {
                    *i = "xs".into();
                }
            }
        }
    }
    let last = g.node.last_mut().unwrap();
    assert_eq!(last.op_type, "Identity");
    if tail != "none" {
        let logits = last.input[0].clone();
        last.input[0] = "probs".into();
        let axis = AttributeProto {
            name: "axis".into(),
            i: -1,
            r#type: attribute_type::INT,
            ..Default::default()
        };
        g.node.insert(
            g.node.len() - 1,
            node(tail, &[&logits], "probs", vec![axis]),
        );
    }
    front.append(&mut g.node);
    g.node = front;
    Model::from_bytes(&p.encode_to_vec()).unwrap()
}

#[test]
fn scaled_classifiers_take_the_dense_path_and_match_the_step_route_and_generic_path() {
    let net = Net::glorot(&MLP_S, 41);
    let n = net.inputs();
    let m = net.outputs();
    for form in [Form::GemmF64, Form::MatMulF32] {
        for prefix in ["none", "sub_div", "sub", "scaler", "scaler_shared"] {
            for tail in ["none", "Softmax", "LogSoftmax"] {
                let what = format!("{form:?} {prefix} {tail}");
                let model = scaled_classifier(&net, form, prefix, tail);
                assert!(on_route(&model), "{what}");
                assert!(on_dense_chain(&model), "{what}: {model:?}");
                let x = inputs(n, 43);
                let (y, j) = model.jacobian(&x).unwrap();
                let (yg, jg) = try_jacobian(|x| model.eval(x), &x).unwrap();
                assert_close(&y, &yg, 1e-13, &format!("{what}: values vs generic"));
                assert_close(
                    &row_major(&j),
                    &row_major(&jg),
                    1e-13,
                    &format!("{what}: J vs generic"),
                );
                // the dense path's values are the steps' bits
                assert_eq!(bits(&model.forward(&x).unwrap()), bits(&y), "{what}");
                for c in 0..n {
                    let mut e = vec![0.0; n];
                    e[c] = 1.0;
                    let (yv, jv) = model.jvp(&x, &e).unwrap();
                    assert_eq!(bits(&yv), bits(&y), "{what}: jvp values");
                    let col: Vec<f64> = (0..m).map(|i| j[(i, c)]).collect();
                    assert_close(&col, &jv, 1e-13, &format!("{what}: J e_{c} vs steps"));
                }
                // central differences on the generic evaluator's forward pass
                let h = 1e-6;
                for c in 0..n {
                    let (mut xp, mut xm) = (x.clone(), x.clone());
                    xp[c] += h;
                    xm[c] -= h;
                    let (fp, fm) = (model.forward(&xp).unwrap(), model.forward(&xm).unwrap());
                    for i in 0..m {
                        let fd = (fp[i] - fm[i]) / (2.0 * h);
                        assert!((fd - j[(i, c)]).abs() < 1e-7, "{what}: FD [{i},{c}]");
                    }
                }
                // a batch: each point as it comes alone, bit for bit, for 1 and 2 threads
                let xs = inputs(37 * n, 44);
                let pool = |t| {
                    rayon::ThreadPoolBuilder::new()
                        .num_threads(t)
                        .build()
                        .unwrap()
                };
                let one = pool(1).install(|| model.jacobian_batch(&xs).unwrap());
                let two = pool(2).install(|| model.jacobian_batch(&xs).unwrap());
                assert_eq!(bits(&one.1), bits(&two.1), "{what}: threads");
                assert_eq!(bits(&one.0), bits(&two.0), "{what}: threads");
                for p in [0, 17, 36] {
                    let (y1, j1) = model.jacobian(&xs[p * n..(p + 1) * n]).unwrap();
                    assert_eq!(bits(&one.0[p * m..(p + 1) * m]), bits(&y1), "{what}");
                    assert_eq!(
                        bits(&one.1[p * m * n..(p + 1) * m * n]),
                        bits(&row_major(&j1)),
                        "{what}"
                    );
                }
            }
        }
    }
}

/// Layers of at most 64 multiply-adds (the diabetes regressor's 8→1 output) once summed
/// without FMA in the dense path and with it on the steps: `forward` and the Jacobian's
/// values differed in the last bit at 10–20 of 20 points.
#[test]
fn small_layers_give_the_same_values_on_the_dense_path_and_the_steps() {
    for sizes in [&[10usize, 16, 8, 1][..], &[10, 16, 8, 4], &[8, 32, 32, 1]] {
        let net = Net::glorot(sizes, 5);
        for form in [Form::GemmF64, Form::MatMulF32] {
            let model = Model::from_bytes(&net.onnx(form)).unwrap();
            assert!(on_dense_chain(&model), "{sizes:?}");
            for s in 0..20 {
                let x = inputs(sizes[0], s);
                let (y, _) = model.jacobian(&x).unwrap();
                assert_eq!(
                    bits(&model.forward(&x).unwrap()),
                    bits(&y),
                    "{sizes:?} {form:?} point {s}"
                );
            }
        }
    }
}
