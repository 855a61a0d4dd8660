//! Dense matrix products with f64 weights and scalar (possibly dual) activations: the one
//! place every dense layer (the ONNX Gemm/MatMul operators, the dense-layer path, MATLAB
//! shallow networks) goes through, so that speed work lands everywhere at once.
//!
//! All products accumulate: `out += op(A) · op(B)`, `out` row-major `m×n`. The caller
//! initialises `out` (zero, or the broadcast bias).

use crate::Scalar;

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
    /// Number of elements `A` must have.
    ///
    /// ```
    /// use nngrad_core::kernels::GemmDims;
    /// assert_eq!(GemmDims { m: 2, k: 3, n: 4, trans_a: false, trans_b: false }.a_len(), 6);
    /// ```
    pub fn a_len(&self) -> usize {
        self.m * self.k
    }
    /// Number of elements `B` must have.
    ///
    /// ```
    /// use nngrad_core::kernels::GemmDims;
    /// assert_eq!(GemmDims { m: 2, k: 3, n: 4, trans_a: false, trans_b: false }.b_len(), 12);
    /// ```
    pub fn b_len(&self) -> usize {
        self.k * self.n
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
    fn check<A, B, C>(&self, a: &[A], b: &[B], out: &[C]) {
        assert_eq!(
            a.len(),
            self.a_len(),
            "gemm: A has {} elements, {self:?} needs {}",
            a.len(),
            self.a_len()
        );
        assert_eq!(
            b.len(),
            self.b_len(),
            "gemm: B has {} elements, {self:?} needs {}",
            b.len(),
            self.b_len()
        );
        assert_eq!(
            out.len(),
            self.m * self.n,
            "gemm: out has {} elements, {self:?} needs {}",
            out.len(),
            self.m * self.n
        );
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
    for i in 0..dims.m {
        for p in 0..dims.k {
            let av = a[dims.a_idx(i, p)];
            let row = &mut out[i * dims.n..(i + 1) * dims.n];
            for (j, o) in row.iter_mut().enumerate() {
                *o += av * b[dims.b_idx(p, j)];
            }
        }
    }
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
    for i in 0..dims.m {
        for p in 0..dims.k {
            let av = a[dims.a_idx(i, p)];
            let row = &mut out[i * dims.n..(i + 1) * dims.n];
            for (j, o) in row.iter_mut().enumerate() {
                *o += b[dims.b_idx(p, j)] * av;
            }
        }
    }
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
    for i in 0..dims.m {
        for p in 0..dims.k {
            let av = a[dims.a_idx(i, p)];
            let row = &mut out[i * dims.n..(i + 1) * dims.n];
            for (j, o) in row.iter_mut().enumerate() {
                *o += av * b[dims.b_idx(p, j)];
            }
        }
    }
}
