//! Register blocking of reduction nests in `#[differentiable]` code (`__private::rows`,
//! issue 11): the blocked nests give bit for bit the values and derivatives of the same loops
//! written by hand as generic code (which the macro does not touch), for every lane width
//! (so one, two, three or four accumulators a sweep) and every row count (so every partial
//! sweep); the loop around them keeps `continue`, labels and integer accumulators; `f64`
//! calls are the loops as written. Checked on the AVX2 clone and on the fallback.

use nngrad_core::__private::force_simd_fallback;
use nngrad_core::{
    differentiable, gradient, jacobian, jacobian_chunk, jvp, Chunk, Dual, DualN, Scalar, ScalarLhs,
};

/// One dense layer, `tanh` on the first `act` outputs, the plain way.
#[allow(clippy::needless_range_loop)]
#[differentiable(wrt(x))]
fn layer(w: &[f64], b: &[f64], act: usize, x: &[f64]) -> Vec<f64> {
    let k = x.len();
    let mut y = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        let mut acc = b[i];
        for j in 0..k {
            acc += w[i * k + j] * x[j];
        }
        y.push(if i < act { acc.tanh() } else { acc });
    }
    y
}

/// The same loops, generic by hand: the macro never sees them, so they run as written.
#[allow(clippy::needless_range_loop)]
fn layer_by_hand<S: Scalar>(w: &[f64], b: &[f64], act: usize, x: &[S]) -> Vec<S>
where
    f64: ScalarLhs<S>,
{
    let k = x.len();
    let mut y = Vec::with_capacity(b.len());
    for i in 0..b.len() {
        let mut acc = S::cst(b[i]);
        for j in 0..k {
            acc += w[i * k + j] * x[j];
        }
        y.push(if i < act { acc.tanh() } else { acc });
    }
    y
}

/// Deterministic weights in (-1, 1).
fn numbers(n: usize, seed: u64) -> Vec<f64> {
    let mut s = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
        })
        .collect()
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// Both paths (clone and fallback) of `f`.
fn on_both(mut f: impl FnMut()) {
    static SWITCH: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = SWITCH.lock().unwrap_or_else(|e| e.into_inner());
    force_simd_fallback(false);
    f();
    force_simd_fallback(true);
    f();
    force_simd_fallback(false);
}

#[test]
fn blocked_layers_equal_the_loops_as_written_bit_for_bit_at_every_width_and_row_count() {
    on_both(|| {
        for (rows, inputs) in [(1, 3), (2, 5), (3, 8), (4, 9), (5, 16), (7, 17), (9, 33)] {
            let (w, b) = (numbers(rows * inputs, 1), numbers(rows, 2));
            let x = numbers(inputs, 3);
            let act = rows / 2;
            let f64_out = layer(&w, &b, act, &x);
            assert_eq!(bits(&f64_out), bits(&layer_by_hand(&w, &b, act, &x)));
            let (v, j) = jacobian(|x| layer(&w, &b, act, x), &x);
            let (v0, j0) = jacobian(|x| layer_by_hand(&w, &b, act, x), &x);
            assert_eq!(bits(&v), bits(&v0));
            assert_eq!(bits(&v), bits(&f64_out), "values are the f64 call's");
            assert_eq!(
                bits(j.as_slice()),
                bits(j0.as_slice()),
                "{rows}x{inputs}, 8 lanes"
            );
            macro_rules! width {
                ($c:literal) => {{
                    let (_, j) = jacobian_chunk(Chunk::<$c>, |x| layer(&w, &b, act, x), &x);
                    let (_, j0) =
                        jacobian_chunk(Chunk::<$c>, |x| layer_by_hand(&w, &b, act, x), &x);
                    assert_eq!(
                        bits(j.as_slice()),
                        bits(j0.as_slice()),
                        "{rows}x{inputs}, {}",
                        $c
                    );
                }};
            }
            width!(1);
            width!(2);
            width!(4);
            width!(16);
            width!(32);
            let v = numbers(inputs, 4);
            let (y, t) = jvp(|x| layer(&w, &b, act, x), &x, &v);
            let (y0, t0) = jvp(|x| layer_by_hand(&w, &b, act, x), &x, &v);
            assert_eq!((bits(&y), bits(&t)), (bits(&y0), bits(&t0)));
        }
    });
}

/// An integer accumulator, a `-=` nest with the weight on the right, a label and
/// `continue`, a nest inside a closure, and three nested nests.
#[allow(clippy::needless_range_loop)]
#[differentiable(wrt(x))]
fn mixed(w: &[f64], mask: &[usize], x: &[f64]) -> f64 {
    let n = x.len();
    let mut total = 0.0;
    'outer: for i in 0..n {
        let mut count = 0usize;
        for j in 0..n {
            count += mask[i * n + j];
        }
        if count == 0 {
            continue 'outer;
        }
        total += count as f64 * x[i];
    }
    let mut z = Vec::new();
    for i in 0..n {
        let mut acc: f64 = -0.5;
        for j in 0..n {
            acc -= x[j] * w[i * n + j];
        }
        z.push(acc.sin());
    }
    let cube = |s: f64| {
        let mut out = 0.0;
        for a in 0..n {
            let mut acc = 0.0;
            for b in 0..n {
                acc += w[a * n + b] * x[b] * x[a];
            }
            out += acc;
        }
        out * s
    };
    // Literal ranges: the index type comes from the indexing inside the closures.
    let mut lit = 0.0;
    for i in 0..2 {
        let mut acc = 1.0;
        for j in 0..1 {
            acc += w[i + j] * x[j];
        }
        lit += acc * acc;
    }
    total + z.iter().sum::<f64>() + cube(0.25) + lit
}

#[allow(clippy::needless_range_loop)]
fn mixed_by_hand<S: Scalar>(w: &[f64], mask: &[usize], x: &[S]) -> S
where
    f64: ScalarLhs<S>,
{
    let n = x.len();
    let mut total = S::cst(0.0);
    for i in 0..n {
        let mut count = 0usize;
        for j in 0..n {
            count += mask[i * n + j];
        }
        if count == 0 {
            continue;
        }
        total += S::cst(count as f64) * x[i];
    }
    let mut z = Vec::new();
    for i in 0..n {
        let mut acc = S::cst(-0.5);
        for j in 0..n {
            acc -= x[j] * w[i * n + j];
        }
        z.push(acc.sin());
    }
    let cube = |s: S| {
        let mut out = S::cst(0.0);
        for a in 0..n {
            let mut acc = S::cst(0.0);
            for b in 0..n {
                acc += w[a * n + b] * x[b] * x[a];
            }
            out += acc;
        }
        out * s
    };
    let mut lit = S::cst(0.0);
    for i in 0..2 {
        let mut acc = S::cst(1.0);
        for j in 0..1 {
            acc += w[i + j] * x[j];
        }
        lit += acc * acc;
    }
    total + z.iter().copied().sum::<S>() + cube(S::cst(0.25)) + lit
}

#[test]
fn the_loop_around_a_blocked_nest_keeps_its_meaning() {
    on_both(|| {
        for n in [2, 3, 4, 5, 6, 11] {
            let (w, x) = (numbers(n * n, 5), numbers(n, 6));
            // Some rows all zero: `continue` skips them.
            let mask: Vec<usize> = (0..n * n)
                .map(|k| usize::from((k / n) % 3 != 1 && k % 2 == 0))
                .collect();
            assert_eq!(
                mixed(&w, &mask, &x).to_bits(),
                mixed_by_hand(&w, &mask, &x).to_bits()
            );
            let (v, g) = gradient(|x| mixed(&w, &mask, x), &x);
            let (v0, g0) = gradient(|x| mixed_by_hand(&w, &mask, x), &x);
            assert_eq!(v.to_bits(), v0.to_bits());
            assert_eq!(bits(&g), bits(&g0), "n = {n}");
            let d = mixed(
                &w,
                &mask,
                &x.iter().map(|&v| Dual::new(v, 1.0)).collect::<Vec<_>>(),
            );
            let d0 = mixed_by_hand(
                &w,
                &mask,
                &x.iter().map(|&v| Dual::new(v, 1.0)).collect::<Vec<_>>(),
            );
            assert_eq!(d.eps.to_bits(), d0.eps.to_bits());
        }
    });
}

#[test]
fn blocked_derivatives_match_central_differences() {
    // Independent of the hand-written copy: the gradient of sum(layer) against differences.
    let (rows, inputs) = (7, 5);
    let (w, b, x) = (
        numbers(rows * inputs, 7),
        numbers(rows, 8),
        numbers(inputs, 9),
    );
    let f = |x: &[f64]| layer(&w, &b, rows, x).iter().sum::<f64>();
    let (_, g) = gradient(
        |x: &[DualN<f64, 8>]| layer(&w, &b, rows, x).into_iter().sum::<DualN<f64, 8>>(),
        &x,
    );
    for k in 0..inputs {
        let h = 1e-6;
        let (mut up, mut down) = (x.clone(), x.clone());
        up[k] += h;
        down[k] -= h;
        let fd = (f(&up) - f(&down)) / (2.0 * h);
        assert!(
            (g[k] - fd).abs() <= 1e-8 * (1.0 + fd.abs()),
            "{k}: {} vs {fd}",
            g[k]
        );
    }
}

/// A method whose nest reads the receiver's fields (the closures capture `self.w`, the rest
/// writes a local): the sibling clone of an inherent impl, blocked like a free fn.
struct Dense {
    w: Vec<f64>,
    b: Vec<f64>,
}

#[differentiable]
impl Dense {
    #[allow(clippy::needless_range_loop)]
    fn apply(&self, x: &[f64]) -> Vec<f64> {
        let k = x.len();
        let mut y = vec![0.0; self.b.len()];
        for i in 0..self.b.len() {
            let mut acc = self.b[i];
            for j in 0..k {
                acc += self.w[i * k + j] * x[j];
            }
            y[i] = acc.sinh();
        }
        y
    }
}

#[test]
fn a_method_reading_its_receiver_is_blocked_with_the_same_bits() {
    on_both(|| {
        for (rows, inputs) in [(1, 2), (3, 3), (5, 9)] {
            let d = Dense {
                w: numbers(rows * inputs, 11),
                b: numbers(rows, 12),
            };
            let x = numbers(inputs, 13);
            let (v, j) = jacobian(|x| d.apply(x), &x);
            let (v0, j0) = jacobian(
                |x| {
                    let y = layer_by_hand(&d.w, &d.b, 0, x);
                    y.into_iter().map(|s| s.sinh()).collect::<Vec<_>>()
                },
                &x,
            );
            assert_eq!(bits(&v), bits(&v0));
            assert_eq!(bits(j.as_slice()), bits(j0.as_slice()));
            assert_eq!(bits(&d.apply(&x)), bits(&v));
        }
    });
}
