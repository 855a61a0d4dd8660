//! Running a model file through `from_bytes` → `forward` → `jvp` → `jacobian` in a child
//! process under a 1 GB address-space limit and 2 s of CPU, so an abort, an out-of-memory
//! kill or a hang fails the test instead of killing the test runner.
//!
//! The child is the test binary itself, started on its ignored test `child_test` (which
//! calls [`child`]) with the file in `NNGRAD_HOSTILE_FILE`; it prints one `OUTCOME` line
//! per step, which [`run_isolated`] returns.

use super::onnx::{
    attr_i, attr_ints, attr_s, f32_tensor, i64_tensor, model_bytes, node, value_info,
};
use nngrad_core::onnx::proto::{data_type, NodeProto};
use nngrad_core::onnx::Model;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The input of every replay: `0.25 + 0.5·(i mod 5)`.
pub fn input(n: usize) -> Vec<f64> {
    (0..n).map(|i| 0.25 + 0.5 * (i % 5) as f64).collect()
}

/// The child half: loads `NNGRAD_HOSTILE_FILE` and prints one line per step, `OUTCOME
/// <step> ok <numbers>` or `OUTCOME <step> err <error>`. The numbers: `forward` the output
/// length and sum; `jvp` (tangent all ones) length, Σy, Σ J·v; `jacobian` rows, columns,
/// Σ J.
pub fn child() {
    let path = std::env::var("NNGRAD_HOSTILE_FILE").expect("NNGRAD_HOSTILE_FILE");
    let bytes = std::fs::read(&path).unwrap();
    let m = match Model::from_bytes(&bytes) {
        Ok(m) => m,
        Err(e) => return println!("OUTCOME load err {e}"),
    };
    println!("OUTCOME load ok {} {}", m.input_len(), m.output_len());
    let n = m.input_len();
    let x = input(n);
    match m.forward(&x) {
        Ok(y) => println!("OUTCOME forward ok {} {}", y.len(), y.iter().sum::<f64>()),
        Err(e) => println!("OUTCOME forward err {e}"),
    }
    match m.jvp(&x, &vec![1.0; n]) {
        Ok((y, jv)) => println!(
            "OUTCOME jvp ok {} {} {}",
            y.len(),
            y.iter().sum::<f64>(),
            jv.iter().sum::<f64>()
        ),
        Err(e) => println!("OUTCOME jvp err {e}"),
    }
    match m.jacobian(&x) {
        Ok((_, j)) => println!(
            "OUTCOME jacobian ok {} {} {}",
            j.nrows(),
            j.ncols(),
            j.iter().sum::<f64>()
        ),
        Err(e) => println!("OUTCOME jacobian err {e}"),
    }
}

/// Runs `child_test` of the current test binary on `file` under `ulimit -v 1048576` (1 GB
/// of address space) and `ulimit -t 2` (2 s of CPU), killed after 20 s of wall time if it
/// blocks. The `OUTCOME` lines (without the word), or what went wrong and the child's
/// stderr.
pub fn run_isolated(child_test: &str, file: &Path) -> Result<(Vec<String>, Duration), String> {
    let exe = std::env::current_exe().unwrap();
    let t = Instant::now();
    let mut child = Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1048576 && ulimit -t 2 && exec \"$0\" \"$@\"")
        .arg(&exe)
        .args([
            "--exact",
            child_test,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("NNGRAD_HOSTILE_FILE", file)
        .env("RUST_BACKTRACE", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // the CPU limit ends a busy child; this ends one that blocks
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if t.elapsed() > Duration::from_secs(20) {
            child.kill().ok();
            break None;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = t.elapsed();
    let output = child.wait_with_output().unwrap();
    let lines: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.find("OUTCOME ").map(|k| l[k + 8..].to_string()))
        .collect();
    let complete = lines.len() == 4 || lines.first().is_some_and(|l| l.starts_with("load err"));
    match status {
        Some(s) if s.success() && complete => Ok((lines, elapsed)),
        _ => Err(format!(
            "{status:?} after {elapsed:?}, outcomes {lines:?}\n{}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .take(8)
                .collect::<Vec<_>>()
                .join("\n")
        )),
    }
}

/// The issue cases whose declared sizes are over `max_tensor_elements`, refused at load.
pub const OVER_TENSOR_LIMIT: &[&str] = &[
    "input_dim_2p30",
    "input_dim_2p40",
    "declared_input_2p62",
    "reduce_sum_zero_size_huge",
    "conv_same_zero_size_huge",
    "maxpool_same_zero_size_huge",
    "avgpool_zero_size_huge",
    "globalavgpool_zero_size_huge",
    "globalmaxpool_zero_size_huge",
    "layernorm_zero_size_huge",
];

/// An output of unknown shape.
pub fn out(name: &str) -> nngrad_core::onnx::proto::ValueInfoProto {
    value_info(name, data_type::FLOAT, &[])
}

pub fn with(
    op: &str,
    ins: &[&str],
    attrs: Vec<nngrad_core::onnx::proto::AttributeProto>,
) -> NodeProto {
    node(op, ins, &["y"], attrs)
}

/// Every case of issue 15's "Why": a name, and the model's bytes (also in `tests/hostile/`).
pub fn issue_cases() -> Vec<(&'static str, Vec<u8>)> {
    let big = 1i64 << 40;
    let mut v = vec![
        (
            "input_dim_2p30",
            model_bytes(
                13,
                vec![with("Relu", &["x"], vec![])],
                vec![],
                &[1, 1 << 30],
                vec![out("y")],
            ),
        ),
        (
            "input_dim_2p40",
            model_bytes(
                13,
                vec![with("Relu", &["x"], vec![])],
                vec![],
                &[1, big],
                vec![out("y")],
            ),
        ),
        (
            "reduce_sum_zero_size_huge",
            model_bytes(
                13,
                vec![with("ReduceSum", &["x"], vec![attr_i("keepdims", 1)])],
                vec![],
                &[0, big],
                vec![out("y")],
            ),
        ),
        (
            "reduce_max_zero_size_axis0",
            // opset 18: ReduceMax's axes became an input there (an attribute before)
            model_bytes(
                18,
                vec![with("ReduceMax", &["x", "a"], vec![])],
                vec![i64_tensor("a", &[1], &[0])],
                &[0, 3],
                vec![out("y")],
            ),
        ),
        (
            "matmul_zero_size",
            model_bytes(
                13,
                vec![with("MatMul", &["x", "w"], vec![])],
                vec![f32_tensor("w", &[3, 4], &[0.5; 12])],
                &[0, 3],
                vec![out("y")],
            ),
        ),
        (
            "matmul_zero_inner_huge_outer",
            model_bytes(
                13,
                vec![with("MatMul", &["x", "w"], vec![])],
                vec![f32_tensor("w", &[0, big], &[])],
                &[1, 0],
                vec![out("y")],
            ),
        ),
        (
            "batchnorm_wrong_lengths",
            model_bytes(
                13,
                vec![with(
                    "BatchNormalization",
                    &["x", "s", "b", "m", "v"],
                    vec![],
                )],
                vec![
                    f32_tensor("s", &[2], &[1.0; 2]),
                    f32_tensor("b", &[3], &[0.0; 3]),
                    f32_tensor("m", &[3], &[0.0; 3]),
                    f32_tensor("v", &[3], &[1.0; 3]),
                ],
                &[1, 3, 2],
                vec![out("y")],
            ),
        ),
        (
            "batchnorm_rank0",
            model_bytes(
                13,
                vec![with(
                    "BatchNormalization",
                    &["x", "s", "s", "s", "s"],
                    vec![],
                )],
                vec![f32_tensor("s", &[1], &[1.0])],
                &[],
                vec![out("y")],
            ),
        ),
        (
            "split_sizes_wrap",
            model_bytes(
                13,
                vec![node(
                    "Split",
                    &["x", "s"],
                    &["y", "z", "w"],
                    vec![attr_i("axis", 1)],
                )],
                vec![i64_tensor("s", &[3], &[i64::MAX, i64::MAX, 5])],
                &[1, 3],
                vec![out("y")],
            ),
        ),
        (
            "maxpool_storage_order_zero_size",
            model_bytes(
                13,
                vec![node(
                    "MaxPool",
                    &["x"],
                    &["y", "i"],
                    vec![
                        attr_ints("kernel_shape", &[1, 1]),
                        attr_ints("pads", &[1, 0, 0, 0]),
                        attr_i("storage_order", 1),
                    ],
                )],
                vec![],
                &[1, 1, 0, 3],
                vec![out("y")],
            ),
        ),
        (
            "conv_same_zero_size_huge",
            model_bytes(
                13,
                vec![with(
                    "Conv",
                    &["x", "w"],
                    vec![attr_s("auto_pad", "SAME_UPPER")],
                )],
                vec![f32_tensor("w", &[1, 1, 3], &[1.0; 3])],
                &[0, 1, big],
                vec![out("y")],
            ),
        ),
        (
            "maxpool_same_zero_size_huge",
            model_bytes(
                13,
                vec![with(
                    "MaxPool",
                    &["x"],
                    vec![
                        attr_ints("kernel_shape", &[3]),
                        attr_s("auto_pad", "SAME_UPPER"),
                    ],
                )],
                vec![],
                &[0, 1, big],
                vec![out("y")],
            ),
        ),
        (
            "declared_output_2p62",
            model_bytes(
                13,
                vec![with("Relu", &["x"], vec![])],
                vec![],
                &[1, 3],
                vec![value_info("y", data_type::FLOAT, &[1 << 62, 4])],
            ),
        ),
        (
            "declared_input_2p62",
            model_bytes(
                13,
                vec![with("Relu", &["x"], vec![])],
                vec![],
                &[1 << 62, 4],
                vec![out("y")],
            ),
        ),
        (
            "expand_to_2p40",
            model_bytes(
                13,
                vec![with("Expand", &["x", "s"], vec![])],
                vec![i64_tensor("s", &[2], &[1 << 20, 1 << 20])],
                &[1, 1],
                vec![out("y")],
            ),
        ),
        (
            "constant_of_shape_2p40",
            model_bytes(
                13,
                vec![
                    node("ConstantOfShape", &["s"], &["c"], vec![]),
                    with("Add", &["x", "c"], vec![]),
                ],
                vec![i64_tensor("s", &[1], &[big])],
                &[1],
                vec![out("y")],
            ),
        ),
        (
            "slice_step_min",
            model_bytes(
                13,
                vec![with("Slice", &["x", "b", "e", "a", "st"], vec![])],
                vec![
                    i64_tensor("b", &[1], &[-1]),
                    i64_tensor("e", &[1], &[i64::MIN]),
                    i64_tensor("a", &[1], &[1]),
                    i64_tensor("st", &[1], &[i64::MIN]),
                ],
                &[1, 3],
                vec![out("y")],
            ),
        ),
    ];
    for (op, name) in [
        ("AveragePool", "avgpool_zero_size_huge"),
        ("GlobalAveragePool", "globalavgpool_zero_size_huge"),
        ("GlobalMaxPool", "globalmaxpool_zero_size_huge"),
        ("LayerNormalization", "layernorm_zero_size_huge"),
    ] {
        let (ins, attrs, inits) = match op {
            "AveragePool" => (vec!["x"], vec![attr_ints("kernel_shape", &[1])], vec![]),
            "LayerNormalization" => (
                vec!["x", "s"],
                vec![attr_i("axis", 1)],
                vec![f32_tensor("s", &[1], &[1.0])],
            ),
            _ => (vec!["x"], vec![], vec![]),
        };
        v.push((
            name,
            model_bytes(
                17,
                vec![with(op, &ins, attrs)],
                inits,
                &[0, 1, big],
                vec![out("y")],
            ),
        ));
    }
    v
}
