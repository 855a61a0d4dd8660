use nngrad_core::differentiable;

struct Log {
    last: f64,
}

// rustc's error, worded by nngrad: an f64 field cannot hold derivatives.
#[differentiable]
fn f(x: f64, log: &mut Log) -> f64 {
    log.last = x * 2.0;
    x
}

fn main() {}

// expect: E0308 10:16
