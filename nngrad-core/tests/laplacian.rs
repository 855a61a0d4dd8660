//! The collapsed-Taylor Laplacian (`Taylor2`) against the trace of the nested-dual Hessian and
//! closed forms: elementary functions of one and two arguments, nesting, a dense network on
//! the GEMM path, loaded ONNX and MATLAB models.

use nngrad_core::{
    hessian, hessian_diagonal, laplacian, matlab::ShallowNet, model_laplacian, onnx::Model,
    trace_hessian_times, try_laplacian, weighted_laplacian, Dual, Scalar, Taylor2,
};

fn data(rel: &str) -> String {
    format!("{}/../tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}

fn assert_rel(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs(),
        "{what}: {got:e} vs {want:e} (rel {:.2e})",
        (got - want).abs() / want.abs()
    );
}

/// Points in (0.2, 0.8), inside every function's domain below.
fn point(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.2 + 0.6 * (0.37 * i as f64 + 0.1).fract())
        .collect()
}

/// Every one-argument rule of the table and the two-argument functions, mixed so that
/// each second derivative and cross term matters.
fn kitchen_sink<S: Scalar>(x: &[S]) -> S {
    let n = x.len();
    let mut acc = S::cst(0.0);
    for i in 0..n {
        let (a, b) = (x[i], x[(i + 1) % n]);
        acc += a.sin() * b.cos() + (a * b).tanh() + a.exp() / (b * b + 1.0);
        acc += a.ln() * b.sqrt() + a.cbrt() + (a * 0.5).atan() + a.sigmoid() * b.softplus();
        acc += a.gelu() + b.gelu_tanh() * a.silu() + a.erf() * b.erfc() + a.asinh();
        acc += a.atan2(b) + a.hypot(b) + a.powf(b) + a.powi(3) / 6.0 + a.tan() * 0.1;
        acc += (a * 0.9).asin() + (b * 0.8).acos() + (a * 0.7).atanh() + (a + 1.5).acosh();
        acc += a.sinh() * b.cosh() + a.exp2() + a.exp_m1() + a.ln_1p() + a.log2() * b.log10();
        acc += a.log(b + 2.0) + a.softsign() + a.recip() + a.elu(0.7) + a.selu();
        acc += a.mul_add(b, a) * a + (a * b).abs().sqrt();
    }
    acc
}

#[test]
fn laplacian_is_the_hessian_trace_for_every_rule() {
    for n in [1, 2, 7, 8, 9, 13, 20] {
        let x = point(n);
        let (y, lap) = laplacian(kitchen_sink, &x);
        let (yh, _, h) = hessian(kitchen_sink, &x);
        assert_eq!(y, yh);
        assert_eq!(y, kitchen_sink(&x));
        assert_rel(&format!("n = {n}"), lap, h.trace(), 1e-12);
        let (_, _, d) = hessian_diagonal(kitchen_sink, &x);
        assert_rel("Σ diag", lap, d.iter().sum(), 1e-12);
    }
}

#[test]
fn closed_forms() {
    // Δ exp(a·x) = |a|² exp(a·x).
    let a = [0.5, -1.0, 2.0, 0.25, 1.5, -0.75, 0.1, 0.3, -0.2, 1.1];
    let x = point(10);
    let e = a.iter().zip(&x).map(|(a, x)| a * x).sum::<f64>().exp();
    let (_, lap) = laplacian(
        |u| {
            u.iter()
                .zip(&a)
                .map(|(u, a)| *u * *a)
                .sum::<Taylor2<f64, 8>>()
                .exp()
        },
        &x,
    );
    assert_rel(
        "Δ exp(a·x)",
        lap,
        a.iter().map(|a| a * a).sum::<f64>() * e,
        1e-14,
    );
    // 1/|x| is harmonic in three dimensions; |x|² has Laplacian 2n.
    let (_, lap) = laplacian(
        |u| (u[0] * u[0] + u[1] * u[1] + u[2] * u[2]).sqrt().recip(),
        &[0.3, -1.2, 0.7],
    );
    assert!(lap.abs() < 1e-14, "Δ 1/r = {lap:e}");
    let (_, lap) = laplacian(
        |u| u.iter().map(|v| *v * *v).sum::<Taylor2<f64, 8>>(),
        &point(17),
    );
    assert_eq!(lap, 34.0);
    // Σ σᵢ² ∂²f/∂xᵢ² for f = Σ xᵢ³: 6 Σ σᵢ² xᵢ.
    let x = point(11);
    let s: Vec<f64> = (0..11).map(|i| 0.1 + 0.2 * i as f64).collect();
    let (_, w) = weighted_laplacian(
        |u| u.iter().map(|v| v.powi(3)).sum::<Taylor2<f64, 8>>(),
        &x,
        &s,
    );
    let want: f64 = s.iter().zip(&x).map(|(s, x)| 6.0 * s * s * x).sum();
    assert_rel("weighted", w, want, 1e-14);
    let (_, w2) = trace_hessian_times(kitchen_sink, &x, &s);
    let (_, _, d) = hessian_diagonal(kitchen_sink, &x);
    let want: f64 = d.iter().zip(&s).map(|(d, s)| d * s * s).sum();
    assert_rel("tr(diag(σ²) H)", w2, want, 1e-12);
}

#[test]
fn a_zero_tangent_stays_zero_at_an_infinite_slope() {
    // sqrt(y − y) at y = 0: its argument's lanes and second-order part are exactly zero, so
    // they stay zero through sqrt's infinite slope instead of becoming 0·∞.
    let (_, lap) = laplacian(
        |u| u[0] * u[0] + (u[1] - u[1]).sqrt() + u[2].sqrt(),
        &[1.0, 0.0, 4.0],
    );
    assert_eq!(lap, 2.0 - 0.25 * 4f64.powf(-1.5));
}

#[test]
fn nested_laplacian_differentiates_in_a_parameter() {
    // f(x; θ) = exp(θ(x₀ + 2x₁)): Δf = 5θ² f, d/dθ Δf = 10θ f + 5θ² (x₀ + 2x₁) f.
    let (t, x) = (0.7, [0.4, -0.3]);
    let xs: Vec<Dual> = x.iter().map(|&v| Dual::constant(v)).collect();
    let (_, lap) = laplacian(
        |u| ((u[0] + u[1] * 2.0) * Taylor2::constant(Dual::variable(t))).exp(),
        &xs,
    );
    let s = x[0] + 2.0 * x[1];
    let f = (t * s).exp();
    assert_rel("Δf", lap.re(), 5.0 * t * t * f, 1e-15);
    assert_rel(
        "dΔf/dθ",
        lap.eps(),
        10.0 * t * f + 5.0 * t * t * s * f,
        1e-14,
    );
    // Over constant duals the value part is the plain Laplacian and the tangent zero.
    let (_, lap) = laplacian(
        kitchen_sink,
        &point(5)
            .iter()
            .map(|&v| Dual::constant(v))
            .collect::<Vec<_>>(),
    );
    let (_, _, h) = hessian(kitchen_sink, &point(5));
    assert_rel("nested, constant parameter", lap.re(), h.trace(), 1e-12);
    assert_eq!(lap.eps(), 0.0);
}

#[test]
fn try_laplacian_stops_at_the_first_error() {
    let calls = std::cell::Cell::new(0);
    let r = try_laplacian(
        |u: &[Taylor2<f64, 8>]| {
            calls.set(calls.get() + 1);
            if calls.get() == 2 {
                Err("second pass")
            } else {
                Ok(u.iter().copied().sum::<Taylor2<f64, 8>>())
            }
        },
        &point(20),
    );
    assert_eq!((r, calls.get()), (Err("second pass"), 2));
}

#[test]
fn a_dense_network_on_the_gemm_path() {
    // Widths above the kernels' small-product cutoff: Taylor2<f64, 8> takes the GEMM.
    let sizes = [20usize, 64, 48, 3];
    let mut s = 1u64;
    let mut r = || {
        s = s
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((s >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 0.6
    };
    use nngrad_core::dense::{Activation, Dense, Mlp};
    let layers = sizes
        .windows(2)
        .enumerate()
        .map(|(l, w)| {
            let act = if l == 2 {
                Activation::Identity
            } else {
                Activation::Tanh
            };
            Dense::new(
                w[0],
                w[1],
                (0..w[0] * w[1]).map(|_| r()).collect(),
                (0..w[1]).map(|_| r()).collect(),
                act,
            )
            .unwrap()
        })
        .collect();
    let mlp = Mlp::new(layers).unwrap();
    let x = point(20);
    let (y, laps) = model_laplacian(&mlp, &x).unwrap();
    assert_eq!(y, mlp.forward(&x).unwrap());
    for (k, lap) in laps.iter().enumerate() {
        let (_, _, h) = hessian(|u| mlp.forward(u).unwrap()[k], &x);
        assert_rel(&format!("output {k}"), *lap, h.trace(), 1e-12);
        assert_eq!(*lap, laplacian(|u| mlp.forward(u).unwrap()[k], &x).1);
    }
}

#[test]
fn loaded_models() {
    let model = Model::load(data("onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    let x: Vec<f64> = point(10).iter().map(|v| v * 0.1).collect();
    let (y, lap) = model_laplacian(&model, &x).unwrap();
    assert_eq!(y, model.forward(&x).unwrap());
    let (_, _, h) = hessian(|u| model.eval(u).unwrap()[0], &x);
    assert_rel("ONNX model", lap[0], h.trace(), 1e-12);
    assert!(model_laplacian(&model, &x[..4]).is_err());

    let net = ShallowNet::load(data(
        "matlab/shallow_tansig_struct/myNeuralNetworkFunction.m",
    ))
    .unwrap();
    let x = point(net.input_len());
    let (_, lap) = model_laplacian(&net, &x).unwrap();
    assert_eq!(lap.len(), net.output_len());
    for (k, l) in lap.iter().enumerate() {
        let (_, _, h) = hessian(|u| net.eval(u).unwrap()[k], &x);
        assert_rel(&format!("MATLAB output {k}"), *l, h.trace(), 1e-12);
    }
}
