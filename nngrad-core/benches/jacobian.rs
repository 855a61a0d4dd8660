//! The speed benchmark of issue 5: Jacobians of MLPs, a batch of Jacobians, Rosenbrock
//! gradients and one JVP, every method side by side. Run and tabulate with
//! `scripts/bench.sh` (see BENCHMARKS.md).

mod workloads;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion};
use nalgebra::{DVector, SVector};
use nngrad_core::__private::force_simd_fallback;
use nngrad_core::onnx::Model;
use nngrad_core::{
    dense::Workspace, jacobian, jacobian_chunk, jvp, try_jacobian, Chunk, Differentiable, Dual,
};
use num_dual::{DualDVec64, DualNum, DualSVec64};
use std::time::Duration;
use workloads::*;

/// The MLP written for num-dual: same loops, weights kept f64 (`dual * f64`).
#[allow(clippy::needless_range_loop)]
fn nd_forward<D: DualNum<Primitive = f64> + Copy>(net: &Net, x: &[D]) -> Vec<D> {
    let last = net.layers.len() - 1;
    let mut h: Vec<D> = x.to_vec();
    for (l, y) in net.layers.iter().enumerate() {
        let mut out = Vec::with_capacity(y.out);
        for i in 0..y.out {
            let mut acc = D::from(y.b[i]);
            for j in 0..y.inp {
                acc += h[j] * y.w[i * y.inp + j];
            }
            out.push(if l == last { acc } else { acc.tanh() });
        }
        h = out;
    }
    h
}

/// num-dual's best for a dense Jacobian: `num_dual::jacobian` on `DualSVec64<N>`.
fn nd_jacobian<const N: usize, const M: usize>(net: &Net, x: &[f64]) -> f64 {
    let xv = SVector::<f64, N>::from_column_slice(x);
    let (y, j) = num_dual::jacobian(
        |xd: SVector<DualSVec64<N>, N>| {
            SVector::<DualSVec64<N>, M>::from_column_slice(&nd_forward(net, xd.as_slice()))
        },
        &xv,
    );
    y[0] + j[(0, 0)]
}

fn nd_rosenbrock<D: DualNum<Primitive = f64>>(x: &[D]) -> D {
    let mut s = D::from(0.0);
    for i in 0..x.len() / 2 {
        let (a, b) = (&x[2 * i], &x[2 * i + 1]);
        let u = b.clone() - a.clone() * a;
        let v = D::from(1.0) - a;
        s += u.clone() * u * 100.0 + v.clone() * v;
    }
    s
}

fn nd_rosen_static<const N: usize>(x: &[f64]) -> f64 {
    let xv = SVector::<f64, N>::from_column_slice(x);
    let (f, g) = num_dual::gradient(
        |xd: SVector<DualSVec64<N>, N>| nd_rosenbrock(xd.as_slice()),
        &xv,
    );
    f + g[0]
}

fn nd_rosen_dyn(x: &[f64]) -> f64 {
    let xv = DVector::from_column_slice(x);
    let (f, g) = num_dual::gradient(|xd: DVector<DualDVec64>| nd_rosenbrock(xd.as_slice()), &xv);
    f + g[0]
}

fn mlp_group<const N: usize, const M: usize>(c: &mut Criterion, name: &str, sizes: &[usize]) {
    let net = Net::glorot(sizes, 42);
    let mlp = net.to_mlp();
    let x = inputs(net.inputs(), 7);
    let mut g = c.benchmark_group(name);
    g.bench_function("nngrad_plain", |b| {
        robust(b, || jacobian(|x| plain_forward(&net, x), black_box(&x)))
    });
    // The same network as a `Differentiable` model (its provided `jacobian` picks 8, 16
    // or 32 lanes from n), and through `jacobian!`, which does the same for a closure.
    let model = PlainModel(&net);
    g.bench_function("nngrad_plain_model", |b| {
        robust(b, || model.jacobian(black_box(&x)).unwrap())
    });
    g.bench_function("nngrad_plain_macro", |b| {
        robust(b, || {
            nngrad_core::jacobian!(|x| plain_forward(&net, x), black_box(&x))
        })
    });
    g.bench_function("nngrad_plain_c4", |b| {
        robust(b, || {
            jacobian_chunk(Chunk::<4>, |x| plain_forward(&net, x), black_box(&x))
        })
    });
    g.bench_function("nngrad_plain_c16", |b| {
        robust(b, || {
            jacobian_chunk(Chunk::<16>, |x| plain_forward(&net, x), black_box(&x))
        })
    });
    g.bench_function("nngrad_plain_c32", |b| {
        robust(b, || {
            jacobian_chunk(Chunk::<32>, |x| plain_forward(&net, x), black_box(&x))
        })
    });
    g.bench_function("nngrad_plain_c64", |b| {
        robust(b, || {
            jacobian_chunk(Chunk::<64>, |x| plain_forward(&net, x), black_box(&x))
        })
    });
    // The body as written, compiled for the build's target (baseline x86-64 here): the
    // AVX2+FMA clone that `#[differentiable]` emits switched off.
    force_simd_fallback(true);
    g.bench_function("nngrad_plain_fallback", |b| {
        robust(b, || jacobian(|x| plain_forward(&net, x), black_box(&x)))
    });
    force_simd_fallback(false);
    g.bench_function("exp_plain_outlined", |b| {
        robust(b, || jacobian(|x| plain_outlined(&net, x), black_box(&x)))
    });
    g.bench_function("exp_plain_split", |b| {
        robust(b, || jacobian(|x| plain_split(&net, x), black_box(&x)))
    });
    let mut ws = Workspace::default();
    g.bench_function("nngrad_dense", |b| {
        robust(b, || mlp.jacobian_with(black_box(&x), &mut ws).unwrap())
    });
    g.bench_function("nngrad_dense_generic", |b| {
        robust(b, || jacobian(|x| mlp.forward(x).unwrap(), black_box(&x)))
    });
    let gemm = Model::from_bytes(&net.onnx(Form::GemmF64)).unwrap();
    let matmul = Model::from_bytes(&net.onnx(Form::MatMulF32)).unwrap();
    g.bench_function("onnx_gemm_f64", |b| {
        robust(b, || gemm.jacobian(black_box(&x)).unwrap())
    });
    g.bench_function("onnx_matmul_f32", |b| {
        robust(b, || matmul.jacobian(black_box(&x)).unwrap())
    });
    let shallow = nngrad_core::matlab::ShallowNet::from_source(&net.matlab_source()).unwrap();
    g.bench_function("matlab_genfunction", |b| {
        robust(b, || shallow.jacobian(black_box(&x)).unwrap())
    });
    g.bench_function("onnx_generic", |b| {
        robust(b, || try_jacobian(|x| gemm.eval(x), black_box(&x)).unwrap())
    });
    let mut an = Analytic::default();
    g.bench_function("analytic", |b| {
        robust(b, || an.jacobian(&net, black_box(&x)).1[0])
    });
    g.bench_function("num_dual", |b| {
        robust(b, || nd_jacobian::<N, M>(&net, black_box(&x)))
    });
    g.bench_function("central_fd", |b| {
        let mut a = Analytic::default();
        robust(b, || central_fd(|x| a_eval(&mut a, &net, x), black_box(&x)))
    });
    g.finish();
}

/// Experiment (see BENCHMARKS.md): the plain-loop network with its `tanh` call kept out of
/// line, as the rule table's call sites would be if `dual_impl.rs` outlined them.
#[inline(never)]
fn outlined_tanh<S: nngrad_core::Scalar>(x: S) -> S {
    x.tanh()
}

#[allow(clippy::needless_range_loop)]
fn plain_outlined<S: nngrad_core::Scalar>(net: &Net, x: &[S]) -> Vec<S>
where
    f64: nngrad_core::ScalarLhs<S>,
{
    let last = net.layers.len() - 1;
    let mut h: Vec<S> = x.to_vec();
    for (l, layer) in net.layers.iter().enumerate() {
        let mut y = Vec::with_capacity(layer.out);
        for i in 0..layer.out {
            let mut acc = S::cst(layer.b[i]);
            for j in 0..layer.inp {
                acc += layer.w[i * layer.inp + j] * h[j];
            }
            y.push(if l == last { acc } else { outlined_tanh(acc) });
        }
        h = y;
    }
    h
}

/// Experiment (see BENCHMARKS.md): the plain-loop network with `tanh` applied in a loop of
/// its own, so no call sits inside the multiply-add loop nest.
#[allow(clippy::needless_range_loop)]
fn plain_split<S: nngrad_core::Scalar>(net: &Net, x: &[S]) -> Vec<S>
where
    f64: nngrad_core::ScalarLhs<S>,
{
    let last = net.layers.len() - 1;
    let mut h: Vec<S> = x.to_vec();
    for (l, layer) in net.layers.iter().enumerate() {
        let mut y = vec![S::cst(0.0); layer.out];
        for i in 0..layer.out {
            let mut acc = S::cst(layer.b[i]);
            for j in 0..layer.inp {
                acc += layer.w[i * layer.inp + j] * h[j];
            }
            y[i] = acc;
        }
        if l != last {
            for v in &mut y {
                *v = v.tanh();
            }
        }
        h = y;
    }
    h
}

/// FD with the fastest f64 evaluation we have (matrix-vector products).
fn a_eval(a: &mut Analytic, net: &Net, x: &[f64]) -> Vec<f64> {
    a.eval(net, x).to_vec()
}

fn mlp_s(c: &mut Criterion) {
    mlp_group::<8, 4>(c, "mlp_s", &MLP_S);
}
fn mlp_m(c: &mut Criterion) {
    mlp_group::<32, 16>(c, "mlp_m", &MLP_M);
}
fn mlp_l(c: &mut Criterion) {
    mlp_group::<128, 64>(c, "mlp_l", &MLP_L);
}

const POINTS: usize = 1000;

fn batch(c: &mut Criterion) {
    let net = Net::glorot(&MLP_S, 42);
    let mlp = net.to_mlp();
    let n = net.inputs();
    let xs = inputs(POINTS * n, 11);
    let mut g = c.benchmark_group("mlp_s_x1000");
    let mut ws = Workspace::default();
    g.bench_function("nngrad_dense_batch", |b| {
        robust(b, || {
            mlp.jacobian_batch_with(black_box(&xs), &mut ws).unwrap()
        })
    });
    g.bench_function("nngrad_dense_batch_parallel", |b| {
        robust(b, || {
            mlp.jacobian_batch_parallel(black_box(&xs), 0).unwrap()
        })
    });
    g.bench_function("nngrad_dense", |b| {
        robust(b, || {
            for x in xs.chunks_exact(n) {
                mlp.jacobian_with(black_box(x), &mut ws).unwrap();
            }
        })
    });
    let model = Model::from_bytes(&net.onnx(Form::GemmF64)).unwrap();
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        g.bench_function(format!("onnx_batch_t{threads}"), |b| {
            robust(b, || {
                pool.install(|| model.jacobian_batch(black_box(&xs)).unwrap())
            })
        });
    }
    g.bench_function("nngrad_plain", |b| {
        robust(b, || {
            for x in xs.chunks_exact(n) {
                black_box(jacobian(|x| plain_forward(&net, x), black_box(x)));
            }
        })
    });
    let mut an = Analytic::default();
    g.bench_function("analytic", |b| {
        robust(b, || {
            for x in xs.chunks_exact(n) {
                black_box(an.jacobian(&net, black_box(x)).1[0]);
            }
        })
    });
    g.bench_function("num_dual", |b| {
        robust(b, || {
            for x in xs.chunks_exact(n) {
                black_box(nd_jacobian::<8, 4>(&net, black_box(x)));
            }
        })
    });
    g.bench_function("central_fd", |b| {
        let mut a = Analytic::default();
        robust(b, || {
            for x in xs.chunks_exact(n) {
                black_box(central_fd(|x| a_eval(&mut a, &net, x), black_box(x)));
            }
        })
    });
    g.finish();
}

fn rosen(c: &mut Criterion) {
    let mut g = c.benchmark_group("rosenbrock");
    for n in [10usize, 100, 1000] {
        let x = inputs(n, 3);
        let mut buf = vec![0.0; n];
        g.bench_with_input(BenchmarkId::new("nngrad_plain", n), &x, |b, x| {
            robust(b, || nngrad_core::gradient(rosenbrock, black_box(x)))
        });
        g.bench_with_input(BenchmarkId::new("nngrad_plain_c4", n), &x, |b, x| {
            robust(b, || {
                nngrad_core::gradient_chunk(Chunk::<4>, rosenbrock, black_box(x))
            })
        });
        g.bench_with_input(BenchmarkId::new("nngrad_plain_c16", n), &x, |b, x| {
            robust(b, || {
                nngrad_core::gradient_chunk(Chunk::<16>, rosenbrock, black_box(x))
            })
        });
        g.bench_with_input(BenchmarkId::new("analytic", n), &x, |b, x| {
            robust(b, || rosenbrock_grad(black_box(x), &mut buf))
        });
        g.bench_with_input(BenchmarkId::new("num_dual", n), &x, |b, x| {
            robust(b, || match n {
                10 => nd_rosen_static::<10>(black_box(x)),
                100 => nd_rosen_static::<100>(black_box(x)),
                _ => nd_rosen_dyn(black_box(x)),
            })
        });
        g.bench_with_input(BenchmarkId::new("central_fd", n), &x, |b, x| {
            robust(b, || rosenbrock_fd(black_box(x), &mut buf))
        });
    }
    g.finish();
}

fn jvp_m(c: &mut Criterion) {
    let net = Net::glorot(&MLP_M, 42);
    let mlp = net.to_mlp();
    let x = inputs(net.inputs(), 7);
    let v = inputs(net.inputs(), 8);
    let mut g = c.benchmark_group("jvp_mlp_m");
    g.bench_function("plain_eval", |b| {
        robust(b, || plain_forward(&net, black_box(&x)))
    });
    g.bench_function("dense_eval", |b| {
        robust(b, || mlp.forward(black_box(&x)).unwrap())
    });
    let model = Model::from_bytes(&net.onnx(Form::GemmF64)).unwrap();
    g.bench_function("onnx_forward", |b| {
        robust(b, || model.forward(black_box(&x)).unwrap())
    });
    g.bench_function("onnx_jvp", |b| {
        robust(b, || model.jvp(black_box(&x), black_box(&v)).unwrap())
    });
    let mut an = Analytic::default();
    g.bench_function("analytic_eval", |b| {
        robust(b, || an.eval(&net, black_box(&x))[0])
    });
    g.bench_function("nngrad_plain", |b| {
        robust(b, || {
            jvp(|x| plain_forward(&net, x), black_box(&x), black_box(&v))
        })
    });
    g.bench_function("nngrad_dense", |b| {
        robust(b, || mlp.jvp(black_box(&x), black_box(&v)).unwrap())
    });
    g.bench_function("exp_plain_outlined", |b| {
        robust(b, || {
            jvp(|x| plain_outlined(&net, x), black_box(&x), black_box(&v))
        })
    });
    g.bench_function("analytic", |b| {
        robust(b, || an.jvp(&net, black_box(&x), black_box(&v)).1[0])
    });
    g.bench_function("num_dual", |b| {
        robust(b, || {
            let xd: Vec<num_dual::Dual64> = x
                .iter()
                .zip(&v)
                .map(|(&x, &v)| num_dual::Dual64::new(x, v))
                .collect();
            nd_forward(&net, black_box(&xd))
        })
    });
    g.bench_function("central_fd", |b| {
        let mut a = Analytic::default();
        robust(b, || {
            let h = f64::EPSILON.cbrt();
            let xp: Vec<f64> = x.iter().zip(&v).map(|(x, v)| x + h * v).collect();
            let xm: Vec<f64> = x.iter().zip(&v).map(|(x, v)| x - h * v).collect();
            let fp = a.eval(&net, &xp).to_vec();
            let fm = a.eval(&net, &xm);
            fp.iter()
                .zip(fm)
                .map(|(p, m)| (p - m) / (2.0 * h))
                .collect::<Vec<_>>()
        })
    });
    let _ = Dual::<f64>::constant(0.0);
    g.finish();
}

/// The exported models of the shared fixtures (scikit-learn MLPs, the Keras CNN and LSTM):
/// one Jacobian against one forward pass, and against the generic evaluator (`try_jacobian`
/// over `Model::eval`, what every model ran before the tangent route).
fn fixtures(c: &mut Criterion) {
    let mut g = c.benchmark_group("fixtures");
    for name in FIXTURES {
        let path = format!(
            "{}/../tests/data/onnx/{name}/model.onnx",
            env!("CARGO_MANIFEST_DIR")
        );
        let model = Model::load(&path).unwrap();
        let x = inputs(model.input_len(), 4)
            .iter()
            .map(|v| v.abs())
            .collect::<Vec<_>>();
        g.bench_function(BenchmarkId::new(name, "forward"), |b| {
            robust(b, || model.forward(black_box(&x)).unwrap())
        });
        g.bench_function(BenchmarkId::new(name, "jacobian"), |b| {
            robust(b, || model.jacobian(black_box(&x)).unwrap())
        });
        g.bench_function(BenchmarkId::new(name, "generic"), |b| {
            robust(b, || {
                try_jacobian(|x| model.eval(x), black_box(&x)).unwrap()
            })
        });
    }
    g.finish();
}

/// The fixture models of the `fixtures` group (tests/data/onnx).
const FIXTURES: [&str; 5] = [
    "diabetes_mlp_tanh_regressor",
    "wine_mlp_relu_softmax_classifier",
    "digits_mlp_sigmoid_softmax_classifier",
    "digits_keras_cnn_conv2d",
    "digits_keras_lstm_sequence",
];

fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
        .without_plots()
}

criterion_group! {
    name = benches;
    config = config();
    targets = mlp_s, mlp_m, mlp_l, batch, rosen, jvp_m, fixtures
}
criterion_main!(benches);
