//! Saliency maps of the digits CNN (Keras, exported by tf2onnx, shipped in `tests/data/onnx/`):
//! for each of ten 8×8 digits, the exact |∂p(predicted class)/∂pixel| from the model's
//! Jacobian, drawn as a heat map (black → red → yellow → white) beside the digit, with the
//! predicted class underneath, in one PNG grid.
//!
//! ```text
//! cargo run --release --example saliency [-- out.png]
//! ```
//! Prints the path of the PNG it wrote (default `target/saliency.png`). The picture is the
//! `nngrad saliency` command's (`nngrad-cli/`), which takes any image classifier.

use nngrad_cli::points::read_points;
use nngrad_cli::saliency::{argmax, grid_png, Tile};
use nngrad_core::onnx::Model;
use nngrad_core::Differentiable;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const MODEL: &str = "tests/data/onnx/digits_keras_cnn_conv2d/model.onnx";
const DIGITS: &str = "examples/data/digits_sample.csv";
/// The digits are 8×8 images.
const SIDE: usize = 8;

fn run(out_path: Option<PathBuf>) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = Model::load(root.join(MODEL)).map_err(|e| e.to_string())?;
    let digits = read_points(&root.join(DIGITS), &model.input_labels())?;
    let out_path = out_path.unwrap_or_else(|| root.join("target").join("saliency.png"));
    render(&model, &digits.values, &out_path)?;
    Ok(out_path)
}

/// Draws the saliency grid of `digits` (8×8 images one after another) under any image
/// classifier with one probability per class, the digits' Jacobians computed as one batch.
fn render<M: Differentiable + Sync>(
    model: &M,
    digits: &[f64],
    out_path: &Path,
) -> Result<(), String> {
    let (n_in, m) = (model.input_len(), model.output_len());
    let (ps, js) = model.jacobian_batch(digits).map_err(|e| e.to_string())?;
    let mut tiles = Vec::new();
    for (n, x) in digits.chunks(n_in).enumerate() {
        let p = &ps[n * m..(n + 1) * m];
        let class = argmax(p);
        // Row `class` of digit n's m×n_in Jacobian (row-major, point after point).
        let row = &js[(n * m + class) * n_in..(n * m + class + 1) * n_in];
        // Each map is scaled to its own peak: the pattern matters, and peaks differ by 100×.
        let peak = row.iter().fold(f64::MIN_POSITIVE, |a, v| a.max(v.abs()));
        println!(
            "digit {n}: predicted {class} (p = {:.4}), max |dp/dpixel| = {peak:.3e}",
            p[class]
        );
        tiles.push(Tile {
            image: x,
            gradient: row,
            label: class,
        });
    }
    if let Some(dir) = out_path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let png = grid_png(&tiles, SIDE, SIDE);
    std::fs::write(out_path, png).map_err(|e| format!("cannot write {}: {e}", out_path.display()))
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let out_path = args.next().map(PathBuf::from);
    if args.next().is_some()
        || out_path
            .as_ref()
            .is_some_and(|p| p.to_string_lossy().starts_with('-'))
    {
        eprintln!("usage: saliency [out.png]");
        return ExitCode::FAILURE;
    }
    match run(out_path) {
        Ok(path) => {
            println!("wrote {}", path.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
