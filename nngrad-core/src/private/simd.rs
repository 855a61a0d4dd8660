//! The run-time choice between the body of a `#[differentiable]` fn as written and its clone
//! compiled for AVX2+FMA (issue 11): the macro emits, on x86-64, a copy of the generated fn
//! under `#[target_feature(enable = "avx2,fma")]` and calls it, for dual scalars only
//! (`Scalar::__SIMD_CLONE`, a constant, so an `f64` call compiles to the body as written),
//! when [`simd_avx2_fma`] says the running CPU has both features.
//!
//! Why a clone: the default build targets baseline x86-64 (SSE2), where a `DualN<f64, 8>`
//! multiply-add is five 2-wide operations; in the clone the same lanes take two 4-wide ones,
//! and the dual operations (all `#[inline(always)]`) are inlined into it. No operation is
//! fused or reordered (Rust does not contract `a * b + c` into an FMA), so the clone's results
//! are bit-identical to the fallback's; `tests/simd_clone.rs` checks that.

use core::sync::atomic::{AtomicU8, Ordering};

/// 0: not yet detected; 1: the fallback (no AVX2+FMA, or forced); 2: AVX2+FMA detected.
static STATE: AtomicU8 = AtomicU8::new(0);

/// Whether the running CPU has AVX2 and FMA (detected once, then one relaxed load), and the
/// fallback is not forced by [`force_simd_fallback`]. Only a `true` from here licenses a call
/// of an AVX2+FMA clone: it is `true` only after `is_x86_feature_detected!` found both.
///
/// ```
/// // Whatever the machine, the answer is stable.
/// assert_eq!(nngrad_core::__private::simd_avx2_fma(), nngrad_core::__private::simd_avx2_fma());
/// ```
#[inline]
pub fn simd_avx2_fma() -> bool {
    match STATE.load(Ordering::Relaxed) {
        2 => true,
        1 => false,
        _ => detect(),
    }
}

#[cold]
fn detect() -> bool {
    #[cfg(target_arch = "x86_64")]
    let on = std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma");
    #[cfg(not(target_arch = "x86_64"))]
    let on = false;
    STATE.store(if on { 2 } else { 1 }, Ordering::Relaxed);
    on
}

/// Forces `#[differentiable]` code onto its fallback (the body compiled for the build's
/// target) with `true`; `false` returns to detection. For tests of the fallback on machines
/// that have AVX2: the results do not change, only the code that computes them.
///
/// ```
/// use nngrad_core::__private::{force_simd_fallback, simd_avx2_fma};
/// force_simd_fallback(true);
/// assert!(!simd_avx2_fma());
/// force_simd_fallback(false);
/// ```
pub fn force_simd_fallback(on: bool) {
    // `false` stores "not yet detected", never "detected": a clone runs only after detection.
    STATE.store(if on { 1 } else { 0 }, Ordering::Relaxed);
}
