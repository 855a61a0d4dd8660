// Realistic whole programs, included twice like items.rs.

/// A shallow network as MATLAB's `fitnet` exports it:
/// `y = mapminmax_reverse(b2 + LW·tansig(b1 + IW·mapminmax(x)))`.
pub struct ShallowNet {
    pub xmin: Vec<f64>,
    pub xmax: Vec<f64>,
    pub ymin: f64,
    pub ymax: f64,
    pub iw: Vec<Vec<f64>>,
    pub b1: Vec<f64>,
    pub lw: Vec<Vec<f64>>,
    pub b2: Vec<f64>,
    pub out_min: Vec<f64>,
    pub out_max: Vec<f64>,
}

#[differentiable]
impl ShallowNet {
    pub fn demo() -> Self {
        ShallowNet {
            xmin: vec![-2.0, 0.0, 1.0],
            xmax: vec![2.0, 5.0, 3.0],
            ymin: -1.0,
            ymax: 1.0,
            iw: vec![
                vec![0.8, -0.4, 0.3],
                vec![-0.5, 0.9, 0.2],
                vec![0.1, 0.3, -0.7],
                vec![0.6, 0.2, 0.4],
            ],
            b1: vec![0.1, -0.2, 0.05, 0.3],
            lw: vec![vec![0.5, -0.6, 0.7, 0.2], vec![-0.3, 0.4, 0.1, 0.8]],
            b2: vec![0.05, -0.1],
            out_min: vec![0.0, -3.0],
            out_max: vec![10.0, 3.0],
        }
    }

    /// MATLAB's mapminmax: `(ymax - ymin) * (x - xmin) / (xmax - xmin) + ymin`.
    pub fn mapminmax(&self, x: &[f64]) -> Vec<f64> {
        let mut out = Vec::with_capacity(x.len());
        for i in 0..x.len() {
            let v = (self.ymax - self.ymin) * (x[i] - self.xmin[i]) / (self.xmax[i] - self.xmin[i])
                + self.ymin;
            out.push(v);
        }
        out
    }

    /// MATLAB's tansig: `2 / (1 + exp(-2n)) - 1`.
    pub fn tansig(&self, n: &[f64]) -> Vec<f64> {
        n.iter().map(|v| 2.0 / (1.0 + (-2.0 * v).exp()) - 1.0).collect()
    }

    pub fn forward(&self, x: &[f64]) -> Vec<f64> {
        let xn = self.mapminmax(x);
        let mut z = self.b1.clone();
        for (i, row) in self.iw.iter().enumerate() {
            for (w, v) in row.iter().zip(&xn) {
                z[i] += w * v;
            }
        }
        let a = self.tansig(&z);
        let mut y = Vec::new();
        for k in 0..self.lw.len() {
            let mut acc = self.b2[k];
            for j in 0..a.len() {
                acc += self.lw[k][j] * a[j];
            }
            // reverse mapminmax of the outputs
            let scaled = (acc - self.ymin) * (self.out_max[k] - self.out_min[k])
                / (self.ymax - self.ymin)
                + self.out_min[k];
            y.push(scaled);
        }
        y
    }
}

/// Damped pendulum `θ'' = -g/l·sin θ - c·θ'`, integrated with classic RK4 for `steps` steps;
/// returns (θ, ω) at the end. Differentiable in the initial state and in `c`.
#[differentiable]
pub fn ode_pendulum(theta0: f64, omega0: f64, c: f64, steps: usize) -> (f64, f64) {
    let g_over_l = 9.81 / 1.5;
    let dt = 0.01;
    let f = |th: f64, om: f64| (om, -g_over_l * th.sin() - c * om);
    let (mut th, mut om) = (theta0, omega0);
    for _ in 0..steps {
        let (k1a, k1b) = f(th, om);
        let (k2a, k2b) = f(th + 0.5 * dt * k1a, om + 0.5 * dt * k1b);
        let (k3a, k3b) = f(th + 0.5 * dt * k2a, om + 0.5 * dt * k2b);
        let (k4a, k4b) = f(th + dt * k3a, om + dt * k3b);
        th += dt / 6.0 * (k1a + 2.0 * k2a + 2.0 * k3a + k4a);
        om += dt / 6.0 * (k1b + 2.0 * k2b + 2.0 * k3b + k4b);
    }
    (th, om)
}

/// Softmax cross-entropy of logits against a class index, computed stably.
#[differentiable]
pub fn softmax_xent(logits: &[f64], class: usize) -> f64 {
    let m = logits.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
    let lse = m + logits.iter().map(|z| (z - m).exp()).sum::<f64>().ln();
    lse - logits[class]
}

/// Layer norm (with f64 gain and bias) followed by tanh-approximated GELU.
#[differentiable(wrt(x))]
pub fn layernorm_gelu(x: &[f64], gain: &[f64], bias: &[f64]) -> Vec<f64> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let inv = 1.0 / (var + 1e-5).sqrt();
    let mut out = vec![0.0; x.len()];
    for i in 0..x.len() {
        let y = (x[i] - mean) * inv * gain[i] + bias[i];
        let inner = (2.0 / PI).sqrt() * (y + 0.044715 * y * y * y);
        out[i] = 0.5 * y * (1.0 + inner.tanh());
    }
    out
}
