//! `S = f64` must cost nothing: the corpus's plain f64 code against the same code rewritten by
//! `#[differentiable]` and called with f64 (plus `Dual` for scale).
//!
//! `cargo bench --bench macro_f64_cost`

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use nngrad_core::Dual;

#[allow(clippy::all, clippy::pedantic, dead_code, unstable_name_collisions)]
mod plain {
    use nngrad_core::__private::plain as differentiable;
    include!("../../tests/corpus/items.rs");
    include!("../../tests/corpus/programs.rs");
}

#[allow(clippy::all, clippy::pedantic, dead_code, unstable_name_collisions)]
mod ad {
    use nngrad_core::differentiable;
    include!("../../tests/corpus/items.rs");
    include!("../../tests/corpus/programs.rs");
}

const N: usize = 128;

fn data() -> (Vec<f64>, Vec<Vec<f64>>, Vec<f64>) {
    let x: Vec<f64> = (0..N)
        .map(|i| ((i * 37 % 101) as f64 / 50.0) - 1.0)
        .collect();
    let w: Vec<Vec<f64>> = (0..N)
        .map(|r| {
            (0..N)
                .map(|c| (((r * 13 + c * 7) % 29) as f64 - 14.0) / 200.0)
                .collect()
        })
        .collect();
    let b: Vec<f64> = (0..N).map(|i| (i % 5) as f64 * 0.01).collect();
    (x, w, b)
}

fn bench(c: &mut Criterion) {
    let (x, w, b) = data();
    let xd: Vec<Dual> = x.iter().map(|&v| Dual::variable(v)).collect();
    let gain = vec![1.0; N];

    let mut g = c.benchmark_group("dense 128x128 + tanh");
    g.bench_function("plain f64", |bn| {
        bn.iter(|| plain::c04_dense(black_box(&x), &w, &b))
    });
    g.bench_function("rewritten, S = f64", |bn| {
        bn.iter(|| ad::c04_dense(black_box(&x), &w, &b))
    });
    g.bench_function("rewritten, S = Dual", |bn| {
        bn.iter(|| ad::c04_dense(black_box(&xd), &w, &b))
    });
    g.finish();

    let mut g = c.benchmark_group("layer norm + gelu 128");
    g.bench_function("plain f64", |bn| {
        bn.iter(|| plain::layernorm_gelu(black_box(&x), &gain, &b))
    });
    g.bench_function("rewritten, S = f64", |bn| {
        bn.iter(|| ad::layernorm_gelu(black_box(&x), &gain, &b))
    });
    g.finish();

    let mut g = c.benchmark_group("softmax 128");
    g.bench_function("plain f64", |bn| {
        bn.iter(|| plain::c06_softmax(black_box(&x)))
    });
    g.bench_function("rewritten, S = f64", |bn| {
        bn.iter(|| ad::c06_softmax(black_box(&x)))
    });
    g.finish();

    let (pn, an) = (plain::ShallowNet::demo(), ad::ShallowNet::demo());
    let x3 = [0.7, 2.3, 1.9];
    let mut g = c.benchmark_group("MATLAB shallow net");
    g.bench_function("plain f64", |bn| bn.iter(|| pn.forward(black_box(&x3))));
    g.bench_function("rewritten, S = f64", |bn| {
        bn.iter(|| an.forward(black_box(&x3)))
    });
    g.finish();

    let mut g = c.benchmark_group("ODE rk4 200 steps");
    g.bench_function("plain f64", |bn| {
        bn.iter(|| plain::ode_pendulum(black_box(0.4), -0.2, 0.3, 200))
    });
    g.bench_function("rewritten, S = f64", |bn| {
        bn.iter(|| ad::ode_pendulum(black_box(0.4), -0.2, 0.3, 200))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).warm_up_time(std::time::Duration::from_millis(300)).measurement_time(std::time::Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
