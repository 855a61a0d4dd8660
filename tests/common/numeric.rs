//! Small numeric helpers the test files share: a relative error, a row-major copy of a
//! Jacobian, reproducible pseudo-random values.

/// max |got − want| / max |want|.
pub fn rel_err(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0f64, |m, v| m.max(v.abs())).max(1e-300);
    got.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
        / scale
}

/// The entries of `j` row after row.
pub fn row_major(j: &nalgebra::DMatrix<f64>) -> Vec<f64> {
    j.transpose().as_slice().to_vec()
}

/// `n` values uniform in `[lo, hi)` from a fixed LCG (reproducible, no dependency).
pub fn uniform(n: usize, seed: u64, lo: f64, hi: f64) -> Vec<f64> {
    let step = |s: u64| {
        s.wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407)
    };
    let mut s = step(seed);
    (0..n)
        .map(|_| {
            s = step(s);
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}
