//! From protobuf messages to the evaluator's graph: value names resolved to indices, tensors
//! decoded (f32/f16 widened to f64 exactly), attributes gathered.

use super::proto::{data_type as dt, AttributeProto, GraphProto, ModelProto, TensorProto};
use super::tensor::{numel_checked, Tensor};
use super::Error;
use std::collections::HashMap;
use std::sync::Arc;

/// A constant tensor from the file.
#[derive(Clone, Debug)]
pub(crate) enum Const {
    Float(Arc<Tensor<f64>>),
    Int(Arc<Tensor<i64>>),
}

/// One attribute, every field kept (old exporters leave `type` unset).
#[derive(Clone, Debug, Default)]
pub(crate) struct Attr {
    pub f: f64,
    pub i: i64,
    pub s: String,
    pub t: Option<Const>,
    pub floats: Vec<f64>,
    pub ints: Vec<i64>,
    pub strings: Vec<String>,
}

/// A node with its inputs and outputs as value indices (`None` for an omitted optional one).
#[derive(Clone, Debug)]
pub(crate) struct Node {
    pub name: String,
    pub op: String,
    pub domain: String,
    pub inputs: Vec<Option<usize>>,
    pub outputs: Vec<Option<usize>>,
    pub attrs: HashMap<String, Attr>,
}

impl Node {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attrs.get(name)
    }
    pub fn int(&self, name: &str, default: i64) -> i64 {
        self.attr(name).map_or(default, |a| a.i)
    }
    pub fn float(&self, name: &str, default: f64) -> f64 {
        self.attr(name).map_or(default, |a| a.f)
    }
    pub fn string(&self, name: &str, default: &str) -> String {
        self.attr(name)
            .map_or_else(|| default.to_string(), |a| a.s.clone())
    }
    pub fn ints(&self, name: &str) -> Option<&[i64]> {
        self.attr(name).map(|a| a.ints.as_slice())
    }
    pub fn floats(&self, name: &str) -> Option<&[f64]> {
        self.attr(name).map(|a| a.floats.as_slice())
    }
}

/// A declared graph input or output.
#[derive(Clone, Debug)]
pub(crate) struct Declared {
    pub id: usize,
    pub name: String,
    pub elem_type: i32,
    /// `None` for unknown rank; `None` entries for symbolic or unknown dimensions.
    pub shape: Option<Vec<Option<usize>>>,
}

/// The decoded model.
#[derive(Debug)]
pub(crate) struct Graph {
    pub nodes: Vec<Node>,
    pub names: Vec<String>,
    pub consts: Vec<Option<Const>>,
    pub producer: Vec<Option<usize>>,
    pub inputs: Vec<Declared>,
    pub outputs: Vec<Declared>,
    pub opsets: HashMap<String, i64>,
    /// The model's `producer_name` and `producer_version` (the exporting tool), as written.
    pub exporter: (String, String),
}

impl Graph {
    /// The opset version imported for `domain` (`""` and `ai.onnx` are the default domain).
    pub fn opset(&self, domain: &str) -> i64 {
        let d = if domain == "ai.onnx" { "" } else { domain };
        self.opsets.get(d).copied().unwrap_or(0)
    }
}

fn invalid(message: String) -> Error {
    Error::Invalid { message }
}

pub(crate) fn decode_model(bytes: &[u8]) -> Result<Graph, Error> {
    use prost::Message;
    let model =
        ModelProto::decode(bytes).map_err(|e| super::sniff::explain(bytes, Some(e.to_string())))?;
    let graph = model
        .graph
        .as_ref()
        .ok_or_else(|| super::sniff::explain(bytes, None))?;
    let mut opsets = HashMap::new();
    for o in &model.opset_import {
        let d = if o.domain == "ai.onnx" { "" } else { &o.domain };
        opsets.insert(d.to_string(), o.version);
    }
    if !opsets.contains_key("") {
        // IR version 1/2 files predate opset_import: they are opset 1.
        opsets.insert(
            String::new(),
            if model.opset_import.is_empty() { 1 } else { 0 },
        );
    }
    let mut built = build_graph(graph, opsets)?;
    built.exporter = (model.producer_name.clone(), model.producer_version.clone());
    Ok(built)
}

fn build_graph(g: &GraphProto, opsets: HashMap<String, i64>) -> Result<Graph, Error> {
    let mut ids: HashMap<String, usize> = HashMap::new();
    let mut names: Vec<String> = Vec::new();
    let mut id_of = |name: &str, names: &mut Vec<String>| -> usize {
        if let Some(&i) = ids.get(name) {
            return i;
        }
        names.push(name.to_string());
        ids.insert(name.to_string(), names.len() - 1);
        names.len() - 1
    };
    let mut consts: Vec<Option<Const>> = Vec::new();
    let mut init_ids = Vec::new();
    for t in &g.initializer {
        let c = decode_tensor(t)?;
        let id = id_of(&t.name, &mut names);
        init_ids.push((id, c));
    }
    let mut nodes = Vec::with_capacity(g.node.len());
    for (k, n) in g.node.iter().enumerate() {
        let name = if n.name.is_empty() {
            format!("#{k}")
        } else {
            n.name.clone()
        };
        let io = |v: &Vec<String>,
                  names: &mut Vec<String>,
                  id_of: &mut dyn FnMut(&str, &mut Vec<String>) -> usize| {
            v.iter()
                .map(|s| {
                    if s.is_empty() {
                        None
                    } else {
                        Some(id_of(s, names))
                    }
                })
                .collect::<Vec<_>>()
        };
        let inputs = io(&n.input, &mut names, &mut id_of);
        let outputs = io(&n.output, &mut names, &mut id_of);
        let mut attrs = HashMap::new();
        for a in &n.attribute {
            attrs.insert(
                a.name.clone(),
                decode_attr(a).map_err(|e| match e {
                    Error::Invalid { message } => invalid(format!(
                        "node '{name}' ({}), attribute '{}': {message}",
                        n.op_type, a.name
                    )),
                    e => e,
                })?,
            );
        }
        nodes.push(Node {
            name,
            op: n.op_type.clone(),
            domain: n.domain.clone(),
            inputs,
            outputs,
            attrs,
        });
    }
    let declared = |v: &crate::onnx::proto::ValueInfoProto,
                    names: &mut Vec<String>,
                    id_of: &mut dyn FnMut(&str, &mut Vec<String>) -> usize| {
        let tt = v.r#type.as_ref().and_then(|t| t.tensor_type.as_ref());
        let elem_type = tt.map_or(0, |t| t.elem_type);
        let shape = tt.and_then(|t| t.shape.as_ref()).map(|s| {
            s.dim
                .iter()
                .map(|d| match d.dim_value {
                    Some(v) if v >= 0 && d.dim_param.is_none() => usize::try_from(v).ok(),
                    _ => None,
                })
                .collect()
        });
        Declared {
            id: id_of(&v.name, names),
            name: v.name.clone(),
            elem_type,
            shape,
        }
    };
    let inputs: Vec<Declared> = g
        .input
        .iter()
        .map(|v| declared(v, &mut names, &mut id_of))
        .collect();
    let outputs: Vec<Declared> = g
        .output
        .iter()
        .map(|v| declared(v, &mut names, &mut id_of))
        .collect();
    consts.resize(names.len(), None);
    for (id, c) in init_ids {
        consts[id] = Some(c);
    }
    let mut producer = vec![None; names.len()];
    for (k, n) in nodes.iter().enumerate() {
        for o in n.outputs.iter().flatten() {
            if producer[*o].is_some() || consts[*o].is_some() {
                return Err(invalid(format!(
                    "value '{}' is produced twice (second time by node '{}')",
                    names[*o], n.name
                )));
            }
            producer[*o] = Some(k);
        }
    }
    Ok(Graph {
        nodes,
        names,
        consts,
        producer,
        inputs,
        outputs,
        opsets,
        exporter: Default::default(),
    })
}

fn decode_attr(a: &AttributeProto) -> Result<Attr, Error> {
    if !a.ref_attr_name.is_empty() {
        return Err(invalid(
            "attribute references (function bodies) are not supported".into(),
        ));
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    Ok(Attr {
        f: f64::from(a.f),
        i: a.i,
        s: text(&a.s),
        t: a.t.as_ref().map(decode_tensor).transpose()?,
        floats: a.floats.iter().map(|&v| f64::from(v)).collect(),
        ints: a.ints.clone(),
        strings: a.strings.iter().map(|s| text(s)).collect(),
    })
}

/// IEEE half to f64, exactly.
pub(crate) fn f16_to_f64(h: u16) -> f64 {
    let sign = if h & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = (h >> 10) & 0x1f;
    let man = f64::from(h & 0x3ff);
    sign * match exp {
        0 => man * 2f64.powi(-24),
        31 => {
            if man == 0.0 {
                f64::INFINITY
            } else {
                f64::NAN
            }
        }
        e => (1.0 + man / 1024.0) * 2f64.powi(i32::from(e) - 15),
    }
}

/// Decodes a tensor, widening floats to f64 exactly. The element count must equal the data
/// present, so the declared dims alone never size an allocation.
pub(crate) fn decode_tensor(t: &TensorProto) -> Result<Const, Error> {
    let name = if t.name.is_empty() {
        "<unnamed>"
    } else {
        &t.name
    };
    if t.data_location == 1 || !t.external_data.is_empty() {
        return Err(Error::ExternalData {
            tensor: name.to_string(),
        });
    }
    let mut shape = Vec::with_capacity(t.dims.len());
    for &d in &t.dims {
        shape.push(
            usize::try_from(d)
                .map_err(|_| invalid(format!("tensor '{name}' has a negative dimension {d}")))?,
        );
    }
    let n = numel_checked(&shape, 1).map_err(|m| invalid(format!("tensor '{name}': {m}")))?;
    let raw = &t.raw_data;
    let check = |got: usize, what: &str| -> Result<(), Error> {
        if got == n {
            Ok(())
        } else {
            Err(invalid(format!(
                "tensor '{name}' ({}) has shape {shape:?} ({n} elements) but {got} values in {what}",
                dt::name(t.data_type)
            )))
        }
    };
    let from_raw = |size: usize| -> Result<bool, Error> {
        if raw.is_empty() {
            return Ok(false);
        }
        if !raw.len().is_multiple_of(size) {
            return Err(invalid(format!(
                "tensor '{name}': raw_data of {} bytes is not a multiple of {size}",
                raw.len()
            )));
        }
        check(raw.len() / size, "raw_data")?;
        Ok(true)
    };
    let chunks = |size: usize| raw.chunks_exact(size);
    let float = |data: Vec<f64>| Ok(Const::Float(Arc::new(Tensor::new(shape.clone(), data))));
    let int = |data: Vec<i64>| Ok(Const::Int(Arc::new(Tensor::new(shape.clone(), data))));
    match t.data_type {
        dt::FLOAT => {
            if from_raw(4)? {
                float(
                    chunks(4)
                        .map(|c| f64::from(f32::from_le_bytes(c.try_into().unwrap())))
                        .collect(),
                )
            } else {
                check(t.float_data.len(), "float_data")?;
                float(t.float_data.iter().map(|&v| f64::from(v)).collect())
            }
        }
        dt::DOUBLE => {
            if from_raw(8)? {
                float(
                    chunks(8)
                        .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                        .collect(),
                )
            } else {
                check(t.double_data.len(), "double_data")?;
                float(t.double_data.clone())
            }
        }
        dt::FLOAT16 | dt::BFLOAT16 => {
            let conv = |bits: u16| {
                if t.data_type == dt::FLOAT16 {
                    f16_to_f64(bits)
                } else {
                    f64::from(f32::from_bits(u32::from(bits) << 16))
                }
            };
            if from_raw(2)? {
                float(
                    chunks(2)
                        .map(|c| conv(u16::from_le_bytes([c[0], c[1]])))
                        .collect(),
                )
            } else {
                check(t.int32_data.len(), "int32_data")?;
                float(t.int32_data.iter().map(|&v| conv(v as u16)).collect())
            }
        }
        dt::INT64 => {
            if from_raw(8)? {
                int(chunks(8)
                    .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                    .collect())
            } else {
                check(t.int64_data.len(), "int64_data")?;
                int(t.int64_data.clone())
            }
        }
        dt::INT32 | dt::INT16 | dt::INT8 | dt::UINT8 | dt::UINT16 | dt::BOOL => {
            let size = match t.data_type {
                dt::INT32 => 4,
                dt::INT16 | dt::UINT16 => 2,
                _ => 1,
            };
            if from_raw(size)? {
                int(chunks(size)
                    .map(|c| match t.data_type {
                        dt::INT32 => i64::from(i32::from_le_bytes(c.try_into().unwrap())),
                        dt::INT16 => i64::from(i16::from_le_bytes([c[0], c[1]])),
                        dt::UINT16 => i64::from(u16::from_le_bytes([c[0], c[1]])),
                        dt::INT8 => i64::from(c[0] as i8),
                        dt::BOOL => i64::from(c[0] != 0),
                        _ => i64::from(c[0]),
                    })
                    .collect())
            } else {
                check(t.int32_data.len(), "int32_data")?;
                int(t.int32_data.iter().map(|&v| i64::from(v)).collect())
            }
        }
        dt::UINT32 | dt::UINT64 => {
            let size = if t.data_type == dt::UINT32 { 4 } else { 8 };
            if from_raw(size)? {
                int(chunks(size)
                    .map(|c| {
                        if size == 4 {
                            i64::from(u32::from_le_bytes(c.try_into().unwrap()))
                        } else {
                            u64::from_le_bytes(c.try_into().unwrap()) as i64
                        }
                    })
                    .collect())
            } else {
                check(t.uint64_data.len(), "uint64_data")?;
                int(t.uint64_data.iter().map(|&v| v as i64).collect())
            }
        }
        other => Err(invalid(format!(
            "tensor '{name}' has element type {}, which is not supported",
            dt::name(other)
        ))),
    }
}
