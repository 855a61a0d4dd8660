use nngrad_core::differentiable;

trait Forward {
    fn forward(&self, x: f64) -> f64;
}

struct Net;

#[differentiable]
impl Forward for Net {
    fn forward(&self, x: f64) -> f64 {
        x.tanh()
    }
}

fn main() {}
