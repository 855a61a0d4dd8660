//! The two shared genFunction files against their float64 references (chain rule over the
//! printed constants, computed independently in Python; see the README in tests/data/matlab).

use nngrad_core::matlab::ShallowNet;
use serde_json::Value;

fn check(dir: &str, file: &str) {
    let base = format!("{}/tests/data/matlab/{dir}", env!("CARGO_MANIFEST_DIR"));
    let net = ShallowNet::load(format!("{base}/{file}")).unwrap();
    let r: Value =
        serde_json::from_str(&std::fs::read_to_string(format!("{base}/reference.json")).unwrap())
            .unwrap();
    let nums = |v: &Value| -> Vec<f64> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect()
    };
    assert_eq!(net.input_len() as u64, r["n_in"].as_u64().unwrap());
    assert_eq!(net.output_len() as u64, r["n_out"].as_u64().unwrap());
    let points = r["points"].as_array().unwrap();
    assert_eq!(points.len(), 8);
    let mut worst = 0.0f64;
    for (k, p) in points.iter().enumerate() {
        let x = nums(p);
        let y_ref = nums(&r["outputs_reference_f64"][k]);
        let j_ref: Vec<Vec<f64>> = r["jacobians_reference_f64"][k]
            .as_array()
            .unwrap()
            .iter()
            .map(nums)
            .collect();
        let y = net.forward(&x).unwrap();
        let (y2, j) = net.jacobian(&x).unwrap();
        assert_eq!(y, y2, "{dir}: forward and jacobian disagree on the value");
        for (a, b) in y.iter().zip(&y_ref) {
            let err = (a - b).abs();
            worst = worst.max(err);
            assert!(err <= 1e-12, "{dir} point {k}: output {a} vs reference {b}");
        }
        assert_eq!(j.shape(), (y_ref.len(), x.len()));
        for (i, row) in j_ref.iter().enumerate() {
            for (c, b) in row.iter().enumerate() {
                let err = (j[(i, c)] - b).abs();
                worst = worst.max(err);
                assert!(
                    err <= 1e-12,
                    "{dir} point {k}: dy{i}/dx{c} = {} vs reference {b}",
                    j[(i, c)]
                );
            }
        }
        // The directional derivative along each basis vector is the Jacobian's column. The
        // JVP carries its tangent from the input side, the Jacobian of these chains is taken
        // from the output side (fewer outputs than inputs), so they agree to the last bits
        // of rounding, not to the bit.
        let scale = j.amax();
        for c in 0..x.len() {
            let mut v = vec![0.0; x.len()];
            v[c] = 1.0;
            let (_, jv) = net.jvp(&x, &v).unwrap();
            for (i, d) in jv.iter().enumerate() {
                assert!(
                    (d - j[(i, c)]).abs() <= 1e-13 * scale,
                    "{dir}: jvp {d} vs jacobian column {}",
                    j[(i, c)]
                );
            }
        }
    }
    eprintln!("{dir}: worst absolute difference from the reference {worst:e}");
}

#[test]
fn shallow_tansig_struct_matches_reference() {
    check("shallow_tansig_struct", "myNeuralNetworkFunction.m");
}

#[test]
fn deep_logsig_flat_mapstd_matches_reference() {
    check("deep_logsig_flat_mapstd", "netFcn.m");
}

#[test]
fn structure_is_read_from_the_simulation_code() {
    let base = format!("{}/tests/data/matlab", env!("CARGO_MANIFEST_DIR"));
    let net = ShallowNet::load(format!("{base}/deep_logsig_flat_mapstd/netFcn.m")).unwrap();
    assert_eq!(
        net.to_string(),
        "netFcn: x1[7] -> a1[12] logsig -> a2[6] tansig -> a3[3] purelin -> y1[3]"
    );
    let net = ShallowNet::load(format!(
        "{base}/shallow_tansig_struct/myNeuralNetworkFunction.m"
    ))
    .unwrap();
    assert_eq!(
        net.to_string(),
        "myNeuralNetworkFunction: x1[5] -> a1[8] tansig -> a2[1] purelin -> y1[1]"
    );
}

#[test]
fn byte_order_mark_and_latin1_comments_are_accepted() {
    let base = format!("{}/tests/data/matlab", env!("CARGO_MANIFEST_DIR"));
    let plain = std::fs::read(format!(
        "{base}/shallow_tansig_struct/myNeuralNetworkFunction.m"
    ))
    .unwrap();
    let mut edited = b"\xef\xbb\xbf".to_vec();
    edited.extend_from_slice(&plain);
    edited.extend_from_slice(b"\n% Gr\xfc\xdfe (Latin-1)\n");
    let path = std::env::temp_dir().join(format!("nngrad_matlab_bom_{}.m", std::process::id()));
    std::fs::write(&path, edited).unwrap();
    let net = ShallowNet::load(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let x = [0.1, 0.2, 0.3, 0.4, 0.5];
    let reference = ShallowNet::from_source(std::str::from_utf8(&plain).unwrap()).unwrap();
    assert_eq!(net.forward(&x).unwrap(), reference.forward(&x).unwrap());
}

#[test]
fn nested_duals_give_the_hessian_of_an_output() {
    // eval is generic, so second derivatives come from nested duals; checked against central
    // differences of the (independently verified) Jacobian.
    let base = format!("{}/tests/data/matlab", env!("CARGO_MANIFEST_DIR"));
    let net = ShallowNet::load(format!("{base}/deep_logsig_flat_mapstd/netFcn.m")).unwrap();
    let x = [0.3, -1.2, 0.7, 2.0, -0.4, 1.1, 0.05];
    for out in 0..net.output_len() {
        let (y, g, h) = nngrad_core::hessian(|x| net.eval(x).unwrap()[out], &x);
        let (y0, j) = net.jacobian(&x).unwrap();
        assert_eq!(y, y0[out]);
        for c in 0..x.len() {
            assert!((g[c] - j[(out, c)]).abs() < 1e-13);
            let eps = 1e-5;
            let (mut xp, mut xm) = (x.to_vec(), x.to_vec());
            xp[c] += eps;
            xm[c] -= eps;
            let (_, jp) = net.jacobian(&xp).unwrap();
            let (_, jm) = net.jacobian(&xm).unwrap();
            for r in 0..x.len() {
                let fd = (jp[(out, r)] - jm[(out, r)]) / (2.0 * eps);
                assert!(
                    (h[(r, c)] - fd).abs() < 1e-7,
                    "H[{r},{c}] = {} vs {fd}",
                    h[(r, c)]
                );
            }
        }
    }
}

#[test]
fn networks_can_be_shared_across_threads() {
    fn send_sync<T: Send + Sync>() {}
    send_sync::<ShallowNet>();
}
