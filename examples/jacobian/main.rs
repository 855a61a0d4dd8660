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
//! and a header line of column names are skipped), and the points run as a batch with a
//! progress bar on stderr. Any error is one line on stderr and a non-zero exit status.

mod net;
mod report;

use nalgebra::DMatrix;
use nngrad_core::Differentiable;
use report::Point;
use std::io::{IsTerminal, Write};
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

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Table,
    Json,
    Csv,
}

struct Args {
    /// `None`: the shipped wine classifier.
    model: Option<PathBuf>,
    points: Option<Vec<Vec<f64>>>,
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
            "--input" => parsed.points = Some(vec![parse_numbers(&value()?)?]),
            "--input-file" => parsed.points = Some(read_points(Path::new(&value()?))?),
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

fn parse_numbers(text: &str) -> Result<Vec<f64>, String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(|t| {
            t.parse::<f64>()
                .map_err(|_| format!("`{t}` is not a number"))
        })
        .collect()
}

fn read_points(path: &Path) -> Result<Vec<Vec<f64>>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut points = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match parse_numbers(line) {
            Ok(point) => points.push(point),
            // Spreadsheets export a line of column names first.
            Err(_) if points.is_empty() && line.starts_with(char::is_alphabetic) => {}
            Err(e) => return Err(format!("{}:{}: {e}", path.display(), number + 1)),
        }
    }
    if points.is_empty() {
        return Err(format!("{}: no points in the file", path.display()));
    }
    Ok(points)
}

/// Points per `jacobian_batch` call: large enough to keep every core busy, small enough
/// that the progress bar moves and the first results print early.
const BLOCK: usize = 256;

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
    net::with_model(&model, output.as_deref(), Report { args, shown })
}

/// The example's work on a loaded model of any kind.
struct Report {
    args: Args,
    shown: String,
}

impl net::Job for Report {
    fn run<M: Differentiable + Sync>(self, net: &M) -> Result<(), String> {
        let Report { args, shown } = self;
        let n = net.input_len();
        let points = match (args.points, &args.model) {
            (Some(points), _) => points,
            (None, None) => vec![WINE_SAMPLE.to_vec()],
            (None, Some(_)) => {
                return Err(format!(
                    "the model takes {n} inputs: give them with --input v1,v2,... or \
                     --input-file points.csv"
                ))
            }
        };
        // Check every point before the first is evaluated, so a batch fails fast and whole.
        if let Some((p, x)) = points.iter().enumerate().find(|(_, x)| x.len() != n) {
            return Err(format!(
                "point {} has {} values but the model takes {n} inputs",
                p + 1,
                x.len()
            ));
        }
        let inputs: Vec<String> = match args.model {
            None => WINE_FEATURES.iter().map(|s| s.to_string()).collect(),
            Some(_) => net.input_labels(),
        };
        let outputs = net.output_labels();
        let m = outputs.len();

        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let progress = points.len() > 1 && std::io::stderr().is_terminal();
        let io = |e: std::io::Error| {
            // The reader has gone (`| head`): stop quietly, as Unix tools do.
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
            format!("cannot write the output: {e}")
        };
        match args.format {
            Format::Table => writeln!(out, "model: {shown}").map_err(io)?,
            Format::Json => report::json_start(&mut out, &shown, &inputs, &outputs).map_err(io)?,
            Format::Csv => report::csv_header(&mut out, &inputs).map_err(io)?,
        }
        let mut worst = (0.0f64, 0.0f64);
        for (b, block) in points.chunks(BLOCK).enumerate() {
            let xs: Vec<f64> = block.concat();
            let (ys, js) = net.jacobian_batch(&xs).map_err(|e| match e {
                // Number the points from 1, as the rest of the example does.
                nngrad_core::BatchError::Point { index, source } => {
                    format!("point {}: {source}", b * BLOCK + index + 1)
                }
                e => e.to_string(),
            })?;
            for (q, x) in block.iter().enumerate() {
                let p = b * BLOCK + q;
                let y = &ys[q * m..(q + 1) * m];
                let j = DMatrix::from_row_slice(m, n, &js[q * m * n..(q + 1) * m * n]);
                let point = Point { x, y, j: &j };
                match args.format {
                    Format::Table => {
                        if points.len() > 1 {
                            writeln!(out, "== point {} ==", p + 1).map_err(io)?;
                        }
                        report::table(&mut out, &inputs, &outputs, &point).map_err(io)?;
                        let gap = net::finite_difference_gap(net, x, &j)?;
                        let scale = j.amax();
                        worst = (worst.0.max(gap), worst.1.max(scale));
                        writeln!(
                            out,
                            "largest |J - central finite difference| = {gap:.2e} (largest |J| = {scale:.2e})"
                        )
                        .map_err(io)?;
                    }
                    Format::Json => {
                        report::json_point(&mut out, &point, p + 1 == points.len()).map_err(io)?
                    }
                    Format::Csv => {
                        report::csv_point(&mut out, p + 1, &outputs, &point).map_err(io)?
                    }
                }
            }
            if progress {
                let (done, width) = ((b * BLOCK + block.len()), 30);
                let filled = done * width / points.len();
                eprint!(
                    "\r[{}{}] {done}/{}",
                    "=".repeat(filled),
                    " ".repeat(width - filled),
                    points.len()
                );
            }
        }
        if progress {
            eprintln!();
        }
        match args.format {
            Format::Json => report::json_end(&mut out).map_err(io)?,
            Format::Table if points.len() > 1 => writeln!(
                out,
                "over all {} points: largest deviation {:.2e}, largest |J| {:.2e}",
                points.len(),
                worst.0,
                worst.1
            )
            .map_err(io)?,
            _ => {}
        }
        out.flush().map_err(io)
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
