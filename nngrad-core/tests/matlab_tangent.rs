//! `ShallowNet::jacobian` and `jvp` (one pass with every tangent column beside the value)
//! against the hand-written analytic Jacobian of the same weights and the generic dual path
//! (`try_jacobian` over `ShallowNet::eval`), to 1e-13 relative.

#[path = "../benches/workloads/mod.rs"]
mod workloads;

use nngrad_core::matlab::ShallowNet;
use nngrad_core::{try_jacobian, try_jvp};
use workloads::*;

fn assert_close(a: &[f64], b: &[f64], tol: f64, what: &str) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let scale = b.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-300);
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        assert!(
            (x - y).abs() <= tol * scale.max(x.abs().max(y.abs())),
            "{what}[{k}]: {x} vs {y}"
        );
    }
}

fn row_major(j: &nalgebra::DMatrix<f64>) -> Vec<f64> {
    j.transpose().as_slice().to_vec()
}

#[test]
fn genfunction_mlps_match_analytic_and_generic_path() {
    for (sizes, seed) in [(&MLP_S[..], 1u64), (&MLP_M[..], 2)] {
        let net = Net::glorot(sizes, seed);
        let sn = ShallowNet::from_source(&net.matlab_source()).unwrap();
        let x = inputs(net.inputs(), seed + 3);
        let (y, j) = sn.jacobian(&x).unwrap();
        let mut an = Analytic::default();
        let (ya, ja) = an.jacobian(&net, &x);
        assert_close(&y, ya, 1e-13, "values vs analytic");
        assert_close(&row_major(&j), ja, 1e-13, "J vs analytic");
        let (yg, jg) = try_jacobian(|x| sn.eval(x), &x).unwrap();
        assert_eq!(y, yg, "values vs generic");
        assert_close(&row_major(&j), &row_major(&jg), 1e-13, "J vs generic");
        assert_eq!(y, sn.forward(&x).unwrap());
        let v = inputs(net.inputs(), seed + 4);
        let (yv, jv) = sn.jvp(&x, &v).unwrap();
        assert_eq!(yv, y);
        let (_, jvg) = try_jvp(|x| sn.eval(x), &x, &v).unwrap();
        assert_close(&jv, &jvg, 1e-13, "J·v vs generic");
        assert!(sn.jacobian(&x[1..]).is_err());
        assert!(sn.jvp(&x, &v[1..]).is_err());
    }
}

#[test]
fn processing_softmax_and_layers_fed_by_inputs_match_generic_path() {
    // mapminmax input processing, removeconstantrows-free; a softmax output layer.
    let src = "
function [y1] = f(x1)
x1_step1.xoffset = [-1;0.5;2]; x1_step1.gain = [0.8;1.5;0.25]; x1_step1.ymin = -1;
b1 = [0.1;-0.2;0.3;0.05];
IW1_1 = [1 2 -1;-1 0.5 0.3;0.2 -0.7 1.1;0.9 0.1 -0.4];
b2 = [0.3;-0.1;0.2];
LW2_1 = [0.7 -1.1 0.4 0.2;0.5 0.3 -0.8 1.0;-0.6 0.9 0.1 -0.3];
Q = size(x1,2);
xp1 = mapminmax_apply(x1,x1_step1);
a1 = logsig_apply(repmat(b1,1,Q) + IW1_1*xp1);
a2 = softmax_apply(repmat(b2,1,Q) + LW2_1*a1);
y1 = a2;
end
";
    let sn = ShallowNet::from_source(src).unwrap();
    for x in [[0.3, 1.0, 2.5], [-2.0, 0.1, 7.0]] {
        let (y, j) = sn.jacobian(&x).unwrap();
        let (yg, jg) = try_jacobian(|x| sn.eval(x), &x).unwrap();
        assert_eq!(y, yg);
        assert_close(&row_major(&j), &row_major(&jg), 1e-13, "J vs generic");
        // columns of a softmax Jacobian sum to zero
        for c in 0..3 {
            assert!((0..3).map(|i| j[(i, c)]).sum::<f64>().abs() < 1e-15);
        }
    }
}
