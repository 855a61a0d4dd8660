//! `to_onnx <target> <input> <out.onnx>`: the model a fuzz target builds from an input (a
//! crash artifact), written as an `.onnx` file for `tests/hostile/`.
use prost::Message;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, target, input, out] = &args[..] else {
        eprintln!("usage: to_onnx graph|mutate|bytes <input> <out.onnx>");
        std::process::exit(2);
    };
    let data = std::fs::read(input).expect("read the input");
    let mut u = arbitrary::Unstructured::new(&data);
    let bytes = match target.as_str() {
        "graph" => nngrad_core_fuzz::graph_from(&mut u).expect("graph").encode_to_vec(),
        "mutate" => nngrad_core_fuzz::mutate_from(&mut u, nngrad_core_fuzz::seeds())
            .expect("mutate")
            .encode_to_vec(),
        _ => data.clone(),
    };
    std::fs::write(out, bytes).expect("write the model");
}
