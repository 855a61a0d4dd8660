//! Structure-aware fuzzing of the ONNX loader: graphs built from the fuzzer's bytes (random
//! operator sequences over the supported set, random attributes, shapes with 0, 1 and huge
//! dimensions, initializers of any dtype and of right or wrong length) and structured
//! mutations of real models, each run through load → forward → jacobian → jvp → a batch of
//! three Jacobians.
//!
//! Running a target on one input with `NNGRAD_FUZZ_DUMP=<file.onnx>` set writes the model it
//! builds to that file: that is how every failing input is kept as a model in
//! `tests/hostile/`.

use arbitrary::{Result, Unstructured};
use nngrad_core::onnx::proto::{
    data_type as dt, AttributeProto, Dimension, GraphProto, ModelProto, NodeProto,
    OperatorSetIdProto, TensorProto, TensorShapeProto, TypeProto, TypeProtoTensor, ValueInfoProto,
};
use nngrad_core::onnx::Model;
use prost::Message;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Dimensions the generator draws: mostly small, with the degenerate and the huge.
const DIMS: &[i64] = &[
    1,
    2,
    3,
    1,
    2,
    3,
    4,
    0,
    5,
    1 << 30,
    1 << 40,
    1 << 62,
    i64::MAX,
    -1,
];

/// Integers for attributes and integer tensors.
const INTS: &[i64] = &[
    0,
    1,
    2,
    -1,
    3,
    -2,
    4,
    0,
    1,
    -3,
    7,
    1 << 20,
    1 << 31,
    1 << 40,
    1 << 62,
    i64::MAX,
    i64::MIN,
];

/// Floats for attributes and float tensors.
const FLOATS: &[f32] = &[
    0.0,
    1.0,
    -1.0,
    0.5,
    2.0,
    -0.0,
    1e-5,
    1e30,
    -1e30,
    f32::INFINITY,
    f32::NEG_INFINITY,
    f32::NAN,
    f32::MIN_POSITIVE,
    3.0,
];

/// Attribute names the supported operators read, with the kind each takes.
const ATTRS: &[(&str, Kind)] = &[
    ("axis", Kind::Int),
    ("axes", Kind::Ints),
    ("perm", Kind::Ints),
    ("keepdims", Kind::Int),
    ("kernel_shape", Kind::Ints),
    ("strides", Kind::Ints),
    ("pads", Kind::Ints),
    ("dilations", Kind::Ints),
    ("group", Kind::Int),
    (
        "auto_pad",
        Kind::Str(&["NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID", "bogus"]),
    ),
    ("ceil_mode", Kind::Int),
    ("storage_order", Kind::Int),
    ("count_include_pad", Kind::Int),
    ("transA", Kind::Int),
    ("transB", Kind::Int),
    ("alpha", Kind::Float),
    ("beta", Kind::Float),
    ("gamma", Kind::Float),
    ("epsilon", Kind::Float),
    ("split", Kind::Ints),
    ("num_outputs", Kind::Int),
    ("starts", Kind::Ints),
    ("ends", Kind::Ints),
    ("to", Kind::Int),
    ("hidden_size", Kind::Int),
    (
        "direction",
        Kind::Str(&["forward", "reverse", "bidirectional", "sideways"]),
    ),
    ("layout", Kind::Int),
    ("value", Kind::Tensor),
    ("value_float", Kind::Float),
    ("value_floats", Kind::Floats),
    ("value_int", Kind::Int),
    ("value_ints", Kind::Ints),
    ("shape", Kind::Ints),
    ("allowzero", Kind::Int),
    ("noop_with_empty_axes", Kind::Int),
    ("select_last_index", Kind::Int),
    ("training_mode", Kind::Int),
    ("is_test", Kind::Int),
    ("broadcast", Kind::Int),
    ("linear_before_reset", Kind::Int),
    ("input_forget", Kind::Int),
    ("clip", Kind::Float),
    (
        "activations",
        Kind::Strs(&["Sigmoid", "Tanh", "Relu", "Affine", "HardSigmoid", "Nope"]),
    ),
    ("activation_alpha", Kind::Floats),
    ("activation_beta", Kind::Floats),
    ("start", Kind::Int),
    ("end", Kind::Int),
    ("approximate", Kind::Str(&["none", "tanh", "x"])),
    ("min", Kind::Float),
    ("max", Kind::Float),
    ("offset", Kind::Floats),
    ("scale", Kind::Floats),
    ("spatial", Kind::Int),
];

#[derive(Clone, Copy)]
enum Kind {
    Int,
    Ints,
    Float,
    Floats,
    Str(&'static [&'static str]),
    Strs(&'static [&'static str]),
    Tensor,
}

const OPSETS: &[i64] = &[6, 7, 9, 10, 11, 13, 17, 18, 21];
const DTYPES: &[i32] = &[
    dt::FLOAT,
    dt::FLOAT,
    dt::INT64,
    dt::DOUBLE,
    dt::INT32,
    dt::FLOAT16,
    dt::BOOL,
    dt::UINT8,
    dt::STRING,
];

fn pick<T: Copy>(u: &mut Unstructured, xs: &[T]) -> Result<T> {
    Ok(*u.choose(xs)?)
}

fn dims(u: &mut Unstructured, max_rank: usize) -> Result<Vec<i64>> {
    let r = u.int_in_range(0..=max_rank)?;
    (0..r).map(|_| pick(u, DIMS)).collect()
}

/// A tensor of a random dtype whose data length is right most of the time.
fn tensor(u: &mut Unstructured, name: &str) -> Result<TensorProto> {
    let dims = dims(u, 4)?;
    let data_type = pick(u, DTYPES)?;
    let numel = dims
        .iter()
        .try_fold(1i64, |n, &d| n.checked_mul(d))
        .filter(|&n| (0..=64).contains(&n))
        .unwrap_or(3) as usize;
    let len = if u.ratio(7, 8)? {
        numel
    } else {
        u.int_in_range(0..=8)?
    };
    let mut t = TensorProto {
        dims,
        data_type,
        name: name.into(),
        ..Default::default()
    };
    match data_type {
        dt::FLOAT | dt::FLOAT16 => {
            t.float_data = (0..len).map(|_| pick(u, FLOATS)).collect::<Result<_>>()?;
            if data_type == dt::FLOAT16 {
                t.int32_data = (0..len)
                    .map(|_| u.arbitrary::<u16>().map(i32::from))
                    .collect::<Result<_>>()?;
                t.float_data.clear();
            }
        }
        dt::DOUBLE => {
            t.double_data = (0..len)
                .map(|_| pick(u, FLOATS).map(f64::from))
                .collect::<Result<_>>()?
        }
        dt::INT64 => t.int64_data = (0..len).map(|_| pick(u, INTS)).collect::<Result<_>>()?,
        _ => {
            t.int32_data = (0..len)
                .map(|_| pick(u, INTS).map(|v| v as i32))
                .collect::<Result<_>>()?
        }
    }
    if u.ratio(1, 8)? {
        // the same data as raw bytes (little-endian f32), possibly of the wrong length
        t.raw_data = t.float_data.iter().flat_map(|f| f.to_le_bytes()).collect();
        t.float_data.clear();
        if u.ratio(1, 4)? {
            t.raw_data.pop();
        }
    }
    Ok(t)
}

fn attribute(u: &mut Unstructured) -> Result<AttributeProto> {
    let (name, kind) = pick(u, ATTRS)?;
    let mut a = AttributeProto {
        name: name.into(),
        ..Default::default()
    };
    match kind {
        Kind::Int => a.i = pick(u, INTS)?,
        Kind::Ints => {
            let n = u.int_in_range(0..=6)?;
            a.ints = (0..n).map(|_| pick(u, INTS)).collect::<Result<_>>()?;
        }
        Kind::Float => a.f = pick(u, FLOATS)?,
        Kind::Floats => {
            let n = u.int_in_range(0..=4)?;
            a.floats = (0..n).map(|_| pick(u, FLOATS)).collect::<Result<_>>()?;
        }
        Kind::Str(ss) => a.s = pick(u, ss)?.as_bytes().to_vec(),
        Kind::Strs(ss) => {
            let n = u.int_in_range(0..=6)?;
            a.strings = (0..n)
                .map(|_| pick(u, ss).map(|s| s.as_bytes().to_vec()))
                .collect::<Result<_>>()?;
        }
        Kind::Tensor => a.t = Some(tensor(u, "")?),
    }
    Ok(a)
}

fn value_info(name: &str, elem_type: i32, dims: &[i64]) -> ValueInfoProto {
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TypeProtoTensor {
                elem_type,
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

fn model(graph: GraphProto, opset: i64) -> ModelProto {
    ModelProto {
        ir_version: 8,
        producer_name: "nngrad-fuzz".into(),
        producer_version: String::new(),
        graph: Some(graph),
        opset_import: vec![
            OperatorSetIdProto {
                domain: String::new(),
                version: opset,
            },
            OperatorSetIdProto {
                domain: "ai.onnx.ml".into(),
                version: 3,
            },
        ],
    }
}

/// A graph from scratch: one float input of random shape, a few initializers, a random
/// sequence of supported operators reading earlier values, and one or two outputs.
pub fn graph_from(u: &mut Unstructured) -> Result<ModelProto> {
    let ops = nngrad_core::onnx::supported_operators();
    let input_dims = dims(u, 4)?;
    let mut values = vec!["x".to_string()];
    let mut inits = Vec::new();
    for k in 0..u.int_in_range(0..=4)? {
        let name = format!("w{k}");
        inits.push(tensor(u, &name)?);
        values.push(name);
    }
    let mut nodes = Vec::new();
    for k in 0..u.int_in_range(1..=6)? {
        let op = u.choose(&ops)?;
        let n_in = u.int_in_range(0..=4)?;
        let mut input = Vec::with_capacity(n_in);
        for _ in 0..n_in {
            input.push(if u.ratio(1, 10)? {
                String::new()
            } else {
                u.choose(&values)?.clone()
            });
        }
        let n_out = u.int_in_range(1..=3)?;
        let output: Vec<String> = (0..n_out).map(|j| format!("v{k}_{j}")).collect();
        let mut attrs = Vec::new();
        for _ in 0..u.int_in_range(0..=4)? {
            attrs.push(attribute(u)?);
        }
        values.extend(output.iter().cloned());
        nodes.push(NodeProto {
            input,
            output,
            name: format!("n{k}"),
            op_type: op.name.into(),
            attribute: attrs,
            domain: if op.domain == "ai.onnx" {
                String::new()
            } else {
                op.domain.into()
            },
        });
    }
    let last = nodes
        .last()
        .map(|n| n.output[0].clone())
        .unwrap_or_default();
    let out_dims = dims(u, 3)?;
    let mut output = vec![value_info(&last, dt::FLOAT, &out_dims)];
    if u.ratio(1, 3)? {
        let other = u.choose(&values)?.clone();
        output.push(value_info(&other, pick(u, DTYPES)?, &[]));
    }
    let graph = GraphProto {
        node: nodes,
        name: "fuzz".into(),
        initializer: inits,
        input: vec![value_info("x", dt::FLOAT, &input_dims)],
        output,
    };
    Ok(model(graph, pick(u, OPSETS)?))
}

/// The models the `mutate` target starts from: the shipped fixtures and the shared
/// conformance cases (each under 200 kB), decoded once.
pub fn seeds() -> &'static [ModelProto] {
    static SEEDS: OnceLock<Vec<ModelProto>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let shared = std::env::var_os("NNGRAD_SHARED")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("../shared"));
        let mut files = Vec::new();
        for d in [
            root.join("tests/data/onnx"),
            shared.join("onnx-conformance"),
            shared.join("real-models"),
        ] {
            for e in std::fs::read_dir(d).into_iter().flatten().flatten() {
                let f = e.path().join("model.onnx");
                if f.exists() {
                    files.push(f);
                }
            }
        }
        files.sort();
        files
            .iter()
            .filter_map(|f| std::fs::read(f).ok())
            .filter(|b| b.len() < 200_000)
            .filter_map(|b| ModelProto::decode(b.as_slice()).ok())
            .collect()
    })
}

/// A real model with structured damage: attributes set to hostile values, initializer
/// dims, dtypes and data lengths changed, the input's shape changed, operators swapped for
/// other supported ones, node inputs rewired.
pub fn mutate_from(u: &mut Unstructured, seeds: &[ModelProto]) -> Result<ModelProto> {
    let Some(base) = (!seeds.is_empty()).then(|| u.choose(seeds)).transpose()? else {
        return graph_from(u);
    };
    let mut m = base.clone();
    let ops = nngrad_core::onnx::supported_operators();
    let g = m.graph.get_or_insert_with(Default::default);
    for _ in 0..u.int_in_range(1..=4)? {
        match u.int_in_range(0..=6)? {
            0 if !g.node.is_empty() => {
                let n = u.choose_index(g.node.len())?;
                let a = attribute(u)?;
                let node = &mut g.node[n];
                node.attribute.retain(|b| b.name != a.name);
                node.attribute.push(a);
            }
            1 if !g.initializer.is_empty() => {
                let k = u.choose_index(g.initializer.len())?;
                g.initializer[k].dims = dims(u, 4)?;
            }
            2 if !g.initializer.is_empty() => {
                let k = u.choose_index(g.initializer.len())?;
                let name = g.initializer[k].name.clone();
                g.initializer[k] = tensor(u, &name)?;
            }
            3 if !g.input.is_empty() => {
                let name = g.input[0].name.clone();
                g.input[0] = value_info(&name, dt::FLOAT, &dims(u, 5)?);
            }
            4 if !g.node.is_empty() => {
                let n = u.choose_index(g.node.len())?;
                g.node[n].op_type = u.choose(&ops)?.name.into();
            }
            5 if !g.node.is_empty() => {
                let n = u.choose_index(g.node.len())?;
                let mut names: Vec<String> = g.initializer.iter().map(|t| t.name.clone()).collect();
                names.extend(g.input.iter().map(|v| v.name.clone()));
                names.extend(g.node[..n].iter().flat_map(|p| p.output.iter().cloned()));
                if !names.is_empty() && !g.node[n].input.is_empty() {
                    let i = u.choose_index(g.node[n].input.len())?;
                    g.node[n].input[i] = u.choose(&names)?.clone();
                }
            }
            _ => {
                if let Some(o) = m.opset_import.first_mut() {
                    o.version = pick(u, OPSETS)?;
                }
                break;
            }
        }
    }
    Ok(m)
}

/// Loads the model and, if it loads, evaluates it, differentiates it (the full Jacobian) and
/// takes a JVP, at the default limits: every call either fits the evaluation budget of
/// `LoadOptions` (bytes and operations, checked before it starts) or is a clean
/// `Error::Limit`, so no size filter is needed here. Any panic, abort, out-of-memory or
/// timeout is a finding; errors are the expected outcome for most inputs.
pub fn exercise(bytes: &[u8]) {
    if let Some(path) = std::env::var_os("NNGRAD_FUZZ_DUMP") {
        std::fs::write(path, bytes).expect("NNGRAD_FUZZ_DUMP: cannot write the model");
    }
    // "internal:" marks a shape rule that disagrees with its operator: a bug, not bad input
    let internal = |e: &nngrad_core::onnx::Error| {
        assert!(!e.to_string().contains("internal:"), "{e}");
    };
    let m = match Model::from_bytes(bytes) {
        Ok(m) => m,
        Err(e) => return internal(&e),
    };
    let n = m.input_len();
    let x: Vec<f64> = (0..n).map(|i| 0.25 + 0.5 * (i % 5) as f64).collect();
    match m.forward(&x) {
        // An output whose shape depends on the input's values has no length until a call.
        Ok(y) if m.output_is_dynamic() => assert_eq!(m.output_len(), 0, "{} outputs", y.len()),
        Ok(y) => assert_eq!(
            y.len(),
            m.output_len(),
            "forward gave a wrong output length"
        ),
        Err(e) => internal(&e),
    }
    match m.jacobian(&x) {
        Ok((y, j)) => assert_eq!((j.nrows(), j.ncols()), (y.len(), n)),
        Err(e) => internal(&e),
    }
    match m.jvp(&x, &vec![1.0; n]) {
        Ok((y, jv)) => assert_eq!(y.len(), jv.len()),
        Err(e) => internal(&e),
    }
    // Three points through the batch paths (the tangent route lays them side by side).
    let xs: Vec<f64> = (0..3 * n).map(|i| -0.5 + 0.25 * (i % 7) as f64).collect();
    match nngrad_core::Differentiable::jacobian_batch(&m, &xs) {
        Ok((ys, js)) => assert_eq!(js.len(), ys.len() * n, "batch Jacobians of a wrong size"),
        Err(nngrad_core::BatchError::Point { source, .. }) => internal(&source),
        // Shape: not whole points (cannot be here); Output: a size known only at run time.
        Err(_) => {}
    }
}
