//! The benchmark of issue 14: the collapsed-Taylor Laplacian against the nested routes, and
//! sparse Jacobians (detected pattern, coloured lanes) against dense ones. Each setup checks
//! that the compared methods give the same values, and prints the colours.
//!
//! `cargo bench -p nngrad-core --bench laplacian_sparse -- --measurement-time 1`; every row
//! is timed by `workloads::robust` (20th-percentile batch time, for shared cores).

mod workloads;

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use nngrad_core::dense::Mlp;
use nngrad_core::sparse::{sparse_jacobian, SparseJacobian, SparsityPattern};
use nngrad_core::{hessian, hessian_diagonal, jacobian, laplacian, Scalar};
use std::time::Duration;
use workloads::{inputs, robust, Net, MLP_S};

/// The network of Dangel et al.'s Laplacian benchmark: tanh, 50→768→768→512→512→1.
const MLP_XL: [usize; 6] = [50, 768, 768, 512, 512, 1];

/// The network's one output.
fn out0<S: Scalar>(mlp: &Mlp, x: &[S]) -> S {
    mlp.forward(x).unwrap()[0]
}

/// `k` points of MLP-S one after another as one function: block-diagonal.
fn batch<S: Scalar>(mlp: &Mlp, xs: &[S]) -> Vec<S> {
    xs.chunks(mlp.inputs())
        .flat_map(|x| mlp.forward(x).unwrap())
        .collect()
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
}

fn laplacian_mlp(c: &mut Criterion) {
    let mlp = Net::glorot(&MLP_XL, 7).to_mlp();
    let x = inputs(50, 8);
    let (_, lap) = laplacian(|x| out0(&mlp, x), &x);
    let (_, _, d) = hessian_diagonal(|x| out0(&mlp, x), &x);
    let (_, _, h) = hessian(|x| out0(&mlp, x), &x);
    let (sd, tr) = (d.iter().sum::<f64>(), h.trace());
    eprintln!(
        "laplacian {lap:e}, Σ diag {sd:e} (rel {:.1e}), tr H {tr:e} (rel {:.1e})",
        rel(lap, sd),
        rel(lap, tr)
    );
    assert!(rel(lap, sd) < 1e-10 && rel(lap, tr) < 1e-10);
    let mut g = c.benchmark_group("laplacian_mlp_50_768_768_512_512_1");
    g.bench_function("laplacian_taylor2", |b| {
        robust(b, || laplacian(|x| out0(&mlp, x), black_box(&x)))
    });
    g.bench_function("sum_hessian_diagonal", |b| {
        robust(b, || {
            let (_, _, d) = hessian_diagonal(|x| out0(&mlp, x), black_box(&x));
            d.iter().sum::<f64>()
        })
    });
    g.bench_function("trace_hessian", |b| {
        robust(b, || hessian(|x| out0(&mlp, x), black_box(&x)).2.trace())
    });
    g.finish();
}

/// The 2-D Brusselator residual on an `N×N` periodic grid (the DifferentialEquations.jl
/// sparse-AD example without its forcing term): `u` at `i·N + j`, `v` at `N² + i·N + j`.
fn brusselator<S: Scalar>(x: &[S], n: usize) -> Vec<S> {
    const A: f64 = 3.4;
    const B: f64 = 1.0;
    let alpha = 10.0 * ((n - 1) as f64).powi(2) / 100.0;
    let at = |s: usize, i: usize, j: usize| x[s * n * n + (i % n) * n + j % n];
    let mut out = vec![S::cst(0.0); 2 * n * n];
    for i in 0..n {
        for j in 0..n {
            let (u, v) = (at(0, i, j), at(1, i, j));
            let lap = |s: usize| {
                at(s, i + n - 1, j) + at(s, i + 1, j) + at(s, i, j + 1) + at(s, i, j + n - 1)
                    - at(s, i, j) * 4.0
            };
            let uuv = u * u * v;
            out[i * n + j] = lap(0) * alpha + B + uuv - u * (A + 1.0);
            out[n * n + i * n + j] = lap(1) * alpha + u * A - uuv;
        }
    }
    out
}

fn brusselator_2d(c: &mut Criterion) {
    const N: usize = 32;
    let x: Vec<f64> = inputs(2 * N * N, 9).iter().map(|v| 1.0 + 0.5 * v).collect();
    let p = SparsityPattern::detect(|x| brusselator(x, N), &x);
    let sj = SparseJacobian::new(&p);
    eprintln!(
        "brusselator N={N}: n = {}, nnz = {}, colours {} (lower bound {})",
        p.ncols(),
        p.nnz(),
        sj.colors(),
        sj.lower_bound()
    );
    let (_, jd) = jacobian(|x| brusselator(x, N), &x);
    let (_, js) = sj.jacobian(|x| brusselator(x, N), &x);
    let (_, j1) = sparse_jacobian(|x| brusselator(x, N), &x);
    assert_eq!(nalgebra::DMatrix::from(&js), jd);
    assert_eq!(nalgebra::DMatrix::from(&j1), jd);
    let mut g = c.benchmark_group("brusselator_2d_n32");
    g.bench_function("dense_jacobian", |b| {
        robust(b, || jacobian(|x| brusselator(x, N), black_box(&x)))
    });
    g.bench_function("sparse_jacobian_one_shot", |b| {
        robust(b, || sparse_jacobian(|x| brusselator(x, N), black_box(&x)))
    });
    g.bench_function("sparse_reused_pattern", |b| {
        robust(b, || sj.jacobian(|x| brusselator(x, N), black_box(&x)))
    });
    g.bench_function("detect_pattern", |b| {
        robust(b, || {
            SparsityPattern::detect(|x| brusselator(x, N), black_box(&x))
        })
    });
    g.finish();
}

/// A nonlinear tridiagonal chain (1-D reaction–diffusion), Dirichlet ends.
fn chain<S: Scalar>(u: &[S]) -> Vec<S> {
    let n = u.len();
    (0..n)
        .map(|i| {
            let l = if i > 0 { u[i - 1] } else { S::cst(1.0) };
            let r = if i + 1 < n { u[i + 1] } else { S::cst(0.0) };
            (l - u[i] * 2.0 + r) + u[i] * u[i] * 0.1
        })
        .collect()
}

fn chain_1e4(c: &mut Criterion) {
    let x = inputs(10_000, 10);
    let sj = SparseJacobian::new(&SparsityPattern::detect(chain, &x));
    let (_, js) = sj.jacobian(chain, &x);
    assert_eq!(sparse_jacobian(chain, &x).1, js);
    eprintln!("chain n = 10⁴: colours {} (lower bound {}); a dense Jacobian would hold 10⁸ entries (800 MB) from 1250 passes", sj.colors(), sj.lower_bound());
    let mut g = c.benchmark_group("chain_1e4");
    g.bench_function("sparse_jacobian_one_shot", |b| {
        robust(b, || sparse_jacobian(chain, black_box(&x)))
    });
    g.bench_function("sparse_reused_pattern", |b| {
        robust(b, || sj.jacobian(chain, black_box(&x)))
    });
    g.finish();
}

fn mlp_s_batch(c: &mut Criterion) {
    const K: usize = 64;
    let mlp = Net::glorot(&MLP_S, 42).to_mlp();
    let n = MLP_S[0];
    let xs = inputs(K * n, 11);
    let sj = SparseJacobian::new(&SparsityPattern::detect(|x| batch(&mlp, x), &xs));
    eprintln!(
        "MLP-S × {K}: colours {} (lower bound {})",
        sj.colors(),
        sj.lower_bound()
    );
    let (_, js) = sj.jacobian(|x| batch(&mlp, x), &xs);
    let (_, j1) = sparse_jacobian(|x| batch(&mlp, x), &xs);
    assert_eq!(j1, js);
    let (_, jb) = mlp.jacobian_batch(&xs).unwrap();
    let m = MLP_S[3];
    let dense = nalgebra::DMatrix::from(&js);
    // `jacobian_batch` associates the products from the output side: equal to rounding
    // relative to the Jacobian's scale.
    let scale = jb.iter().fold(0.0f64, |a, v| a.max(v.abs()));
    for p in 0..K {
        for i in 0..m {
            for j in 0..n {
                let (a, b) = (dense[(p * m + i, p * n + j)], jb[(p * m + i) * n + j]);
                assert!(
                    (a - b).abs() < 1e-13 * scale,
                    "point {p} ({i}, {j}): {a} vs {b}"
                );
            }
        }
    }
    let mut g = c.benchmark_group("mlp_s_batch64");
    g.bench_function("jacobian_batch", |b| {
        robust(b, || mlp.jacobian_batch(black_box(&xs)).unwrap())
    });
    g.bench_function("sparse_reused_pattern", |b| {
        robust(b, || sj.jacobian(|x| batch(&mlp, x), black_box(&xs)))
    });
    g.bench_function("sparse_jacobian_one_shot", |b| {
        robust(b, || sparse_jacobian(|x| batch(&mlp, x), black_box(&xs)))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(1))
        .sample_size(10);
    targets = laplacian_mlp, brusselator_2d, chain_1e4, mlp_s_batch
}
criterion_main!(benches);
