//! Every elementary function of `Scalar`: value equal to f64's, first derivative against a
//! closed form written here (not taken from the crate's rule table) at ≥ 20 points across the
//! domain with its edges, and the second derivative through nesting (`Dual<Dual<f64>>`).

mod common;
use common::{assert_bits, assert_close, lin};
use nngrad_core::{Dual, DualN, Scalar};
use std::f64::consts::{FRAC_2_SQRT_PI, LN_10, LN_2, PI};

const TOL1: f64 = 1e-13;
const TOL2: f64 = 1e-12;

/// How the f64 value of the function is checked.
enum Value {
    /// Bit-equal to f64's own function (the rule calls it).
    Bits(fn(f64) -> f64),
    /// Close to an independent closed form (f64 has no such function).
    Close(fn(f64) -> f64, f64),
}

struct Case {
    name: &'static str,
    f0: fn(f64) -> f64,
    f1: fn(Dual) -> Dual,
    f2: fn(Dual<Dual>) -> Dual<Dual>,
    fn3: fn(DualN<f64, 3>) -> DualN<f64, 3>,
    value: Value,
    d1: fn(f64) -> f64,
    d2: fn(f64) -> f64,
}

fn check(c: Case, pts: &[f64]) {
    assert!(pts.len() >= 20, "{}: only {} points", c.name, pts.len());
    for &x in pts {
        let at = |what: &str| format!("{} {what} at x = {x:e}", c.name);
        let v = (c.f0)(x);
        match c.value {
            Value::Bits(r) => assert_bits(&at("value"), v, r(x)),
            Value::Close(r, tol) => assert_close(&at("value"), v, r(x), tol),
        }
        let d = (c.f1)(Dual::variable(x));
        assert_bits(&at("Dual value"), d.re(), v);
        assert_close(&at("first derivative"), d.eps(), (c.d1)(x), TOL1);

        let n = (c.fn3)(DualN::variable(x, 1));
        assert_bits(&at("DualN value"), n.re(), v);
        assert_close(&at("DualN lane 1"), n.eps()[1], d.eps(), 1e-15);
        assert_eq!(
            [n.eps()[0], n.eps()[2]],
            [0.0; 2],
            "{}",
            at("DualN other lanes")
        );

        let want2 = (c.d2)(x);
        if (c.d1)(x).is_finite() && want2.is_finite() {
            let y = (c.f2)(Dual::new(Dual::variable(x), Dual::constant(1.0)));
            assert_bits(&at("nested value"), y.re().re(), v);
            assert_close(
                &at("nested inner first derivative"),
                y.re().eps(),
                d.eps(),
                TOL1,
            );
            assert_close(
                &at("nested outer first derivative"),
                y.eps().re(),
                d.eps(),
                TOL1,
            );
            assert_close(&at("second derivative"), y.eps().eps(), want2, TOL2);
        }
    }
}

/// `unary!(test_name: |x| body; value; d1; d2; points)`: one test per function.
macro_rules! unary {
    ($name:ident: |$x:ident| $body:expr; $value:expr; d1 $d1:expr; d2 $d2:expr; at $pts:expr) => {
        #[test]
        fn $name() {
            fn g<S: Scalar>($x: S) -> S {
                $body
            }
            check(
                Case {
                    name: stringify!($name),
                    f0: g::<f64>,
                    f1: g::<Dual>,
                    f2: g::<Dual<Dual>>,
                    fn3: g::<DualN<f64, 3>>,
                    value: $value,
                    d1: $d1,
                    d2: $d2,
                },
                &$pts,
            );
        }
    };
}

fn pts(groups: &[&[f64]]) -> Vec<f64> {
    groups.concat()
}
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        0.0
    }
}
/// σ'(x) = 1/(4 cosh²(x/2)), a form that does not cancel for large |x|.
fn dsigmoid(x: f64) -> f64 {
    let c = (x / 2.0).cosh();
    0.25 / c / c
}
fn sigmoid_ref(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}
/// Φ, the standard normal distribution, from f64's erfc (libm's, not the rule table).
fn ncdf(x: f64) -> f64 {
    0.5 * Scalar::erfc(-x / 2f64.sqrt())
}
/// φ, the standard normal density.
fn npdf(x: f64) -> f64 {
    (-x * x / 2.0).exp() / (2.0 * PI).sqrt()
}

unary!(abs: |x| x.abs(); Value::Bits(f64::abs);
    d1 sign; d2 |_| 0.0; at lin(-5.0, 5.0, 21));
unary!(signum: |x| x.signum(); Value::Bits(f64::signum);
    d1 |_| 0.0; d2 |_| 0.0; at lin(-5.0, 5.0, 21));
unary!(sqrt: |x| x.sqrt(); Value::Bits(f64::sqrt);
    d1 |x| 0.5 / x.sqrt(); d2 |x| -0.25 / (x * x * x).sqrt();
    at pts(&[&[0.0, 1e-300, 1e300, f64::MAX], &lin(0.01, 100.0, 25)]));
unary!(cbrt: |x| x.cbrt(); Value::Bits(f64::cbrt);
    d1 |x| x.abs().powf(-2.0 / 3.0) / 3.0;
    d2 |x| -2.0 / 9.0 * sign(x) * x.abs().powf(-5.0 / 3.0);
    at pts(&[&[1e-300, -1e300], &lin(-10.0, 10.0, 21)]));
unary!(exp: |x| x.exp(); Value::Bits(f64::exp);
    d1 f64::exp; d2 f64::exp;
    at pts(&[&lin(-700.0, 700.0, 15), &lin(-3.0, 3.0, 13), &[-1e300, 1e300]]));
unary!(exp2: |x| x.exp2(); Value::Bits(f64::exp2);
    d1 |x| x.exp2() * LN_2; d2 |x| x.exp2() * LN_2 * LN_2;
    at pts(&[&lin(-1000.0, 1000.0, 21), &lin(-3.0, 3.0, 13)]));
unary!(exp_m1: |x| x.exp_m1(); Value::Bits(f64::exp_m1);
    d1 f64::exp; d2 f64::exp;
    at pts(&[&lin(-5.0, 5.0, 21), &[1e-10, -1e-10, 700.0, -700.0]]));
unary!(ln: |x| x.ln(); Value::Bits(f64::ln);
    d1 |x| 1.0 / x; d2 |x| -1.0 / (x * x);
    at pts(&[&[0.0, 1e-300, 1e300, f64::INFINITY], &lin(0.001, 100.0, 25)]));
unary!(ln_1p: |x| x.ln_1p(); Value::Bits(f64::ln_1p);
    d1 |x| 1.0 / (1.0 + x); d2 |x| -1.0 / ((1.0 + x) * (1.0 + x));
    at pts(&[&[-1.0, 1e-12, 1e300], &lin(-0.99, 10.0, 23)]));
unary!(log2: |x| x.log2(); Value::Bits(f64::log2);
    d1 |x| 1.0 / x / LN_2; d2 |x| -1.0 / (x * x) / LN_2;
    at pts(&[&[0.0, 1e-300, 1e300], &lin(0.001, 100.0, 25)]));
unary!(log10: |x| x.log10(); Value::Bits(f64::log10);
    d1 |x| 1.0 / x / LN_10; d2 |x| -1.0 / (x * x) / LN_10;
    at pts(&[&[0.0, 1e-300, 1e300], &lin(0.001, 100.0, 25)]));
unary!(log_const_base: |x| x.log(3.0); Value::Bits(|x| x.log(3.0));
    d1 |x| 1.0 / (x * 3f64.ln()); d2 |x| -1.0 / (x * x * 3f64.ln());
    at pts(&[&[0.0], &lin(0.001, 100.0, 25)]));
unary!(powi_m3: |x| x.powi(-3); Value::Bits(|x| x.powi(-3));
    d1 |x| -3.0 / x.powi(4); d2 |x| 12.0 / x.powi(5); at lin(-3.0, 3.0, 25));
unary!(powi_m1: |x| x.powi(-1); Value::Bits(|x| x.powi(-1));
    d1 |x| -1.0 / (x * x); d2 |x| 2.0 / (x * x * x); at lin(-3.0, 3.0, 25));
unary!(powi_0: |x| x.powi(0); Value::Bits(|x| x.powi(0));
    d1 |_| 0.0; d2 |_| 0.0; at lin(-3.0, 3.0, 25));
unary!(powi_1: |x| x.powi(1); Value::Bits(|x| x.powi(1));
    d1 |_| 1.0; d2 |_| 0.0; at lin(-3.0, 3.0, 25));
unary!(powi_2: |x| x.powi(2); Value::Bits(|x| x.powi(2));
    d1 |x| 2.0 * x; d2 |_| 2.0; at lin(-3.0, 3.0, 25));
unary!(powi_7: |x| x.powi(7); Value::Bits(|x| x.powi(7));
    d1 |x| 7.0 * x * x * x * x * x * x; d2 |x| 42.0 * x * x * x * x * x;
    at lin(-3.0, 3.0, 25));
unary!(powf_half: |x| x.powf(0.5); Value::Bits(|x| x.powf(0.5));
    d1 |x| 0.5 / x.sqrt(); d2 |x| -0.25 / (x * x * x).sqrt();
    at pts(&[&[0.0], &lin(0.05, 5.0, 24)]));
unary!(powf_2_5: |x| x.powf(2.5); Value::Bits(|x| x.powf(2.5));
    d1 |x| 2.5 * x * x.sqrt(); d2 |x| 3.75 * x.sqrt();
    at pts(&[&[0.0], &lin(0.05, 5.0, 24)]));
unary!(powf_m1_3: |x| x.powf(-1.3); Value::Bits(|x| x.powf(-1.3));
    d1 |x| -1.3 / x.powf(2.3); d2 |x| 2.99 / x.powf(3.3);
    at pts(&[&[0.0], &lin(0.05, 5.0, 24)]));
unary!(powf_3: |x| x.powf(3.0); Value::Bits(|x| x.powf(3.0));
    d1 |x| 3.0 * x * x; d2 |x| 6.0 * x; at lin(-3.0, 3.0, 25));
unary!(powf_0: |x| x.powf(0.0); Value::Bits(|x| x.powf(0.0));
    d1 |_| 0.0; d2 |_| 0.0; at lin(-3.0, 3.0, 25));
unary!(sin: |x| x.sin(); Value::Bits(f64::sin);
    d1 f64::cos; d2 |x| -x.sin(); at pts(&[&lin(-10.0, 10.0, 41), &[PI, -PI / 2.0]]));
unary!(cos: |x| x.cos(); Value::Bits(f64::cos);
    d1 |x| -x.sin(); d2 |x| -x.cos(); at pts(&[&lin(-10.0, 10.0, 41), &[PI, PI / 2.0]]));
unary!(sin_cos_sum: |x| { let (s, c) = x.sin_cos(); s * 2.0 + c };
    Value::Close(|x| 2.0 * x.sin() + x.cos(), 1e-15);
    d1 |x| 2.0 * x.cos() - x.sin(); d2 |x| -2.0 * x.sin() - x.cos();
    at lin(-10.0, 10.0, 41));
unary!(tan: |x| x.tan(); Value::Bits(f64::tan);
    d1 |x| 1.0 / (x.cos() * x.cos()); d2 |x| 2.0 * x.tan() / (x.cos() * x.cos());
    at pts(&[&lin(-1.5, 1.5, 31), &[PI / 2.0 - 1e-6]]));
unary!(asin: |x| x.asin(); Value::Bits(f64::asin);
    d1 |x| 1.0 / (1.0 - x * x).sqrt(); d2 |x| x / (1.0 - x * x).powf(1.5);
    at lin(-1.0, 1.0, 25));
unary!(acos: |x| x.acos(); Value::Bits(f64::acos);
    d1 |x| -1.0 / (1.0 - x * x).sqrt(); d2 |x| -x / (1.0 - x * x).powf(1.5);
    at lin(-1.0, 1.0, 25));
unary!(atan: |x| x.atan(); Value::Bits(f64::atan);
    d1 |x| if x.abs() < 1e150 { 1.0 / (1.0 + x * x) } else { 0.0 };
    d2 |x| -2.0 * x / ((1.0 + x * x) * (1.0 + x * x));
    at pts(&[&lin(-10.0, 10.0, 21), &[1e10, -1e10, 1e300, -1e300, 0.999, 1.001]]));
unary!(sinh: |x| x.sinh(); Value::Bits(f64::sinh);
    d1 f64::cosh; d2 f64::sinh; at pts(&[&lin(-20.0, 20.0, 41), &[700.0, -700.0]]));
unary!(cosh: |x| x.cosh(); Value::Bits(f64::cosh);
    d1 f64::sinh; d2 f64::cosh; at pts(&[&lin(-20.0, 20.0, 41), &[700.0, -700.0]]));
unary!(tanh: |x| x.tanh(); Value::Bits(f64::tanh);
    d1 |x| 1.0 / x.cosh() / x.cosh();
    d2 |x| -2.0 * x.tanh() / x.cosh() / x.cosh();
    at pts(&[&lin(-20.0, 20.0, 41), &[1e3, -1e3, 1e300, -1e300, 0.999, 1.0, -1.0, 300.0]]));
unary!(asinh: |x| x.asinh(); Value::Bits(f64::asinh);
    d1 |x| if x.abs() > 1.0 {
        1.0 / (x.abs() * (1.0 + 1.0 / (x * x)).sqrt())
    } else {
        1.0 / (1.0 + x * x).sqrt()
    };
    d2 |x| if x.abs() > 1e100 { -sign(x) * 0.0 } else { -x / (1.0 + x * x).powf(1.5) };
    at pts(&[&lin(-10.0, 10.0, 21), &[1e10, -1e10, 1e300, -1e300]]));
unary!(acosh: |x| x.acosh(); Value::Bits(f64::acosh);
    d1 |x| if x > 2.0 {
        1.0 / (x * (1.0 - 1.0 / (x * x)).sqrt())
    } else {
        1.0 / ((x - 1.0) * (x + 1.0)).sqrt()
    };
    d2 |x| if x > 1e100 { 0.0 } else { -x / ((x - 1.0) * (x + 1.0)).powf(1.5) };
    at pts(&[&[1.0, 1e10, 1e300], &lin(1.01, 10.0, 20)]));
unary!(atanh: |x| x.atanh(); Value::Bits(f64::atanh);
    d1 |x| 1.0 / ((1.0 - x) * (1.0 + x));
    d2 |x| 2.0 * x / ((1.0 - x) * (1.0 + x) * (1.0 - x) * (1.0 + x));
    at lin(-1.0, 1.0, 25));
unary!(recip: |x| x.recip(); Value::Bits(f64::recip);
    d1 |x| -1.0 / (x * x); d2 |x| 2.0 / (x * x * x);
    at pts(&[&lin(-5.0, 5.0, 21), &[1e-300, -1e300]]));
unary!(floor: |x| x.floor(); Value::Bits(f64::floor);
    d1 |_| 0.0; d2 |_| 0.0; at lin(-5.0, 5.0, 23));
unary!(ceil: |x| x.ceil(); Value::Bits(f64::ceil);
    d1 |_| 0.0; d2 |_| 0.0; at lin(-5.0, 5.0, 23));
unary!(round: |x| x.round(); Value::Bits(f64::round);
    d1 |_| 0.0; d2 |_| 0.0; at lin(-5.0, 5.0, 23));
unary!(trunc: |x| x.trunc(); Value::Bits(f64::trunc);
    d1 |_| 0.0; d2 |_| 0.0; at lin(-5.0, 5.0, 23));
unary!(fract: |x| x.fract(); Value::Bits(f64::fract);
    d1 |_| 1.0; d2 |_| 0.0; at lin(-5.0, 5.0, 23));
unary!(to_degrees: |x| x.to_degrees(); Value::Bits(f64::to_degrees);
    d1 |_| 180.0 / PI; d2 |_| 0.0; at lin(-5.0, 5.0, 21));
unary!(to_radians: |x| x.to_radians(); Value::Bits(f64::to_radians);
    d1 |_| PI / 180.0; d2 |_| 0.0; at lin(-500.0, 500.0, 21));
unary!(erf: |x| x.erf(); Value::Close(erf_series, 1e-13);
    d1 |x| FRAC_2_SQRT_PI * (-x * x).exp();
    d2 |x| -2.0 * x * FRAC_2_SQRT_PI * (-x * x).exp();
    at lin(-2.5, 2.5, 25));
unary!(erf_tails: |x| x.erf(); Value::Close(sign, 1e-15);
    d1 |x| FRAC_2_SQRT_PI * (-x * x).exp();
    d2 |x| -2.0 * x * FRAC_2_SQRT_PI * (-x * x).exp();
    at pts(&[&lin(6.0, 26.0, 11), &lin(-26.0, -6.0, 11), &[1e300, -1e300]]));
// 1 − erf cancels as erfc → 0: at x = 2.5 the reference keeps ~11 digits (the exact
// values are pinned in `erf_known_values`).
unary!(erfc: |x| x.erfc(); Value::Close(|x| 1.0 - erf_series(x), 3e-11);
    d1 |x| -FRAC_2_SQRT_PI * (-x * x).exp();
    d2 |x| 2.0 * x * FRAC_2_SQRT_PI * (-x * x).exp();
    at lin(-2.5, 2.5, 25));
unary!(sigmoid: |x| x.sigmoid(); Value::Close(sigmoid_ref, 1e-15);
    d1 dsigmoid; d2 |x| -(x / 2.0).tanh() * dsigmoid(x);
    at pts(&[&lin(-40.0, 40.0, 41), &[1e3, -1e3, 1e300, -1e300, 700.0, -700.0]]));
unary!(softplus: |x| x.softplus();
    Value::Close(|x| if x < 30.0 { x.exp().ln_1p() } else { x + (-x).exp() }, 1e-15);
    d1 sigmoid_ref; d2 dsigmoid;
    at pts(&[&lin(-40.0, 40.0, 41), &[1e3, -1e3, 1e300, -1e300]]));
unary!(relu: |x| x.relu(); Value::Bits(|x| x.max(0.0));
    d1 |x| if x > 0.0 { 1.0 } else { 0.0 }; d2 |_| 0.0; at lin(-3.0, 3.0, 25));
unary!(leaky_relu: |x| x.leaky_relu(0.1); Value::Close(|x| if x > 0.0 { x } else { 0.1 * x }, 0.0);
    d1 |x| if x > 0.0 { 1.0 } else { 0.1 }; d2 |_| 0.0; at lin(-3.0, 3.0, 25));
unary!(elu: |x| x.elu(1.3);
    Value::Close(|x| if x > 0.0 { x } else { 1.3 * x.exp_m1() }, 1e-15);
    d1 |x| if x > 0.0 { 1.0 } else { 1.3 * x.exp() };
    d2 |x| if x > 0.0 { 0.0 } else { 1.3 * x.exp() };
    at pts(&[&lin(-3.0, 3.0, 25), &[1e300, -1e300, 1e3, -1e3]]));
unary!(selu: |x| x.selu();
    Value::Close(
        |x| 1.0507009873554805 * if x > 0.0 { x } else { 1.6732632423543772 * x.exp_m1() },
        1e-15,
    );
    d1 |x| 1.0507009873554805 * if x > 0.0 { 1.0 } else { 1.6732632423543772 * x.exp() };
    d2 |x| 1.0507009873554805 * if x > 0.0 { 0.0 } else { 1.6732632423543772 * x.exp() };
    at pts(&[&lin(-3.0, 3.0, 25), &[1e300, -1e300]]));
unary!(gelu: |x| x.gelu();
    Value::Close(|x| x * ncdf(x), 1e-14);
    d1 |x| ncdf(x) + x * npdf(x);
    d2 |x| npdf(x) * (2.0 - x * x);
    at lin(-3.0, 3.0, 25));
unary!(gelu_tails: |x| x.gelu(); Value::Close(|x| if x > 0.0 { x } else { 0.0 }, 1e-15);
    d1 |x| if x > 0.0 { 1.0 } else { 0.0 }; d2 |_| 0.0;
    at pts(&[&lin(40.0, 1000.0, 10), &lin(-1000.0, -40.0, 10), &[1e300, -1e300]]));
unary!(gelu_tanh: |x| x.gelu_tanh(); Value::Close(gelu_tanh_value, 1e-15);
    d1 gelu_tanh_d1; d2 gelu_tanh_d2;
    at pts(&[&lin(-6.0, 6.0, 25), &[29.9, -29.9, 30.1, -30.1, 1e300, -1e300]]));
unary!(silu: |x| x.silu(); Value::Close(|x| x / (1.0 + (-x).exp()), 1e-15);
    d1 |x| sigmoid_ref(x) + if x.abs() < 1e300 { x * dsigmoid(x) } else { 0.0 };
    d2 |x| 2.0 * dsigmoid(x) - x * (x / 2.0).tanh() * dsigmoid(x);
    at pts(&[&lin(-40.0, 40.0, 41), &[1e3, -1e3, 1e300, -1e300]]));
unary!(softsign: |x| x.softsign(); Value::Close(|x| x / (1.0 + x.abs()), 1e-15);
    d1 |x| 1.0 / ((1.0 + x.abs()) * (1.0 + x.abs()));
    d2 |x| -2.0 * sign(x) / (1.0 + x.abs()).powi(3);
    at pts(&[&lin(-5.0, 5.0, 21), &[1e300, -1e300]]));

fn gelu_tanh_parts(x: f64) -> (f64, f64, f64, f64) {
    let k = (2.0 / PI).sqrt();
    let c = 0.044715;
    let u = k * (x + c * x * x * x);
    let t = u.tanh();
    let s = 1.0 / u.cosh() / u.cosh();
    (k, c, t, s)
}
fn gelu_tanh_value(x: f64) -> f64 {
    let (_, _, t, _) = gelu_tanh_parts(x);
    0.5 * x * (1.0 + t)
}
fn gelu_tanh_d1(x: f64) -> f64 {
    let (k, c, t, s) = gelu_tanh_parts(x);
    let extra = if s == 0.0 {
        0.0
    } else {
        0.5 * x * s * k * (1.0 + 3.0 * c * x * x)
    };
    0.5 * (1.0 + t) + extra
}
fn gelu_tanh_d2(x: f64) -> f64 {
    let (k, c, t, s) = gelu_tanh_parts(x);
    if s == 0.0 {
        return 0.0;
    }
    let du = k * (1.0 + 3.0 * c * x * x);
    let ddu = 6.0 * k * c * x;
    s * du + 0.5 * x * (-2.0 * t * s * du * du + s * ddu)
}

/// erf by its Maclaurin series, accurate to ~1e-15 for |x| ≤ 2.5.
fn erf_series(x: f64) -> f64 {
    let (mut term, mut sum) = (x, x);
    for n in 1..80 {
        term *= -x * x / n as f64;
        sum += term / (2 * n + 1) as f64;
    }
    FRAC_2_SQRT_PI * sum
}

#[test]
fn erf_known_values() {
    for (x, erf, erfc) in [
        (0.5, 0.5204998778130465, 0.4795001221869535),
        (1.0, 0.8427007929497149, 0.15729920705028513),
        (2.0, 0.9953222650189527, 0.004677734981047266),
        (5.0, 0.9999999999984626, 1.537459794428035e-12),
    ] {
        assert_close("erf", Dual::variable(x).erf().re(), erf, 2e-16);
        assert_close("erfc", Dual::variable(x).erfc().re(), erfc, 1e-15);
    }
}

/// Binary functions: both partial derivatives (two lanes) and second derivatives (nesting).
struct Binary {
    name: &'static str,
    f0: fn(f64, f64) -> f64,
    fn2: fn(DualN<f64, 2>, DualN<f64, 2>) -> DualN<f64, 2>,
    f2: fn(Dual<Dual>, Dual<Dual>) -> Dual<Dual>,
    value: Option<fn(f64, f64) -> f64>,
    /// (∂/∂a, ∂/∂b)
    d1: fn(f64, f64) -> (f64, f64),
    /// (∂²/∂a², ∂²/∂a∂b, ∂²/∂b²)
    d2: fn(f64, f64) -> (f64, f64, f64),
}

fn check_binary(c: Binary, pts: &[(f64, f64)]) {
    assert!(pts.len() >= 20);
    for &(a, b) in pts {
        let at = |what: &str| format!("{} {what} at ({a:e}, {b:e})", c.name);
        let v = (c.f0)(a, b);
        if let Some(r) = c.value {
            assert_bits(&at("value"), v, r(a, b));
        }
        let y = (c.fn2)(DualN::variable(a, 0), DualN::variable(b, 1));
        assert_bits(&at("DualN value"), y.re(), v);
        let (da, db) = (c.d1)(a, b);
        assert_close(&at("∂a"), y.eps()[0], da, TOL1);
        assert_close(&at("∂b"), y.eps()[1], db, TOL1);
        let (daa, dab, dbb) = (c.d2)(a, b);
        // Inner tangent along a; outer along a (→ ∂²/∂a²) or b (→ ∂²/∂a∂b).
        let inner_a = Dual::variable(a);
        let y = (c.f2)(
            Dual::new(inner_a, Dual::constant(1.0)),
            Dual::constant(Dual::constant(b)),
        );
        // Nesting forms a second derivative as a difference of O(1/scale) terms (e.g. x/h for
        // hypot): its error is absolute, so compare with an absolute floor as well.
        let near = |what: &str, got: f64, want: f64| {
            let ok = common::close(got, want, TOL2) || (got - want).abs() < 1e-15;
            assert!(ok, "{}: got {got:e}, want {want:e}", at(what));
        };
        near("∂²a²", y.eps().eps(), daa);
        let y = (c.f2)(
            Dual::new(inner_a, Dual::constant(0.0)),
            Dual::new(Dual::constant(b), Dual::constant(1.0)),
        );
        near("∂²ab", y.eps().eps(), dab);
        let y = (c.f2)(
            Dual::constant(Dual::constant(a)),
            Dual::new(Dual::variable(b), Dual::constant(1.0)),
        );
        near("∂²b²", y.eps().eps(), dbb);
    }
}

macro_rules! binary {
    ($name:ident: |$a:ident, $b:ident| $body:expr; value $value:expr; d1 $d1:expr; d2 $d2:expr;
     at $pts:expr) => {
        #[test]
        fn $name() {
            fn g<S: Scalar>($a: S, $b: S) -> S {
                $body
            }
            check_binary(
                Binary {
                    name: stringify!($name),
                    f0: g::<f64>,
                    fn2: g::<DualN<f64, 2>>,
                    f2: g::<Dual<Dual>>,
                    value: $value,
                    d1: $d1,
                    d2: $d2,
                },
                &$pts,
            );
        }
    };
}

fn grid(xs: &[f64], ys: &[f64]) -> Vec<(f64, f64)> {
    xs.iter()
        .flat_map(|&x| ys.iter().map(move |&y| (x, y)))
        .collect()
}

binary!(atan2: |y, x| y.atan2(x); value Some(f64::atan2);
    d1 |y, x| { let r = x * x + y * y; (x / r, -y / r) };
    d2 |y, x| {
        let r2 = (x * x + y * y) * (x * x + y * y);
        (-2.0 * x * y / r2, (y * y - x * x) / r2, 2.0 * x * y / r2)
    };
    at grid(&lin(-3.0, 3.0, 5), &[-2.0, -0.5, 0.7, 3.0, 1e-3]));
binary!(hypot: |x, y| x.hypot(y); value Some(f64::hypot);
    d1 |x, y| { let h = (x * x + y * y).sqrt(); (x / h, y / h) };
    d2 |x, y| {
        let h3 = (x * x + y * y).powf(1.5);
        (y * y / h3, -x * y / h3, x * x / h3)
    };
    at grid(&lin(-3.0, 3.0, 5), &[-2.0, -0.5, 0.7, 3.0, 1e-3]));
binary!(powf_both: |x, y| x.powf(y); value Some(f64::powf);
    d1 |x, y| (y * x.powf(y - 1.0), x.powf(y) * x.ln());
    d2 |x, y| {
        let l = x.ln();
        (y * (y - 1.0) * x.powf(y - 2.0), x.powf(y - 1.0) * (1.0 + y * l), x.powf(y) * l * l)
    };
    at grid(&lin(0.2, 4.0, 5), &[-2.0, -0.875, 0.0, 1.375, 2.5]));
binary!(log_both: |x, b| x.log(b); value None;
    d1 |x, b| (1.0 / (x * b.ln()), -x.ln() / (b * b.ln() * b.ln()));
    d2 |x, b| {
        let lb = b.ln();
        let lb3 = lb * lb * lb;
        (-1.0 / (x * x * lb), -1.0 / (x * b * lb * lb), x.ln() * (lb + 2.0) / (b * b * lb3))
    };
    at grid(&lin(0.2, 4.0, 5), &[0.3, 0.5, 2.0, 3.0, 10.0]));
binary!(mul_add: |x, a| x.mul_add(a, x * 0.5); value Some(|x, a| x.mul_add(a, x * 0.5));
    d1 |x, a| (a + 0.5, x); d2 |_, _| (0.0, 1.0, 0.0);
    at grid(&lin(-3.0, 3.0, 5), &lin(-2.0, 2.0, 5)));
binary!(rem: |x, y| x % y; value Some(|x, y| x % y);
    d1 |x, y| (1.0, -(x / y).trunc()); d2 |_, _| (0.0, 0.0, 0.0);
    at grid(&[-7.3, -2.2, 0.4, 3.1, 9.9], &[-2.5, -1.1, 0.7, 1.5, 4.0]));
binary!(rem_euclid: |x, y| x.rem_euclid(y); value Some(f64::rem_euclid);
    d1 |x, y| (1.0, -x.div_euclid(y)); d2 |_, _| (0.0, 0.0, 0.0);
    at grid(&[-7.3, -2.2, 0.4, 3.1, 9.9], &[-2.5, -1.1, 0.7, 1.5, 4.0]));
binary!(div_euclid: |x, y| x.div_euclid(y); value Some(f64::div_euclid);
    d1 |_, _| (0.0, 0.0); d2 |_, _| (0.0, 0.0, 0.0);
    at grid(&[-7.3, -2.2, 0.4, 3.1, 9.9], &[-2.5, -1.1, 0.7, 1.5, 4.0]));
binary!(copysign: |x, s| x.copysign(s); value Some(f64::copysign);
    d1 |x, s| (if (x < 0.0) == (s < 0.0) { 1.0 } else { -1.0 }, 0.0); d2 |_, _| (0.0, 0.0, 0.0);
    at grid(&[-7.3, -2.2, 0.4, 3.1, 9.9], &[-2.5, -1.1, 0.7, 1.5, 4.0]));
binary!(arith: |x, y| (x * y - x / y + y) * x % 100.0;
    value Some(|x, y| (x * y - x / y + y) * x % 100.0);
    d1 |x, y| (2.0 * x * y - 2.0 * x / y + y, x * x + x * x / (y * y) + x);
    d2 |x, y| (2.0 * y - 2.0 / y, 2.0 * x + 2.0 * x / (y * y) + 1.0, -2.0 * x * x / (y * y * y));
    at grid(&lin(-3.0, 3.0, 5), &[-2.0, -0.5, 0.7, 3.0, 1.3]));

// Kinks: on a tie the receiver's derivative (crate docs, *Kinks*); the grids include ties.
binary!(max: |a, b| a.max(b); value Some(f64::max);
    d1 |a, b| if b > a { (0.0, 1.0) } else { (1.0, 0.0) }; d2 |_, _| (0.0, 0.0, 0.0);
    at grid(&lin(-2.0, 2.0, 5), &lin(-2.0, 2.0, 5)));
binary!(min: |a, b| a.min(b); value Some(f64::min);
    d1 |a, b| if b < a { (0.0, 1.0) } else { (1.0, 0.0) }; d2 |_, _| (0.0, 0.0, 0.0);
    at grid(&lin(-2.0, 2.0, 5), &lin(-2.0, 2.0, 5)));
unary!(clamp: |x| x.clamp(-1.0, 1.5); Value::Bits(|x| x.clamp(-1.0, 1.5));
    d1 |x| if (-1.0..=1.5).contains(&x) { 1.0 } else { 0.0 }; d2 |_| 0.0;
    at pts(&[&lin(-3.0, 3.0, 25), &[-1.0, 1.5]]));

/// `f64 op S` and `S op f64` in every form, against closed forms.
#[test]
#[allow(clippy::op_ref)] // the borrowed forms are what is being tested
fn mixed_f64_operators() {
    fn g<S: Scalar>(x: S) -> S
    where
        f64: nngrad_core::ScalarLhs<S>,
        for<'a> &'a f64: nngrad_core::ScalarRefLhs<S>,
        for<'a> &'a S: nngrad_core::ScalarRef<S>,
    {
        let two = 2.0;
        let a = 2.0 + x - (3.0 - x) * (&two * &x) + 5.0 / x - &x / 4.0 + (7.0 % x);
        let mut b = a;
        b += 1.0;
        b -= &two;
        b *= 3.0;
        b /= &two;
        b -= x;
        b * (-&x) + [x, x].iter().sum::<S>() + [2.0, 3.0].iter().product::<S>()
    }
    for x in lin(0.3, 5.0, 21) {
        let want = g::<f64>(x);
        let d = g(Dual::variable(x));
        assert_bits("value", d.re(), want);
        // a = 2 + x − (3 − x)·2x + 5/x − x/4 + (7 mod x)
        let da = 1.0 - (6.0 - 4.0 * x) - 5.0 / (x * x) - 0.25 - (7.0 / x).trunc();
        let a = 2.0 + x - (3.0 - x) * (2.0 * x) + 5.0 / x - x / 4.0 + (7.0 % x);
        let b = ((a + 1.0 - 2.0) * 3.0) / 2.0 - x;
        let db = da * 1.5 - 1.0;
        let want_d = -(db * x + b) + 2.0;
        assert_close(&format!("d at {x}"), d.eps(), want_d, 1e-12);
    }
}

/// Regression: `x^y` with `y` exactly 0 but varying lost ∂²/∂x∂y = 1/x (the rule treated the
/// exponent 0 as a constant).
#[test]
fn powf_mixed_second_derivative_at_zero_exponent() {
    // Inner tangent along x, outer along y.
    let x = Dual::new(Dual::variable(2.0), Dual::constant(0.0));
    let y = Dual::new(Dual::constant(0.0), Dual::constant(1.0));
    assert_eq!(x.powf(y).eps().eps(), 0.5);
    // Inner tangent along y, outer along x.
    let x = Dual::new(Dual::constant(2.0), Dual::constant(1.0));
    let y = Dual::new(Dual::variable(0.0), Dual::constant(0.0));
    assert_eq!(x.powf(y).eps().eps(), 0.5);
    let (_, _, h) = nngrad_core::hessian(|v| v[0].powf(v[1]), &[2.0, 0.0]);
    assert_eq!(h[(0, 1)], 0.5);
    assert_eq!(h[(1, 0)], 0.5);
}

/// `0^y` for `y > 0` is 0 on a neighbourhood of `y`, so ∂/∂y is 0, not `0 · ln 0 = NaN`.
#[test]
fn powf_of_zero_base_in_the_exponent() {
    let y = Dual::constant(0.0).powf(Dual::variable(2.0));
    assert_eq!((y.re(), y.eps()), (0.0, 0.0));
    let (_, g) = nngrad_core::gradient(|v| v[0].powf(v[1]), &[0.0, 2.0]);
    assert_eq!(g, vec![0.0, 0.0]);
}

/// Regression: atan2's partials were formed with `1/(x² + y²)`, which overflows to 0 or
/// underflows to ∞ far from 1 in scale.
#[test]
fn atan2_partials_at_extreme_scales() {
    for s in [1e-200, 1e-160, 1e160, 1e200, 1e300] {
        let (y, x) = (0.6 * s, 0.8 * s);
        let (_, g) = nngrad_core::gradient(|v| v[0].atan2(v[1]), &[y, x]);
        assert_close(&format!("∂y at scale {s:e}"), g[0], 0.8 / s, 1e-15);
        assert_close(&format!("∂x at scale {s:e}"), g[1], -0.6 / s, 1e-15);
    }
}

/// Third derivatives through two levels of nesting (`Dual<Dual<Dual<f64>>>`), where the rules'
/// own derivative formulas (tanh's two branches, sigmoid's) are differentiated twice.
#[test]
fn third_derivatives_through_double_nesting() {
    type D3 = Dual<Dual<Dual>>;
    fn third(f: fn(D3) -> D3, x: f64) -> f64 {
        let seed = Dual::new(Dual::variable(x), Dual::constant(1.0));
        let one = Dual::new(Dual::constant(1.0), Dual::constant(0.0));
        f(Dual::new(seed, one)).eps().eps().eps()
    }
    fn sech2(x: f64) -> f64 {
        1.0 / x.cosh() / x.cosh()
    }
    type Case3 = (&'static str, fn(D3) -> D3, fn(f64) -> f64);
    let cases: [Case3; 7] = [
        ("sin", |x| x.sin(), |x| -x.cos()),
        ("exp", |x| x.exp(), f64::exp),
        ("ln", |x| x.ln(), |x| 2.0 / (x * x * x)),
        ("sqrt", |x| x.sqrt(), |x| 0.375 / (x * x * x * x * x).sqrt()),
        (
            "atan",
            |x| x.atan(),
            |x| (6.0 * x * x - 2.0) / (1.0 + x * x).powi(3),
        ),
        (
            "tanh",
            |x| x.tanh(),
            |x| {
                let (t, s) = (x.tanh(), sech2(x));
                -2.0 * s * s + 4.0 * t * t * s
            },
        ),
        (
            "sigmoid",
            |x| x.sigmoid(),
            |x| {
                let s = 1.0 / (1.0 + (-x).exp());
                let p = s * (1.0 - s);
                p * (1.0 - 2.0 * s).powi(2) - 2.0 * p * p
            },
        ),
    ];
    for (name, f, want) in cases {
        for x in [0.3, 0.9, 1.0, 1.7, 3.2, 6.0] {
            assert_close(&format!("{name}''' at {x}"), third(f, x), want(x), 1e-11);
        }
    }
    for x in [-2.5, -1.0, 0.0, 0.5, 2.0] {
        let want = {
            let (t, s) = (x.tanh(), sech2(x));
            -2.0 * s * s + 4.0 * t * t * s
        };
        assert_close(
            &format!("tanh''' at {x}"),
            third(|x| x.tanh(), x),
            want,
            1e-11,
        );
        assert_close(
            &format!("atan''' at {x}"),
            third(|x| x.atan(), x),
            (6.0 * x * x - 2.0) / (1.0 + x * x).powi(3),
            1e-11,
        );
    }
}
