//! Options and escape hatches of `#[differentiable]` that the twice-compiled corpus cannot
//! show: `#[scalar_bounds]` callers, `scalar = T`, `crate = path`, per-method attributes and
//! `#[nograd]` methods inside an impl block.

use nngrad_core::{derivative, differentiable, scalar_bounds, Dual, Scalar};

#[differentiable(wrt(x))]
fn affine(x: f64, w: f64, b: f64) -> f64 {
    w * x + b
}

/// Hand-written generic code calling a differentiable fn.
#[scalar_bounds(T)]
fn caller<T: Scalar>(x: T) -> T {
    affine(x, 3.0, 1.0) * 2.0 + T::cst(0.5)
}

#[scalar_bounds(T)]
fn caller_no_bound<T>(x: T) -> T {
    affine(x, -1.0, 0.0)
}

#[test]
fn scalar_bounds_lets_generic_code_call_differentiable_fns() {
    assert_eq!(caller(2.0), (3.0 * 2.0 + 1.0) * 2.0 + 0.5);
    assert_eq!(caller(Dual::variable(2.0)).eps(), 6.0);
    assert_eq!(caller_no_bound(Dual::variable(2.0)).eps(), -1.0);
}

#[differentiable(scalar = Real)]
fn named<S: Copy>(x: f64, tag: S) -> (f64, S) {
    let y: f64 = x * x;
    (y, tag)
}

#[test]
fn scalar_option_renames_the_generic() {
    let (y, t) = named(Dual::variable(3.0), 'a');
    assert_eq!((y.re(), y.eps(), t), (9.0, 6.0, 'a'));
}

mod facade {
    pub use nngrad_core as core2;
}

#[differentiable(crate = crate::facade::core2)]
fn through_facade(x: f64) -> f64 {
    x.sin() * 2.0
}

#[differentiable(crate = "crate::facade::core2")]
fn through_facade_str(x: f64) -> f64 {
    x.cos()
}

#[test]
fn crate_option_takes_a_path_or_a_string() {
    assert_eq!(derivative(through_facade, 0.0).1, 2.0);
    assert_eq!(derivative(through_facade_str, 0.0).1, 0.0);
}

struct Model {
    w: Vec<f64>,
    b: f64,
}

#[differentiable]
impl Model {
    fn new() -> Self {
        Model {
            w: vec![0.5, -2.0],
            b: 0.25,
        }
    }
    fn score(&self, x: &[f64]) -> f64 {
        self.w.iter().zip(x).map(|(w, x)| w * x).sum::<f64>() + self.b
    }
    #[differentiable(wrt(x))]
    fn scaled(&self, x: &[f64], k: f64) -> f64 {
        self.score(x) * k
    }
    /// Kept as plain f64 code.
    #[nograd]
    fn bias_f64(&self, extra: f64) -> f64 {
        self.b + extra
    }
    fn count(&self) -> usize {
        self.w.len()
    }
}

#[test]
fn impl_block_methods() {
    let m = Model::new();
    let x = [Dual::variable(1.0), Dual::constant(2.0)];
    assert_eq!(m.score(&x).eps(), 0.5);
    assert_eq!(m.scaled(&x, 3.0).eps(), 1.5);
    let plain: f64 = m.bias_f64(1.0);
    assert_eq!(plain, 1.25);
    assert_eq!(m.count(), 2);
}

#[differentiable]
fn with_nested_helper(x: f64) -> f64 {
    // Nested items stay plain f64 code.
    fn table(i: usize) -> f64 {
        [0.5, 1.5][i]
    }
    x * table(1)
}

#[test]
fn nested_items_are_left_alone() {
    assert_eq!(with_nested_helper(Dual::variable(2.0)).eps(), 1.5);
}

#[differentiable]
fn impl_fn_param(x: f64, act: impl Fn(f64) -> f64) -> f64 {
    act(x) * 2.0
}

#[test]
fn fn_parameters_become_generic_too() {
    let d = impl_fn_param(Dual::variable(0.5), |v| v * v);
    assert_eq!((d.re(), d.eps()), (0.5, 2.0));
    assert_eq!(impl_fn_param(0.5, |v| v * v), 0.5);
}

#[differentiable]
fn rosenbrock(x: &[f64]) -> f64 {
    let a = 1.0;
    (a - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2)
}

#[test]
fn second_order_through_nested_duals() {
    // Closed form at (1, 2): grad = (-400, 200), H = [[402, -400], [-400, 200]].
    let (v, g, h) = nngrad_core::hessian(rosenbrock, &[1.0, 2.0]);
    assert_eq!(v, 100.0);
    assert_eq!(g, vec![-400.0, 200.0]);
    assert_eq!(h, nalgebra::dmatrix![402.0, -400.0; -400.0, 200.0]);
}

/// Every promotion position in code that is not under `#[allow(clippy::..)]`: the generated
/// wrappers must not trip clippy in user crates (this file is linted with `-D warnings`).
#[differentiable(wrt(x))]
fn lint_clean(x: &[f64], b: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; x.len()];
    let mut best = b[0];
    for i in 0..x.len() {
        out[i] = b[i];
        out[i] += x[i] * 2.0;
        if x[i] > best {
            best = x[i];
        }
    }
    let m = b.iter().map(|v| v.max(x[0])).fold(f64::MIN, f64::max);
    out.push(best.max(m) + (x.len() as f64).sqrt() + f64::from(2u8) - (x[0] as i64) as f64);
    out
}

#[test]
fn lint_clean_values() {
    let y = lint_clean(&[1.5, -0.5], &[0.25, 0.75]);
    assert_eq!(y[..2], [0.25 + 3.0, 0.75 - 1.0]);
    let d = lint_clean(&[Dual::variable(1.5), Dual::constant(-0.5)], &[0.25, 0.75]);
    assert_eq!(d[0].eps(), 2.0);
    // best = x[0] and m = max(b, x[0]) = x[0]: both follow x[0]
    assert_eq!(d[2].eps(), 1.0);
}
