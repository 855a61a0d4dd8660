use nngrad_core::differentiable;

trait Forward {
    #[differentiable]
    fn forward(&self, x: f64) -> f64;
}

fn main() {}
