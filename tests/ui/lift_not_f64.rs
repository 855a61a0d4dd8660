use nngrad_core::differentiable;

#[differentiable(wrt(x))]
fn f(x: f64, #[lift] n: usize) -> f64 {
    x * n as f64
}

fn main() {}
