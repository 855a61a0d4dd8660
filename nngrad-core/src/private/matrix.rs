//! Matrix-valued weights in `#[differentiable]` code: `&self.w1 * &x + &self.b1` with `f64`
//! nalgebra weights and `S` activations, written as a MATLAB user writes it.
//!
//! nalgebra's operators need both operands to hold the same scalar type, and nngrad may not
//! implement `Mul<Matrix<S, ..>>` for `Matrix<f64, ..>` (both are nalgebra's). So the macro
//! routes a binary `+ - *` whose operands may be matrices, and the methods `dot`,
//! `component_mul` and `component_div`, through [`Pair`]:
//!
//! ```text
//! a * b   ⟶   (&Pair::<S, _, _>::new(a, b)).__mul(|a, b| a * b)
//! ```
//!
//! * level 0 ([`MatMul`], [`MatBin`], on `&Pair`): both operands are nalgebra matrices of
//!   scalars (`f64` data or `S`, owned or borrowed): each is made an owned `S` matrix (a move
//!   when it already is one) and the closure, type-checked on `S` matrices, computes the user's
//!   own expression with nalgebra's operator. A product of `f64` weights and `S` activations
//!   skips the conversion and runs on [`crate::kernels`] GEMM (value and tangent lanes at once);
//! * level 1 ([`AnyBin`], on `&&Pair`, found only after autoref): anything else (scalars,
//!   indices, user types) gets the closure called on the operands as they are, i.e. the
//!   user's operator unchanged.
//!
//! The level is chosen once, while the generic function is type-checked, as for the
//! promotions in the parent module.

use crate::kernels::{gemm_sw, gemm_ws, GemmDims};
use crate::Scalar;

use core::any::TypeId;
use core::cell::Cell;
use core::marker::PhantomData;
use nalgebra::allocator::Allocator;
use nalgebra::{DefaultAllocator, Dim, Matrix, OMatrix, RawStorage, Storage};

use super::{identity_or, same_or_cst};

/// The two operands of a routed binary operation or method call, and the scalar `S` that
/// matrices are made of.
pub struct Pair<S, A, B>(Cell<Option<(A, B)>>, PhantomData<S>);

impl<S, A, B> Pair<S, A, B> {
    /// Wraps the operands.
    #[inline(always)]
    pub fn new(a: A, b: B) -> Self {
        Pair(Cell::new(Some((a, b))), PhantomData)
    }
    #[inline(always)]
    fn take(&self) -> (A, B) {
        match self.0.take() {
            Some(v) => v,
            // Each pair is built and consumed by exactly one generated method call.
            None => unreachable!("nngrad: an operand pair was consumed twice"),
        }
    }
}

/// An operand that is a nalgebra matrix of scalars with dimensions `R × C`: owned, borrowed,
/// or borrowed twice (a `&DMatrix<f64>` parameter used as `&w`). The dimensions are trait
/// parameters, not associated types: nalgebra's owned-matrix alias over a projection does not
/// normalise in where-clauses.
pub trait MatOperand<R: Dim, C: Dim> {
    /// The entries' scalar type (`f64` data or `S`).
    type T: Scalar;
    /// The matrix with owned storage (a move when it already is owned, else a copy).
    fn owned(self) -> OMatrix<Self::T, R, C>
    where
        DefaultAllocator: Allocator<R, C>;
}

impl<T: Scalar, R: Dim, C: Dim, St: Storage<T, R, C>> MatOperand<R, C> for &Matrix<T, R, C, St> {
    type T = T;
    #[inline(always)]
    fn owned(self) -> OMatrix<T, R, C>
    where
        DefaultAllocator: Allocator<R, C>,
    {
        self.clone_owned()
    }
}

impl<T: Scalar, R: Dim, C: Dim, St: Storage<T, R, C>> MatOperand<R, C> for &&Matrix<T, R, C, St> {
    type T = T;
    #[inline(always)]
    fn owned(self) -> OMatrix<T, R, C>
    where
        DefaultAllocator: Allocator<R, C>,
    {
        self.clone_owned()
    }
}

impl<T: Scalar, R: Dim, C: Dim, St: Storage<T, R, C>> MatOperand<R, C> for Matrix<T, R, C, St> {
    type T = T;
    #[inline(always)]
    fn owned(self) -> OMatrix<T, R, C>
    where
        DefaultAllocator: Allocator<R, C>,
    {
        self.into_owned()
    }
}

/// The operand as an owned `S` matrix: moved when it already is one, its `f64` entries made
/// constants otherwise.
#[inline(always)]
fn lift<R: Dim, C: Dim, M: MatOperand<R, C>, S: Scalar>(m: M) -> OMatrix<S, R, C>
where
    DefaultAllocator: Allocator<R, C>,
{
    identity_or(m.owned(), |m| m.map(same_or_cst))
}

/// Level 0 of a routed `+`, `-`, `dot`, `component_mul`, `component_div`: two matrices.
pub trait MatBin<S: Scalar, RA: Dim, CA: Dim, RB: Dim, CB: Dim>
where
    DefaultAllocator: Allocator<RA, CA> + Allocator<RB, CB>,
{
    /// Both operands made `S` matrices, then the user's expression `f` on them.
    fn __bin<F, O>(self, f: F) -> O
    where
        F: FnOnce(&OMatrix<S, RA, CA>, &OMatrix<S, RB, CB>) -> O;
}

impl<S, A, B, RA, CA, RB, CB> MatBin<S, RA, CA, RB, CB> for &Pair<S, A, B>
where
    S: Scalar,
    RA: Dim,
    CA: Dim,
    RB: Dim,
    CB: Dim,
    A: MatOperand<RA, CA>,
    B: MatOperand<RB, CB>,
    DefaultAllocator: Allocator<RA, CA> + Allocator<RB, CB>,
{
    #[inline(always)]
    fn __bin<F, O>(self, f: F) -> O
    where
        F: FnOnce(&OMatrix<S, RA, CA>, &OMatrix<S, RB, CB>) -> O,
    {
        let (a, b) = self.take();
        f(&lift::<RA, CA, A, S>(a), &lift::<RB, CB, B, S>(b))
    }
}

/// Level 0 of a routed `*`: a matrix product. `f64` weights times `S` activations (either
/// side) run on the GEMM kernel without converting the weights; everything else is the user's
/// product on `S` matrices.
pub trait MatMul<S: Scalar, RA: Dim, CA: Dim, RB: Dim, CB: Dim>
where
    DefaultAllocator: Allocator<RA, CA> + Allocator<RB, CB> + Allocator<RA, CB>,
{
    /// The product as an `S` matrix.
    fn __mul<F>(self, f: F) -> OMatrix<S, RA, CB>
    where
        F: FnOnce(&OMatrix<S, RA, CA>, &OMatrix<S, RB, CB>) -> OMatrix<S, RA, CB>;
}

impl<S, A, B, RA, CA, RB, CB> MatMul<S, RA, CA, RB, CB> for &Pair<S, A, B>
where
    S: Scalar,
    RA: Dim,
    CA: Dim,
    RB: Dim,
    CB: Dim,
    A: MatOperand<RA, CA>,
    B: MatOperand<RB, CB>,
    DefaultAllocator: Allocator<RA, CA> + Allocator<RB, CB> + Allocator<RA, CB>,
{
    #[inline(always)]
    fn __mul<F>(self, f: F) -> OMatrix<S, RA, CB>
    where
        F: FnOnce(&OMatrix<S, RA, CA>, &OMatrix<S, RB, CB>) -> OMatrix<S, RA, CB>,
    {
        let (a, b) = self.take();
        let (a, b) = (a.owned(), b.owned());
        let f64_id = TypeId::of::<f64>();
        let (ta, tb, ts) = (
            TypeId::of::<A::T>(),
            TypeId::of::<B::T>(),
            TypeId::of::<S>(),
        );
        // Mismatched shapes go to nalgebra's own product, which reports them.
        if a.ncols() == b.nrows() && ts != f64_id {
            let (rows, cols) = (a.shape_generic().0, b.shape_generic().1);
            let dims = GemmDims {
                m: b.ncols(),
                k: a.ncols(),
                n: a.nrows(),
                trans_a: false,
                trans_b: false,
            };
            // Column-major `out = A·B` is row-major `outᵀ = Bᵀ·Aᵀ`, and a column-major
            // matrix's buffer is its transpose's row-major one: no copies.
            if ta == f64_id && tb == ts {
                let a: OMatrix<f64, RA, CA> = identity_or(a, |_| unreachable!());
                let b: OMatrix<S, RB, CB> = identity_or(b, |_| unreachable!());
                let mut out = OMatrix::<S, RA, CB>::from_element_generic(rows, cols, S::cst(0.0));
                gemm_sw(b.as_slice(), a.as_slice(), dims, out.as_mut_slice());
                return out;
            }
            if ta == ts && tb == f64_id {
                let a: OMatrix<S, RA, CA> = identity_or(a, |_| unreachable!());
                let b: OMatrix<f64, RB, CB> = identity_or(b, |_| unreachable!());
                let mut out = OMatrix::<S, RA, CB>::from_element_generic(rows, cols, S::cst(0.0));
                gemm_ws(b.as_slice(), a.as_slice(), dims, out.as_mut_slice());
                return out;
            }
        }
        let a: OMatrix<S, RA, CA> = identity_or(a, |m| m.map(same_or_cst));
        let b: OMatrix<S, RB, CB> = identity_or(b, |m| m.map(same_or_cst));
        f(&a, &b)
    }
}

/// Level 1 of every routed operation: not two matrices, so the user's expression runs on the
/// operands exactly as written.
pub trait AnyBin {
    /// Left operand.
    type A;
    /// Right operand.
    type B;
    /// `f(a, b)`.
    fn __bin<F, O>(self, f: F) -> O
    where
        F: FnOnce(Self::A, Self::B) -> O;
    /// `f(a, b)`.
    fn __mul<F, O>(self, f: F) -> O
    where
        F: FnOnce(Self::A, Self::B) -> O;
}

impl<S, A, B> AnyBin for &&Pair<S, A, B> {
    type A = A;
    type B = B;
    #[inline(always)]
    fn __bin<F, O>(self, f: F) -> O
    where
        F: FnOnce(A, B) -> O,
    {
        let (a, b) = self.take();
        f(a, b)
    }
    #[inline(always)]
    fn __mul<F, O>(self, f: F) -> O
    where
        F: FnOnce(A, B) -> O,
    {
        let (a, b) = self.take();
        f(a, b)
    }
}

/// The element type of a routed scalar-argument method's receiver (`m.add_scalar(a)`,
/// `m.scale(a)`, `m.fill(a)`): level 0 ([`ElemL0`]) a nalgebra matrix, owned or borrowed,
/// gives its scalar `T`; level 1 ([`ElemL1`], after autoref) any other receiver gives the
/// fallback `D` the macro chose (the scalar for a literal argument, as before, or
/// [`Unknown`] to leave the argument as written). The argument is then converted by
/// [`super::W2`] like an assignment into a place of that type: `f64` data into an `S` matrix
/// becomes a constant, into an `f64` matrix it stays `f64`.
pub struct Elem<'a, X: ?Sized, D>(&'a X, PhantomData<D>);

impl<'a, X: ?Sized, D> Elem<'a, X, D> {
    /// Wraps a borrow of the receiver; only its type is used.
    #[inline(always)]
    pub fn new(x: &'a X) -> Self {
        Elem(x, PhantomData)
    }
}

/// A receiver whose element type is not known: the argument is left as written.
pub struct Unknown;

/// Level 0: a nalgebra matrix receiver (or a borrow of one).
pub trait ElemL0 {
    /// The matrix's scalar.
    type T;
    /// Its type, as a marker.
    fn __elem(&self) -> PhantomData<Self::T>;
}

/// Level 1: any other receiver: the fallback `D`.
pub trait ElemL1 {
    /// The fallback.
    type T;
    /// Its type, as a marker.
    fn __elem(&self) -> PhantomData<Self::T>;
}

impl<T, R: Dim, C: Dim, St: RawStorage<T, R, C>, D> ElemL0 for Elem<'_, Matrix<T, R, C, St>, D> {
    type T = T;
    #[inline(always)]
    fn __elem(&self) -> PhantomData<T> {
        PhantomData
    }
}

impl<T, R: Dim, C: Dim, St: RawStorage<T, R, C>, D> ElemL0 for Elem<'_, &Matrix<T, R, C, St>, D> {
    type T = T;
    #[inline(always)]
    fn __elem(&self) -> PhantomData<T> {
        PhantomData
    }
}

impl<X: ?Sized, D> ElemL1 for &Elem<'_, X, D> {
    type T = D;
    #[inline(always)]
    fn __elem(&self) -> PhantomData<D> {
        PhantomData
    }
}

impl<T, R: Dim, C: Dim, St: RawStorage<T, R, C>, D> ElemL0
    for Elem<'_, &mut Matrix<T, R, C, St>, D>
{
    type T = T;
    #[inline(always)]
    fn __elem(&self) -> PhantomData<T> {
        PhantomData
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dual, ScalarLhs, ScalarRef, ScalarRefLhs};
    use nalgebra::{dmatrix, dvector, DMatrix, DVector, Matrix2, Vector2};

    struct Net {
        w: DMatrix<f64>,
        b: DVector<f64>,
    }

    // Written as the macro emits `(&self.w * &x + &self.b).map(|v| v.tanh())` and the
    // scalar products of the same function.
    fn layer<S: Scalar>(net: &Net, x: DVector<S>, k: S, n: usize) -> (DVector<S>, S, usize)
    where
        f64: ScalarLhs<S>,
        for<'a> &'a f64: ScalarRefLhs<S>,
        for<'a> &'a S: ScalarRef<S>,
    {
        let wx = (&Pair::<S, _, _>::new(&net.w, &x)).__mul(|a, b| a * b);
        let z = (&Pair::<S, _, _>::new(wx, &net.b)).__bin(|a, b| a + b);
        let d = (&Pair::<S, _, _>::new(&z, &net.b)).__bin(|a, b| a.dot(b));
        let s = (&Pair::<S, _, _>::new(k, d)).__mul(|a, b| a * b);
        let m = (&Pair::<S, _, _>::new(n, 3)).__mul(|a, b| a * b);
        (z.map(|v| v.tanh()), s, m)
    }

    #[test]
    fn matrices_of_f64_weights_meet_s_activations() {
        let net = Net {
            w: dmatrix![1.0, 2.0; 3.0, 4.0; 5.0, 6.0],
            b: dvector![0.5, -0.5, 1.0],
        };
        let x = dvector![Dual::variable(0.25), Dual::constant(-1.0)];
        let (h, s, m) = layer(&net, x, Dual::constant(2.0), 7);
        let z = &net.w * dvector![0.25, -1.0] + &net.b;
        for i in 0..3 {
            assert_eq!(h[i].re(), z[i].tanh());
            let dz = net.w[(i, 0)];
            assert!((h[i].eps() - dz * (1.0 - z[i].tanh().powi(2))).abs() < 1e-15);
        }
        assert_eq!(m, 21);
        assert_eq!(s.re(), 2.0 * z.dot(&net.b));
        let dzdx0 = net.w.column(0).into_owned();
        assert_eq!(s.eps(), 2.0 * dzdx0.dot(&net.b));
        // f64 evaluation is the plain nalgebra code
        let (hf, _, _) = layer(&net, dvector![0.25, -1.0], 2.0, 1);
        assert_eq!(hf, z.map(|v| v.tanh()));
    }

    #[test]
    fn static_matrices_and_both_sides() {
        fn f<S: Scalar>(w: &Matrix2<f64>, x: &Vector2<S>) -> (Vector2<S>, nalgebra::RowVector2<S>)
        where
            f64: ScalarLhs<S>,
            for<'a> &'a f64: ScalarRefLhs<S>,
            for<'a> &'a S: ScalarRef<S>,
        {
            let a = (&Pair::<S, _, _>::new(w.transpose(), x)).__mul(|a, b| a * b);
            let b = (&Pair::<S, _, _>::new(x.transpose(), w)).__mul(|a, b| a * b);
            let c = (&Pair::<S, _, _>::new(&a, w)).__bin(|a, b| a.component_mul(&b.column(0)));
            let d = (&Pair::<S, _, _>::new(w, &c)).__bin(|a, b| a.column(1) - b);
            (d, b)
        }
        let w = Matrix2::new(1.0, 2.0, 3.0, 4.0);
        let x = Vector2::new(Dual::variable(1.0), Dual::constant(2.0));
        let (d, b) = f(&w, &x);
        let xf = Vector2::new(1.0, 2.0);
        let a = w.transpose() * xf;
        let c = a.component_mul(&w.column(0));
        let dref = w.column(1) - c;
        assert_eq!(d.map(|v| v.re()), dref);
        assert_eq!(b.map(|v| v.re()), xf.transpose() * w);
        // d/dx0 of d = -(w^T e0) .* w[:,0]
        assert_eq!(
            d.map(|v| v.eps()),
            -w.transpose().column(0).component_mul(&w.column(0))
        );
        assert_eq!(b.map(|v| v.eps()), w.row(0).into_owned());
    }
}
