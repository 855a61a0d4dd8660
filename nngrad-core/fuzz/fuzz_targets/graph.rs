#![no_main]
//! Graphs built from scratch from the fuzzer's bytes.
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    if let Ok(m) = nngrad_core_fuzz::graph_from(&mut u) {
        nngrad_core_fuzz::exercise(&m.encode_to_vec());
    }
});
