//! The fast paths (dense-layer Jacobians, batched Jacobians, GEMM-backed dual products)
//! against independent references: the hand-written analytic Jacobian, the plain-loop
//! network differentiated by the generic dual path, and central finite differences.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use nngrad_core::dense::{Activation, Dense, DenseError, Mlp, Workspace};
use nngrad_core::{hessian, jacobian, jacobian_chunk, Chunk};
use workloads::*;

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * (1.0 + x.abs().max(y.abs())),
            "{what}[{k}]: {x} vs {y}"
        );
    }
}

fn row_major(j: &nalgebra::DMatrix<f64>) -> Vec<f64> {
    j.transpose().as_slice().to_vec()
}

#[test]
fn dense_jacobian_matches_analytic_and_generic() {
    for (sizes, seed) in [(&MLP_S[..], 1u64), (&MLP_M[..], 2)] {
        let net = Net::glorot(sizes, seed);
        let mlp = net.to_mlp();
        let x = inputs(net.inputs(), seed + 10);
        let (y, j) = mlp.jacobian(&x).unwrap();
        let mut an = Analytic::default();
        let (ya, ja) = an.jacobian(&net, &x);
        assert_close(&y, ya, 1e-13, "values vs analytic");
        assert_close(&row_major(&j), ja, 1e-13, "jacobian vs analytic");
        // The plain-loop network through the generic duals (no kernels involved).
        let (yg, jg) = jacobian(|x| plain_forward(&net, x), &x);
        assert_close(&y, &yg, 1e-13, "values vs generic");
        assert_close(
            &row_major(&j),
            &row_major(&jg),
            1e-13,
            "jacobian vs generic",
        );
        // Finite differences: a loose, fully independent check.
        let fd = central_fd(|x| plain_forward(&net, x), &x);
        assert_close(&row_major(&j), &fd, 1e-7, "jacobian vs central FD");
    }
}

#[test]
fn dual_n_through_kernels_matches_plain_loops() {
    let net = Net::glorot(&MLP_M, 5);
    let mlp = net.to_mlp();
    let x = inputs(net.inputs(), 6);
    let (y1, j1) = jacobian(|x| mlp.forward(x).unwrap(), &x);
    let (y2, j2) = jacobian(|x| plain_forward(&net, x), &x);
    assert_close(&y1, &y2, 1e-13, "values");
    assert_close(&row_major(&j1), &row_major(&j2), 1e-13, "jacobian");
    // Other chunk widths take the same GEMM route.
    let (_, j3) = jacobian_chunk(Chunk::<5>, |x| mlp.forward(x).unwrap(), &x);
    assert_close(&row_major(&j3), &row_major(&j2), 1e-13, "chunk 5");
}

#[test]
fn batch_matches_point_by_point() {
    let net = Net::glorot(&MLP_S, 3);
    let mlp = net.to_mlp();
    // 300 points: several blocks of points, the last one partial.
    let (n, m, points) = (net.inputs(), net.outputs(), 300);
    let xs = inputs(points * n, 4);
    let (ys, js) = mlp.jacobian_batch(&xs).unwrap();
    assert_eq!((ys.len(), js.len()), (points * m, points * m * n));
    let mut an = Analytic::default();
    for p in 0..points {
        let (ya, ja) = an.jacobian(&net, &xs[p * n..(p + 1) * n]);
        assert_close(&ys[p * m..(p + 1) * m], ya, 1e-13, "batch values");
        assert_close(&js[p * m * n..(p + 1) * m * n], ja, 1e-13, "batch jacobian");
    }
    // A workspace reused across sizes gives the same answers.
    let mut ws = Workspace::default();
    mlp.jacobian_batch_with(&xs, &mut ws).unwrap();
    mlp.jacobian_with(&xs[..n], &mut ws).unwrap();
    assert_close(ws.jacobian(), &js[..m * n], 1e-13, "reused workspace");
    assert_eq!(mlp.jacobian_batch(&[]).unwrap(), (vec![], vec![]));
    // Split across threads: the same numbers, bit for bit.
    for threads in [0, 1, 3, 7] {
        assert_eq!(
            mlp.jacobian_batch_parallel(&xs, threads).unwrap(),
            (ys.clone(), js.clone())
        );
    }
    assert_eq!(
        mlp.jacobian_batch_parallel(&[], 2).unwrap(),
        (vec![], vec![])
    );
    assert!(mlp.jacobian_batch_parallel(&xs[1..], 2).is_err());
}

#[test]
fn both_association_orders_match_analytic() {
    // MLP-S has fewer outputs than inputs (the Jacobian is built from the output side);
    // this one has more outputs than inputs (built from the input side).
    for sizes in [&MLP_S[..], &[3, 16, 16, 12][..]] {
        let net = Net::glorot(sizes, 31);
        let mlp = net.to_mlp();
        let (n, m, points) = (net.inputs(), net.outputs(), 50);
        let xs = inputs(points * n, 32);
        let (ys, js) = mlp.jacobian_batch(&xs).unwrap();
        let mut an = Analytic::default();
        for p in 0..points {
            let (ya, ja) = an.jacobian(&net, &xs[p * n..(p + 1) * n]);
            assert_close(&ys[p * m..(p + 1) * m], ya, 1e-13, "values");
            assert_close(&js[p * m * n..(p + 1) * m * n], ja, 1e-13, "jacobian");
            let (_, j1) = mlp.jacobian(&xs[p * n..(p + 1) * n]).unwrap();
            assert_close(&row_major(&j1), ja, 1e-13, "single-point jacobian");
        }
    }
}

#[test]
fn jvp_matches_analytic() {
    let net = Net::glorot(&MLP_M, 8);
    let mlp = net.to_mlp();
    let x = inputs(net.inputs(), 9);
    let v = inputs(net.inputs(), 10);
    let (y, jv) = mlp.jvp(&x, &v).unwrap();
    let mut an = Analytic::default();
    let (ya, jva) = an.jvp(&net, &x, &v);
    assert_close(&y, ya, 1e-13, "values");
    assert_close(&jv, jva, 1e-13, "J v");
    let (_, j) = mlp.jacobian(&x).unwrap();
    let jv2: Vec<f64> = (0..j.nrows())
        .map(|i| (0..j.ncols()).map(|k| j[(i, k)] * v[k]).sum())
        .collect();
    assert_close(&jv, &jv2, 1e-12, "J v from J");
}

#[test]
fn other_activations_against_finite_differences() {
    let mut r = Rng(99);
    let mut layer = |i: usize, o: usize, act| {
        let w = (0..i * o).map(|_| r.uniform(-1.0, 1.0)).collect();
        let b = (0..o).map(|_| r.uniform(-0.1, 0.1)).collect();
        Dense::new(i, o, w, b, act).unwrap()
    };
    let mlp = Mlp::new(vec![
        layer(5, 7, Activation::Sigmoid),
        layer(7, 6, Activation::Relu),
        layer(6, 3, Activation::Tanh),
    ])
    .unwrap();
    let x = inputs(5, 12);
    let (y, j) = mlp.jacobian(&x).unwrap();
    assert_close(&y, &mlp.forward(&x).unwrap(), 1e-14, "values");
    let fd = central_fd(|x| mlp.forward(x).unwrap(), &x);
    assert_close(&row_major(&j), &fd, 1e-7, "jacobian vs FD");
    let (_, jg) = jacobian(|x| mlp.forward(x).unwrap(), &x);
    assert_close(
        &row_major(&j),
        &row_major(&jg),
        1e-13,
        "jacobian vs dual path",
    );
}

#[test]
fn nested_duals_still_differentiate_twice() {
    // Hessian of one output through the dense forward: nested duals take the kernels' loops.
    let net = Net::glorot(&[3, 5, 1], 21);
    let mlp = net.to_mlp();
    let x = inputs(3, 22);
    let (_, _, h) = hessian(|x| mlp.forward(x).unwrap()[0], &x);
    // Reference: central differences of the exact gradient from the dense Jacobian.
    let fd = central_fd(|x| mlp.jacobian(x).unwrap().1.as_slice().to_vec(), &x);
    assert_close(&row_major(&h), &fd, 1e-7, "hessian vs FD of gradient");
}

#[test]
fn bad_input_is_an_error() {
    let mlp = Net::glorot(&MLP_S, 1).to_mlp();
    let e = mlp.jacobian(&[0.0; 3]).unwrap_err();
    assert_eq!(
        e,
        DenseError::Shape {
            what: "inputs",
            expected: 8,
            got: 3
        }
    );
    assert!(mlp.jvp(&[0.0; 8], &[0.0; 7]).is_err());
    assert!(mlp.forward(&[0.0; 9]).is_err());
    assert!(mlp.jacobian_batch(&[0.0; 12]).is_err());
    assert_eq!(Mlp::new(vec![]).unwrap_err(), DenseError::Empty);
}

/// A network with no inputs still has its outputs (the biases through the layers) and an
/// `m × 0` Jacobian; a batch cannot count zero-input points and gives none.
#[test]
fn zero_inputs_give_the_values_and_an_empty_jacobian() {
    let net = Mlp::new(vec![
        Dense::new(0, 2, vec![], vec![0.5, -1.0], Activation::Tanh).unwrap(),
        Dense::new(2, 1, vec![2.0, 3.0], vec![0.25], Activation::Identity).unwrap(),
    ])
    .unwrap();
    let (y, j) = net.jacobian(&[]).unwrap();
    let want = 2.0 * 0.5f64.tanh() + 3.0 * (-1.0f64).tanh() + 0.25;
    assert!((y[0] - want).abs() <= 1e-15, "{y:?} vs {want}");
    assert_eq!((y.len(), j.nrows(), j.ncols()), (1, 1, 0));
    assert!(net.jacobian(&[1.0]).is_err());
}
