use nngrad_core::differentiable;

// Three problems in one fn: all are reported at once, each at its own tokens.
#[differentiable(wrt(y))]
const fn f(x: f64, #[lift] n: usize) -> f64 {
    x * n as f64
}

fn main() {
    let _ = f(1.0, 2);
}
