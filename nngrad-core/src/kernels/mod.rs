//! Dense matrix products with f64 weights and scalar (possibly dual) activations: the one
//! place every dense layer (the ONNX Gemm/MatMul operators, the dense-layer path, MATLAB
//! shallow networks) goes through, so that speed work lands everywhere at once.
//!
//! All products accumulate: `out += op(A) · op(B)`, `out` row-major `m×n`. The caller
//! initialises `out` (zero, or the broadcast bias).
//!
//! ## Speed
//! For `f64`, [`Dual<f64>`](crate::Dual) and [`DualN<f64, N>`](crate::DualN) activations the
//! products run as real matrix products: a first-order dual over `f64` is a run of `f64`
//! components (value and lanes) on which an f64 weight acts the same way, so the activations
//! of a layer *are* an f64 matrix with `w = 1 + lanes` columns per activation, and `W·X` is
//! one register-blocked GEMM over value and tangent lanes at once (via `matrixmultiply`, which
//! picks AVX2/FMA or AVX-512 kernels at run time and is already a dependency of `nalgebra`).
//! The same holds for every dual type built from `f64` (any lane count, nested for second
//! order): `#[repr(C)]` makes each a run of f64 values, counted structurally where each type
//! registers `Scalar` (`dual/impls/layout.rs`). Other scalar types take the plain loops. Both
//! paths compute the same sums; only the order of the additions, hence the last bits of
//! rounding, can differ.

mod small;

use crate::Scalar;
use core::mem::size_of;

/// Shape of `out += op(A)·op(B)`: `op(A)` is `m×k`, `op(B)` is `k×n`; `trans_a` means `A` is
/// stored `k×m` row-major (and likewise `trans_b`: `B` stored `n×k`).
///
/// ```
/// use nngrad_core::kernels::GemmDims;
/// let d = GemmDims { m: 1, k: 3, n: 2, trans_a: false, trans_b: true };
/// assert_eq!(d.a_len() + d.b_len(), 3 + 6);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GemmDims {
    /// Rows of `op(A)` and of the output.
    pub m: usize,
    /// Columns of `op(A)`, rows of `op(B)`.
    pub k: usize,
    /// Columns of `op(B)` and of the output.
    pub n: usize,
    /// `A` is stored transposed.
    pub trans_a: bool,
    /// `B` is stored transposed.
    pub trans_b: bool,
}

impl GemmDims {
    /// Number of elements `A` must have (`usize::MAX` if that overflows).
    ///
    /// ```
    /// use nngrad_core::kernels::GemmDims;
    /// assert_eq!(GemmDims { m: 2, k: 3, n: 4, trans_a: false, trans_b: false }.a_len(), 6);
    /// ```
    pub fn a_len(&self) -> usize {
        self.m.saturating_mul(self.k)
    }
    /// Number of elements `B` must have (`usize::MAX` if that overflows).
    ///
    /// ```
    /// use nngrad_core::kernels::GemmDims;
    /// assert_eq!(GemmDims { m: 2, k: 3, n: 4, trans_a: false, trans_b: false }.b_len(), 12);
    /// ```
    pub fn b_len(&self) -> usize {
        self.k.saturating_mul(self.n)
    }
    #[inline(always)]
    fn a_idx(&self, i: usize, p: usize) -> usize {
        if self.trans_a {
            p * self.m + i
        } else {
            i * self.k + p
        }
    }
    #[inline(always)]
    fn b_idx(&self, p: usize, j: usize) -> usize {
        if self.trans_b {
            j * self.k + p
        } else {
            p * self.n + j
        }
    }
    /// Panics unless `a`, `b` and `out` have the element counts the dimensions need; the
    /// counts are computed with checked arithmetic, so dimensions whose products overflow
    /// are refused instead of wrapping to a small count that some slice happens to match.
    fn check<A, B, C>(&self, a: &[A], b: &[B], out: &[C]) {
        let need = |x: usize, y: usize, what: &str| {
            x.checked_mul(y)
                .unwrap_or_else(|| panic!("gemm: {self:?}: the size of {what} overflows usize"))
        };
        for (len, want, what) in [
            (a.len(), need(self.m, self.k, "A"), "A"),
            (b.len(), need(self.k, self.n, "B"), "B"),
            (out.len(), need(self.m, self.n, "out"), "out"),
        ] {
            assert_eq!(
                len, want,
                "gemm: {what} has {len} elements, {self:?} needs {want}"
            );
        }
    }
}

/// `out += op(A)·op(B)` with activations `A` and f64 weights `B` (`x·W`, ONNX MatMul).
///
/// # Panics
/// If a slice length does not match `dims`.
///
/// ```
/// use nngrad_core::{kernels::{gemm_sw, GemmDims}, Dual};
/// let x = [Dual::variable(1.0), Dual::constant(2.0)];
/// let w = [1.0, 2.0, 3.0, 4.0]; // 2×2
/// let mut y = [Dual::constant(0.0); 2];
/// gemm_sw(&x, &w, GemmDims { m: 1, k: 2, n: 2, trans_a: false, trans_b: false }, &mut y);
/// assert_eq!((y[0].re(), y[0].eps(), y[1].re()), (7.0, 1.0, 10.0));
/// ```
pub fn gemm_sw<S: Scalar>(a: &[S], b: &[f64], dims: GemmDims, out: &mut [S]) {
    dims.check(a, b, out);
    if let Some(w) = gemm_width::<S>(dims) {
        // SAFETY: `f64_width` only answers for types that are exactly `w` f64 values in a row.
        let (af, of) = unsafe { (as_f64(a, w), as_f64_mut(out, w)) };
        return real_gemm_sw(af, b, dims, w, 1, of);
    }
    if let Some(w) = traced_gemm_width::<S>(dims) {
        // SAFETY: `traced_width` only answers for types that are exactly `w` (f64, u64)
        // pairs in a row.
        unsafe { traced::sw(a, b, dims, w, out) };
        return;
    }
    loops::sw(a, b, dims, out)
}

/// `out += op(A)·op(B)` with f64 weights `A` and activations `B` (`W·x`).
///
/// # Panics
/// If a slice length does not match `dims`.
///
/// ```
/// use nngrad_core::{kernels::{gemm_ws, GemmDims}, Dual};
/// let w = [1.0, 2.0, 3.0, 4.0]; // 2×2
/// let x = [Dual::variable(1.0), Dual::constant(2.0)]; // 2×1
/// let mut y = [Dual::constant(0.0); 2];
/// gemm_ws(&w, &x, GemmDims { m: 2, k: 2, n: 1, trans_a: false, trans_b: false }, &mut y);
/// assert_eq!((y[0].re(), y[1].re(), y[1].eps()), (5.0, 11.0, 3.0));
/// ```
pub fn gemm_ws<S: Scalar>(a: &[f64], b: &[S], dims: GemmDims, out: &mut [S]) {
    dims.check(a, b, out);
    if let Some(w) = gemm_width::<S>(dims) {
        // SAFETY: `f64_width` only answers for types that are exactly `w` f64 values in a row.
        let (bf, of) = unsafe { (as_f64(b, w), as_f64_mut(out, w)) };
        return real_gemm_ws(a, bf, dims, w, 1, of);
    }
    if let Some(w) = traced_gemm_width::<S>(dims) {
        // SAFETY: as in `gemm_sw`.
        unsafe { traced::ws(a, b, dims, w, out) };
        return;
    }
    loops::ws(a, b, dims, out)
}

/// `out += op(A)·op(B)` with both operands activations.
///
/// # Panics
/// If a slice length does not match `dims`.
///
/// ```
/// use nngrad_core::{kernels::{gemm_ss, GemmDims}, Dual};
/// let a = [Dual::variable(2.0)];
/// let b = [Dual::variable(3.0)];
/// let mut y = [Dual::constant(0.0)];
/// gemm_ss(&a, &b, GemmDims { m: 1, k: 1, n: 1, trans_a: false, trans_b: false }, &mut y);
/// assert_eq!((y[0].re(), y[0].eps()), (6.0, 5.0));
/// ```
pub fn gemm_ss<S: Scalar>(a: &[S], b: &[S], dims: GemmDims, out: &mut [S]) {
    dims.check(a, b, out);
    if gemm_width::<S>(dims) == Some(1) {
        // SAFETY: S is f64.
        let (af, bf, of) = unsafe { (as_f64(a, 1), as_f64(b, 1), as_f64_mut(out, 1)) };
        return real_gemm_ws(af, bf, dims, 1, 1, of);
    }
    loops::ss(a, b, dims, out)
}

/// `out = op(A)·op(B)` for f64 operands, overwriting `out` (no need to clear it first):
/// for callers that would otherwise zero a large buffer just to accumulate into it.
///
/// # Panics
/// If a slice length does not match `dims`.
pub(crate) fn gemm_f64_assign(a: &[f64], b: &[f64], d: GemmDims, out: &mut [f64]) {
    d.check(a, b, out);
    if d.m == 0 || d.n == 0 {
        return;
    }
    if d.k == 0 {
        out.fill(0.0);
        return;
    }
    let sa = strides(d.m, d.k, d.trans_a);
    let sb = strides(d.k, d.n, d.trans_b);
    let sc = (d.n as isize, 1);
    // SAFETY: check() verified a is m·k, b is k·n and out is m·n elements, which the
    // row-major / transposed strides stay within; `out` is a `&mut` distinct from both.
    unsafe {
        if small::try_dgemm(
            (d.m, d.k, d.n),
            a.as_ptr(),
            sa,
            b.as_ptr(),
            sb,
            out.as_mut_ptr(),
            sc,
            false,
        ) {
            return;
        }
        matrixmultiply::dgemm(
            d.m,
            d.k,
            d.n,
            1.0,
            a.as_ptr(),
            sa.0,
            sa.1,
            b.as_ptr(),
            sb.0,
            sb.1,
            0.0,
            out.as_mut_ptr(),
            d.n as isize,
            1,
        )
    }
}

/// `out += op(A)·op(B)` for f64 operands through the kernel at every size (no plain loops for
/// small products, which [`gemm_ws`] takes to sum as nalgebra's own loops do): every entry
/// is then the kernel's one sum in one order, as in [`dgemm_strided`], whatever the shape, so
/// the dense path's values equal the tangent route's steps bit for bit (a loaded model's
/// `forward` and its dense Jacobian), tiny layers included.
///
/// # Panics
/// If a slice length does not match `dims`.
pub(crate) fn gemm_f64_acc(a: &[f64], b: &[f64], d: GemmDims, out: &mut [f64]) {
    d.check(a, b, out);
    real_gemm_ws(a, b, d, 1, 1, out)
}

/// [`gemm_ws`] for activations given as runs of `w` f64 components each (`b` is `k·n·w`,
/// `out` `m·n·w` values): the same choice between loops and GEMM, made from the dimensions
/// alone, hence the same roundings as `gemm_ws` over a dual type of `w` components, and the
/// value components the same as `gemm_ws` over `f64`.
///
/// # Panics
/// If a slice length does not match `dims` and `w`.
pub(crate) fn gemm_ws_components(a: &[f64], b: &[f64], dims: GemmDims, w: usize, out: &mut [f64]) {
    assert!(
        a.len() == dims.a_len()
            && Some(b.len()) == dims.b_len().checked_mul(w)
            && Some(out.len()) == (dims.m * dims.n).checked_mul(w),
        "gemm_ws_components: {dims:?} with {w} components: A {}, B {}, out {}",
        a.len(),
        b.len(),
        out.len()
    );
    if dims.m.saturating_mul(dims.k).saturating_mul(dims.n) <= SMALL_PRODUCT {
        for i in 0..dims.m {
            for p in 0..dims.k {
                let av = a[dims.a_idx(i, p)];
                for j in 0..dims.n {
                    let bj = dims.b_idx(p, j) * w;
                    let oj = (i * dims.n + j) * w;
                    for c in 0..w {
                        out[oj + c] += b[bj + c] * av;
                    }
                }
            }
        }
        return;
    }
    real_gemm_ws(a, b, dims, w, 1, out)
}

/// A strided f64 matrix: its data, and the row and column strides (in elements) at which
/// `rows × cols` entries are read or written. Out-of-range strides are refused by
/// [`dgemm_strided`], not trusted.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Strided {
    pub rows: usize,
    pub cols: usize,
    pub rs: usize,
    pub cs: usize,
}

impl Strided {
    /// One past the last element index the view reaches (0 for an empty view).
    fn reach(&self) -> Option<usize> {
        if self.rows == 0 || self.cols == 0 {
            return Some(0);
        }
        let r = (self.rows - 1).checked_mul(self.rs)?;
        let c = (self.cols - 1).checked_mul(self.cs)?;
        r.checked_add(c)?.checked_add(1)
    }
}

/// `C += A·B` for f64 views with arbitrary strides (the tangent route of the ONNX loader
/// reads values and lanes out of `[value | lanes]` rows this way), through the same
/// `matrixmultiply` kernel as every other product here, so a value computed with or without
/// lanes beside it rounds the same.
///
/// # Panics
/// If the shapes do not chain (`A` m×k, `B` k×n, `C` m×n) or a view reaches past its slice:
/// both are the caller's bug, not the user's input.
pub(crate) fn dgemm_strided(
    a: &[f64],
    av: Strided,
    b: &[f64],
    bv: Strided,
    c: &mut [f64],
    cv: Strided,
) {
    assert!(
        av.cols == bv.rows && av.rows == cv.rows && bv.cols == cv.cols,
        "dgemm_strided: {av:?} · {bv:?} into {cv:?}"
    );
    for (len, v, what) in [(a.len(), av, "A"), (b.len(), bv, "B"), (c.len(), cv, "C")] {
        assert!(
            v.reach().is_some_and(|r| r <= len),
            "dgemm_strided: {what} {v:?} reaches past its {len} elements"
        );
    }
    let s = |x: usize| x as isize;
    // SAFETY: every index the strides reach was checked to lie inside its slice above.
    unsafe {
        dgemm_acc(
            (av.rows, av.cols, bv.cols),
            a.as_ptr(),
            (s(av.rs), s(av.cs)),
            b.as_ptr(),
            (s(bv.rs), s(bv.cs)),
            c.as_mut_ptr(),
            (s(cv.rs), s(cv.cs)),
        )
    }
}

/// Products with at most this many multiply-adds (per component) take the plain loops: below
/// it the GEMM's call overhead (packing, dispatch) outweighs the work. The choice depends on
/// the dimensions only, never on the scalar type, so value parts stay identical across types.
const SMALL_PRODUCT: usize = 64;

/// [`f64_width`] for products large enough to be worth a GEMM.
#[inline]
fn gemm_width<S: Scalar>(dims: GemmDims) -> Option<usize> {
    if dims.m.saturating_mul(dims.k).saturating_mul(dims.n) <= SMALL_PRODUCT {
        return None;
    }
    f64_width::<S>()
}

/// [`traced_width`] for products large enough to be worth a GEMM (the same threshold as
/// [`gemm_width`], so a product over tracers takes the path the `f64` product takes).
#[inline]
fn traced_gemm_width<S: Scalar>(dims: GemmDims) -> Option<usize> {
    if dims.m.saturating_mul(dims.k).saturating_mul(dims.n) <= SMALL_PRODUCT {
        return None;
    }
    S::__f64_layout()?.traced_width_of::<S>()
}

/// Number of f64 components of `S` when `S` is `f64` or a dual number built from `f64`s
/// (first order, or nested as the second-order helpers use), `None` for every other scalar
/// type. For all of these an f64 weight scales every component alike and sums are taken
/// component by component, so a product over them is a real GEMM; sharing that one GEMM also
/// keeps the value part of every such type bit-identical to the f64 result. Each type states
/// its layout where it registers `Scalar` (`dual/impls/layout.rs`).
#[inline]
fn f64_width<S: Scalar>() -> Option<usize> {
    S::__f64_layout()?.width_of::<S>()
}

/// # Safety
/// `S` must consist of exactly `w` `f64` fields (as [`f64_width`] ensures).
#[inline]
unsafe fn as_f64<S>(s: &[S], w: usize) -> &[f64] {
    debug_assert_eq!(size_of::<S>(), w * size_of::<f64>());
    core::slice::from_raw_parts(s.as_ptr().cast::<f64>(), s.len() * w)
}

/// # Safety
/// As [`as_f64`].
#[inline]
unsafe fn as_f64_mut<S>(s: &mut [S], w: usize) -> &mut [f64] {
    debug_assert_eq!(size_of::<S>(), w * size_of::<f64>());
    core::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<f64>(), s.len() * w)
}

/// Strides of a `rows×cols` operand stored row-major, or transposed when `trans`.
#[inline]
fn strides(rows: usize, cols: usize, trans: bool) -> (isize, isize) {
    if trans {
        (1, rows as isize)
    } else {
        (cols as isize, 1)
    }
}

/// `C (m×n, strides rsc/csc) += A (m×k) · B (k×n)`, bounds checked by the callers.
///
/// # Safety
/// Every index the strides reach must lie inside the pointed-to slices.
#[allow(clippy::too_many_arguments)]
#[inline]
unsafe fn dgemm_acc(
    (m, k, n): (usize, usize, usize),
    a: *const f64,
    (rsa, csa): (isize, isize),
    b: *const f64,
    (rsb, csb): (isize, isize),
    c: *mut f64,
    (rsc, csc): (isize, isize),
) {
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    // The same sums either way (see `small`): the choice is one of speed only.
    if small::try_dgemm((m, k, n), a, (rsa, csa), b, (rsb, csb), c, (rsc, csc), true) {
        return;
    }
    matrixmultiply::dgemm(m, k, n, 1.0, a, rsa, csa, b, rsb, csb, 1.0, c, rsc, csc);
}

/// [`gemm_ws`] on components: weights `a`, activations `b` of `w` components each, component
/// `c` of activation `e` at word `(e·w + c)·s` (`s = 1` for f64 runs, 2 for tracer runs,
/// whose sets lie between the values and are never touched here). The strides change, the
/// GEMM calls and their shapes do not, so every value is the same sum in the same order.
fn real_gemm_ws(a: &[f64], b: &[f64], d: GemmDims, w: usize, s: usize, out: &mut [f64]) {
    let (m, k, n) = (d.m, d.k, d.n);
    if m == 0 || k == 0 || n == 0 {
        return;
    }
    let sa = strides(m, k, d.trans_a);
    let s_ = s as isize;
    let nw = (n * w * s) as isize;
    if !d.trans_b || n == 1 {
        // op(B) is k × (n·w): row p holds the n activations of input p, component-wise.
        let sb = if d.trans_b {
            ((w * s) as isize, s_)
        } else {
            (nw, s_)
        };
        // SAFETY: dims.check verified a is m·k, b is k·n·w, out is m·n·w components, each
        // `s` words apart.
        unsafe {
            dgemm_acc(
                (m, k, n * w),
                a.as_ptr(),
                sa,
                b.as_ptr(),
                sb,
                out.as_mut_ptr(),
                (nw, s_),
            )
        };
    } else if w == 1 {
        // B stored n×k, one component each: op(B) is B read with its strides swapped, one
        // product (one GEMV per point costs the small kernel's scalar path n times over).
        // SAFETY: as above; op(B)'s element (p, j) is word (j·k + p)·s of b.
        unsafe {
            dgemm_acc(
                (m, k, n),
                a.as_ptr(),
                sa,
                b.as_ptr(),
                (s_, (k * s) as isize),
                out.as_mut_ptr(),
                (nw, s_),
            )
        };
    } else {
        // B stored n×k: column j of op(B) is a k×w block; one product per output column.
        for j in 0..n {
            let bj = &b[j * k * w * s..(j + 1) * k * w * s];
            let oj = &mut out[j * w * s..];
            // SAFETY: bj is k·w components, oj reaches (m-1)·n·w + w components ≤ its length.
            unsafe {
                dgemm_acc(
                    (m, k, w),
                    a.as_ptr(),
                    sa,
                    bj.as_ptr(),
                    ((w * s) as isize, s_),
                    oj.as_mut_ptr(),
                    (nw, s_),
                )
            };
        }
    }
}

/// [`gemm_sw`] on components: activations `a` of `w` components each, weights `b`; `s` as
/// in [`real_gemm_ws`].
fn real_gemm_sw(a: &[f64], b: &[f64], d: GemmDims, w: usize, s: usize, out: &mut [f64]) {
    let (m, k, n) = (d.m, d.k, d.n);
    if m == 0 || k == 0 || n == 0 {
        return;
    }
    let (w_, s_) = (w as isize, s as isize);
    if w == 1 {
        // Plain f64: one product.
        let sa = strides(m, k, d.trans_a);
        let sb = strides(k, n, d.trans_b);
        // SAFETY: dims.check verified a is m·k, b is k·n, out is m·n, each `s` words apart.
        unsafe {
            dgemm_acc(
                (m, k, n),
                a.as_ptr(),
                (sa.0 * s_, sa.1 * s_),
                b.as_ptr(),
                sb,
                out.as_mut_ptr(),
                (n as isize * s_, s_),
            )
        };
        return;
    }
    // For one output row i: out_i (n×w) += op(B)ᵀ (n×k) · A_i (k×w).
    let (rsb, csb) = strides(k, n, d.trans_b);
    let bt = (csb, rsb);
    let rsa = if d.trans_a { m as isize * w_ } else { w_ };
    for i in 0..m {
        let ai = if d.trans_a {
            &a[i * w * s..]
        } else {
            &a[i * k * w * s..]
        };
        let oi = &mut out[i * n * w * s..(i + 1) * n * w * s];
        // SAFETY: dims.check verified the lengths; the strides stay inside ai, b and oi.
        unsafe {
            dgemm_acc(
                (n, k, w),
                b.as_ptr(),
                bt,
                ai.as_ptr(),
                (rsa * s_, s_),
                oi.as_mut_ptr(),
                (w_ * s_, s_),
            )
        };
    }
}

/// Products over tracer runs (`Tracer`, `DualN<Tracer, N>`, …): the values through the GEMM
/// of the `f64` runs (strides doubled, see [`real_gemm_ws`]), so that a sparse Jacobian
/// evaluated on tracer lanes rounds exactly as the dense Jacobian on `f64` lanes; the sets
/// united as the plain loops unite them — every term of a sum joins its output's set whatever
/// its weight (a weight is data, not structure), component by component — but in `O(k·n)`
/// instead of `O(m·k·n)`, since each output of `W·X` sees the same column of `X` (and each
/// output of `X·W` the same row).
mod traced {
    use super::GemmDims;

    /// The `f64` words of `len` elements of `w` tracer components (values at even, sets
    /// at odd positions).
    ///
    /// # Safety
    /// `S` must be exactly `w` `(f64, u64)` pairs (a traced layout).
    unsafe fn words<S>(s: &[S], w: usize) -> &[f64] {
        debug_assert_eq!(core::mem::size_of::<S>(), 16 * w);
        // Every bit pattern is a valid f64; the set words are never read as numbers.
        core::slice::from_raw_parts(s.as_ptr().cast::<f64>(), s.len() * w * 2)
    }

    /// # Safety
    /// As [`words`].
    unsafe fn words_mut<S>(s: &mut [S], w: usize) -> &mut [f64] {
        debug_assert_eq!(core::mem::size_of::<S>(), 16 * w);
        core::slice::from_raw_parts_mut(s.as_mut_ptr().cast::<f64>(), s.len() * w * 2)
    }

    /// The set of component `c` of element `e`.
    #[inline(always)]
    fn set(words: &[f64], w: usize, e: usize, c: usize) -> u64 {
        words[(e * w + c) * 2 + 1].to_bits()
    }

    #[inline(always)]
    fn unite(words: &mut [f64], w: usize, e: usize, c: usize, bits: u64) {
        let x = &mut words[(e * w + c) * 2 + 1];
        *x = f64::from_bits(x.to_bits() | bits);
    }

    /// `out += op(A)·op(B)`, activations `a`, weights `b`.
    ///
    /// # Safety
    /// `S` must be exactly `w` `(f64, u64)` pairs; the lengths are checked by the caller.
    pub(super) unsafe fn sw<S>(a: &[S], b: &[f64], d: GemmDims, w: usize, out: &mut [S]) {
        let (aw, ow) = (words(a, w), words_mut(out, w));
        super::real_gemm_sw(aw, b, d, w, 2, ow);
        // Output (i, j) joins the sets of row i of op(A), for every j.
        let mut row = vec![0u64; w];
        for i in 0..d.m {
            row.fill(0);
            for p in 0..d.k {
                let e = d.a_idx(i, p);
                for (c, r) in row.iter_mut().enumerate() {
                    *r |= set(aw, w, e, c);
                }
            }
            if d.k > 0 {
                for j in 0..d.n {
                    for (c, &r) in row.iter().enumerate() {
                        unite(ow, w, i * d.n + j, c, r);
                    }
                }
            }
        }
    }

    /// `out += op(A)·op(B)`, weights `a`, activations `b`.
    ///
    /// # Safety
    /// As [`sw`].
    pub(super) unsafe fn ws<S>(a: &[f64], b: &[S], d: GemmDims, w: usize, out: &mut [S]) {
        let (bw, ow) = (words(b, w), words_mut(out, w));
        super::real_gemm_ws(a, bw, d, w, 2, ow);
        if d.m == 0 || d.k == 0 {
            return;
        }
        // Output (i, j) joins the sets of column j of op(B), for every i.
        let mut col = vec![0u64; d.n * w];
        for p in 0..d.k {
            for j in 0..d.n {
                let e = d.b_idx(p, j);
                for c in 0..w {
                    col[j * w + c] |= set(bw, w, e, c);
                }
            }
        }
        for i in 0..d.m {
            for j in 0..d.n {
                for c in 0..w {
                    unite(ow, w, i * d.n + j, c, col[j * w + c]);
                }
            }
        }
    }
}

/// The plain loops: the fallback for other scalar types and the tests' reference.
pub(crate) mod loops {
    use super::GemmDims;
    use crate::Scalar;

    /// `out += op(A)·op(B)` with `mul` forming each product: the three operand kinds differ
    /// only there.
    #[inline(always)]
    fn product<A: Copy, B: Copy, S: Scalar>(
        a: &[A],
        b: &[B],
        dims: GemmDims,
        out: &mut [S],
        mul: impl Fn(A, B) -> S,
    ) {
        for i in 0..dims.m {
            for p in 0..dims.k {
                let av = a[dims.a_idx(i, p)];
                let row = &mut out[i * dims.n..(i + 1) * dims.n];
                for (j, o) in row.iter_mut().enumerate() {
                    *o += mul(av, b[dims.b_idx(p, j)]);
                }
            }
        }
    }

    pub(crate) fn sw<S: Scalar>(a: &[S], b: &[f64], dims: GemmDims, out: &mut [S]) {
        product(a, b, dims, out, |a, b| a * b)
    }

    pub(crate) fn ws<S: Scalar>(a: &[f64], b: &[S], dims: GemmDims, out: &mut [S]) {
        product(a, b, dims, out, |a, b| b * a)
    }

    pub(crate) fn ss<S: Scalar>(a: &[S], b: &[S], dims: GemmDims, out: &mut [S]) {
        product(a, b, dims, out, |a, b| a * b)
    }
}

#[cfg(test)]
mod tests {
    //! The GEMM paths against the plain loops, for every storage order and scalar type.
    use super::*;
    use crate::{Dual, DualN};

    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> f64 {
            // splitmix64 mapped to [-1, 1)
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            (z >> 11) as f64 / (1u64 << 52) as f64 - 1.0
        }
    }

    fn close(x: f64, y: f64) -> bool {
        (x - y).abs() <= 1e-13 * (1.0 + x.abs().max(y.abs()))
    }

    /// Components of a dual over f64, for comparing.
    fn comps<S: Scalar>(v: &[S]) -> Vec<f64> {
        let w = f64_width::<S>().expect("an f64-backed scalar");
        unsafe { as_f64(v, w) }.to_vec()
    }

    fn rand_s<S: Scalar>(r: &mut Rng, len: usize) -> Vec<S> {
        let w = f64_width::<S>().unwrap();
        let mut v = vec![S::cst(0.0); len];
        for x in unsafe { as_f64_mut(&mut v, w) } {
            *x = r.next();
        }
        v
    }

    fn check_type<S: Scalar>() {
        let mut r = Rng(7);
        // Small products take the loops on both sides; the larger ones exercise the GEMM.
        for &(m, k, n) in &[
            (1, 1, 1),
            (3, 5, 2),
            (6, 1, 3),
            (0, 3, 2),
            (2, 0, 3),
            (9, 17, 1),
            (1, 70, 2),
            (5, 13, 7),
            (12, 9, 3),
            (33, 3, 1),
        ] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let d = GemmDims {
                        m,
                        k,
                        n,
                        trans_a: ta,
                        trans_b: tb,
                    };
                    let out0: Vec<S> = rand_s(&mut r, m * n);
                    // activations × weights
                    let (a, b): (Vec<S>, Vec<f64>) = (
                        rand_s(&mut r, m * k),
                        (0..k * n).map(|_| r.next()).collect(),
                    );
                    let (mut fast, mut slow) = (out0.clone(), out0.clone());
                    gemm_sw(&a, &b, d, &mut fast);
                    loops::sw(&a, &b, d, &mut slow);
                    assert!(
                        comps(&fast)
                            .iter()
                            .zip(comps(&slow))
                            .all(|(x, y)| close(*x, y)),
                        "sw {d:?}"
                    );
                    // weights × activations
                    let (a, b): (Vec<f64>, Vec<S>) = (
                        (0..m * k).map(|_| r.next()).collect(),
                        rand_s(&mut r, k * n),
                    );
                    let (mut fast, mut slow) = (out0.clone(), out0.clone());
                    gemm_ws(&a, &b, d, &mut fast);
                    loops::ws(&a, &b, d, &mut slow);
                    assert!(
                        comps(&fast)
                            .iter()
                            .zip(comps(&slow))
                            .all(|(x, y)| close(*x, y)),
                        "ws {d:?}"
                    );
                    // activations × activations
                    let (a, b): (Vec<S>, Vec<S>) = (rand_s(&mut r, m * k), rand_s(&mut r, k * n));
                    let (mut fast, mut slow) = (out0.clone(), out0.clone());
                    gemm_ss(&a, &b, d, &mut fast);
                    loops::ss(&a, &b, d, &mut slow);
                    assert!(
                        comps(&fast)
                            .iter()
                            .zip(comps(&slow))
                            .all(|(x, y)| close(*x, y)),
                        "ss {d:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn fast_paths_match_loops() {
        check_type::<f64>();
        check_type::<Dual<f64>>();
        check_type::<DualN<f64, 1>>();
        check_type::<DualN<f64, 3>>();
        check_type::<DualN<f64, 8>>();
        check_type::<DualN<f64, 16>>();
        check_type::<Dual<Dual<f64>>>();
        check_type::<Dual<DualN<f64, 8>>>();
        check_type::<DualN<DualN<f64, 3>, 3>>();
    }

    #[test]
    fn assign_overwrites() {
        let mut r = Rng(3);
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let d = GemmDims {
                m: 5,
                k: 7,
                n: 3,
                trans_a: ta,
                trans_b: tb,
            };
            let a: Vec<f64> = (0..35).map(|_| r.next()).collect();
            let b: Vec<f64> = (0..21).map(|_| r.next()).collect();
            let mut fast = vec![f64::NAN; 15];
            gemm_f64_assign(&a, &b, d, &mut fast);
            let mut slow = vec![0.0; 15];
            loops::ws(&a, &b, d, &mut slow);
            assert!(fast.iter().zip(&slow).all(|(x, y)| close(*x, *y)), "{d:?}");
        }
        let mut out = [f64::NAN; 2];
        gemm_f64_assign(
            &[],
            &[],
            GemmDims {
                m: 2,
                k: 0,
                n: 1,
                trans_a: false,
                trans_b: false,
            },
            &mut out,
        );
        assert_eq!(out, [0.0, 0.0]);
    }

    #[test]
    fn small_products_take_the_loops() {
        let d = GemmDims {
            m: 4,
            k: 4,
            n: 4,
            trans_a: false,
            trans_b: false,
        };
        assert_eq!(gemm_width::<f64>(d), None);
        assert_eq!(gemm_width::<f64>(GemmDims { n: 5, ..d }), Some(1));
    }

    #[test]
    fn widths() {
        assert_eq!(f64_width::<f64>(), Some(1));
        assert_eq!(f64_width::<Dual<f64>>(), Some(2));
        assert_eq!(f64_width::<DualN<f64, 8>>(), Some(9));
        assert_eq!(f64_width::<Dual<Dual<f64>>>(), Some(4));
        assert_eq!(f64_width::<Dual<DualN<f64, 8>>>(), Some(18));
        assert_eq!(f64_width::<DualN<Dual<f64>, 2>>(), Some(6));
        // Every nesting over f64 counts, not only a list of lane counts and depths.
        assert_eq!(f64_width::<DualN<f64, 17>>(), Some(18));
        assert_eq!(f64_width::<Dual<Dual<Dual<f64>>>>(), Some(8));
        assert_eq!(f64_width::<DualN<DualN<f64, 3>, 5>>(), Some(24));
    }

    #[test]
    fn value_parts_are_bit_identical_across_types() {
        let mut r = Rng(11);
        let d = GemmDims {
            m: 7,
            k: 300,
            n: 1,
            trans_a: false,
            trans_b: false,
        };
        let w: Vec<f64> = (0..7 * 300).map(|_| r.next()).collect();
        let x: Vec<f64> = (0..300).map(|_| r.next()).collect();
        let mut y = vec![0.5; 7];
        gemm_ws(&w, &x, d, &mut y);
        let xd: Vec<DualN<f64, 8>> = x.iter().map(|&v| DualN::constant(v)).collect();
        let mut yd = vec![DualN::constant(0.5); 7];
        gemm_ws(&w, &xd, d, &mut yd);
        let xh: Vec<Dual<DualN<f64, 8>>> =
            x.iter().map(|&v| Dual::<DualN<f64, 8>>::cst(v)).collect();
        let mut yh = vec![Dual::<DualN<f64, 8>>::cst(0.5); 7];
        gemm_ws(&w, &xh, d, &mut yh);
        for i in 0..7 {
            assert_eq!(y[i].to_bits(), yd[i].re.to_bits());
            assert_eq!(y[i].to_bits(), yh[i].re.re.to_bits());
        }
    }

    /// Tracer runs: values bit-identical to the same product over `f64` runs (the GEMM path
    /// above the small-product threshold, the loops below it), sets those of the loops.
    #[test]
    fn tracer_runs_share_the_f64_roundings_and_the_loops_sets() {
        use crate::sparse::Tracer;
        type T = DualN<Tracer, 3>;
        type F = DualN<f64, 3>;
        let mut r = Rng(5);
        let mut bits = 1u64;
        let mut rand_t = |r: &mut Rng, len: usize| -> (Vec<T>, Vec<F>) {
            let f: Vec<F> = (0..len)
                .map(|_| DualN::new(r.next(), [r.next(), r.next(), r.next()]))
                .collect();
            let t = f
                .iter()
                .map(|d| {
                    bits = bits.rotate_left(7) ^ 0x5555;
                    let tr = |v: f64, k: u32| Tracer::new(v, bits.rotate_left(k) & 0xff);
                    DualN::new(
                        tr(d.re, 0),
                        [tr(d.eps[0], 1), tr(d.eps[1], 2), tr(d.eps[2], 3)],
                    )
                })
                .collect();
            (t, f)
        };
        let same = |t: &[T], f: &[F], slow: &[T], what: &str| {
            for ((t, f), s) in t.iter().zip(f).zip(slow) {
                let tv = [t.re, t.eps[0], t.eps[1], t.eps[2]];
                let fv = [f.re, f.eps[0], f.eps[1], f.eps[2]];
                let sv = [s.re, s.eps[0], s.eps[1], s.eps[2]];
                for c in 0..4 {
                    assert_eq!(tv[c].value().to_bits(), fv[c].to_bits(), "{what}");
                    assert_eq!(tv[c].deps(), sv[c].deps(), "{what}");
                }
            }
        };
        for &(m, k, n) in &[
            (3, 5, 2),
            (9, 17, 1),
            (1, 70, 2),
            (5, 13, 7),
            (12, 9, 3),
            (0, 9, 9),
            (4, 0, 30),
        ] {
            for ta in [false, true] {
                for tb in [false, true] {
                    let d = GemmDims {
                        m,
                        k,
                        n,
                        trans_a: ta,
                        trans_b: tb,
                    };
                    let (o_t, o_f) = rand_t(&mut r, m * n);
                    let (a_t, a_f) = rand_t(&mut r, m * k);
                    let wb: Vec<f64> = (0..k * n).map(|_| r.next()).collect();
                    let (mut ft, mut ff, mut st) = (o_t.clone(), o_f.clone(), o_t.clone());
                    gemm_sw(&a_t, &wb, d, &mut ft);
                    gemm_sw(&a_f, &wb, d, &mut ff);
                    loops::sw(&a_t, &wb, d, &mut st);
                    same(&ft, &ff, &st, &format!("sw {d:?}"));
                    let wa: Vec<f64> = (0..m * k).map(|_| r.next()).collect();
                    let (b_t, b_f) = rand_t(&mut r, k * n);
                    let (mut ft, mut ff, mut st) = (o_t.clone(), o_f.clone(), o_t.clone());
                    gemm_ws(&wa, &b_t, d, &mut ft);
                    gemm_ws(&wa, &b_f, d, &mut ff);
                    loops::ws(&wa, &b_t, d, &mut st);
                    same(&ft, &ff, &st, &format!("ws {d:?}"));
                }
            }
        }
        // Plain tracers, as `SparsityPattern::detect` meets them in a dense layer.
        let d = GemmDims {
            m: 6,
            k: 40,
            n: 1,
            trans_a: false,
            trans_b: false,
        };
        let w: Vec<f64> = (0..240).map(|_| r.next()).collect();
        let x: Vec<f64> = (0..40).map(|_| r.next()).collect();
        let xt: Vec<Tracer> = x
            .iter()
            .enumerate()
            .map(|(j, &v)| Tracer::new(v, 1 << j))
            .collect();
        let (mut yt, mut yf) = (vec![Tracer::new(0.5, 0); 6], vec![0.5; 6]);
        gemm_ws(&w, &xt, d, &mut yt);
        gemm_ws(&w, &x, d, &mut yf);
        for (t, f) in yt.iter().zip(&yf) {
            assert_eq!(
                (t.value().to_bits(), t.deps()),
                (f.to_bits(), (1 << 40) - 1)
            );
        }
    }

    #[test]
    fn deeper_nesting_takes_the_loops() {
        // Third order: d³/dx³ of x·x·w via Dual<Dual<Dual<f64>>> through the loops.
        let x = Dual::new(
            Dual::new(Dual::variable(2.0), Dual::constant(1.0)),
            Dual::constant(Dual::constant(1.0)),
        );
        let mut y = [Dual::<Dual<Dual<f64>>>::cst(0.0)];
        gemm_ss(
            &[x],
            &[x],
            GemmDims {
                m: 1,
                k: 1,
                n: 1,
                trans_a: false,
                trans_b: false,
            },
            &mut y,
        );
        // x²: value 4, first derivative 4, second 2, third 0
        assert_eq!(
            (
                y[0].re.re.re,
                y[0].eps.re.re,
                y[0].eps.eps.re,
                y[0].eps.eps.eps
            ),
            (4.0, 4.0, 2.0, 0.0)
        );
    }

    #[test]
    fn nested_duals_keep_second_order_parts() {
        // d/dx of d/dx (x·x) through a nested dual on the product of two activations.
        let x = Dual::new(Dual::variable(2.0), Dual::constant(1.0));
        let mut y = [Dual::<Dual<f64>>::cst(0.0)];
        gemm_ss(
            &[x],
            &[x],
            GemmDims {
                m: 1,
                k: 1,
                n: 1,
                trans_a: false,
                trans_b: false,
            },
            &mut y,
        );
        // x² : value 4, first derivative 4, second derivative 2
        assert_eq!((y[0].re.re, y[0].eps.re, y[0].eps.eps), (4.0, 4.0, 2.0));
    }
}
