//! What a newcomer porting code by hand stumbled on (issue 16), each written as plain Rust
//! writes it and compiled unchanged under `#[differentiable]`: `None` in every position,
//! imported and same-module `f64` constants, `.sum()`/`.product()` without a turbofish,
//! associated helpers called as `Self::f(..)`, and the two forms of a `Differentiable` impl.

use std::f64::consts::PI;

use nalgebra::{dvector, DVector};
use nngrad_core::{derivative, differentiable, gradient, Differentiable, Dual};

const G: f64 = 9.81;
static HALF: f64 = 0.5;

#[differentiable]
fn quadratic_roots(a: f64, b: f64, c: f64) -> Option<(f64, f64)> {
    let disc = b * b - 4.0 * a * c;
    if disc < 0.0 {
        return None;
    }
    let s = disc.sqrt();
    Some(((-b + s) / (2.0 * a), (-b - s) / (2.0 * a)))
}

#[differentiable]
fn first_positive(x: &[f64]) -> Option<f64> {
    let idx: Option<usize> = if x[0] > 0.0 {
        Some(0)
    } else if x.len() > 1 && x[1] > 0.0 {
        Some(1)
    } else {
        None
    };
    let none_yet: Option<f64> = None;
    match idx {
        Some(i) => Some(x[i] * 2.0),
        _ if none_yet.is_some() => none_yet,
        _ => None,
    }
}

#[differentiable]
fn sign_or_none(x: f64) -> Option<f64> {
    if x == 0.0 {
        None
    } else {
        Some(x.signum() * x * x)
    }
}

#[test]
fn none_is_never_converted() {
    let (r1, r2) = quadratic_roots(
        Dual::constant(1.0),
        Dual::variable(-3.0),
        Dual::constant(2.0),
    )
    .unwrap();
    // roots 2 and 1; d r/d b = -r / (2 r a + b) = -r / sqrt(disc) · sign
    assert_eq!((r1.re(), r2.re()), (2.0, 1.0));
    assert_eq!((r1.eps(), r2.eps()), (-2.0, 1.0));
    assert!(quadratic_roots(1.0, 0.0, 1.0).is_none());
    assert_eq!(
        first_positive(&[Dual::constant(-1.0), Dual::variable(3.0)])
            .unwrap()
            .eps(),
        2.0
    );
    assert_eq!(first_positive(&[-1.0, -2.0]), None);
    assert_eq!(sign_or_none(0.0), None);
    assert_eq!(sign_or_none(Dual::variable(-2.0)).unwrap().eps(), 4.0);
}

#[differentiable]
fn simpson(f: impl Fn(f64) -> f64, a: f64, b: f64, n: usize) -> f64 {
    let h = (b - a) / n as f64;
    let mut acc = f(a) + f(b);
    for i in 1..n {
        let w = if i % 2 == 1 { 4.0 } else { 2.0 };
        acc += w * f(a + i as f64 * h);
    }
    acc * h / 3.0
}

#[differentiable]
fn integral_to_pi(k: f64) -> f64 {
    // `PI` imported at the top of the file; `G`, `HALF` are this module's f64 items.
    simpson(|t| (k * t).sin(), 0.0, PI, 200) + simpson(|t| t * k, 0.0, G, 10) * HALF
}

#[test]
fn imported_and_module_constants_behave_like_full_paths() {
    let (v, d) = derivative(integral_to_pi, 1.0);
    // ∫₀^π sin(kt) dt = (1 − cos kπ)/k; ∫₀^G kt dt = kG²/2
    let exact = |k: f64| (1.0 - (k * PI).cos()) / k + k * G * G / 2.0 * 0.5;
    assert!((v - exact(1.0)).abs() < 1e-7, "{v}");
    // d/dk at 1: (π sin π · 1 − (1 − cos π)) / 1 + G²/4
    let dexact = (PI * PI.sin() - (1.0 - PI.cos())) + G * G / 4.0;
    assert!((d - dexact).abs() < 1e-7, "{d} vs {dexact}");
}

#[differentiable]
fn sums_without_turbofish(x: &[f64]) -> Vec<f64> {
    let s = x.iter().sum();
    let p = x.iter().product();
    vec![s, p]
}

#[differentiable]
fn collected_tail(x: &[f64]) -> Vec<f64> {
    let v = x.iter().map(|v| v * 2.0).collect();
    v
}

#[test]
fn sum_and_product_are_inferred() {
    let x = [Dual::variable(2.0), Dual::constant(3.0)];
    let out = sums_without_turbofish(&x);
    assert_eq!((out[0].re(), out[0].eps()), (5.0, 1.0));
    assert_eq!((out[1].re(), out[1].eps()), (6.0, 3.0));
    assert_eq!(collected_tail(&[1.0, 2.0]), vec![2.0, 4.0]);
}

struct Net {
    w: Vec<f64>,
    b: DVector<f64>,
}

#[differentiable]
impl Net {
    /// A constructor: no `f64` in its result, so it is left as written.
    fn new(w: Vec<f64>, b: Vec<f64>) -> Self {
        Net {
            w,
            b: DVector::from_vec(b),
        }
    }

    /// An associated helper without `self`, called as `Self::tansig(..)`: made generic.
    fn tansig(n: DVector<f64>) -> DVector<f64> {
        n.map(|v| 2.0 / (1.0 + (-2.0 * v).exp()) - 1.0)
    }

    fn forward(&self, x: &[f64]) -> DVector<f64> {
        let n = DVector::from_iterator(x.len(), x.iter().zip(&self.w).map(|(x, w)| x * w));
        Self::tansig(n + &self.b)
    }
}

#[test]
fn associated_helpers_become_generic() {
    let net = Net::new(vec![2.0, -1.0], vec![0.1, 0.2]);
    let x = [Dual::variable(0.3), Dual::constant(0.4)];
    let y = net.forward(&x);
    let z: f64 = 2.0 * 0.3 + 0.1;
    assert!((y[0].re() - z.tanh()).abs() < 1e-15);
    assert!((y[0].eps() - 2.0 * (1.0 - z.tanh().powi(2))).abs() < 1e-14);
    assert_eq!(Net::tansig(dvector![0.0]), dvector![0.0]);
}

#[derive(Debug)]
struct Negative(f64);
impl std::fmt::Display for Negative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "negative input {}", self.0)
    }
}
impl std::error::Error for Negative {}

struct Spring {
    k: f64,
}

// The attribute on the whole `impl Differentiable` block: `eval` becomes the trait's generic
// method, the other items stay as the trait declares them.
#[differentiable]
impl Differentiable for Spring {
    type Error = Negative;
    fn input_len(&self) -> usize {
        2
    }
    fn output_len(&self) -> usize {
        1
    }
    fn eval(&self, x: &[f64]) -> Result<Vec<f64>, Negative> {
        if x[0] < 0.0 {
            return Err(Negative(x[0].value()));
        }
        Ok(vec![0.5 * self.k * x[0] * x[0] + x[1].sin()])
    }
}

struct Damper {
    c: f64,
}

// The attribute on `eval` alone.
impl Differentiable for Damper {
    type Error = Negative;
    fn input_len(&self) -> usize {
        1
    }
    fn output_len(&self) -> usize {
        1
    }
    #[differentiable]
    fn eval(&self, x: &[f64]) -> Result<Vec<f64>, Negative> {
        Ok(vec![self.c * x[0].powi(3)])
    }
}

/// Takes any model, as code written against the trait does.
fn slope<M: Differentiable>(m: &M, x: &[f64]) -> Result<f64, M::Error> {
    let (_, j) = m.jacobian(x)?;
    Ok(j[(0, 0)])
}

#[test]
fn both_forms_of_a_differentiable_impl() {
    let s = Spring { k: 3.0 };
    let (y, j) = s.jacobian(&[2.0, 0.5]).unwrap();
    assert_eq!(y, vec![6.0 + 0.5f64.sin()]);
    assert_eq!((j[(0, 0)], j[(0, 1)]), (6.0, 0.5f64.cos()));
    assert!(matches!(s.jacobian(&[-1.0, 0.0]), Err(Negative(v)) if v == -1.0));
    assert_eq!(slope(&Damper { c: 2.0 }, &[3.0]).unwrap(), 54.0);
    // the generic method is callable with any scalar
    let g = gradient(|x| Damper { c: 1.0 }.eval(x).unwrap()[0], &[2.0]).1;
    assert_eq!(g, vec![12.0]);
}
