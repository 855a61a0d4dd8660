use nngrad_core::differentiable;

#[differentiable]
fn f<S: Copy>(x: f64, tag: S) -> (f64, S) {
    (x, tag)
}

fn main() {}
