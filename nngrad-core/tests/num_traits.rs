//! num-traits on every dual type, nested ones included: code generic over
//! `T: num_traits::Float` takes duals and differentiates exactly.
//!
//! Only num-traits' traits are imported here (not `Scalar`), as concrete code should do.

use nngrad_core::{Dual, DualN};
use num_traits::{Float, FloatConst, FromPrimitive, Num, NumCast, One, Signed, ToPrimitive, Zero};

/// A function written against `Float` only: f(x) = x^2.5·e^{sin x} / (1 + x²) + atan2(x, 2).
fn f<T: Float>(x: T) -> T {
    let two = T::from(2.0).unwrap();
    x.powf(T::from(2.5).unwrap()) * x.sin().exp() / (T::one() + x.powi(2)) + x.atan2(two)
}

fn f_prime(x: f64) -> f64 {
    let g = x.powf(2.5) * x.sin().exp();
    let dg = g * (2.5 / x + x.cos());
    let h = 1.0 + x * x;
    (dg * h - g * 2.0 * x) / (h * h) + 2.0 / (x * x + 4.0)
}

#[test]
fn generic_float_code_takes_every_dual_type() {
    for x in [0.3, 1.0, 2.2, 4.7] {
        let want = f_prime(x);
        let d = f(Dual::variable(x));
        assert_eq!(d.re(), f(x));
        assert!(
            (d.eps() - want).abs() < 1e-13 * want.abs().max(1.0),
            "Dual at {x}"
        );

        let n = f(DualN::<f64, 4>::variable(x, 3));
        assert_eq!(n.re(), f(x));
        assert_eq!(n.eps()[..3], [0.0; 3]);
        assert!(
            (n.eps()[3] - want).abs() < 1e-13 * want.abs().max(1.0),
            "DualN at {x}"
        );

        // Second derivative by nesting, against a central difference of the exact f'.
        let h = 1e-5;
        let want2 = (f_prime(x + h) - f_prime(x - h)) / (2.0 * h);
        let y = f(Dual::new(Dual::variable(x), Dual::constant(1.0)));
        assert!((y.eps().re() - want).abs() < 1e-13 * want.abs().max(1.0));
        assert!(
            (y.eps().eps() - want2).abs() < 1e-7 * want2.abs().max(1.0),
            "Dual<Dual> at {x}: {} vs {want2}",
            y.eps().eps()
        );
    }
}

#[test]
fn float_methods_match_f64_in_value_and_differentiate() {
    type D = Dual<f64>;
    let x = D::variable(0.6);
    let v = 0.6f64;
    type Case = (fn(D) -> D, fn(f64) -> f64, f64);
    let unary: [Case; 12] = [
        (Float::sqrt, f64::sqrt, 0.5 / 0.6f64.sqrt()),
        (Float::exp, f64::exp, 0.6f64.exp()),
        (Float::ln, f64::ln, 1.0 / 0.6),
        (Float::sin, f64::sin, 0.6f64.cos()),
        (Float::tanh, f64::tanh, 1.0 / 0.6f64.cosh().powi(2)),
        (Float::asin, f64::asin, 1.0 / (1.0 - 0.36f64).sqrt()),
        (Float::recip, f64::recip, -1.0 / 0.36),
        (Float::cbrt, f64::cbrt, 1.0 / (3.0 * 0.6f64.cbrt().powi(2))),
        (Float::abs, f64::abs, 1.0),
        (Float::floor, f64::floor, 0.0),
        (
            Float::to_degrees,
            f64::to_degrees,
            180.0 / std::f64::consts::PI,
        ),
        (Float::exp_m1, f64::exp_m1, 0.6f64.exp()),
    ];
    for (i, (g, g64, d)) in unary.iter().enumerate() {
        let y = g(x);
        assert_eq!(y.re(), g64(v), "method {i}");
        assert!((y.eps() - d).abs() < 1e-15 * d.abs().max(1.0), "method {i}");
    }
    assert_eq!(Float::hypot(x, D::constant(0.8)).eps(), 0.6 / 1.0);
    assert_eq!(Float::powi(x, 3).eps(), 3.0 * 0.36);
    assert_eq!(Float::mul_add(x, D::constant(2.0), x).eps(), 3.0);
    assert_eq!(Float::log(x, D::constant(2.0)).re(), 0.6f64.log(2.0));
    let (s, c) = Float::sin_cos(x);
    assert_eq!((s.eps(), c.eps()), (0.6f64.cos(), -0.6f64.sin()));
    // Kinks as documented: max/min keep self on a tie, clamp keeps x at its ends.
    assert_eq!(Float::max(x, D::constant(0.6)).eps(), 1.0);
    assert_eq!(Float::min(D::constant(0.6), x).eps(), 0.0);
    assert_eq!(
        Float::clamp(x, D::constant(0.0), D::constant(0.6)).eps(),
        1.0
    );
    assert_eq!(Float::abs_sub(x, D::constant(1.0)).eps(), 0.0);
    assert_eq!(Float::abs_sub(x, D::constant(0.0)).eps(), 1.0);
    assert_eq!(Float::copysign(x, D::constant(-1.0)).eps(), -1.0);
}

#[test]
fn float_constants_and_classification() {
    type D = Dual<Dual<f64>>;
    assert!(D::nan().is_nan());
    assert_eq!(D::infinity().re().re(), f64::INFINITY);
    assert_eq!(D::neg_infinity().re().re(), f64::NEG_INFINITY);
    assert!(D::neg_zero().is_sign_negative());
    assert_eq!(D::epsilon().re().re(), f64::EPSILON);
    assert_eq!(D::max_value().re().re(), f64::MAX);
    assert_eq!(<D as Float>::min_value().re().re(), f64::MIN);
    assert_eq!(D::min_positive_value().re().re(), f64::MIN_POSITIVE);
    let x = D::new(Dual::new(1.5, 1.0), Dual::constant(1.0));
    assert_eq!(x.integer_decode(), 1.5f64.integer_decode());
    assert_eq!(x.classify(), std::num::FpCategory::Normal);
    assert!(<D as NumCast>::from(1e-310).unwrap().is_subnormal());
    assert!(x.is_normal() && x.is_finite() && !x.is_infinite());
    assert_eq!(D::PI().re().re(), std::f64::consts::PI);
    assert_eq!(D::TAU().re().re(), std::f64::consts::TAU);
    assert_eq!(D::LN_2().eps().eps(), 0.0);
    assert_eq!(<DualN<f64, 3> as FloatConst>::E().re(), std::f64::consts::E);
}

#[test]
fn conversions_use_the_value() {
    type D = DualN<f64, 2>;
    let x = D::new(2.75, [1.0, -1.0]);
    assert_eq!(x.to_i64(), Some(2));
    assert_eq!(x.to_u8(), Some(2));
    assert_eq!(x.to_f64(), Some(2.75));
    assert_eq!(D::new(-1.0, [0.0; 2]).to_u64(), None);
    let c: D = NumCast::from(7u32).unwrap();
    assert_eq!((c.re(), c.eps()), (7.0, [0.0; 2]));
    let c = <D as FromPrimitive>::from_i32(-3).unwrap();
    assert_eq!((c.re(), c.eps()), (-3.0, [0.0; 2]));
    let c = <Dual<Dual> as FromPrimitive>::from_f32(0.5).unwrap();
    assert_eq!(c.re().re(), 0.5);
    let p = <Dual as Num>::from_str_radix("1.5", 10).unwrap();
    assert_eq!((p.re(), p.eps()), (1.5, 0.0));
    assert!(<Dual as Num>::from_str_radix("x", 10).is_err());
    // Casting a dual to another type goes through its value.
    let back: f64 = NumCast::from(x).unwrap();
    assert_eq!(back, 2.75);
    assert!(Dual::<f64>::zero().is_zero() && !Dual::variable(0.0).is_zero());
    assert!(Dual::<f64>::one().re() == 1.0);
}

#[test]
fn signed() {
    let x = Dual::variable(-2.0);
    assert_eq!(Signed::abs(&x).eps(), -1.0);
    assert_eq!(Signed::signum(&x).re(), -1.0);
    assert_eq!(Signed::signum(&x).eps(), 0.0);
    assert!(x.is_negative() && !x.is_positive());
    assert_eq!(Signed::abs_sub(&x, &Dual::constant(-3.0)).eps(), 1.0);
    assert_eq!(Signed::abs_sub(&x, &Dual::constant(3.0)).eps(), 0.0);
}
