//! Shared checks of the corpus tests.
#![allow(dead_code)]

pub mod hostile;
pub mod json;
pub mod numeric;
pub mod onnx;
pub mod route;

/// The shared data folder: `../shared` beside the repository (as CI lays it out), or the
/// folder named by `NNGRAD_SHARED`.
///
/// A missing folder fails the test (a silently skipped conformance suite would pass CI with
/// nothing checked) unless `NNGRAD_ALLOW_MISSING_SHARED` is set, for checkouts without it.
pub fn shared_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("NNGRAD_SHARED")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    assert!(
        dir.is_dir() || std::env::var_os("NNGRAD_ALLOW_MISSING_SHARED").is_some(),
        "the shared test data folder {} is missing: lay `shared/` beside the checkout, point \
         NNGRAD_SHARED at it, or set NNGRAD_ALLOW_MISSING_SHARED=1 to skip those tests",
        dir.display()
    );
    dir
}

use nngrad_core::Dual;

/// Flattens a result into (value, tangent) pairs; plain f64 has tangent 0.
pub trait Flat {
    fn flat_into(self, out: &mut Vec<(f64, f64)>);
    fn flat(self) -> Vec<(f64, f64)>
    where
        Self: Sized,
    {
        let mut out = Vec::new();
        self.flat_into(&mut out);
        out
    }
}

impl Flat for f64 {
    fn flat_into(self, out: &mut Vec<(f64, f64)>) {
        out.push((self, 0.0));
    }
}
impl Flat for Dual {
    fn flat_into(self, out: &mut Vec<(f64, f64)>) {
        out.push((self.re(), self.eps()));
    }
}
impl<T: Flat> Flat for Vec<T> {
    fn flat_into(self, out: &mut Vec<(f64, f64)>) {
        self.into_iter().for_each(|v| v.flat_into(out));
    }
}
impl<T: Flat, const N: usize> Flat for [T; N] {
    fn flat_into(self, out: &mut Vec<(f64, f64)>) {
        self.into_iter().for_each(|v| v.flat_into(out));
    }
}
impl<A: Flat, B: Flat> Flat for (A, B) {
    fn flat_into(self, out: &mut Vec<(f64, f64)>) {
        self.0.flat_into(out);
        self.1.flat_into(out);
    }
}
impl<T: Flat> Flat for Option<T> {
    fn flat_into(self, out: &mut Vec<(f64, f64)>) {
        match self {
            Some(v) => v.flat_into(out),
            // A distinct marker so that Some/None differences show up as a value mismatch.
            None => out.push((f64::from_bits(0x7ff8_dead_beef_0001), 0.0)),
        }
    }
}
impl<T: Flat + nalgebra::Scalar, R: nalgebra::Dim, C: nalgebra::Dim, St> Flat
    for nalgebra::Matrix<T, R, C, St>
where
    St: nalgebra::RawStorage<T, R, C>,
{
    fn flat_into(self, out: &mut Vec<(f64, f64)>) {
        self.iter().for_each(|v| v.clone().flat_into(out));
    }
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()).max(1.0)
}

/// (a) plain and rewritten-at-f64 are bit-identical; (b) every directional tangent of the
/// `Dual` run matches a central finite difference of the plain code, and its values match.
pub fn check(
    x0: &[f64],
    plain: fn(&[f64]) -> Vec<(f64, f64)>,
    at_f64: fn(&[f64]) -> Vec<(f64, f64)>,
    at_dual: fn(&[Dual]) -> Vec<(f64, f64)>,
) {
    let p = plain(x0);
    let a = at_f64(x0);
    assert_eq!(p.len(), a.len(), "output count differs");
    assert!(!p.is_empty());
    for (k, (pv, av)) in p.iter().zip(&a).enumerate() {
        assert_eq!(
            pv.0.to_bits(),
            av.0.to_bits(),
            "output {k}: plain {} vs rewritten {}",
            pv.0,
            av.0
        );
    }
    for i in 0..x0.len() {
        let xd: Vec<Dual> = x0
            .iter()
            .enumerate()
            .map(|(j, &v)| Dual::new(v, if i == j { 1.0 } else { 0.0 }))
            .collect();
        let d = at_dual(&xd);
        let h = 1e-6 * x0[i].abs().max(1.0);
        let mut xp = x0.to_vec();
        let mut xm = x0.to_vec();
        xp[i] += h;
        xm[i] -= h;
        let (fp, fm) = (plain(&xp), plain(&xm));
        assert_eq!(d.len(), p.len());
        for k in 0..p.len() {
            assert!(
                close(d[k].0, p[k].0, 1e-12),
                "output {k}: dual value {} vs {}",
                d[k].0,
                p[k].0
            );
            let fd = (fp[k].0 - fm[k].0) / (2.0 * h);
            assert!(
                close(d[k].1, fd, 1e-5),
                "d output {k} / d x{i}: dual {} vs finite difference {fd}",
                d[k].1
            );
        }
    }
}

/// Value and tangent against a closed form.
pub fn check_closed(value: f64, tangent: f64, want_value: f64, want_tangent: f64) {
    assert!(
        close(value, want_value, 1e-14),
        "value {value} vs {want_value}"
    );
    assert!(
        close(tangent, want_tangent, 1e-12),
        "tangent {tangent} vs {want_tangent}"
    );
}
