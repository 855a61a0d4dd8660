use nngrad_core::{jacobian, DualN};

struct Net {
    w: Vec<f64>,
}

impl Net {
    // Written for f64, the attribute forgotten: the helper gets dual numbers in, f64 out.
    fn forward<S: nngrad_core::Scalar>(&self, x: &[S]) -> Vec<f64> {
        self.w.iter().zip(x).map(|(w, x)| w * x.value()).collect()
    }
}

fn main() {
    let net = Net { w: vec![1.0, 2.0] };
    let _ = jacobian(|x: &[DualN<f64, 8>]| net.forward(x), &[1.0, 2.0]);
}

// expect: E0277 16:13 `Vec<f64>` is not a result nngrad can differentiate with `DualN<f64, 8>` inputs
// expect: E0277 16:13 annotate the function with #[differentiable] (or make it generic over S: Scalar)
