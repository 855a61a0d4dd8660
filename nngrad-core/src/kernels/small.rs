//! Products too small for `matrixmultiply`'s packing to pay for itself (a layer of one point
//! of MLP-S: packing is a third of the instructions), computed without packing but as the
//! very same sums: every entry of `C` is `matrixmultiply`'s FMA kernel's sum, bit for bit.
//!
//! Why the sums can be the same: `matrixmultiply`'s AVX2+FMA dgemm kernel (the one it picks
//! on every x86-64 with AVX2 and FMA) accumulates each entry of a tile in one register lane,
//! starting from +0, with one fused multiply-add per term in increasing `p`, over depth
//! blocks of [`KC`] terms; it then writes `ab` (`β = 0`) or `c + ab` (`β = 1`, `α = 1`), block
//! after block. The loop below does exactly that per entry, only without the packed copies of
//! the operands. So which kernel a product takes changes no result: a point's Jacobian
//! rounds the same in a batch of one or of a thousand (the Python `sensitivity` test pins
//! this), and the choice below may depend on the dimensions freely. On other machines
//! (no FMA, aarch64) nothing comes here: `matrixmultiply` runs as before.
//!
//! The unit test `same_bits_as_matrixmultiply` compares the two on random shapes, strides
//! and values, including depths past [`KC`], so a `matrixmultiply` release that changed its
//! sums would be caught here before any result moved.

/// `matrixmultiply`'s dgemm depth block (`D_KC` of its archparam defaults): a sum over more
/// terms is split at multiples of it, each block's partial sum added to `C` in turn.
#[cfg(target_arch = "x86_64")]
const KC: usize = 256;

/// Products with at most this many multiply-adds skip the packing. Measured (criterion,
/// 2-core EPYC, one run each): the MLP-S dense Jacobian 2.19 µs with every product packed,
/// 1.33 µs with this kernel; raising the bound to 2^20 changed MLP-M and MLP-L by less than
/// their noise (±3 %), so the bound stays where the operands still sit in L1/L2.
#[cfg(target_arch = "x86_64")]
const MAX_WORK: usize = 1 << 16;

/// Right operands of at most this many f64 (32 KiB, an L1 data cache) skip the packing at
/// any depth of the left one: the rows of a stacked batch of Jacobians times one layer's
/// weights (MLP-S × 1000: 512 rows × 32 × 32) ran 1.6k instructions per point fewer so.
#[cfg(target_arch = "x86_64")]
const RESIDENT: usize = 1 << 12;

/// Most multiply-adds of such a product (beyond it, `matrixmultiply`'s blocking for the
/// caches it knows is left to do the work).
#[cfg(target_arch = "x86_64")]
const MAX_STREAM: usize = 1 << 22;

/// `C = A·B` (`accumulate == false`) or `C += A·B` (`true`) for `A` m×k, `B` k×n, `C` m×n
/// with the given row and column strides, when this kernel takes the product: an x86-64
/// with AVX2 and FMA, at most [`MAX_WORK`] multiply-adds (or [`MAX_STREAM`] with a right
/// operand of at most [`RESIDENT`] entries), and rows of `B` and `C` contiguous
/// (or, the product transposed, columns of `A` and `C`). Returns whether it did; if not,
/// nothing was written.
///
/// # Safety
/// Every index the strides reach must lie inside the pointed-to memory, and `C` must not
/// overlap `A` or `B`.
#[allow(clippy::too_many_arguments)]
#[inline]
pub(super) unsafe fn try_dgemm(
    (m, k, n): (usize, usize, usize),
    a: *const f64,
    (rsa, csa): (isize, isize),
    b: *const f64,
    (rsb, csb): (isize, isize),
    c: *mut f64,
    (rsc, csc): (isize, isize),
    accumulate: bool,
) -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        if m == 0 || n == 0 || k == 0 {
            return false;
        }
        let Some(work) = m.checked_mul(k).and_then(|x| x.checked_mul(n)) else {
            return false;
        };
        // Small, or a streamed operand against one that stays in L1 (each group of rows of
        // the result reads the whole right operand again).
        let takes = |right: usize| work <= MAX_WORK || (right <= RESIDENT && work <= MAX_STREAM);
        if !fma() {
            return false;
        }
        if csb == 1 && csc == 1 && wide(n, work) && takes(k * n) {
            fma_rows((m, k, n), a, (rsa, csa), b, rsb, c, rsc, accumulate);
            return true;
        }
        if rsa == 1 && rsc == 1 && wide(m, work) && takes(k * m) {
            // Cᵀ = Bᵀ·Aᵀ: each entry is the same sum over p in the same order.
            fma_rows((n, k, m), b, (csb, rsb), a, csa, c, csc, accumulate);
            return true;
        }
    }
    let _ = (
        (m, k, n),
        a,
        (rsa, csa),
        b,
        (rsb, csb),
        c,
        (rsc, csc),
        accumulate,
    );
    false
}

/// Whether a product whose vectorised dimension is `cols` wide is worth this kernel: below
/// four columns its loop is scalar FMAs, one per multiply-add, where `matrixmultiply` still
/// fills vector registers along the rows — unless the product is tiny and packing would cost
/// more than the whole sum.
#[cfg(target_arch = "x86_64")]
#[inline]
fn wide(cols: usize, work: usize) -> bool {
    cols >= 4 || work <= TINY
}

/// Products this small skip the packing even when scalar.
#[cfg(target_arch = "x86_64")]
const TINY: usize = 1024;

/// Whether the CPU has the instructions `matrixmultiply`'s FMA kernel needs (it tests the
/// same two features).
#[cfg(target_arch = "x86_64")]
#[inline]
fn fma() -> bool {
    std::arch::is_x86_feature_detected!("fma") && std::arch::is_x86_feature_detected!("avx2")
}

/// The product with rows of `B` and `C` contiguous, depth block by depth block.
///
/// # Safety
/// As [`try_dgemm`]; the CPU has AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_rows(
    (m, k, n): (usize, usize, usize),
    a: *const f64,
    (rsa, csa): (isize, isize),
    b: *const f64,
    rsb: isize,
    c: *mut f64,
    rsc: isize,
    accumulate: bool,
) {
    if avx512() {
        fma_rows_512((m, k, n), a, (rsa, csa), b, rsb, c, rsc, accumulate)
    } else {
        fma_rows_256((m, k, n), a, (rsa, csa), b, rsb, c, rsc, accumulate)
    }
}

/// [`fma_rows`] with 256-bit registers.
///
/// # Safety
/// As [`fma_rows`].
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2,fma")]
unsafe fn fma_rows_256(
    (m, k, n): (usize, usize, usize),
    a: *const f64,
    (rsa, csa): (isize, isize),
    b: *const f64,
    rsb: isize,
    c: *mut f64,
    rsc: isize,
    accumulate: bool,
) {
    let mut p0 = 0;
    while p0 < k {
        let p1 = (p0 + KC).min(k);
        let add = accumulate || p0 > 0;
        let mut i = 0;
        while i + 4 <= m {
            rows::<4>(i, 0, (p0, p1), n, a, (rsa, csa), b, rsb, c, rsc, add);
            i += 4;
        }
        while i < m {
            rows::<1>(i, 0, (p0, p1), n, a, (rsa, csa), b, rsb, c, rsc, add);
            i += 1;
        }
        p0 = p1;
    }
}

/// The column strips of rows `i..i+R` of `C` from column `j` on, over the terms `p0..p1`,
/// for one register width (`$lanes` f64, intrinsics `$zero $load $set1 $fma $add $store`):
/// two registers per row while they fit, then one. Each entry is one FMA chain from +0, then
/// added to `C` when `add`. Written once for both widths, so their sums cannot drift apart.
#[cfg(target_arch = "x86_64")]
macro_rules! strips {
    ($lanes:expr, $zero:ident, $load:ident, $set1:ident, $fma:ident, $add:ident, $store:ident,
     $R:ident, $j:ident, $n:ident, ($p0:ident, $p1:ident), $ar:ident, $csa:ident, $b:ident,
     $rsb:ident, $cr:ident, $add_c:ident) => {{
        while $j + 2 * $lanes <= $n {
            let mut acc = [[$zero(); 2]; $R];
            for p in $p0..$p1 {
                let bp = $b.offset(p as isize * $rsb).add($j);
                let (b0, b1) = ($load(bp), $load(bp.add($lanes)));
                for r in 0..$R {
                    let av = $set1(*$ar[r].offset(p as isize * $csa));
                    acc[r][0] = $fma(av, b0, acc[r][0]);
                    acc[r][1] = $fma(av, b1, acc[r][1]);
                }
            }
            for r in 0..$R {
                let cp = $cr[r].add($j);
                let (mut s0, mut s1) = (acc[r][0], acc[r][1]);
                if $add_c {
                    s0 = $add($load(cp), s0);
                    s1 = $add($load(cp.add($lanes)), s1);
                }
                $store(cp, s0);
                $store(cp.add($lanes), s1);
            }
            $j += 2 * $lanes;
        }
        while $j + $lanes <= $n {
            let mut acc = [$zero(); $R];
            for p in $p0..$p1 {
                let b0 = $load($b.offset(p as isize * $rsb).add($j));
                for r in 0..$R {
                    let av = $set1(*$ar[r].offset(p as isize * $csa));
                    acc[r] = $fma(av, b0, acc[r]);
                }
            }
            for r in 0..$R {
                let cp = $cr[r].add($j);
                let s = if $add_c {
                    $add($load(cp), acc[r])
                } else {
                    acc[r]
                };
                $store(cp, s);
            }
            $j += $lanes;
        }
    }};
}

/// Rows `i..i+R` of `C`, columns `j0..n`, over the terms `p0..p1`: eight columns at a time,
/// then four (256-bit registers), then one, each entry one FMA chain from +0.
///
/// # Safety
/// As [`fma_rows`].
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn rows<const R: usize>(
    i: usize,
    j0: usize,
    (p0, p1): (usize, usize),
    n: usize,
    a: *const f64,
    (rsa, csa): (isize, isize),
    b: *const f64,
    rsb: isize,
    c: *mut f64,
    rsc: isize,
    add: bool,
) {
    use core::arch::x86_64::*;
    let ar: [*const f64; R] = core::array::from_fn(|r| a.offset((i + r) as isize * rsa));
    let cr: [*mut f64; R] = core::array::from_fn(|r| c.offset((i + r) as isize * rsc));
    let mut j = j0;
    strips!(
        4,
        _mm256_setzero_pd,
        _mm256_loadu_pd,
        _mm256_set1_pd,
        _mm256_fmadd_pd,
        _mm256_add_pd,
        _mm256_storeu_pd,
        R,
        j,
        n,
        (p0, p1),
        ar,
        csa,
        b,
        rsb,
        cr,
        add
    );
    while j < n {
        let mut acc = [_mm_setzero_pd(); R];
        for p in p0..p1 {
            let bv = _mm_set_sd(*b.offset(p as isize * rsb).add(j));
            for r in 0..R {
                let av = _mm_set_sd(*ar[r].offset(p as isize * csa));
                acc[r] = _mm_fmadd_sd(av, bv, acc[r]);
            }
        }
        for r in 0..R {
            let cp = cr[r].add(j);
            let s = _mm_cvtsd_f64(acc[r]);
            *cp = if add { *cp + s } else { s };
        }
        j += 1;
    }
}

/// Whether the CPU has AVX-512F: the same sums then go eight lanes to a register, and its
/// 32 registers hold eight rows of accumulators.
#[cfg(target_arch = "x86_64")]
#[inline]
fn avx512() -> bool {
    std::arch::is_x86_feature_detected!("avx512f")
}

/// [`fma_rows`] with 512-bit registers: each entry is still one FMA chain from +0 in
/// increasing `p` per depth block, so the bits are those of the 256-bit loop.
///
/// # Safety
/// As [`try_dgemm`]; the CPU has AVX-512F, AVX2 and FMA.
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn fma_rows_512(
    (m, k, n): (usize, usize, usize),
    a: *const f64,
    (rsa, csa): (isize, isize),
    b: *const f64,
    rsb: isize,
    c: *mut f64,
    rsc: isize,
    accumulate: bool,
) {
    let mut p0 = 0;
    while p0 < k {
        let p1 = (p0 + KC).min(k);
        let add = accumulate || p0 > 0;
        let mut i = 0;
        while i + 8 <= m {
            rows_512::<8>(i, (p0, p1), n, a, (rsa, csa), b, rsb, c, rsc, add);
            i += 8;
        }
        while i + 4 <= m {
            rows_512::<4>(i, (p0, p1), n, a, (rsa, csa), b, rsb, c, rsc, add);
            i += 4;
        }
        while i < m {
            rows_512::<1>(i, (p0, p1), n, a, (rsa, csa), b, rsb, c, rsc, add);
            i += 1;
        }
        p0 = p1;
    }
}

/// Rows `i..i+R` of `C` over the terms `p0..p1`: sixteen columns at a time, then eight
/// (512-bit registers), the rest by [`rows`].
///
/// # Safety
/// As [`fma_rows_512`].
#[cfg(target_arch = "x86_64")]
#[allow(clippy::too_many_arguments)]
#[target_feature(enable = "avx512f,avx2,fma")]
#[inline]
unsafe fn rows_512<const R: usize>(
    i: usize,
    (p0, p1): (usize, usize),
    n: usize,
    a: *const f64,
    (rsa, csa): (isize, isize),
    b: *const f64,
    rsb: isize,
    c: *mut f64,
    rsc: isize,
    add: bool,
) {
    use core::arch::x86_64::*;
    let ar: [*const f64; R] = core::array::from_fn(|r| a.offset((i + r) as isize * rsa));
    let cr: [*mut f64; R] = core::array::from_fn(|r| c.offset((i + r) as isize * rsc));
    let mut j = 0;
    strips!(
        8,
        _mm512_setzero_pd,
        _mm512_loadu_pd,
        _mm512_set1_pd,
        _mm512_fmadd_pd,
        _mm512_add_pd,
        _mm512_storeu_pd,
        R,
        j,
        n,
        (p0, p1),
        ar,
        csa,
        b,
        rsb,
        cr,
        add
    );
    if j < n {
        rows::<R>(i, j, (p0, p1), n, a, (rsa, csa), b, rsb, c, rsc, add);
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;

    /// A small deterministic generator (xorshift), values of mixed signs and magnitudes so
    /// that the order of the sums shows in the last bits.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn value(&mut self) -> f64 {
            let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
            let e = self.below(12) as i32 - 6;
            (2.0 * u - 1.0) * 2f64.powi(e)
        }
    }

    /// Whether `try_dgemm` should take a product: small enough, and contiguous and wide
    /// enough in one of its two orientations.
    #[allow(clippy::type_complexity)]
    fn taken(
        (m, k, n): (usize, usize, usize),
        (sa, sb, sc): ((isize, isize), (isize, isize), (isize, isize)),
    ) -> bool {
        let work = m * k * n;
        let takes = |right: usize| work <= MAX_WORK || (right <= RESIDENT && work <= MAX_STREAM);
        (sb.1 == 1 && sc.1 == 1 && (n >= 4 || work <= TINY) && takes(k * n))
            || (sa.0 == 1 && sc.0 == 1 && (m >= 4 || work <= TINY) && takes(k * m))
    }

    #[allow(clippy::type_complexity)]
    fn case(
        rng: &mut Rng,
        (m, k, n): (usize, usize, usize),
        layout: usize,
        accumulate: bool,
    ) -> (Vec<f64>, Vec<f64>) {
        // layout bits: A transposed, B transposed, C transposed.
        let (ta, tb, tc) = (layout & 1 != 0, layout & 2 != 0, layout & 4 != 0);
        let st = |rows: usize, cols: usize, t: bool| {
            if t {
                (1isize, rows as isize)
            } else {
                (cols as isize, 1isize)
            }
        };
        let a: Vec<f64> = (0..m * k).map(|_| rng.value()).collect();
        let b: Vec<f64> = (0..k * n).map(|_| rng.value()).collect();
        let c0: Vec<f64> = (0..m * n).map(|_| rng.value()).collect();
        let (sa, sb, sc) = (st(m, k, ta), st(k, n, tb), st(m, n, tc));
        let mut ours = c0.clone();
        let mut theirs = c0;
        // SAFETY: the strides are those of dense m×k, k×n and m×n matrices.
        unsafe {
            let took = try_dgemm(
                (m, k, n),
                a.as_ptr(),
                sa,
                b.as_ptr(),
                sb,
                ours.as_mut_ptr(),
                sc,
                accumulate,
            );
            assert_eq!(
                took,
                fma() && taken((m, k, n), (sa, sb, sc)),
                "{m}×{k}×{n} layout {layout}"
            );
            if !took {
                return (Vec::new(), Vec::new());
            }
            matrixmultiply::dgemm(
                m,
                k,
                n,
                1.0,
                a.as_ptr(),
                sa.0,
                sa.1,
                b.as_ptr(),
                sb.0,
                sb.1,
                if accumulate { 1.0 } else { 0.0 },
                theirs.as_mut_ptr(),
                sc.0,
                sc.1,
            );
        }
        (ours, theirs)
    }

    /// On a CPU with AVX-512 the dispatched loop (compared with `matrixmultiply` below) is the
    /// 512-bit one: the 256-bit one must give the same bits, so it is compared with it.
    #[test]
    fn both_register_widths_give_the_same_bits() {
        if !(fma() && avx512()) {
            return;
        }
        let mut rng = Rng(0x2545_f491_4f6c_dd1d);
        for _ in 0..200 {
            let (m, k, n) = (1 + rng.below(40), 1 + rng.below(600), 1 + rng.below(60));
            let a: Vec<f64> = (0..m * k).map(|_| rng.value()).collect();
            let b: Vec<f64> = (0..k * n).map(|_| rng.value()).collect();
            let c0: Vec<f64> = (0..m * n).map(|_| rng.value()).collect();
            for accumulate in [false, true] {
                let (mut x, mut y) = (c0.clone(), c0.clone());
                // SAFETY: dense row-major m×k, k×n and m×n operands; the CPU has the features.
                unsafe {
                    let (sa, rs) = ((k as isize, 1), n as isize);
                    fma_rows_256(
                        (m, k, n),
                        a.as_ptr(),
                        sa,
                        b.as_ptr(),
                        rs,
                        x.as_mut_ptr(),
                        rs,
                        accumulate,
                    );
                    fma_rows_512(
                        (m, k, n),
                        a.as_ptr(),
                        sa,
                        b.as_ptr(),
                        rs,
                        y.as_mut_ptr(),
                        rs,
                        accumulate,
                    );
                }
                let same = x.iter().zip(&y).all(|(p, q)| p.to_bits() == q.to_bits());
                assert!(same, "{m}×{k}×{n} accumulate {accumulate}");
            }
        }
    }

    #[test]
    fn same_bits_as_matrixmultiply() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut compared = 0;
        let mut shapes = vec![(1, 1, 1), (4, 32, 9), (32, 8, 9), (32, 32, 33), (4, 600, 5)];
        for _ in 0..300 {
            shapes.push((1 + rng.below(40), 1 + rng.below(70), 1 + rng.below(40)));
        }
        for _ in 0..10 {
            shapes.push((1 + rng.below(6), 257 + rng.below(600), 1 + rng.below(12)));
        }
        // Deep streamed operands against a small resident one (stacked Jacobian rows times
        // a layer's weights), past one depth block too.
        for _ in 0..6 {
            shapes.push((300 + rng.below(300), 20 + rng.below(300), 8 + rng.below(24)));
            shapes.push((8 + rng.below(24), 20 + rng.below(300), 300 + rng.below(300)));
        }
        for (s, &(m, k, n)) in shapes.iter().enumerate() {
            let layout = s % 8;
            for accumulate in [false, true] {
                let (ours, theirs) = case(&mut rng, (m, k, n), layout, accumulate);
                for (e, (x, y)) in ours.iter().zip(&theirs).enumerate() {
                    assert_eq!(
                        x.to_bits(),
                        y.to_bits(),
                        "{m}×{k}×{n} layout {layout} accumulate {accumulate}: entry {e}: {x:e} vs {y:e}"
                    );
                }
                compared += ours.len();
            }
        }
        if fma() {
            assert!(compared > 10_000, "only {compared} entries compared");
        }
    }

    #[test]
    fn too_large_or_scattered_products_are_left_to_matrixmultiply() {
        let a = vec![1.0; 128 * 128];
        let mut c = vec![0.0; 128 * 128];
        // SAFETY: dense operands within the 128·128 entries of `a` and `c`.
        unsafe {
            // Too much work, and neither operand fits an L1 cache.
            assert!(!try_dgemm(
                (64, 128, 128),
                a.as_ptr(),
                (128, 1),
                a.as_ptr(),
                (128, 1),
                c.as_mut_ptr(),
                (128, 1),
                false
            ));
            // Neither rows of B and C nor columns of A and C contiguous.
            assert!(!try_dgemm(
                (4, 4, 4),
                a.as_ptr(),
                (4, 1),
                a.as_ptr(),
                (1, 4),
                c.as_mut_ptr(),
                (8, 2),
                false
            ));
        }
        assert!(c.iter().all(|&v| v == 0.0));
    }
}
