use nngrad_core::differentiable;

#[differentiable(wrt(x))]
fn f(x: f64, #[nograd] w: f64) -> f64 {
    x * w
}

fn main() {}
