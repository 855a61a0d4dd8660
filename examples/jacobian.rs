//! Differentiates a small trained-style MLP (fixed weights) and prints its outputs, its
//! Jacobian, and the largest deviation from central finite differences.
//!
//! Run with `cargo run --release --example jacobian`.

use nngrad_core::{jacobian, Scalar};

const W1: [[f64; 3]; 4] = [
    [0.52, -0.31, 0.11],
    [-0.47, 0.25, 0.63],
    [0.08, 0.71, -0.29],
    [0.36, -0.55, 0.44],
];
const B1: [f64; 4] = [0.05, -0.12, 0.2, 0.0];
const W2: [[f64; 4]; 2] = [[0.9, -0.4, 0.3, 0.65], [-0.2, 0.75, -0.58, 0.1]];
const B2: [f64; 2] = [0.01, -0.03];

fn mlp<S: Scalar>(x: &[S]) -> Vec<S> {
    let hidden: Vec<S> = W1
        .iter()
        .zip(B1)
        .map(|(row, b)| (row.iter().zip(x).map(|(w, x)| *x * *w).sum::<S>() + b).tanh())
        .collect();
    W2.iter()
        .zip(B2)
        .map(|(row, b)| row.iter().zip(&hidden).map(|(w, h)| *h * *w).sum::<S>() + b)
        .collect()
}

fn main() {
    let x0 = [0.3, -0.7, 1.1];
    let (y, j) = jacobian(mlp, &x0);
    println!("input x = {x0:?}");
    println!("outputs y = {y:?}");
    println!("Jacobian dy/dx ({}x{}):", j.nrows(), j.ncols());
    for i in 0..j.nrows() {
        let row: Vec<String> = (0..j.ncols())
            .map(|k| format!("{:>12.8}", j[(i, k)]))
            .collect();
        println!("  y[{i}] {}", row.join(" "));
    }
    let mut worst = 0.0f64;
    for k in 0..x0.len() {
        let h = 1e-6 * x0[k].abs().max(1.0);
        let (mut xp, mut xm) = (x0, x0);
        xp[k] += h;
        xm[k] -= h;
        let (yp, ym) = (mlp(&xp), mlp(&xm));
        for i in 0..y.len() {
            worst = worst.max(((yp[i] - ym[i]) / (2.0 * h) - j[(i, k)]).abs());
        }
    }
    println!("largest |J - central finite difference| = {worst:.2e}");
}
