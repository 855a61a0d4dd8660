//! First-order helpers: derivative, JVP, gradient, Jacobian, divergence. Each returns the value
//! together with the derivative, and is generic over the base scalar `T`, so the helpers nest
//! (a gradient of a gradient is a Hessian row).

use crate::{Dual, DualN, Outputs, Scalar};
use nalgebra::DMatrix;

/// The number of tangent lanes the chunked helpers ([`jacobian`], [`gradient`],
/// [`divergence`], [`hessian`](crate::hessian), [`hvp`](crate::hvp)) use unless told
/// otherwise with [`Chunk`].
///
/// Chosen by measurement (see `BENCHMARKS.md`): enough lanes that one evaluation does a
/// SIMD-width of useful work per operation, few enough that the lanes stay in registers.
///
/// ```
/// use nngrad_core::{gradient, Scalar, DEFAULT_CHUNK};
/// // 20 inputs take ⌈20 / DEFAULT_CHUNK⌉ evaluations.
/// let calls = std::cell::Cell::new(0);
/// let x = vec![1.0; 20];
/// let _ = gradient(|v| { calls.set(calls.get() + 1); v.iter().copied().sum() }, &x);
/// assert_eq!(calls.get(), 20usize.div_ceil(DEFAULT_CHUNK));
/// ```
pub const DEFAULT_CHUNK: usize = 8;

/// Selects the number of tangent lanes of a chunked helper: `jacobian_chunk(Chunk::<4>, f, x)`.
///
/// ```
/// use nngrad_core::{jacobian_chunk, Chunk, Scalar};
/// let (_, j) = jacobian_chunk(Chunk::<2>, |x| vec![x[0] * x[1], x[2]], &[1.0, 2.0, 3.0]);
/// assert_eq!(j[(0, 1)], 1.0);
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Chunk<const C: usize>;

pub(crate) fn check_len(what: &str, a_name: &str, a: usize, b_name: &str, b: usize) {
    assert!(
        a == b,
        "{what}: length mismatch: {a_name} has {a} elements but {b_name} has {b}"
    );
}

/// Value and derivative of a scalar function of one variable.
///
/// ```
/// use nngrad_core::{derivative, Scalar};
/// let (y, dy) = derivative(|x| x.sin() * x, 1.0);
/// assert_eq!(y, 1f64.sin());
/// assert!((dy - (1f64.cos() + 1f64.sin())).abs() < 1e-15);
/// ```
pub fn derivative<T: Scalar, F>(f: F, x: T) -> (T, T)
where
    F: FnOnce(Dual<T>) -> Dual<T>,
{
    let y = f(Dual::variable(x));
    (y.re, y.eps)
}

/// Outputs `f(x)` and the directional derivative `J(x)·v`, in one evaluation.
///
/// # Panics
/// If `x` and `v` differ in length (the message names both lengths).
///
/// ```
/// use nngrad_core::{jvp, Scalar};
/// let (y, jv) = jvp(|x| vec![x[0] * x[1], x[1].exp()], &[2.0, 0.0], &[1.0, 1.0]);
/// assert_eq!(y, vec![0.0, 1.0]);
/// assert_eq!(jv, vec![2.0, 1.0]);
/// ```
pub fn jvp<T: Scalar, F, O>(f: F, x: &[T], v: &[T]) -> (Vec<T>, Vec<T>)
where
    F: FnOnce(&[Dual<T>]) -> O,
    O: Outputs<Dual<T>>,
{
    check_len("jvp", "x", x.len(), "v", v.len());
    let xs: Vec<Dual<T>> = x.iter().zip(v).map(|(&x, &v)| Dual::new(x, v)).collect();
    let mut ys = Vec::new();
    f(&xs).write_outputs(&mut ys);
    ys.into_iter().map(|y| (y.re, y.eps)).unzip()
}

/// Seeds lanes `start..start+C` of `xs` (and clears the rest) for chunked passes.
fn seed<T: Scalar, const C: usize>(xs: &mut [DualN<T, C>], x: &[T], start: usize) {
    for (i, (d, &v)) in xs.iter_mut().zip(x).enumerate() {
        *d = DualN::constant(v);
        if (start..start + C).contains(&i) {
            d.eps[i - start] = T::cst(1.0);
        }
    }
}

/// Value and gradient of a scalar function, with [`DEFAULT_CHUNK`] lanes per evaluation.
///
/// ```
/// use nngrad_core::{gradient, Scalar};
/// let (y, g) = gradient(|x| x[0] * x[0] + x[0] * x[1], &[3.0, 2.0]);
/// assert_eq!(y, 15.0);
/// assert_eq!(g, vec![8.0, 3.0]);
/// ```
pub fn gradient<T: Scalar, F>(f: F, x: &[T]) -> (T, Vec<T>)
where
    F: Fn(&[DualN<T, DEFAULT_CHUNK>]) -> DualN<T, DEFAULT_CHUNK>,
{
    gradient_chunk(Chunk::<DEFAULT_CHUNK>, f, x)
}

/// [`gradient`] with `C` lanes per evaluation.
///
/// ```
/// use nngrad_core::{gradient_chunk, Chunk, Scalar};
/// let (_, g) = gradient_chunk(Chunk::<1>, |x| x[0] * x[1], &[3.0, 2.0]);
/// assert_eq!(g, vec![2.0, 3.0]);
/// ```
pub fn gradient_chunk<const C: usize, T: Scalar, F>(_: Chunk<C>, f: F, x: &[T]) -> (T, Vec<T>)
where
    F: Fn(&[DualN<T, C>]) -> DualN<T, C>,
{
    let n = x.len();
    let mut xs = vec![DualN::<T, C>::constant(T::cst(0.0)); n];
    let mut g = vec![T::cst(0.0); n];
    let mut value = None;
    for start in (0..n.max(1)).step_by(C) {
        seed(&mut xs, x, start);
        let y = f(&xs);
        value = Some(y.re);
        for (k, gk) in g.iter_mut().skip(start).take(C).enumerate() {
            *gk = y.eps[k];
        }
    }
    (value.unwrap_or_else(|| T::cst(0.0)), g)
}

/// Outputs and the `m×n` Jacobian (row `i` = gradient of output `i`), computed in
/// `⌈n/DEFAULT_CHUNK⌉` evaluations.
///
/// ```
/// use nngrad_core::{jacobian, Scalar};
/// let (y, j) = jacobian(|x| [x[0] * x[1], x[0] + x[1]], &[2.0, 5.0]);
/// assert_eq!(y, vec![10.0, 7.0]);
/// assert_eq!(j, nalgebra::dmatrix![5.0, 2.0; 1.0, 1.0]);
/// ```
pub fn jacobian<T: Scalar, F, O>(f: F, x: &[T]) -> (Vec<T>, DMatrix<T>)
where
    F: Fn(&[DualN<T, DEFAULT_CHUNK>]) -> O,
    O: Outputs<DualN<T, DEFAULT_CHUNK>>,
{
    jacobian_chunk(Chunk::<DEFAULT_CHUNK>, f, x)
}

/// [`jacobian`] with `C` lanes per evaluation.
///
/// # Panics
/// If `f` returns a different number of outputs on different evaluations.
///
/// ```
/// use nngrad_core::{jacobian_chunk, Chunk, Scalar};
/// let (_, j) = jacobian_chunk(Chunk::<3>, |x| vec![x[0] * x[3]], &[1.0, 2.0, 3.0, 4.0]);
/// assert_eq!(j.row(0).iter().copied().collect::<Vec<_>>(), vec![4.0, 0.0, 0.0, 1.0]);
/// ```
pub fn jacobian_chunk<const C: usize, T: Scalar, F, O>(
    _: Chunk<C>,
    f: F,
    x: &[T],
) -> (Vec<T>, DMatrix<T>)
where
    F: Fn(&[DualN<T, C>]) -> O,
    O: Outputs<DualN<T, C>>,
{
    let n = x.len();
    let mut xs = vec![DualN::<T, C>::constant(T::cst(0.0)); n];
    let mut ys = Vec::new();
    let mut values = Vec::new();
    let mut jac: Option<DMatrix<T>> = None;
    for start in (0..n.max(1)).step_by(C) {
        seed(&mut xs, x, start);
        ys.clear();
        f(&xs).write_outputs(&mut ys);
        let j = jac.get_or_insert_with(|| {
            values = ys.iter().map(|y| y.re).collect();
            DMatrix::from_element(ys.len(), n, T::cst(0.0))
        });
        check_len(
            "jacobian",
            "this evaluation's output",
            ys.len(),
            "the first evaluation's",
            j.nrows(),
        );
        for (i, y) in ys.iter().enumerate() {
            for k in 0..C.min(n.saturating_sub(start)) {
                j[(i, start + k)] = y.eps[k];
            }
        }
    }
    (
        values,
        jac.unwrap_or_else(|| DMatrix::from_element(0, n, T::cst(0.0))),
    )
}

/// Outputs of a vector field `f: Rⁿ → Rⁿ` and its divergence `tr J = Σᵢ ∂fᵢ/∂xᵢ`, in
/// `⌈n/DEFAULT_CHUNK⌉` evaluations.
///
/// # Panics
/// If `f` does not return `n` outputs.
///
/// ```
/// use nngrad_core::{divergence, Scalar};
/// let (y, div) = divergence(|x| vec![x[0] * x[1], x[1] * x[1]], &[2.0, 3.0]);
/// assert_eq!(y, vec![6.0, 9.0]);
/// assert_eq!(div, 3.0 + 6.0);
/// ```
pub fn divergence<T: Scalar, F, O>(f: F, x: &[T]) -> (Vec<T>, T)
where
    F: Fn(&[DualN<T, DEFAULT_CHUNK>]) -> O,
    O: Outputs<DualN<T, DEFAULT_CHUNK>>,
{
    let n = x.len();
    let mut xs = vec![DualN::<T, DEFAULT_CHUNK>::constant(T::cst(0.0)); n];
    let mut ys = Vec::new();
    let mut values = Vec::new();
    let mut trace = T::cst(0.0);
    for start in (0..n.max(1)).step_by(DEFAULT_CHUNK) {
        seed(&mut xs, x, start);
        ys.clear();
        f(&xs).write_outputs(&mut ys);
        check_len("divergence", "f's output", ys.len(), "its input x", n);
        for (k, y) in ys.iter().skip(start).take(DEFAULT_CHUNK).enumerate() {
            trace += y.eps[k];
        }
        if start == 0 {
            values = ys.iter().map(|y| y.re).collect();
        }
    }
    (values, trace)
}
