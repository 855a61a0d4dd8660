//! The derivative helpers against closed forms: Rosenbrock gradient and Hessian at sizes that
//! do not divide the chunk, a Jacobian over several chunks, HVP, Laplacian, Hessian diagonal,
//! divergence, every closure return type, and the length-mismatch panics.

mod common;
use common::assert_close;
use nalgebra::{DMatrix, DVector, SVector};
use nngrad_core::{
    derivative, divergence, gradient, gradient_chunk, hessian, hessian_chunk, hessian_diagonal,
    hvp, jacobian, jacobian_chunk, jvp, laplacian, Chunk, Dual, DualN, Scalar,
};

fn rosenbrock<S: Scalar>(x: &[S]) -> S {
    let mut f = S::cst(0.0);
    for i in 0..x.len().saturating_sub(1) {
        let a = x[i + 1] - x[i] * x[i];
        let b = -x[i] + 1.0;
        f += a * a * 100.0 + b * b;
    }
    f
}

fn rosenbrock_value(x: &[f64]) -> f64 {
    x.windows(2)
        .map(|w| 100.0 * (w[1] - w[0] * w[0]).powi(2) + (1.0 - w[0]).powi(2))
        .sum()
}

fn rosenbrock_gradient(x: &[f64]) -> Vec<f64> {
    let n = x.len();
    (0..n)
        .map(|i| {
            let mut g = 0.0;
            if i + 1 < n {
                g += -400.0 * x[i] * (x[i + 1] - x[i] * x[i]) - 2.0 * (1.0 - x[i]);
            }
            if i > 0 {
                g += 200.0 * (x[i] - x[i - 1] * x[i - 1]);
            }
            g
        })
        .collect()
}

fn rosenbrock_hessian(x: &[f64]) -> DMatrix<f64> {
    let n = x.len();
    let mut h = DMatrix::zeros(n, n);
    for i in 0..n {
        if i + 1 < n {
            h[(i, i)] += 1200.0 * x[i] * x[i] - 400.0 * x[i + 1] + 2.0;
            h[(i, i + 1)] = -400.0 * x[i];
            h[(i + 1, i)] = -400.0 * x[i];
        }
        if i > 0 {
            h[(i, i)] += 200.0;
        }
    }
    h
}

fn point(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| 0.3 + 0.17 * i as f64 - 0.05 * (i % 3) as f64)
        .collect()
}

fn assert_vec(what: &str, got: &[f64], want: &[f64], tol: f64) {
    assert_eq!(got.len(), want.len(), "{what}: lengths");
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        assert_close(&format!("{what}[{i}]"), g, w, tol);
    }
}

fn assert_mat(what: &str, got: &DMatrix<f64>, want: &DMatrix<f64>, tol: f64) {
    assert_eq!(got.shape(), want.shape(), "{what}: shapes");
    for i in 0..got.nrows() {
        for j in 0..got.ncols() {
            let (g, w) = (got[(i, j)], want[(i, j)]);
            assert!(
                (g - w).abs() <= tol * (1.0 + w.abs()),
                "{what}[({i}, {j})]: got {g}, want {w}"
            );
        }
    }
}

#[test]
fn rosenbrock_gradient_and_hessian_at_sizes_that_do_not_divide_the_chunk() {
    for n in [1, 3, 7, 13] {
        let x = point(n);
        let (y, g) = gradient(rosenbrock, &x);
        assert_close(&format!("n={n} value"), y, rosenbrock_value(&x), 1e-14);
        assert_vec(
            &format!("n={n} gradient"),
            &g,
            &rosenbrock_gradient(&x),
            1e-13,
        );
        let (_, g3) = gradient_chunk(Chunk::<3>, rosenbrock, &x);
        assert_eq!(g3, g, "n={n}: chunk 3 vs default chunk");

        let (y, g, h) = hessian(rosenbrock, &x);
        assert_close(
            &format!("n={n} hessian value"),
            y,
            rosenbrock_value(&x),
            1e-14,
        );
        assert_vec(
            &format!("n={n} hessian gradient"),
            &g,
            &rosenbrock_gradient(&x),
            1e-13,
        );
        assert_mat(
            &format!("n={n} Hessian"),
            &h,
            &rosenbrock_hessian(&x),
            1e-13,
        );
        for c in [1usize, 4] {
            let h_c = if c == 1 {
                hessian_chunk(Chunk::<1>, rosenbrock, &x).2
            } else {
                hessian_chunk(Chunk::<4>, rosenbrock, &x).2
            };
            assert_mat(&format!("n={n} Hessian chunk {c}"), &h_c, &h, 1e-15);
        }
    }
}

/// A dense Hessian (every entry non-zero) over several chunks: f = exp(aᵀx) + ½xᵀBx, so
/// H = aaᵀ·exp(aᵀx) + B.
#[test]
fn dense_hessian_over_several_chunks() {
    let n = 13;
    let a: Vec<f64> = (0..n).map(|i| 0.1 * (i as f64 - 6.0)).collect();
    let b = DMatrix::from_fn(n, n, |i, j| 1.0 / (1.0 + i as f64 + j as f64));
    let x = point(n);
    let f = |v: &[Dual<DualN<f64, 8>>]| {
        let ax: Dual<DualN<f64, 8>> = v.iter().zip(&a).map(|(v, a)| *v * *a).sum();
        let mut q = ax.exp();
        for i in 0..n {
            for j in 0..n {
                q += v[i] * v[j] * (0.5 * b[(i, j)]);
            }
        }
        q
    };
    let (_, g, h) = hessian(f, &x);
    let e = a.iter().zip(&x).map(|(a, x)| a * x).sum::<f64>().exp();
    let want_h = DMatrix::from_fn(n, n, |i, j| a[i] * a[j] * e + b[(i, j)]);
    let want_g = DVector::from_fn(n, |i, _| a[i] * e) + &b * DVector::from_column_slice(&x);
    assert_mat("dense Hessian", &h, &want_h, 1e-13);
    assert_vec("dense gradient", &g, want_g.as_slice(), 1e-13);
}

#[test]
fn hvp_is_hessian_times_v() {
    for n in [1, 3, 7, 13] {
        let x = point(n);
        let v: Vec<f64> = (0..n).map(|i| 1.0 - 0.3 * i as f64).collect();
        let (y, g, hv) = hvp(rosenbrock, &x, &v);
        let want = rosenbrock_hessian(&x) * DVector::from_column_slice(&v);
        assert_close("hvp value", y, rosenbrock_value(&x), 1e-14);
        assert_vec("hvp gradient", &g, &rosenbrock_gradient(&x), 1e-13);
        assert_vec(&format!("n={n} H·v"), &hv, want.as_slice(), 1e-12);
    }
}

#[test]
fn laplacian_and_hessian_diagonal_are_the_hessian_diagonal() {
    for n in [1, 3, 7, 13] {
        let x = point(n);
        let h = rosenbrock_hessian(&x);
        let (y, lap) = laplacian(rosenbrock, &x);
        assert_close("laplacian value", y, rosenbrock_value(&x), 1e-14);
        assert_close(&format!("n={n} Laplacian"), lap, h.trace(), 1e-13);
        let (y, g, d) = hessian_diagonal(rosenbrock, &x);
        assert_close("diagonal value", y, rosenbrock_value(&x), 1e-14);
        assert_vec("diagonal gradient", &g, &rosenbrock_gradient(&x), 1e-13);
        assert_vec(&format!("n={n} diag H"), &d, h.diagonal().as_slice(), 1e-13);
    }
    // A closed-form Laplacian with cross terms that must not contribute:
    // Δ(x²y + sin y + xyz) = 2y − sin y.
    let (_, lap) = laplacian(
        |u| u[0] * u[0] * u[1] + u[1].sin() + u[0] * u[1] * u[2],
        &[1.5, 0.7, -2.0],
    );
    assert_close("Δ", lap, 2.0 * 0.7 - 0.7f64.sin(), 1e-15);
}

/// f: R¹⁹ → R⁷, fₖ = Σⱼ wₖⱼxⱼ² + sin(xₖ·xₖ₊₁₀): the Jacobian spans three 8-lane chunks.
fn field<S: Scalar>(x: &[S]) -> Vec<S> {
    (0..7)
        .map(|k| quadratic(x, k) + (x[k] * x[k + 10]).sin())
        .collect()
}
/// Σⱼ wₖⱼxⱼ².
fn quadratic<S: Scalar>(x: &[S], k: usize) -> S {
    x.iter()
        .enumerate()
        .map(|(j, &xj)| xj * xj * weight(k, j))
        .sum()
}
fn weight(k: usize, j: usize) -> f64 {
    ((k * 19 + j) % 5) as f64 * 0.25 - 0.5
}
fn field_jacobian(x: &[f64]) -> DMatrix<f64> {
    DMatrix::from_fn(7, 19, |k, j| {
        let c = (x[k] * x[k + 10]).cos();
        let mut d = 2.0 * weight(k, j) * x[j];
        if j == k {
            d += c * x[k + 10];
        }
        if j == k + 10 {
            d += c * x[k];
        }
        d
    })
}

#[test]
fn jacobian_over_several_chunks() {
    let x = point(19);
    let want = field_jacobian(&x);
    let (y, j) = jacobian(field, &x);
    assert_vec("outputs", &y, &field(&x), 0.0);
    assert_mat("J default chunk", &j, &want, 1e-14);
    assert_mat(
        "J chunk 1",
        &jacobian_chunk(Chunk::<1>, field, &x).1,
        &want,
        1e-14,
    );
    assert_mat(
        "J chunk 4",
        &jacobian_chunk(Chunk::<4>, field, &x).1,
        &want,
        1e-14,
    );
    assert_mat(
        "J chunk 19",
        &jacobian_chunk(Chunk::<19>, field, &x).1,
        &want,
        1e-14,
    );
    assert_mat(
        "J chunk 32",
        &jacobian_chunk(Chunk::<32>, field, &x).1,
        &want,
        1e-14,
    );
    // J·v from jvp agrees with the Jacobian.
    let v: Vec<f64> = (0..19).map(|i| (i as f64).sin()).collect();
    let (_, jv) = jvp(field, &x, &v);
    assert_vec(
        "J·v",
        &jv,
        (&want * DVector::from_column_slice(&v)).as_slice(),
        1e-13,
    );
}

/// f: Rⁿ → R³, fₖ = Σⱼ wₖⱼxⱼ² + sin(xₖ·xₙ₋₁₋ₖ), for any n ≥ 3, and its closed-form Jacobian.
fn wide_field<S: Scalar>(x: &[S]) -> Vec<S> {
    let n = x.len();
    (0..3)
        .map(|k| quadratic(x, k) + (x[k] * x[n - 1 - k]).sin())
        .collect()
}
fn wide_field_jacobian(x: &[f64]) -> DMatrix<f64> {
    let n = x.len();
    DMatrix::from_fn(3, n, |k, j| {
        let c = (x[k] * x[n - 1 - k]).cos();
        let mut d = 2.0 * weight(k, j) * x[j];
        if j == k {
            d += c * x[n - 1 - k];
        }
        if j == n - 1 - k {
            d += c * x[k];
        }
        d
    })
}

fn lanes_of<const C: usize>(_: &[DualN<f64, C>]) -> usize {
    C
}

/// `jacobian!` takes the lane count `lanes_for` picks from n (8, 16, 32: the evaluations and
/// their width are counted), and gives the 8-lane `jacobian`'s numbers bit for bit, which are
/// the closed form's.
#[test]
fn width_choosing_jacobian_takes_fewer_passes_with_the_same_numbers() {
    use nngrad_core::__private::lanes_for;
    let expect = [
        (3, 8, 1),
        (8, 8, 1),
        (9, 16, 1),
        (16, 16, 1),
        (17, 32, 1),
        (32, 32, 1),
        (33, 16, 3),
        (48, 16, 3),
        (49, 32, 2),
        (100, 32, 4),
        (128, 32, 4),
    ];
    for (n, lanes, passes) in expect {
        assert_eq!(lanes_for(n), lanes, "lanes_for({n})");
        let x = point(n);
        let (calls, seen) = (std::cell::Cell::new(0), std::cell::Cell::new(0));
        let (y, j) = nngrad_core::jacobian!(
            |x| {
                calls.set(calls.get() + 1);
                seen.set(lanes_of(x));
                wide_field(x)
            },
            &x
        );
        assert_eq!((seen.get(), calls.get()), (lanes, passes), "n = {n}");
        let (y8, j8) = jacobian(wide_field, &x);
        assert_eq!(y, y8, "values, n = {n}");
        for (a, b) in j.iter().zip(j8.iter()) {
            assert_eq!(a.to_bits(), b.to_bits(), "J, n = {n}");
        }
        assert_vec("outputs", &y, &wide_field(&x), 0.0);
        assert_mat("J", &j, &wide_field_jacobian(&x), 1e-14);
    }
    // A generic fn is accepted as it is, and the fallible form stops at the first error.
    let x = point(20);
    assert_eq!(
        nngrad_core::jacobian!(wide_field, &x).1,
        jacobian(wide_field, &x).1
    );
    let calls = std::cell::Cell::new(0);
    let r = nngrad_core::try_jacobian!(
        |x| -> Result<Vec<_>, String> {
            calls.set(calls.get() + 1);
            Err(format!("{} inputs", x.len()))
        },
        &point(100)
    );
    assert_eq!((r, calls.get()), (Err("100 inputs".to_string()), 1));
    // No inputs: one pass and an m×0 Jacobian, as `jacobian` gives.
    fn constant<S: Scalar>(_: &[S]) -> Vec<S> {
        vec![S::cst(1.0)]
    }
    let (y, j) = nngrad_core::jacobian!(constant, &[0.0f64; 0]);
    let (y0, j0) = jacobian(constant, &[0.0f64; 0]);
    assert_eq!((y, j.shape()), (y0, j0.shape()));
}

#[test]
fn jacobian_of_gradient_is_the_hessian() {
    let x = point(7);
    let (g, j) = jacobian(|v| gradient(rosenbrock, v).1, &x);
    assert_vec("gradient", &g, &rosenbrock_gradient(&x), 1e-13);
    assert_mat("J(∇f)", &j, &rosenbrock_hessian(&x), 1e-13);
}

#[test]
fn divergence_over_several_chunks() {
    let n = 19;
    let x = point(n);
    let f = |v: &[DualN<f64, 8>]| -> Vec<DualN<f64, 8>> {
        (0..n)
            .map(|i| v[i] * v[i] * v[(i + 1) % n] + v[i].sin())
            .collect()
    };
    let (y, div) = divergence(f, &x);
    let want: f64 = (0..n)
        .map(|i| 2.0 * x[i] * x[(i + 1) % n] + x[i].cos())
        .sum();
    assert_close("divergence", div, want, 1e-14);
    let want_y: Vec<f64> = (0..n)
        .map(|i| x[i] * x[i] * x[(i + 1) % n] + x[i].sin())
        .collect();
    assert_vec("divergence outputs", &y, &want_y, 1e-15);
}

#[test]
fn closures_may_return_every_output_type() {
    let x = [0.5, 2.0];
    let want_j = nalgebra::dmatrix![2.0, 0.5; 1.0, 1.0];
    let check = |what: &str, y: Vec<f64>, j: DMatrix<f64>| {
        assert_eq!(y, vec![1.0, 2.5], "{what}");
        assert_eq!(j, want_j, "{what}");
    };
    let (y, j) = jacobian(|v| vec![v[0] * v[1], v[0] + v[1]], &x);
    check("Vec", y, j);
    let (y, j) = jacobian(|v| [v[0] * v[1], v[0] + v[1]], &x);
    check("array", y, j);
    let (y, j) = jacobian(|v| DVector::from_vec(vec![v[0] * v[1], v[0] + v[1]]), &x);
    check("DVector", y, j);
    let (y, j) = jacobian(|v| SVector::<_, 2>::new(v[0] * v[1], v[0] + v[1]), &x);
    check("SVector", y, j);
    let (y, j) = jacobian(|v| v[0] * v[1], &x);
    assert_eq!((y, j), (vec![1.0], nalgebra::dmatrix![2.0, 0.5]), "scalar");

    let v = [1.0, -1.0];
    assert_eq!(jvp(|u| u[0] * u[1], &x, &v), (vec![1.0], vec![1.5]));
    assert_eq!(jvp(|u| vec![u[0] * u[1]], &x, &v), (vec![1.0], vec![1.5]));
    assert_eq!(jvp(|u| [u[0] * u[1]], &x, &v), (vec![1.0], vec![1.5]));
    assert_eq!(
        jvp(|u| DVector::from_element(1, u[0] * u[1]), &x, &v),
        (vec![1.0], vec![1.5])
    );
    assert_eq!(
        jvp(|u| SVector::<_, 1>::new(u[0] * u[1]), &x, &v),
        (vec![1.0], vec![1.5])
    );

    assert_eq!(
        divergence(|u| vec![u[0] * u[1], u[0] + u[1]], &x).1,
        2.0 + 1.0
    );
    assert_eq!(divergence(|u| [u[0] * u[1], u[0] + u[1]], &x).1, 3.0);
    assert_eq!(
        divergence(|u| SVector::<_, 2>::new(u[0] * u[1], u[0] + u[1]), &x).1,
        3.0
    );
}

#[test]
fn empty_inputs() {
    let (y, g) = gradient(|_| DualN::constant(4.0), &[]);
    assert_eq!((y, g), (4.0, vec![]));
    let (y, j) = jacobian(|_| vec![DualN::constant(1.0)], &[]);
    assert_eq!((y, j.shape()), (vec![1.0], (1, 0)));
    let (y, g, h) = hessian(|_| Dual::constant(DualN::constant(2.0)), &[]);
    assert_eq!((y, g, h.shape()), (2.0, vec![], (0, 0)));
}

#[test]
fn derivative_of_derivative() {
    // d²/dx² (x³ sin x) = 6x sin x + 6x² cos x − x³ sin x.
    let x0 = 0.8f64;
    let (d1, d2) = derivative(
        |x: Dual| derivative(|y: Dual<Dual>| y * y * y * y.sin(), x).1,
        x0,
    );
    assert_close(
        "d1",
        d1,
        3.0 * x0 * x0 * x0.sin() + x0.powi(3) * x0.cos(),
        1e-15,
    );
    let want = 6.0 * x0 * x0.sin() + 6.0 * x0 * x0 * x0.cos() - x0.powi(3) * x0.sin();
    assert_close("d2", d2, want, 1e-14);
}

#[test]
#[should_panic(expected = "jvp: length mismatch: x has 3 elements but v has 2")]
fn jvp_length_mismatch_panics() {
    let _ = jvp(|u| u[0] * 1.0, &[1.0, 2.0, 3.0], &[1.0, 0.0]);
}

#[test]
#[should_panic(expected = "hvp: length mismatch: x has 2 elements but v has 3")]
fn hvp_length_mismatch_panics() {
    let _ = hvp(|u| u[0] * u[1], &[1.0, 2.0], &[1.0, 0.0, 0.0]);
}

#[test]
#[should_panic(
    expected = "divergence: length mismatch: f's output has 1 elements but its input x has 2"
)]
fn divergence_of_a_non_square_field_panics() {
    let _ = divergence(|u| vec![u[0] * u[1]], &[1.0, 2.0]);
}

#[test]
#[should_panic(expected = "jacobian: length mismatch")]
fn jacobian_with_varying_output_count_panics() {
    let calls = std::cell::Cell::new(0);
    let x: Vec<f64> = (0..10).map(f64::from).collect();
    let _ = jacobian(
        |u| {
            calls.set(calls.get() + 1);
            vec![u[0]; calls.get()]
        },
        &x,
    );
}
