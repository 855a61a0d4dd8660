//! Comparison helpers shared by the integration tests.
#![allow(dead_code)]

/// `a ≈ b` to relative tolerance `tol` (with a tiny absolute floor), where two NaNs or two
/// equal infinities also count as equal.
pub fn close(a: f64, b: f64, tol: f64) -> bool {
    if a.is_nan() || b.is_nan() {
        return a.is_nan() && b.is_nan();
    }
    if a.is_infinite() || b.is_infinite() {
        return a == b;
    }
    (a - b).abs() <= tol * a.abs().max(b.abs()) + 1e-300
}

/// Panics with a readable message unless `close(got, want, tol)`.
#[track_caller]
pub fn assert_close(what: &str, got: f64, want: f64, tol: f64) {
    assert!(
        close(got, want, tol),
        "{what}: got {got:e}, want {want:e} (rel. error {:e}, tol {tol:e})",
        ((got - want) / want).abs()
    );
}

/// Bit equality, with every NaN equal to every NaN.
#[track_caller]
pub fn assert_bits(what: &str, got: f64, want: f64) {
    assert!(
        got.to_bits() == want.to_bits() || (got.is_nan() && want.is_nan()),
        "{what}: got {got:e}, want bit-equal {want:e}"
    );
}

/// `n` evenly spaced points from `a` to `b`, both included.
pub fn lin(a: f64, b: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| a + (b - a) * i as f64 / (n - 1) as f64)
        .collect()
}

/// Central finite difference of `f` at `x` with step `h`.
pub fn central(f: impl Fn(f64) -> f64, x: f64, h: f64) -> f64 {
    (f(x + h) - f(x - h)) / (2.0 * h)
}
