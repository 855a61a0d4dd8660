//! Differentiates a trained network and prints its outputs and Jacobian.
//!
//! With no arguments it loads the wine classifier shipped in `tests/data/onnx/` (a
//! scikit-learn MLP exported by skl2onnx) at the average wine, prints the class
//! probabilities, the Jacobian d p(class) / d feature as a labelled table, and its largest
//! deviation from central finite differences.
//!
//! ```text
//! cargo run --release --example jacobian
//! cargo run --release --example jacobian -- <model.onnx | net.m> [--input 0.1,0.2,...]
//!     [--input-file points.csv] [--output NAME] [--format table|json|csv]
//! ```
//! A `.m` file is read as a MATLAB `genFunction` export. With `--input-file`, every line of
//! the file is one point (numbers separated by commas, semicolons or spaces; `#` comments
//! are skipped, and a header line of column names is matched to the model's input labels),
//! or the file is a `.npy` array; the points run as batches with a progress bar on stderr.
//! Any error is one line on stderr and a non-zero exit status.
//!
//! The loading, the point readers, the formats and the batches are the `nngrad` command's
//! (`nngrad-cli/`), which does all this and more for people who do not write Rust.

use nngrad_cli::check::central_difference;
use nngrad_cli::model::{with_model, Job, Kind};
use nngrad_cli::points::{parse_numbers, read_points, Points};
use nngrad_cli::report::{Format, Names, Point, PointWriter, What};
use nngrad_core::Differentiable;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const DEFAULT_MODEL: &str = "tests/data/onnx/wine_mlp_relu_softmax_classifier/model.onnx";
const WINE_FEATURES: [&str; 13] = [
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280/od315",
    "proline",
];
/// The mean of the 178 wines (a point of the fixture). At the sample wines themselves the
/// classifier is certain, its probabilities saturate at 0 and 1 and the derivatives are
/// ~1e-9; between the classes they are large enough to be worth a look.
const WINE_SAMPLE: [f64; 13] = [
    13.000618, 2.3363483, 2.3665168, 19.494944, 99.74157, 2.2951124, 2.0292697, 0.36185393,
    1.5908989, 5.0580897, 0.95744944, 2.6116853, 746.89325,
];

const USAGE: &str = "usage: jacobian [<model.onnx | net.m>] [--input 0.1,0.2,...] \
                     [--input-file points.csv] [--output NAME] [--format table|json|csv]";

enum Source {
    Typed(Vec<f64>),
    File(PathBuf),
}

struct Args {
    /// `None`: the shipped wine classifier.
    model: Option<PathBuf>,
    points: Option<Source>,
    output: Option<String>,
    format: Format,
}

/// `Ok(None)` when the user asked for `--help`.
fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut parsed = Args {
        model: None,
        points: None,
        output: None,
        format: Format::Table,
    };
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--input" | "--input-file" if parsed.points.is_some() => {
                return Err("give the points once, with --input or --input-file".into())
            }
            "--input" => parsed.points = Some(Source::Typed(parse_numbers(&value()?)?)),
            "--input-file" => parsed.points = Some(Source::File(PathBuf::from(value()?))),
            "--output" => parsed.output = Some(value()?),
            "--format" => {
                parsed.format = match value()?.as_str() {
                    "table" => Format::Table,
                    "json" => Format::Json,
                    "csv" => Format::Csv,
                    other => {
                        return Err(format!("--format takes table, json or csv, not `{other}`"))
                    }
                }
            }
            "-h" | "--help" => return Ok(None),
            flag if flag.starts_with('-') && flag.parse::<f64>().is_err() => {
                return Err(format!("unknown option `{flag}` (see --help)"))
            }
            path if parsed.model.is_none() => parsed.model = Some(PathBuf::from(path)),
            extra => return Err(format!("unexpected argument `{extra}` (see --help)")),
        }
    }
    Ok(Some(parsed))
}

fn run(args: Args) -> Result<(), String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = args
        .model
        .clone()
        .unwrap_or_else(|| root.join(DEFAULT_MODEL));
    // As the user typed it, or the shipped model relative to the repository.
    let shown = match &args.model {
        Some(path) => path.display().to_string(),
        None => DEFAULT_MODEL.to_string(),
    };
    let output = args.output.clone();
    with_model(&model, output.as_deref(), Report { args, shown })
}

/// The example's work on a loaded model of any kind.
struct Report {
    args: Args,
    shown: String,
}

impl Job for Report {
    type Output = ();

    fn run<M: Differentiable + Sync>(self, net: &M, _: Kind<'_>) -> Result<(), String> {
        let Report { args, shown } = self;
        let n = net.input_len();
        let m = net.output_len();
        let points = match (args.points, &args.model) {
            (Some(Source::Typed(x)), _) => {
                if x.len() != n {
                    return Err(format!(
                        "point 1 has {} values but the model takes {n} inputs",
                        x.len()
                    ));
                }
                Points {
                    width: n,
                    values: x,
                    lines: None,
                }
            }
            (Some(Source::File(path)), _) => read_points(&path, &net.input_labels())?,
            (None, None) => Points {
                width: n,
                values: WINE_SAMPLE.to_vec(),
                lines: None,
            },
            (None, Some(_)) => {
                return Err(format!(
                    "the model takes {n} inputs: give them with --input v1,v2,... or \
                     --input-file points.csv"
                ))
            }
        };
        let names = Names {
            model: shown,
            inputs: match args.model {
                None => WINE_FEATURES.iter().map(|s| s.to_string()).collect(),
                Some(_) => net.input_labels(),
            },
            outputs: net.output_labels(),
        };
        let k = points.len();
        let table = args.format == Format::Table;
        let io = |e: std::io::Error| {
            // The reader has gone (`| head`): stop quietly, as Unix tools do.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            format!("cannot write the output: {e}")
        };
        let stdout = std::io::BufWriter::new(std::io::stdout().lock());
        let mut report =
            PointWriter::new(stdout, What::Jacobian, args.format, names, k).map_err(io)?;
        let mut worst = (0.0f64, 0.0f64);
        nngrad_cli::blocks::in_blocks(k, |range| {
            let xs = &points.values[range.start * n..range.end * n];
            let (ys, js) = net.jacobian_batch(xs).map_err(|e| match e {
                // Number the points from 1, as the rest of the example does.
                nngrad_core::BatchError::Point { index, source } => {
                    format!("{}: {source}", points.describe(range.start + index))
                }
                e => e.to_string(),
            })?;
            for (q, p) in range.enumerate() {
                let x = points.point(p);
                let j = &js[q * m * n..(q + 1) * m * n];
                let y = &ys[q * m..(q + 1) * m];
                let point = Point {
                    x,
                    y,
                    tangent: &[],
                    d: j,
                };
                report.point(&point).map_err(io)?;
                if table {
                    let fd = central_difference(net, x).map_err(|e| e.to_string())?;
                    let gap = j
                        .iter()
                        .zip(&fd)
                        .fold(0.0f64, |g, (a, b)| g.max((a - b).abs()));
                    let scale = j.iter().fold(0.0f64, |s, v| s.max(v.abs()));
                    worst = (worst.0.max(gap), worst.1.max(scale));
                    let out = report.text().expect("a table is text");
                    writeln!(
                        out,
                        "largest |J - central finite difference| = {gap:.2e} (largest |J| = {scale:.2e})"
                    )
                    .map_err(io)?;
                }
            }
            Ok(())
        })?;
        if table && k > 1 {
            let out = report.text().expect("a table is text");
            writeln!(
                out,
                "over all {k} points: largest deviation {:.2e}, largest |J| {:.2e}",
                worst.0, worst.1
            )
            .map_err(io)?;
        }
        report.finish().map_err(io).map(|_| ())
    }
}

fn main() -> ExitCode {
    let result = match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => run(args),
        Ok(None) => {
            println!("{USAGE}");
            Ok(())
        }
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
