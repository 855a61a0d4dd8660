//! Second-order helpers: Hessian, Hessian-vector product and Hessian diagonal by nesting
//! duals (forward over forward); Laplacian and its weighted form on [`Taylor2`] (collapsed
//! Taylor mode), per closure or per model output.

use crate::first_order::{check_len, infallible, Chunk, DEFAULT_CHUNK};
use crate::{Differentiable, Dual, DualN, Scalar, Taylor2};
use nalgebra::DMatrix;

/// A point whose inner lanes seed `e_start … e_{start+C-1}` and whose outer tangent is `v`.
fn seed_nested<T: Scalar, const C: usize>(
    xs: &mut [Dual<DualN<T, C>>],
    x: &[T],
    outer: impl Fn(usize) -> T,
    start: usize,
) {
    for (j, (d, &v)) in xs.iter_mut().zip(x).enumerate() {
        let mut inner = DualN::constant(v);
        if (start..start + C).contains(&j) {
            inner.eps[j - start] = T::cst(1.0);
        }
        *d = Dual::new(inner, DualN::constant(outer(j)));
    }
}

/// Value, gradient and Hessian of a scalar function.
///
/// Column `i` of the Hessian comes from an outer tangent `eᵢ` over inner lane chunks; by
/// symmetry only rows `≥ i` are evaluated, about `n·⌈n/C⌉/2` evaluations in all.
///
/// ```
/// use nngrad_core::{hessian, Scalar};
/// let (y, g, h) = hessian(|x| x[0] * x[0] * x[1], &[2.0, 3.0]);
/// assert_eq!(y, 12.0);
/// assert_eq!(g, vec![12.0, 4.0]);
/// assert_eq!(h, nalgebra::dmatrix![6.0, 4.0; 4.0, 0.0]);
/// ```
pub fn hessian<T: Scalar, F>(f: F, x: &[T]) -> (T, Vec<T>, DMatrix<T>)
where
    F: FnMut(&[Dual<DualN<T, DEFAULT_CHUNK>>]) -> Dual<DualN<T, DEFAULT_CHUNK>>,
{
    hessian_chunk(Chunk::<DEFAULT_CHUNK>, f, x)
}

/// [`hessian`] with `C` inner lanes per evaluation.
///
/// ```
/// use nngrad_core::{hessian_chunk, Chunk, Scalar};
/// let (_, _, h) = hessian_chunk(Chunk::<1>, |x| x[0] * x[1], &[2.0, 3.0]);
/// assert_eq!(h, nalgebra::dmatrix![0.0, 1.0; 1.0, 0.0]);
/// ```
pub fn hessian_chunk<const C: usize, T: Scalar, F>(
    _: Chunk<C>,
    mut f: F,
    x: &[T],
) -> (T, Vec<T>, DMatrix<T>)
where
    F: FnMut(&[Dual<DualN<T, C>>]) -> Dual<DualN<T, C>>,
{
    let n = x.len();
    let zero = T::cst(0.0);
    let mut xs = vec![Dual::constant(DualN::constant(zero)); n];
    let mut h = DMatrix::from_element(n, n, zero);
    let mut g = vec![zero; n];
    let mut value = None;
    if n == 0 {
        seed_nested(&mut xs, x, |_| zero, 0);
        return (f(&xs).re.re, g, h);
    }
    for i in 0..n {
        for start in ((i / C) * C..n).step_by(C) {
            seed_nested(
                &mut xs,
                x,
                |j| T::cst(if j == i { 1.0 } else { 0.0 }),
                start,
            );
            let y = f(&xs);
            value = Some(y.re.re);
            for k in 0..C.min(n - start) {
                let j = start + k;
                if i == 0 {
                    g[j] = y.re.eps[k];
                }
                if j >= i {
                    h[(i, j)] = y.eps.eps[k];
                    h[(j, i)] = y.eps.eps[k];
                }
            }
        }
    }
    (value.unwrap_or(zero), g, h)
}

/// Value, gradient and the Hessian-vector product `H·v`, in `⌈n/DEFAULT_CHUNK⌉` evaluations
/// without forming `H`.
///
/// # Panics
/// If `x` and `v` differ in length.
///
/// ```
/// use nngrad_core::{hvp, Scalar};
/// let (y, g, hv) = hvp(|x| x[0] * x[0] * x[1], &[2.0, 3.0], &[1.0, -1.0]);
/// assert_eq!((y, g), (12.0, vec![12.0, 4.0]));
/// assert_eq!(hv, vec![6.0 - 4.0, 4.0]);
/// ```
pub fn hvp<T: Scalar, F>(mut f: F, x: &[T], v: &[T]) -> (T, Vec<T>, Vec<T>)
where
    F: FnMut(&[Dual<DualN<T, DEFAULT_CHUNK>>]) -> Dual<DualN<T, DEFAULT_CHUNK>>,
{
    const C: usize = DEFAULT_CHUNK;
    check_len("hvp", "x", x.len(), "v", v.len());
    let n = x.len();
    let zero = T::cst(0.0);
    let mut xs = vec![Dual::constant(DualN::constant(zero)); n];
    let (mut g, mut hv) = (vec![zero; n], vec![zero; n]);
    let mut value = zero;
    for start in (0..n.max(1)).step_by(C) {
        seed_nested(&mut xs, x, |j| v[j], start);
        let y = f(&xs);
        value = y.re.re;
        let len = C.min(n.saturating_sub(start));
        g[start..start + len].copy_from_slice(&y.re.eps[..len]);
        hv[start..start + len].copy_from_slice(&y.eps.eps[..len]);
    }
    (value, g, hv)
}

/// `(value, gradient, diag H)` in `n` evaluations of second order along each axis.
fn axis_second_derivatives<T: Scalar, F>(mut f: F, x: &[T]) -> (T, Vec<T>, Vec<T>)
where
    F: FnMut(&[Dual<Dual<T>>]) -> Dual<Dual<T>>,
{
    let n = x.len();
    let zero = T::cst(0.0);
    let one = T::cst(1.0);
    let mut xs: Vec<Dual<Dual<T>>> = x
        .iter()
        .map(|&v| Dual::constant(Dual::constant(v)))
        .collect();
    if n == 0 {
        return (f(&xs).re.re, vec![], vec![]);
    }
    let (mut g, mut d) = (vec![zero; n], vec![zero; n]);
    let mut value = zero;
    for i in 0..n {
        xs[i] = Dual::new(Dual::new(x[i], one), Dual::new(one, zero));
        let y = f(&xs);
        value = y.re.re;
        g[i] = y.re.eps;
        d[i] = y.eps.eps;
        xs[i] = Dual::constant(Dual::constant(x[i]));
    }
    (value, g, d)
}

/// `(value, Σ over chunks of the summed second-order coefficient)` with input `j` seeded with
/// `weight(j)` in its chunk's lane: `Σⱼ weight(j)² ∂²f/∂xⱼ²` in `⌈n/C⌉` evaluations.
fn collapsed_second<const C: usize, T: Scalar, F, E>(
    mut f: F,
    x: &[T],
    weight: impl Fn(usize) -> T,
) -> Result<(T, T), E>
where
    F: FnMut(&[Taylor2<T, C>]) -> Result<Taylor2<T, C>, E>,
{
    let mut xs: Vec<Taylor2<T, C>> = x.iter().map(|&v| Taylor2::constant(v)).collect();
    let (mut value, mut sum) = (T::cst(0.0), T::cst(0.0));
    for start in (0..x.len().max(1)).step_by(C) {
        seed_taylor(&mut xs, x, start, &weight);
        let y = f(&xs)?;
        value = y.re;
        sum += y.eps2;
    }
    Ok((value, sum))
}

/// Seeds input `j` of the chunk `start..start+C` with `weight(j)` in lane `j − start`, and
/// every other input as a constant.
fn seed_taylor<T: Scalar, const C: usize>(
    xs: &mut [Taylor2<T, C>],
    x: &[T],
    start: usize,
    weight: impl Fn(usize) -> T,
) {
    for (j, (d, &v)) in xs.iter_mut().zip(x).enumerate() {
        *d = Taylor2::constant(v);
        if (start..start + C).contains(&j) {
            d.eps[j - start] = weight(j);
        }
    }
}

/// Value and Laplacian `Δf = tr H = Σᵢ ∂²f/∂xᵢ²`, in `⌈n/DEFAULT_CHUNK⌉` evaluations of
/// [`Taylor2`] (collapsed Taylor mode: each pass carries the value, one lane per input of its
/// chunk and the chunk's summed second derivative), never the Hessian.
///
/// [`hessian_diagonal`] gives the terms one by one, in `n` nested evaluations.
///
/// ```
/// use nngrad_core::{laplacian, Scalar};
/// let (y, lap) = laplacian(|x| x[0] * x[0] * x[1] + x[1].sin(), &[2.0, 0.5]);
/// assert_eq!(y, 2.0 + 0.5f64.sin());
/// assert!((lap - (2.0 * 0.5 - 0.5f64.sin())).abs() < 1e-15);
/// ```
pub fn laplacian<T: Scalar, F>(mut f: F, x: &[T]) -> (T, T)
where
    F: FnMut(&[Taylor2<T, DEFAULT_CHUNK>]) -> Taylor2<T, DEFAULT_CHUNK>,
{
    infallible(try_laplacian(|x| Ok(f(x)), x))
}

/// [`laplacian`] of a fallible function: the first error stops the passes and is returned.
///
/// ```
/// use nngrad_core::{try_laplacian, Scalar};
/// let f = |x: &[nngrad_core::Taylor2<f64, 8>]| {
///     if x[0].value() > 0.0 { Ok(x[0].ln() + x[1] * x[1]) } else { Err("ln of a non-positive") }
/// };
/// let (_, lap) = try_laplacian(f, &[2.0, 3.0]).unwrap();
/// assert_eq!(lap, -0.25 + 2.0);
/// assert_eq!(try_laplacian(f, &[-1.0, 0.0]), Err("ln of a non-positive"));
/// ```
pub fn try_laplacian<T: Scalar, F, E>(f: F, x: &[T]) -> Result<(T, T), E>
where
    F: FnMut(&[Taylor2<T, DEFAULT_CHUNK>]) -> Result<Taylor2<T, DEFAULT_CHUNK>, E>,
{
    collapsed_second(f, x, |_| T::cst(1.0))
}

/// Value and `Σᵢ σᵢ² ∂²f/∂xᵢ²` — the second-order term `tr(diag(σ)² H)` of a diffusion with
/// independent noise of scales `σᵢ` — in `⌈n/DEFAULT_CHUNK⌉` evaluations of [`Taylor2`]
/// (input `i` seeded with `σᵢ`, so its second directional derivative is `σᵢ² ∂²f/∂xᵢ²`).
/// Also exported as [`trace_hessian_times`](crate::trace_hessian_times).
///
/// # Panics
/// If `x` and `sigma` differ in length.
///
/// ```
/// use nngrad_core::{weighted_laplacian, Scalar};
/// // f = x³ + xy²: ∂²f/∂x² = 6x, ∂²f/∂y² = 2x.
/// let (_, w) = weighted_laplacian(|u| u[0].powi(3) + u[0] * u[1] * u[1], &[1.5, 2.0], &[2.0, 0.5]);
/// assert!((w - (4.0 * 9.0 + 0.25 * 3.0)).abs() < 1e-14);
/// ```
pub fn weighted_laplacian<T: Scalar, F>(mut f: F, x: &[T], sigma: &[T]) -> (T, T)
where
    F: FnMut(&[Taylor2<T, DEFAULT_CHUNK>]) -> Taylor2<T, DEFAULT_CHUNK>,
{
    check_len("weighted_laplacian", "x", x.len(), "sigma", sigma.len());
    infallible(collapsed_second(|x| Ok(f(x)), x, |j| sigma[j]))
}

/// The Laplacian of every output of a [`Differentiable`] model at `x`: `(outputs, Δ outputs)`,
/// in `⌈n/DEFAULT_CHUNK⌉` evaluations of the model on [`Taylor2`] (any model's generic
/// `eval` runs on it: ONNX, MATLAB, dense, a user's own).
///
/// # Errors
/// The model's error from the first failing evaluation (a wrong input length among them).
///
/// ```
/// use nngrad_core::{model_laplacian, onnx::Model, laplacian, Differentiable};
/// let model = Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx"))?;
/// let x = [0.02; 10];
/// let (y, lap) = model_laplacian(&model, &x)?;
/// // the values are the generic evaluation's (`forward` takes the tangent route, whose
/// // vectorised tanh may differ in the last bits)
/// assert_eq!(y, model.eval(&x)?);
/// assert_eq!(lap[0], laplacian(|x| model.eval(x).unwrap()[0], &x).1);
/// assert!(model_laplacian(&model, &[0.0; 3]).is_err());
/// # Ok::<(), nngrad_core::onnx::Error>(())
/// ```
pub fn model_laplacian<M: Differentiable + ?Sized>(
    model: &M,
    x: &[f64],
) -> Result<(Vec<f64>, Vec<f64>), M::Error> {
    const C: usize = DEFAULT_CHUNK;
    let mut xs: Vec<Taylor2<f64, C>> = x.iter().map(|&v| Taylor2::constant(v)).collect();
    let (mut values, mut lap) = (Vec::new(), Vec::new());
    for start in (0..x.len().max(1)).step_by(C) {
        seed_taylor(&mut xs, x, start, |_| 1.0);
        let ys = model.eval(&xs)?;
        if start == 0 {
            values = ys.iter().map(|y| y.re).collect();
            lap = vec![0.0; ys.len()];
        }
        for (l, y) in lap.iter_mut().zip(&ys) {
            *l += y.eps2;
        }
    }
    Ok((values, lap))
}

/// Value, gradient and the Hessian's diagonal `∂²f/∂xᵢ²`, in `n` second-order evaluations.
///
/// ```
/// use nngrad_core::{hessian_diagonal, Scalar};
/// let (y, g, d) = hessian_diagonal(|x| x[0].powi(3) * x[1], &[2.0, 3.0]);
/// assert_eq!((y, g, d), (24.0, vec![36.0, 8.0], vec![36.0, 0.0]));
/// ```
pub fn hessian_diagonal<T: Scalar, F>(f: F, x: &[T]) -> (T, Vec<T>, Vec<T>)
where
    F: FnMut(&[Dual<Dual<T>>]) -> Dual<Dual<T>>,
{
    axis_second_derivatives(f, x)
}
