use nngrad_core::differentiable;

#[differentiable]
const fn double(x: f64) -> f64 {
    x * 2.0
}

fn main() {}
