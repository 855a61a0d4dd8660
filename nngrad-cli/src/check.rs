//! Central finite differences of any model: the independent check of its Jacobian.

use nngrad_core::{BatchError, Differentiable};

/// The step for input value `x`: scaled to the value (features range from 0.1 to 1000) and
/// near ε^(1/3), where the truncation (∝ h²) and rounding (∝ ε/h) errors of a central
/// difference balance.
///
/// ```
/// assert_eq!(nngrad_cli::check::step(0.5), 6e-6);
/// assert_eq!(nngrad_cli::check::step(-1000.0), 6e-3);
/// ```
pub fn step(x: f64) -> f64 {
    6e-6 * x.abs().max(1.0)
}

/// The `m×n` central-difference Jacobian at `x`, row-major: `(f(x + h eⱼ) − f(x − h eⱼ)) / 2h`
/// with `h` = [`step`]`(xⱼ)`. The `2n` evaluations run as one batch.
///
/// # Errors
/// The batch's: a perturbed point the model cannot evaluate.
///
/// ```
/// use nngrad_core::matlab::ShallowNet;
/// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = tansig_apply(IW1_1*x);")?;
/// let fd = nngrad_cli::check::central_difference(&net, &[0.0, 0.0]).unwrap();
/// assert!((fd[0] - 2.0).abs() < 1e-9 && (fd[1] - 3.0).abs() < 1e-9);
/// # Ok::<(), nngrad_core::matlab::Error>(())
/// ```
pub fn central_difference<M: Differentiable + Sync>(
    model: &M,
    x: &[f64],
) -> Result<Vec<f64>, BatchError<M::Error>> {
    let (n, m) = (x.len(), model.output_len());
    let mut xs = Vec::with_capacity(2 * n * n);
    for k in 0..n {
        for sign in [1.0, -1.0] {
            let mut p = x.to_vec();
            p[k] += sign * step(x[k]);
            xs.extend_from_slice(&p);
        }
    }
    let ys = model.forward_batch(&xs)?;
    let mut fd = vec![0.0; m * n];
    for k in 0..n {
        // The step actually taken, as the f64 sum rounded it.
        let h2 = (x[k] + step(x[k])) - (x[k] - step(x[k]));
        let (up, down) = (
            &ys[2 * k * m..(2 * k + 1) * m],
            &ys[(2 * k + 1) * m..(2 * k + 2) * m],
        );
        for i in 0..m {
            fd[i * n + k] = (up[i] - down[i]) / h2;
        }
    }
    Ok(fd)
}
