//! Checks shared by the tangent-route tests (`tests/onnx_tangent_*.rs`).

use nngrad_core::onnx::Model;
use std::sync::Mutex;

/// Whether the model runs on the tangent route (its `Debug` says so).
pub fn on_route(model: &Model) -> bool {
    format!("{model:?}").contains("tangent_route: true")
}

/// The bits of each value, for exact comparisons.
pub fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Central differences of `forward` with steps h and h/2, Richardson-extrapolated: the
/// row-major `m×n` Jacobian.
pub fn central_differences(model: &Model, x: &[f64]) -> Vec<f64> {
    let (m, n) = (model.output_len(), x.len());
    let mut j = vec![0.0; m * n];
    let central = |c: usize, h: f64| {
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[c] += h;
        xm[c] -= h;
        let (yp, ym) = (model.forward(&xp).unwrap(), model.forward(&xm).unwrap());
        yp.iter()
            .zip(&ym)
            .map(|(a, b)| (a - b) / (2.0 * h))
            .collect::<Vec<_>>()
    };
    for c in 0..n {
        let h = 1e-4 * x[c].abs().max(1.0);
        let (d1, d2) = (central(c, h), central(c, h / 2.0));
        for i in 0..m {
            j[i * n + c] = (4.0 * d2[i] - d1[i]) / 3.0;
        }
    }
    j
}

/// The largest errors seen, per check, over all cases of a test binary (printed as they
/// grow, so a run shows the margins beside the tolerances).
#[derive(Default, Debug, Clone, Copy)]
pub struct Worst {
    pub values: f64,
    pub jacobian: f64,
    pub jvp: f64,
    pub differences: f64,
}

/// Each operator's worst errors so far in this test binary.
static WORST: Mutex<Vec<(String, Worst)>> = Mutex::new(Vec::new());

pub fn record(op: &str, w: Worst) {
    let mut all = WORST.lock().unwrap();
    let slot = match all.iter().position(|(o, _)| o == op) {
        Some(p) => &mut all[p].1,
        None => {
            all.push((op.to_string(), Worst::default()));
            &mut all.last_mut().unwrap().1
        }
    };
    slot.values = slot.values.max(w.values);
    slot.jacobian = slot.jacobian.max(w.jacobian);
    slot.jvp = slot.jvp.max(w.jvp);
    slot.differences = slot.differences.max(w.differences);
    eprintln!("max errors so far, {op}: {slot:?}");
}
