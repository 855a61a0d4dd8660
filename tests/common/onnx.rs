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
