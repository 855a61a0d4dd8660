//! Shapes known only at run time (issue 17): a size computed from the runtime input's values
//! (a Range bound, a OneHot depth, a Reshape target) cannot be inferred at load. Such a
//! model loads (its other checks still run), reports its output as dynamic, evaluates and
//! differentiates with the run's own length, and its batch methods take that length from the
//! first point. Expected values are closed forms; derivatives are also checked against
//! central differences. Hostile run-time sizes are in `onnx_hostile.rs`.

mod common;

use common::onnx::{attr_i, f32_tensor, i64_tensor, model_bytes, node, value_info};
use nngrad_core::onnx::proto::data_type;
use nngrad_core::onnx::{Error, Model};
use nngrad_core::{BatchError, Differentiable};

fn out() -> nngrad_core::onnx::proto::ValueInfoProto {
    value_info("y", data_type::FLOAT, &[])
}

/// y = (2·Range(x, 5, 1))² as a row [1, n]: Range's start is the input, so n = ⌈5 − x⌉,
/// and y_i = 4(x + i)², dy_i/dx = 8(x + i).
fn range_chain() -> Model {
    let bytes = model_bytes(
        17,
        vec![
            node("Squeeze", &["x", "ax0"], &["s"], vec![]),
            node("Range", &["s", "limit", "one"], &["r"], vec![]),
            node("Mul", &["r", "two"], &["m"], vec![]),
            node("Unsqueeze", &["m", "ax0"], &["u"], vec![]),
            node("Mul", &["u", "u"], &["y"], vec![]),
        ],
        vec![
            i64_tensor("ax0", &[1], &[0]),
            f32_tensor("limit", &[], &[5.0]),
            f32_tensor("one", &[], &[1.0]),
            f32_tensor("two", &[], &[2.0]),
        ],
        &[1],
        vec![out()],
    );
    Model::from_bytes(&bytes).unwrap()
}

#[test]
fn a_run_time_shape_propagates_and_differentiates() {
    let m = range_chain();
    assert!(m.output_is_dynamic());
    assert_eq!((m.output_len(), m.output_shape()), (0, &[][..]));
    assert!(m.output_labels().is_empty());
    for x in [1.5, 2.5, 4.25] {
        let n = (5.0f64 - x).ceil() as usize;
        let want: Vec<f64> = (0..n).map(|i| 4.0 * (x + i as f64).powi(2)).collect();
        let dwant: Vec<f64> = (0..n).map(|i| 8.0 * (x + i as f64)).collect();
        assert_eq!(m.forward(&[x]).unwrap(), want, "x = {x}");
        let (y, j) = m.jacobian(&[x]).unwrap();
        assert_eq!(y, want);
        assert_eq!(j.shape(), (n, 1));
        assert_eq!(j.column(0).iter().copied().collect::<Vec<_>>(), dwant);
        let (_, jv) = m.jvp(&[x], &[0.5]).unwrap();
        // central differences (the length does not change within ±h here)
        let h = 1e-5;
        let (p, q) = (m.forward(&[x + h]).unwrap(), m.forward(&[x - h]).unwrap());
        for i in 0..n {
            assert_eq!(jv[i], 0.5 * dwant[i]);
            let fd = (p[i] - q[i]) / (2.0 * h);
            assert!(
                (fd - dwant[i]).abs() < 1e-6 * dwant[i].abs(),
                "{fd} vs {}",
                dwant[i]
            );
        }
    }
}

#[test]
fn a_scalar_after_a_run_time_shape_has_a_fixed_length() {
    // ReduceSum of Range(x, 5, 1) to a scalar: Σ (x + i)
    let bytes = model_bytes(
        17,
        vec![
            node("Squeeze", &["x", "ax0"], &["s"], vec![]),
            node("Range", &["s", "limit", "one"], &["r"], vec![]),
            node("ReduceSum", &["r"], &["y"], vec![attr_i("keepdims", 0)]),
        ],
        vec![
            i64_tensor("ax0", &[1], &[0]),
            f32_tensor("limit", &[], &[5.0]),
            f32_tensor("one", &[], &[1.0]),
        ],
        &[1],
        vec![out()],
    );
    let m = Model::from_bytes(&bytes).unwrap();
    assert!(!m.output_is_dynamic());
    assert_eq!(m.output_len(), 1);
    let (y, j) = m.jacobian(&[1.5]).unwrap();
    assert_eq!((y, j[(0, 0)]), (vec![1.5 + 2.5 + 3.5 + 4.5], 4.0));
    // a scalar output keeps to the evaluator too: the route is shaped once, at load
    assert_eq!(m.forward_batch(&[1.5, 3.5]).unwrap(), vec![12.0, 8.0]);
}

#[test]
fn batch_methods_take_the_length_from_the_first_point() {
    let m = range_chain();
    // both points give 4 values
    let ys = m.forward_batch(&[1.5, 1.75]).unwrap();
    assert_eq!(ys.len(), 8);
    assert_eq!(&ys[..4], m.forward(&[1.5]).unwrap().as_slice());
    let (ys2, js) = m.jacobian_batch(&[1.5, 1.75]).unwrap();
    assert_eq!((ys2, js.len()), (ys, 8));
    let (_, jvs) = m.jvp_batch(&[1.5, 1.75], &[1.0, 1.0]).unwrap();
    assert_eq!(jvs, js);
    // the second point gives 3 values: named, not mixed in
    for e in [
        m.forward_batch(&[1.5, 2.5]).map(|_| ()),
        m.jacobian_batch(&[1.5, 2.5]).map(|_| ()),
        m.jvp_batch(&[1.5, 2.5], &[1.0, 1.0]).map(|_| ()),
    ] {
        assert!(
            matches!(
                e,
                Err(BatchError::Output {
                    index: 1,
                    expected: 4,
                    got: 3
                })
            ),
            "{e:?}"
        );
    }
    assert_eq!(m.forward_batch(&[]).unwrap(), Vec::<f64>::new());
}

#[test]
fn the_shipped_range_model_is_dynamic() {
    let m = Model::load(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/onnx/range_dynamic/model.onnx"
    ))
    .unwrap();
    assert!(m.output_is_dynamic());
    assert_eq!(m.forward(&[0.5]).unwrap(), vec![0.5, 1.5, 2.5, 3.5, 4.5]);
    assert_eq!(m.forward(&[7.0]).unwrap(), Vec::<f64>::new());
}

#[test]
fn a_reshape_target_fed_by_the_input_is_checked_at_run_time() {
    // Reshape(w of 6 values, [Cast(2x)]): x = 3 gives [6]; x = 2 asks for [4]
    let bytes = model_bytes(
        17,
        vec![
            node("Mul", &["x", "two"], &["s"], vec![]),
            node("Cast", &["s"], &["si"], vec![attr_i("to", 7)]),
            node("Reshape", &["w", "si"], &["r"], vec![]),
            node("Mul", &["r", "x"], &["y"], vec![]),
        ],
        vec![
            f32_tensor("two", &[], &[2.0]),
            f32_tensor("w", &[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
        ],
        &[1],
        vec![out()],
    );
    let m = Model::from_bytes(&bytes).unwrap();
    assert!(m.output_is_dynamic());
    let (y, j) = m.jacobian(&[3.0]).unwrap();
    assert_eq!(y, vec![3.0, 6.0, 9.0, 12.0, 15.0, 18.0]);
    assert_eq!(
        j.column(0).iter().copied().collect::<Vec<_>>(),
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    );
    let e = m.forward(&[2.0]).unwrap_err();
    assert!(
        matches!(e, Error::Node { ref op, .. } if op == "Reshape"),
        "{e}"
    );
}

#[test]
fn a_node_shaped_at_run_time_still_has_its_other_inputs_and_attributes_checked() {
    let depth_from_x = |axis: i64, values: &[f32]| {
        model_bytes(
            11,
            vec![
                node("Squeeze", &["x", "ax0"], &["d"], vec![]),
                node(
                    "OneHot",
                    &["ind", "d", "vals"],
                    &["y"],
                    vec![attr_i("axis", axis)],
                ),
            ],
            vec![
                i64_tensor("ax0", &[1], &[0]),
                i64_tensor("ind", &[2], &[0, 2]),
                f32_tensor("vals", &[values.len() as i64], values),
            ],
            &[1],
            vec![out()],
        )
    };
    // valid: depth 3 at run time
    let m = Model::from_bytes(&depth_from_x(-1, &[0.0, 1.0])).unwrap();
    assert!(m.output_is_dynamic());
    assert_eq!(
        m.forward(&[3.0]).unwrap(),
        vec![1.0, 0.0, 0.0, 0.0, 0.0, 1.0]
    );
    // an axis out of range and values of the wrong length are refused at load
    for (bytes, what) in [
        (depth_from_x(5, &[0.0, 1.0]), "axis"),
        (depth_from_x(-1, &[0.0, 1.0, 2.0]), "values"),
    ] {
        let e = Model::from_bytes(&bytes).unwrap_err();
        assert!(
            matches!(e, Error::Node { ref op, .. } if op == "OneHot")
                && e.to_string().contains(what),
            "{e}"
        );
    }
    // Range's limit must be a scalar, whatever its start
    let bytes = model_bytes(
        17,
        vec![
            node("Squeeze", &["x", "ax0"], &["s"], vec![]),
            node("Range", &["s", "limit", "one"], &["y"], vec![]),
        ],
        vec![
            i64_tensor("ax0", &[1], &[0]),
            f32_tensor("limit", &[2], &[5.0, 6.0]),
            f32_tensor("one", &[], &[1.0]),
        ],
        &[1],
        vec![out()],
    );
    let e = Model::from_bytes(&bytes).unwrap_err();
    assert!(
        matches!(e, Error::Node { ref op, .. } if op == "Range"),
        "{e}"
    );
}
