//! A plain f64 network, made differentiable with one attribute.
//!
//! `cargo run --example differentiable`

use nngrad_core::{differentiable, gradient, jacobian};

/// Weights stay f64 (and are never copied): only the input becomes the generic scalar.
struct Net {
    w1: Vec<Vec<f64>>,
    b1: Vec<f64>,
    w2: Vec<Vec<f64>>,
    b2: Vec<f64>,
}

#[differentiable]
impl Net {
    fn new() -> Self {
        Net {
            w1: vec![vec![0.5, -0.3], vec![0.8, 0.2], vec![-0.6, 0.9]],
            b1: vec![0.1, -0.2, 0.05],
            w2: vec![vec![0.7, -0.4, 0.3], vec![-0.5, 0.6, 0.8]],
            b2: vec![0.0, 0.1],
        }
    }

    /// Unchanged f64 code: loops, accumulators from f64 data, literals, `f64` method calls.
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        let mut hidden = Vec::with_capacity(self.b1.len());
        for (row, b) in self.w1.iter().zip(&self.b1) {
            let mut acc = *b;
            for (w, xi) in row.iter().zip(x) {
                acc += w * xi;
            }
            hidden.push(acc.tanh());
        }
        let mut out = self.b2.clone();
        for (o, row) in out.iter_mut().zip(&self.w2) {
            *o += row.iter().zip(&hidden).map(|(w, h)| w * h).sum::<f64>();
        }
        out
    }
}

/// A loss in plain f64; `#[nograd]` keeps the target exactly as written.
#[differentiable]
fn mse(pred: &[f64], #[nograd] target: &[f64]) -> f64 {
    let n = pred.len() as f64;
    pred.iter()
        .zip(target)
        .map(|(p, t)| (p - t).powi(2))
        .sum::<f64>()
        / n
}

fn main() {
    let net = Net::new();
    let x0 = [0.3, -1.2];

    // Called with f64 it is the original code, bit for bit.
    let y = net.forward(&x0);
    println!("y = {y:?}");

    // Called through the helpers it gives exact derivatives.
    let (y2, j) = jacobian(|x| net.forward(x), &x0);
    assert_eq!(y, y2);
    println!("dy/dx =\n{j}");

    let target = [0.5, -0.5];
    let (loss, g) = gradient(|x| mse(&net.forward(x), &target), &x0);
    println!("loss = {loss:.6}, dloss/dx = {g:?}");
}
