use nngrad_core::{differentiable, Scalar};

#[differentiable]
fn scale(x: f64) -> f64 {
    x * 2.0
}

// A hand-written generic caller needs `#[scalar_bounds(T)]`.
fn caller<T: Scalar>(x: T) -> T {
    scale(x)
}

fn main() {}

// expect: E0277 10:11 missing #[differentiable] where-clauses for scalar type `T`: `f64: ScalarLhs<T>`
// expect: E0277 10:11 missing #[differentiable] where-clauses for scalar type `T`: `&f64: ScalarRefLhs<T>`
// expect: E0277 10:11 missing #[differentiable] where-clauses for scalar type `T`: `&T: ScalarRef<T>`
// expect: E0277 10:11 add `#[nngrad_core::scalar_bounds(T)]` to the generic fn
