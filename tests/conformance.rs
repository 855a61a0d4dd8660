//! The ONNX project's operator conformance cases (../shared/onnx-conformance, 533 cases, and
//! ../shared/onnx-conformance-2, 365 cases, converted to one runtime input): every output of
//! every case against its expected values, and the derivatives of every float output against
//! central differences of `forward`.
//!
//! Strict rules: every case of both folders must be found (a missing or extra case fails the
//! run); a non-finite tangent where the output is finite fails its case unless the case is in
//! [`EXPECTED_DEVIATIONS`] with the reason; the finite-difference tolerance is capped at
//! [`FD_TOL_CAP`] and printed.
//!
//! A plain binary (`harness = false`) so that its per-case lines and the closing
//! `conformance: P passed, F failed` always print; it exits non-zero if anything failed.
//! `CONFORMANCE_FILTER=substring` runs a subset (then the case count is not checked);
//! `NNGRAD_SHARED=dir` points at another shared folder.

mod common;

use nngrad_core::onnx::{Error, Model};
use serde_json::Value as Json;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

/// The case folders and how many cases each must hold.
const FOLDERS: &[(&str, usize)] = &[("onnx-conformance", 533), ("onnx-conformance-2", 365)];

/// The relative tolerance of J·v against Richardson-extrapolated central differences:
/// `FD_TOL + 2·(the differences' own error estimate)`, never more than `FD_TOL_CAP`.
const FD_TOL: f64 = 1e-5;
/// The cap on the finite-difference tolerance (relative to max |J·v|).
const FD_TOL_CAP: f64 = 1e-4;

/// Cases whose derivative may be non-finite where the output is finite, and why: the
/// ONNX case name (folder name) and the justification.
const EXPECTED_DEVIATIONS: &[(&str, &str)] = &[(
    "onnx-node__test_acosh_example",
    "acosh(1) = 0 is finite but acosh'(x) = 1/sqrt(x²−1) is infinite at x = 1: the infinite \
     tangent is the true one-sided derivative at the end of the domain",
)];

fn num(v: &Json) -> f64 {
    match v {
        Json::Number(n) => n.as_f64().unwrap(),
        Json::Bool(b) => f64::from(u8::from(*b)),
        Json::String(s) => match s.as_str() {
            "NaN" => f64::NAN,
            "Infinity" => f64::INFINITY,
            "-Infinity" => f64::NEG_INFINITY,
            other => panic!("unexpected value {other:?}"),
        },
        other => panic!("unexpected value {other}"),
    }
}

fn nums(v: &Json) -> Vec<f64> {
    v.as_array().unwrap().iter().map(num).collect()
}

/// Index and description of the worst mismatching element, if any.
fn compare(got: &[f64], want: &[f64], rtol: f64, atol: f64, exact: bool) -> Option<String> {
    if got.len() != want.len() {
        return Some(format!("{} values, expected {}", got.len(), want.len()));
    }
    let mut worst: Option<(f64, usize)> = None;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let bad = if w.is_nan() {
            !g.is_nan()
        } else if w.is_infinite() || exact {
            g != w
        } else {
            (g - w).is_nan() || (g - w).abs() > atol + rtol * w.abs()
        };
        if bad {
            let excess = if g.is_finite() && w.is_finite() {
                (g - w).abs() - atol - rtol * w.abs()
            } else {
                f64::INFINITY
            };
            if worst.is_none_or(|(e, _)| excess > e) {
                worst = Some((excess, i));
            }
        }
    }
    worst.map(|(_, i)| format!("element {i}: got {}, expected {}", got[i], want[i]))
}

enum Deriv {
    Checked,
    Skipped(String),
    Failed(String),
}

/// Deterministic pseudo-random direction in [-1, 1]ⁿ.
fn direction(n: usize, seed: u64) -> Vec<f64> {
    common::numeric::uniform(n, seed, -1.0, 1.0)
}

/// J·v against Richardson-extrapolated central differences of forward along v. The step
/// shrinks (1e-4, then 1e-6, relative to max |x|) until differences at h and h/2 agree; if
/// they never do, or one-sided differences disagree (a kink exactly at x), the input is not
/// a smooth point and the check is skipped with that reason. The tolerance is `FD_TOL`
/// relative plus twice the differences' own error estimate |D(h) − D(h/2)|, capped at
/// `FD_TOL_CAP`. A non-finite tangent of a finite output fails.
fn check_derivative(model: &Model, x: &[f64]) -> Deriv {
    if model.output_is_integer() {
        return match model.jacobian(x) {
            Err(Error::NotDifferentiable { .. }) => Deriv::Checked,
            Err(e) => Deriv::Failed(format!(
                "integer output: expected NotDifferentiable, got {e}"
            )),
            Ok(_) => Deriv::Failed("integer output: jacobian returned Ok".into()),
        };
    }
    // the run's own length: an output shaped at run time has no fixed `output_len`
    let m = match model.forward(x) {
        Ok(y) => y.len(),
        Err(e) => return Deriv::Failed(format!("forward: {e}")),
    };
    if model.output_is_dynamic() && model.output_len() != 0 {
        return Deriv::Failed("a dynamic output reports a fixed output_len".into());
    }
    if x.is_empty() || m == 0 {
        return Deriv::Skipped("empty input or output".into());
    }
    if x.iter().any(|v| !v.is_finite()) {
        return Deriv::Skipped("the input holds NaN or infinity".into());
    }
    let scale = x.iter().fold(1f64, |m, v| m.max(v.abs()));
    // the full Jacobian where it is small enough: its rows times v must give jvp's J·v
    let jac = (x.len() <= 512 && x.len() * m <= 200_000).then(|| model.jacobian(x));
    if let Some(Err(e)) = &jac {
        return Deriv::Failed(format!("jacobian: {e}"));
    }
    for seed in 0..2u64 {
        let v = direction(x.len(), seed + 1);
        let (y, jv) = match model.jvp(x, &v) {
            Ok(r) => r,
            Err(e) => return Deriv::Failed(format!("jvp: {e}")),
        };
        if let Some(Ok((yj, j))) = &jac {
            let jv2: Vec<f64> = (0..j.nrows())
                .map(|i| (0..j.ncols()).map(|k| j[(i, k)] * v[k]).sum())
                .collect();
            let mag = jv.iter().fold(1e-300f64, |m, v| m.max(v.abs()));
            let same_y = yj
                .iter()
                .zip(&y)
                .all(|(a, b)| a == b || (a.is_nan() && b.is_nan()));
            let d = jv
                .iter()
                .zip(&jv2)
                .fold(0f64, |m, (a, b)| m.max((a - b).abs()));
            if !same_y || d > 1e-12 * mag * x.len() as f64 {
                return Deriv::Failed(format!(
                    "jacobian and jvp disagree: J·v differs by {:.1e} relative",
                    d / mag
                ));
            }
        }
        if let Some(i) = (0..y.len()).find(|&i| y[i].is_finite() && !jv[i].is_finite()) {
            return Deriv::Failed(format!(
                "output {i} is finite ({}) but its tangent is {}",
                y[i], jv[i]
            ));
        }
        if y.iter().any(|v| !v.is_finite()) {
            return Deriv::Skipped("the output is not finite at this input".into());
        }
        let at = |t: f64| -> Vec<f64> {
            let xt: Vec<f64> = x.iter().zip(&v).map(|(a, b)| a + t * b).collect();
            model.forward(&xt).unwrap()
        };
        let central = |h: f64| -> Vec<f64> {
            at(h)
                .iter()
                .zip(&at(-h))
                .map(|(a, b)| (a - b) / (2.0 * h))
                .collect()
        };
        let maxdiff =
            |a: &[f64], b: &[f64]| a.iter().zip(b).fold(0f64, |m, (p, q)| m.max((p - q).abs()));
        let mut verdict = None;
        for h in [1e-4 * scale, 1e-6 * scale] {
            let (d1, d2) = (central(h), central(h / 2.0));
            let mag = d1.iter().chain(&jv).fold(1e-8f64, |m, v| m.max(v.abs()));
            let fd_err = maxdiff(&d1, &d2) / mag;
            // forward minus backward differences: O(h) where smooth, O(1) at a kink
            let sided_at = |h: f64| {
                let fwd: Vec<f64> = at(h).iter().zip(&y).map(|(a, b)| (a - b) / h).collect();
                let bwd: Vec<f64> = y.iter().zip(&at(-h)).map(|(a, b)| (a - b) / h).collect();
                maxdiff(&fwd, &bwd) / mag
            };
            let (s1, s2) = (sided_at(h), sided_at(h / 2.0));
            let sided = if s2 > 0.75 * s1 { s1 } else { 0.0 };
            if fd_err > 1e-3 {
                verdict = Some(format!("differences at h and h/2 disagree by {fd_err:.1e}"));
                continue;
            }
            if sided > 1e-2 {
                verdict = Some(format!(
                    "one-sided differences disagree by {sided:.1e} (a kink or a max tie at x)"
                ));
                break;
            }
            let rich: Vec<f64> = d1
                .iter()
                .zip(&d2)
                .map(|(a, b)| (4.0 * b - a) / 3.0)
                .collect();
            let err = maxdiff(&rich, &jv) / mag;
            if err > (FD_TOL + 2.0 * fd_err).min(FD_TOL_CAP) {
                return Deriv::Failed(format!(
                    "J·v differs from central differences by {err:.2e} (relative to max |J·v|; differences' own error {fd_err:.1e})"
                ));
            }
            verdict = None;
            break;
        }
        if let Some(why) = verdict {
            return Deriv::Skipped(format!("not smooth at this input: {why}"));
        }
    }
    Deriv::Checked
}

fn run_case(dir: &std::path::Path) -> Result<Vec<(String, Deriv)>, String> {
    let case: Json = serde_json::from_str(
        &std::fs::read_to_string(dir.join("case.json")).map_err(|e| format!("case.json: {e}"))?,
    )
    .map_err(|e| format!("case.json: {e}"))?;
    let model = Model::load(dir.join("model.onnx")).map_err(|e| format!("load: {e}"))?;
    let tol = &case["tolerance"];
    let (rtol, atol) = (tol["rtol"].as_f64().unwrap(), tol["atol"].as_f64().unwrap());
    let mut derivs = Vec::new();
    for ds in case["data_sets"].as_array().unwrap() {
        let x = nums(&ds["input"]);
        for (name, out) in ds["outputs"].as_object().unwrap() {
            let m = model
                .with_output(name)
                .map_err(|e| format!("output {name}: {e}"))?;
            let y = m.forward(&x).map_err(|e| format!("output {name}: {e}"))?;
            let dtype = out["dtype"].as_str().unwrap();
            let exact = !dtype.starts_with("float");
            if let Some(msg) = compare(&y, &nums(&out["data"]), rtol, atol, exact) {
                return Err(format!("output {name} ({dtype}): mismatch at {msg}"));
            }
            derivs.push((name.clone(), check_derivative(&m, &x)));
        }
    }
    Ok(derivs)
}

fn main() {
    let shared = common::shared_dir();
    let filter = std::env::var("CONFORMANCE_FILTER").unwrap_or_default();
    let mut dirs: Vec<PathBuf> = Vec::new();
    let mut missing = Vec::new();
    for &(folder, expected) in FOLDERS {
        let root = shared.join(folder);
        let Ok(entries) = std::fs::read_dir(&root) else {
            missing.push(format!("{} is absent", root.display()));
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("case.json").exists())
            .collect();
        if found.len() != expected {
            missing.push(format!(
                "{} holds {} cases, expected {expected}",
                root.display(),
                found.len()
            ));
        }
        found.retain(|p| p.to_string_lossy().contains(&filter));
        found.sort();
        println!("{folder}: {} cases", found.len());
        dirs.extend(found);
    }
    println!(
        "finite-difference tolerance: {FD_TOL:.0e} relative + 2 × the differences' own error, capped at {FD_TOL_CAP:.0e}"
    );
    for (case, why) in EXPECTED_DEVIATIONS {
        println!("expected deviation {case}: {why}");
    }
    let (mut passed, mut failed) = (0, 0);
    let (mut d_checked, mut d_skipped, mut d_failed) = (0, Vec::new(), Vec::new());
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let r = catch_unwind(AssertUnwindSafe(|| run_case(dir)));
        match r {
            Ok(Ok(derivs)) => {
                let deviates = EXPECTED_DEVIATIONS.iter().any(|(c, _)| *c == name);
                let mut bad = Vec::new();
                for (out, d) in derivs {
                    match d {
                        Deriv::Checked => d_checked += 1,
                        Deriv::Skipped(why) => d_skipped.push(format!("{name} [{out}]: {why}")),
                        Deriv::Failed(why) if deviates => {
                            d_skipped.push(format!("{name} [{out}]: expected deviation: {why}"))
                        }
                        Deriv::Failed(why) => bad.push(format!("{name} [{out}]: {why}")),
                    }
                }
                if bad.is_empty() {
                    passed += 1;
                } else {
                    failed += 1;
                    for b in &bad {
                        println!("FAIL {b}");
                    }
                    d_failed.extend(bad);
                }
            }
            Ok(Err(msg)) => {
                failed += 1;
                println!("FAIL {name}: {msg}");
            }
            Err(p) => {
                failed += 1;
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                println!("FAIL {name}: panic: {msg}");
            }
        }
    }
    for s in &d_skipped {
        println!("derivative skipped: {s}");
    }
    for s in &d_failed {
        println!("DERIVATIVE FAIL {s}");
    }
    println!(
        "derivatives: {d_checked} outputs checked, {} skipped, {} failed",
        d_skipped.len(),
        d_failed.len()
    );
    for m in &missing {
        println!("MISSING CASES: {m}");
    }
    println!("conformance: {passed} passed, {failed} failed");
    assert!(missing.is_empty(), "case folders incomplete: {missing:?}");
    assert_eq!(failed, 0, "{failed} conformance cases failed");
}
