//! A driver for profiling the batch of Jacobians under callgrind: the benchmark's MLP-S
//! (8→32→32→4, tanh, written as Gemm + Tanh f64 ONNX) over its 1000 points, either as the
//! loaded model's `Differentiable::jacobian_batch` or as the dense call it wraps
//! (`Mlp::jacobian_batch_with`), `reps` times.
//!
//! ```text
//! cargo build --profile bench -p nngrad-core --example batch_profile
//! RAYON_NUM_THREADS=1 valgrind --tool=callgrind target/release/examples/batch_profile onnx 5
//! ```
//!
//! The first argument is `onnx` or `dense`, the second the repetitions (default 5); the
//! network, the points and the ONNX bytes are those of `benches/jacobian.rs`'s `batch`
//! group, so instruction counts here are per point of that row.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use nngrad_core::dense::Workspace;
use nngrad_core::onnx::Model;
use nngrad_core::Differentiable;
use std::hint::black_box;
use std::time::Instant;
use workloads::{inputs, Form, Net, MLP_M, MLP_S};

/// FNV-1a over the bits of `v`.
fn fnv(v: &[f64]) -> u64 {
    v.iter().fold(0xcbf2_9ce4_8422_2325, |h, x| {
        x.to_bits()
            .to_le_bytes()
            .iter()
            .fold(h, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
    })
}

fn main() {
    let mut args = std::env::args().skip(1);
    let which = args.next().unwrap_or_else(|| "onnx".into());
    let reps: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(5);
    let net = Net::glorot(&MLP_S, 42);
    let xs = inputs(1000 * net.inputs(), 11);
    let mut sum = 0.0;
    let mut times = Vec::with_capacity(reps);
    match which.as_str() {
        "onnx" => {
            let model = Model::from_bytes(&net.onnx(Form::GemmF64)).expect("the MLP loads");
            for _ in 0..reps {
                let t = Instant::now();
                let (ys, js) = model.jacobian_batch(black_box(&xs)).expect("a batch");
                times.push(t.elapsed());
                sum += ys[0] + js[js.len() - 1];
            }
        }
        // As the benchmark's `onnx_batch_t1` row calls it: on a pool of one thread, so the
        // results are allocated on that pool's worker (another malloc arena than main's).
        "onnx_t1" => {
            let model = Model::from_bytes(&net.onnx(Form::GemmF64)).expect("the MLP loads");
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(1)
                .build()
                .expect("a pool");
            for _ in 0..reps {
                let t = Instant::now();
                let (ys, js) =
                    pool.install(|| model.jacobian_batch(black_box(&xs)).expect("a batch"));
                times.push(t.elapsed());
                sum += ys[0] + js[js.len() - 1];
            }
        }
        // With a third argument: that many points per call, as the loaded model's blocks
        // are (the GEMM shapes of its blocks, without its wrapper).
        "dense" => {
            let mlp = net.to_mlp();
            let mut ws = Workspace::default();
            let block: usize = args.next().and_then(|s| s.parse().ok()).unwrap_or(1000);
            for _ in 0..reps {
                let t = Instant::now();
                for xb in xs.chunks(block * net.inputs()) {
                    mlp.jacobian_batch_with(black_box(xb), &mut ws)
                        .expect("a batch");
                }
                times.push(t.elapsed());
                sum += ws.values()[0] + ws.jacobian()[ws.jacobian().len() - 1];
            }
        }
        // Hashes of the results' bits (values, Jacobians) of batches of 1, 37 and 1000 points
        // on pools of 1 and 2 threads, and of single-point Jacobians, for the MLPs of the
        // benchmark and the ONNX files named after `dump`: two builds print the same
        // lines if and only if they agree bit for bit on these.
        "dump" => {
            let mut models: Vec<(String, Model)> = Vec::new();
            for (sizes, seed) in [
                (&MLP_S[..], 42u64),
                (&[4, 32, 32, 8][..], 7),
                (&MLP_M[..], 3),
            ] {
                let net = Net::glorot(sizes, seed);
                for form in [Form::GemmF64, Form::MatMulF32] {
                    let m = Model::from_bytes(&net.onnx(form)).expect("the MLP loads");
                    models.push((format!("{sizes:?} {form:?}"), m));
                }
            }
            for path in args {
                let m = Model::load(&path).expect("the model loads");
                models.push((path, m));
            }
            let pool = |t| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(t)
                    .build()
                    .expect("a pool")
            };
            for (what, model) in &models {
                let n = model.input_len();
                for k in [1usize, 37, 1000] {
                    let xs = inputs(k * n, 5 + k as u64);
                    for t in [1, 2] {
                        let (ys, js) =
                            pool(t).install(|| model.jacobian_batch(&xs).expect("a batch"));
                        println!("{what} k={k} t={t}: {:016x} {:016x}", fnv(&ys), fnv(&js));
                    }
                    let mut one = Vec::new();
                    for x in xs.chunks_exact(n).take(40) {
                        let (y, j) = model.jacobian(x).expect("a Jacobian");
                        one.extend(y);
                        one.extend(j.transpose().iter());
                    }
                    println!("{what} k={k} single: {:016x}", fnv(&one));
                }
            }
            return;
        }
        other => {
            eprintln!("usage: batch_profile onnx|onnx_t1|dense [reps] (not '{other}')");
            std::process::exit(2);
        }
    }
    times.sort();
    // The fastest and the 20th percentile, as the benchmark's `robust` takes its p20: the
    // machine is shared, so the slower calls measure the neighbours.
    println!(
        "{which}: {reps} batches, min {:?}, p20 {:?}, checksum {sum}",
        times[0],
        times[times.len() / 5]
    );
}
