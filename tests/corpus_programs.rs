//! The realistic programs of the corpus (tests/corpus/programs.rs), differentiated through
//! `#[differentiable]` and checked against derivatives worked out by hand: the chain rule of a
//! MATLAB shallow network, the variational equations of an ODE, the softmax cross-entropy
//! gradient, and the layer-norm + GELU Jacobian.

#[allow(clippy::all, clippy::pedantic, dead_code)]
mod ad {
    use nngrad_core::differentiable;
    use std::f64::consts::PI;
    include!("corpus/programs.rs");
}

use ad::*;
use nngrad_core::{gradient, jacobian, Dual};

fn assert_close(got: f64, want: f64, tol: f64, what: &str) {
    assert!(
        (got - want).abs() <= tol * want.abs().max(1.0),
        "{what}: got {got}, want {want}"
    );
}

#[test]
fn shallow_net_matches_hand_chain_rule() {
    let net = ShallowNet::demo();
    let x0 = [0.7, 2.3, 1.9];
    let (y, j) = jacobian(|x| net.forward(x), &x0);
    assert_eq!(y, net.forward(&x0));
    // Hand chain rule: J = diag(dout) · LW · diag(1 - a²) · IW · diag(din).
    let din: Vec<f64> = (0..3)
        .map(|i| (net.ymax - net.ymin) / (net.xmax[i] - net.xmin[i]))
        .collect();
    let xn: Vec<f64> = (0..3)
        .map(|i| {
            (net.ymax - net.ymin) * (x0[i] - net.xmin[i]) / (net.xmax[i] - net.xmin[i]) + net.ymin
        })
        .collect();
    let a: Vec<f64> = net
        .iw
        .iter()
        .zip(&net.b1)
        .map(|(row, b)| (b + row.iter().zip(&xn).map(|(w, v)| w * v).sum::<f64>()).tanh())
        .collect();
    for k in 0..2 {
        let dout = (net.out_max[k] - net.out_min[k]) / (net.ymax - net.ymin);
        for i in 0..3 {
            let s: f64 = (0..4)
                .map(|h| net.lw[k][h] * (1.0 - a[h] * a[h]) * net.iw[h][i])
                .sum();
            assert_close(j[(k, i)], dout * s * din[i], 1e-12, &format!("J[{k},{i}]"));
        }
    }
}

/// RK4 applied to the pendulum augmented with its variational equations: the sensitivity
/// part is exactly the derivative of the discrete RK4 map, worked out independently.
fn pendulum_sensitivities(th0: f64, om0: f64, c: f64, steps: usize) -> [[f64; 3]; 2] {
    let g = 9.81 / 1.5;
    let dt = 0.01;
    // state: th, om, then d(th, om)/d(th0, om0, c) as 2x3
    let f = |s: &[f64; 8]| -> [f64; 8] {
        let (th, om) = (s[0], s[1]);
        let mut d = [0.0; 8];
        d[0] = om;
        d[1] = -g * th.sin() - c * om;
        for p in 0..3 {
            let (sth, som) = (s[2 + p], s[5 + p]);
            d[2 + p] = som;
            d[5 + p] = -g * th.cos() * sth - c * som - if p == 2 { om } else { 0.0 };
        }
        d
    };
    let mut s = [th0, om0, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
    let axpy = |s: &[f64; 8], k: &[f64; 8], a: f64| {
        let mut o = *s;
        o.iter_mut().zip(k).for_each(|(o, k)| *o += a * k);
        o
    };
    for _ in 0..steps {
        let k1 = f(&s);
        let k2 = f(&axpy(&s, &k1, 0.5 * dt));
        let k3 = f(&axpy(&s, &k2, 0.5 * dt));
        let k4 = f(&axpy(&s, &k3, dt));
        for i in 0..8 {
            s[i] += dt / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
        }
    }
    [[s[2], s[3], s[4]], [s[5], s[6], s[7]]]
}

#[test]
fn ode_matches_variational_equations() {
    let (th0, om0, c) = (0.4, -0.2, 0.3);
    let want = pendulum_sensitivities(th0, om0, c, 300);
    let (_, j) = jacobian(
        |x| {
            let (a, b) = ode_pendulum(x[0], x[1], x[2], 300);
            [a, b]
        },
        &[th0, om0, c],
    );
    for r in 0..2 {
        for p in 0..3 {
            assert_close(
                j[(r, p)],
                want[r][p],
                1e-9,
                &format!("d state{r} / d param{p}"),
            );
        }
    }
}

#[test]
fn softmax_xent_gradient_is_softmax_minus_onehot() {
    let z = [0.7, -1.3, 2.1, 0.4];
    for class in 0..4 {
        let (v, g) = gradient(|x| softmax_xent(x, class), &z);
        let m = 2.1f64;
        let s: f64 = z.iter().map(|v| (v - m).exp()).sum();
        assert_close(v, m + s.ln() - z[class], 1e-15, "loss");
        for i in 0..4 {
            let p = (z[i] - m).exp() / s;
            let want = p - if i == class { 1.0 } else { 0.0 };
            assert_close(g[i], want, 1e-14, &format!("dL/dz{i}"));
        }
    }
}

#[test]
fn layernorm_gelu_matches_hand_jacobian() {
    let x = [0.7, -1.3, 2.1, 0.4];
    let gain = [1.0, 0.5, 2.0, -1.0];
    let bias = [0.1, 0.0, -0.2, 0.3];
    let n = 4.0;
    let mu = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / n;
    let inv = 1.0 / (var + 1e-5f64).sqrt();
    let k = (2.0 / std::f64::consts::PI).sqrt();
    for i in 0..4 {
        for jx in 0..4 {
            let xd: Vec<Dual> = (0..4)
                .map(|m| Dual::new(x[m], if m == jx { 1.0 } else { 0.0 }))
                .collect();
            let out = layernorm_gelu(&xd, &gain, &bias);
            let y = (x[i] - mu) * inv * gain[i] + bias[i];
            let u = k * (y + 0.044715 * y * y * y);
            let dgelu = 0.5 * (1.0 + u.tanh())
                + 0.5 * y * (1.0 - u.tanh().powi(2)) * k * (1.0 + 3.0 * 0.044715 * y * y);
            let delta = if i == jx { 1.0 } else { 0.0 };
            let dy = gain[i] * inv * (delta - 1.0 / n - (x[i] - mu) * (x[jx] - mu) * inv * inv / n);
            assert_close(
                out[i].eps(),
                dgelu * dy,
                1e-12,
                &format!("d out{i} / d x{jx}"),
            );
        }
    }
}
