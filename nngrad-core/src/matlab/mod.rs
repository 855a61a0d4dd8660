//! Exact Jacobians of MATLAB shallow networks exported with `genFunction`.
//!
//! MATLAB's shallow-network toolbox (`feedforwardnet`, `fitnet`, `patternnet`,
//! `cascadeforwardnet`) exports a trained network with `genFunction(net, 'name')`: a `.m`
//! file holding every weight and processing setting as a literal, followed by the simulation
//! code. [`ShallowNet`] reads such a file and evaluates it generically over [`Scalar`], so the
//! Jacobian dY/dX comes out exact — input processing (`removeconstantrows`, `mapminmax`,
//! `mapstd`, `processpca`), every layer, and the output reverse-processing included.
//!
//! ```
//! use nngrad_core::matlab::ShallowNet;
//! let src = "
//! function [y1] = f(x1)
//! % ===== NEURAL NETWORK CONSTANTS =====
//! x1_step1.xoffset = [0;0]; x1_step1.gain = [1;0.5]; x1_step1.ymin = -1;
//! b1 = [0.1;-0.2];
//! IW1_1 = [1 2;-1 0.5];
//! b2 = 0.3;
//! LW2_1 = [0.7 -1.1];
//! % ===== SIMULATION ========
//! Q = size(x1,2);
//! xp1 = mapminmax_apply(x1,x1_step1);
//! a1 = tansig_apply(repmat(b1,1,Q) + IW1_1*xp1);
//! y1 = repmat(b2,1,Q) + LW2_1*a1;
//! end
//! ";
//! let net = ShallowNet::from_source(src)?;
//! assert_eq!((net.input_len(), net.output_len()), (2, 1));
//! let (y, j) = net.jacobian(&[0.5, 1.0])?;
//! assert_eq!(y, net.forward(&[0.5, 1.0])?);
//! assert_eq!(j.shape(), (1, 2));
//! # Ok::<(), nngrad_core::matlab::Error>(())
//! ```
//!
//! # What is read
//! The first function of the file is the network; later ones are `genFunction`'s module
//! functions, recognised by name (`tansig_apply`, `mapminmax_apply`, …) and used only to map
//! separately passed settings (`mapminmax_apply(x1,x1_step1_gain,x1_step1_xoffset,
//! x1_step1_ymin)`) by their parameter names. The parser takes the whole published format:
//! settings as struct fields or flat names, every number literal form (`-1.04e-06`, `.5`,
//! `Inf`, `NaN`), matrices with commas or spaces and `...` continuations, functions with or
//! without `end`, comments and `%{ … %}` blocks, and the time-series signature
//! `[Y,Xf,Af] = name(X,~,~)` of static networks (its `for ts=1:TS` loop computes the same thing
//! every step, so it is read once). Section comments (`% ===== SIMULATION ========`,
//! `CALCULATIONS`, …) are not relied on. The network is whatever the simulation code computes:
//! any number of layers, layers fed by inputs and by other layers (cascade connections),
//! several inputs and outputs. Input lengths come from the weights and settings that consume
//! them, checked against the header comment (`x = 5xQ matrix, input #1`) where there is one.
//!
//! The API has the shape of the ONNX loader's: [`ShallowNet::load`] / [`ShallowNet::from_source`],
//! [`forward`](ShallowNet::forward), [`jacobian`](ShallowNet::jacobian),
//! [`jvp`](ShallowNet::jvp), and [`eval`](ShallowNet::eval) generic over [`Scalar`] (nest dual
//! numbers through it for Hessians). One sample at a time: all inputs concatenated in argument
//! order ([`ShallowNet::inputs`]), all outputs concatenated ([`ShallowNet::outputs`]). Every
//! layer product goes through [`crate::kernels::gemm_ws`].
//!
//! Transfer functions: tansig, logsig, purelin, poslin, satlin, satlins, softmax, elliotsig,
//! radbas, tribas, hardlim, hardlims, netinv. `tansig` is evaluated as `tanh`, which equals
//! MATLAB's `2./(1+exp(-2*n))-1` to within a few ulps (the reference files in the test data
//! were computed with MATLAB's form; the two agree to 1e-14 there). At the kinks of poslin,
//! satlin, satlins and tribas the derivative follows the crate's rules (see the crate docs'
//! *Kinks* section).
//!
//! Not supported (rejected with [`Error::Unsupported`]): NARX and time-delay networks (tapped
//! delay states `Xi`, `Ai`), `fixunknowns`.

// The loader reads lex → parse → lower: `lexer.rs` (tokens and comments), `parser.rs` (into
// `ast.rs`), `lower/` (the main function run symbolically into `graph.rs`'s nodes; was
// `build.rs` + `build/`), then `graph.rs` evaluates generically over `Scalar`.
mod ast;
mod chain;
mod error;
mod graph;
mod lexer;
mod lower;
mod parser;
mod tangent;

use std::fmt;
use std::path::Path;

use nalgebra::DMatrix;

use crate::{Differentiable, Scalar};
pub use error::Error;
use graph::Graph;

/// One input or output of a network: its name in the `.m` file and its number of rows.
///
/// ```
/// use nngrad_core::matlab::{Port, ShallowNet};
/// let net = ShallowNet::from_source(
///     "function y1 = f(x1)\nIW1_1 = [1 2 3];\ny1 = IW1_1*x1;\nend",
/// )?;
/// assert_eq!(net.inputs(), &[Port { name: "x1".into(), len: 3 }]);
/// # Ok::<(), nngrad_core::matlab::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The variable's name (`x1`, `y1`; `X{1}`, `Y{1}` for the time-series signature).
    pub name: String,
    /// Rows per sample.
    pub len: usize,
}

/// One layer of the network, as the simulation code assigns it (`a1 = tansig_apply(…)`).
///
/// ```
/// use nngrad_core::matlab::ShallowNet;
/// let net = ShallowNet::from_source(
///     "function y1 = f(x1)\nIW1_1 = [1 2];\na1 = logsig_apply(IW1_1*x1);\ny1 = a1;\nend",
/// )?;
/// let l = &net.layers()[0];
/// assert_eq!((l.name.as_str(), l.size, l.transfer), ("a1", 1, "logsig"));
/// # Ok::<(), nngrad_core::matlab::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layer {
    /// The layer's variable (`a1`, `a2`, …).
    pub name: String,
    /// Number of neurons.
    pub size: usize,
    /// The transfer function's toolbox name (`tansig`, `purelin`, …).
    pub transfer: &'static str,
}

/// A shallow network read from a MATLAB `genFunction` export, evaluated one sample at a time:
/// the inputs concatenated into one vector `x` (in the function's argument order), the
/// outputs concatenated into one vector `y`.
///
/// ```
/// use nngrad_core::matlab::ShallowNet;
/// let net = ShallowNet::from_source(
///     "function y1 = f(x1)\nb1 = [0;0];\nIW1_1 = [1 0;0 2];\ny1 = tansig_apply(b1 + IW1_1*x1);\nend",
/// )?;
/// let (y, jv) = net.jvp(&[0.0, 0.0], &[1.0, 1.0])?;
/// assert_eq!((y, jv), (vec![0.0, 0.0], vec![1.0, 2.0]));
/// # Ok::<(), nngrad_core::matlab::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ShallowNet {
    name: String,
    graph: Graph,
    inputs: Vec<Port>,
    outputs: Vec<Port>,
    layers: Vec<Layer>,
    input_len: usize,
    output_len: usize,
    /// The Jacobian is associated from the output side (`chain.rs`): decided once, at load.
    outputs_first: bool,
}

impl ShallowNet {
    /// Reads and parses a `.m` file.
    ///
    /// ```
    /// use nngrad_core::matlab::{Error, ShallowNet};
    /// let err = ShallowNet::load("/no/such/file.m").unwrap_err();
    /// assert!(matches!(err, Error::Io { .. }));
    /// ```
    pub fn load(path: impl AsRef<Path>) -> Result<ShallowNet, Error> {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| Error::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        // MATLAB files are often Latin-1; non-UTF-8 bytes can only sit in comments and strings.
        ShallowNet::from_source(&String::from_utf8_lossy(&bytes))
    }

    /// Parses the text of a `genFunction` export.
    ///
    /// ```
    /// use nngrad_core::matlab::{Error, ShallowNet};
    /// let src = "function y1 = f(x1)\nIW1_1 = [1 2];\ny1 = foo_apply(IW1_1*x1);\nend";
    /// let err = ShallowNet::from_source(src).unwrap_err();
    /// assert_eq!(err, Error::UnknownFunction { line: 3, name: "foo_apply".into() });
    /// ```
    pub fn from_source(src: &str) -> Result<ShallowNet, Error> {
        // Editors on Windows may prefix a byte-order mark.
        let src = src.strip_prefix('\u{feff}').unwrap_or(src);
        let (tokens, comments) = lexer::lex(src).map_err(|e| {
            // A binary or foreign file fails in the tokenizer; say what it is not.
            if starts_with_function(src) {
                e
            } else {
                Error::NotGenFunction {
                    reason: "the text does not start with a MATLAB `function` definition".into(),
                }
            }
        })?;
        let funcs = parser::Parser::new(&tokens).file()?;
        let built = lower::lower(&funcs, &comments)?;
        let port = |(name, len)| Port { name, len };
        let inputs: Vec<Port> = built.inputs.into_iter().map(port).collect();
        let outputs: Vec<Port> = built.outputs.into_iter().map(port).collect();
        let input_len = inputs.iter().map(|p| p.len).sum();
        Ok(ShallowNet {
            outputs_first: chain::outputs_first_is_cheaper(&built.graph, input_len),
            name: built.name,
            graph: built.graph,
            input_len,
            output_len: outputs.iter().map(|p| p.len).sum(),
            inputs,
            outputs,
            layers: built
                .layers
                .into_iter()
                .map(|(name, size, transfer)| Layer {
                    name,
                    size,
                    transfer,
                })
                .collect(),
        })
    }

    /// The MATLAB function's name.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let net = ShallowNet::from_source("function y = myNet(x)\nIW1_1 = 2;\ny = IW1_1*x;")?;
    /// assert_eq!(net.name(), "myNet");
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The inputs in the order they are concatenated into `x`.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let src = "function y1 = f(x1,x2)\nIW1_1 = [1 2];\nIW1_2 = 3;\ny1 = IW1_1*x1 + IW1_2*x2;";
    /// let net = ShallowNet::from_source(src)?;
    /// let names: Vec<_> = net.inputs().iter().map(|p| (p.name.as_str(), p.len)).collect();
    /// assert_eq!(names, [("x1", 2), ("x2", 1)]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn inputs(&self) -> &[Port] {
        &self.inputs
    }

    /// The outputs in the order they are concatenated into `y`.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let net = ShallowNet::from_source("function [y1] = f(x1)\nIW1_1 = [1;2];\ny1 = IW1_1*x1;")?;
    /// assert_eq!(net.outputs()[0].name, "y1");
    /// assert_eq!(net.outputs()[0].len, 2);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn outputs(&self) -> &[Port] {
        &self.outputs
    }

    /// The input names in concatenation order (as the ONNX loader's `output_names`).
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let src = "function y1 = f(x1,x2)\nIW1_1 = [1 2];\nIW1_2 = 3;\ny1 = IW1_1*x1 + IW1_2*x2;";
    /// assert_eq!(ShallowNet::from_source(src)?.input_names(), ["x1", "x2"]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn input_names(&self) -> Vec<&str> {
        self.inputs.iter().map(|p| p.name.as_str()).collect()
    }

    /// The output names in concatenation order.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let net = ShallowNet::from_source("function [y1,y2] = f(x1)\nIW1_1 = 2;\ny1 = IW1_1*x1;\ny2 = -y1;")?;
    /// assert_eq!(net.output_names(), ["y1", "y2"]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn output_names(&self) -> Vec<&str> {
        self.outputs.iter().map(|p| p.name.as_str()).collect()
    }

    /// The layers (`aK = …` assignments of the simulation code), in order.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let src = "function y = f(x)\nIW1_1 = [1 2;3 4];\nLW2_1 = [1 1];\n\
    ///            a1 = poslin_apply(IW1_1*x);\na2 = LW2_1*a1;\ny = a2;";
    /// let net = ShallowNet::from_source(src)?;
    /// let t: Vec<_> = net.layers().iter().map(|l| (l.size, l.transfer)).collect();
    /// assert_eq!(t, [(2, "poslin"), (1, "purelin")]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn layers(&self) -> &[Layer] {
        &self.layers
    }

    /// Total input length (all inputs concatenated).
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [1 2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(net.input_len(), 3);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn input_len(&self) -> usize {
        self.input_len
    }

    /// Total output length (all outputs concatenated).
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [1 2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(net.output_len(), 1);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn output_len(&self) -> usize {
        self.output_len
    }

    fn check(&self, what: &'static str, v: usize) -> Result<(), Error> {
        if v == self.input_len {
            Ok(())
        } else {
            Err(Error::InputLength {
                what,
                expected: self.input_len,
                found: v,
            })
        }
    }

    /// The outputs at `x`, generic over the scalar type: `f64` for values, dual numbers for
    /// derivatives.
    ///
    /// ```
    /// use nngrad_core::{matlab::ShallowNet, Dual};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
    /// let y = net.eval(&[Dual::variable(1.0), Dual::constant(1.0)])?;
    /// assert_eq!((y[0].re(), y[0].eps()), (5.0, 2.0));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn eval<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, Error> {
        self.check("x", x.len())?;
        Ok(self.graph.run(x))
    }

    /// The outputs at `x`.
    ///
    /// ```
    /// use nngrad_core::matlab::{Error, ShallowNet};
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(net.forward(&[1.0, 1.0])?, vec![5.0]);
    /// assert!(matches!(net.forward(&[1.0]), Err(Error::InputLength { expected: 2, found: 1, .. })));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn forward(&self, x: &[f64]) -> Result<Vec<f64>, Error> {
        self.eval(x)
    }

    /// The outputs and the `output_len × input_len` Jacobian at `x`, exact to rounding;
    /// [`Differentiable::jacobian`], callable without importing the trait.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let net = ShallowNet::from_source(
    ///     "function y = f(x)\nIW1_1 = [2 3];\ny = tansig_apply(IW1_1*x);",
    /// )?;
    /// let (y, j) = net.jacobian(&[0.0, 0.0])?;
    /// assert_eq!(y, vec![0.0]);
    /// assert_eq!(j, nalgebra::dmatrix![2.0, 3.0]);
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), Error> {
        Differentiable::jacobian(self, x)
    }

    /// The outputs and the directional derivative `J(x)·v`, in one evaluation;
    /// [`Differentiable::jvp`], callable without importing the trait.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = IW1_1*x;")?;
    /// assert_eq!(net.jvp(&[1.0, 1.0], &[1.0, -1.0])?, (vec![5.0], vec![-1.0]));
    /// # Ok::<(), nngrad_core::matlab::Error>(())
    /// ```
    pub fn jvp(&self, x: &[f64], v: &[f64]) -> Result<(Vec<f64>, Vec<f64>), Error> {
        Differentiable::jvp(self, x, v)
    }
}

/// The network as a [`Differentiable`]: its batch methods run points in parallel.
///
/// ```
/// use nngrad_core::{matlab::ShallowNet, Differentiable};
/// let net = ShallowNet::from_source("function y = f(x)\nIW1_1 = [2 3];\ny = tansig_apply(IW1_1*x);")?;
/// let (ys, js) = net.jacobian_batch(&[0.0, 0.0, 0.0, 0.0])?;
/// assert_eq!((ys, js), (vec![0.0, 0.0], vec![2.0, 3.0, 2.0, 3.0]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
impl Differentiable for ShallowNet {
    type Error = Error;

    fn input_len(&self) -> usize {
        self.input_len
    }

    fn output_len(&self) -> usize {
        self.output_len
    }

    fn input_labels(&self) -> Vec<String> {
        port_labels(&self.inputs)
    }

    fn output_labels(&self) -> Vec<String> {
        port_labels(&self.outputs)
    }

    fn eval<S: Scalar>(&self, x: &[S]) -> Result<Vec<S>, Error> {
        ShallowNet::eval(self, x)
    }

    /// From the output side (`chain.rs`: a values pass, then `M = I_m` walked back through
    /// the layers) when the network is a chain and that costs fewer multiply-adds; otherwise
    /// all `n` tangent columns in one pass beside the values (`tangent.rs`). The generic dual
    /// path (`try_jacobian` over [`ShallowNet::eval`]) gives the same numbers up to rounding.
    fn jacobian(&self, x: &[f64]) -> Result<(Vec<f64>, DMatrix<f64>), Error> {
        self.check("x", x.len())?;
        if self.outputs_first {
            let (y, j) = chain::jacobian(&self.graph, x);
            let m = y.len();
            return Ok((y, DMatrix::from_row_slice(m, x.len(), &j)));
        }
        let (rows, w) = tangent::run(&self.graph, x, tangent::Lanes::Jacobian);
        let m = rows.len() / w;
        let y = (0..m).map(|i| rows[i * w]).collect();
        Ok((y, DMatrix::from_fn(m, x.len(), |i, c| rows[i * w + 1 + c])))
    }

    fn jvp(&self, x: &[f64], v: &[f64]) -> Result<(Vec<f64>, Vec<f64>), Error> {
        self.check("x", x.len())?;
        self.check("v", v.len())?;
        let (rows, _) = tangent::run(&self.graph, x, tangent::Lanes::Jvp(v));
        Ok(rows.chunks_exact(2).map(|r| (r[0], r[1])).unzip())
    }
}

/// `name[i]` for each value of each port, in order.
fn port_labels(ports: &[Port]) -> Vec<String> {
    ports
        .iter()
        .flat_map(|p| (0..p.len).map(move |i| format!("{}[{i}]", p.name)))
        .collect()
}

/// Whether the first thing after blank lines and `%` comment lines is the word `function`.
fn starts_with_function(src: &str) -> bool {
    src.lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('%'))
        .and_then(|l| l.strip_prefix("function"))
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_'))
}

/// A one-line summary: name, inputs, layers, outputs.
///
/// ```
/// use nngrad_core::matlab::ShallowNet;
/// let net = ShallowNet::from_source(
///     "function y1 = f(x1)\nIW1_1 = [1 2;3 4];\na1 = tansig_apply(IW1_1*x1);\ny1 = a1;",
/// )?;
/// assert_eq!(net.to_string(), "f: x1[2] -> a1[2] tansig -> y1[2]");
/// # Ok::<(), nngrad_core::matlab::Error>(())
/// ```
impl fmt::Display for ShallowNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ports = |p: &[Port]| {
            p.iter()
                .map(|p| format!("{}[{}]", p.name, p.len))
                .collect::<Vec<_>>()
                .join(", ")
        };
        write!(f, "{}: {}", self.name, ports(&self.inputs))?;
        for l in &self.layers {
            write!(f, " -> {}[{}] {}", l.name, l.size, l.transfer)?;
        }
        write!(f, " -> {}", ports(&self.outputs))
    }
}
