#![no_main]
//! Real models (fixtures, conformance cases) with structured damage.
use libfuzzer_sys::fuzz_target;
use prost::Message;

fuzz_target!(|data: &[u8]| {
    let mut u = arbitrary::Unstructured::new(data);
    if let Ok(m) = nngrad_core_fuzz::mutate_from(&mut u, nngrad_core_fuzz::seeds()) {
        nngrad_core_fuzz::exercise(&m.encode_to_vec());
    }
});
