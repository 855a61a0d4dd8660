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

use core::any::TypeId;

/// A scalar type's layout as a run of `width` `f64` components (see the module docs).
#[derive(Clone, Copy, Debug)]
pub struct F64Layout {
    pub(crate) type_id: TypeId,
    pub(crate) width: usize,
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
        }
    }

    /// `f64` itself: one component.
    #[inline(always)]
    pub(crate) fn f64() -> Self {
        // SAFETY: `f64` is one `f64`.
        unsafe { Self::of::<f64>(1) }
    }

    /// The width of `S` when this layout was made for `S` and matches its size.
    #[inline(always)]
    pub(crate) fn width_of<S: 'static>(self) -> Option<usize> {
        (self.type_id == TypeId::of::<S>()
            && core::mem::size_of::<S>() == self.width * core::mem::size_of::<f64>())
        .then_some(self.width)
    }
}

/// The `Scalar::__f64_layout` method for a type made of `$parts` fields of type `$inner`.
macro_rules! f64_layout_method {
    ($parts:expr, $inner:ty) => {
        #[inline(always)]
        fn __f64_layout() -> Option<$crate::dual::impls::layout::F64Layout> {
            let inner = <$inner as $crate::Scalar>::__f64_layout()?;
            let width = inner.width_of::<$inner>()? * ($parts);
            // SAFETY: the registering type is `#[repr(C)]` with `$parts` fields of `$inner`
            // (its own file says so where it registers), and `$inner` is `width / $parts`
            // `f64`s (checked just above against its own layout).
            Some(unsafe { $crate::dual::impls::layout::F64Layout::of::<Self>(width) })
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
}
