//! Matrix-valued `f64` weights in `#[differentiable]` code, written as a MATLAB user writes
//! them (`&self.w1 * &x + &self.b1`): every form the macro routes, checked against plain f64
//! nalgebra code for values and against hand chain rules or central differences for
//! derivatives.

use nalgebra::{dmatrix, dvector, DMatrix, DVector, Matrix2, Vector2};
use nngrad_core::{differentiable, jacobian, Dual};

/// A 3-5-2 shallow net as MATLAB's `genFunction` describes it: mapminmax on the inputs,
/// tansig hidden layer, linear output layer, reverse mapminmax on the outputs.
struct ShallowNet {
    x_offset: DVector<f64>,
    x_gain: DVector<f64>,
    y_offset: DVector<f64>,
    y_gain: DVector<f64>,
    w1: DMatrix<f64>,
    b1: DVector<f64>,
    w2: DMatrix<f64>,
    b2: DVector<f64>,
}

#[differentiable]
impl ShallowNet {
    fn mapminmax(&self, x: &DVector<f64>) -> DVector<f64> {
        (x - &self.x_offset)
            .component_mul(&self.x_gain)
            .add_scalar(-1.0)
    }

    fn tansig(&self, n: DVector<f64>) -> DVector<f64> {
        n.map(|v| 2.0 / (1.0 + (-2.0 * v).exp()) - 1.0)
    }

    fn forward(&self, x: &DVector<f64>) -> DVector<f64> {
        let xn = self.mapminmax(x);
        let a1 = self.tansig(&self.w1 * &xn + &self.b1);
        let y = &self.w2 * &a1 + &self.b2;
        y.add_scalar(1.0).component_div(&self.y_gain) + &self.y_offset
    }
}

fn net() -> ShallowNet {
    let w1 = DMatrix::from_fn(5, 3, |i, j| ((i * 3 + j) as f64 * 0.37).sin());
    let w2 = DMatrix::from_fn(2, 5, |i, j| ((i * 5 + j) as f64 * 0.53).cos() * 0.8);
    ShallowNet {
        x_offset: dvector![-1.0, 0.0, 2.0],
        x_gain: dvector![0.5, 2.0, 0.25],
        y_offset: dvector![-3.0, 1.0],
        y_gain: dvector![0.2, 4.0],
        w1,
        b1: dvector![0.1, -0.2, 0.3, -0.4, 0.5],
        w2,
        b2: dvector![0.05, -0.05],
    }
}

#[test]
fn shallow_net_with_nalgebra_weights_matches_hand_chain_rule() {
    let net = net();
    let x0 = [0.3, -0.7, 1.9];
    let (y, j) = jacobian(|x| net.forward(&DVector::from_column_slice(x)), &x0);

    // Plain f64 nalgebra, written independently of the macro.
    let x = DVector::from_column_slice(&x0);
    let xn = (&x - &net.x_offset)
        .component_mul(&net.x_gain)
        .add_scalar(-1.0);
    let n1 = &net.w1 * &xn + &net.b1;
    let a1 = n1.map(|v| v.tanh()); // tansig is tanh
    let yr = (&net.w2 * &a1 + &net.b2)
        .add_scalar(1.0)
        .component_div(&net.y_gain)
        + &net.y_offset;
    for i in 0..2 {
        assert!((y[i] - yr[i]).abs() < 1e-13, "{} vs {}", y[i], yr[i]);
    }
    // J = diag(1/gy) · W2 · diag(1 − a1²) · W1 · diag(gx)
    let d1 = DMatrix::from_diagonal(&a1.map(|a| 1.0 - a * a));
    let jr = DMatrix::from_diagonal(&net.y_gain.map(|g| 1.0 / g))
        * &net.w2
        * d1
        * &net.w1
        * DMatrix::from_diagonal(&net.x_gain);
    let err = (&j - &jr).abs().max();
    assert!(err < 1e-12, "max |J - J_hand| = {err:e}\n{j}\n{jr}");
}

struct Forms {
    w: DMatrix<f64>,
    v: DVector<f64>,
}

#[differentiable]
impl Forms {
    /// Every routed form, each with f64 data on one side and `S` on the other, in both orders.
    fn all(&self, x: &DVector<f64>) -> Vec<f64> {
        let w = &self.w; // a local borrowing a field
        let wx = w * x; // W·x
        let xw = x.transpose() * &self.w; // xᵀ·W (S on the left)
        let wtx = self.w.transpose() * x; // Wᵀ·x
        let sum = &self.v + x; // f64 + S
        let diff = x - &self.v; // S − f64
        let diff2 = &self.v - x; // f64 − S
        let cm = x.component_mul(&self.v); // S .* f64
        let cd = self.v.component_div(x); // f64 ./ S
        let d1 = x.dot(&self.v); // S · f64
        let d2 = self.v.dot(x); // f64 · S
        let xx = x * x.transpose(); // S·S outer product: nalgebra's own
        let ww = &self.w * &self.w; // f64·f64: constants
        let h = (wx.clone() + &self.v).map(|v| v.tanh());
        let mut out = Vec::new();
        for m in [wx, wtx, sum, diff, diff2, cm, cd, h] {
            out.extend(m.iter().copied());
        }
        out.extend(xw.iter().copied());
        out.extend(xx.iter().copied());
        out.extend(ww.iter().copied());
        out.push(d1);
        out.push(d2);
        out
    }

    /// A weight matrix as a parameter kept `f64` (`#[nograd]`), a matrix product `W·X`.
    fn param(&self, #[nograd] m: &DMatrix<f64>, x: &DMatrix<f64>) -> DMatrix<f64> {
        m * x - x * m
    }
}

/// The same forms in plain f64 nalgebra, written out by hand.
fn all_plain(f: &Forms, x: &DVector<f64>) -> Vec<f64> {
    let wx = &f.w * x;
    let xw = x.transpose() * &f.w;
    let wtx = f.w.transpose() * x;
    let h = (&wx + &f.v).map(|v| v.tanh());
    let mut out = Vec::new();
    for m in [
        wx,
        wtx,
        &f.v + x,
        x - &f.v,
        &f.v - x,
        x.component_mul(&f.v),
        f.v.component_div(x),
        h,
    ] {
        out.extend(m.iter().copied());
    }
    out.extend(xw.iter().copied());
    out.extend((x * x.transpose()).iter().copied());
    out.extend((&f.w * &f.w).iter().copied());
    out.push(x.dot(&f.v));
    out.push(f.v.dot(x));
    out
}

fn central_difference(f: impl Fn(&[f64]) -> Vec<f64>, x: &[f64]) -> DMatrix<f64> {
    let m = f(x).len();
    let mut j = DMatrix::zeros(m, x.len());
    for k in 0..x.len() {
        let h = 1e-6 * x[k].abs().max(1.0);
        let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
        xp[k] += h;
        xm[k] -= h;
        let (fp, fm) = (f(&xp), f(&xm));
        for i in 0..m {
            j[(i, k)] = (fp[i] - fm[i]) / (2.0 * h);
        }
    }
    j
}

#[test]
fn every_matrix_form_mixes_f64_weights_with_duals() {
    let forms = Forms {
        w: dmatrix![1.0, -2.0, 0.5; 3.0, 0.25, -1.0; 0.0, 1.5, 2.0],
        v: dvector![0.5, -1.5, 2.5],
    };
    let x0 = [0.4, -0.3, 1.2];
    let xv = DVector::from_column_slice(&x0);
    // f64: exactly the plain code
    assert_eq!(forms.all(&xv), all_plain(&forms, &xv));
    // derivatives: against central differences of the plain code
    let (y, j) = jacobian(|x| forms.all(&DVector::from_column_slice(x)), &x0);
    assert_eq!(y, all_plain(&forms, &xv));
    let jr = central_difference(|x| all_plain(&forms, &DVector::from_column_slice(x)), &x0);
    let err = (&j - &jr).abs().max();
    assert!(err < 1e-7, "max |J - J_fd| = {err:e}");
    // the constant block (W·W) has no derivative at all
    let ww = 3 * 8 + 3 + 9;
    assert!(j.rows(ww, 9).iter().all(|v| *v == 0.0));

    let m = dmatrix![1.0, 2.0; -1.0, 0.5];
    let x = DMatrix::from_fn(2, 2, |i, k| {
        Dual::new([0.3, -0.2, 0.7, 1.1][2 * i + k], 0.0)
    });
    let mut x = x;
    x[(0, 1)] = Dual::variable(-0.2);
    let got = forms.param(&m, &x);
    let xf = x.map(|v| v.re());
    let e01 = dmatrix![0.0, 1.0; 0.0, 0.0];
    assert_eq!(got.map(|v| v.re()), &m * &xf - &xf * &m);
    assert_eq!(got.map(|v| v.eps()), &m * &e01 - &e01 * &m);
}

/// Static matrices (`Matrix2`, `Vector2`) take the same routes.
#[differentiable]
fn rotate(r: &Matrix2<f64>, #[nograd] w: &Matrix2<f64>, x: &Vector2<f64>) -> Vector2<f64> {
    w * (r * x) + w.transpose() * x
}

#[test]
fn static_matrices() {
    let w = Matrix2::new(0.0, -1.0, 1.0, 0.0);
    let r = Matrix2::new(2.0, 0.0, 0.0, 3.0);
    let x = Vector2::new(Dual::variable(1.0), Dual::constant(2.0));
    let rd = r.map(Dual::constant);
    let y = rotate(&rd, &w, &x);
    let xf = Vector2::new(1.0, 2.0);
    assert_eq!(y.map(|v| v.re()), w * (r * xf) + w.transpose() * xf);
    let e0 = Vector2::new(1.0, 0.0);
    assert_eq!(y.map(|v| v.eps()), w * (r * e0) + w.transpose() * e0);
}

/// MATLAB's `mapminmax` written with its settings as `f64` fields: `ymin` reaches
/// `add_scalar`, `add_scalar_mut` and `fill` as a field, a local and a literal, on `S` vectors
/// and on an `f64` vector alike (`scale` needs `S: ComplexField`, so it is shown on `f64` data).
struct MapMinMax {
    offset: DVector<f64>,
    gain: DVector<f64>,
    ymin: f64,
    k: f64,
}

#[differentiable]
impl MapMinMax {
    fn apply(&self, x: &DVector<f64>) -> DVector<f64> {
        let mut y = (x - &self.offset)
            .component_mul(&self.gain)
            .add_scalar(self.ymin);
        let shift = 0.5;
        y.add_scalar_mut(shift);
        y.add_scalar_mut(-shift);
        y.add_scalar_mut(self.k);
        let mut z = y.clone();
        z.fill(self.ymin);
        // An f64 vector keeps f64 arguments as f64.
        let w = self
            .gain
            .add_scalar(self.ymin)
            .scale(self.k)
            .unscale(self.k);
        y.add_scalar(-self.k) + z.add_scalar(-self.ymin) + w.add_scalar(-self.ymin) - &self.gain
    }
}

#[test]
fn scalar_arguments_of_matrix_methods_take_the_receivers_type() {
    let m = MapMinMax {
        offset: dvector![-1.0, 0.0, 2.0],
        gain: dvector![0.5, 2.0, 0.25],
        ymin: -1.0,
        k: 3.0,
    };
    let x0 = [0.3, -0.7, 1.9];
    let (y, j) = jacobian(|x| m.apply(&DVector::from_column_slice(x)), &x0);
    // y = (x - offset) .* gain + ymin (+ 0.5 - 0.5 + k - k, z and w - gain are zero)
    for i in 0..3 {
        let yr = (x0[i] - m.offset[i]) * m.gain[i] + m.ymin;
        assert!((y[i] - yr).abs() < 1e-14, "{} vs {yr}", y[i]);
        for c in 0..3 {
            let jr = if i == c { m.gain[i] } else { 0.0 };
            assert!((j[(i, c)] - jr).abs() < 1e-14, "J[{i},{c}] = {}", j[(i, c)]);
        }
    }
    // The f64 call is the code as written.
    let yf = m.apply(&DVector::from_column_slice(&x0));
    for i in 0..3 {
        assert_eq!(yf[i], y[i]);
    }
}
