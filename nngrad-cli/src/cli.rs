//! The command line: subcommands and options (clap derive). Usage errors exit 2 (clap's).

use clap::{Args, Parser, Subcommand, ValueEnum};
use nngrad_cli::report::Format as ReportFormat;
use std::path::PathBuf;

const LAYOUTS: &str = "\
MODEL is an ONNX file, or a MATLAB genFunction export when its name ends in .m.

Points (--input-file): a CSV file, one point per line (values separated by commas,
semicolons, tabs or spaces; `#` starts a comment). An optional first line of column
names is matched to the model's input labels (as `nngrad info` lists them, e.g. X[0]
or x1[3]), in any order, other columns ignored; a header naming no input is skipped
and the columns are taken in order. Or a .npy file of shape (n,) or (batch, n).

Output layouts (k points, m outputs, n inputs; points numbered from 1):
  forward     CSV  point,<output labels>            one line per point
              JSON {model, inputs, outputs, points: [{input, output}]}
              NPY  (k, m)
  jacobian    CSV  point,output,value,d/d<input>... one line per point and output:
                   rows = points x outputs, columns = inputs
              JSON {model, inputs, outputs, points: [{input, output,
                   jacobian: [m rows of n]}]}
              NPY  (k, m, n)
  jvp         CSV  point,output,value,jvp           one line per point and output
              JSON {model, inputs, outputs, points: [{input, tangent, output, jvp}]}
              NPY  (k, m)
  sensitivity CSV  output,d/d<input>...             one line per output
              JSON {model, inputs, outputs, reduce, points, sensitivity: [m rows of n]}
              NPY  (m, n)
  check       CSV  output,max_abs_error,max_abs_jacobian,allowed,point,input,ok
              JSON {model, points, tolerance, checks: [{output, max_abs_error,
                   max_abs_jacobian, allowed, point, input, ok}]}
Numbers are the shortest decimals that read back to the same f64 (null in JSON for
NaN and infinities). NPY needs --out.

Exit status: 0 done, 1 error (one line naming the file, input or point), 2 usage,
130 interrupted (Ctrl-C stops between blocks of points).";

/// Exact derivatives of trained networks (ONNX or MATLAB genFunction), from the command line.
#[derive(Parser, Debug)]
#[command(name = "nngrad", version, after_long_help = LAYOUTS)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Inputs and outputs with names and shapes, producer, opset, operators, and whether
    /// each output is differentiable.
    #[command(after_long_help = LAYOUTS)]
    Info {
        #[command(flatten)]
        model: ModelArg,
        /// table, or json for programs.
        #[arg(long, value_enum, default_value_t = InfoFormat::Table)]
        format: InfoFormat,
    },
    /// The model's outputs at each point.
    #[command(after_long_help = LAYOUTS)]
    Forward(PointArgs),
    /// Outputs and the exact Jacobian d output / d input at each point.
    #[command(after_long_help = LAYOUTS)]
    Jacobian(PointArgs),
    /// Outputs and the Jacobian-vector product J·v at each point (one forward pass).
    #[command(after_long_help = LAYOUTS)]
    Jvp {
        #[command(flatten)]
        points: PointArgs,
        #[command(flatten)]
        tangent: TangentArgs,
    },
    /// The Jacobian reduced over all points, entry by entry, without holding them all: an
    /// outputs x inputs matrix of sensitivities.
    #[command(after_long_help = LAYOUTS)]
    Sensitivity {
        #[command(flatten)]
        points: PointArgs,
        /// How each entry is reduced over the points.
        #[arg(long, value_enum, default_value_t = Reduce::MeanAbs)]
        reduce: Reduce,
    },
    /// Gradient check: the largest deviation of the Jacobian from central finite
    /// differences, per output; exit status 1 if one exceeds the tolerance.
    #[command(after_long_help = LAYOUTS)]
    Check {
        #[command(flatten)]
        model: ModelArg,
        /// Without --input/--input-file: 8 fixed pseudo-random points with values in [-1, 1].
        #[command(flatten)]
        input: OptionalInputArg,
        #[command(flatten)]
        report: ReportArgs,
        /// Allowed deviation relative to the output's largest |Jacobian entry|, on top of
        /// the finite differences' own rounding error.
        #[arg(long, default_value_t = 1e-6, allow_negative_numbers = true)]
        tolerance: f64,
    },
    /// Saliency maps |d p(predicted class) / d pixel| of image classifiers, as one PNG.
    #[command(after_long_help = LAYOUTS)]
    Saliency {
        #[command(flatten)]
        model: ModelArg,
        #[command(flatten)]
        input: InputArg,
        /// Height and width of the images, as HxW (height·width must be the input count).
        #[arg(long, value_parser = parse_shape)]
        image_shape: (usize, usize),
        /// The PNG file to write.
        #[arg(long)]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
        threads: Option<u16>,
    },
}

#[derive(Args, Debug)]
pub struct ModelArg {
    /// The model: an .onnx file, or a MATLAB genFunction .m file.
    pub model: PathBuf,
    /// The ONNX graph output to differentiate (default: the first floating-point one).
    #[arg(long)]
    pub output: Option<String>,
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct InputArg {
    /// One point: n values separated by commas (or spaces, semicolons).
    #[arg(long, allow_hyphen_values = true, conflicts_with = "input_file")]
    pub input: Option<String>,
    /// A CSV file of points, one per line, or a .npy array of shape (n,) or (batch, n).
    #[arg(long)]
    pub input_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct OptionalInputArg {
    /// One point: n values separated by commas (or spaces, semicolons).
    #[arg(long, allow_hyphen_values = true, conflicts_with = "input_file")]
    pub input: Option<String>,
    /// A CSV file of points, one per line, or a .npy array of shape (n,) or (batch, n).
    #[arg(long)]
    pub input_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PointArgs {
    #[command(flatten)]
    pub model: ModelArg,
    #[command(flatten)]
    pub input: InputArg,
    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Args, Debug)]
pub struct ReportArgs {
    /// Output format: table, csv, json, or npy (needs --out).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Worker threads (default: all cores).
    #[arg(long, value_parser = clap::value_parser!(u16).range(1..))]
    pub threads: Option<u16>,
}

#[derive(Args, Debug)]
#[group(required = true, multiple = false)]
pub struct TangentArgs {
    /// The direction v, n values, used at every point.
    #[arg(long, allow_hyphen_values = true, conflicts_with = "tangent_file")]
    pub tangent: Option<String>,
    /// Directions, one per point (same formats as --input-file), or a single one for all.
    #[arg(long)]
    pub tangent_file: Option<PathBuf>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    Npy,
}

impl From<Format> for ReportFormat {
    fn from(f: Format) -> ReportFormat {
        match f {
            Format::Table => ReportFormat::Table,
            Format::Csv => ReportFormat::Csv,
            Format::Json => ReportFormat::Json,
            Format::Npy => ReportFormat::Npy,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum InfoFormat {
    Table,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "snake_case")]
pub enum Reduce {
    /// mean of |J|
    MeanAbs,
    /// mean of J
    Mean,
    /// root mean square of J
    Rms,
    /// largest |J|
    MaxAbs,
}

impl Reduce {
    pub fn name(self) -> &'static str {
        match self {
            Reduce::MeanAbs => "mean_abs",
            Reduce::Mean => "mean",
            Reduce::Rms => "rms",
            Reduce::MaxAbs => "max_abs",
        }
    }
}

fn parse_shape(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("`{s}` is not HxW (two positive whole numbers, like 28x28)");
    let (h, w) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let h: usize = h.trim().parse().map_err(|_| bad())?;
    let w: usize = w.trim().parse().map_err(|_| bad())?;
    if h == 0 || w == 0 {
        return Err(bad());
    }
    Ok((h, w))
}
