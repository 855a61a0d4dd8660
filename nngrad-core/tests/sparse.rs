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
    // `sparse_jacobian`'s lanes are tracers, which take the plain loops of the kernels where
    // the dense Jacobian takes a GEMM: the same sums in another order, so equal to rounding
    // relative to the Jacobian's scale.
    let (_, j2) = try_sparse_jacobian(|x| batched(|x| model.eval(x), n, x), &x).unwrap();
    let scale = jd.amax();
    let diff = (DMatrix::from(&j2) - &jd).amax();
    assert!(
        diff <= 1e-14 * scale,
        "sparse_jacobian vs dense: {diff:e} (scale {scale:e})"
    );
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
