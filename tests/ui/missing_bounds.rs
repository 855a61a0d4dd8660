use nngrad_core::{differentiable, Scalar};

#[differentiable]
fn scale(x: f64) -> f64 {
    x * 2.0
}

// A hand-written generic caller needs `#[scalar_bounds(T)]`.
fn caller<T: Scalar>(x: T) -> T {
    scale(x)
}

fn main() {}
