//! The AVX2+FMA clone that `#[differentiable]` emits on x86-64 (issue 11) against the body as
//! written (the fallback, forced with `force_simd_fallback`): bit for bit the same values and
//! derivatives, and both against the hand-written analytic Jacobian. Covers a free fn, a
//! method with a receiver (sibling clone), early `return`, `?`, closures, and argument order.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use nngrad_core::__private::{force_simd_fallback, simd_avx2_fma};
use nngrad_core::{differentiable, jacobian, jacobian_chunk, jvp, try_jacobian, Chunk, Scalar};
use workloads::*;

/// Runs `f` once on the clone (where the CPU has one) and once forced onto the fallback.
/// Serialises the tests that toggle the global switch with the one that asserts detection
/// (test threads run in parallel; a forced fallback would read as "no AVX2").
static SWITCH: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn switch_lock() -> std::sync::MutexGuard<'static, ()> {
    SWITCH.lock().unwrap_or_else(|e| e.into_inner())
}

fn both<R>(mut f: impl FnMut() -> R) -> (R, R) {
    let _only_one = switch_lock();
    force_simd_fallback(false);
    let wide = f();
    force_simd_fallback(true);
    assert!(!simd_avx2_fma());
    let fallback = f();
    force_simd_fallback(false);
    (wide, fallback)
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

struct Affine {
    w: Vec<f64>,
    b: Vec<f64>,
}

#[derive(Debug, PartialEq)]
struct BadLen(usize);

#[differentiable]
impl Affine {
    /// A method with a receiver, `?`, an early `return` and a closure.
    fn apply(&self, x: &[f64], #[nograd] scale: f64) -> Result<Vec<f64>, BadLen> {
        check(x.len(), self.b.len())?;
        if scale == 0.0 {
            return Ok(vec![0.0; self.b.len()]);
        }
        let act = |v: f64| (v * scale).tanh();
        Ok((0..self.b.len())
            .map(|i| act(self.w[i] * x[i] + self.b[i]))
            .collect())
    }
}

fn check(n: usize, want: usize) -> Result<(), BadLen> {
    if n == want {
        Ok(())
    } else {
        Err(BadLen(n))
    }
}

/// Two arguments of the same type: swapped forwarding would change the result.
#[differentiable]
fn weighted(a: &[f64], b: &[f64]) -> Vec<f64> {
    a.iter().zip(b).map(|(x, y)| x * x * y).collect()
}

#[test]
fn the_clone_runs_only_for_dual_scalars() {
    const { assert!(!<f64 as Scalar>::__SIMD_CLONE) };
    const { assert!(<nngrad_core::DualN<f64, 8> as Scalar>::__SIMD_CLONE) };
    const { assert!(<nngrad_core::Dual<f64> as Scalar>::__SIMD_CLONE) };
    let _only_one = switch_lock();
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        assert!(simd_avx2_fma());
    }
    #[cfg(not(target_arch = "x86_64"))]
    assert!(!simd_avx2_fma());
}

// One test toggles the global switch; the other tests of this binary only read it, and the
// two paths give the same bits, so they cannot be disturbed.
#[test]
fn clone_and_fallback_give_the_same_bits_and_the_analytic_jacobian() {
    for (sizes, seed) in [(&MLP_S[..], 1u64), (&MLP_M[..], 2)] {
        let net = Net::glorot(sizes, seed);
        let x = inputs(net.inputs(), seed + 10);
        let mut an = Analytic::default();
        let (ya, ja) = an.jacobian(&net, &x);
        let (ya, ja) = (ya.to_vec(), ja.to_vec());
        let ((y1, j1), (y2, j2)) = both(|| jacobian(|x| plain_forward(&net, x), &x));
        assert_eq!(bits(&y1), bits(&y2), "values, chunk 8");
        assert_eq!(
            bits(j1.as_slice()),
            bits(j2.as_slice()),
            "jacobian, chunk 8"
        );
        let ((_, j3), (_, j4)) =
            both(|| jacobian_chunk(Chunk::<16>, |x| plain_forward(&net, x), &x));
        assert_eq!(
            bits(j3.as_slice()),
            bits(j4.as_slice()),
            "jacobian, chunk 16"
        );
        // The f64 path is the body as written: the dual values equal it exactly.
        assert_eq!(bits(&y1), bits(&plain_forward(&net, &x)), "values vs f64");
        let jr: Vec<f64> = j1.transpose().as_slice().to_vec();
        for (k, (a, b)) in jr.iter().zip(&ja).enumerate() {
            assert!(
                (a - b).abs() <= 1e-13 * (1.0 + a.abs().max(b.abs())),
                "J[{k}]: {a} vs {b}"
            );
        }
        for (a, b) in y1.iter().zip(&ya) {
            assert!((a - b).abs() <= 1e-13 * (1.0 + a.abs()), "{a} vs {b}");
        }
        let v = inputs(net.inputs(), seed + 20);
        let ((_, t1), (_, t2)) = both(|| jvp(|x| plain_forward(&net, x), &x, &v));
        assert_eq!(bits(&t1), bits(&t2), "jvp");
    }

    // A method: receiver, `?`, early return, closure.
    let m = Affine {
        w: vec![0.5, -1.5, 2.0],
        b: vec![0.1, 0.2, -0.3],
    };
    let x = [0.3, -0.7, 1.1];
    // The sibling clone exists (its name is the macro's).
    #[cfg(target_arch = "x86_64")]
    let _ = Affine::__nngrad_avx2_apply::<nngrad_core::DualN<f64, 8>>;
    let (r1, r2) = both(|| try_jacobian(|x| m.apply(x, 1.5), &x).unwrap());
    assert_eq!(bits(r1.1.as_slice()), bits(r2.1.as_slice()));
    #[allow(clippy::needless_range_loop)] // three arrays at one index
    for i in 0..3 {
        let z: f64 = m.w[i] * x[i] + m.b[i];
        let d = 1.5 * m.w[i] * (1.0 - (1.5 * z).tanh().powi(2));
        assert!(
            (r1.1[(i, i)] - d).abs() < 1e-15,
            "d{i}: {} vs {d}",
            r1.1[(i, i)]
        );
    }
    let (e1, e2) = both(|| try_jacobian(|x| m.apply(&x[..2], 1.0), &x));
    assert_eq!(e1, Err(BadLen(2)));
    assert_eq!(e2, Err(BadLen(2)));
    let (z1, _) = both(|| try_jacobian(|x| m.apply(x, 0.0), &x).unwrap());
    assert!(z1.1.iter().all(|&v| v == 0.0));

    // Argument order: d/da (a² b) = 2ab, d/db = a².
    let (a, b) = ([1.5, -2.0], [3.0, 0.25]);
    let ((_, ja), (_, jb)) = both(|| jacobian(|a| weighted(a, &b.map(|v| v.into())), &a));
    assert_eq!(bits(ja.as_slice()), bits(jb.as_slice()));
    assert_eq!(
        (ja[(0, 0)], ja[(1, 1)]),
        (2.0 * 1.5 * 3.0, 2.0 * -2.0 * 0.25)
    );
    let (_, jw) = jacobian(|b| weighted(&a.map(|v| v.into()), b), &b);
    assert_eq!((jw[(0, 0)], jw[(1, 1)]), (1.5 * 1.5, 4.0));
}

/// `no_simd` emits no clone, so no `unsafe` block: it compiles under `forbid(unsafe_code)`.
#[forbid(unsafe_code)]
mod safe_only {
    use nngrad_core::differentiable;

    #[differentiable(no_simd)]
    pub fn cube(x: f64) -> f64 {
        x * x * x
    }

    pub struct Scale(pub f64);

    #[differentiable(no_simd)]
    impl Scale {
        pub fn apply(&self, x: &[f64]) -> Vec<f64> {
            x.iter().map(|v| v * self.0).collect()
        }
    }
}

#[test]
fn no_simd_compiles_under_forbid_unsafe_code() {
    let (y, d) = nngrad_core::derivative(safe_only::cube, 2.0);
    assert_eq!((y, d), (8.0, 12.0));
    let s = safe_only::Scale(3.0);
    let (_, j) = jacobian(|x| s.apply(x), &[1.0, 2.0]);
    assert_eq!(j[(0, 0)], 3.0);
    assert_eq!(j[(1, 1)], 3.0);
    assert_eq!(j[(0, 1)], 0.0);
}
