//! The three output formats: a table for people, JSON and CSV for programs.
//!
//! JSON and CSV are written by hand: a few lines here beat a serialisation dependency for
//! every user of the library.

use nalgebra::DMatrix;
use std::io::{self, Write};

/// One evaluated point.
pub struct Point<'a> {
    pub x: &'a [f64],
    pub y: &'a [f64],
    pub j: &'a DMatrix<f64>,
}

/// Inputs, outputs, then the Jacobian with one row per input and one column per output
/// (models have more inputs than outputs, and long tables scroll better than wide ones).
pub fn table(
    out: &mut impl Write,
    inputs: &[String],
    outputs: &[String],
    p: &Point,
) -> io::Result<()> {
    let left = inputs
        .iter()
        .chain(outputs)
        .map(String::len)
        .max()
        .unwrap_or(0)
        .max(6);
    writeln!(out, "  {:<left$} {:>14}", "input", "value")?;
    for (name, v) in inputs.iter().zip(p.x) {
        writeln!(out, "  {name:<left$} {:>14}", number(*v))?;
    }
    writeln!(out, "  {:<left$} {:>14}", "output", "value")?;
    for (name, v) in outputs.iter().zip(p.y) {
        writeln!(out, "  {name:<left$} {:>14}", number(*v))?;
    }
    writeln!(
        out,
        "Jacobian d output / d input, shown transposed ({} rows = inputs x {} columns = outputs):",
        p.j.ncols(),
        p.j.nrows()
    )?;
    let col = outputs.iter().map(String::len).max().unwrap_or(0).max(11);
    write!(out, "  {:<left$}", "")?;
    for name in outputs {
        write!(out, " {name:>col$}")?;
    }
    writeln!(out)?;
    for (k, name) in inputs.iter().enumerate() {
        write!(out, "  {name:<left$}")?;
        for i in 0..p.j.nrows() {
            write!(out, " {:>col$.4e}", p.j[(i, k)])?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Plain decimals where they read well, scientific notation elsewhere.
fn number(v: f64) -> String {
    if v == 0.0 || (1e-3..1e6).contains(&v.abs()) {
        format!("{v:.6}")
    } else {
        format!("{v:.6e}")
    }
}

/// `{"model": …, "inputs": [labels], "outputs": [labels], "points": [`; the points follow,
/// each `{"input": […], "output": […], "jacobian": [[row of output 0], …]}`.
pub fn json_start(
    out: &mut impl Write,
    model: &str,
    inputs: &[String],
    outputs: &[String],
) -> io::Result<()> {
    let names = |v: &[String]| {
        v.iter()
            .map(|s| json_string(s))
            .collect::<Vec<_>>()
            .join(",")
    };
    writeln!(
        out,
        "{{\"model\":{},\"inputs\":[{}],\"outputs\":[{}],\"points\":[",
        json_string(model),
        names(inputs),
        names(outputs)
    )
}

pub fn json_point(out: &mut impl Write, p: &Point, last: bool) -> io::Result<()> {
    let rows: Vec<String> = p.j.row_iter().map(|r| json_numbers(r.iter())).collect();
    writeln!(
        out,
        "{{\"input\":{},\"output\":{},\"jacobian\":[{}]}}{}",
        json_numbers(p.x),
        json_numbers(p.y),
        rows.join(","),
        if last { "" } else { "," }
    )
}

pub fn json_end(out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "]}}")
}

/// `{:?}` prints the shortest decimal that reads back to the same f64; JSON has no NaN or
/// infinity, so those become `null`.
fn json_numbers<'a>(values: impl IntoIterator<Item = &'a f64>) -> String {
    let items: Vec<String> = values
        .into_iter()
        .map(|v| {
            if v.is_finite() {
                format!("{v:?}")
            } else {
                "null".into()
            }
        })
        .collect();
    format!("[{}]", items.join(","))
}

fn json_string(s: &str) -> String {
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

/// `point,output,value,<one column per input>`: one line per output of each point.
pub fn csv_header(out: &mut impl Write, inputs: &[String]) -> io::Result<()> {
    let cols: Vec<String> = inputs
        .iter()
        .map(|n| csv_field(&format!("d/d{n}")))
        .collect();
    writeln!(out, "point,output,value,{}", cols.join(","))
}

pub fn csv_point(
    out: &mut impl Write,
    number: usize,
    outputs: &[String],
    p: &Point,
) -> io::Result<()> {
    for (i, (name, y)) in outputs.iter().zip(p.y).enumerate() {
        let row: Vec<String> = p.j.row(i).iter().map(|v| format!("{v:?}")).collect();
        writeln!(out, "{number},{},{y:?},{}", csv_field(name), row.join(","))?;
    }
    Ok(())
}

/// Tensor labels such as `input[2,5,0]` hold commas, so they are quoted (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}
