//! The numerically delicate places: activations far out (±1e3, ±1e300), zero tangents through
//! infinite local derivatives, kinks at the kink, and perturbation confusion.

mod common;
use common::assert_close;
use nngrad_core::{derivative, gradient, hessian, jvp, Dual, DualN, Scalar};

/// Value, first and second derivative of `f` at `x` via `Dual<Dual<f64>>`.
fn d012(f: fn(Dual<Dual>) -> Dual<Dual>, x: f64) -> (f64, f64, f64) {
    let y = f(Dual::new(Dual::variable(x), Dual::constant(1.0)));
    // The inner tangent differentiates the value's formula, the outer one applies the rule.
    assert_close(
        "inner vs outer first derivative",
        y.re().eps(),
        y.eps().re(),
        1e-13,
    );
    (y.re().re(), y.eps().re(), y.eps().eps())
}

macro_rules! activation_limits {
    ($($name:ident: |$x:ident| $body:expr =>
        [$($at:expr => ($v:expr, $d:expr, $dd:expr)),*];)*) => {$(
        #[test]
        fn $name() {
            fn g<S: Scalar>($x: S) -> S {
                $body
            }
            $(
                let at = $at;
                let (v, d, dd) = d012(g::<Dual<Dual>>, at);
                let name = stringify!($name);
                assert!(v.is_finite() && d.is_finite() && dd.is_finite(),
                    "{name} at {at:e}: ({v:e}, {d:e}, {dd:e}) not all finite");
                assert_close(&format!("{name} at {at:e}"), v, $v, 1e-13);
                assert_close(&format!("{name}' at {at:e}"), d, $d, 1e-13);
                assert_close(&format!("{name}'' at {at:e}"), dd, $dd, 1e-13);
                // Same through one lane of a multi-lane dual, other lanes untouched.
                let n = g(DualN::<f64, 4>::variable(at, 2));
                assert_eq!(n.eps(), [0.0, 0.0, d, 0.0], "{name} lanes at {at:e}");
                assert_eq!(g(Dual::constant(at)).eps(), 0.0, "{name} of a constant at {at:e}");
            )*
        }
    )*};
}

activation_limits! {
    tanh_far: |x| x.tanh() => [
        1e3 => (1.0, 0.0, 0.0), -1e3 => (-1.0, 0.0, 0.0),
        1e300 => (1.0, 0.0, 0.0), -1e300 => (-1.0, 0.0, 0.0)
    ];
    sigmoid_far: |x| x.sigmoid() => [
        1e3 => (1.0, 0.0, 0.0), -1e3 => (0.0, 0.0, 0.0),
        1e300 => (1.0, 0.0, 0.0), -1e300 => (0.0, 0.0, 0.0)
    ];
    softplus_far: |x| x.softplus() => [
        1e3 => (1e3, 1.0, 0.0), -1e3 => (0.0, 0.0, 0.0),
        1e300 => (1e300, 1.0, 0.0), -1e300 => (0.0, 0.0, 0.0)
    ];
    gelu_far: |x| x.gelu() => [
        1e3 => (1e3, 1.0, 0.0), -1e3 => (0.0, 0.0, 0.0),
        1e300 => (1e300, 1.0, 0.0), -1e300 => (0.0, 0.0, 0.0)
    ];
    gelu_tanh_far: |x| x.gelu_tanh() => [
        1e3 => (1e3, 1.0, 0.0), -1e3 => (0.0, 0.0, 0.0),
        1e300 => (1e300, 1.0, 0.0), -1e300 => (0.0, 0.0, 0.0)
    ];
    silu_far: |x| x.silu() => [
        1e3 => (1e3, 1.0, 0.0), -1e3 => (0.0, 0.0, 0.0),
        1e300 => (1e300, 1.0, 0.0), -1e300 => (0.0, 0.0, 0.0)
    ];
    elu_far: |x| x.elu(1.0) => [
        1e3 => (1e3, 1.0, 0.0), -1e3 => (-1.0, 0.0, 0.0),
        1e300 => (1e300, 1.0, 0.0), -1e300 => (-1.0, 0.0, 0.0)
    ];
    selu_far: |x| x.selu() => [
        1e300 => (1.0507009873554805e300, 1.0507009873554805, 0.0),
        -1e300 => (-1.0507009873554805 * 1.6732632423543772, 0.0, 0.0)
    ];
    softsign_far: |x| x.softsign() => [
        1e3 => (1e3 / 1001.0, 1.0 / 1001.0 / 1001.0, -2.0 / 1001.0f64.powi(3)),
        1e300 => (1.0, 1e-600, 0.0), -1e300 => (-1.0, 1e-600, 0.0)
    ];
    erf_far: |x| x.erf() => [
        1e3 => (1.0, 0.0, 0.0), -1e300 => (-1.0, 0.0, 0.0)
    ];
}

/// `d/dx [x + g(y)]` at a `y` where `g`'s local derivative is infinite but `y`'s tangent is
/// zero: the answer is `[1, 0]`, never NaN.
fn zero_tangent_case(name: &str, g: fn(DualN<f64, 8>) -> DualN<f64, 8>, y: f64, dy: f64) {
    let (_, grad) = gradient(|v| v[0] + g(v[1] * 0.0 + v[1] * v[1] + y), &[0.5, 0.0]);
    assert_eq!(grad[0], 1.0, "{name}: ∂x");
    assert_eq!(grad[1], dy, "{name}: ∂y");
    // Same with a single-lane dual along x only.
    let (_, d) = derivative(|x| x + g(DualN::constant(y)).re, 0.5);
    assert_eq!(d, 1.0, "{name}: derivative");
}

#[test]
fn zero_tangent_through_infinite_local_derivative() {
    // The example: d/dx [x + sqrt(y²)] at y = 0 is 1.
    let (_, g) = gradient(|v| v[0] + (v[1] * v[1]).sqrt(), &[3.0, 0.0]);
    assert_eq!(g, vec![1.0, 0.0]);
    let (_, jv) = jvp(
        |v| vec![v[0] + (v[1] * v[1]).sqrt()],
        &[3.0, 0.0],
        &[1.0, 1.0],
    );
    assert_eq!(jv, vec![1.0]);
    // Nested: the Hessian of x + sqrt(y²)·0 stays free of NaN too.
    let (_, _, h) = hessian(|v| v[0] * v[0] + (v[1] * v[1]).sqrt(), &[1.0, 0.0]);
    assert_eq!(h[(0, 0)], 2.0);
    assert_eq!(h[(0, 1)], 0.0);

    zero_tangent_case("sqrt", |u| u.sqrt(), 0.0, 0.0);
    zero_tangent_case("cbrt", |u| u.cbrt(), 0.0, 0.0);
    zero_tangent_case("powf", |u| u.powf(0.5), 0.0, 0.0);
    zero_tangent_case("powf(-1)", |u| u.powf(-1.0), 0.0, 0.0);
    zero_tangent_case("powi(-2)", |u| u.powi(-2), 0.0, 0.0);
    zero_tangent_case("ln", |u| u.ln(), 0.0, 0.0);
    zero_tangent_case("ln_1p", |u| u.ln_1p(), -1.0, 0.0);
    zero_tangent_case("log2", |u| u.log2(), 0.0, 0.0);
    zero_tangent_case("log10", |u| u.log10(), 0.0, 0.0);
    zero_tangent_case("log(3)", |u| u.log(3.0), 0.0, 0.0);
    zero_tangent_case("asin", |u| u.asin(), 1.0, 0.0);
    zero_tangent_case("asin(-1)", |u| (-u).asin(), 1.0, 0.0);
    zero_tangent_case("acos", |u| u.acos(), 1.0, 0.0);
    zero_tangent_case("atanh", |u| u.atanh(), 1.0, 0.0);
    zero_tangent_case("acosh", |u| u.acosh(), 1.0, 0.0);
    zero_tangent_case("recip", |u| u.recip(), 0.0, 0.0);
    zero_tangent_case("exp overflow", |u| u.exp(), 1e3, 0.0);
    zero_tangent_case("sinh overflow", |u| u.sinh(), 1e3, 0.0);
    zero_tangent_case("f64 / u", |u| 1.0 / u, 0.0, 0.0);
}

#[test]
fn constants_have_zero_derivatives_even_where_values_overflow() {
    // Regression: exp of a constant past overflow gave a NaN tangent (0 · ∞).
    assert_eq!(Dual::constant(1e3).exp().eps(), 0.0);
    assert_eq!(Dual::constant(1e3).cosh().eps(), 0.0);
    assert_eq!((1.0 / Dual::constant(0.0)).eps(), 0.0);
    assert_eq!(DualN::<f64, 3>::constant(0.0).ln().eps(), [0.0; 3]);
}

/// Kinks take the derivative of the branch the primal computation chose (crate docs, *Kinks*).
#[test]
fn kinks_at_the_kink() {
    let x = Dual::variable(0.0);
    assert_eq!(x.relu().eps(), 0.0, "relu'(0) = 0");
    assert_eq!(x.abs().eps(), 0.0, "abs'(0) = 0");
    assert_eq!(x.leaky_relu(0.2).eps(), 0.2, "leaky_relu'(0) = alpha");
    assert_eq!(x.max(0.0).eps(), 1.0, "max keeps self on a tie");
    assert_eq!(x.min(0.0).eps(), 1.0, "min keeps self on a tie");
    assert_eq!(
        Dual::constant(0.0).max(x).eps(),
        0.0,
        "max keeps self (a constant) on a tie"
    );

    // Both arguments varying: gradient of max(x, y) and min(x, y) at x = y.
    let (_, g) = gradient(|v| v[0].max(v[1]), &[1.0, 1.0]);
    assert_eq!(g, vec![1.0, 0.0]);
    let (_, g) = gradient(|v| v[1].max(v[0]), &[1.0, 1.0]);
    assert_eq!(g, vec![0.0, 1.0]);
    let (_, g) = gradient(|v| v[0].min(v[1]), &[1.0, 1.0]);
    assert_eq!(g, vec![1.0, 0.0]);
    // Off the tie, the larger (smaller) one's derivative.
    let (_, g) = gradient(|v| v[0].max(v[1]), &[1.0, 2.0]);
    assert_eq!(g, vec![0.0, 1.0]);
    let (_, g) = gradient(|v| v[0].min(v[1]), &[1.0, 2.0]);
    assert_eq!(g, vec![1.0, 0.0]);

    // clamp(x, lo, hi): x's derivative inside and at both closed ends, the bound's outside.
    let clamp_grad = |x: f64| gradient(|v| v[0].clamp(v[1], v[2]), &[x, -1.0, 1.0]).1;
    assert_eq!(clamp_grad(0.0), vec![1.0, 0.0, 0.0]);
    assert_eq!(clamp_grad(-1.0), vec![1.0, 0.0, 0.0]);
    assert_eq!(clamp_grad(1.0), vec![1.0, 0.0, 0.0]);
    assert_eq!(clamp_grad(-2.0), vec![0.0, 1.0, 0.0]);
    assert_eq!(clamp_grad(2.0), vec![0.0, 0.0, 1.0]);

    // hypot at the origin is |x| along an axis: both partials 0, as for abs.
    let (_, g) = gradient(|v| v[0].hypot(v[1]), &[0.0, 0.0]);
    assert_eq!(g, vec![0.0, 0.0]);
    let (_, g) = gradient(|v| v[0].hypot(v[1]), &[0.0, 2.0]);
    assert_eq!(g, vec![0.0, 1.0]);

    // The second derivative at a kink is that of the chosen branch: zero.
    let y = Dual::new(Dual::variable(0.0), Dual::constant(1.0)).relu();
    assert_eq!((y.re().eps(), y.eps().eps()), (0.0, 0.0));
    let y = Dual::new(Dual::variable(0.0), Dual::constant(1.0)).abs();
    assert_eq!((y.re().eps(), y.eps().eps()), (0.0, 0.0));

    // NaN is ignored as f64 does, taking the other argument's derivative.
    let nan = Dual::new(f64::NAN, 5.0);
    assert_eq!(nan.max(x).eps(), 1.0);
    assert_eq!(x.max(nan).eps(), 1.0);
    assert_eq!(nan.min(x).eps(), 1.0);
}

#[test]
#[should_panic(expected = "clamp: min > max")]
fn clamp_with_crossed_bounds_panics_like_f64() {
    let _ = Dual::variable(0.0).clamp(1.0, -1.0);
}

/// d/dx [x · d/dy (x + y)] = d/dx [x · 1] = 1 (Siskind and Pearlmutter's perturbation
/// confusion): the inner derivative's tangent must not leak into the outer one.
#[test]
fn no_perturbation_confusion() {
    let (v, d) = derivative(
        |x: Dual| {
            let (_, inner) = derivative(|y: Dual<Dual>| Dual::constant(x) + y, Dual::constant(1.0));
            x * inner
        },
        2.0,
    );
    assert_eq!((v, d), (2.0, 1.0));

    // A variant where confusion would show: d/dx [x · d/dy (x · y)] at y = 1 is 2x.
    let (v, d) = derivative(
        |x: Dual| {
            let (_, inner) = derivative(|y: Dual<Dual>| Dual::constant(x) * y, Dual::constant(1.0));
            x * inner
        },
        3.0,
    );
    assert_eq!((v, d), (9.0, 6.0));

    // Through the multi-lane helpers: gradient of a function that takes a gradient inside.
    let (_, g) = gradient(
        |v| {
            let x = v[0];
            let (_, inner) = gradient(
                |w| w[0] * DualN::constant(x) + w[0] * w[1],
                &[x, DualN::constant(1.0)],
            );
            x * inner[0]
        },
        &[3.0],
    );
    // f(x) = x · ∂/∂w₀ (w₀x + w₀w₁)|_{w=(x,1)} = x (x + 1), so f'(x) = 2x + 1.
    assert_eq!(g, vec![7.0]);
}

/// Regression: the rule for `powi` computed `n − 1`, which overflows (a panic in debug builds)
/// for `n = i32::MIN`.
#[test]
fn powi_at_the_most_negative_exponent() {
    let y = Dual::variable(1.0).powi(i32::MIN);
    assert_eq!((y.re(), y.eps()), (1.0, f64::from(i32::MIN)));
}

/// Comparisons look at primal values only, with `f64` on either side and through nesting.
#[test]
fn comparisons_compare_values() {
    let (a, b) = (Dual::new(1.0, 5.0), Dual::new(1.0, -3.0));
    assert!(a == b && a <= b && a >= b);
    // Both operand orders are different impls (`Dual: PartialOrd<f64>`, `f64: PartialOrd<Dual>`).
    assert!(a < 2.0);
    assert!(0.0 < a);
    assert!(a == 1.0);
    assert!(1.0 == a);
    assert!(Dual::new(0.5, 9.0) < a);
    let n = Dual::new(Dual::new(1.0, 2.0), Dual::new(3.0, 4.0));
    assert!(n == 1.0 && n < 1.5 && 0.5 < n);
    assert!(DualN::new(2.0, [1.0, 2.0]) > DualN::new(1.0, [5.0, 5.0]));
    assert_eq!(a.partial_cmp(&Dual::constant(f64::NAN)), None);
}

/// The kinks issue 15 left open: `atan2` at the origin, `relu(NaN)`, and `0·∞` in a product
/// of duals (crate docs, *Kinks* and *Infinite local derivatives*).
#[test]
fn atan2_at_the_origin_relu_of_nan_and_zero_times_infinity() {
    // atan2 at the origin: both partials 0 (hypot's rule there), not 0/0 = NaN; the value is
    // f64's, signed zeros included.
    for (y, x) in [(0.0, 0.0), (-0.0, 0.0), (0.0, -0.0), (-0.0, -0.0)] {
        let (v, g) = gradient(|v| v[0].atan2(v[1]), &[y, x]);
        assert_eq!(v.to_bits(), f64::atan2(y, x).to_bits(), "atan2({y}, {x})");
        assert_eq!(g, vec![0.0, 0.0], "partials of atan2 at ({y}, {x})");
    }
    // Off the origin, however close, the closed form x/h², −y/h².
    // At (y, x) = (1e-300, 2e-300), x² + y² = 5e-600 underflows but the partials are
    // x/(x² + y²) = 4e299 and −y/(x² + y²) = −2e299.
    let (_, g) = gradient(|v| v[0].atan2(v[1]), &[1e-300, 2e-300]);
    assert!(
        (g[0] / 4e299 - 1.0).abs() < 1e-15 && (g[1] / -2e299 - 1.0).abs() < 1e-15,
        "{g:?}"
    );
    let (y, x) = (3.0, -4.0);
    let (_, g) = gradient(|v| v[0].atan2(v[1]), &[y, x]);
    assert!((g[0] - x / 25.0).abs() < 1e-16 && (g[1] + y / 25.0).abs() < 1e-16);

    // relu(NaN): NaN with derivative 0, as leaky_relu keeps NaN (and as PyTorch and JAX do).
    let r = Dual::new(f64::NAN, 1.0).relu();
    assert!(r.re().is_nan());
    assert_eq!(r.eps(), 0.0);
    assert!(Scalar::relu(f64::NAN).is_nan());
    assert!(Dual::new(f64::NAN, 1.0).leaky_relu(0.1).re().is_nan());

    // 0·∞ in Dual × Dual: a zero tangent times an infinite value contributes 0, so
    // d/dy [2·y] at y = ∞ is 2 and d/dx [x·∞] is ∞ (not NaN from the other term).
    let two = Dual::constant(2.0);
    let inf = Dual::variable(f64::INFINITY);
    assert_eq!((two * inf).eps(), 2.0);
    assert_eq!((inf * two).eps(), 2.0);
    let p = Dual::variable(3.0) * Dual::constant(f64::INFINITY);
    assert_eq!((p.re(), p.eps()), (f64::INFINITY, f64::INFINITY));
    // The lanes of DualN take the same rule, lane by lane.
    let x = DualN::<f64, 2>::new(f64::INFINITY, [1.0, 0.0]);
    let c = DualN::<f64, 2>::new(2.0, [0.0, 1.0]);
    assert_eq!((x * c).eps(), [2.0, f64::INFINITY]);
    // Finite products are unchanged: the product rule to the bit.
    let (a, b) = (Dual::new(1.5, 0.25), Dual::new(-2.0, 3.0));
    assert_eq!(
        (a * b).eps().to_bits(),
        (0.25f64 * -2.0 + 3.0 * 1.5).to_bits()
    );
}
