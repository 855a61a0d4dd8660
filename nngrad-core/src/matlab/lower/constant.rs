//! Constant matrices and the few operations constants meet in simulation code.

use super::{size_err, unsupported, MAX_ROWS};
use crate::matlab::Error;

/// A constant matrix, row-major.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Mat {
    pub rows: usize,
    pub cols: usize,
    pub data: Vec<f64>,
}

impl Mat {
    pub fn scalar(v: f64) -> Mat {
        Mat {
            rows: 1,
            cols: 1,
            data: vec![v],
        }
    }
    pub fn numel(&self) -> usize {
        self.data.len()
    }
    pub fn is_vector(&self) -> bool {
        self.rows <= 1 || self.cols <= 1
    }
    pub fn shape(&self) -> String {
        format!("{}×{}", self.rows, self.cols)
    }
}

/// Constant folding for the few operations constants meet in simulation code.
pub(super) fn num_binary(op: &str, a: &Mat, b: &Mat, line: usize) -> Result<Mat, Error> {
    let matmul = op == "*" && a.numel() != 1 && b.numel() != 1;
    if a.rows.max(b.rows).saturating_mul(a.cols.max(b.cols)) > MAX_ROWS {
        return Err(unsupported(
            line,
            "a constant expression with more than ten million elements",
        ));
    }
    if matmul {
        if a.cols != b.rows {
            return Err(size_err(
                line,
                format!("product of {} and {} matrices", a.shape(), b.shape()),
            ));
        }
        let mut data = vec![0.0; a.rows * b.cols];
        for i in 0..a.rows {
            for p in 0..a.cols {
                for j in 0..b.cols {
                    data[i * b.cols + j] += a.data[i * a.cols + p] * b.data[p * b.cols + j];
                }
            }
        }
        return Ok(Mat {
            rows: a.rows,
            cols: b.cols,
            data,
        });
    }
    let f: fn(f64, f64) -> f64 = match op {
        "+" => |x, y| x + y,
        "-" => |x, y| x - y,
        "*" | ".*" => |x, y| x * y,
        "/" | "./" => |x, y| x / y,
        "^" | ".^" => f64::powf,
        "==" => |x, y| (x == y) as u8 as f64,
        "~=" => |x, y| (x != y) as u8 as f64,
        "<" => |x, y| (x < y) as u8 as f64,
        "<=" => |x, y| (x <= y) as u8 as f64,
        ">" => |x, y| (x > y) as u8 as f64,
        ">=" => |x, y| (x >= y) as u8 as f64,
        "&" | "&&" => |x, y| (x != 0.0 && y != 0.0) as u8 as f64,
        "|" | "||" => |x, y| (x != 0.0 || y != 0.0) as u8 as f64,
        _ => return Err(unsupported(line, format!("operator `{op}` on constants"))),
    };
    if (op == "/" || op == "^") && b.numel() != 1 {
        return Err(unsupported(line, format!("matrix `{op}` on constants")));
    }
    let (rows, cols) = if a.numel() == 1 {
        (b.rows, b.cols)
    } else if b.numel() == 1 || (a.rows == b.rows && a.cols == b.cols) {
        (a.rows, a.cols)
    } else {
        return Err(size_err(
            line,
            format!("`{op}` of {} and {} matrices", a.shape(), b.shape()),
        ));
    };
    let at = |m: &Mat, i: usize| if m.numel() == 1 { m.data[0] } else { m.data[i] };
    Ok(Mat {
        rows,
        cols,
        data: (0..rows * cols).map(|i| f(at(a, i), at(b, i))).collect(),
    })
}
