//! nalgebra over dual numbers: determinant, inverse, LU solve, Cholesky and norms of
//! `A + tB`, differentiated in `t` and checked against the matrix-calculus closed forms
//! (computed with plain f64 nalgebra): d det = det(A)·tr(A⁻¹B), d A⁻¹ = −A⁻¹BA⁻¹, and their
//! second derivatives through nested duals.

use nalgebra::{DMatrix, DVector, RealField};
use nngrad_core::{Dual, DualN};

fn mat_a(n: usize) -> DMatrix<f64> {
    DMatrix::from_fn(n, n, |i, j| {
        let d = if i == j { 3.0 + i as f64 } else { 0.0 };
        d + ((i * 7 + j * 3) % 5) as f64 * 0.3 - 0.6
    })
}

fn mat_b(n: usize) -> DMatrix<f64> {
    DMatrix::from_fn(n, n, |i, j| ((i * 5 + j * 11) % 7) as f64 * 0.2 - 0.5)
}

/// `A + tB` as duals in `t` at `t = 0`.
fn dual_mat(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<Dual> {
    a.zip_map(b, Dual::new)
}

/// `A + tB` as second-order duals in `t` at `t = 0`.
fn dual2_mat(a: &DMatrix<f64>, b: &DMatrix<f64>) -> DMatrix<Dual<Dual>> {
    a.zip_map(b, |a, b| Dual::new(Dual::new(a, b), Dual::constant(b)))
}

fn assert_mat_close(what: &str, got: &DMatrix<f64>, want: &DMatrix<f64>, tol: f64) {
    let err = (got - want).abs().max();
    let scale = want.abs().max().max(1.0);
    assert!(
        err <= tol * scale,
        "{what}: max error {err:e}\ngot {got}want {want}"
    );
}

fn close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1e-3),
        "{what}: got {got:e}, want {want:e}"
    );
}

const SIZES: [usize; 5] = [2, 3, 4, 5, 7];

#[test]
fn determinant_derivative_is_det_times_trace_of_inverse_times_direction() {
    for n in SIZES {
        let (a, b) = (mat_a(n), mat_b(n));
        let ainv = a.clone().try_inverse().unwrap();
        let det = dual_mat(&a, &b).determinant();
        close(&format!("n={n} det"), det.re(), a.determinant(), 1e-13);
        let want = a.determinant() * (&ainv * &b).trace();
        close(&format!("n={n} d det"), det.eps(), want, 1e-12);
        // The same through LU explicitly.
        let det_lu = dual_mat(&a, &b).lu().determinant();
        close(&format!("n={n} d det (LU)"), det_lu.eps(), want, 1e-12);
    }
}

#[test]
fn second_derivative_of_the_determinant_through_nesting() {
    for n in SIZES {
        let (a, b) = (mat_a(n), mat_b(n));
        let m = (a.clone().try_inverse().unwrap()) * &b;
        // d²/dt² det(A + tB) = det(A)·[tr(A⁻¹B)² − tr((A⁻¹B)²)].
        let want = a.determinant() * (m.trace().powi(2) - (&m * &m).trace());
        let det = dual2_mat(&a, &b).determinant();
        close(&format!("n={n} d² det"), det.eps().eps(), want, 1e-11);
        close(
            &format!("n={n} d det (inner)"),
            det.re().eps(),
            det.eps().re(),
            1e-12,
        );
    }
}

#[test]
fn inverse_derivative_is_minus_ainv_b_ainv() {
    for n in SIZES {
        let (a, b) = (mat_a(n), mat_b(n));
        let ainv = a.clone().try_inverse().unwrap();
        let inv = dual_mat(&a, &b).try_inverse().expect("invertible");
        assert_mat_close(
            &format!("n={n} inverse"),
            &inv.map(|d| d.re()),
            &ainv,
            1e-13,
        );
        let want = -(&ainv * &b * &ainv);
        assert_mat_close(
            &format!("n={n} d inverse"),
            &inv.map(|d| d.eps()),
            &want,
            1e-12,
        );

        // Second derivative: 2·A⁻¹BA⁻¹BA⁻¹.
        let inv2 = dual2_mat(&a, &b).try_inverse().expect("invertible");
        let want2 = (&ainv * &b * &ainv * &b * &ainv) * 2.0;
        assert_mat_close(
            &format!("n={n} d² inverse"),
            &inv2.map(|d| d.eps().eps()),
            &want2,
            1e-11,
        );
    }
}

#[test]
fn lu_solve_derivative() {
    for n in SIZES {
        let (a, b) = (mat_a(n), mat_b(n));
        let rhs = DVector::from_fn(n, |i, _| 1.0 - 0.4 * i as f64);
        let ainv = a.clone().try_inverse().unwrap();
        let x = dual_mat(&a, &b)
            .lu()
            .solve(&rhs.map(Dual::constant))
            .expect("solvable");
        // x = A⁻¹r, dx = −A⁻¹B A⁻¹r.
        let want = -(&ainv * &b * &ainv * &rhs);
        let got = x.map(|d| d.eps());
        let as_mat = |v: &DVector<f64>| DMatrix::from_column_slice(n, 1, v.as_slice());
        assert_mat_close(
            &format!("n={n} d solve"),
            &as_mat(&got),
            &as_mat(&want),
            1e-12,
        );
    }
}

#[test]
fn cholesky_and_norms() {
    let n = 5;
    let (a, b) = (mat_a(n), mat_b(n));
    // SPD: S(t) = AᵀA + t(AᵀB + BᵀA); d det S = det S · tr(S⁻¹ dS).
    let s = a.transpose() * &a;
    let ds = a.transpose() * &b + b.transpose() * &a;
    let chol = dual_mat(&s, &ds).cholesky().expect("SPD");
    let l = chol.l();
    let det: Dual = l.diagonal().iter().map(|d| *d * *d).product();
    let want = s.determinant() * (s.clone().try_inverse().unwrap() * &ds).trace();
    close("d det via Cholesky", det.eps(), want, 1e-11);

    // Frobenius norm: d‖A + tB‖ = ⟨A, B⟩ / ‖A‖.
    let norm = dual_mat(&a, &b).norm();
    close("norm", norm.re(), a.norm(), 1e-15);
    close("d norm", norm.eps(), a.dot(&b) / a.norm(), 1e-14);
    // The zero vector's norm has derivative zero (sqrt at 0 with a zero tangent).
    let z = DVector::from_element(3, Dual::constant(0.0)).norm();
    assert_eq!((z.re(), z.eps()), (0.0, 0.0));
}

#[test]
fn two_directions_at_once_with_dual_n() {
    let n = 4;
    let (a, b, c) = (mat_a(n), mat_b(n), mat_b(n).transpose());
    let m = DMatrix::from_fn(n, n, |i, j| DualN::new(a[(i, j)], [b[(i, j)], c[(i, j)]]));
    let det = m.determinant();
    let ainv = a.clone().try_inverse().unwrap();
    close(
        "d_B det",
        det.eps()[0],
        a.determinant() * (&ainv * &b).trace(),
        1e-12,
    );
    close(
        "d_C det",
        det.eps()[1],
        a.determinant() * (&ainv * &c).trace(),
        1e-12,
    );
}

/// Generic code with a single `RealField` bound takes nested duals.
#[test]
fn generic_real_field_code_takes_nested_duals() {
    fn logdet<T: RealField + Copy>(m: DMatrix<T>) -> T {
        m.determinant().ln()
    }
    let (a, b) = (mat_a(3), mat_b(3));
    let y = logdet(dual2_mat(&a, &b));
    let m = a.clone().try_inverse().unwrap() * &b;
    // d/dt log det = tr(A⁻¹B), d²/dt² = −tr((A⁻¹B)²).
    close("d logdet", y.eps().re(), m.trace(), 1e-13);
    close("d² logdet", y.eps().eps(), -(&m * &m).trace(), 1e-12);
    assert_eq!(logdet(a.clone()), a.determinant().ln());
}

#[test]
fn approx_compares_values() {
    use approx::{abs_diff_eq, relative_eq, ulps_eq};
    let (x, y) = (Dual::new(1.0, 5.0), Dual::new(1.0 + 4e-16, -3.0));
    assert!(relative_eq!(x, y, epsilon = Dual::constant(1e-12)));
    assert!(abs_diff_eq!(x, y, epsilon = Dual::constant(1e-12)));
    assert!(ulps_eq!(x, y));
    assert!(!relative_eq!(x, Dual::constant(1.1)));
    assert!(!ulps_eq!(x, Dual::constant(1.0 + 1e-14)));
}

#[test]
fn subset_conversions() {
    use simba::scalar::{SubsetOf, SupersetOf};
    let d: Dual = 2.5f64.to_superset();
    assert_eq!((d.re(), d.eps()), (2.5, 0.0));
    assert_eq!(SupersetOf::<f64>::to_subset(&d), Some(2.5));
    // A dual with a non-zero derivative is not a plain f64.
    assert_eq!(SupersetOf::<f64>::to_subset(&Dual::variable(2.5)), None);
    let n: Dual<Dual> = nalgebra::convert(1.5f64);
    assert_eq!(n.re().re(), 1.5);
}

#[test]
fn sinc_and_sinhc_are_smooth_through_zero() {
    use nalgebra::ComplexField;
    let d2 = |x: f64, hyper: bool| {
        let d = Dual::new(Dual::variable(x), Dual::constant(1.0));
        let y = if hyper { d.sinhc() } else { d.sinc() };
        (y.re().re(), y.re().eps(), y.eps().eps())
    };
    // sinc = 1 − x²/6 + …, sinhc = 1 + x²/6 + …
    assert_eq!(d2(0.0, false), (1.0, 0.0, -1.0 / 3.0));
    assert_eq!(d2(0.0, true), (1.0, 0.0, 1.0 / 3.0));
    for x in [
        -2.0, -0.7, -0.49, -0.3, -1e-3, 1e-8, 0.2, 0.4999, 0.5, 1.3, 4.0,
    ] {
        let (s, c) = (x.sin(), x.cos());
        let (sh, ch) = (x.sinh(), x.cosh());
        let x2 = x * x;
        // The quotient forms cancel for small x; there the leading series terms are the
        // reference (their truncation error is below 1e-16 for |x| ≤ 1e-3).
        let small = x.abs() <= 1e-3;
        let (dsinc, ddsinc, dsinhc) = if small {
            (
                -x / 3.0 + x * x2 / 30.0,
                -1.0 / 3.0 + x2 / 10.0,
                x / 3.0 + x * x2 / 30.0,
            )
        } else {
            (
                (x * c - s) / x2,
                -s / x - 2.0 * c / x2 + 2.0 * s / (x2 * x),
                (x * ch - sh) / x2,
            )
        };
        let (v, d, dd) = d2(x, false);
        close(&format!("sinc({x})"), v, s / x, 1e-15);
        close(&format!("sinc'({x})"), d, dsinc, 1e-13);
        close(&format!("sinc''({x})"), dd, ddsinc, 1e-11);
        let (v, d, _) = d2(x, true);
        close(&format!("sinhc({x})"), v, sh / x, 1e-15);
        close(&format!("sinhc'({x})"), d, dsinhc, 1e-13);
    }
}

#[test]
fn to_exp_keeps_the_branch_of_the_value() {
    use nalgebra::ComplexField;
    let (m, s) = Dual::variable(0.0).to_exp();
    assert_eq!((m.re(), m.eps(), s.re(), s.eps()), (0.0, 1.0, 1.0, 0.0));
    let (m, s) = Dual::variable(-2.0).to_exp();
    assert_eq!((m.re(), m.eps(), s.re(), s.eps()), (2.0, -1.0, -1.0, 0.0));
}

/// QR goes through Householder reflections (`to_exp`, `signum`): A = QR, so d(QR) = dA.
#[test]
fn qr_reproduces_the_derivative_of_the_matrix() {
    let n = 4;
    let (a, b) = (mat_a(n), mat_b(n));
    let qr = dual_mat(&a, &b).qr();
    let prod = qr.q() * qr.r();
    assert_mat_close("QR value", &prod.map(|d| d.re()), &a, 1e-13);
    assert_mat_close("d(QR)", &prod.map(|d| d.eps()), &b, 1e-12);
}

/// Iterative decompositions: eigenvalues of a symmetric S(t) = S + tE have dλᵢ = vᵢᵀEvᵢ, and
/// singular values of A + tB have dσᵢ = uᵢᵀBvᵢ (distinct values, so both are differentiable).
#[test]
fn eigenvalue_and_singular_value_derivatives() {
    let n = 5;
    let (a, b) = (mat_a(n), mat_b(n));
    let s = a.transpose() * &a;
    let e = &b + b.transpose();
    let eig = s.clone().symmetric_eigen();
    let dual_eig = dual_mat(&s, &e).symmetric_eigen();
    for i in 0..n {
        // Match each dual eigenvalue with the f64 one of the same value.
        let lam = dual_eig.eigenvalues[i];
        let k = (0..n)
            .min_by(|&p, &q| {
                let (dp, dq) = (eig.eigenvalues[p] - lam.re(), eig.eigenvalues[q] - lam.re());
                dp.abs().total_cmp(&dq.abs())
            })
            .unwrap();
        let v = eig.eigenvectors.column(k);
        close(&format!("λ{i}"), lam.re(), eig.eigenvalues[k], 1e-12);
        close(
            &format!("dλ{i}"),
            lam.eps(),
            (v.transpose() * &e * v)[(0, 0)],
            1e-10,
        );
    }

    let svd = a.clone().svd(true, true);
    let dual_svd = dual_mat(&a, &b).svd(false, false);
    let (u, vt) = (svd.u.unwrap(), svd.v_t.unwrap());
    for i in 0..n {
        let sigma = dual_svd.singular_values[i];
        let k = (0..n)
            .min_by(|&p, &q| {
                let dp = svd.singular_values[p] - sigma.re();
                let dq = svd.singular_values[q] - sigma.re();
                dp.abs().total_cmp(&dq.abs())
            })
            .unwrap();
        let want = (u.column(k).transpose() * &b * vt.row(k).transpose())[(0, 0)];
        close(&format!("σ{i}"), sigma.re(), svd.singular_values[k], 1e-12);
        close(&format!("dσ{i}"), sigma.eps(), want, 1e-10);
    }
}

/// Singular in value and in derivative: nalgebra sees the zero pivot and reports it.
#[test]
fn singular_matrices() {
    let m = DMatrix::from_fn(2, 2, |i, j| Dual::constant((i + j) as f64 * 0.0 + 1.0));
    assert!(m.clone().try_inverse().is_none());
    assert!(m
        .lu()
        .solve(&DVector::from_element(2, Dual::constant(1.0)))
        .is_none());
    // Singular in value only: not reported (documented), but never a finite wrong answer.
    let m = DMatrix::from_row_slice(
        2,
        2,
        &[
            Dual::variable(1.0),
            Dual::constant(1.0),
            Dual::constant(1.0),
            Dual::constant(1.0),
        ],
    );
    if let Some(inv) = m.try_inverse() {
        assert!(inv.iter().any(|d| !d.re().is_finite()));
    }
}
