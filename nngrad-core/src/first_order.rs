//! First-order helpers: derivative, JVP, gradient, Jacobian, divergence. Each returns the value
//! together with the derivative, and is generic over the base scalar `T`, so the helpers nest
//! (a gradient of a gradient is a Hessian row).
//!
//! Each helper has a fallible twin (`try_jacobian`, …) for closures that return `Result`: the
//! first error stops the work and is returned, with no padded evaluations. The infallible
//! helpers are the fallible ones run with an error type that cannot occur, so every pass
//! structure lives once.

use crate::{Dual, DualN, Outputs, Scalar};
use nalgebra::DMatrix;
use std::convert::Infallible;

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

/// Unwraps the result of a fallible helper run with a closure that cannot fail.
pub(crate) fn infallible<R>(r: Result<R, Infallible>) -> R {
    match r {
        Ok(v) => v,
        Err(never) => match never {},
    }
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
    infallible(try_derivative(|x| Ok(f(x)), x))
}

/// [`derivative`] of a fallible function: its error is returned as it came.
///
/// ```
/// use nngrad_core::{try_derivative, Scalar};
/// let f = |x: nngrad_core::Dual| if x.value() > 0.0 { Ok(x.ln()) } else { Err("log of x <= 0") };
/// assert_eq!(try_derivative(f, 2.0), Ok((2f64.ln(), 0.5)));
/// assert_eq!(try_derivative(f, -1.0), Err("log of x <= 0"));
/// ```
pub fn try_derivative<T: Scalar, F, E>(f: F, x: T) -> Result<(T, T), E>
where
    F: FnOnce(Dual<T>) -> Result<Dual<T>, E>,
{
    let y = f(Dual::variable(x))?;
    Ok((y.re, y.eps))
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
    infallible(try_jvp(|x| Ok(f(x)), x, v))
}

/// [`jvp`] of a fallible function: its error is returned as it came.
///
/// # Panics
/// If `x` and `v` differ in length (the message names both lengths).
///
/// ```
/// use nngrad_core::{try_jvp, Scalar};
/// let f = |x: &[nngrad_core::Dual]| -> Result<Vec<_>, String> {
///     if x.len() != 2 { return Err(format!("expected 2 inputs, got {}", x.len())); }
///     Ok(vec![x[0] * x[1]])
/// };
/// assert_eq!(try_jvp(f, &[2.0, 3.0], &[1.0, 0.0]), Ok((vec![6.0], vec![3.0])));
/// assert!(try_jvp(f, &[1.0], &[1.0]).is_err());
/// ```
pub fn try_jvp<T: Scalar, F, O, E>(f: F, x: &[T], v: &[T]) -> Result<(Vec<T>, Vec<T>), E>
where
    F: FnOnce(&[Dual<T>]) -> Result<O, E>,
    O: Outputs<Dual<T>>,
{
    check_len("jvp", "x", x.len(), "v", v.len());
    let xs: Vec<Dual<T>> = x.iter().zip(v).map(|(&x, &v)| Dual::new(x, v)).collect();
    let mut ys = Vec::new();
    f(&xs)?.write_outputs(&mut ys);
    Ok(ys.into_iter().map(|y| (y.re, y.eps)).unzip())
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
    F: FnMut(&[DualN<T, DEFAULT_CHUNK>]) -> DualN<T, DEFAULT_CHUNK>,
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
pub fn gradient_chunk<const C: usize, T: Scalar, F>(c: Chunk<C>, mut f: F, x: &[T]) -> (T, Vec<T>)
where
    F: FnMut(&[DualN<T, C>]) -> DualN<T, C>,
{
    infallible(try_gradient_chunk(c, |x| Ok(f(x)), x))
}

/// [`gradient`] of a fallible function: the first error stops the passes and is returned.
///
/// ```
/// use nngrad_core::{try_gradient, Scalar};
/// let f = |x: &[nngrad_core::DualN<f64, 8>]| {
///     let s = x[0] * x[0] + x[1];
///     if s.value() >= 0.0 { Ok(s.sqrt()) } else { Err("negative radicand") }
/// };
/// let (y, g) = try_gradient(f, &[3.0, 7.0]).unwrap();
/// assert_eq!((y, g), (4.0, vec![3.0 / 4.0, 1.0 / 8.0]));
/// assert_eq!(try_gradient(f, &[0.0, -1.0]), Err("negative radicand"));
/// ```
pub fn try_gradient<T: Scalar, F, E>(f: F, x: &[T]) -> Result<(T, Vec<T>), E>
where
    F: FnMut(&[DualN<T, DEFAULT_CHUNK>]) -> Result<DualN<T, DEFAULT_CHUNK>, E>,
{
    try_gradient_chunk(Chunk::<DEFAULT_CHUNK>, f, x)
}

/// [`try_gradient`] with `C` lanes per evaluation.
///
/// ```
/// use nngrad_core::{try_gradient_chunk, Chunk, Scalar};
/// let r: Result<_, ()> = try_gradient_chunk(Chunk::<1>, |x| Ok(x[0] * x[1]), &[3.0, 2.0]);
/// assert_eq!(r.unwrap().1, vec![2.0, 3.0]);
/// ```
pub fn try_gradient_chunk<const C: usize, T: Scalar, F, E>(
    _: Chunk<C>,
    mut f: F,
    x: &[T],
) -> Result<(T, Vec<T>), E>
where
    F: FnMut(&[DualN<T, C>]) -> Result<DualN<T, C>, E>,
{
    let n = x.len();
    let mut xs = vec![DualN::<T, C>::constant(T::cst(0.0)); n];
    let mut g = vec![T::cst(0.0); n];
    let mut value = None;
    for start in (0..n.max(1)).step_by(C) {
        seed(&mut xs, x, start);
        let y = f(&xs)?;
        value = Some(y.re);
        for (k, gk) in g.iter_mut().skip(start).take(C).enumerate() {
            *gk = y.eps[k];
        }
    }
    Ok((value.unwrap_or_else(|| T::cst(0.0)), g))
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
    F: FnMut(&[DualN<T, DEFAULT_CHUNK>]) -> O,
    O: Outputs<DualN<T, DEFAULT_CHUNK>>,
{
    jacobian_chunk(Chunk::<DEFAULT_CHUNK>, f, x)
}

/// The lanes per evaluation that [`jacobian!`](crate::jacobian!),
/// [`try_jacobian!`](crate::try_jacobian!) and [`Differentiable::jacobian`](crate::Differentiable::jacobian)
/// take for `n` inputs: 8, 16 or 32, whichever gives the fewest passes weighted by what one
/// pass of that width costs.
///
/// The weights (10 : 14 : 22 for 8, 16 and 32 lanes) are measured: one pass of the plain-loop
/// MLPs of `BENCHMARKS.md` at 16 lanes costs 1.27–1.44 times a pass at 8, at 32 lanes
/// 1.97–2.4 times, and 64 lanes cost more than two passes at 32 (the lanes of a `DualN`
/// no longer fit the 16 vector registers, so every `acc += w * h` goes through memory).
/// So 8 inputs take one pass of 8, 9–32 one pass of 16 or 32, 33–48 three passes of 16,
/// and more inputs passes of 32. The lanes never change a derivative: each lane is
/// computed by the same operations whatever the width.
///
/// ```
/// use nngrad_core::__private::lanes_for;
/// assert_eq!([lanes_for(0), lanes_for(8), lanes_for(12), lanes_for(32)], [8, 8, 16, 32]);
/// assert_eq!([lanes_for(40), lanes_for(128)], [16, 32]);
/// ```
pub fn lanes_for(n: usize) -> usize {
    const WIDTHS: [(usize, usize); 3] = [(8, 10), (16, 14), (32, 22)];
    let cost = |&(lanes, weight): &(usize, usize)| n.div_ceil(lanes).max(1) * weight;
    // `min_by_key` keeps the first of equal costs: the narrower width.
    WIDTHS.iter().min_by_key(|w| cost(w)).map_or(8, |w| w.0)
}

/// [`jacobian`] with the lanes per evaluation chosen from the input count (8, 16 or 32, see
/// [`lanes_for`](crate::__private::lanes_for)): the same `(values, J)` as [`jacobian`], bit
/// for bit, in fewer evaluations when there are more than 8 inputs.
///
/// A closure is typed for one lane count, so a function cannot choose it at run time; this
/// macro writes `f` once per width and runs the one that fits. So `f` must be a closure
/// expression or a generic function (a `#[differentiable]` fn, a fn generic over
/// [`Scalar`](crate::Scalar)), not a variable holding a closure. It is what
/// [`Differentiable::jacobian`](crate::Differentiable::jacobian) uses for a model's generic
/// `eval`. Each width is a monomorphised copy of `f`, so it costs three times `f`'s compile
/// time.
///
/// ```
/// use nngrad_core::{differentiable, jacobian, Scalar};
///
/// #[differentiable(wrt(x))]
/// fn layer(w: &[f64], x: &[f64]) -> Vec<f64> {
///     (0..2).map(|i| (0..x.len()).map(|j| w[i * x.len() + j] * x[j]).sum::<f64>().tanh()).collect()
/// }
///
/// let w: Vec<f64> = (0..64).map(|k| 0.01 * k as f64).collect();
/// let x = vec![0.5; 32];
/// let (y, j) = jacobian!(|x| layer(&w, x), &x); // one evaluation of 32 lanes
/// assert_eq!((y.clone(), j.clone()), jacobian(|x| layer(&w, x), &x)); // four of 8
/// assert_eq!(j.shape(), (2, 32));
/// ```
#[macro_export]
macro_rules! jacobian {
    ($f:expr, $x:expr $(,)?) => {
        $crate::__lanes_from_len!($crate::jacobian_chunk, $f, $x)
    };
}

/// [`try_jacobian`] with the lanes chosen from the input count, as [`jacobian!`](crate::jacobian!)
/// does: the first error stops the passes and is returned.
///
/// ```
/// use nngrad_core::{try_jacobian, Scalar};
/// fn f<S: Scalar>(x: &[S]) -> Result<Vec<S>, String> {
///     if x.len() != 20 {
///         return Err(format!("expected 20 inputs, got {}", x.len()));
///     }
///     Ok(vec![x[0] * x[19]])
/// }
/// let (y, j) = try_jacobian!(f, &[2.0; 20])?; // one evaluation of 32 lanes
/// assert_eq!((y[0], j[(0, 19)]), (4.0, 2.0));
/// assert!(try_jacobian!(f, &[2.0; 3]).is_err());
/// # Ok::<(), String>(())
/// ```
#[macro_export]
macro_rules! try_jacobian {
    ($f:expr, $x:expr $(,)?) => {
        $crate::__lanes_from_len!($crate::try_jacobian_chunk, $f, $x)
    };
}

/// The body of [`jacobian!`](crate::jacobian!) and [`try_jacobian!`](crate::try_jacobian!):
/// `$helper` run with the chunk [`lanes_for`] picks, `$f` written once per width so that
/// each copy is typed for its own.
#[doc(hidden)]
#[macro_export]
macro_rules! __lanes_from_len {
    ($helper:path, $f:expr, $x:expr) => {{
        let x: &[_] = $x;
        match $crate::__private::lanes_for(x.len()) {
            8 => $helper($crate::Chunk::<8>, $f, x),
            16 => $helper($crate::Chunk::<16>, $f, x),
            _ => $helper($crate::Chunk::<32>, $f, x),
        }
    }};
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
    c: Chunk<C>,
    mut f: F,
    x: &[T],
) -> (Vec<T>, DMatrix<T>)
where
    F: FnMut(&[DualN<T, C>]) -> O,
    O: Outputs<DualN<T, C>>,
{
    infallible(try_jacobian_chunk(c, |x| Ok(f(x)), x))
}

/// [`jacobian`] of a fallible function: the first error stops the passes and is returned
/// (no later pass runs, nothing is padded).
///
/// # Panics
/// If `f` returns a different number of outputs on different evaluations.
///
/// ```
/// use nngrad_core::{try_jacobian, DualN, Scalar};
/// #[derive(Debug, PartialEq)]
/// struct Domain(usize);
/// let f = |x: &[DualN<f64, 8>]| -> Result<Vec<DualN<f64, 8>>, Domain> {
///     x.iter().enumerate().map(|(i, &v)| if v.value() > 0.0 { Ok(v.ln()) } else { Err(Domain(i)) }).collect()
/// };
/// let (y, j) = try_jacobian(f, &[1.0, 2.0]).unwrap();
/// assert_eq!((y[0], j[(1, 1)]), (0.0, 0.5));
/// assert_eq!(try_jacobian(f, &[1.0, -2.0]), Err(Domain(1)));
/// ```
pub fn try_jacobian<T: Scalar, F, O, E>(f: F, x: &[T]) -> Result<(Vec<T>, DMatrix<T>), E>
where
    F: FnMut(&[DualN<T, DEFAULT_CHUNK>]) -> Result<O, E>,
    O: Outputs<DualN<T, DEFAULT_CHUNK>>,
{
    try_jacobian_chunk(Chunk::<DEFAULT_CHUNK>, f, x)
}

/// [`try_jacobian`] with `C` lanes per evaluation.
///
/// # Panics
/// If `f` returns a different number of outputs on different evaluations.
///
/// ```
/// use nngrad_core::{try_jacobian_chunk, Chunk, Scalar};
/// let r: Result<_, ()> = try_jacobian_chunk(Chunk::<2>, |x| Ok(vec![x[0] * x[2]]), &[1.0, 2.0, 3.0]);
/// assert_eq!(r.unwrap().1.row(0).iter().copied().collect::<Vec<_>>(), vec![3.0, 0.0, 1.0]);
/// ```
pub fn try_jacobian_chunk<const C: usize, T: Scalar, F, O, E>(
    _: Chunk<C>,
    mut f: F,
    x: &[T],
) -> Result<(Vec<T>, DMatrix<T>), E>
where
    F: FnMut(&[DualN<T, C>]) -> Result<O, E>,
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
        f(&xs)?.write_outputs(&mut ys);
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
    Ok((
        values,
        jac.unwrap_or_else(|| DMatrix::from_element(0, n, T::cst(0.0))),
    ))
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
pub fn divergence<T: Scalar, F, O>(mut f: F, x: &[T]) -> (Vec<T>, T)
where
    F: FnMut(&[DualN<T, DEFAULT_CHUNK>]) -> O,
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
