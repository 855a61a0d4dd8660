use nngrad_core::{scalar_bounds, Scalar};

#[scalar_bounds(T)]
fn caller<U: Scalar>(x: U) -> U {
    x
}

fn main() {}
