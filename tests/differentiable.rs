//! The `Differentiable` trait on every model kind and on a user's struct: per-point methods
//! against the generic helpers and central differences, batch methods against the per-point
//! ones and bit for bit across thread counts, batch layout and errors, the `try_` helpers.

use nalgebra::DMatrix;
use nngrad_core::dense::{Activation, Dense, Mlp};
use nngrad_core::matlab::ShallowNet;
use nngrad_core::onnx::Model;
use nngrad_core::{
    differentiable, try_derivative, try_gradient, try_jacobian, try_jvp, BatchError,
    Differentiable, DualN, Scalar,
};
use std::error::Error as _;
use std::path::Path;

fn data(rel: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(rel)
}

fn wine() -> Model {
    Model::load(data("onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap()
}

fn digits_cnn() -> Model {
    Model::load(data("onnx/digits_keras_cnn_conv2d/model.onnx")).unwrap()
}

fn matlab_net() -> ShallowNet {
    ShallowNet::load(data(
        "matlab/shallow_tansig_struct/myNeuralNetworkFunction.m",
    ))
    .unwrap()
}

fn mlp() -> Mlp {
    let layer = |i: usize, o: usize, act, seed: f64| {
        let w = (0..i * o)
            .map(|k| ((k as f64 + seed) * 0.37).sin() * 0.6)
            .collect();
        let b = (0..o)
            .map(|k| ((k as f64 - seed) * 0.91).cos() * 0.1)
            .collect();
        Dense::new(i, o, w, b, act).unwrap()
    };
    Mlp::new(vec![
        layer(5, 16, Activation::Tanh, 1.0),
        layer(16, 16, Activation::Tanh, 2.0),
        layer(16, 3, Activation::Identity, 3.0),
    ])
    .unwrap()
}

/// A user's model: plain f64 code under the attribute, failing where `x[0] < 0`.
#[derive(Debug)]
struct OutOfDomain {
    x0: f64,
}
impl std::fmt::Display for OutOfDomain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "x[0] = {} is outside the domain x[0] >= 0", self.x0)
    }
}
impl std::error::Error for OutOfDomain {}

struct Chem {
    k: f64,
}

impl Differentiable for Chem {
    type Error = OutOfDomain;
    fn input_len(&self) -> usize {
        3
    }
    fn output_len(&self) -> usize {
        2
    }
    #[differentiable]
    fn eval(&self, x: &[f64]) -> Result<Vec<f64>, OutOfDomain> {
        if x[0] < 0.0 {
            return Err(OutOfDomain { x0: x[0].value() });
        }
        let r = (x[0] * self.k).sqrt() * x[1].exp();
        Ok(vec![r * x[2], (x[1] * x[2]).sin() + r])
    }
}

/// An implementation with only `S: Scalar` on `eval`, as the trait allows.
struct Plain;
impl Differentiable for Plain {
    type Error = OutOfDomain;
    fn input_len(&self) -> usize {
        2
    }
    fn output_len(&self) -> usize {
        1
    }
    fn eval<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, OutOfDomain> {
        Ok(vec![x[0] * x[1].tanh()])
    }
}

/// Deterministic points in a box around `center`.
fn points(n: usize, k: usize, center: &[f64], spread: f64) -> Vec<f64> {
    (0..k * n)
        .map(|i| center[i % n] + spread * ((i as f64 * 0.618).fract() - 0.5))
        .collect()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |a: f64, b| a.max(b.abs()))
}

/// Batch results against the per-point methods (to 1e-13 of the largest magnitude) and
/// bit for bit across 1, 2 and 4 threads.
fn check_batches<M: Differentiable + Sync>(model: &M, xs: &[f64]) {
    let (n, m) = (model.input_len(), model.output_len());
    let k = xs.len() / n;
    let vs: Vec<f64> = (0..xs.len()).map(|i| ((i * 7) % 5) as f64 - 2.0).collect();
    let (ys, js) = model.jacobian_batch(xs).unwrap();
    let fs = model.forward_batch(xs).unwrap();
    let (ys2, jvs) = model.jvp_batch(xs, &vs).unwrap();
    assert_eq!(
        (ys.len(), js.len(), fs.len(), jvs.len()),
        (k * m, k * m * n, k * m, k * m)
    );
    let scale_y = max_abs(&ys).max(1e-300);
    let scale_j = max_abs(&js).max(1e-300);
    for p in 0..k {
        let x = &xs[p * n..(p + 1) * n];
        let v = &vs[p * n..(p + 1) * n];
        let (y, j) = model.jacobian(x).unwrap();
        let f = model.forward(x).unwrap();
        let (_, jv) = model.jvp(x, v).unwrap();
        for i in 0..m {
            assert!(
                (ys[p * m + i] - y[i]).abs() <= 1e-13 * scale_y,
                "y p={p} i={i}"
            );
            assert!(
                (fs[p * m + i] - f[i]).abs() <= 1e-13 * scale_y,
                "forward p={p}"
            );
            assert!(
                (ys2[p * m + i] - f[i]).abs() <= 1e-13 * scale_y,
                "jvp y p={p}"
            );
            assert!(
                (jvs[p * m + i] - jv[i]).abs() <= 1e-13 * scale_j * n as f64,
                "jv p={p}"
            );
            for c in 0..n {
                // The documented layout: point p, output i, input c.
                let got = js[(p * m + i) * n + c];
                assert!(
                    (got - j[(i, c)]).abs() <= 1e-13 * scale_j,
                    "J p={p} i={i} c={c}"
                );
            }
        }
    }
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let (y_t, j_t) = pool.install(|| model.jacobian_batch(xs).unwrap());
        let f_t = pool.install(|| model.forward_batch(xs).unwrap());
        let (_, jv_t) = pool.install(|| model.jvp_batch(xs, &vs).unwrap());
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&y_t), bits(&ys), "{threads} threads: ys");
        assert_eq!(bits(&j_t), bits(&js), "{threads} threads: js");
        assert_eq!(bits(&f_t), bits(&fs), "{threads} threads: forward");
        assert_eq!(bits(&jv_t), bits(&jvs), "{threads} threads: jvp");
    }
}

#[test]
fn onnx_model_batches() {
    let model = wine();
    let center = [
        13.0, 2.3, 2.4, 19.5, 99.7, 2.3, 2.0, 0.36, 1.6, 5.1, 0.96, 2.6, 747.0,
    ];
    check_batches(&model, &points(13, 300, &center, 0.2));
}

#[test]
fn onnx_cnn_batches() {
    let model = digits_cnn();
    let n = model.input_len();
    check_batches(&model, &points(n, 6, &vec![0.5; n], 0.8));
}

#[test]
fn matlab_batches() {
    let net = matlab_net();
    let n = net.input_len();
    check_batches(&net, &points(n, 257, &vec![0.3; n], 1.0));
}

#[test]
fn dense_batches() {
    let net = mlp();
    check_batches(&net, &points(5, 1000, &[0.1, -0.2, 0.3, 0.0, 0.5], 1.5));
}

#[test]
fn user_struct_batches_and_helpers() {
    let chem = Chem { k: 2.0 };
    check_batches(&chem, &points(3, 500, &[1.0, 0.2, -0.4], 0.8));
    check_batches(&Plain, &points(2, 50, &[1.0, 0.2], 0.8));
    // Against the closed form at one point.
    let x = [0.7, 0.3, -1.1];
    let (y, j) = chem.jacobian(&x).unwrap();
    let r = (0.7f64 * 2.0).sqrt() * 0.3f64.exp();
    let dr = [r / (2.0 * 0.7), r, 0.0];
    assert_eq!(y[0], r * -1.1);
    for c in 0..3 {
        let d0 = dr[c] * -1.1 + if c == 2 { r } else { 0.0 };
        let ds = (0.3f64 * -1.1).cos() * [0.0, -1.1, 0.3][c];
        assert!((j[(0, c)] - d0).abs() < 1e-14, "d y0 / d x{c}");
        assert!((j[(1, c)] - (ds + dr[c])).abs() < 1e-14, "d y1 / d x{c}");
    }
}

/// A user's plain-loop layer of 40 inputs (tanh of a weighted sum, then a product), counting
/// the evaluations its `eval` gets.
struct Layer40 {
    w: Vec<f64>,
    evals: std::sync::atomic::AtomicUsize,
}

// Index loops on purpose: the plain way a user writes a layer.
#[allow(clippy::needless_range_loop)]
impl Differentiable for Layer40 {
    type Error = OutOfDomain;
    fn input_len(&self) -> usize {
        40
    }
    fn output_len(&self) -> usize {
        6
    }
    #[differentiable]
    fn eval(&self, x: &[f64]) -> Result<Vec<f64>, OutOfDomain> {
        self.evals
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let mut y = Vec::new();
        for i in 0..6 {
            let mut acc = 0.0;
            for j in 0..40 {
                acc += self.w[i * 40 + j] * x[j];
            }
            y.push(acc.tanh() * x[i]);
        }
        Ok(y)
    }
}

/// The provided `jacobian` picks its lanes from n (40 inputs: three passes of 16, where 8
/// lanes take five) and gives the 8-lane numbers bit for bit, which are the closed form's.
#[test]
fn provided_jacobian_chooses_its_lanes_from_the_input_count() {
    use std::sync::atomic::Ordering::Relaxed;
    let model = Layer40 {
        w: (0..240).map(|k| ((k as f64) * 0.37).sin() * 0.2).collect(),
        evals: 0.into(),
    };
    let x: Vec<f64> = (0..40).map(|j| ((j as f64) * 0.61).cos()).collect();
    let (y, j) = model.jacobian(&x).unwrap();
    assert_eq!(model.evals.swap(0, Relaxed), 3);
    let (y8, j8) = try_jacobian(|x| model.eval(x), &x).unwrap();
    assert_eq!(model.evals.load(Relaxed), 5);
    assert_eq!(y, y8);
    assert!(j
        .iter()
        .zip(j8.iter())
        .all(|(a, b)| a.to_bits() == b.to_bits()));
    for i in 0..6 {
        let s: f64 = (0..40).map(|c| model.w[i * 40 + c] * x[c]).sum();
        let (t, dt) = (s.tanh(), 1.0 - s.tanh() * s.tanh());
        for c in 0..40 {
            let want = dt * model.w[i * 40 + c] * x[i] + if c == i { t } else { 0.0 };
            assert!(
                (j[(i, c)] - want).abs() < 1e-14,
                "J[{i},{c}] {} vs {want}",
                j[(i, c)]
            );
        }
    }
}

#[test]
fn per_point_methods_match_central_differences() {
    fn check<M: Differentiable>(model: &M, x: &[f64]) {
        let (y, j) = model.jacobian(x).unwrap();
        // The dense network's Jacobian path sums in another order than its forward pass.
        for (a, b) in y.iter().zip(model.forward(x).unwrap()) {
            assert!((a - b).abs() <= 1e-13 * b.abs().max(1.0), "{a} vs {b}");
        }
        assert_eq!(j.shape(), (model.output_len(), model.input_len()));
        let scale = j.amax().max(1e-3);
        let mut xp = x.to_vec();
        for c in 0..x.len() {
            let h = 1e-6 * x[c].abs().max(1.0);
            xp[c] = x[c] + h;
            let up = model.forward(&xp).unwrap();
            xp[c] = x[c] - h;
            let down = model.forward(&xp).unwrap();
            xp[c] = x[c];
            for i in 0..y.len() {
                let fd = (up[i] - down[i]) / (2.0 * h);
                assert!(
                    (fd - j[(i, c)]).abs() < 1e-5 * scale,
                    "i={i} c={c}: {fd} vs {}",
                    j[(i, c)]
                );
            }
        }
    }
    let center = [
        13.0, 2.3, 2.4, 19.5, 99.7, 2.3, 2.0, 0.36, 1.6, 5.1, 0.96, 2.6, 747.0,
    ];
    check(&wine(), &center);
    let net = matlab_net();
    check(&net, &vec![0.2; net.input_len()]);
    check(&mlp(), &[0.1, -0.2, 0.3, 0.0, 0.5]);
    check(&Chem { k: 2.0 }, &[0.7, 0.3, -1.1]);
}

#[test]
fn lowest_failing_point_whatever_the_threads() {
    let chem = Chem { k: 1.0 };
    let mut xs = points(3, 400, &[1.0, 0.0, 0.0], 0.5);
    for bad in [371, 17, 250] {
        xs[bad * 3] = -1.0 - bad as f64;
    }
    for threads in [1, 2, 4] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let e = pool.install(|| chem.jacobian_batch(&xs)).unwrap_err();
        assert_eq!(e.index(), Some(17), "{threads} threads");
        match &e {
            BatchError::Point { index: 17, source } => assert_eq!(source.x0, -18.0),
            other => panic!("expected point 17, got {other:?}"),
        }
        assert!(e.to_string().starts_with("point 17: x[0] = -18"), "{e}");
        assert!(e
            .source()
            .unwrap()
            .to_string()
            .contains("outside the domain"));
        let e = pool.install(|| chem.forward_batch(&xs)).unwrap_err();
        assert_eq!(e.index(), Some(17));
        let e = pool.install(|| chem.jvp_batch(&xs, &xs)).unwrap_err();
        assert_eq!(e.index(), Some(17));
    }
}

#[test]
fn batch_shapes_are_checked() {
    let model = wine();
    let e = model.jacobian_batch(&[1.0; 27]).unwrap_err();
    assert!(
        matches!(
            e,
            BatchError::Shape {
                argument: "xs",
                got: 27,
                ..
            }
        ),
        "{e:?}"
    );
    assert_eq!(
        e.to_string(),
        "xs has 27 values, expected a multiple of the input length 13"
    );
    assert!(e.source().is_none());
    let e = model.jvp_batch(&[1.0; 26], &[1.0; 13]).unwrap_err();
    assert!(
        matches!(
            e,
            BatchError::Shape {
                argument: "vs",
                got: 13,
                ..
            }
        ),
        "{e:?}"
    );
    let e = model.forward_batch(&[1.0; 12]).unwrap_err();
    assert!(matches!(e, BatchError::Shape { argument: "xs", .. }));
    // Empty batches give empty results.
    assert_eq!(model.jacobian_batch(&[]).unwrap(), (vec![], vec![]));
    assert_eq!(model.forward_batch(&[]).unwrap(), Vec::<f64>::new());
    assert_eq!(model.jvp_batch(&[], &[]).unwrap(), (vec![], vec![]));
    assert_eq!(
        Differentiable::jacobian_batch(&mlp(), &[]).unwrap(),
        (vec![], vec![])
    );
    let e = Differentiable::jacobian_batch(&mlp(), &[1.0; 7]).unwrap_err();
    assert!(matches!(e, BatchError::Shape { .. }));
}

#[test]
fn per_point_errors_are_the_models_own() {
    let model = wine();
    assert!(matches!(
        Differentiable::jacobian(&model, &[1.0; 12]),
        Err(nngrad_core::onnx::Error::InputLength {
            expected: 13,
            got: 12,
            ..
        })
    ));
    assert!(matches!(
        Differentiable::jvp(&model, &[1.0; 13], &[1.0; 2]),
        Err(nngrad_core::onnx::Error::TangentLength {
            expected: 13,
            got: 2
        })
    ));
    let net = matlab_net();
    assert!(Differentiable::jvp(&net, &vec![0.0; net.input_len()], &[1.0]).is_err());
    assert!(Differentiable::jacobian(&mlp(), &[1.0; 4]).is_err());
    assert_eq!(
        Chem { k: 1.0 }.jacobian(&[-2.0, 0.0, 0.0]).unwrap_err().x0,
        -2.0
    );
}

#[test]
fn labels_name_each_value() {
    let model = wine();
    let labels = model.input_labels();
    assert_eq!(labels.len(), 13);
    assert_eq!(labels[0], "X[0]");
    assert_eq!(
        model.output_labels(),
        vec!["probabilities[0]", "probabilities[1]", "probabilities[2]"]
    );
    assert_eq!(Plain.input_labels(), vec!["x[0]", "x[1]"]);
    assert_eq!(Plain.output_labels(), vec!["y[0]"]);
    let net = matlab_net();
    assert_eq!(net.input_labels().len(), net.input_len());
}

#[test]
fn generic_code_takes_any_model() {
    fn sensitivity<M: Differentiable + Sync>(m: &M, xs: &[f64]) -> Vec<f64> {
        let (n, mm) = (m.input_len(), m.output_len());
        let (_, js) = m.jacobian_batch(xs).unwrap();
        let mut s = vec![0.0; mm * n];
        for j in js.chunks(mm * n) {
            for (a, b) in s.iter_mut().zip(j) {
                *a += b.abs();
            }
        }
        s
    }
    assert_eq!(
        sensitivity(&mlp(), &points(5, 10, &[0.0; 5], 1.0)).len(),
        15
    );
    assert_eq!(
        sensitivity(&wine(), &points(13, 4, &[1.0; 13], 1.0)).len(),
        39
    );
    assert_eq!(
        sensitivity(&Chem { k: 1.0 }, &points(3, 4, &[1.0; 3], 0.5)).len(),
        6
    );
}

#[test]
fn try_helpers_stop_at_the_first_error() {
    // Success: the same numbers as the infallible helpers.
    let f = |x: &[DualN<f64, 8>]| -> Result<Vec<DualN<f64, 8>>, String> {
        Ok(vec![x[0] * x[1].sin(), x[2].exp()])
    };
    let x = [0.5, 1.2, -0.3];
    let (y, j) = try_jacobian(f, &x).unwrap();
    let (y2, j2) = nngrad_core::jacobian(|x| f(x).unwrap(), &x);
    assert_eq!((y, j), (y2, j2));
    // The first failing pass stops the work: with 20 inputs there are 3 passes; fail on
    // the second and count the calls.
    let calls = std::cell::Cell::new(0);
    let r: Result<(Vec<f64>, DMatrix<f64>), String> = try_jacobian(
        |x: &[DualN<f64, 8>]| {
            calls.set(calls.get() + 1);
            if calls.get() == 2 {
                Err(format!("pass {}", calls.get()))
            } else {
                Ok(vec![x.iter().copied().sum::<DualN<f64, 8>>()])
            }
        },
        &[1.0; 20],
    );
    assert_eq!(r.unwrap_err(), "pass 2");
    assert_eq!(calls.get(), 2);
    // try_gradient, try_jvp, try_derivative, with FnMut closures that count.
    let mut seen = 0;
    let g = try_gradient(
        |x: &[DualN<f64, 8>]| {
            seen += 1;
            if x[0].value() > 0.0 {
                Ok(x[0].ln() * x[1])
            } else {
                Err("ln of a non-positive number")
            }
        },
        &[2.0, 3.0],
    );
    assert_eq!(seen, 1);
    let (v, g) = g.unwrap();
    assert_eq!((v, g), (2f64.ln() * 3.0, vec![1.5, 2f64.ln()]));
    assert_eq!(
        try_gradient(
            |x| if x[0].value() > 0.0 { Ok(x[0]) } else { Err(7) },
            &[-1.0]
        ),
        Err(7)
    );
    let (y, jv) = try_jvp(|x| Ok::<_, ()>(vec![x[0] * x[1]]), &[2.0, 3.0], &[1.0, 1.0]).unwrap();
    assert_eq!((y, jv), (vec![6.0], vec![5.0]));
    assert_eq!(
        try_jvp(|_x| Err::<Vec<nngrad_core::Dual>, _>("no"), &[1.0], &[1.0]),
        Err("no")
    );
    assert_eq!(try_derivative(|x| Ok::<_, ()>(x * x), 3.0), Ok((9.0, 6.0)));
    assert_eq!(
        try_derivative(|_| Err::<nngrad_core::Dual, _>(1u8), 3.0),
        Err(1u8)
    );
}

#[test]
fn dense_parallel_forward_is_the_pool_path() {
    let net = mlp();
    let xs = points(5, 700, &[0.0; 5], 1.0);
    let serial = net.jacobian_batch(&xs).unwrap();
    for threads in [0, 1, 3] {
        assert_eq!(net.jacobian_batch_parallel(&xs, threads).unwrap(), serial);
    }
    assert_eq!(Differentiable::jacobian_batch(&net, &xs).unwrap(), serial);
}
