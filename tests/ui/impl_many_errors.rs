use nngrad_core::differentiable;

struct Net {
    w: f64,
}

// Every method's errors are reported, not only the first method's.
#[differentiable]
impl Net {
    async fn forward(&self, x: f64) -> f64 {
        self.w * x
    }
    #[differentiable(wrt(z))]
    fn backward(&self, x: f64) -> f64 {
        self.w - x
    }
    // nothing to differentiate and not marked: left as written, no error
    const fn len(&self) -> usize {
        1
    }
}

fn main() {
    let n = Net { w: 1.0 };
    let _ = (n.backward(2.0), n.len());
}
