//! Small hand-built graphs pinning down rules the fixtures and conformance cases leave open:
//! float16 weights, the opset-dependent Softmax axis, the kink conventions, and MATLAB's
//! legacy Gemm-on-4-D with initializers listed as graph inputs. Expected values are closed
//! forms computed here.

mod common;

use common::onnx::{node, value_info};
use nngrad_core::onnx::proto::{
    data_type, AttributeProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    ValueInfoProto,
};
use nngrad_core::onnx::Model;
use prost::Message;

fn attr_i(name: &str, i: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        i,
        r#type: 2,
        ..Default::default()
    }
}

fn build(
    opset: i64,
    nodes: Vec<NodeProto>,
    inits: Vec<TensorProto>,
    inputs: Vec<ValueInfoProto>,
    out: ValueInfoProto,
) -> Model {
    let bytes = ModelProto {
        ir_version: 3,
        graph: Some(GraphProto {
            node: nodes,
            name: "g".into(),
            initializer: inits,
            input: inputs,
            output: vec![out],
        }),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: opset,
        }],
        ..Default::default()
    }
    .encode_to_vec();
    Model::from_bytes(&bytes).unwrap()
}

fn f32_tensor(name: &str, dims: &[i64], v: &[f32]) -> TensorProto {
    TensorProto {
        dims: dims.to_vec(),
        data_type: data_type::FLOAT,
        name: name.into(),
        float_data: v.to_vec(),
        ..Default::default()
    }
}

#[test]
fn float16_weights_are_widened_exactly_from_raw_and_int32_storage() {
    // 1.5, -0.25, 65504 (largest half), 2^-24 (smallest subnormal half)
    let bits: [u16; 4] = [0x3e00, 0xb400, 0x7bff, 0x0001];
    let raw: Vec<u8> = bits.iter().flat_map(|b| b.to_le_bytes()).collect();
    let want = [1.5, -0.25, 65504.0, 2f64.powi(-24)];
    for t in [
        TensorProto {
            dims: vec![4],
            data_type: data_type::FLOAT16,
            name: "w".into(),
            raw_data: raw.clone(),
            ..Default::default()
        },
        TensorProto {
            dims: vec![4],
            data_type: data_type::FLOAT16,
            name: "w".into(),
            int32_data: bits.iter().map(|&b| i32::from(b)).collect(),
            ..Default::default()
        },
    ] {
        let m = build(
            13,
            vec![node("Add", &["x", "w"], &["y"], vec![])],
            vec![t],
            vec![value_info("x", data_type::FLOAT, &[4])],
            value_info("y", data_type::FLOAT, &[4]),
        );
        assert_eq!(m.forward(&[0.0; 4]).unwrap(), want);
    }
}

#[test]
fn softmax_axis_follows_the_opset() {
    let x: Vec<f64> = vec![0.1, -0.3, 0.7, 1.1, 0.0, -0.5];
    let soft = |v: &[f64]| {
        let s: f64 = v.iter().map(|a| a.exp()).sum();
        v.iter().map(|a| a.exp() / s).collect::<Vec<_>>()
    };
    // opset 11, axis 1 on [1, 2, 3]: the input is coerced to 1×6, one softmax over all six
    let m11 = build(
        11,
        vec![node("Softmax", &["x"], &["y"], vec![attr_i("axis", 1)])],
        vec![],
        vec![value_info("x", data_type::FLOAT, &[1, 2, 3])],
        value_info("y", data_type::FLOAT, &[1, 2, 3]),
    );
    let y = m11.forward(&x).unwrap();
    for (a, b) in y.iter().zip(soft(&x)) {
        assert!((a - b).abs() < 1e-15);
    }
    // opset 13, axis 1: softmax along axis 1 only (pairs x[k], x[3 + k])
    let m13 = build(
        13,
        vec![node("Softmax", &["x"], &["y"], vec![attr_i("axis", 1)])],
        vec![],
        vec![value_info("x", data_type::FLOAT, &[1, 2, 3])],
        value_info("y", data_type::FLOAT, &[1, 2, 3]),
    );
    let y = m13.forward(&x).unwrap();
    for k in 0..3 {
        let p = soft(&[x[k], x[3 + k]]);
        assert!((y[k] - p[0]).abs() < 1e-15 && (y[3 + k] - p[1]).abs() < 1e-15);
    }
}

#[test]
fn kinks_relu_at_zero_and_first_maximum() {
    let relu = build(
        13,
        vec![node("Relu", &["x"], &["y"], vec![])],
        vec![],
        vec![value_info("x", data_type::FLOAT, &[3])],
        value_info("y", data_type::FLOAT, &[3]),
    );
    let (_, j) = relu.jacobian(&[-1.0, 0.0, 2.0]).unwrap();
    assert_eq!(
        j,
        nalgebra::DMatrix::from_diagonal(&nalgebra::dvector![0.0, 0.0, 1.0])
    );
    // a 2×2 window holding two equal maxima: the first in row-major order takes the derivative
    let pool = build(
        13,
        vec![node(
            "MaxPool",
            &["x"],
            &["y"],
            vec![AttributeProto {
                name: "kernel_shape".into(),
                ints: vec![2, 2],
                r#type: 7,
                ..Default::default()
            }],
        )],
        vec![],
        vec![value_info("x", data_type::FLOAT, &[1, 1, 2, 2])],
        value_info("y", data_type::FLOAT, &[1, 1, 1, 1]),
    );
    let (y, j) = pool.jacobian(&[0.5, 3.0, 3.0, 1.0]).unwrap();
    assert_eq!(y, vec![3.0]);
    assert_eq!(
        j.row(0).iter().copied().collect::<Vec<_>>(),
        vec![0.0, 1.0, 0.0, 0.0]
    );
    // ReduceMax and Max keep the first of equal values as well
    let max = build(
        13,
        vec![node("Max", &["x", "w"], &["y"], vec![])],
        vec![f32_tensor("w", &[2], &[1.0, 1.0])],
        vec![value_info("x", data_type::FLOAT, &[2])],
        value_info("y", data_type::FLOAT, &[2]),
    );
    let (_, j) = max.jacobian(&[1.0, 0.5]).unwrap();
    assert_eq!((j[(0, 0)], j[(1, 1)]), (1.0, 0.0));
}

#[test]
fn matlab_legacy_gemm_on_4d_input_with_initializers_listed_as_inputs() {
    // opset 6: Gemm fed a 1×2×1×2 tensor (flattened to 1×4), B transposed, weights also
    // declared as graph inputs, legacy `broadcast` attribute present
    let w: Vec<f32> = vec![1.0, 2.0, 3.0, 4.0, -1.0, 0.5, 0.25, 2.0];
    let b: Vec<f32> = vec![0.5, -1.0];
    let m = build(
        6,
        vec![node(
            "Gemm",
            &["x", "W", "B"],
            &["y"],
            vec![attr_i("transB", 1), attr_i("broadcast", 1)],
        )],
        vec![f32_tensor("W", &[2, 4], &w), f32_tensor("B", &[2], &b)],
        vec![
            value_info("W", data_type::FLOAT, &[2, 4]),
            value_info("B", data_type::FLOAT, &[2]),
            value_info("x", data_type::FLOAT, &[1, 2, 1, 2]),
        ],
        value_info("y", data_type::FLOAT, &[1, 2]),
    );
    assert_eq!(m.input_name(), "x");
    let x = [1.0, -2.0, 0.5, 3.0];
    let (y, j) = m.jacobian(&x).unwrap();
    for i in 0..2 {
        let want: f64 =
            (0..4).map(|k| f64::from(w[i * 4 + k]) * x[k]).sum::<f64>() + f64::from(b[i]);
        assert_eq!(y[i], want);
        for k in 0..4 {
            assert_eq!(j[(i, k)], f64::from(w[i * 4 + k]));
        }
    }
}

#[test]
fn constant_of_shape_builds_from_an_integer_shape_subgraph() {
    // y = x + ConstantOfShape(Shape(x), value = 2.5): integers on the way, no derivative
    let value = AttributeProto {
        name: "value".into(),
        t: Some(f32_tensor("v", &[1], &[2.5])),
        r#type: 4,
        ..Default::default()
    };
    let m = build(
        13,
        vec![
            node("Shape", &["x"], &["s"], vec![]),
            node("ConstantOfShape", &["s"], &["c"], vec![value]),
            node("Mul", &["x", "c"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("x", data_type::FLOAT, &[2, 2])],
        value_info("y", data_type::FLOAT, &[2, 2]),
    );
    let (y, j) = m.jacobian(&[1.0, 2.0, 3.0, 4.0]).unwrap();
    assert_eq!(y, vec![2.5, 5.0, 7.5, 10.0]);
    assert_eq!(j, nalgebra::DMatrix::from_diagonal_element(4, 4, 2.5));
}

/// PRelu takes the slope branch at 0 (`x > 0 ? x : slope·x`): `∂/∂x = slope` there, as
/// LeakyRelu's `alpha`, so a zero slope is Relu with `Relu'(0) = 0`; the slope's own
/// derivative is `x`, 0 at the kink.
#[test]
fn prelu_at_zero_takes_the_slope() {
    let constant_slope = build(
        13,
        vec![node("PRelu", &["x", "s"], &["y"], vec![])],
        vec![f32_tensor("s", &[3], &[0.25, 0.25, 0.0])],
        vec![value_info("x", data_type::FLOAT, &[3])],
        value_info("y", data_type::FLOAT, &[3]),
    );
    let (y, j) = constant_slope.jacobian(&[-2.0, 0.0, 0.0]).unwrap();
    assert_eq!(y, vec![-0.5, 0.0, 0.0]);
    assert_eq!(
        j,
        nalgebra::DMatrix::from_diagonal(&nalgebra::dvector![0.25, 0.25, 0.0])
    );
    let (_, j) = constant_slope.jacobian(&[1.0, 2.0, 3.0]).unwrap();
    assert_eq!(j, nalgebra::DMatrix::identity(3, 3));

    // The slope varying too (the model's one input split into x and slope): at x = 0,
    // ∂y/∂x = slope and ∂y/∂slope = x = 0.
    let both = build(
        11,
        vec![
            node(
                "Split",
                &["xs"],
                &["x", "s"],
                vec![
                    attr_i("axis", 0),
                    AttributeProto {
                        name: "split".into(),
                        ints: vec![1, 1],
                        r#type: 7,
                        ..Default::default()
                    },
                ],
            ),
            node("PRelu", &["x", "s"], &["y"], vec![]),
        ],
        vec![],
        vec![value_info("xs", data_type::FLOAT, &[2])],
        value_info("y", data_type::FLOAT, &[1]),
    );
    let (_, j) = both.jacobian(&[0.0, 0.3]).unwrap();
    assert_eq!((j[(0, 0)], j[(0, 1)]), (0.3, 0.0));
    let (_, j) = both.jacobian(&[-2.0, 0.3]).unwrap();
    assert_eq!((j[(0, 0)], j[(0, 1)]), (0.3, -2.0));
}
