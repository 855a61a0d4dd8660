//! Arbitrary bytes through `Model::from_bytes`, then `forward` and `jacobian` at a fixed input:
//! any panic, abort or runaway allocation is a bug (every failure must be an `Err`).
//!
//! Run from `nngrad-core/`: `cargo +nightly fuzz run onnx_model -- -rss_limit_mb=4096`
//! (seed the corpus with `tests/data/onnx/*/model.onnx`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use nngrad_core::onnx::Model;

fuzz_target!(|data: &[u8]| {
    if let Ok(model) = Model::from_bytes(data) {
        let n = model.input_len();
        if n <= 1 << 14 {
            let x: Vec<f64> = (0..n).map(|i| (i % 7) as f64 * 0.25 - 0.5).collect();
            let _ = model.forward(&x);
            if n <= 256 {
                let _ = model.jacobian(&x);
            }
        }
    }
});
