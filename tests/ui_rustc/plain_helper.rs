use nngrad_core::differentiable;

fn squash(v: f64) -> f64 {
    v / (1.0 + v.abs())
}

// rustc's error, not the macro's: a plain f64 helper cannot take `S`.
#[differentiable]
fn f(x: f64) -> f64 {
    squash(x) * 2.0
}

fn main() {}

// expect: E0308 10:12
