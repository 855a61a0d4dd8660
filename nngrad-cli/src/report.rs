//! The output formats: a table for people; CSV, JSON and `.npy` for programs.
//!
//! Layouts (the same in `nngrad --help` and the README), for `k` points, `m` outputs and `n`
//! inputs, labels from the model (`X[0]`, `probabilities[2]`, `x1[3]`, …):
//!
//! | what | CSV | JSON | `.npy` |
//! |---|---|---|---|
//! | forward | `point,<output labels>`, a line per point | `points: [{input, output}]` | `(k, m)` outputs |
//! | jacobian | `point,output,value,d/d<input label>…`: a line per point and output, a column per input | `points: [{input, output, jacobian: [m rows of n]}]` | `(k, m, n)` Jacobians |
//! | jvp | `point,output,value,jvp`: a line per point and output | `points: [{input, tangent, output, jvp}]` | `(k, m)` J·v |
//! | sensitivity | `output,d/d<input label>…`: a line per output | `sensitivity: [m rows of n]` | `(m, n)` |
//!
//! Every JSON document starts `{"model": …, "inputs": [n labels], "outputs": [m labels], …`.
//! Points are numbered from 1. Numbers are written as the shortest decimal that reads back
//! to the same f64; JSON has no NaN or infinity, so those are `null` there.
//!
//! JSON and CSV are written by hand: a few lines here beat a serialisation dependency.

use npyz::WriterBuilder;
use std::io::{self, Write};

/// An output format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Aligned columns, for reading.
    Table,
    /// Comma-separated values with a header line.
    Csv,
    /// One JSON document.
    Json,
    /// A NumPy `.npy` array of f64.
    Npy,
}

/// What is being reported, per point.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum What {
    /// Outputs.
    Forward,
    /// Outputs and Jacobians.
    Jacobian,
    /// Outputs and Jacobian-vector products.
    Jvp,
}

/// The labels that head every format.
#[derive(Clone, Debug)]
pub struct Names {
    /// The model file as the user named it.
    pub model: String,
    /// One label per input value.
    pub inputs: Vec<String>,
    /// One label per output value.
    pub outputs: Vec<String>,
}

/// One evaluated point.
#[derive(Clone, Copy, Debug)]
pub struct Point<'a> {
    /// The input (`n` values).
    pub x: &'a [f64],
    /// The outputs (`m` values).
    pub y: &'a [f64],
    /// For [`What::Jvp`], the tangent (`n` values); empty otherwise.
    pub tangent: &'a [f64],
    /// For [`What::Jacobian`], the `m×n` Jacobian row-major; for [`What::Jvp`], `J·v`
    /// (`m` values); empty for [`What::Forward`].
    pub d: &'a [f64],
}

enum Sink<W: Write> {
    Text(W),
    Npy(npyz::NpyWriter<f64, W>),
}

/// Writes points as they are computed, in one [`Format`], so no format needs them all in
/// memory.
///
/// ```
/// use nngrad_cli::report::{Format, Names, Point, PointWriter, What};
/// let names = Names { model: "m.onnx".into(), inputs: vec!["a".into(), "b".into()],
///                     outputs: vec!["y".into()] };
/// let mut w = PointWriter::new(Vec::new(), What::Jacobian, Format::Csv, names, 1)?;
/// w.point(&Point { x: &[1.0, 2.0], y: &[3.0], tangent: &[], d: &[0.5, -1.0] })?;
/// let text = String::from_utf8(w.finish()?.unwrap()).unwrap();
/// assert_eq!(text, "point,output,value,d/da,d/db\n1,y,3.0,0.5,-1.0\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct PointWriter<W: Write> {
    what: What,
    format: Format,
    names: Names,
    sink: Sink<W>,
    total: usize,
    written: usize,
}

impl<W: Write> PointWriter<W> {
    /// Starts the report of `total` points of `what` in `format` on `out` (the header, the
    /// JSON opening, the `.npy` header).
    ///
    /// # Errors
    /// Those of writing to `out`.
    ///
    /// ```
    /// use nngrad_cli::report::{Format, Names, PointWriter, What};
    /// let names = Names { model: "m".into(), inputs: vec!["a".into()], outputs: vec!["y".into()] };
    /// let w = PointWriter::new(Vec::new(), What::Forward, Format::Csv, names, 0)?;
    /// assert_eq!(w.finish()?.unwrap(), b"point,y\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn new(
        mut out: W,
        what: What,
        format: Format,
        names: Names,
        total: usize,
    ) -> io::Result<Self> {
        let (n, m) = (names.inputs.len() as u64, names.outputs.len() as u64);
        let sink = match format {
            Format::Npy => {
                let k = total as u64;
                let shape = match what {
                    What::Jacobian => vec![k, m, n],
                    What::Forward | What::Jvp => vec![k, m],
                };
                Sink::Npy(
                    npyz::WriteOptions::new()
                        .default_dtype()
                        .shape(&shape)
                        .writer(out)
                        .begin_nd()?,
                )
            }
            Format::Table => {
                writeln!(out, "model: {}", names.model)?;
                if what == What::Forward {
                    write!(out, "{:>8}", "point")?;
                    for name in &names.outputs {
                        write!(out, " {:>w$}", name, w = column(&names.outputs))?;
                    }
                    writeln!(out)?;
                }
                Sink::Text(out)
            }
            Format::Csv => {
                match what {
                    What::Forward => writeln!(out, "point,{}", csv_row(&names.outputs))?,
                    What::Jacobian => writeln!(out, "point,output,value,{}", d_by(&names.inputs))?,
                    What::Jvp => writeln!(out, "point,output,value,jvp")?,
                }
                Sink::Text(out)
            }
            Format::Json => {
                json_head(&mut out, &names)?;
                writeln!(out, ",\"points\":[")?;
                Sink::Text(out)
            }
        };
        Ok(PointWriter {
            what,
            format,
            names,
            sink,
            total,
            written: 0,
        })
    }

    /// Writes the next point.
    ///
    /// # Errors
    /// Those of writing to the output.
    ///
    /// ```
    /// use nngrad_cli::report::{Format, Names, Point, PointWriter, What};
    /// let names = Names { model: "m".into(), inputs: vec!["a".into()], outputs: vec!["y".into()] };
    /// let mut w = PointWriter::new(Vec::new(), What::Jvp, Format::Json, names, 1)?;
    /// w.point(&Point { x: &[1.0], y: &[2.0], tangent: &[1.0], d: &[4.0] })?;
    /// let text = String::from_utf8(w.finish()?.unwrap()).unwrap();
    /// assert!(text.contains(r#"{"input":[1.0],"tangent":[1.0],"output":[2.0],"jvp":[4.0]}"#));
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn point(&mut self, p: &Point) -> io::Result<()> {
        self.written += 1;
        let number = self.written;
        let last = number == self.total;
        let (names, what) = (&self.names, self.what);
        let n = names.inputs.len();
        match (&mut self.sink, self.format) {
            (Sink::Npy(w), _) => {
                let data = if what == What::Forward { p.y } else { p.d };
                w.extend(data.iter().copied())
            }
            (Sink::Text(out), Format::Table) => match what {
                What::Forward => {
                    write!(out, "{number:>8}")?;
                    for v in p.y {
                        write!(out, " {:>w$}", number_text(*v), w = column(&names.outputs))?;
                    }
                    writeln!(out)
                }
                What::Jacobian => {
                    if self.total > 1 {
                        writeln!(out, "== point {number} ==")?;
                    }
                    table(out, names, p)
                }
                What::Jvp => {
                    if self.total > 1 {
                        writeln!(out, "== point {number} ==")?;
                    }
                    let left = column(&names.outputs).max(6);
                    writeln!(out, "  {:<left$} {:>14} {:>14}", "output", "value", "J·v")?;
                    for ((name, y), d) in names.outputs.iter().zip(p.y).zip(p.d) {
                        writeln!(out, "  {name:<left$} {:>14} {:>14.6e}", number_text(*y), d)?;
                    }
                    Ok(())
                }
            },
            (Sink::Text(out), Format::Csv) => match what {
                What::Forward => writeln!(out, "{number},{}", csv_numbers(p.y)),
                What::Jacobian => {
                    for (i, (name, y)) in names.outputs.iter().zip(p.y).enumerate() {
                        let row = csv_numbers(&p.d[i * n..(i + 1) * n]);
                        writeln!(out, "{number},{},{y:?},{row}", csv_field(name))?;
                    }
                    Ok(())
                }
                What::Jvp => {
                    for ((name, y), d) in names.outputs.iter().zip(p.y).zip(p.d) {
                        writeln!(out, "{number},{},{y:?},{d:?}", csv_field(name))?;
                    }
                    Ok(())
                }
            },
            (Sink::Text(out), _) => {
                let body = match what {
                    What::Forward => format!(
                        "{{\"input\":{},\"output\":{}}}",
                        json_numbers(p.x),
                        json_numbers(p.y)
                    ),
                    What::Jacobian => format!(
                        "{{\"input\":{},\"output\":{},\"jacobian\":{}}}",
                        json_numbers(p.x),
                        json_numbers(p.y),
                        json_rows(p.d, n)
                    ),
                    What::Jvp => format!(
                        "{{\"input\":{},\"tangent\":{},\"output\":{},\"jvp\":{}}}",
                        json_numbers(p.x),
                        json_numbers(p.tangent),
                        json_numbers(p.y),
                        json_numbers(p.d)
                    ),
                };
                writeln!(out, "{body}{}", if last { "" } else { "," })
            }
        }
    }

    /// The text output, to add lines of one's own between points (`None` for `.npy`).
    ///
    /// ```
    /// use nngrad_cli::report::{Format, Names, PointWriter, What};
    /// let names = Names { model: "m".into(), inputs: vec![], outputs: vec![] };
    /// let mut w = PointWriter::new(Vec::new(), What::Forward, Format::Table, names, 0)?;
    /// assert!(w.text().is_some());
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn text(&mut self) -> Option<&mut W> {
        match &mut self.sink {
            Sink::Text(out) => Some(out),
            Sink::Npy(_) => None,
        }
    }

    /// Closes the report (the JSON closing, the `.npy` check that every point came) and
    /// flushes it; gives back the text output (`None` for `.npy`).
    ///
    /// # Errors
    /// Those of writing; for `.npy`, fewer points written than announced.
    ///
    /// ```
    /// use nngrad_cli::report::{Format, Names, PointWriter, What};
    /// let names = Names { model: "m".into(), inputs: vec![], outputs: vec![] };
    /// let w = PointWriter::new(Vec::new(), What::Forward, Format::Json, names, 0)?;
    /// assert_eq!(w.finish()?.unwrap(), b"{\"model\":\"m\",\"inputs\":[],\"outputs\":[],\"points\":[\n]}\n");
    /// # Ok::<(), std::io::Error>(())
    /// ```
    pub fn finish(self) -> io::Result<Option<W>> {
        match self.sink {
            Sink::Npy(w) => w.finish().map(|()| None),
            Sink::Text(mut out) => {
                if self.format == Format::Json {
                    writeln!(out, "]}}")?;
                }
                out.flush()?;
                Ok(Some(out))
            }
        }
    }
}

/// Writes an `m×n` matrix over outputs and inputs (row-major), as `sensitivity` reports it;
/// `extra` is a JSON member (`"reduce":"mean_abs","points":10`) placed before the matrix.
///
/// # Errors
/// Those of writing to `out`.
///
/// ```
/// use nngrad_cli::report::{write_matrix, Format, Names};
/// let names = Names { model: "m".into(), inputs: vec!["a".into(), "b".into()],
///                     outputs: vec!["y".into()] };
/// let mut out = Vec::new();
/// write_matrix(&mut out, Format::Csv, &names, "sensitivity", "", &[1.0, 2.0])?;
/// assert_eq!(out, b"output,d/da,d/db\ny,1.0,2.0\n");
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn write_matrix<W: Write>(
    mut out: W,
    format: Format,
    names: &Names,
    key: &str,
    extra: &str,
    values: &[f64],
) -> io::Result<()> {
    let n = names.inputs.len();
    match format {
        Format::Npy => npyz::WriteOptions::new()
            .default_dtype()
            .shape(&[names.outputs.len() as u64, n as u64])
            .writer(out)
            .begin_nd()
            .and_then(|mut w| {
                w.extend(values.iter().copied())?;
                w.finish()
            }),
        Format::Csv => {
            writeln!(out, "output,{}", d_by(&names.inputs))?;
            for (i, name) in names.outputs.iter().enumerate() {
                let row = csv_numbers(&values[i * n..(i + 1) * n]);
                writeln!(out, "{},{row}", csv_field(name))?;
            }
            out.flush()
        }
        Format::Json => {
            json_head(&mut out, names)?;
            let sep = if extra.is_empty() { "" } else { "," };
            writeln!(
                out,
                "{sep}{extra},{}:{}}}",
                json_string(key),
                json_rows(values, n)
            )?;
            out.flush()
        }
        Format::Table => {
            writeln!(out, "model: {}", names.model)?;
            writeln!(
                out,
                "{key} ({} rows = inputs x {} columns = outputs):",
                n,
                names.outputs.len()
            )?;
            matrix_table(&mut out, names, values)?;
            out.flush()
        }
    }
}

/// Inputs, outputs, then the Jacobian shown transposed, a row per input and a column per
/// output (models have more inputs than outputs, and long tables scroll better than wide
/// ones).
fn table(out: &mut impl Write, names: &Names, p: &Point) -> io::Result<()> {
    let left = names
        .inputs
        .iter()
        .chain(&names.outputs)
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(6);
    writeln!(out, "  {:<left$} {:>14}", "input", "value")?;
    for (name, v) in names.inputs.iter().zip(p.x) {
        writeln!(out, "  {name:<left$} {:>14}", number_text(*v))?;
    }
    writeln!(out, "  {:<left$} {:>14}", "output", "value")?;
    for (name, v) in names.outputs.iter().zip(p.y) {
        writeln!(out, "  {name:<left$} {:>14}", number_text(*v))?;
    }
    writeln!(
        out,
        "Jacobian d output / d input, shown transposed ({} rows = inputs x {} columns = outputs):",
        names.inputs.len(),
        names.outputs.len()
    )?;
    matrix_table(out, names, p.d)
}

/// An `m×n` row-major matrix printed transposed: a row per input, a column per output.
fn matrix_table(out: &mut impl Write, names: &Names, values: &[f64]) -> io::Result<()> {
    let n = names.inputs.len();
    let left = names
        .inputs
        .iter()
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(6);
    let col = column(&names.outputs).max(11);
    write!(out, "  {:<left$}", "")?;
    for name in &names.outputs {
        write!(out, " {name:>col$}")?;
    }
    writeln!(out)?;
    for (k, name) in names.inputs.iter().enumerate() {
        write!(out, "  {name:<left$}")?;
        for i in 0..names.outputs.len() {
            write!(out, " {:>col$.4e}", values[i * n + k])?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn column(labels: &[String]) -> usize {
    labels.iter().map(String::len).max().unwrap_or(0).max(12)
}

/// Plain decimals where they read well, scientific notation elsewhere.
fn number_text(v: f64) -> String {
    if v == 0.0 || (1e-3..1e6).contains(&v.abs()) {
        format!("{v:.6}")
    } else {
        format!("{v:.6e}")
    }
}

fn json_head(out: &mut impl Write, names: &Names) -> io::Result<()> {
    let list = |v: &[String]| {
        v.iter()
            .map(|s| json_string(s))
            .collect::<Vec<_>>()
            .join(",")
    };
    write!(
        out,
        "{{\"model\":{},\"inputs\":[{}],\"outputs\":[{}]",
        json_string(&names.model),
        list(&names.inputs),
        list(&names.outputs)
    )
}

/// `{:?}` prints the shortest decimal that reads back to the same f64; JSON has no NaN or
/// infinity, so those become `null`.
fn json_numbers(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| json_number(*v)).collect();
    format!("[{}]", items.join(","))
}

/// A JSON number (`null` for NaN and infinities).
///
/// ```
/// assert_eq!(nngrad_cli::report::json_number(0.1), "0.1");
/// assert_eq!(nngrad_cli::report::json_number(f64::NAN), "null");
/// ```
pub fn json_number(v: f64) -> String {
    if v.is_finite() {
        format!("{v:?}")
    } else {
        "null".into()
    }
}

/// `[[row 0], [row 1], …]` of a row-major matrix with rows of `n`.
fn json_rows(values: &[f64], n: usize) -> String {
    let rows: Vec<String> = values.chunks(n.max(1)).map(json_numbers).collect();
    format!("[{}]", rows.join(","))
}

/// A JSON string literal.
///
/// ```
/// assert_eq!(nngrad_cli::report::json_string("a\"b"), r#""a\"b""#);
/// ```
pub fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn csv_numbers(values: &[f64]) -> String {
    let items: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
    items.join(",")
}

fn csv_row(labels: &[String]) -> String {
    let items: Vec<String> = labels.iter().map(|l| csv_field(l)).collect();
    items.join(",")
}

fn d_by(inputs: &[String]) -> String {
    let items: Vec<String> = inputs
        .iter()
        .map(|l| csv_field(&format!("d/d{l}")))
        .collect();
    items.join(",")
}

/// A CSV field, quoted (RFC 4180) when it holds a comma, a quote or a line break: tensor
/// labels such as `input[2,5,0]` hold commas.
///
/// ```
/// assert_eq!(nngrad_cli::report::csv_field("X[0,1]"), "\"X[0,1]\"");
/// assert_eq!(nngrad_cli::report::csv_field("y"), "y");
/// ```
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
