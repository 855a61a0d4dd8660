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
