use nngrad_core::differentiable;

struct Net {
    w: f64,
}

#[differentiable(wrt(x))]
impl Net {
    fn forward(&self, x: f64) -> f64 {
        self.w * x
    }
}

fn main() {}
