//! Property tests: random compositions of elementary functions, differentiated by every dual
//! type, against central finite differences. Each building block is smooth on all of R (inner
//! arguments are squashed into the domain of asin, ln, …), so finite differences are valid
//! everywhere the test samples.

use nngrad_core::{gradient, hessian, Dual, DualN, Scalar};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Expr {
    X,
    Y,
    Const(f64),
    Unary(u8, Box<Expr>),
    Binary(u8, Box<Expr>, Box<Expr>),
}

const UNARY_OPS: u8 = 24;
const BINARY_OPS: u8 = 7;

fn unary<S: Scalar>(op: u8, u: S) -> S {
    let sq1 = u * u + 1.0; // ≥ 1
    let t = u.tanh() * 0.9; // in (−0.9, 0.9)
    match op {
        0 => u.sin(),
        1 => u.cos(),
        2 => u.atan(),
        3 => u.tanh(),
        4 => u.sigmoid(),
        5 => u.softplus(),
        6 => sq1.ln(),
        7 => sq1.sqrt(),
        8 => u.erf(),
        9 => u.gelu(),
        10 => u.silu(),
        11 => u.sin().exp(),
        12 => u.asinh(),
        13 => sq1.cbrt(),
        14 => sq1.powf(0.75),
        15 => u.powi(3) * 0.1,
        16 => u.gelu_tanh(),
        17 => u.atan2(2.0),
        18 => sq1.recip(),
        19 => t.asin(),
        20 => t.acos(),
        21 => t.atanh(),
        22 => (sq1 + 1.0).acosh(),
        _ => u.hypot(1.0).log2() + u.erfc() + sq1.log10() + u.tanh().exp2().exp_m1(),
    }
}

fn binary<S: Scalar>(op: u8, a: S, b: S) -> S {
    match op {
        0 => a + b,
        1 => a - b,
        2 => a * b,
        3 => a / (b * b + 1.0),
        4 => a.hypot(b * b + 0.5),
        5 => a.mul_add(b, a),
        _ => (a * a + 0.5).powf(b.sin()),
    }
}

fn eval<S: Scalar>(e: &Expr, x: S, y: S) -> S {
    match e {
        Expr::X => x,
        Expr::Y => y,
        Expr::Const(c) => S::cst(*c),
        Expr::Unary(op, u) => unary(*op, eval(u, x, y)),
        Expr::Binary(op, a, b) => binary(*op, eval(a, x, y), eval(b, x, y)),
    }
}

fn expr() -> impl Strategy<Value = Expr> {
    let leaf = prop_oneof![
        3 => Just(Expr::X),
        2 => Just(Expr::Y),
        1 => (-2.0..2.0f64).prop_map(Expr::Const),
    ];
    leaf.prop_recursive(5, 24, 2, |inner| {
        prop_oneof![
            (0..UNARY_OPS, inner.clone()).prop_map(|(op, u)| Expr::Unary(op, Box::new(u))),
            (0..BINARY_OPS, inner.clone(), inner).prop_map(|(op, a, b)| Expr::Binary(
                op,
                Box::new(a),
                Box::new(b)
            )),
        ]
    })
}

/// A fourth-order central difference with step `h`, and its error estimated from the same
/// difference with step `h/2` (Richardson): compositions can oscillate fast, and the test
/// must not blame the dual numbers for the finite difference's own error.
#[derive(Clone, Copy, Debug)]
struct Fd {
    value: f64,
    err: f64,
}

fn fd(f: impl Fn(f64) -> f64, x: f64, h: f64) -> Fd {
    let d =
        |h: f64| (f(x - 2.0 * h) - 8.0 * f(x - h) + 8.0 * f(x + h) - f(x + 2.0 * h)) / (12.0 * h);
    let (coarse, fine) = (d(h), d(h / 2.0));
    Fd {
        value: fine,
        err: (fine - coarse).abs(),
    }
}

fn agree(ad: f64, fd: Fd, scale: f64) -> bool {
    (ad - fd.value).abs() <= 1e-7 * (1.0 + ad.abs().max(scale)) + 2.0 * fd.err
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn first_derivatives_match_finite_differences(
        e in expr(), x in -3.0..3.0f64, y in -3.0..3.0f64
    ) {
        let f = |x: f64, y: f64| eval(&e, x, y);
        let v = f(x, y);
        prop_assume!(v.is_finite() && v.abs() < 1e6);
        let h = 2e-4;
        let (fx, fy) = (fd(|t| f(t, y), x, h), fd(|t| f(x, t), y, h));
        prop_assume!(fx.value.is_finite() && fy.value.is_finite());
        let scale = v.abs();

        let dx = eval(&e, Dual::variable(x), Dual::constant(y));
        prop_assert_eq!(dx.re(), v);
        prop_assert!(agree(dx.eps(), fx, scale), "∂x: dual {} vs fd {:?}", dx.eps(), fx);

        let (g_v, g) = gradient(|u| eval(&e, u[0], u[1]), &[x, y]);
        prop_assert_eq!(g_v, v);
        prop_assert!(agree(g[0], fx, scale), "gradient ∂x {} vs fd {:?}", g[0], fx);
        prop_assert!(agree(g[1], fy, scale), "gradient ∂y {} vs fd {:?}", g[1], fy);
        prop_assert!((g[0] - dx.eps()).abs() <= 1e-12 * (1.0 + dx.eps().abs()));
    }

    #[test]
    fn second_derivatives_match_finite_differences_of_the_first(
        e in expr(), x in -3.0..3.0f64, y in -3.0..3.0f64
    ) {
        let v = eval(&e, x, y);
        prop_assume!(v.is_finite() && v.abs() < 1e6);
        // Exact first derivatives as functions, differenced once more.
        let fx = |x: f64, y: f64| eval(&e, Dual::variable(x), Dual::constant(y)).eps();
        let fy = |x: f64, y: f64| eval(&e, Dual::constant(x), Dual::variable(y)).eps();
        let h = 2e-4;
        let fxx = fd(|t| fx(t, y), x, h);
        let fxy = fd(|t| fx(x, t), y, h);
        let fyy = fd(|t| fy(x, t), y, h);
        prop_assume!(fxx.value.is_finite() && fxy.value.is_finite() && fyy.value.is_finite());
        let scale = fx(x, y).abs().max(fy(x, y).abs());

        let (_, _, hm) = hessian(|u| eval(&e, u[0], u[1]), &[x, y]);
        prop_assert!(agree(hm[(0, 0)], fxx, scale), "Hxx {} vs fd {:?}", hm[(0, 0)], fxx);
        prop_assert!(agree(hm[(0, 1)], fxy, scale), "Hxy {} vs fd {:?}", hm[(0, 1)], fxy);
        prop_assert!(agree(hm[(1, 1)], fyy, scale), "Hyy {} vs fd {:?}", hm[(1, 1)], fyy);

        // Dual<Dual> along x gives the same ∂²/∂x² as the chunked Hessian.
        let xx = Dual::new(Dual::variable(x), Dual::constant(1.0));
        let n = eval(&e, xx, Dual::constant(Dual::constant(y)));
        prop_assert!((n.eps().eps() - hm[(0, 0)]).abs() <= 1e-10 * (1.0 + hm[(0, 0)].abs()));
        // And DualN<DualN> (forward over multi-lane forward) agrees as well.
        let xy = [
            DualN::<DualN<f64, 2>, 2>::new(
                DualN::variable(x, 0),
                [DualN::constant(1.0), DualN::constant(0.0)],
            ),
            DualN::new(DualN::variable(y, 1), [DualN::constant(0.0), DualN::constant(1.0)]),
        ];
        let m = eval(&e, xy[0], xy[1]);
        prop_assert!((m.eps()[0].eps()[1] - hm[(0, 1)]).abs() <= 1e-10 * (1.0 + hm[(0, 1)].abs()));
        prop_assert!((m.eps()[1].eps()[1] - hm[(1, 1)]).abs() <= 1e-10 * (1.0 + hm[(1, 1)].abs()));
    }
}
