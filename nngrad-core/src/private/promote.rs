//! "Make this an `S`": values at positions where the generic scalar is expected (literals,
//! `f64` data, containers of them, nalgebra matrices), two levels.

use super::wrap::{identity_or, same_or_cst, W};
use crate::Scalar;

/// Level 0 of "make this an `S`": scalars and containers of scalars.
pub trait PromoteL0 {
    /// The promoted type for the scalar `S`.
    type Out<S: Scalar>;
    /// Converts (or moves unchanged when it already is the `S` form).
    fn __promote<S: Scalar>(self) -> Self::Out<S>;
}

/// Level 1 of "make this an `S`": anything else, unchanged.
pub trait PromoteL1 {
    /// The value's own type.
    type Out<S: Scalar>;
    /// Returns the value unchanged.
    fn __promote<S: Scalar>(self) -> Self::Out<S>;
}

impl<T: Scalar> PromoteL0 for &W<T> {
    type Out<S: Scalar> = S;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> S {
        same_or_cst(self.take())
    }
}

impl<T: Scalar> PromoteL0 for &W<Vec<T>> {
    type Out<S: Scalar> = Vec<S>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> Vec<S> {
        identity_or(self.take(), |v| v.into_iter().map(same_or_cst).collect())
    }
}

impl<T: Scalar> PromoteL0 for &W<Vec<Vec<T>>> {
    type Out<S: Scalar> = Vec<Vec<S>>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> Vec<Vec<S>> {
        identity_or(self.take(), |v| {
            v.into_iter()
                .map(|row| row.into_iter().map(same_or_cst).collect())
                .collect()
        })
    }
}

impl<T: Scalar, const N: usize> PromoteL0 for &W<[T; N]> {
    type Out<S: Scalar> = [S; N];
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> [S; N] {
        identity_or(self.take(), |a| a.map(same_or_cst))
    }
}

impl<T: Scalar, U: Scalar> PromoteL0 for &W<(T, U)> {
    type Out<S: Scalar> = (S, S);
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> (S, S) {
        let (a, b) = self.take();
        (same_or_cst(a), same_or_cst(b))
    }
}

impl<T: Scalar, U: Scalar, V: Scalar> PromoteL0 for &W<(T, U, V)> {
    type Out<S: Scalar> = (S, S, S);
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> (S, S, S) {
        let (a, b, c) = self.take();
        (same_or_cst(a), same_or_cst(b), same_or_cst(c))
    }
}

impl<T: Scalar> PromoteL0 for &W<Option<T>> {
    type Out<S: Scalar> = Option<S>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> Option<S> {
        self.take().map(same_or_cst)
    }
}

/// nalgebra matrices and vectors with owned storage: `f64` entries become constants of `S`;
/// a matrix that already holds `S` is moved unchanged.
impl<T, R, C, St> PromoteL0 for &W<nalgebra::Matrix<T, R, C, St>>
where
    T: Scalar,
    R: nalgebra::Dim,
    C: nalgebra::Dim,
    St: nalgebra::RawStorage<T, R, C> + 'static,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R, C>,
{
    type Out<S: Scalar> = nalgebra::OMatrix<S, R, C>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> nalgebra::OMatrix<S, R, C> {
        identity_or(self.take(), |m| m.map(same_or_cst))
    }
}

/// A borrowed nalgebra matrix (a constant parameter lifted at entry): copied into `S`, or
/// cloned when it already holds `S`.
impl<T, R, C, St> PromoteL0 for &W<&nalgebra::Matrix<T, R, C, St>>
where
    T: Scalar,
    R: nalgebra::Dim,
    C: nalgebra::Dim,
    St: nalgebra::RawStorage<T, R, C>,
    nalgebra::DefaultAllocator: nalgebra::allocator::Allocator<R, C>,
{
    type Out<S: Scalar> = nalgebra::OMatrix<S, R, C>;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> nalgebra::OMatrix<S, R, C> {
        self.take().map(same_or_cst)
    }
}

impl<T> PromoteL1 for &&W<T> {
    type Out<S: Scalar> = T;
    #[inline(always)]
    fn __promote<S: Scalar>(self) -> T {
        self.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dual;

    // The dispatch is exercised the way the macro emits it: inside a generic fn over `S`.
    fn promote_all<S: Scalar>(x: S, w: f64, v: Vec<f64>, n: usize) -> (S, S, Vec<S>, usize) {
        let a = (&W::new(x)).__promote::<S>();
        let b = (&W::new(w)).__promote::<S>();
        let c = (&W::new(v)).__promote::<S>();
        let d = (&W::new(n)).__promote::<S>();
        (a, b, c, d)
    }

    #[test]
    fn promotion_keeps_s_and_makes_f64_data_constant() {
        let (a, b, c, d) = promote_all(Dual::variable(2.0), 3.0, vec![4.0], 7);
        assert_eq!((a.re(), a.eps()), (2.0, 1.0));
        assert_eq!((b.re(), b.eps()), (3.0, 0.0));
        assert_eq!((c[0].re(), c[0].eps()), (4.0, 0.0));
        assert_eq!(d, 7);
    }
}
