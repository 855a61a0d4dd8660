//! Points to evaluate: typed on the command line, or read from a CSV or `.npy` file.
//!
//! A CSV file holds one point per line. Its first line may be a header of column names:
//! when the names are the model's input labels (`X[0]`, `x1[3]`, …), the columns are matched
//! to the inputs by name, in any order, and columns that name no input are ignored; a header
//! that names no input at all is taken as a caption and the columns are read in order. A
//! `.npy` file holds one point of shape `(n,)` or a batch of shape `(k, n)` (float or
//! integer, either byte order, C or Fortran order).

use std::path::Path;

/// `k` points of `n` values each, row-major, and where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Points {
    /// Values per point.
    pub width: usize,
    /// The points, one after another (`k·width` values).
    pub values: Vec<f64>,
    /// For points read from a CSV file, the line each came from (numbered from 1).
    pub lines: Option<Vec<usize>>,
}

impl Points {
    /// The number of points.
    ///
    /// ```
    /// let p = nngrad_cli::points::Points { width: 2, values: vec![1.0, 2.0, 3.0, 4.0], lines: None };
    /// assert_eq!(p.len(), 2);
    /// ```
    pub fn len(&self) -> usize {
        self.values.len().checked_div(self.width).unwrap_or(0)
    }

    /// Whether there are no points.
    ///
    /// ```
    /// let p = nngrad_cli::points::Points { width: 2, values: vec![], lines: None };
    /// assert!(p.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Point `p` (from 0).
    ///
    /// ```
    /// let p = nngrad_cli::points::Points { width: 2, values: vec![1.0, 2.0, 3.0, 4.0], lines: None };
    /// assert_eq!(p.point(1), &[3.0, 4.0]);
    /// ```
    pub fn point(&self, p: usize) -> &[f64] {
        &self.values[p * self.width..(p + 1) * self.width]
    }

    /// How to name point `p` (from 0) in a message: `point 3`, or `point 3 (line 4)` when it
    /// came from a CSV file.
    ///
    /// ```
    /// let p = nngrad_cli::points::Points { width: 1, values: vec![1.0, 2.0], lines: Some(vec![2, 5]) };
    /// assert_eq!(p.describe(1), "point 2 (line 5)");
    /// ```
    pub fn describe(&self, p: usize) -> String {
        match self.lines.as_ref().and_then(|l| l.get(p)) {
            Some(line) => format!("point {} (line {line})", p + 1),
            None => format!("point {}", p + 1),
        }
    }
}

/// Reads the numbers of one point typed as `0.1,0.2,…` (commas, semicolons or spaces).
///
/// # Errors
/// A message naming the text that is not a number.
///
/// ```
/// use nngrad_cli::points::parse_numbers;
/// assert_eq!(parse_numbers("1, 2.5;-3e-1 4")?, vec![1.0, 2.5, -0.3, 4.0]);
/// assert_eq!(parse_numbers("1,x").unwrap_err(), "`x` is not a number");
/// # Ok::<(), String>(())
/// ```
pub fn parse_numbers(text: &str) -> Result<Vec<f64>, String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|t| !t.is_empty())
        .map(parse_number)
        .collect()
}

fn parse_number(t: &str) -> Result<f64, String> {
    t.parse::<f64>()
        .map_err(|_| format!("`{t}` is not a number"))
}

/// Reads the points of a `.npy` file (by its extension) or a CSV file (any other name), for
/// a model whose inputs are labelled `labels`. Every point must have `labels.len()` values.
///
/// # Errors
/// One line naming the file and, for a CSV file, the line: an unreadable file, a value that
/// is not a number, a row of the wrong width, a header that misses inputs, no points.
///
/// ```
/// use nngrad_cli::points::read_points;
/// let dir = std::env::temp_dir().join("nngrad_cli_doc_read_points");
/// std::fs::create_dir_all(&dir).unwrap();
/// let file = dir.join("points.csv");
/// std::fs::write(&file, "b,a\n2,1\n4,3\n").unwrap();
/// let labels = vec!["a".to_string(), "b".to_string()];
/// let points = read_points(&file, &labels)?;
/// assert_eq!(points.values, vec![1.0, 2.0, 3.0, 4.0]); // matched by name
/// std::fs::write(&file, "1,2\n3\n").unwrap();
/// let e = read_points(&file, &labels).unwrap_err();
/// assert!(e.ends_with("line 2: point 2 has 1 values but the model takes 2 inputs"), "{e}");
/// # Ok::<(), String>(())
/// ```
pub fn read_points(path: &Path, labels: &[String]) -> Result<Points, String> {
    let shown = path.display();
    if path.is_dir() {
        return Err(format!("{shown}: is a directory, not a file of points"));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    let is_npy = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let points = if is_npy {
        read_npy(&bytes, labels.len()).map_err(|e| format!("{shown}: {e}"))?
    } else {
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| format!("{shown}: not a text (CSV) file; name .npy files *.npy"))?;
        read_csv(text, labels).map_err(|e| format!("{shown}: {e}"))?
    };
    if points.is_empty() {
        return Err(format!("{shown}: no points in the file"));
    }
    Ok(points)
}

/// Which column of the file feeds each input.
enum Columns {
    InOrder,
    ByName(Vec<usize>),
}

fn delimiter(line: &str) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .find(|&d| line.as_bytes().contains(&d))
        .unwrap_or(b' ')
}

fn read_csv(text: &str, labels: &[String]) -> Result<Points, String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let n = labels.len();
    // `#` starts a comment anywhere on a line.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| (i + 1, l))
        .collect();
    let d = lines.first().map_or(b',', |(_, l)| delimiter(l));
    let mut columns = Columns::InOrder;
    let mut points = Points {
        width: n,
        values: Vec::new(),
        lines: Some(Vec::new()),
    };
    let mut first_row = true;
    // One line at a time, so that messages give the file's own line numbers.
    for (line, text) in lines {
        let record = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(d)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes())
            .records()
            .next()
            .transpose()
            .map_err(|e| format!("line {line}: {e}"))?
            .unwrap_or_default();
        // A space-separated file has empty fields between repeated spaces.
        let fields: Vec<&str> = record
            .iter()
            .filter(|f| d != b' ' || !f.is_empty())
            .collect();
        if fields.is_empty() || fields.iter().all(|f| f.is_empty()) {
            continue;
        }
        // A header: a first row with no number in it (a row mixing both is a bad data row).
        if std::mem::take(&mut first_row) && fields.iter().all(|f| f.parse::<f64>().is_err()) {
            columns = header_columns(&fields, labels).map_err(|e| format!("line {line}: {e}"))?;
            continue;
        }
        match &columns {
            Columns::InOrder => {
                if fields.len() != n {
                    return Err(format!(
                        "line {line}: point {} has {} values but the model takes {n} inputs",
                        points.values.len() / n.max(1) + 1,
                        fields.len()
                    ));
                }
                for f in &fields {
                    points
                        .values
                        .push(parse_number(f).map_err(|e| format!("line {line}: {e}"))?);
                }
            }
            Columns::ByName(at) => {
                for (&c, label) in at.iter().zip(labels) {
                    let f = fields.get(c).ok_or_else(|| {
                        format!(
                            "line {line}: {} values, but the header puts input {label} in \
                             column {}",
                            fields.len(),
                            c + 1
                        )
                    })?;
                    let v = parse_number(f).map_err(|e| format!("line {line}, {label}: {e}"))?;
                    points.values.push(v);
                }
            }
        }
        points.lines.as_mut().expect("set above").push(line);
    }
    Ok(points)
}

fn header_columns(names: &[&str], labels: &[String]) -> Result<Columns, String> {
    let found: Vec<Option<usize>> = labels
        .iter()
        .map(|l| names.iter().position(|name| name == l))
        .collect();
    if found.iter().all(Option::is_none) {
        if names.len() != labels.len() {
            return Err(format!(
                "a header of {} columns, the model takes {} inputs (name the \
                 columns {} … to match them by name)",
                names.len(),
                labels.len(),
                labels.first().map_or("", String::as_str)
            ));
        }
        return Ok(Columns::InOrder);
    }
    let missing: Vec<&str> = labels
        .iter()
        .zip(&found)
        .filter(|(_, f)| f.is_none())
        .map(|(l, _)| l.as_str())
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "the header names some of the model's inputs but not {}",
            missing.join(", ")
        ));
    }
    Ok(Columns::ByName(found.into_iter().flatten().collect()))
}

fn read_npy(bytes: &[u8], n: usize) -> Result<Points, String> {
    let npy = npyz::NpyFile::new(bytes).map_err(|e| format!("not a .npy file: {e}"))?;
    let shape = npy.shape().to_vec();
    let fortran = npy.order() == npyz::Order::Fortran;
    let dtype = npy.dtype().descr();
    let values = npy_values(npy).map_err(|e| format!("cannot read the array ({dtype}): {e}"))?;
    let (k, width) = match shape[..] {
        [w] => (1, w as usize),
        [k, w] => (k as usize, w as usize),
        _ => {
            return Err(format!(
                "an array of shape {shape:?}; points are an array of shape (n,) or (batch, n)"
            ))
        }
    };
    if width != n {
        return Err(format!(
            "an array of shape {shape:?}: points of {width} values, the model takes {n} inputs"
        ));
    }
    let values = if fortran && k > 1 {
        // Column-major: value j of point p sits at j·k + p.
        (0..k * n).map(|i| values[(i % n) * k + i / n]).collect()
    } else {
        values
    };
    Ok(Points {
        width: n,
        values,
        lines: None,
    })
}

/// Float arrays of either precision, and integer ones, widened exactly (i64 past 2^53 aside).
fn npy_values(npy: npyz::NpyFile<&[u8]>) -> Result<Vec<f64>, String> {
    let npy = match npy.try_data::<f64>() {
        Ok(data) => return widen(data, |v| v),
        Err(npy) => npy,
    };
    let npy = match npy.try_data::<f32>() {
        Ok(data) => return widen(data, f64::from),
        Err(npy) => npy,
    };
    let npy = match npy.try_data::<i64>() {
        Ok(data) => return widen(data, |v| v as f64),
        Err(npy) => npy,
    };
    match npy.try_data::<i32>() {
        Ok(data) => widen(data, f64::from),
        Err(npy) => Err(format!(
            "element type {} is not a number type (float or integer)",
            npy.dtype().descr()
        )),
    }
}

fn widen<T>(
    values: impl Iterator<Item = std::io::Result<T>>,
    to_f64: impl Fn(T) -> f64,
) -> Result<Vec<f64>, String> {
    values
        .map(|v| v.map(&to_f64).map_err(|e| e.to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("X[{i}]")).collect()
    }

    #[test]
    fn csv_forms() {
        let l = labels(2);
        let p = read_csv("# c\n1;2\n\n3;4 # x\n", &l).unwrap();
        assert_eq!(p.values, vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(p.lines, Some(vec![2, 4]));
        let p = read_csv("1   2\n 3 4\n", &l).unwrap();
        assert_eq!(p.values, vec![1.0, 2.0, 3.0, 4.0]);
        let p = read_csv("alpha,beta\n1,2\n", &l).unwrap();
        assert_eq!(p.values, vec![1.0, 2.0]);
        let p = read_csv("target,\"X[1]\",X[0]\n9,2,1\n", &l).unwrap();
        assert_eq!(p.values, vec![1.0, 2.0]);
        let e = read_csv("X[1],y\n1,2\n", &l).unwrap_err();
        assert!(e.contains("not X[0]"), "{e}");
        let e = read_csv("1,2\n3,nan?\n", &l).unwrap_err();
        assert_eq!(e, "line 2: `nan?` is not a number");
        let e = read_csv("a,b,c\n1,2,3\n", &l).unwrap_err();
        assert!(e.starts_with("line 1: a header of 3 columns"), "{e}");
    }

    #[test]
    fn npy_shapes_and_orders() {
        let mut buf = Vec::new();
        {
            use npyz::WriterBuilder;
            let mut w = npyz::WriteOptions::new()
                .default_dtype()
                .shape(&[2, 3])
                .order(npyz::Order::Fortran)
                .writer(&mut buf)
                .begin_nd()
                .unwrap();
            // Column-major storage of [[1,2,3],[4,5,6]].
            w.extend([1.0f32, 4.0, 2.0, 5.0, 3.0, 6.0]).unwrap();
            w.finish().unwrap();
        }
        let p = read_npy(&buf, 3).unwrap();
        assert_eq!(p.values, vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let e = read_npy(&buf, 2).unwrap_err();
        assert!(
            e.contains("points of 3 values, the model takes 2 inputs"),
            "{e}"
        );
        assert!(read_npy(&buf[..20], 3)
            .unwrap_err()
            .starts_with("not a .npy file"));
    }
}
