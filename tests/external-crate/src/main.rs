//! A MATLAB user's 3-5-2 shallow net (what `genFunction` writes: mapminmax on the inputs,
//! tansig hidden layer, linear output layer, mapminmax reversed on the outputs), ported by
//! hand to a struct of nalgebra weights, differentiated with nngrad, and checked against the
//! chain rule worked out by hand in plain `f64` nalgebra of this crate's own dependency.
//!
//! `cargo run` prints the Jacobian and the largest difference, and exits with status 1 when it
//! is above 1e-12 (or when the column-major copy below goes wrong).

use nalgebra::{DMatrix, DVector};
use nngrad_core::{differentiable, jacobian};
use std::process::ExitCode;

/// The weights as `genFunction` prints them, rows first (MATLAB's `IW1_1 = [a b c; d e f; …]`).
struct ShallowNet {
    // x1_step1: xoffset, gain (ymin = -1, written into mapminmax_apply)
    x_offset: DVector<f64>,
    x_gain: DVector<f64>,
    // Layer 1 and layer 2
    iw1: DMatrix<f64>,
    b1: DVector<f64>,
    lw2: DMatrix<f64>,
    b2: DVector<f64>,
    // y1_step1: gain, xoffset (ymin = -1)
    y_offset: DVector<f64>,
    y_gain: DVector<f64>,
}

#[differentiable]
impl ShallowNet {
    /// `mapminmax_apply`: `y = (x - xoffset) .* gain + ymin`, with `ymin = -1`. (An `f64`
    /// field as `add_scalar`'s argument is not converted by the macro; a literal is.)
    fn mapminmax_apply(&self, x: &DVector<f64>) -> DVector<f64> {
        (x - &self.x_offset)
            .component_mul(&self.x_gain)
            .add_scalar(-1.0)
    }

    /// `tansig_apply`: `a = 2 ./ (1 + exp(-2*n)) - 1`.
    fn tansig_apply(&self, n: DVector<f64>) -> DVector<f64> {
        n.map(|v| 2.0 / (1.0 + (-2.0 * v).exp()) - 1.0)
    }

    /// `mapminmax_reverse`: `x = (y - ymin) ./ gain + xoffset`, with `ymin = -1`.
    fn mapminmax_reverse(&self, y: DVector<f64>) -> DVector<f64> {
        y.add_scalar(1.0).component_div(&self.y_gain) + &self.y_offset
    }

    fn predict(&self, x: &DVector<f64>) -> DVector<f64> {
        let xp = self.mapminmax_apply(x);
        let a1 = self.tansig_apply(&self.iw1 * &xp + &self.b1);
        let a2 = &self.lw2 * &a1 + &self.b2;
        self.mapminmax_reverse(a2)
    }
}

fn net() -> ShallowNet {
    // Inputs in [xmin, xmax] = [-2, 2], [0, 10], [1, 5]: gain = 2 / (xmax - xmin).
    let (xmin, xmax) = ([-2.0, 0.0, 1.0], [2.0, 10.0, 5.0]);
    // Outputs in [-3, 3] and [100, 140].
    let (ymin, ymax) = ([-3.0, 100.0], [3.0, 140.0]);
    ShallowNet {
        x_offset: DVector::from_column_slice(&xmin),
        x_gain: DVector::from_fn(3, |i, _| 2.0 / (xmax[i] - xmin[i])),
        iw1: DMatrix::from_row_slice(
            5,
            3,
            &[
                0.81, -1.23, 0.44, //
                -0.37, 0.92, 1.58, //
                1.12, 0.05, -0.66, //
                -1.71, -0.48, 0.29, //
                0.63, 1.34, -1.05, //
            ],
        ),
        b1: DVector::from_column_slice(&[-1.6, 0.8, 0.1, -0.45, 1.9]),
        lw2: DMatrix::from_row_slice(
            2,
            5,
            &[
                0.52, -0.91, 1.27, 0.33, -0.74, //
                -1.18, 0.26, 0.61, -0.87, 1.42, //
            ],
        ),
        b2: DVector::from_column_slice(&[0.21, -0.34]),
        y_offset: DVector::from_column_slice(&ymin),
        y_gain: DVector::from_fn(2, |i, _| 2.0 / (ymax[i] - ymin[i])),
    }
}

/// The chain rule by hand, in this crate's own nalgebra:
/// `J = diag(1 ./ gy) · LW2 · diag(1 − a1.^2) · IW1 · diag(gx)`, with `a1` the hidden layer's
/// output at `x` (tansig' = 1 − tansig², and tansig is tanh).
fn hand_jacobian(net: &ShallowNet, x: &[f64]) -> DMatrix<f64> {
    let xp = DVector::from_fn(3, |i, _| (x[i] - net.x_offset[i]) * net.x_gain[i] - 1.0);
    let a1 = (&net.iw1 * xp + &net.b1).map(f64::tanh);
    DMatrix::from_diagonal(&net.y_gain.map(|g| 1.0 / g))
        * &net.lw2
        * DMatrix::from_diagonal(&a1.map(|a| 1.0 - a * a))
        * &net.iw1
        * DMatrix::from_diagonal(&net.x_gain)
}

/// Largest |my_matrix − J| over the points, with `J` from nngrad and `my_matrix` from the hand
/// chain rule: the subtraction compiles only if both are the same nalgebra type.
fn max_difference(points: &[[f64; 3]]) -> f64 {
    let net = net();
    let mut worst = 0.0_f64;
    for x in points {
        let (_, j) = jacobian(|x| net.predict(&DVector::from_column_slice(x)), x);
        let my_matrix: DMatrix<f64> = hand_jacobian(&net, x);
        let diff = my_matrix - j;
        worst = worst.max(diff.abs().max());
    }
    worst
}

/// Copying a Jacobian out as a flat slice and back: `as_slice()` is column-major, so it goes
/// back in with `from_column_slice`; `from_row_slice` would give a different matrix silently.
fn column_major_round_trip() -> bool {
    let net = net();
    let (_, j) = jacobian(
        |x| net.predict(&DVector::from_column_slice(x)),
        &[0.5, 3.0, 2.0],
    );
    let flat: Vec<f64> = j.as_slice().to_vec();
    assert_eq!(flat[1], j[(1, 0)], "as_slice() is column-major");
    let back = DMatrix::from_column_slice(j.nrows(), j.ncols(), &flat);
    let wrong = DMatrix::from_row_slice(j.nrows(), j.ncols(), &flat);
    back == j && wrong != j
}

const POINTS: [[f64; 3]; 4] = [
    [0.5, 3.0, 2.0],
    [-1.9, 9.5, 4.9],
    [0.0, 0.0, 1.0],
    [1.3, 6.2, 3.3],
];

fn main() -> ExitCode {
    let net = net();
    let x = POINTS[0];
    let (y, j) = jacobian(|x| net.predict(&DVector::from_column_slice(x)), &x);
    println!("y at x = {x:?}: {y:?}");
    println!("J (2 x 3) from nngrad:{j}");
    let worst = max_difference(&POINTS);
    println!(
        "max |my_matrix - J| over {} points: {worst:.3e}",
        POINTS.len()
    );
    let round_trip = column_major_round_trip();
    println!("as_slice() -> from_column_slice round trip: {round_trip}");
    if worst <= 1e-12 && round_trip {
        println!("newcomer-net: ok");
        ExitCode::SUCCESS
    } else {
        println!("newcomer-net: FAILED");
        ExitCode::FAILURE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jacobian_matches_the_hand_chain_rule() {
        let worst = max_difference(&POINTS);
        assert!(worst <= 1e-12, "max |my_matrix - J| = {worst:e}");
    }

    #[test]
    fn jacobian_is_not_trivially_small() {
        // The comparison above would pass for J = 0 if the hand rule were 0 too.
        let net = net();
        assert!(hand_jacobian(&net, &POINTS[0]).abs().max() > 0.1);
    }

    #[test]
    fn flat_copies_are_column_major() {
        assert!(column_major_round_trip());
    }

    #[test]
    fn outputs_match_plain_f64() {
        let net = net();
        let x = POINTS[1];
        let (y, _) = jacobian(|x| net.predict(&DVector::from_column_slice(x)), &x);
        let xp = DVector::from_fn(3, |i, _| (x[i] - net.x_offset[i]) * net.x_gain[i] - 1.0);
        let a1 = (&net.iw1 * xp + &net.b1).map(f64::tanh);
        let a2 = &net.lw2 * a1 + &net.b2;
        for i in 0..2 {
            let yi = (a2[i] + 1.0) / net.y_gain[i] + net.y_offset[i];
            assert!(
                (y[i] - yi).abs() <= 1e-12 * yi.abs().max(1.0),
                "{} vs {yi}",
                y[i]
            );
        }
    }
}
