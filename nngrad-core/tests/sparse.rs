//! Sparse Jacobians through the public API: detected patterns against the structurally known
//! ones, sparse against dense Jacobians, and the colouring's validity on random patterns.

use nalgebra::DMatrix;
use nalgebra_sparse::CscMatrix;
use nngrad_core::sparse::{
    sparse_jacobian, try_sparse_jacobian, SparseError, SparseJacobian, SparsityPattern,
};
use nngrad_core::{jacobian, matlab::ShallowNet, onnx::Model, Scalar};
use proptest::prelude::*;

fn data(rel: &str) -> String {
    format!("{}/../tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

/// Every entry of `dense` equals the sparse one (zero outside the pattern) to 1e-15 relative.
fn assert_same(sparse: &CscMatrix<f64>, dense: &DMatrix<f64>) {
    assert_eq!((sparse.nrows(), sparse.ncols()), dense.shape());
    let s = DMatrix::from(sparse);
    for i in 0..dense.nrows() {
        for j in 0..dense.ncols() {
            let (a, b) = (s[(i, j)], dense[(i, j)]);
            assert!(
                (a - b).abs() <= 1e-15 * b.abs(),
                "entry ({i}, {j}): sparse {a:e}, dense {b:e}"
            );
        }
    }
}

/// The pattern has exactly the entries `expected` says.
fn assert_pattern(p: &SparsityPattern, expected: impl Fn(usize, usize) -> bool) {
    let mut nnz = 0;
    for i in 0..p.nrows() {
        for j in 0..p.ncols() {
            assert_eq!(p.contains(i, j), expected(i, j), "entry ({i}, {j})");
            nnz += usize::from(expected(i, j));
        }
    }
    assert_eq!(p.nnz(), nnz);
}

/// A nonlinear tridiagonal residual (1-D reaction–diffusion).
fn chain<S: Scalar>(u: &[S]) -> Vec<S> {
    let n = u.len();
    (0..n)
        .map(|i| {
            let l = if i > 0 { u[i - 1] } else { S::cst(1.0) };
            let r = if i + 1 < n { u[i + 1] } else { S::cst(0.5) };
            (l - u[i] * 2.0 + r) * 100.0 + u[i].exp() * l.sin()
        })
        .collect()
}

/// A 5-point Laplacian with a cubic term on a `k×k` grid, zero outside.
fn stencil<S: Scalar>(u: &[S], k: usize) -> Vec<S> {
    let at = |i: isize, j: isize| {
        if (0..k as isize).contains(&i) && (0..k as isize).contains(&j) {
            u[i as usize * k + j as usize]
        } else {
            S::cst(0.0)
        }
    };
    let mut out = Vec::with_capacity(k * k);
    for i in 0..k as isize {
        for j in 0..k as isize {
            let c = at(i, j);
            out.push(
                at(i - 1, j) + at(i + 1, j) + at(i, j - 1) + at(i, j + 1) - c * 4.0 + c.powi(3),
            );
        }
    }
    out
}

fn points(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) - 0.5
        })
        .collect()
}

#[test]
fn chain_pattern_is_tridiagonal_and_sparse_equals_dense() {
    let x = points(150, 1);
    let p = SparsityPattern::detect(chain, &x);
    assert_pattern(&p, |i, j| i.abs_diff(j) <= 1);
    let sj = SparseJacobian::new(&p);
    assert_eq!((sj.colors(), sj.lower_bound()), (3, 3));
    let (y, js) = sj.jacobian(chain, &x);
    let (yd, jd) = jacobian(chain, &x);
    assert_eq!(y, yd);
    assert_same(&js, &jd);
    let (y2, j2) = sparse_jacobian(chain, &x);
    assert_eq!(y2, yd);
    assert_same(&j2, &jd);
}

#[test]
fn stencil_pattern_is_the_five_point_stencil() {
    let k = 12;
    let x = points(k * k, 2);
    let p = SparsityPattern::detect(|x| stencil(x, k), &x);
    assert_pattern(&p, |r, c| {
        let (a, b) = ((r / k, r % k), (c / k, c % k));
        a.0.abs_diff(b.0) + a.1.abs_diff(b.1) <= 1
    });
    let sj = SparseJacobian::new(&p);
    assert_eq!(sj.lower_bound(), 5);
    assert!(
        sj.colors() >= 5 && sj.colors() <= 8,
        "{} colours",
        sj.colors()
    );
    let (_, js) = sj.jacobian(|x| stencil(x, k), &x);
    let (_, jd) = jacobian(|x| stencil(x, k), &x);
    assert_same(&js, &jd);
}

/// `k` points of a model evaluated as one function of `k·n` inputs.
fn batched<S: Scalar, E>(
    eval: impl Fn(&[S]) -> Result<Vec<S>, E>,
    n: usize,
    xs: &[S],
) -> Result<Vec<S>, E> {
    let mut out = Vec::new();
    for x in xs.chunks(n) {
        out.extend(eval(x)?);
    }
    Ok(out)
}

#[test]
fn a_batch_of_a_loaded_onnx_model_is_block_diagonal() {
    let model = Model::load(data("onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    let (n, k) = (10, 6);
    let x: Vec<f64> = points(n * k, 3).iter().map(|v| v * 0.1).collect();
    let p = SparsityPattern::try_detect(|x| batched(|x| model.eval(x), n, x), &x).unwrap();
    assert_eq!((p.nrows(), p.ncols()), (k, n * k));
    assert_pattern(&p, |i, j| j / n == i);
    let sj = SparseJacobian::new(&p);
    assert_eq!(sj.colors(), n);
    let (y, js) = sj
        .try_jacobian(|x| batched(|x| model.eval(x), n, x), &x)
        .unwrap();
    let (yd, jd) = jacobian(|x| batched(|x| model.eval(x), n, x).unwrap(), &x);
    assert_eq!(y, yd);
    assert_same(&js, &jd);
    // `sparse_jacobian`'s lanes are tracers, whose values the kernels multiply with the
    // dense Jacobian's GEMM: the same sums in the same order.
    let (y2, j2) = try_sparse_jacobian(|x| batched(|x| model.eval(x), n, x), &x).unwrap();
    assert_eq!(y2, yd);
    assert_eq!(j2.pattern(), p.as_csc());
    assert_same(&j2, &jd);
}

#[test]
fn a_batch_of_a_matlab_net_is_block_diagonal() {
    let dir = data("matlab/shallow_tansig_struct");
    let src = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "m"))
        .expect("a .m file");
    let net = ShallowNet::load(&src).unwrap();
    let (n, m, k) = (net.input_len(), net.output_len(), 4);
    let x: Vec<f64> = points(n * k, 4);
    let p = SparsityPattern::try_detect(|x| batched(|x| net.eval(x), n, x), &x).unwrap();
    assert_pattern(&p, |i, j| j / n == i / m);
    let (_, js) = SparseJacobian::new(&p)
        .try_jacobian(|x| batched(|x| net.eval(x), n, x), &x)
        .unwrap();
    let (_, jd) = jacobian(|x| batched(|x| net.eval(x), n, x).unwrap(), &x);
    assert_same(&js, &jd);
}

#[test]
fn branches_union_and_errors() {
    fn f<S: Scalar>(x: &[S]) -> Result<Vec<S>, String> {
        if x.len() != 3 {
            return Err(format!("3 inputs expected, {} given", x.len()));
        }
        Ok(vec![x[0].max(x[1]) * x[2], x[2]])
    }
    let a = SparsityPattern::try_detect(f, &[1.0, 0.0, 1.0]).unwrap();
    let b = SparsityPattern::try_detect(f, &[0.0, 1.0, 1.0]).unwrap();
    assert!(a.contains(0, 0) && !a.contains(0, 1) && b.contains(0, 1));
    let u = a.union(&b);
    assert_eq!(u.nnz(), 4);
    let sj = SparseJacobian::new(&a);
    assert!(matches!(
        sj.try_jacobian(f, &[0.0, 1.0, 1.0]),
        Err(SparseError::OutsidePattern { row: 0 })
    ));
    // The union covers both branches.
    let su = SparseJacobian::new(&u);
    for x in [[1.0, 0.0, 2.0], [0.0, 1.0, 2.0]] {
        let (_, js) = su.try_jacobian(f, &x).unwrap();
        let (_, jd) = jacobian(|x| f(x).unwrap(), &x);
        assert_same(&js, &jd);
    }
    assert_eq!(
        sj.try_jacobian(f, &[1.0]).unwrap_err(),
        SparseError::InputLen {
            expected: 3,
            got: 1
        }
    );
    assert!(matches!(
        try_sparse_jacobian(f, &[1.0]),
        Err(SparseError::Eval(e)) if e.contains("3 inputs")
    ));
    assert!(a
        .try_union(&SparsityPattern::detect(|x| x[0], &[1.0]))
        .is_err());
    // A closure whose output count changes between the 64-input blocks.
    let r = SparsityPattern::try_detect(
        |x| Ok::<_, ()>(vec![x[0]; if x[0].is_constant() { 1 } else { 2 }]),
        &[1.0; 70],
    );
    assert_eq!(
        r.unwrap_err(),
        SparseError::OutputLen {
            expected: 2,
            got: 1
        }
    );
}

/// A function with exactly the entries of `entries`, each a different nonlinearity.
fn with_pattern<S: Scalar>(x: &[S], nrows: usize, entries: &[(usize, usize)]) -> Vec<S> {
    let mut y = vec![S::cst(0.0); nrows];
    for (k, &(i, j)) in entries.iter().enumerate() {
        let c = 0.3 + k as f64 * 0.01;
        y[i] = y[i] * x[j].cos() + (x[j] * c).sin() + x[j] * c;
    }
    y
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn colouring_is_valid_and_sparse_equals_dense(
        nrows in 1usize..40,
        ncols in 1usize..90,
        raw in prop::collection::vec((0usize..1000, 0usize..1000), 0..300),
        seed in 0u64..1000,
    ) {
        let entries: Vec<_> = raw.iter().map(|&(i, j)| (i % nrows, j % ncols)).collect();
        let p = SparsityPattern::from_entries(nrows, ncols, &entries).unwrap();
        let sj = SparseJacobian::new(&p);
        let color = sj.coloring();
        prop_assert!(sj.colors() >= sj.lower_bound());
        prop_assert!(color.iter().all(|&c| c < sj.colors().max(1)));
        // No two columns of one colour share a row.
        for i in 0..nrows {
            let mut seen = std::collections::HashSet::new();
            for j in (0..ncols).filter(|&j| p.contains(i, j)) {
                prop_assert!(seen.insert(color[j]), "row {} has colour {} twice", i, color[j]);
            }
        }
        // Detection finds the pattern back, and the Jacobians agree.
        let x = points(ncols, seed);
        let d = SparsityPattern::detect(|x| with_pattern(x, nrows, &entries), &x);
        prop_assert_eq!(&d, &p);
        let (_, js) = sj.jacobian(|x| with_pattern(x, nrows, &entries), &x);
        let (_, jd) = jacobian(|x| with_pattern(x, nrows, &entries), &x);
        assert_same(&js, &jd);
    }
}

/// Every loaded ONNX model of the fixtures: `sparse_jacobian` (pattern detected on the
/// tracer lanes, values from the same kernels as the dense Jacobian) against the dense
/// Jacobian of the same evaluator, entry by entry to 1e-15 relative, and against the tangent
/// route (`Model::jacobian`, its own association of the products) to rounding.
#[test]
fn loaded_onnx_models_sparse_equals_dense() {
    for name in [
        "diabetes_mlp_tanh_regressor/model.onnx",
        "diabetes_mlp_tanh_regressor/model_f64.onnx",
        "wine_mlp_relu_softmax_classifier/model.onnx",
        "digits_mlp_sigmoid_softmax_classifier/model.onnx",
        "digits_keras_cnn_conv2d/model.onnx",
        "digits_keras_lstm_sequence/model.onnx",
        "gru_linear_before_reset/model.onnx",
    ] {
        let model = Model::load(data(&format!("onnx/{name}"))).unwrap();
        let n = model.input_len();
        let x: Vec<f64> = points(n, 5).iter().map(|v| 0.2 + v).collect();
        let (y, js) = try_sparse_jacobian(|x| model.eval(x), &x).unwrap();
        let (yd, jd) = nngrad_core::try_jacobian(|x| model.eval(x), &x).unwrap();
        assert_eq!(y, yd, "{name}");
        assert_same(&js, &jd);
        let p = SparsityPattern::try_detect(|x| model.eval(x), &x).unwrap();
        assert_eq!(js.pattern(), p.as_csc(), "{name}");
        let (_, jt) = model.jacobian(&x).unwrap();
        let d = (DMatrix::from(&js) - &jt).amax();
        assert!(
            d <= 1e-13 * jt.amax(),
            "{name}: {d:e} from the tangent route"
        );
        let sj = SparseJacobian::new(&p);
        let (_, jr) = sj.try_jacobian(|x| model.eval(x), &x).unwrap();
        assert_eq!(jr, js, "{name}");
    }
}

/// A genFunction network through `sparse_jacobian`, alone and as a block-diagonal batch.
#[test]
fn a_matlab_net_through_sparse_jacobian() {
    for dir in [
        "matlab/shallow_tansig_struct",
        "matlab/deep_logsig_flat_mapstd",
    ] {
        let src = std::fs::read_dir(data(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.extension().is_some_and(|e| e == "m"))
            .expect("a .m file");
        let net = ShallowNet::load(&src).unwrap();
        let (n, m) = (net.input_len(), net.output_len());
        let x = points(n, 6);
        let (y, js) = try_sparse_jacobian(|x| net.eval(x), &x).unwrap();
        let (yd, jd) = jacobian(|x| net.eval(x).unwrap(), &x);
        assert_eq!(y, yd);
        assert_same(&js, &jd);
        let k = 5;
        let xs = points(n * k, 7);
        let f = |x: &[_]| batched(|x| net.eval(x), n, x);
        let (_, js) = try_sparse_jacobian(f, &xs).unwrap();
        // Block-diagonal, each block the one point's pattern (`removeconstantrows` drops
        // inputs from the deep net's).
        let p1 = SparsityPattern::try_detect(|x| net.eval(x), &x).unwrap();
        let p = SparsityPattern::try_detect(|x| batched(|x| net.eval(x), n, x), &xs).unwrap();
        assert_pattern(&p, |i, j| j / n == i / m && p1.contains(i % m, j % n));
        assert_eq!(js.pattern(), p.as_csc());
        let (_, jd) = jacobian(|x| batched(|x| net.eval(x), n, x).unwrap(), &xs);
        assert_same(&js, &jd);
    }
}

/// Nested: each output is a derivative taken inside the function with a `Dual` over the
/// caller's scalar, `y_i = ∂/∂x_i [x_i² sin(x_{i−1}) + x_i³ x_{i+1}]`, so the sparse Jacobian
/// (tridiagonal) holds second derivatives, checked against their closed forms and the dense
/// Jacobian.
#[test]
fn nested_derivatives_give_the_closed_form_second_derivatives() {
    use nngrad_core::Dual;
    fn inner<S: Scalar>(x: &[S]) -> Vec<S> {
        let n = x.len();
        (0..n)
            .map(|i| {
                let xi = Dual::new(x[i], S::cst(1.0));
                let l = if i > 0 { x[i - 1] } else { S::cst(0.3) };
                let r = if i + 1 < n { x[i + 1] } else { S::cst(-0.7) };
                (xi * xi * Dual::constant(l.sin()) + xi.powi(3) * Dual::constant(r)).eps
            })
            .collect()
    }
    let n = 40;
    let x = points(n, 8);
    let (g, js) = sparse_jacobian(inner, &x);
    let p = SparsityPattern::detect(inner, &x);
    assert_pattern(&p, |i, j| i.abs_diff(j) <= 1);
    assert_eq!(js.pattern(), p.as_csc());
    let (gd, jd) = jacobian(inner, &x);
    assert_eq!(g, gd);
    assert_same(&js, &jd);
    let h = DMatrix::from(&js);
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-14 * b.abs().max(1.0);
    for i in 0..n {
        let l = if i > 0 { x[i - 1] } else { 0.3 };
        let r = if i + 1 < n { x[i + 1] } else { -0.7 };
        assert!(
            close(h[(i, i)], 2.0 * l.sin() + 6.0 * x[i] * r),
            "({i}, {i})"
        );
        if i > 0 {
            assert!(
                close(h[(i, i - 1)], 2.0 * x[i] * l.cos()),
                "({i}, {})",
                i - 1
            );
        }
        if i + 1 < n {
            assert!(close(h[(i, i + 1)], 3.0 * x[i] * x[i]), "({i}, {})", i + 1);
        }
    }
}

/// The 5-point stencil through `sparse_jacobian`, against the closed form of its entries.
#[test]
fn stencil_sparse_jacobian_has_the_closed_form() {
    let k = 9;
    let x = points(k * k, 9);
    let (_, js) = sparse_jacobian(|x| stencil(x, k), &x);
    let (_, jd) = jacobian(|x| stencil(x, k), &x);
    assert_same(&js, &jd);
    let h = DMatrix::from(&js);
    for r in 0..k * k {
        for c in 0..k * k {
            let (a, b) = ((r / k, r % k), (c / k, c % k));
            let want = match a.0.abs_diff(b.0) + a.1.abs_diff(b.1) {
                0 => -4.0 + 3.0 * x[r] * x[r],
                1 => 1.0,
                _ => 0.0,
            };
            let d = (h[(r, c)] - want).abs();
            assert!(
                d <= 4e-16 * want.abs(),
                "({r}, {c}): {} vs {want}",
                h[(r, c)]
            );
        }
    }
    assert_eq!(js.nnz(), 5 * k * k - 4 * k);
}
