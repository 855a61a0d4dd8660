//! Hostile model files (issue 15): each case of the issue, built by hand, gives a clean
//! error or the correct (often zero-size) result from `from_bytes`, `forward`, `jacobian`
//! and `jvp`; and every file of `tests/hostile/` (those cases, and every input the fuzzer
//! of `nngrad-core/fuzz/` ever failed on) is replayed in a child process under a 1 GB
//! address-space and 2 s CPU limit, so an abort or a hang fails the test instead of killing
//! the test runner.

mod common;

use common::hostile::{issue_cases, out, with, OVER_TENSOR_LIMIT};
use common::onnx::{attr_ints, f32_tensor, model_bytes, node};
use nngrad_core::onnx::proto::NodeProto;
use nngrad_core::onnx::{Error, Limit, LoadOptions, Model};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Load, forward, jacobian and jvp; the first error, or the output values.
fn run(bytes: &[u8]) -> Result<Vec<f64>, Error> {
    let m = Model::from_bytes(bytes)?;
    let n = m.input_len();
    let x: Vec<f64> = (0..n).map(|i| 0.5 - i as f64).collect();
    let y = m.forward(&x)?;
    assert_eq!(y.len(), m.output_len());
    let (y2, j) = m.jacobian(&x)?;
    assert_eq!((j.nrows(), j.ncols()), (y.len(), n));
    let (y3, jv) = m.jvp(&x, &vec![1.0; n])?;
    assert_eq!(jv.len(), y.len());
    assert!(y
        .iter()
        .zip(&y2)
        .chain(y.iter().zip(&y3))
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    Ok(y)
}

#[test]
fn each_issue_case_is_a_clean_error_or_the_right_result() {
    for (name, bytes) in issue_cases() {
        let t = Instant::now();
        let r = run(&bytes);
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{name}: {:?}",
            t.elapsed()
        );
        match name {
            n if OVER_TENSOR_LIMIT.contains(&n) => {
                let e = r.unwrap_err();
                assert!(
                    matches!(
                        e,
                        Error::Limit {
                            limit: Limit::TensorElements,
                            ..
                        }
                    ),
                    "{name}: {e}"
                );
                assert!(e.to_string().contains("LoadOptions"), "{name}: {e}");
            }
            "expand_to_2p40" | "constant_of_shape_2p40" => {
                let e = r.unwrap_err();
                assert!(matches!(e, Error::Limit { .. }), "{name}: {e}");
            }
            // an initializer of shape [0, 2^40] is refused when decoded
            "matmul_zero_inner_huge_outer" => {
                let e = r.unwrap_err();
                assert!(matches!(e, Error::Invalid { .. }), "{name}: {e}");
            }
            "batchnorm_wrong_lengths" => {
                let e = r.unwrap_err();
                assert!(e.to_string().contains("scale has shape [2]"), "{name}: {e}");
            }
            "batchnorm_rank0" => {
                let e = r.unwrap_err();
                assert!(e.to_string().contains("rank ≥ 2"), "{name}: {e}");
            }
            "split_sizes_wrap" => {
                let e = r.unwrap_err();
                assert!(e.to_string().contains("do not add up"), "{name}: {e}");
            }
            // ONNX's zero-size results
            "reduce_max_zero_size_axis0" => {
                assert_eq!(r.unwrap(), vec![f64::NEG_INFINITY; 3], "{name}");
            }
            "matmul_zero_size" => assert_eq!(r.unwrap(), Vec::<f64>::new(), "{name}"),
            // all three windows lie in the padding row: −∞ (and index 0)
            "maxpool_storage_order_zero_size" => {
                assert_eq!(r.unwrap(), vec![f64::NEG_INFINITY; 3], "{name}")
            }
            // the declared [2^62, 4] is ignored: the graph gives Relu(x) of shape [1, 3]
            "declared_output_2p62" => assert_eq!(r.unwrap(), vec![0.5, 0.0, 0.0], "{name}"),
            // x[:, -1::i64::MIN] is the last element
            "slice_step_min" => assert_eq!(r.unwrap(), vec![-1.5], "{name}"),
            other => panic!("case {other} has no expectation"),
        }
    }
}

#[test]
fn zero_size_inputs_within_the_limits_give_zero_size_results_quickly() {
    let cases = [
        ("Relu", vec![], vec![], vec![0, 1 << 20]),
        ("GlobalMaxPool", vec![], vec![], vec![0, 3, 1 << 20]),
        (
            "AveragePool",
            vec![attr_ints("kernel_shape", &[2])],
            vec![],
            vec![0, 3, 1 << 20],
        ),
        (
            "Conv",
            vec![],
            vec![f32_tensor("w", &[2, 3, 1], &[1.0; 6])],
            vec![0, 3, 1 << 20],
        ),
        ("Softmax", vec![], vec![], vec![1 << 20, 0]),
        ("Flatten", vec![], vec![], vec![0, 1 << 10, 1 << 10]),
    ];
    for (op, attrs, inits, dims) in cases {
        let ins: Vec<&str> = if inits.is_empty() {
            vec!["x"]
        } else {
            vec!["x", "w"]
        };
        let bytes = model_bytes(
            13,
            vec![with(op, &ins, attrs)],
            inits,
            &dims,
            vec![out("y")],
        );
        let t = Instant::now();
        assert_eq!(run(&bytes).unwrap(), Vec::<f64>::new(), "{op}");
        assert!(
            t.elapsed() < Duration::from_millis(500),
            "{op}: {:?}",
            t.elapsed()
        );
    }
}

#[test]
fn every_limit_names_itself_and_how_to_raise_it() {
    let chain: Vec<NodeProto> = (0..50)
        .map(|k| {
            let i = if k == 0 {
                "x".to_string()
            } else {
                format!("v{}", k - 1)
            };
            let o = if k == 49 {
                "y".to_string()
            } else {
                format!("v{k}")
            };
            node("Relu", &[&i], &[&o], vec![])
        })
        .collect();
    let bytes = model_bytes(13, chain, vec![], &[1, 4], vec![out("y")]);
    assert_eq!(run(&bytes).unwrap(), vec![0.5, 0.0, 0.0, 0.0]);
    for (opts, limit) in [
        (
            LoadOptions {
                max_nodes: 10,
                ..Default::default()
            },
            Limit::Nodes,
        ),
        (
            LoadOptions {
                max_depth: 10,
                ..Default::default()
            },
            Limit::Depth,
        ),
        (
            LoadOptions {
                max_total_elements: 100,
                ..Default::default()
            },
            Limit::TotalElements,
        ),
        (
            LoadOptions {
                max_tensor_elements: 3,
                ..Default::default()
            },
            Limit::TensorElements,
        ),
    ] {
        let e = Model::from_bytes_with(&bytes, &opts).unwrap_err();
        assert!(
            matches!(e, Error::Limit { limit: l, .. } if l == limit),
            "{e}"
        );
        let s = e.to_string();
        assert!(
            s.contains(limit.field()) && s.contains("from_bytes_with"),
            "{s}"
        );
    }
    // raised, it loads
    let opts = LoadOptions {
        max_depth: 50,
        ..Default::default()
    };
    assert!(Model::from_bytes_with(&bytes, &opts).is_ok());
}

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// Writes the issue cases into `tests/hostile/` (run with `NNGRAD_BLESS=1` after changing
/// them); without the variable it checks that the files are current.
#[test]
fn issue_cases_are_in_the_corpus() {
    let bless = std::env::var_os("NNGRAD_BLESS").is_some();
    for (name, bytes) in issue_cases() {
        let path = hostile_dir().join(format!("issue15_{name}.onnx"));
        if bless {
            std::fs::write(&path, &bytes).unwrap();
        } else {
            let on_disk = std::fs::read(&path)
                .unwrap_or_else(|e| panic!("{}: {e} (NNGRAD_BLESS=1 writes it)", path.display()));
            assert_eq!(
                on_disk,
                bytes,
                "{} is stale (NNGRAD_BLESS=1 rewrites it)",
                path.display()
            );
        }
    }
}

/// The child half of the replay ([`common::hostile::child`]). Only meaningful when started
/// by `hostile_corpus_replays_cleanly`.
#[test]
#[ignore = "started in a child process by hostile_corpus_replays_cleanly"]
fn replay_one_hostile_file() {
    common::hostile::child();
}

/// Every file of `tests/hostile/` in its own process: 1 GB of address space, 2 s of CPU,
/// through load, forward, jvp and jacobian (each either a clean error or a result).
#[test]
fn hostile_corpus_replays_cleanly() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(hostile_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "onnx"))
        .collect();
    files.sort();
    assert!(
        files.len() >= issue_cases().len(),
        "only {} files",
        files.len()
    );
    let mut failures = Vec::new();
    for f in &files {
        let name = f.file_name().unwrap().to_string_lossy();
        match common::hostile::run_isolated("replay_one_hostile_file", f) {
            Ok((outcomes, t)) => eprintln!("{name}: {outcomes:?} ({t:?})"),
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        files.len(),
        failures.join("\n")
    );
}
