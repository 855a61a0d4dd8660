//! Saliency maps of the digits CNN (Keras, exported by tf2onnx, shipped in `tests/data/onnx/`):
//! for each of ten 8×8 digits, the exact |∂p(predicted class)/∂pixel| from the model's
//! Jacobian, drawn as a heat map (black → red → yellow → white) beside the digit, with the
//! predicted class underneath, in one PNG grid.
//!
//! ```text
//! cargo run --release --example saliency [-- out.png]
//! ```
//! Prints the path of the PNG it wrote (default `target/saliency.png`).

use nngrad_core::onnx::Model;
use nngrad_core::Differentiable;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const MODEL: &str = "tests/data/onnx/digits_keras_cnn_conv2d/model.onnx";
const DIGITS: &str = "examples/data/digits_sample.csv";
/// The digits are 8×8 images.
const SIDE: usize = 8;
/// Screen pixels per image pixel.
const ZOOM: usize = 10;
/// Between a digit and its heat map: small, so the two read as a pair.
const INNER_GAP: usize = 4;
/// Around and between the pairs.
const MARGIN: usize = 16;
/// Height of the caption band under each pair, and the scale of its font.
const CAPTION: usize = 28;
const FONT_ZOOM: usize = 4;
const PER_ROW: usize = 5;
const BACKGROUND: u8 = 48;

/// A minimal PNG writer: 8-bit RGB, zlib "stored" blocks (no compression needed for a few
/// kilobytes, and no dependency).
mod png {
    fn crc32(data: &[u8]) -> u32 {
        let mut crc = 0xffff_ffffu32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    fn adler32(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % 65521;
            b = (b + a) % 65521;
        }
        (b << 16) | a
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = crc32(&out[start..]);
        out.extend_from_slice(&crc.to_be_bytes());
    }

    /// Encodes `rgb` (`width·height·3` bytes, row-major) as a PNG file.
    pub fn encode(width: usize, height: usize, rgb: &[u8]) -> Vec<u8> {
        let mut raw = Vec::with_capacity(height * (width * 3 + 1));
        for row in rgb.chunks(width * 3) {
            raw.push(0); // filter: none
            raw.extend_from_slice(row);
        }
        let mut z = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = raw.chunks(65535).collect();
        for (i, block) in blocks.iter().enumerate() {
            z.push(u8::from(i + 1 == blocks.len()));
            let len = block.len() as u16;
            z.extend_from_slice(&len.to_le_bytes());
            z.extend_from_slice(&(!len).to_le_bytes());
            z.extend_from_slice(block);
        }
        z.extend_from_slice(&adler32(&raw).to_be_bytes());
        let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&(width as u32).to_be_bytes());
        ihdr.extend_from_slice(&(height as u32).to_be_bytes());
        ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
        chunk(&mut out, b"IHDR", &ihdr);
        chunk(&mut out, b"IDAT", &z);
        chunk(&mut out, b"IEND", &[]);
        out
    }
}

/// Black → red → yellow → white, for `t` in [0, 1].
fn hot(t: f64) -> [u8; 3] {
    let t = t.clamp(0.0, 1.0) * 3.0;
    let c = |v: f64| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    [c(t), c(t - 1.0), c(t - 2.0)]
}

/// The digits 0–9 in a 3×5 pixel font, one bit per pixel, top row first, for the captions.
const GLYPHS: [u16; 10] = [
    0b111_101_101_101_111,
    0b010_110_010_010_111,
    0b111_001_111_100_111,
    0b111_001_111_001_111,
    0b101_101_111_001_001,
    0b111_100_111_001_111,
    0b111_100_111_101_111,
    0b111_001_001_001_001,
    0b111_101_111_101_111,
    0b111_101_111_001_111,
];

/// An RGB canvas filled with a dark background.
struct Canvas {
    width: usize,
    height: usize,
    rgb: Vec<u8>,
}

impl Canvas {
    fn new(width: usize, height: usize) -> Canvas {
        Canvas {
            width,
            height,
            rgb: vec![BACKGROUND; width * height * 3],
        }
    }

    /// Draws a `side`×`side` image scaled up `zoom` times, top-left corner at (x0, y0).
    fn image(
        &mut self,
        x0: usize,
        y0: usize,
        side: usize,
        zoom: usize,
        colour: impl Fn(usize) -> [u8; 3],
    ) {
        for py in 0..side * zoom {
            for px in 0..side * zoom {
                let at = ((y0 + py) * self.width + x0 + px) * 3;
                self.rgb[at..at + 3].copy_from_slice(&colour((py / zoom) * side + px / zoom));
            }
        }
    }

    /// Draws `digit` in the 3×5 font scaled `zoom` times, top-left corner at (x0, y0).
    fn digit(&mut self, x0: usize, y0: usize, digit: usize, zoom: usize) {
        let bits = GLYPHS[digit];
        for row in 0..5 * zoom {
            for col in 0..3 * zoom {
                if bits >> (14 - (row / zoom) * 3 - col / zoom) & 1 == 1 {
                    let at = ((y0 + row) * self.width + x0 + col) * 3;
                    self.rgb[at..at + 3].copy_from_slice(&[255, 255, 255]);
                }
            }
        }
    }
}

fn read_digits(path: &Path) -> Result<Vec<Vec<f64>>, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            l.split(',')
                .map(|v| {
                    v.trim()
                        .parse::<f64>()
                        .map_err(|_| format!("{}: bad number `{v}`", path.display()))
                })
                .collect()
        })
        .collect()
}

fn run(out_path: Option<PathBuf>) -> Result<PathBuf, String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let model = Model::load(root.join(MODEL)).map_err(|e| e.to_string())?;
    let digits = read_digits(&root.join(DIGITS))?;
    let out_path = out_path.unwrap_or_else(|| root.join("target").join("saliency.png"));
    render(&model, &digits, &out_path)?;
    Ok(out_path)
}

/// Draws the saliency grid of `digits` under any image classifier with one probability per
/// class, the digits' Jacobians computed as one batch.
fn render<M: Differentiable + Sync>(
    model: &M,
    digits: &[Vec<f64>],
    out_path: &Path,
) -> Result<(), String> {
    let (n_in, m) = (model.input_len(), model.output_len());
    if let Some((n, x)) = digits.iter().enumerate().find(|(_, x)| x.len() != n_in) {
        return Err(format!(
            "digit {n} has {} pixels, the model takes {n_in}",
            x.len()
        ));
    }
    let (ps, js) = model
        .jacobian_batch(&digits.concat())
        .map_err(|e| e.to_string())?;

    // Each tile: the digit and its heat map side by side, the predicted class underneath.
    let cell = SIDE * ZOOM;
    let tile_w = 2 * cell + INNER_GAP;
    let tile_h = cell + CAPTION;
    let cols = digits.len().min(PER_ROW);
    let rows = digits.len().div_ceil(PER_ROW);
    let mut canvas = Canvas::new(
        cols * tile_w + (cols + 1) * MARGIN,
        rows * tile_h + (rows + 1) * MARGIN,
    );
    for (n, x) in digits.iter().enumerate() {
        let p = &ps[n * m..(n + 1) * m];
        // First maximum wins, as argmax does.
        let class = (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best });
        // Row `class` of digit n's m×n_in Jacobian (row-major, point after point).
        let row = &js[(n * m + class) * n_in..(n * m + class + 1) * n_in];
        let saliency: Vec<f64> = row.iter().map(|v| v.abs()).collect();
        // Each map is scaled to its own peak: the pattern matters, and peaks differ by 100×.
        let peak = saliency.iter().copied().fold(f64::MIN_POSITIVE, f64::max);
        println!(
            "digit {n}: predicted {class} (p = {:.4}), max |dp/dpixel| = {peak:.3e}",
            p[class]
        );
        let x0 = MARGIN + (n % PER_ROW) * (tile_w + MARGIN);
        let y0 = MARGIN + (n / PER_ROW) * (tile_h + MARGIN);
        canvas.image(x0, y0, SIDE, ZOOM, |k| {
            let g = (x[k].clamp(0.0, 1.0) * 255.0).round() as u8;
            [g, g, g]
        });
        canvas.image(x0 + cell + INNER_GAP, y0, SIDE, ZOOM, |k| {
            hot(saliency[k] / peak)
        });
        let glyph = 3 * FONT_ZOOM;
        canvas.digit(
            x0 + (tile_w - glyph) / 2,
            y0 + cell + (CAPTION - 5 * FONT_ZOOM) / 2,
            class,
            FONT_ZOOM,
        );
    }
    if let Some(dir) = out_path.parent() {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let png = png::encode(canvas.width, canvas.height, &canvas.rgb);
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
