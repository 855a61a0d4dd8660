use nngrad_core::differentiable;

type Real = f64;

#[differentiable]
fn f(x: Real, n: usize) -> Real {
    x * n as Real
}

fn main() {
    let _ = f(1.0, 2);
}
