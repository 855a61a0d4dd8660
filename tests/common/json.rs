//! Readers of the number arrays in the fixtures' `reference.json`.

use serde_json::Value as Json;

/// A JSON array of numbers.
pub fn floats(v: &Json) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// A JSON array of arrays of numbers, row by row.
pub fn matrix(v: &Json) -> Vec<Vec<f64>> {
    v.as_array().unwrap().iter().map(floats).collect()
}
