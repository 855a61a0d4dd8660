#![no_main]
//! Raw bytes as an `.onnx` file (seeded with the real models: libFuzzer's byte mutations).
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| nngrad_core_fuzz::exercise(data));
