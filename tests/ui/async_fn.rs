use nngrad_core::differentiable;

#[differentiable]
async fn double(x: f64) -> f64 {
    x * 2.0
}

fn main() {}
