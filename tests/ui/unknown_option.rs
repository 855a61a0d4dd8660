use nngrad_core::differentiable;

#[differentiable(wrt(x), fast = true)]
fn f(x: f64) -> f64 {
    x
}

fn main() {}
