//! Dataset-wide reductions of Jacobians, folded in as blocks of points are done, so
//! `sensitivity` never holds one `(m, n)` matrix per point.

/// How `sensitivity` reduces the per-point Jacobians `J_p` (each `m × n`) to one `m × n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    /// mean over points of `|J_p|`
    MeanAbs,
    /// mean over points of `J_p`
    Mean,
    /// square root of the mean of `J_p²`
    Rms,
    /// largest `|J_p|` over points (NaN if any point gives NaN)
    MaxAbs,
}

impl Reduce {
    /// The names accepted by [`Reduce::parse`], in the order the docs list them.
    pub const NAMES: [&'static str; 4] = ["mean_abs", "mean", "rms", "max_abs"];

    /// The reduction called `name`, or a message listing the accepted names.
    pub fn parse(name: &str) -> Result<Reduce, String> {
        match name {
            "mean_abs" => Ok(Reduce::MeanAbs),
            "mean" => Ok(Reduce::Mean),
            "rms" => Ok(Reduce::Rms),
            "max_abs" => Ok(Reduce::MaxAbs),
            _ => Err(Reduce::unknown(format!("'{name}'"))),
        }
    }

    /// The message for a `reduce` argument that names no reduction (`got` as Python shows it).
    pub fn unknown(got: impl std::fmt::Display) -> String {
        format!(
            "reduce must be one of {}, got {got}",
            Reduce::NAMES.map(|n| format!("'{n}'")).join(", ")
        )
    }
}

/// Running state of one reduction over points whose Jacobians arrive in blocks.
#[derive(Debug)]
pub struct Accumulator {
    reduce: Reduce,
    acc: Vec<f64>,
    points: usize,
}

impl Accumulator {
    /// An empty reduction of Jacobians with `len` (= m·n) entries each.
    pub fn new(reduce: Reduce, len: usize) -> Accumulator {
        Accumulator {
            reduce,
            acc: vec![0.0; len],
            points: 0,
        }
    }

    /// Folds in a block of Jacobians stored one after the other (`js.len()` a multiple of
    /// `len`). Points are folded in order, so the result does not depend on the block size's
    /// effect on threads, only on the data.
    pub fn add(&mut self, js: &[f64]) {
        let len = self.acc.len();
        if len == 0 {
            return;
        }
        debug_assert_eq!(js.len() % len, 0);
        for j in js.chunks_exact(len) {
            match self.reduce {
                Reduce::MeanAbs => self.acc.iter_mut().zip(j).for_each(|(a, v)| *a += v.abs()),
                Reduce::Mean => self.acc.iter_mut().zip(j).for_each(|(a, v)| *a += v),
                Reduce::Rms => self.acc.iter_mut().zip(j).for_each(|(a, v)| *a += v * v),
                Reduce::MaxAbs => self.acc.iter_mut().zip(j).for_each(|(a, v)| {
                    // f64::max would drop a NaN; a NaN Jacobian entry must show.
                    if v.is_nan() || v.abs() > *a {
                        *a = v.abs();
                    }
                }),
            }
            self.points += 1;
        }
    }

    /// The reduced `m × n` values (row-major); all zero when no point was added.
    pub fn finish(self) -> Vec<f64> {
        let count = self.points.max(1) as f64;
        match self.reduce {
            Reduce::MeanAbs | Reduce::Mean => self.acc.into_iter().map(|a| a / count).collect(),
            Reduce::Rms => self.acc.into_iter().map(|a| (a / count).sqrt()).collect(),
            Reduce::MaxAbs => self.acc,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reduce(r: Reduce, blocks: &[&[f64]]) -> Vec<f64> {
        let mut acc = Accumulator::new(r, 2);
        for b in blocks {
            acc.add(b);
        }
        acc.finish()
    }

    #[test]
    fn each_reduction_against_its_closed_form() {
        // three points of a 1×2 Jacobian: (1, -2), (-3, 4), (2, 0), in two blocks
        let blocks: &[&[f64]] = &[&[1.0, -2.0, -3.0, 4.0], &[2.0, 0.0]];
        assert_eq!(reduce(Reduce::MeanAbs, blocks), [2.0, 2.0]);
        assert_eq!(reduce(Reduce::Mean, blocks), [0.0, 2.0 / 3.0]);
        assert_eq!(
            reduce(Reduce::Rms, blocks),
            [(14.0f64 / 3.0).sqrt(), (20.0f64 / 3.0).sqrt()]
        );
        assert_eq!(reduce(Reduce::MaxAbs, blocks), [3.0, 4.0]);
    }

    #[test]
    fn max_abs_keeps_a_nan() {
        let r = reduce(Reduce::MaxAbs, &[&[f64::NAN, 1.0, 5.0, 2.0]]);
        assert!(r[0].is_nan());
        assert_eq!(r[1], 2.0);
    }

    #[test]
    fn parse_names_and_rejects_others() {
        for name in Reduce::NAMES {
            assert!(Reduce::parse(name).is_ok());
        }
        let err = Reduce::parse("median").unwrap_err();
        assert!(
            err.contains("'median'") && err.contains("'max_abs'"),
            "{err}"
        );
    }
}
