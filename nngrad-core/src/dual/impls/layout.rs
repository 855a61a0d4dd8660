//! How the GEMM kernels learn that a scalar type is a run of `f64` components.
//!
//! [`crate::kernels`] reinterprets a slice of such a type as an `f64` matrix with `width`
//! columns per element (see its *Speed* section). Each type states its width where it registers
//! [`Scalar`](crate::Scalar) (`impl_scalar!(…; f64 parts: (N + 1) of T)`): `parts` fields of
//! its inner type, whose own width comes from the inner type's registration, so every nesting
//! of the crate's first-order types over `f64` is covered without a list.
//!
//! The answer is a [`F64Layout`], which only this crate can make and which names the type it
//! was made for: a `Scalar` implemented outside the crate cannot claim (or borrow) a layout,
//! and the kernels check the type and the size before they reinterpret anything.
//!
//! A component is either a plain `f64` (stride 1) or a pattern-detection
//! [`Tracer`](crate::sparse::Tracer): an `f64` value followed by a `u64` set (stride 2). The
//! types built over tracers (`DualN<Tracer, 8>`, the scalar of `sparse_jacobian`) are then
//! runs of `width` values two words apart, which the kernels multiply with the same GEMM call
//! as the plain run (strides doubled), so their values round exactly as over `f64`; the sets
//! are united separately (see `kernels`).

use core::any::TypeId;

/// A scalar type's layout as a run of `width` `f64` components (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct F64Layout {
    pub(crate) type_id: TypeId,
    pub(crate) width: usize,
    /// Words (8 bytes) per component: 1 for `f64`, 2 for a tracer's value and set.
    pub(crate) stride: usize,
}

impl F64Layout {
    /// The layout of `S`.
    ///
    /// # Safety
    /// `S` must consist of exactly `width` `f64` values and nothing else (no padding, no other
    /// fields): `#[repr(C)]` structs of `f64` fields and of such types.
    #[inline(always)]
    pub(crate) unsafe fn of<S: 'static>(width: usize) -> Self {
        F64Layout {
            type_id: TypeId::of::<S>(),
            width,
            stride: 1,
        }
    }

    /// The layout of a type `S` of `width` tracer components (a value and a set each).
    ///
    /// # Safety
    /// `S` must consist of exactly `width` pairs `(f64, u64)` and nothing else: the
    /// `#[repr(C)]` `Tracer` and `#[repr(C)]` structs of such types.
    #[inline(always)]
    pub(crate) unsafe fn traced<S: 'static>(width: usize) -> Self {
        F64Layout {
            type_id: TypeId::of::<S>(),
            width,
            stride: 2,
        }
    }

    /// The layout of `S`, made of `parts` fields of the type this layout is for (`Inner`),
    /// with the same kind of components.
    ///
    /// # Safety
    /// `S` must be `#[repr(C)]` with exactly `parts` fields of type `Inner` and nothing else.
    #[inline(always)]
    pub(crate) unsafe fn nest<Inner: 'static, S: 'static>(self, parts: usize) -> Option<Self> {
        (self.type_id == TypeId::of::<Inner>()
            && core::mem::size_of::<Inner>()
                == self.width * self.stride * core::mem::size_of::<u64>())
        .then(|| F64Layout {
            type_id: TypeId::of::<S>(),
            width: self.width * parts,
            stride: self.stride,
        })
    }

    /// `f64` itself: one component.
    #[inline(always)]
    pub(crate) fn f64() -> Self {
        // SAFETY: `f64` is one `f64`.
        unsafe { Self::of::<f64>(1) }
    }

    /// The width of `S` when this layout was made for `S`, is a run of plain `f64`s and
    /// matches its size.
    #[inline(always)]
    pub(crate) fn width_of<S: 'static>(self) -> Option<usize> {
        (self.stride == 1 && self.fits::<S>()).then_some(self.width)
    }

    /// The number of tracer components of `S` when this layout was made for `S`, is a run of
    /// tracers and matches its size.
    #[inline(always)]
    pub(crate) fn traced_width_of<S: 'static>(self) -> Option<usize> {
        (self.stride == 2 && self.fits::<S>()).then_some(self.width)
    }

    #[inline(always)]
    fn fits<S: 'static>(self) -> bool {
        self.type_id == TypeId::of::<S>()
            && core::mem::size_of::<S>() == self.width * self.stride * core::mem::size_of::<f64>()
    }
}

/// The `Scalar::__f64_layout` method for a type made of `$parts` fields of type `$inner`.
macro_rules! f64_layout_method {
    ($parts:expr, $inner:ty) => {
        #[inline(always)]
        fn __f64_layout() -> Option<$crate::dual::impls::layout::F64Layout> {
            let inner = <$inner as $crate::Scalar>::__f64_layout()?;
            // SAFETY: the registering type is `#[repr(C)]` with `$parts` fields of `$inner`
            // (its own file says so where it registers); `nest` checks that the inner layout
            // is `$inner`'s and matches its size.
            unsafe { inner.nest::<$inner, Self>($parts) }
        }
    };
}

pub(crate) use f64_layout_method;

#[cfg(test)]
mod tests {
    use super::F64Layout;
    use crate::{Dual, DualN, Scalar};

    /// A layout made for one type is no layout for another, even of the same size: a `Scalar`
    /// implemented elsewhere that returns a borrowed layout takes the loops.
    #[test]
    fn a_layout_answers_only_for_its_own_type() {
        let d = Dual::<f64>::__f64_layout().unwrap();
        assert_eq!(d.width_of::<Dual<f64>>(), Some(2));
        assert_eq!(d.width_of::<DualN<f64, 1>>(), None);
        assert_eq!(d.width_of::<[f64; 2]>(), None);
        assert_eq!(F64Layout::f64().width_of::<f64>(), Some(1));
        assert_eq!(F64Layout::f64().width_of::<u64>(), None);
    }

    /// Types over tracers are runs of (value, set) pairs: a traced width, never a plain one.
    #[test]
    fn tracer_runs_have_a_traced_width_only() {
        use crate::sparse::Tracer;
        type L = DualN<Tracer, 8>;
        let l = L::__f64_layout().unwrap();
        assert_eq!(
            (l.traced_width_of::<L>(), l.width_of::<L>()),
            (Some(9), None)
        );
        let t = Tracer::__f64_layout().unwrap();
        assert_eq!(
            (t.traced_width_of::<Tracer>(), t.width_of::<Tracer>()),
            (Some(1), None)
        );
        let d = Dual::<DualN<Tracer, 2>>::__f64_layout().unwrap();
        assert_eq!(d.traced_width_of::<Dual<DualN<Tracer, 2>>>(), Some(6));
        assert_eq!(
            DualN::<f64, 8>::__f64_layout()
                .unwrap()
                .traced_width_of::<DualN<f64, 8>>(),
            None
        );
    }
}
