//! Hostile model files (issue 15): each case of the issue, built by hand, gives a clean
//! error or the correct (often zero-size) result from `from_bytes`, `forward`, `jacobian`
//! and `jvp`; and every file of `tests/hostile/` (those cases, and every input the fuzzer
//! of `nngrad-core/fuzz/` ever failed on) is replayed in a child process under a 1 GB
//! address-space and 2 s CPU limit, so an abort or a hang fails the test instead of killing
//! the test runner.

mod common;

use common::hostile::{issue_cases, out, with, OVER_TENSOR_LIMIT};
use common::onnx::{attr_i, attr_ints, f32_tensor, i64_tensor, model_bytes, node};
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
    if m.output_is_dynamic() {
        assert_eq!(m.output_len(), 0);
    } else {
        assert_eq!(y.len(), m.output_len());
    }
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

/// Hostile sizes known only at run time (issue 17): the runtime input `x` (shape `[1]`)
/// decides a size through a Range bound, a OneHot depth, Tile's repeats or Expand's shape,
/// so loading cannot check it; the evaluator must refuse it against the limits before
/// allocating (`run` evaluates at x = 0.5, the replay at 0.25).
fn run_time_cases() -> Vec<(&'static str, Vec<u8>)> {
    let f = |name: &str, v: f32| f32_tensor(name, &[], &[v]);
    let mul = node("Mul", &["x", "k"], &["s"], vec![]);
    let to_int = node("Cast", &["s"], &["si"], vec![attr_i("to", 7)]);
    let bytes = |nodes: Vec<NodeProto>, inits| model_bytes(17, nodes, inits, &[1], vec![out("y")]);
    let scalar_s = node("Squeeze", &["s", "ax0"], &["s0"], vec![]);
    let ax0 = i64_tensor("ax0", &[1], &[0]);
    vec![
        // Range(0, 2e18·x, 1): 1e18 elements
        (
            "range_1e18",
            bytes(
                vec![
                    mul.clone(),
                    scalar_s.clone(),
                    node("Range", &["zero", "s0", "one"], &["y"], vec![]),
                ],
                vec![f("k", 2e18), f("zero", 0.0), f("one", 1.0), ax0.clone()],
            ),
        ),
        // Range(0, 2e6·x, 1): 10^6 elements fit the default limits, not tighter ones
        // (`run_time_sizes_are_bounded_by_the_limits`)
        (
            "range_1e6",
            bytes(
                vec![
                    mul.clone(),
                    scalar_s.clone(),
                    node("Range", &["zero", "s0", "one"], &["r"], vec![]),
                    node("ReduceSum", &["r"], &["y"], vec![attr_i("keepdims", 1)]),
                ],
                vec![f("k", 2e6), f("zero", 0.0), f("one", 1.0), ax0.clone()],
            ),
        ),
        // Range(0, -2e18·x, 1) is empty
        (
            "range_negative_huge",
            bytes(
                vec![
                    mul.clone(),
                    scalar_s.clone(),
                    node("Range", &["zero", "s0", "one"], &["y"], vec![]),
                ],
                vec![f("k", -2e18), f("zero", 0.0), f("one", 1.0), ax0.clone()],
            ),
        ),
        // Range(0, x/0 = ∞, 1) has no finite length
        (
            "range_infinite",
            bytes(
                vec![
                    node("Div", &["x", "k"], &["s"], vec![]),
                    scalar_s.clone(),
                    node("Range", &["zero", "s0", "one"], &["y"], vec![]),
                ],
                vec![f("k", 0.0), f("zero", 0.0), f("one", 1.0), ax0.clone()],
            ),
        ),
        // OneHot([0, 1], depth 2e15·x): 2·10^15 elements
        (
            "onehot_depth_1e15",
            bytes(
                vec![
                    mul.clone(),
                    scalar_s.clone(),
                    node("OneHot", &["ind", "s0", "vals"], &["y"], vec![]),
                ],
                vec![
                    f("k", 2e15),
                    i64_tensor("ind", &[2], &[0, 1]),
                    f32_tensor("vals", &[2], &[0.0, 1.0]),
                    ax0.clone(),
                ],
            ),
        ),
        // Tile([1, 2], repeats 2e12·x) downstream of a Cast: 2·10^12 elements
        (
            "tile_repeats_1e12",
            bytes(
                vec![
                    mul.clone(),
                    to_int.clone(),
                    node("Tile", &["w", "si"], &["y"], vec![]),
                ],
                vec![f("k", 2e12), f32_tensor("w", &[2], &[1.0, 2.0])],
            ),
        ),
        // Expand([1], shape 2e12·x): a target the input feeds (a rule that needs the value)
        (
            "expand_to_1e12",
            bytes(
                vec![
                    mul.clone(),
                    to_int,
                    node("Expand", &["w", "si"], &["y"], vec![]),
                ],
                vec![f("k", 2e12), f32_tensor("w", &[1], &[1.0])],
            ),
        ),
    ]
}

#[test]
fn hostile_run_time_sizes_are_clean_limit_errors() {
    for (name, bytes) in run_time_cases() {
        let m = Model::from_bytes(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(m.output_is_dynamic(), "{name}");
        assert_eq!(m.output_len(), 0, "{name}");
        let t = Instant::now();
        let r = run(&bytes);
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "{name}: {:?}",
            t.elapsed()
        );
        match name {
            "range_1e18" | "onehot_depth_1e15" | "tile_repeats_1e12" | "expand_to_1e12" => {
                let e = r.unwrap_err();
                assert!(
                    matches!(
                        e,
                        Error::Limit {
                            limit: Limit::TensorElements,
                            needed,
                            max,
                            ..
                        } if needed >= 1 << 39 && max == LoadOptions::default().max_tensor_elements
                    ),
                    "{name}: {e:?}"
                );
                let s = e.to_string();
                assert!(
                    s.contains("max_tensor_elements")
                        && s.contains("depends on the input's values"),
                    "{name}: {s}"
                );
                // the same from the derivative entry points
                for r in [
                    m.jacobian(&[0.5]).map(|_| ()),
                    m.jvp(&[0.5], &[1.0]).map(|_| ()),
                ] {
                    assert!(matches!(r, Err(Error::Limit { .. })), "{name}: {r:?}");
                }
            }
            // 2e6·0.5 = 10^6 values 0, 1, …: their sum
            "range_1e6" => assert_eq!(r.unwrap(), vec![(1e6 - 1.0) * 1e6 / 2.0], "{name}"),
            "range_negative_huge" => assert_eq!(r.unwrap(), Vec::<f64>::new(), "{name}"),
            "range_infinite" => {
                let e = r.unwrap_err();
                assert!(
                    matches!(e, Error::Node { ref op, .. } if op == "Range")
                        && e.to_string().contains("no finite length"),
                    "{name}: {e}"
                );
            }
            other => panic!("case {other} has no expectation"),
        }
    }
}

#[test]
fn run_time_sizes_are_bounded_by_the_limits() {
    let bytes = &run_time_cases()[1].1;
    // 10^6 elements: over a tighter per-value limit, or over what the total leaves
    for (opts, limit) in [
        (
            LoadOptions {
                max_tensor_elements: 1 << 16,
                ..Default::default()
            },
            Limit::TensorElements,
        ),
        (
            LoadOptions {
                max_total_elements: 1 << 19,
                ..Default::default()
            },
            Limit::TotalElements,
        ),
    ] {
        let m = Model::from_bytes_with(bytes, &opts).unwrap();
        let e = m.forward(&[0.5]).unwrap_err();
        assert!(
            matches!(e, Error::Limit { limit: l, .. } if l == limit),
            "{e}"
        );
        assert!(e.to_string().contains(limit.field()), "{e}");
        // a small run fits: Range(0, 200) sums to 19900
        assert_eq!(m.forward(&[1e-4]).unwrap(), vec![19900.0]);
    }
}

fn hostile_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hostile")
}

/// Writes the issue cases into `tests/hostile/` (run with `NNGRAD_BLESS=1` after changing
/// them); without the variable it checks that the files are current.
#[test]
fn issue_cases_are_in_the_corpus() {
    let bless = std::env::var_os("NNGRAD_BLESS").is_some();
    let cases = issue_cases()
        .into_iter()
        .map(|(n, b)| (format!("issue15_{n}"), b));
    let run_time = run_time_cases()
        .into_iter()
        .map(|(n, b)| (format!("issue17_{n}"), b));
    for (name, bytes) in cases.chain(run_time) {
        let path = hostile_dir().join(format!("{name}.onnx"));
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

/// Found by the `graph` fuzz target: ReduceSumSquare at opset 6 with four inputs, the second
/// computed from the runtime input. The evaluator read input 1 as axes at any opset while the
/// load-time shape rule (rightly) did not, so the shape known at load and the one computed
/// at run time differed ("internal:"). Before the opset that adds the axes input, a second
/// input is now refused, at load, by both.
#[test]
fn a_reduction_with_an_axes_input_before_its_opset_is_refused_at_load() {
    let path = hostile_dir().join("fuzz_graph_reduce_axes_input_opset6.onnx");
    let bytes = std::fs::read(&path).unwrap();
    let e = Model::from_bytes(&bytes).unwrap_err().to_string();
    assert!(
        e.contains("ReduceSumSquare at opset 6 takes one input") && !e.contains("internal:"),
        "{e}"
    );
}

/// Found by the `graph` fuzz target, as the case above: TopK at opset 6 with a second input
/// read as K (an attribute until opset 10), its value computed from the runtime input.
#[test]
fn a_top_k_with_a_k_input_before_opset_10_is_refused_at_load() {
    let path = hostile_dir().join("fuzz_graph_topk_k_input_opset6.onnx");
    let bytes = std::fs::read(&path).unwrap();
    let e = Model::from_bytes(&bytes).unwrap_err().to_string();
    assert!(
        e.contains("TopK at opset 6 takes one input") && !e.contains("internal:"),
        "{e}"
    );
}

/// Found by the `graph` fuzz target: a model with zero inputs that is a dense chain (one
/// MatMul of a `[0]` input by a `[0]` weight: one output, 0). The dense path counted its points
/// as `xs.len() / n` and returned no values beside a 1 × 0 Jacobian; a single point is now
/// one point whatever its input count.
#[test]
fn a_dense_chain_with_zero_inputs_gives_its_value_and_an_empty_jacobian() {
    let path = hostile_dir().join("fuzz_graph_matmul_zero_inputs_dense_chain.onnx");
    let m = Model::from_bytes(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(m.input_len(), 0);
    let y = m.forward(&[]).unwrap();
    assert_eq!(y, vec![0.0]);
    let (y2, j) = m.jacobian(&[]).unwrap();
    assert_eq!((y2, j.nrows(), j.ncols()), (y, 1, 0));
}

/// A PyTorch-style Conv at opset 6 (explicit kernel_shape, pads, strides, dilations and
/// group, with a bias) of an `[n, c, h, w]` input by `[m, c / group, kh, kw]` weights
/// `0.25·(i mod 7) − 0.75` and bias `0.5`: dyadic values whose products and sums are exact
/// in f64, so any summation order gives the same outputs.
fn torch_conv(xs: [i64; 4], ws: [i64; 4], pads: [i64; 4], group: i64) -> (Vec<u8>, Vec<f32>) {
    let w: Vec<f32> = (0..ws.iter().product::<i64>())
        .map(|i| 0.25 * (i % 7) as f32 - 0.75)
        .collect();
    let conv = node(
        "Conv",
        &["x", "w", "b"],
        &["y"],
        vec![
            attr_ints("dilations", &[1, 1]),
            attr_i("group", group),
            attr_ints("kernel_shape", &ws[2..]),
            attr_ints("pads", &pads),
            attr_ints("strides", &[1, 1]),
        ],
    );
    let inits = vec![
        f32_tensor("w", &ws, &w),
        f32_tensor("b", &[ws[0]], &vec![0.5; ws[0] as usize]),
    ];
    (model_bytes(6, vec![conv], inits, &xs, vec![out("y")]), w)
}

/// Found by the `bytes` fuzz target (second round on the final code): an opset-6
/// PyTorch-style Conv of a `[70, 3, 6, 6]` input (7560 values, 1120 outputs; here `W [1, 3,
/// 3, 3]` with a bias), whose full Jacobian goes to the generic evaluator in 945 passes of
/// `DualN<f64, 8>`. The work estimate counted the products and the inputs and outputs but
/// not the im2col gather, which writes every image's `C·K·L` elements a pass — as many as
/// the products when each group has one output channel — so the Jacobian was admitted at
/// 331 252 740 operations (under the default 2^29) while it did about twice that (and the
/// kernel, besides, copied X and rebuilt its window table for every image). The estimate
/// now counts the gather: the Jacobian's need is the closed form below, over the default,
/// refused before it starts; raised to it as the message says, it runs, and every entry is
/// the weight that couples its output to its input (0 elsewhere).
#[test]
fn a_conv_jacobian_counts_its_im2col_gather_in_the_work_budget() {
    let (bytes, w) = torch_conv([70, 3, 6, 6], [1, 3, 3, 3], [0; 4], 1);
    let m = Model::from_bytes(&bytes).unwrap();
    let (n, c, h, wd, kh, kw) = (70, 3, 6, 6, 3, 3);
    let (oh, ow) = (h - kh + 1, wd - kw + 1);
    assert_eq!((m.input_len(), m.output_len()), (7560, 1120));
    let x: Vec<f64> = (0..7560).map(|i| 0.25 + 0.5 * (i % 5) as f64).collect();
    let xi = |b: usize, ch: usize, r: usize, s: usize| ((b * c + ch) * h + r) * wd + s;
    let wi = |ch: usize, r: usize, s: usize| (ch * kh + r) * kw + s;
    // the direct convolution, exact in f64 for these values
    let mut want = Vec::with_capacity(1120);
    for b in 0..n {
        for r in 0..oh {
            for s in 0..ow {
                let mut acc = 0.5;
                for ch in 0..c {
                    for p in 0..kh {
                        for q in 0..kw {
                            acc += w[wi(ch, p, q)] as f64 * x[xi(b, ch, r + p, s + q)];
                        }
                    }
                }
                want.push(acc);
            }
        }
    }
    assert_eq!(m.forward(&x).unwrap(), want);

    // per pass and component: the products (1120 outputs × C·K = 27), the gather (N·C·K·L =
    // 70·3·9·16), the inputs (X, W, B) and the output; × 9 components × 945 passes
    let pass = 1120 * 27 + 70 * 3 * 9 * 16 + (7560 + 27 + 1) + 1120;
    let need = pass * 9 * 945;
    assert_eq!(need, 588_443_940);
    match m.jacobian(&x) {
        Err(Error::Limit {
            limit: Limit::Work,
            needed,
            max,
            ..
        }) => assert_eq!((needed, max), (need, 1 << 29)),
        other => panic!("want the work limit, got {:?}", other.map(|_| ())),
    }
    let raised = LoadOptions {
        max_work: need,
        ..LoadOptions::default()
    };
    let m = Model::from_bytes_with(&bytes, &raised).unwrap();
    let (y, j) = m.jacobian(&x).unwrap();
    assert_eq!(y, want);
    let mut coupled = 0usize;
    for b in 0..n {
        for r in 0..oh {
            for s in 0..ow {
                let row = (b * oh + r) * ow + s;
                let mut expect = vec![0.0; 7560];
                for ch in 0..c {
                    for p in 0..kh {
                        for q in 0..kw {
                            expect[xi(b, ch, r + p, s + q)] = w[wi(ch, p, q)] as f64;
                        }
                    }
                }
                coupled += expect.iter().filter(|&&v| v != 0.0).count();
                assert!(
                    j.row(row).iter().zip(&expect).all(|(a, e)| a == e),
                    "row {row}"
                );
            }
        }
    }
    // the weights' zeros aside, every output reads 27 inputs
    assert!(coupled > 1120 * 20, "{coupled}");
}

/// The gather is counted per group as well: `N·G·(C/G·K)·L = N·C·K·L` elements, with
/// padding (its taps are written as zeros like any other). The f64 forward pass's need of a
/// grouped, padded Conv is the closed form, and the model refused below it loads at it.
#[test]
fn a_grouped_padded_conv_counts_its_gather_per_group() {
    // X [2, 4, 5, 5], W [4, 2, 3, 3], group 2, pads 1: Y [2, 4, 5, 5]
    let (bytes, _) = torch_conv([2, 4, 5, 5], [4, 2, 3, 3], [1; 4], 2);
    let products = 200 * 18;
    let gather = 2 * 4 * 9 * 25;
    let need = products + gather + (200 + 72 + 4) + 200;
    let tight = LoadOptions {
        max_work: need - 1,
        ..LoadOptions::default()
    };
    match Model::from_bytes_with(&bytes, &tight) {
        Err(Error::Limit {
            limit: Limit::Work,
            needed,
            ..
        }) => assert_eq!(needed, need),
        other => panic!("want the work limit, got {:?}", other.map(|_| ())),
    }
    let at = LoadOptions {
        max_work: need,
        ..LoadOptions::default()
    };
    let m = Model::from_bytes_with(&bytes, &at).unwrap();
    assert_eq!(m.output_shape(), &[2, 4, 5, 5]);
}
