//! Checks shared by the tangent-route tests (`tests/onnx_tangent_*.rs`).

use super::numeric::{rel_err, row_major, uniform};
use nngrad_core::onnx::Model;
use nngrad_core::{try_jacobian, try_jvp, Differentiable};
use std::sync::Mutex;

/// One case of [`check`]: its name in messages, the operator whose worst errors it adds to,
/// and which of the optional comparisons it takes.
pub struct Case<'a> {
    /// Names the case in failure messages.
    pub what: &'a str,
    /// The operator [`record`] files the case's errors under.
    pub op: &'a str,
    /// Compare with central differences too (off where `forward` is not smooth near the
    /// point, or where 4n evaluations of a large model would take too long).
    pub differences: bool,
    /// Largest relative error of the values against the generic evaluator.
    pub values: f64,
    /// The points batched with `x`; `None`: two uniform points of `x`'s length.
    pub others: Option<Vec<Vec<f64>>>,
    /// Require a Jacobian that is not all zero (off for a case whose Jacobian is zero by
    /// construction).
    pub nonzero: bool,
}

impl<'a> Case<'a> {
    /// Every comparison, values to 1e-12, batched with two uniform points.
    pub fn new(op: &'a str, what: &'a str) -> Self {
        Case {
            what,
            op,
            differences: true,
            values: 1e-12,
            others: None,
            nonzero: true,
        }
    }
}

/// Every check of a model on the route at `x`: it is on the route; its values, Jacobian and
/// J·v match the generic evaluator (dual numbers through `Model::eval`) to `case.values` and
/// 1e-12 of their max-norm; its Jacobian is finite and, unless the case says otherwise, not all zero (a zero
/// Jacobian tests nothing), and, when `case.differences`, within 1e-7 of Richardson central differences;
/// the forward pass and the JVP's values are the Jacobian's values bit for bit, and J·v is
/// the Jacobian times v; a batch of `x` and the other points gives each point's results bit
/// for bit. The errors go to [`record`] under `case.op`.
pub fn check(model: &Model, x: &[f64], case: Case) {
    let what = case.what;
    assert!(
        on_route(model),
        "{what}: not on the tangent route: {model:?}"
    );
    let mut w = Worst::default();
    let (y, j) = model.jacobian(x).unwrap();
    let jr = row_major(&j);
    let (yg, jg) = try_jacobian(|x| model.eval(x), x).unwrap();
    w.values = rel_err(&y, &yg);
    assert!(
        w.values <= case.values,
        "{what}: values vs generic {:e}",
        w.values
    );
    w.jacobian = rel_err(&jr, &row_major(&jg));
    assert!(w.jacobian <= 1e-12, "{what}: J vs generic {:e}", w.jacobian);
    assert!(jr.iter().all(|v| v.is_finite()), "{what}: J finite");
    assert!(
        !case.nonzero || jr.iter().any(|&v| v != 0.0),
        "{what}: a zero Jacobian tests nothing"
    );
    assert_eq!(
        bits(&model.forward(x).unwrap()),
        bits(&y),
        "{what}: forward"
    );
    if case.differences {
        w.differences = rel_err(&jr, &central_differences(model, x));
        assert!(
            w.differences <= 1e-7,
            "{what}: J vs central differences {:e}",
            w.differences
        );
    }
    let n = x.len();
    let v = uniform(n, 99, -1.0, 1.0);
    let (yv, jv) = model.jvp(x, &v).unwrap();
    assert_eq!(bits(&yv), bits(&y), "{what}: jvp values");
    let (_, jvg) = try_jvp(|x| model.eval(x), x, &v).unwrap();
    w.jvp = rel_err(&jv, &jvg);
    assert!(w.jvp <= 1e-12, "{what}: J·v vs generic {:e}", w.jvp);
    let jv_ref: Vec<f64> = (0..j.nrows())
        .map(|i| (0..n).map(|c| jr[i * n + c] * v[c]).sum())
        .collect();
    let e = rel_err(&jv, &jv_ref);
    assert!(e <= 1e-12, "{what}: J·v vs J {e:e}");
    let others = case
        .others
        .unwrap_or_else(|| vec![uniform(n, 7, -1.0, 1.0), uniform(n, 8, -2.0, 2.0)]);
    let mut xs = x.to_vec();
    for o in &others {
        xs.extend_from_slice(o);
    }
    let (ys, js) = model.jacobian_batch(&xs).unwrap();
    let m = y.len();
    for p in 0..=others.len() {
        let (yp, jp) = model.jacobian(&xs[p * n..(p + 1) * n]).unwrap();
        assert_eq!(
            bits(&ys[p * m..(p + 1) * m]),
            bits(&yp),
            "{what}: batch y {p}"
        );
        assert_eq!(
            bits(&js[p * m * n..(p + 1) * m * n]),
            bits(&row_major(&jp)),
            "{what}: batch J {p}"
        );
    }
    record(case.op, w);
}

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

/// The model's values and Jacobian at `x`, asserted equal bit for bit to the generic
/// evaluator's (dual numbers through `Model::eval`), for the steps that do the generic
/// operator's own arithmetic.
pub fn same_bits_as_generic(
    model: &Model,
    x: &[f64],
    what: &str,
) -> (Vec<f64>, nalgebra::DMatrix<f64>) {
    let (y, j) = model.jacobian(x).unwrap();
    let (yg, jg) = try_jacobian(|x| model.eval(x), x).unwrap();
    assert_eq!(bits(&y), bits(&yg), "{what}: values");
    assert_eq!(
        bits(&row_major(&j)),
        bits(&row_major(&jg)),
        "{what}: Jacobian"
    );
    (y, j)
}
