//! [`LoadOptions`]: the resource limits a model must fit in before anything is evaluated.
//!
//! Every size is known at load (the shapes of all values are inferred from the runtime
//! input's declared shape), so a file that would need a terabyte, or a million nodes, is
//! refused by [`Model::from_bytes_with`](super::Model::from_bytes_with) with an
//! [`Error::Limit`](super::Error::Limit) instead of aborting the process when evaluated.

/// Resource limits checked when a model is loaded.
///
/// The defaults admit every real model this crate is tested with (the shipped fixtures, the
/// MATLAB/PyTorch/Keras models of `../shared/real-models` and the 533 ONNX conformance
/// cases) with a margin of 100× over the largest of each measure. Set a limit with
/// struct-update syntax:
///
/// ```
/// use nngrad_core::onnx::{LoadOptions, Model};
/// let opts = LoadOptions { max_tensor_elements: 1 << 26, ..LoadOptions::default() };
/// let path = concat!(env!("CARGO_MANIFEST_DIR"),
///     "/../tests/data/onnx/diabetes_mlp_tanh_regressor/model.onnx");
/// let bytes = std::fs::read(path).unwrap();
/// let model = Model::from_bytes_with(&bytes, &opts)?;
/// assert_eq!(model.input_len(), 10);
/// # Ok::<(), nngrad_core::onnx::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoadOptions {
    /// The most elements any one value of the graph (input, initializer, node output) may
    /// have.
    pub max_tensor_elements: usize,
    /// The most elements all node outputs on the evaluated path may have together (a bound
    /// on what one evaluation allocates, before the dual-number lanes).
    pub max_total_elements: usize,
    /// The most nodes the graph may have.
    pub max_nodes: usize,
    /// The longest chain of nodes from the input to the selected output.
    pub max_depth: usize,
}

impl Default for LoadOptions {
    /// 100× the largest need of any known model, each measure rounded up to a power of two
    /// (measured by the test `default_limits_admit_every_known_model_a_hundred_times_over`
    /// over the fixtures, `../shared/real-models` and the 898 conformance cases, which
    /// prints them: largest value 980 000 elements, all values of one evaluation 5 054 732,
    /// 104 nodes (the one-layer torch-style transformer of `tests/data/onnx/transformer`), a
    /// chain of 34).
    ///
    /// These admit a 1 GB f64 tensor and 4 GB of values per evaluation: they exist to turn
    /// sizes no model can have (2^40 elements, a million nodes) into errors. An application
    /// that loads untrusted files should set limits for its own memory budget (one f64
    /// evaluation takes 8 bytes per element; a Jacobian chunk of 8 lanes, 72).
    ///
    /// ```
    /// let d = nngrad_core::onnx::LoadOptions::default();
    /// assert!(d.max_tensor_elements >= 100 * 980_000);
    /// ```
    fn default() -> Self {
        LoadOptions {
            max_tensor_elements: 1 << 27,
            max_total_elements: 1 << 29,
            max_nodes: 1 << 14,
            max_depth: 1 << 12,
        }
    }
}

/// Which limit of [`LoadOptions`] a model exceeded.
///
/// ```
/// use nngrad_core::onnx::Limit;
/// assert_eq!(Limit::Nodes.field(), "max_nodes");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Limit {
    /// [`LoadOptions::max_tensor_elements`].
    TensorElements,
    /// [`LoadOptions::max_total_elements`].
    TotalElements,
    /// [`LoadOptions::max_nodes`].
    Nodes,
    /// [`LoadOptions::max_depth`].
    Depth,
}

impl Limit {
    /// The [`LoadOptions`] field that sets this limit.
    ///
    /// ```
    /// assert_eq!(nngrad_core::onnx::Limit::Depth.field(), "max_depth");
    /// ```
    pub fn field(self) -> &'static str {
        match self {
            Limit::TensorElements => "max_tensor_elements",
            Limit::TotalElements => "max_total_elements",
            Limit::Nodes => "max_nodes",
            Limit::Depth => "max_depth",
        }
    }
}
