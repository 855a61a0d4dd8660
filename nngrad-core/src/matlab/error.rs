//! The one error type of the MATLAB loader: every way a file can fail to load or an input can
//! fail to evaluate, with the source line where there is one.

use std::fmt;

/// Why a MATLAB `genFunction` file could not be loaded, or an input could not be evaluated.
///
/// Variants that concern the source carry its 1-based `line`; their messages start with
/// `line N:` and name the offending function, variable or setting.
///
/// ```
/// use nngrad_core::matlab::{Error, ShallowNet};
/// let err = ShallowNet::from_source("x = 1;").unwrap_err();
/// assert!(matches!(err, Error::NotGenFunction { .. }));
/// assert!(err.to_string().contains("genFunction"));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The file could not be read.
    Io {
        /// The path as given.
        path: String,
        /// The operating system's message.
        message: String,
    },
    /// The source is not a network simulation function as `genFunction` writes them (no
    /// function, no input weights, or outputs that do not depend on the inputs).
    NotGenFunction {
        /// What was expected and not found.
        reason: String,
    },
    /// A token or construct the parser does not accept.
    Syntax {
        /// 1-based source line.
        line: usize,
        /// What was expected and what came.
        message: String,
    },
    /// A `[` matrix literal that is never closed (a truncated file, or a missing `]`).
    UnterminatedMatrix {
        /// Line of the opening `[`.
        line: usize,
        /// What was found instead of `]`.
        found: String,
    },
    /// A matrix literal whose rows have different numbers of elements.
    RaggedMatrix {
        /// Line of the opening `[`.
        line: usize,
        /// Elements in the first row.
        expected: usize,
        /// Elements in the offending row.
        found: usize,
        /// 1-based index of the offending row.
        row: usize,
    },
    /// Sizes that do not fit together (weight columns vs. the signal they multiply, bias
    /// length vs. weight rows, processing settings vs. the rows they process, …).
    SizeMismatch {
        /// 1-based source line of the statement combining them.
        line: usize,
        /// Both sizes, with the names of what they belong to.
        message: String,
    },
    /// A call to a transfer or processing function (or any other function) this loader does
    /// not know.
    UnknownFunction {
        /// 1-based source line of the call.
        line: usize,
        /// The function's name as written.
        name: String,
    },
    /// A construct that is recognised but not supported (tapped delay lines of NARX and
    /// time-delay networks, `fixunknowns`, …).
    Unsupported {
        /// 1-based source line.
        line: usize,
        /// What is unsupported.
        what: String,
    },
    /// A variable used before it is assigned.
    Undefined {
        /// 1-based source line of the use.
        line: usize,
        /// The variable's name.
        name: String,
    },
    /// An input (or tangent) vector of the wrong length was passed to an evaluation method.
    InputLength {
        /// `"x"` or `"v"`.
        what: &'static str,
        /// The network's input length.
        expected: usize,
        /// The length passed.
        found: usize,
    },
}

impl Error {
    /// The 1-based source line the error refers to, if it refers to one.
    ///
    /// ```
    /// use nngrad_core::matlab::ShallowNet;
    /// let src = "function y = f(x)\nIW1_1 = [1 2;\n";
    /// assert_eq!(ShallowNet::from_source(src).unwrap_err().line(), Some(2));
    /// ```
    pub fn line(&self) -> Option<usize> {
        match self {
            Error::Syntax { line, .. }
            | Error::UnterminatedMatrix { line, .. }
            | Error::RaggedMatrix { line, .. }
            | Error::SizeMismatch { line, .. }
            | Error::UnknownFunction { line, .. }
            | Error::Unsupported { line, .. }
            | Error::Undefined { line, .. } => Some(*line),
            Error::Io { .. } | Error::NotGenFunction { .. } | Error::InputLength { .. } => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io { path, message } => write!(f, "cannot read {path}: {message}"),
            Error::NotGenFunction { reason } => {
                write!(f, "not a MATLAB genFunction network export: {reason}")
            }
            Error::Syntax { line, message } => write!(f, "line {line}: {message}"),
            Error::UnterminatedMatrix { line, found } => write!(
                f,
                "line {line}: matrix literal opened here is never closed with `]` (found {found}); \
                 is the file truncated?"
            ),
            Error::RaggedMatrix {
                line,
                expected,
                found,
                row,
            } => write!(
                f,
                "line {line}: matrix literal row {row} has {found} elements but row 1 has {expected}"
            ),
            Error::SizeMismatch { line, message } => write!(f, "line {line}: {message}"),
            Error::UnknownFunction { line, name } => write!(
                f,
                "line {line}: unknown function `{name}` (supported transfer functions: tansig, \
                 logsig, purelin, poslin, satlin, satlins, softmax, elliotsig, radbas, tribas, \
                 hardlim, hardlims, netinv; processing: mapminmax, mapstd, removeconstantrows, \
                 processpca)"
            ),
            Error::Unsupported { line, what } => write!(f, "line {line}: unsupported: {what}"),
            Error::Undefined { line, name } => {
                write!(f, "line {line}: `{name}` is used before it is assigned")
            }
            Error::InputLength {
                what,
                expected,
                found,
            } => write!(
                f,
                "{what} has {found} elements but the network takes {expected} inputs"
            ),
        }
    }
}

impl std::error::Error for Error {}
