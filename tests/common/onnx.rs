//! Builders for the small hand-made ONNX graphs of the ONNX tests.

use nngrad_core::onnx::proto::{
    AttributeProto, Dimension, NodeProto, TensorShapeProto, TypeProto, TypeProtoTensor,
    ValueInfoProto,
};

/// A graph input or output of element type `elem` (a `data_type` code) and fixed `dims`.
pub fn value_info(name: &str, elem: i32, dims: &[i64]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type: elem,
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&d| Dimension {
                            dim_value: Some(d),
                            dim_param: None,
                        })
                        .collect(),
                }),
            }),
        }),
    }
}

/// A node of the default domain named `<op>_node`.
pub fn node(op: &str, ins: &[&str], outs: &[&str], attrs: Vec<AttributeProto>) -> NodeProto {
    NodeProto {
        input: ins.iter().map(|s| s.to_string()).collect(),
        output: outs.iter().map(|s| s.to_string()).collect(),
        name: format!("{op}_node"),
        op_type: op.into(),
        attribute: attrs,
        domain: String::new(),
    }
}

/// An integer attribute.
pub fn attr_i(name: &str, i: i64) -> nngrad_core::onnx::proto::AttributeProto {
    nngrad_core::onnx::proto::AttributeProto {
        name: name.into(),
        i,
        r#type: 2,
        ..Default::default()
    }
}

/// An integer-list attribute.
pub fn attr_ints(name: &str, ints: &[i64]) -> nngrad_core::onnx::proto::AttributeProto {
    nngrad_core::onnx::proto::AttributeProto {
        name: name.into(),
        ints: ints.to_vec(),
        r#type: 7,
        ..Default::default()
    }
}

/// A string attribute.
pub fn attr_s(name: &str, s: &str) -> nngrad_core::onnx::proto::AttributeProto {
    nngrad_core::onnx::proto::AttributeProto {
        name: name.into(),
        s: s.as_bytes().to_vec(),
        r#type: 3,
        ..Default::default()
    }
}

/// A float tensor (its `dims` need not match the data: hostile tests build wrong ones).
pub fn f32_tensor(name: &str, dims: &[i64], v: &[f32]) -> nngrad_core::onnx::proto::TensorProto {
    nngrad_core::onnx::proto::TensorProto {
        dims: dims.to_vec(),
        data_type: nngrad_core::onnx::proto::data_type::FLOAT,
        name: name.into(),
        float_data: v.to_vec(),
        ..Default::default()
    }
}

/// An int64 tensor.
pub fn i64_tensor(name: &str, dims: &[i64], v: &[i64]) -> nngrad_core::onnx::proto::TensorProto {
    nngrad_core::onnx::proto::TensorProto {
        dims: dims.to_vec(),
        data_type: nngrad_core::onnx::proto::data_type::INT64,
        name: name.into(),
        int64_data: v.to_vec(),
        ..Default::default()
    }
}

/// The bytes of a one-input model (float input `x` of shape `x_dims`) at `opset`.
pub fn model_bytes(
    opset: i64,
    nodes: Vec<NodeProto>,
    inits: Vec<nngrad_core::onnx::proto::TensorProto>,
    x_dims: &[i64],
    outputs: Vec<ValueInfoProto>,
) -> Vec<u8> {
    use nngrad_core::onnx::proto::{data_type, GraphProto, ModelProto, OperatorSetIdProto};
    use prost::Message;
    ModelProto {
        ir_version: 8,
        graph: Some(GraphProto {
            node: nodes,
            name: "g".into(),
            initializer: inits,
            input: vec![value_info("x", data_type::FLOAT, x_dims)],
            output: outputs,
        }),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: opset,
        }],
        ..Default::default()
    }
    .encode_to_vec()
}

/// Elements of a tensor of `dims`.
pub fn numel(dims: &[i64]) -> usize {
    dims.iter().product::<i64>() as usize
}

/// A float32 weight tensor `name` of `dims`, values uniform in `[-1, 1)` from `seed`
/// (stored as float32, so the model holds them exactly).
pub fn weight(name: &str, dims: &[i64], seed: u64) -> nngrad_core::onnx::proto::TensorProto {
    let v: Vec<f32> = super::numeric::uniform(numel(dims), seed, -1.0, 1.0)
        .into_iter()
        .map(|v| v as f32)
        .collect();
    f32_tensor(name, dims, &v)
}

/// The loaded one-input model of `model_bytes` whose output is the float tensor `y`.
pub fn model(
    opset: i64,
    nodes: Vec<NodeProto>,
    inits: Vec<nngrad_core::onnx::proto::TensorProto>,
    x_dims: &[i64],
) -> nngrad_core::onnx::Model {
    let y = value_info("y", nngrad_core::onnx::proto::data_type::FLOAT, &[]);
    nngrad_core::onnx::Model::from_bytes(&model_bytes(opset, nodes, inits, x_dims, vec![y]))
        .unwrap()
}
