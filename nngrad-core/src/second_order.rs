//! Second-order helpers by nesting duals (forward over forward): Hessian, Hessian-vector
//! product, Laplacian and Hessian diagonal.

use crate::first_order::{check_len, Chunk, DEFAULT_CHUNK};
use crate::{Dual, DualN, Scalar};
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

/// Value and Laplacian `Δf = tr H = Σᵢ ∂²f/∂xᵢ²`, in `n` second-order evaluations (never the
/// full Hessian).
///
/// ```
/// use nngrad_core::{laplacian, Scalar};
/// let (y, lap) = laplacian(|x| x[0] * x[0] * x[1] + x[1].sin(), &[2.0, 0.5]);
/// assert_eq!(y, 2.0 + 0.5f64.sin());
/// assert!((lap - (2.0 * 0.5 - 0.5f64.sin())).abs() < 1e-15);
/// ```
pub fn laplacian<T: Scalar, F>(f: F, x: &[T]) -> (T, T)
where
    F: FnMut(&[Dual<Dual<T>>]) -> Dual<Dual<T>>,
{
    let (y, _, d) = axis_second_derivatives(f, x);
    (y, d.into_iter().fold(T::cst(0.0), |a, b| a + b))
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
