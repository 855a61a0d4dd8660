//! [`Model`]: a loaded ONNX graph with one runtime input and one selected output, evaluated
//! with any [`Scalar`] so that every derivative helper applies to it.

use super::budget::{self, Cost, Need};
use super::load::{decode_model, Const, Declared, Graph};
use super::ops;
use super::options::{Limit, LoadOptions};
use super::proto::data_type as dt;
use super::tangent::{self, Kind};
use super::tensor::{with_element_cap, Tensor, Value};
use super::validate;
use super::Error;
use crate::differentiable::tensor_labels;
use crate::DEFAULT_CHUNK;
use crate::{batch, try_jacobian, try_jvp, BatchError, Differentiable, DualN, Scalar};
use nalgebra::DMatrix;
use std::path::Path;
use std::sync::Arc;

/// The kinds of call whose budget [`Model::plan_call`] works out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Call {
    Forward,
    Jvp,
    Jacobian,
}

/// The nodes to run for one output, in topological order, and when each value dies.
#[derive(Debug)]
struct Plan {
    steps: Vec<usize>,
    /// Values no later step reads, to free after each step.
    drops: Vec<Vec<usize>>,
    /// Every value's shape as inferred at load (by value index): each step's outputs are
    /// checked against it, so the sizes validated at load are the sizes evaluated.
    shapes: Vec<Option<Vec<usize>>>,
}

/// An ONNX model ready to evaluate and differentiate.
///
/// It has one runtime input: the first graph input that no initializer backs (older
/// exporters also list their weights as graph inputs). Its shape is the declared one, with
/// symbolic or unknown dimensions (the batch) taken as 1; values are passed flattened in
/// row-major order. One graph output is selected, by default the first floating-point one
/// (classifiers often put an integer `label` first); [`Model::with_output`] picks another.
/// Only the nodes that output depends on are evaluated.
///
/// Weights stay f64 (float32 and float16 weights widened exactly) and meet dual-number
/// activations through the mixed kernels of [`crate::kernels`].
///
/// ```
/// use nngrad_core::onnx::Model;
/// let path = concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx");
/// let model = Model::load(path)?;
/// assert_eq!((model.input_len(), model.output_len()), (13, 3));
/// assert_eq!(model.output_name(), "probabilities");
/// let x = vec![13.0, 2.0, 2.4, 19.0, 100.0, 2.3, 2.0, 0.35, 1.6, 5.0, 1.0, 2.8, 750.0];
/// let (p, j) = model.jacobian(&x)?;
/// assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12);
/// assert_eq!(j.shape(), (3, 13));
/// # Ok::<(), nngrad_core::onnx::Error>(())
/// ```
#[derive(Clone)]
pub struct Model {
    graph: Arc<Graph>,
    input: usize,
    input_shape: Vec<usize>,
    output: usize,
    output_shape: Vec<usize>,
    output_int: bool,
    plan: Arc<Plan>,
    options: LoadOptions,
    /// Read by the test that derives the default limits from the known models.
    #[cfg_attr(not(test), allow(dead_code))]
    footprint: validate::Footprint,
    /// What one pass costs (elements held, operations), for the budget of each call.
    cost: Cost,
    /// The tangent route (`tangent/`), when every operator on the path is covered.
    tangent: Option<Arc<tangent::Plan>>,
}

impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Model")
            .field("input", &(self.input_name(), self.input_shape()))
            .field("output", &(self.output_name(), self.output_shape()))
            .field("outputs", &self.output_names())
            .field("opset", &self.opset())
            .field("nodes_evaluated", &self.plan.steps.len())
            .field("tangent_route", &self.tangent.is_some())
            .finish()
    }
}

impl Model {
    /// Reads and prepares the model in the file `path`.
    ///
    /// # Errors
    /// [`Error::Io`] when the file cannot be read; otherwise the errors of
    /// [`Model::from_bytes`], wrapped in [`Error::InFile`] naming the file.
    ///
    /// ```
    /// use nngrad_core::onnx::{Error, Model};
    /// assert!(matches!(Model::load("no/such/model.onnx"), Err(Error::Io { .. })));
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<Model, Error> {
        let path = path.as_ref();
        if let Some(e) = super::sniff::explain_dir(path) {
            return Err(Error::InFile {
                path: path.to_path_buf(),
                source: Box::new(e),
            });
        }
        let bytes = std::fs::read(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Model::from_bytes(&bytes).map_err(|e| Error::InFile {
            path: path.to_path_buf(),
            source: Box::new(e),
        })
    }

    /// Decodes a model from the bytes of an `.onnx` file.
    ///
    /// # Errors
    /// [`Error::Decode`] for bytes that are not a protobuf ONNX model (truncated, corrupted),
    /// [`Error::Invalid`] for a malformed graph, [`Error::ExternalData`],
    /// [`Error::UnsupportedOp`] for an operator on the path to the default output that this
    /// crate lacks, [`Error::Cycle`].
    ///
    /// ```
    /// use nngrad_core::onnx::{Error, Model};
    /// let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
    ///     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// let model = Model::from_bytes(&bytes)?;
    /// assert_eq!(model.input_len(), 10);
    /// assert!(matches!(Model::from_bytes(&bytes[..bytes.len() / 2]), Err(Error::Decode { .. })));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_bytes(bytes: &[u8]) -> Result<Model, Error> {
        Model::from_bytes_with(bytes, &LoadOptions::default())
    }

    /// Decodes a model from the bytes of an `.onnx` file, with resource limits `options`.
    ///
    /// Every value's shape is inferred and checked before anything is evaluated; a model
    /// over a limit is an [`Error::Limit`] naming the limit and how to raise it.
    ///
    /// # Errors
    /// [`Error::Limit`], and those of [`Model::from_bytes`].
    ///
    /// ```
    /// use nngrad_core::onnx::{Error, Limit, LoadOptions, Model};
    /// let bytes = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"),
    ///     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// let tight = LoadOptions { max_tensor_elements: 5, ..LoadOptions::default() };
    /// let err = Model::from_bytes_with(&bytes, &tight).unwrap_err();
    /// assert!(matches!(err, Error::Limit { limit: Limit::TensorElements, .. }));
    /// assert!(err.to_string().contains("max_tensor_elements"));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn from_bytes_with(bytes: &[u8], options: &LoadOptions) -> Result<Model, Error> {
        let graph = Arc::new(decode_model(bytes)?);
        if graph.nodes.len() > options.max_nodes {
            return Err(Error::Limit {
                limit: Limit::Nodes,
                what: "the graph".into(),
                needed: graph.nodes.len(),
                max: options.max_nodes,
            });
        }
        let input = graph
            .inputs
            .iter()
            .position(|d| graph.consts[d.id].is_none())
            .ok_or_else(|| Error::Invalid {
                message: "the graph has no runtime input (every graph input is an initializer)"
                    .into(),
            })?;
        let decl = &graph.inputs[input];
        if decl.elem_type != 0 && !dt::is_float(decl.elem_type) {
            return Err(Error::Invalid {
                message: format!(
                    "input '{}' has element type {}; only float inputs can be differentiated",
                    decl.name,
                    dt::name(decl.elem_type)
                ),
            });
        }
        let input_shape: Vec<usize> = decl
            .shape
            .as_ref()
            .ok_or_else(|| Error::Invalid {
                message: format!("input '{}' declares no shape", decl.name),
            })?
            .iter()
            .map(|d| d.unwrap_or(1))
            .collect();
        if graph.outputs.is_empty() {
            return Err(Error::Invalid {
                message: "the graph has no outputs".into(),
            });
        }
        let output = graph
            .outputs
            .iter()
            .position(|d| d.elem_type == 0 || dt::is_float(d.elem_type))
            .unwrap_or(0);
        Model::prepare(graph, input, input_shape, output, *options)
    }

    /// Plans the evaluation of `output` and infers every shape on the way (declared output
    /// shapes can be wrong, sklearn-onnx#474: the inferred one is used).
    fn prepare(
        graph: Arc<Graph>,
        input: usize,
        input_shape: Vec<usize>,
        output: usize,
        options: LoadOptions,
    ) -> Result<Model, Error> {
        // every node evaluated while loading (shape rules that run the operator, constant
        // folding, the tangent route's zero pass) allocates within the tensor limit
        with_element_cap(options.max_tensor_elements, || {
            Model::prepare_capped(graph, input, input_shape, output, options)
        })
    }

    fn prepare_capped(
        graph: Arc<Graph>,
        input: usize,
        input_shape: Vec<usize>,
        output: usize,
        options: LoadOptions,
    ) -> Result<Model, Error> {
        let in_id = graph.inputs[input].id;
        let out_id = graph.outputs[output].id;
        let mut plan = make_plan(&graph, in_id, out_id)?;
        let inferred = validate::infer(&graph, &plan.steps, in_id, &input_shape, &options)?;
        let out = inferred.metas[out_id]
            .as_ref()
            .ok_or_else(|| Error::Invalid {
                message: format!(
                    "output '{}' was not produced (its node has fewer outputs)",
                    graph.outputs[output].name
                ),
            })?;
        let (output_shape, output_int) = (out.shape.clone(), out.int);
        let footprint = inferred.footprint;
        plan.shapes = inferred
            .metas
            .into_iter()
            .map(|m| m.map(|m| m.shape))
            .collect();
        let cost = budget::cost(
            &graph,
            &plan.steps,
            &plan.drops,
            &plan.shapes,
            in_id,
            out_id,
        );
        let mut m = Model {
            cost,
            output_shape,
            output_int,
            graph,
            input,
            input_shape,
            output,
            plan: Arc::new(plan),
            options,
            footprint,
            tangent: None,
        };
        // A model whose plain f64 evaluation exceeds the budget can do nothing: refused now.
        m.check(
            "one f64 evaluation (8 bytes an element)",
            m.cost.generic(m.input_len(), 8, 0, 1),
        )?;
        // After validation, so the one evaluation at a zero input that shapes the route
        // stays within the load limits; it keeps every value's zero tensor (and clones a
        // node's inputs), so it is built only when those fit the evaluation budget too.
        let zero_eval = footprint
            .total
            .saturating_add(footprint.largest.saturating_mul(2))
            .saturating_mul(8);
        if !m.output_int && zero_eval <= options.max_eval_bytes {
            let g = &m.graph;
            m.tangent = tangent::Plan::build(
                g,
                &m.plan.steps,
                g.inputs[m.input].id,
                &m.input_shape,
                g.outputs[m.output].id,
            )
            .filter(|t| t.inputs() == m.input_len() && t.outputs() == m.output_len())
            .map(Arc::new);
        }
        Ok(m)
    }

    /// The same model with the graph output `name` selected.
    ///
    /// # Errors
    /// [`Error::NoSuchOutput`] listing the outputs, or [`Error::UnsupportedOp`] /
    /// [`Error::Cycle`] / [`Error::Invalid`] found on the path to that output.
    ///
    /// ```
    /// use nngrad_core::onnx::Model;
    /// let model = Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    ///     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx"))?;
    /// assert_eq!(model.output_names(), vec!["label", "probabilities"]);
    /// assert!(model.with_output("nope").is_err());
    /// // the label needs ai.onnx.ml::ArrayFeatureExtractor, which this crate lacks
    /// assert!(model.with_output("label").is_err());
    /// # Ok::<(), nngrad_core::onnx::Error>(())
    /// ```
    pub fn with_output(&self, name: &str) -> Result<Model, Error> {
        let output = self
            .graph
            .outputs
            .iter()
            .position(|d| d.name == name)
            .ok_or_else(|| Error::NoSuchOutput {
                name: name.to_string(),
                available: self.output_names().iter().map(|s| s.to_string()).collect(),
            })?;
        Model::prepare(
            self.graph.clone(),
            self.input,
            self.input_shape.clone(),
            output,
            self.options,
        )
    }

    /// The measures [`LoadOptions`] bounds, as found at load.
    #[cfg(test)]
    pub(crate) fn footprint(&self) -> validate::Footprint {
        self.footprint
    }

    /// The runtime input's name.
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert_eq!(model.input_name(), "X");
    /// ```
    pub fn input_name(&self) -> &str {
        &self.graph.inputs[self.input].name
    }

    /// The runtime input's shape (symbolic or unknown dimensions taken as 1).
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert_eq!(model.input_shape(), &[1, 13]);
    /// ```
    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    /// Number of input values (the product of [`Model::input_shape`]).
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert_eq!(model.input_len(), 13);
    /// ```
    pub fn input_len(&self) -> usize {
        self.input_shape.iter().product()
    }

    /// The selected output's name.
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert_eq!(model.output_name(), "probabilities");
    /// ```
    pub fn output_name(&self) -> &str {
        &self.graph.outputs[self.output].name
    }

    /// The selected output's shape, as evaluated at a zero input (declared shapes can be
    /// wrong); the declared one, unknown dimensions taken as 1, if that evaluation failed.
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert_eq!(model.output_shape(), &[1, 3]);
    /// ```
    pub fn output_shape(&self) -> &[usize] {
        &self.output_shape
    }

    /// Number of output values (the product of [`Model::output_shape`]).
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert_eq!(model.output_len(), 3);
    /// ```
    pub fn output_len(&self) -> usize {
        self.output_shape.iter().product()
    }

    /// Whether the selected output is integer-valued (a label, an index, a shape), hence
    /// not differentiable.
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert!(!model.output_is_integer());
    /// ```
    pub fn output_is_integer(&self) -> bool {
        self.output_int
    }

    /// Names of all graph outputs, in graph order.
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// assert_eq!(model.output_names(), vec!["variable"]);
    /// ```
    pub fn output_names(&self) -> Vec<&str> {
        self.graph.outputs.iter().map(|d| d.name.as_str()).collect()
    }

    /// The opset version the model imports for the default (`ai.onnx`) domain.
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// assert_eq!(model.opset(), 21);
    /// ```
    pub fn opset(&self) -> i64 {
        self.graph.opset("")
    }

    /// The tool that wrote the file and its version (`producer_name`, `producer_version`;
    /// empty where the exporter left them out).
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx")).unwrap();
    /// assert_eq!(model.producer().0, "skl2onnx");
    /// ```
    pub fn producer(&self) -> (&str, &str) {
        (&self.graph.exporter.0, &self.graph.exporter.1)
    }

    /// The operators of the whole graph, each once, sorted: `Gemm`, `Relu`, and
    /// `domain::Op` for operators outside the default domain (`ai.onnx.ml::ZipMap`).
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// assert!(model.operators().contains(&"Tanh".to_string()));
    /// ```
    pub fn operators(&self) -> Vec<String> {
        let mut ops: Vec<String> = self
            .graph
            .nodes
            .iter()
            .map(|n| match n.domain.as_str() {
                "" | "ai.onnx" => n.op.clone(),
                d => format!("{d}::{}", n.op),
            })
            .collect();
        ops.sort();
        ops.dedup();
        ops
    }

    fn check_len(&self, got: usize) -> Result<(), Error> {
        if got != self.input_len() {
            return Err(Error::InputLength {
                input: self.input_name().to_string(),
                expected: self.input_len(),
                got,
            });
        }
        Ok(())
    }

    fn not_differentiable(&self) -> Error {
        Error::NotDifferentiable {
            output: self.output_name().to_string(),
            reason: "it is integer-valued (a label, an index or a shape)".into(),
        }
    }

    /// Evaluates the graph up to the selected output, each operator's allocations within
    /// the tensor limit.
    fn eval_value<S: Scalar>(&self, x: &[S]) -> Result<Value<S>, Error> {
        with_element_cap(self.options.max_tensor_elements, || self.eval_capped(x))
    }

    fn eval_capped<S: Scalar>(&self, x: &[S]) -> Result<Value<S>, Error> {
        self.check_len(x.len())?;
        let elem = std::mem::size_of::<S>();
        self.check(
            &format!(
                "one evaluation with {} ({elem} bytes an element)",
                std::any::type_name::<S>()
            ),
            self.cost.generic(x.len(), elem, 0, 1),
        )?;
        let g = &*self.graph;
        let mut env: Vec<Option<Value<S>>> = vec![None; g.names.len()];
        let in_id = g.inputs[self.input].id;
        env[in_id] = Some(Value::Act(Tensor::new(
            self.input_shape.clone(),
            x.to_vec(),
        )));
        let out_id = g.outputs[self.output].id;
        let fetch = |env: &Vec<Option<Value<S>>>, id: usize| -> Option<Value<S>> {
            match &g.consts[id] {
                Some(Const::Float(t)) if id != in_id => Some(Value::Float(t.clone())),
                Some(Const::Int(t)) if id != in_id => Some(Value::Int(t.clone())),
                _ => env[id].clone(),
            }
        };
        if self.plan.steps.is_empty() {
            return fetch(&env, out_id).ok_or_else(|| Error::Invalid {
                message: format!("output '{}' has no value", self.output_name()),
            });
        }
        for (k, &ni) in self.plan.steps.iter().enumerate() {
            let node = &g.nodes[ni];
            let opset = g.opset(&node.domain);
            let node_err = |message: String| Error::Node {
                node: node.name.clone(),
                op: node.op.clone(),
                opset,
                message,
            };
            let outs = {
                let consts: Vec<Option<Value<S>>> = node
                    .inputs
                    .iter()
                    .map(|i| {
                        i.and_then(|id| match &g.consts[id] {
                            Some(Const::Float(t)) => Some(Value::Float(t.clone())),
                            Some(Const::Int(t)) => Some(Value::Int(t.clone())),
                            None => None,
                        })
                    })
                    .collect();
                let ins: Vec<Option<&Value<S>>> = node
                    .inputs
                    .iter()
                    .zip(&consts)
                    .map(|(i, c)| match (i, c) {
                        (_, Some(c)) => Some(c),
                        (Some(id), None) => env[*id].as_ref(),
                        (None, None) => None,
                    })
                    .collect();
                ops::run(node, &ins, opset).map_err(node_err)?
            };
            for (slot, v) in node.outputs.iter().zip(outs) {
                if let (Some(id), Some(v)) = (slot, v) {
                    if self.plan.shapes[*id].as_deref() != Some(v.shape()) {
                        return Err(node_err(format!(
                            "internal: output '{}' has shape {:?}, inferred {:?} at load",
                            g.names[*id],
                            v.shape(),
                            self.plan.shapes[*id]
                        )));
                    }
                    env[*id] = Some(v);
                }
            }
            for &id in &self.plan.drops[k] {
                if id != out_id {
                    env[id] = None;
                }
            }
        }
        fetch(&env, out_id).ok_or_else(|| Error::Invalid {
            message: format!(
                "output '{}' was not produced (its node has fewer outputs)",
                self.output_name()
            ),
        })
    }

    /// The selected output at `x` (flattened row-major), with any [`Scalar`]: pass dual
    /// numbers to compose the model with [`crate::jacobian`], [`crate::hessian`], …
    ///
    /// # Errors
    /// [`Error::InputLength`]; [`Error::Node`] when a node fails (bad shapes, bad indices);
    /// [`Error::NotDifferentiable`] when the output is integer-valued and `x` carries
    /// derivatives (with `f64` an integer output is returned as f64 values).
    ///
    /// ```
    /// use nngrad_core::{hessian, onnx::Model};
    /// let model = Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    ///     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx"))?;
    /// let x = [0.01; 10];
    /// let (y, _g, h) = hessian(|x| model.eval(x).unwrap()[0], &x);
    /// assert_eq!(y, model.forward(&x)?[0]);
    /// assert_eq!(h.shape(), (10, 10));
    /// # Ok::<(), nngrad_core::onnx::Error>(())
    /// ```
    pub fn eval<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, Error> {
        let v = self.eval_value(x)?;
        Ok(match v {
            Value::Act(t) => t.data,
            Value::Float(t) => t.data.iter().map(|&v| S::cst(v)).collect(),
            Value::Int(t) => {
                if x.iter().any(|v| !v.is_constant()) {
                    return Err(self.not_differentiable());
                }
                t.data.iter().map(|&v| S::cst(v as f64)).collect()
            }
        })
    }

    /// The selected output at `x` (flattened row-major); integer outputs come as f64.
    ///
    /// # Errors
    /// As [`Model::eval`].
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// let y = model.forward(&[0.0; 10])?;
    /// assert_eq!(y.len(), 1);
    /// assert!(model.forward(&[0.0; 9]).is_err());
    /// # Ok::<(), nngrad_core::onnx::Error>(())
    /// ```
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>, Error> {
        self.check_len(x.len())?;
        if let Some(t) = self.admit(Call::Forward)? {
            return Ok(t.forward(x));
        }
        self.eval(x)
    }

    /// How a call of kind `call` runs and what it needs: the tangent route when it covers
    /// the model and the call's buffers fit it and the evaluation budget (`8·(1 + lanes)`
    /// bytes an element, one pass), otherwise the generic evaluator at the call's scalar
    /// (f64, `Dual`, or `⌈n/8⌉` passes of `DualN<f64, 8>`); a Jacobian's `m×n` result
    /// counted in both.
    pub(crate) fn plan_call(&self, call: Call) -> (Option<&tangent::Plan>, String, Need) {
        let (n, m) = (self.input_len(), self.output_len());
        let (lanes, what, elem, passes, result) = match call {
            Call::Forward => (0, "a forward pass".to_string(), 8, 1, 0),
            Call::Jvp => (1, "a jvp".to_string(), 16, 1, 0),
            Call::Jacobian => {
                let passes = n.div_ceil(DEFAULT_CHUNK).max(1);
                (
                    n,
                    format!("a {m}×{n} Jacobian"),
                    std::mem::size_of::<DualN<f64, DEFAULT_CHUNK>>(),
                    passes,
                    m.saturating_mul(n).saturating_add(m).saturating_mul(8),
                )
            }
        };
        let w = lanes.saturating_add(1);
        let route = self
            .tangent
            .as_deref()
            .filter(|t| t.fits(lanes, self.options.max_eval_bytes / 8));
        match route {
            Some(t) => {
                let need = Need {
                    bytes: t
                        .elements()
                        .saturating_mul(w)
                        .saturating_mul(8)
                        .saturating_add(result),
                    work: self.cost.work.saturating_mul(w),
                };
                (
                    route,
                    format!("{what} on the tangent route ({lanes} lanes)"),
                    need,
                )
            }
            None => {
                let what = if passes > 1 {
                    format!("{what} in {passes} passes of {DEFAULT_CHUNK} lanes ({elem} bytes an element)")
                } else {
                    format!("{what} ({elem} bytes an element)")
                };
                (None, what, self.cost.generic(n, elem, result, passes))
            }
        }
    }

    /// [`Model::plan_call`], checked against the budget before anything is allocated.
    fn admit(&self, call: Call) -> Result<Option<&tangent::Plan>, Error> {
        let (route, what, need) = self.plan_call(call);
        self.check(&what, need)?;
        Ok(route)
    }

    /// Checks one call's estimated bytes and operations against [`LoadOptions`].
    fn check(&self, what: &str, need: Need) -> Result<(), Error> {
        let o = &self.options;
        let (limit, needed, max) = if need.bytes > o.max_eval_bytes {
            (Limit::EvalBytes, need.bytes, o.max_eval_bytes)
        } else if need.work > o.max_work {
            (Limit::Work, need.work, o.max_work)
        } else {
            return Ok(());
        };
        Err(Error::Limit {
            limit,
            what: format!(
                "{what} from input '{}' ({} values) to output '{}' ({} values)",
                self.input_name(),
                self.input_len(),
                self.output_name(),
                self.output_len()
            ),
            needed,
            max,
        })
    }

    /// Outputs and the `m×n` Jacobian `∂y_i/∂x_j` (row-major flattenings of output and
    /// input); [`Differentiable::jacobian`], callable without importing the trait.
    ///
    /// # Errors
    /// [`Error::NotDifferentiable`] for an integer output, and those of [`Model::eval`].
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// let (y, j) = model.jacobian(&[0.02; 10])?;
    /// assert_eq!((y.len(), j.nrows(), j.ncols()), (1, 1, 10));
    /// # Ok::<(), nngrad_core::onnx::Error>(())
    /// ```
    pub fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), Error> {
        Differentiable::jacobian(self, x)
    }

    /// Outputs and the directional derivative `J(x)·v`, in one evaluation;
    /// [`Differentiable::jvp`], callable without importing the trait.
    ///
    /// # Errors
    /// [`Error::TangentLength`] when `v` and `x` differ in length, and those of
    /// [`Model::jacobian`].
    ///
    /// ```
    /// # let model = nngrad_core::onnx::Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
    /// #     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx")).unwrap();
    /// let x = [0.02; 10];
    /// let (_, j) = model.jacobian(&x)?;
    /// let (_, jv) = model.jvp(&x, &[1.0; 10])?;
    /// assert!((jv[0] - j.row(0).sum()).abs() < 1e-12);
    /// # Ok::<(), nngrad_core::onnx::Error>(())
    /// ```
    pub fn jvp(&self, x: &[f64], v: &[f64]) -> Result<(Vec<f64>, Vec<f64>), Error> {
        Differentiable::jvp(self, x, v)
    }
}

/// The loaded model as a [`Differentiable`]: its batch methods run points in parallel.
///
/// ```
/// use nngrad_core::{onnx::Model, Differentiable};
/// let model = Model::load(concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx"))?;
/// let xs = vec![0.01; 3 * 10];
/// let (ys, js) = model.jacobian_batch(&xs).unwrap();
/// assert_eq!((ys.len(), js.len()), (3, 3 * 10));
/// # Ok::<(), nngrad_core::onnx::Error>(())
/// ```
impl Differentiable for Model {
    type Error = Error;

    fn input_len(&self) -> usize {
        Model::input_len(self)
    }

    fn output_len(&self) -> usize {
        Model::output_len(self)
    }

    fn input_labels(&self) -> Vec<String> {
        tensor_labels(self.input_name(), self.input_shape())
    }

    fn output_labels(&self) -> Vec<String> {
        tensor_labels(self.output_name(), self.output_shape())
    }

    fn eval<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, Error> {
        Model::eval(self, x)
    }

    fn forward(&self, x: &[f64]) -> Result<Vec<f64>, Error> {
        Model::forward(self, x)
    }

    fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), Error> {
        if self.output_int {
            return Err(self.not_differentiable());
        }
        self.check_len(x.len())?;
        if let Some(t) = self.admit(Call::Jacobian)? {
            return Ok(t.jacobian(x));
        }
        // Every pass sees the same values, so the output length cannot change between
        // passes; it is checked all the same, as an error rather than the helper's panic.
        let first_len = std::cell::Cell::new(None);
        try_jacobian(
            |xs| {
                let y = self.eval(xs)?;
                match first_len.get() {
                    Some(m) if m != y.len() => Err(Error::Invalid {
                        message: format!("output length changed from {m} to {}", y.len()),
                    }),
                    _ => {
                        first_len.set(Some(y.len()));
                        Ok(y)
                    }
                }
            },
            x,
        )
    }

    fn jvp(&self, x: &[f64], v: &[f64]) -> Result<(Vec<f64>, Vec<f64>), Error> {
        if self.output_int {
            return Err(self.not_differentiable());
        }
        self.check_len(x.len())?;
        if v.len() != x.len() {
            return Err(Error::TangentLength {
                expected: x.len(),
                got: v.len(),
            });
        }
        if let Some(t) = self.admit(Call::Jvp)? {
            return Ok(t.jvp(x, v));
        }
        // the generic pass checks its own budget, at Dual's size
        try_jvp(|xs| self.eval(xs), x, v)
    }

    fn forward_batch(&self, xs: &[f64]) -> Result<Vec<f64>, BatchError<Error>> {
        let (n, m) = (Model::input_len(self), Model::output_len(self));
        let k = batch::points("xs", xs.len(), n)?;
        if k == 0 {
            return Ok(vec![]);
        }
        if let Some(t) = self.admit(Call::Forward).map_err(batch::at(0))? {
            return Ok(t.batch(xs, &[], Kind::Forward).0);
        }
        let (ys, _) = batch::run(k, [m, 0], |p, y, _| {
            let v = Model::forward(self, &xs[p * n..(p + 1) * n]).map_err(batch::at(p))?;
            batch::put(p, y, &v)
        })?;
        Ok(ys)
    }

    fn jvp_batch(&self, xs: &[f64], vs: &[f64]) -> Result<(Vec<f64>, Vec<f64>), BatchError<Error>> {
        let (n, m) = (Model::input_len(self), Model::output_len(self));
        let k = batch::points("xs", xs.len(), n)?;
        batch::same_len("vs", vs.len(), xs.len())?;
        if k == 0 {
            return Ok((vec![], vec![]));
        }
        if let Some(t) = self.admit(Call::Jvp).map_err(batch::at(0))? {
            return Ok(t.batch(xs, vs, Kind::Jvp));
        }
        batch::run(k, [m, m], |p, y, jv| {
            let at = p * n..(p + 1) * n;
            let (v, d) =
                Differentiable::jvp(self, &xs[at.clone()], &vs[at]).map_err(batch::at(p))?;
            batch::put(p, y, &v)?;
            batch::put(p, jv, &d)
        })
    }

    fn jacobian_batch(&self, xs: &[f64]) -> Result<(Vec<f64>, Vec<f64>), BatchError<Error>> {
        let (n, m) = (Model::input_len(self), Model::output_len(self));
        let k = batch::points("xs", xs.len(), n)?;
        if k == 0 {
            return Ok((vec![], vec![]));
        }
        // every point's Jacobian, checked once for all (the first point is the one named),
        // and the batch's results together
        let route = self.admit(Call::Jacobian).map_err(batch::at(0))?;
        self.check(
            &format!("the results of a batch of {k} Jacobians"),
            Need {
                bytes: m
                    .saturating_mul(n)
                    .saturating_add(m)
                    .saturating_mul(k)
                    .saturating_mul(8),
                work: 0,
            },
        )
        .map_err(batch::at(0))?;
        if let Some(t) = route {
            return Ok(t.batch(xs, &[], Kind::Jacobian));
        }
        batch::run(k, [m, m * n], |p, y, js| {
            let (v, j) =
                Differentiable::jacobian(self, &xs[p * n..(p + 1) * n]).map_err(batch::at(p))?;
            batch::put(p, y, &v)?;
            batch::put_matrix(p, js, &j, m)
        })
    }
}

/// Topological order of the nodes `output` depends on (iterative DFS, so deep graphs cannot
/// overflow the stack), checking support and cycles.
fn make_plan(g: &Graph, input: usize, output: usize) -> Result<Plan, Error> {
    const NEW: u8 = 0;
    const OPEN: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; g.nodes.len()];
    let mut order = Vec::new();
    let needs = |id: usize, by: &str| -> Result<Option<usize>, Error> {
        if id == input || g.consts[id].is_some() {
            return Ok(None);
        }
        match g.producer[id] {
            Some(n) => Ok(Some(n)),
            None => {
                let is_input = g.inputs.iter().any(|d: &Declared| d.id == id);
                Err(Error::Invalid {
                    message: if is_input {
                        format!(
                            "{by} reads graph input '{}', but the model takes a single runtime input ('{}')",
                            g.names[id], g.names[input]
                        )
                    } else {
                        format!("{by} reads '{}', which no node produces", g.names[id])
                    },
                })
            }
        }
    };
    let Some(root) = needs(output, "the selected output")? else {
        return Ok(Plan {
            steps: vec![],
            drops: vec![],
            shapes: vec![],
        });
    };
    let mut unsupported = Vec::new();
    let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
    state[root] = OPEN;
    while let Some(&mut (n, ref mut next)) = stack.last_mut() {
        let node = &g.nodes[n];
        if *next == 0 && !ops::is_supported(&node.domain, &node.op, g.opset(&node.domain)) {
            // keep walking: the error lists every unsupported operator at once
            unsupported.push(n);
        }
        if *next < node.inputs.len() {
            let i = *next;
            *next += 1;
            let Some(id) = node.inputs[i] else { continue };
            if let Some(p) = needs(id, &format!("node '{}'", node.name))? {
                match state[p] {
                    NEW => {
                        state[p] = OPEN;
                        stack.push((p, 0));
                    }
                    OPEN => {
                        return Err(Error::Cycle {
                            node: g.nodes[p].name.clone(),
                        })
                    }
                    _ => {}
                }
            }
        } else {
            state[n] = DONE;
            order.push(n);
            stack.pop();
        }
    }
    if !unsupported.is_empty() {
        return Err(Error::unsupported(g, &unsupported));
    }
    let mut last = vec![usize::MAX; g.names.len()];
    for (k, &n) in order.iter().enumerate() {
        for id in g.nodes[n].inputs.iter().flatten() {
            last[*id] = k;
        }
    }
    let mut drops = vec![Vec::new(); order.len()];
    for (id, &k) in last.iter().enumerate() {
        if k != usize::MAX {
            drops[k].push(id);
        }
    }
    Ok(Plan {
        steps: order,
        drops,
        shapes: vec![],
    })
}
