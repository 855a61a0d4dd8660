//! The subcommands: one generic job over `M: Differentiable` walks the points for forward,
//! jacobian, jvp, sensitivity, check and saliency; the model kind is chosen once, at load.

use crate::cli::{Cli, Command, Format, InfoFormat, ModelArg, Reduce, ReportArgs};
use crate::info;
use crate::run::{batch_error, Destination, Outcome};
use clap::CommandFactory;
use nngrad_cli::blocks::in_blocks;
use nngrad_cli::check::{central_difference, step};
use nngrad_cli::model::{with_model, Job, Kind};
use nngrad_cli::points::{parse_numbers, read_points, Points};
use nngrad_cli::report::{self, json_number, json_string, Names, Point, PointWriter, What};
use nngrad_cli::saliency::{argmax, grid_png, Tile};
use nngrad_core::Differentiable;
use std::io::Write;
use std::path::PathBuf;

/// Where the points come from.
enum Source {
    Typed(String),
    File(PathBuf),
    /// `check` without points: fixed pseudo-random ones.
    Default,
}

enum Task {
    Forward,
    Jacobian,
    Jvp(Source),
    Sensitivity(Reduce),
    Check(f64),
    Saliency((usize, usize)),
}

/// A command over the model's points.
struct Walk {
    model: String,
    points: Source,
    format: Format,
    out: Option<PathBuf>,
    task: Task,
}

fn usage_error(message: &str) -> ! {
    Cli::command()
        .error(clap::error::ErrorKind::ArgumentConflict, message)
        .exit()
}

fn source(input: Option<String>, file: Option<PathBuf>) -> Source {
    match (input, file) {
        (Some(text), _) => Source::Typed(text),
        (None, Some(path)) => Source::File(path),
        (None, None) => Source::Default,
    }
}

pub fn dispatch(cli: Cli) -> Result<Outcome, String> {
    let (model, points, report, task) = match cli.command {
        Command::Info { model, format } => {
            return info::show(&model, format == InfoFormat::Json).map(|()| Outcome::Done)
        }
        Command::Forward(a) => (a.model, a.input.into(), a.report, Task::Forward),
        Command::Jacobian(a) => (a.model, a.input.into(), a.report, Task::Jacobian),
        Command::Jvp { points, tangent } => (
            points.model,
            points.input.into(),
            points.report,
            Task::Jvp(source(tangent.tangent, tangent.tangent_file)),
        ),
        Command::Sensitivity { points, reduce } => (
            points.model,
            points.input.into(),
            points.report,
            Task::Sensitivity(reduce),
        ),
        Command::Check {
            model,
            input,
            report,
            tolerance,
        } => {
            if report.format == Format::Npy {
                usage_error("check writes --format table, csv or json");
            }
            if tolerance.is_nan() || tolerance < 0.0 {
                usage_error("--tolerance must be a number >= 0");
            }
            let points = source(input.input, input.input_file);
            (model, points, report, Task::Check(tolerance))
        }
        Command::Saliency {
            model,
            input,
            image_shape,
            out,
            threads,
        } => {
            let report = ReportArgs {
                format: Format::Table,
                out: Some(out),
                threads,
            };
            (model, input.into(), report, Task::Saliency(image_shape))
        }
    };
    if report.format == Format::Npy && report.out.is_none() {
        usage_error("--format npy writes a binary file: give it with --out FILE");
    }
    let ModelArg {
        model: path,
        output,
    } = model;
    let walk = Walk {
        model: path.display().to_string(),
        points,
        format: report.format,
        out: report.out,
        task,
    };
    let go = || with_model(&path, output.as_deref(), walk);
    match report.threads {
        None => go(),
        Some(n) => rayon::ThreadPoolBuilder::new()
            .num_threads(usize::from(n))
            .build()
            .map_err(|e| format!("cannot start {n} threads: {e}"))?
            .install(go),
    }
}

impl From<crate::cli::InputArg> for Source {
    fn from(a: crate::cli::InputArg) -> Source {
        source(a.input, a.input_file)
    }
}

/// Reads the points of `source` for a model with inputs `labels`; `what` names them in
/// messages (`--input`, `--tangent`).
fn load_points(source: &Source, labels: &[String], what: &str) -> Result<(Points, String), String> {
    let n = labels.len();
    match source {
        Source::Typed(text) => {
            let values = parse_numbers(text).map_err(|e| format!("{what}: {e}"))?;
            if values.len() != n {
                return Err(format!(
                    "{what} has {} values but the model takes {n} inputs ({})",
                    values.len(),
                    span(labels)
                ));
            }
            Ok((
                Points {
                    width: n,
                    values,
                    lines: None,
                },
                what.to_string(),
            ))
        }
        Source::File(path) => Ok((read_points(path, labels)?, path.display().to_string())),
        Source::Default => {
            // A fixed linear congruential sequence: the same points on every run and machine.
            let mut state: u64 = 0x2545_f491_4f6c_dd1d;
            let values = (0..8 * n)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1_442_695_040_888_963_407);
                    (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
                })
                .collect();
            Ok((
                Points {
                    width: n,
                    values,
                    lines: None,
                },
                "the default points".into(),
            ))
        }
    }
}

/// `X[0] … X[12]`: the first and last labels.
fn span(labels: &[String]) -> String {
    match labels {
        [] => "none".into(),
        [one] => one.clone(),
        [first, .., last] => format!("{first} … {last}"),
    }
}

impl Job for Walk {
    type Output = Outcome;

    fn run<M: Differentiable + Sync>(self, model: &M, kind: Kind<'_>) -> Result<Outcome, String> {
        let (n, m) = (model.input_len(), model.output_len());
        let names = Names {
            model: self.model.clone(),
            inputs: model.input_labels(),
            outputs: model.output_labels(),
        };
        if let Kind::Onnx(onnx) = kind {
            // output_len is 0 for such a model: refused rather than written as empty tables
            if onnx.output_is_dynamic() {
                return Err(format!(
                    "{}: output '{}' has a length that depends on the input's values (a Range \
                     or OneHot the input feeds), and the command line writes one fixed-width \
                     table for all points; the library's Model::forward and Model::jacobian \
                     return each point's own length",
                    self.model,
                    onnx.output_name()
                ));
            }
            if onnx.output_is_integer() && !matches!(self.task, Task::Forward) {
                return Err(format!(
                    "{}: output '{}' is integer-valued, hence not differentiable; choose \
                     another with --output (outputs: {})",
                    self.model,
                    onnx.output_name(),
                    onnx.output_names().join(", ")
                ));
            }
        }
        let (points, from) = load_points(&self.points, &names.inputs, "--input")?;
        let k = points.len();
        let (mut dest, out) = Destination::open(self.out.as_deref())?;
        let werr = |e: std::io::Error, dest: &Destination| dest.write_error(e);
        let what = match self.task {
            Task::Forward => What::Forward,
            Task::Jacobian => What::Jacobian,
            Task::Jvp(_) => What::Jvp,
            Task::Sensitivity(reduce) => {
                let mut acc = vec![0.0; m * n];
                let done = in_blocks(k, |r| {
                    let xs = &points.values[r.start * n..r.end * n];
                    let (_, js) = model
                        .jacobian_batch(xs)
                        .map_err(|e| batch_error(e, r.start, &points, &from))?;
                    for j in js.chunks(m * n) {
                        for (a, v) in acc.iter_mut().zip(j) {
                            match reduce {
                                Reduce::MeanAbs => *a += v.abs(),
                                Reduce::Mean => *a += v,
                                Reduce::Rms => *a += v * v,
                                Reduce::MaxAbs => *a = a.max(v.abs()),
                            }
                        }
                    }
                    Ok(())
                })?;
                if done < k {
                    return Ok(dest.interrupted(done, k));
                }
                for a in &mut acc {
                    *a = match reduce {
                        Reduce::MeanAbs | Reduce::Mean => *a / k as f64,
                        Reduce::Rms => (*a / k as f64).sqrt(),
                        Reduce::MaxAbs => *a,
                    };
                }
                let extra = format!("\"reduce\":\"{}\",\"points\":{k}", reduce.name());
                let key = format!("sensitivity ({} over {k} points)", reduce.name());
                let key = if self.format == Format::Table {
                    &key
                } else {
                    "sensitivity"
                };
                report::write_matrix(out, self.format.into(), &names, key, &extra, &acc)
                    .map_err(|e| werr(e, &dest))?;
                dest.complete();
                return Ok(Outcome::Done);
            }
            Task::Check(tolerance) => {
                let mut checks = vec![Deviation::default(); m];
                let done = in_blocks(k, |r| {
                    let xs = &points.values[r.start * n..r.end * n];
                    let (ys, js) = model
                        .jacobian_batch(xs)
                        .map_err(|e| batch_error(e, r.start, &points, &from))?;
                    for q in 0..r.len() {
                        let p = r.start + q;
                        let x = points.point(p);
                        let fd = central_difference(model, x).map_err(|e| {
                            format!("{from}, {}, finite differences: {e}", points.describe(p))
                        })?;
                        let j = &js[q * m * n..(q + 1) * m * n];
                        for (i, c) in checks.iter_mut().enumerate() {
                            let y = ys[q * m + i].abs();
                            for (jj, xj) in x.iter().enumerate() {
                                let (a, b) = (j[i * n + jj], fd[i * n + jj]);
                                c.add(a, b, y, step(*xj), p, jj);
                            }
                        }
                    }
                    Ok(())
                })?;
                if done < k {
                    return Ok(dest.interrupted(done, k));
                }
                let failed = write_checks(out, self.format, &names, k, tolerance, &checks)
                    .map_err(|e| werr(e, &dest))?;
                dest.complete();
                return match failed {
                    None => Ok(Outcome::Done),
                    Some(i) => {
                        let c = &checks[i];
                        Err(format!(
                            "{}: the Jacobian of {} differs from central finite differences \
                             by {:.3e} at {}, input {} (allowed {:.3e})",
                            self.model,
                            names.outputs[i],
                            c.error,
                            points.describe(c.point),
                            names.inputs[c.input],
                            c.allowed(tolerance)
                        ))
                    }
                };
            }
            Task::Saliency((height, width)) => {
                if height * width != n {
                    return Err(format!(
                        "--image-shape {height}x{width} is {} pixels, the model takes {n} inputs",
                        height * width
                    ));
                }
                let mut found: Vec<(usize, f64, Vec<f64>)> = Vec::with_capacity(k);
                let done = in_blocks(k, |r| {
                    let xs = &points.values[r.start * n..r.end * n];
                    let (ys, js) = model
                        .jacobian_batch(xs)
                        .map_err(|e| batch_error(e, r.start, &points, &from))?;
                    for q in 0..r.len() {
                        let y = &ys[q * m..(q + 1) * m];
                        let class = argmax(y);
                        let row = (q * m + class) * n;
                        found.push((class, y[class], js[row..row + n].to_vec()));
                    }
                    Ok(())
                })?;
                if done < k {
                    return Ok(dest.interrupted(done, k));
                }
                let tiles: Vec<Tile> = found
                    .iter()
                    .enumerate()
                    .map(|(p, (class, _, g))| Tile {
                        image: points.point(p),
                        gradient: g,
                        label: *class,
                    })
                    .collect();
                let mut out = out;
                out.write_all(&grid_png(&tiles, height, width))
                    .and_then(|()| out.flush())
                    .map_err(|e| werr(e, &dest))?;
                dest.complete();
                let mut text = std::io::stdout().lock();
                for (p, (class, y, g)) in found.iter().enumerate() {
                    let peak = g.iter().fold(0.0f64, |a, v| a.max(v.abs()));
                    writeln!(
                        text,
                        "image {}: predicted {class} ({} = {y:.4}), max |d/dpixel| = {peak:.3e}",
                        p + 1,
                        names.outputs[*class]
                    )
                    .map_err(|e| werr(e, &Destination::stdout()))?;
                }
                writeln!(text, "wrote {}", dest.name())
                    .map_err(|e| werr(e, &Destination::stdout()))?;
                return Ok(Outcome::Done);
            }
        };
        let tangents = match &self.task {
            Task::Jvp(t) => {
                let (v, vfrom) = load_points(t, &names.inputs, "--tangent")?;
                match v.len() {
                    1 => v.values.repeat(k),
                    count if count == k => v.values,
                    count => {
                        return Err(format!(
                            "{vfrom}: {count} tangents for {k} points (give one for all, or \
                             one per point)"
                        ))
                    }
                }
            }
            _ => Vec::new(),
        };
        let mut w = PointWriter::new(out, what, self.format.into(), names, k)
            .map_err(|e| werr(e, &dest))?;
        let done = in_blocks(k, |r| {
            let xs = &points.values[r.start * n..r.end * n];
            let fail = |e| batch_error(e, r.start, &points, &from);
            let (ys, ds) = match what {
                What::Forward => (model.forward_batch(xs).map_err(fail)?, Vec::new()),
                What::Jacobian => model.jacobian_batch(xs).map_err(fail)?,
                What::Jvp => model
                    .jvp_batch(xs, &tangents[r.start * n..r.end * n])
                    .map_err(fail)?,
            };
            let per = match what {
                What::Forward => 0,
                What::Jacobian => m * n,
                What::Jvp => m,
            };
            for q in 0..r.len() {
                let p = r.start + q;
                let tangent = if what == What::Jvp {
                    &tangents[p * n..(p + 1) * n]
                } else {
                    &[]
                };
                w.point(&Point {
                    x: points.point(p),
                    y: &ys[q * m..(q + 1) * m],
                    tangent,
                    d: &ds[q * per..(q + 1) * per],
                })
                .map_err(|e| werr(e, &dest))?;
            }
            Ok(())
        })?;
        if done < k {
            return Ok(dest.interrupted(done, k));
        }
        w.finish().map_err(|e| werr(e, &dest))?;
        dest.complete();
        Ok(Outcome::Done)
    }
}

/// The worst deviation of one output's Jacobian entries from central differences.
#[derive(Clone, Default)]
struct Deviation {
    /// max |J − FD|, and where.
    error: f64,
    point: usize,
    input: usize,
    /// max |J|.
    scale: f64,
    /// The largest rounding error of the differences, bounded by `ROUNDING · |y| / h`.
    noise: f64,
}

/// A network's f64 evaluation carries rounding errors of some hundred ulps of its output;
/// divided by the step they bound the error of a difference quotient.
const ROUNDING: f64 = 100.0 * f64::EPSILON;

impl Deviation {
    fn add(&mut self, j: f64, fd: f64, y: f64, h: f64, point: usize, input: usize) {
        let e = (j - fd).abs();
        if e > self.error || e.is_nan() {
            (self.error, self.point, self.input) = (e, point, input);
        }
        self.scale = self.scale.max(j.abs());
        self.noise = self.noise.max(ROUNDING * y / h);
    }

    fn allowed(&self, tolerance: f64) -> f64 {
        tolerance * self.scale + self.noise
    }

    fn ok(&self, tolerance: f64) -> bool {
        self.error <= self.allowed(tolerance)
    }
}

/// Writes the check's report; returns the first output that failed it.
fn write_checks(
    mut out: Box<dyn Write>,
    format: Format,
    names: &Names,
    k: usize,
    tolerance: f64,
    checks: &[Deviation],
) -> std::io::Result<Option<usize>> {
    let verdict = |c: &Deviation| if c.ok(tolerance) { "ok" } else { "MISMATCH" };
    match format {
        Format::Table | Format::Npy => {
            writeln!(out, "model: {}", names.model)?;
            writeln!(
                out,
                "Jacobian against central finite differences at {k} point(s), tolerance {tolerance:e}:"
            )?;
            let left = names
                .outputs
                .iter()
                .map(String::len)
                .max()
                .unwrap_or(0)
                .max(6);
            writeln!(
                out,
                "  {:<left$} {:>13} {:>13} {:>13}  {:>6} {:<10} verdict",
                "output", "max|J-FD|", "max|J|", "allowed", "point", "input"
            )?;
            for (name, c) in names.outputs.iter().zip(checks) {
                writeln!(
                    out,
                    "  {name:<left$} {:>13.3e} {:>13.3e} {:>13.3e}  {:>6} {:<10} {}",
                    c.error,
                    c.scale,
                    c.allowed(tolerance),
                    c.point + 1,
                    names.inputs[c.input],
                    verdict(c)
                )?;
            }
        }
        Format::Csv => {
            writeln!(
                out,
                "output,max_abs_error,max_abs_jacobian,allowed,point,input,ok"
            )?;
            for (name, c) in names.outputs.iter().zip(checks) {
                writeln!(
                    out,
                    "{},{:?},{:?},{:?},{},{},{}",
                    report::csv_field(name),
                    c.error,
                    c.scale,
                    c.allowed(tolerance),
                    c.point + 1,
                    report::csv_field(&names.inputs[c.input]),
                    c.ok(tolerance)
                )?;
            }
        }
        Format::Json => {
            let items: Vec<String> = names
                .outputs
                .iter()
                .zip(checks)
                .map(|(name, c)| {
                    format!(
                        "{{\"output\":{},\"max_abs_error\":{},\"max_abs_jacobian\":{},\
                         \"allowed\":{},\"point\":{},\"input\":{},\"ok\":{}}}",
                        json_string(name),
                        json_number(c.error),
                        json_number(c.scale),
                        json_number(c.allowed(tolerance)),
                        c.point + 1,
                        json_string(&names.inputs[c.input]),
                        c.ok(tolerance)
                    )
                })
                .collect();
            writeln!(
                out,
                "{{\"model\":{},\"points\":{k},\"tolerance\":{},\"checks\":[{}]}}",
                json_string(&names.model),
                json_number(tolerance),
                items.join(",")
            )?;
        }
    }
    out.flush()?;
    Ok(checks.iter().position(|c| !c.ok(tolerance)))
}
