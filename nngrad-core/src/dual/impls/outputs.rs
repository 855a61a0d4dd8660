//! [`Outputs`](crate::Outputs) for a dual type: a closure may return a single value of it.
//!
//! A type registers it at the bottom of its own file: `impl_outputs!([generics] Type);`.

/// Implements `Outputs<$ty>` for `$ty` with generics `[$($gen)*]`.
macro_rules! impl_outputs {
    ([$($gen:tt)*] $ty:ty) => {
        impl<$($gen)*> $crate::Outputs<$ty> for $ty {
            fn write_outputs(self, out: &mut Vec<$ty>) {
                out.push(self);
            }
        }
    };
}

pub(crate) use impl_outputs;
