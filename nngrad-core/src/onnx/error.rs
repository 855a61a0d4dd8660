//! [`Error`]: everything that can go wrong loading or evaluating an ONNX model, with where.

use std::fmt;
use std::path::PathBuf;

/// What went wrong loading, evaluating or differentiating an ONNX model, and where.
///
/// Every variant names its place (file, node name, operator type, opset) and, where there is
/// one, what was expected and what came.
///
/// ```
/// use nngrad_core::onnx::{Error, Model};
/// let err = Model::from_bytes(b"definitely not onnx").unwrap_err();
/// assert!(matches!(err, Error::Decode { .. }));
/// println!("{err}"); // says the bytes are not an ONNX model and why
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The file could not be read.
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// An error met while loading the file `path` (wraps the underlying error).
    InFile {
        /// The file.
        path: PathBuf,
        /// The error inside it.
        source: Box<Error>,
    },
    /// The bytes are not a protobuf-encoded ONNX model (truncated, corrupted, another format).
    Decode {
        /// The protobuf decoder's explanation.
        message: String,
    },
    /// The model is ONNX but malformed (missing graph, dangling value, bad tensor, …).
    Invalid {
        /// What is wrong and where.
        message: String,
    },
    /// A tensor's data lives in an external file, which this loader does not read.
    ExternalData {
        /// The tensor's name.
        tensor: String,
    },
    /// Operators this crate does not implement (or vendor-specific ones), or implements
    /// only at other opset versions. `op`, `domain`, `node` and `opset` name the first met;
    /// `all` lists every unsupported operator the selected output depends on, each with all
    /// its nodes, so that one load reports everything missing.
    UnsupportedOp {
        /// Operator type, e.g. `com.MathWorks.Placeholder`.
        op: String,
        /// Operator domain (empty for the default `ai.onnx`).
        domain: String,
        /// The node's name.
        node: String,
        /// The opset version the model imports for that domain.
        opset: i64,
        /// Every unsupported operator (the first one included), in the order met.
        all: Vec<UnsupportedOperator>,
    },
    /// A node failed while evaluating (bad shapes, bad attribute, bad index, …).
    Node {
        /// The node's name (or `#index` if it has none).
        node: String,
        /// Operator type.
        op: String,
        /// The opset version in force.
        opset: i64,
        /// What was expected and what came.
        message: String,
    },
    /// The graph has a cycle through this node.
    Cycle {
        /// A node on the cycle.
        node: String,
    },
    /// The input vector has the wrong length.
    InputLength {
        /// The model input's name.
        input: String,
        /// Elements the model takes (flattened, batch 1).
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// The tangent of a JVP has the wrong length.
    TangentLength {
        /// Elements the model takes.
        expected: usize,
        /// Elements given.
        got: usize,
    },
    /// `with_output` named a value that is not a graph output.
    NoSuchOutput {
        /// The name asked for.
        name: String,
        /// The graph's outputs.
        available: Vec<String>,
    },
    /// The model exceeds a resource limit of [`LoadOptions`](super::LoadOptions).
    Limit {
        /// Which limit.
        limit: super::Limit,
        /// What needs it (a value and the node producing it, the graph, …).
        what: String,
        /// How much the model needs.
        needed: usize,
        /// The limit in force.
        max: usize,
    },
    /// The bytes are a model (or file) of another kind than ONNX.
    OtherFormat {
        /// What the bytes (or folder) are, e.g. `a Keras HDF5 model (.h5)`.
        format: String,
        /// What to do instead.
        advice: String,
    },
    /// The selected output is integer-valued (a label, an index, a shape): it has no
    /// derivative.
    NotDifferentiable {
        /// The output's name.
        output: String,
        /// Why.
        reason: String,
    },
}

/// One unsupported operator of a model and every node that uses it.
///
/// ```
/// use nngrad_core::onnx::{Error, UnsupportedOperator};
/// let u = UnsupportedOperator {
///     domain: String::new(),
///     op: "Frobnicate".into(),
///     opset: 17,
///     nodes: vec!["a".into(), "b".into()],
/// };
/// assert_eq!(u.to_string(), "ai.onnx::Frobnicate (opset 17; nodes 'a', 'b')");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedOperator {
    /// Operator domain (empty for the default `ai.onnx`).
    pub domain: String,
    /// Operator type.
    pub op: String,
    /// The opset version the model imports for that domain.
    pub opset: i64,
    /// The names of the nodes using it, in the order met.
    pub nodes: Vec<String>,
}

impl fmt::Display for UnsupportedOperator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = if self.domain.is_empty() {
            "ai.onnx"
        } else {
            &self.domain
        };
        let names: Vec<String> = self.nodes.iter().map(|n| format!("'{n}'")).collect();
        let noun = if self.nodes.len() == 1 {
            "node"
        } else {
            "nodes"
        };
        write!(
            f,
            "{d}::{} (opset {}; {noun} {})",
            self.op,
            self.opset,
            names.join(", ")
        )
    }
}

impl Error {
    /// The error for the unsupported nodes `nodes` (indices into `g.nodes`, at least one),
    /// grouped by operator.
    pub(crate) fn unsupported(g: &super::load::Graph, nodes: &[usize]) -> Error {
        let mut all: Vec<UnsupportedOperator> = Vec::new();
        for &n in nodes {
            let node = &g.nodes[n];
            match all
                .iter_mut()
                .find(|u| u.domain == node.domain && u.op == node.op)
            {
                Some(u) => u.nodes.push(node.name.clone()),
                None => all.push(UnsupportedOperator {
                    domain: node.domain.clone(),
                    op: node.op.clone(),
                    opset: g.opset(&node.domain),
                    nodes: vec![node.name.clone()],
                }),
            }
        }
        let first = &g.nodes[nodes[0]];
        Error::UnsupportedOp {
            op: first.op.clone(),
            domain: first.domain.clone(),
            node: first.name.clone(),
            opset: g.opset(&first.domain),
            all,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Error::InFile { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Decode { message } => write!(
                f,
                "not a valid ONNX model (protobuf decoding failed: {message})"
            ),
            Error::Invalid { message } => write!(f, "invalid ONNX model: {message}"),
            Error::ExternalData { tensor } => write!(
                f,
                "tensor '{tensor}' stores its data in an external file; external data is not \
                 supported (re-export with the weights embedded)"
            ),
            Error::UnsupportedOp {
                op,
                domain,
                node,
                opset,
                all,
            } => {
                if all.len() <= 1 && all.first().is_none_or(|u| u.nodes.len() <= 1) {
                    let d = if domain.is_empty() { "ai.onnx" } else { domain };
                    return write!(
                        f,
                        "unsupported operator {d}::{op} (node '{node}', opset {opset})"
                    );
                }
                write!(f, "{} unsupported operators: ", all.len())?;
                for (k, u) in all.iter().enumerate() {
                    let sep = if k > 0 { "; " } else { "" };
                    write!(f, "{sep}{u}")?;
                }
                Ok(())
            }
            Error::Node {
                node,
                op,
                opset,
                message,
            } => write!(f, "node '{node}' ({op}, opset {opset}): {message}"),
            Error::Cycle { node } => write!(f, "the graph has a cycle through node '{node}'"),
            Error::InputLength {
                input,
                expected,
                got,
            } => write!(
                f,
                "input '{input}' takes {expected} values (flattened, batch 1), got {got}"
            ),
            Error::TangentLength { expected, got } => write!(
                f,
                "the tangent must have one value per input ({expected}), got {got}"
            ),
            Error::NoSuchOutput { name, available } => write!(
                f,
                "'{name}' is not a graph output; the outputs are: {}",
                available.join(", ")
            ),
            Error::Limit {
                limit,
                what,
                needed,
                max,
            } => write!(
                f,
                "{what} needs {needed}, over the load limit {} = {max}; if the model is \
                 genuine, raise it: Model::from_bytes_with(bytes, &LoadOptions {{ {}: {needed}, \
                 ..LoadOptions::default() }})",
                limit.field(),
                limit.field()
            ),
            Error::OtherFormat { format, advice } => {
                write!(f, "not an ONNX model: this is {format}; {advice}")
            }
            Error::NotDifferentiable { output, reason } => {
                write!(f, "output '{output}' is not differentiable: {reason}")
            }
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { source, .. } => Some(source),
            Error::InFile { source, .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}
