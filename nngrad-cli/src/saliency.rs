//! Saliency pictures: each image beside the heat map of |∂p(class)/∂pixel| (black → red →
//! yellow → white, each map scaled to its own peak), the class underneath, in one PNG grid.

/// Screen pixels of an image's longer side.
const CELL: usize = 80;
/// Between an image and its heat map: small, so the two read as a pair.
const INNER_GAP: usize = 4;
/// Around and between the pairs.
const MARGIN: usize = 16;
/// Height of the caption band under each pair, and the scale of its font.
const CAPTION: usize = 28;
const FONT_ZOOM: usize = 4;
const PER_ROW: usize = 5;
const BACKGROUND: u8 = 48;

/// One image of the grid.
#[derive(Clone, Copy, Debug)]
pub struct Tile<'a> {
    /// The image, `height·width` values row-major; drawn as grey levels, values in [0, 1]
    /// as they are, any other range stretched from its minimum (black) to its maximum.
    pub image: &'a [f64],
    /// One derivative per pixel; the map shows their absolute values.
    pub gradient: &'a [f64],
    /// The number written under the pair (the predicted class).
    pub label: usize,
}

/// The class a classifier's outputs predict: the first maximum, as argmax does.
///
/// ```
/// assert_eq!(nngrad_cli::saliency::argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
/// ```
pub fn argmax(p: &[f64]) -> usize {
    (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best })
}

/// Draws `tiles` (images of `height`×`width`), five pairs to a row, and encodes the grid as
/// a PNG file's bytes.
///
/// ```
/// use nngrad_cli::saliency::{grid_png, Tile};
/// let image = [0.0, 0.5, 1.0, 0.25];
/// let png = grid_png(&[Tile { image: &image, gradient: &[1.0, -2.0, 0.0, 0.5], label: 7 }], 2, 2);
/// assert_eq!(&png[1..4], b"PNG");
/// ```
pub fn grid_png(tiles: &[Tile], height: usize, width: usize) -> Vec<u8> {
    let zoom = (CELL / height.max(width).max(1)).max(1);
    let (cell_w, cell_h) = (width * zoom, height * zoom);
    let label_width = |label: usize| label.to_string().len() * 4 * FONT_ZOOM - FONT_ZOOM;
    let widest_label = tiles
        .iter()
        .map(|t| label_width(t.label))
        .max()
        .unwrap_or(0);
    let tile_w = (2 * cell_w + INNER_GAP).max(widest_label);
    let tile_h = cell_h + CAPTION;
    let cols = tiles.len().clamp(1, PER_ROW);
    let rows = tiles.len().div_ceil(PER_ROW).max(1);
    let mut canvas = Canvas::new(
        cols * tile_w + (cols + 1) * MARGIN,
        rows * tile_h + (rows + 1) * MARGIN,
    );
    for (t, tile) in tiles.iter().enumerate() {
        let x0 = MARGIN + (t % PER_ROW) * (tile_w + MARGIN);
        let y0 = MARGIN + (t / PER_ROW) * (tile_h + MARGIN);
        let (lo, hi) = tile
            .image
            .iter()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
                (lo.min(v), hi.max(v))
            });
        let (lo, span) = if lo >= 0.0 && hi <= 1.0 {
            (0.0, 1.0)
        } else {
            (lo, (hi - lo).max(f64::MIN_POSITIVE))
        };
        canvas.image(x0, y0, (height, width), zoom, |k| {
            let g = (((tile.image[k] - lo) / span).clamp(0.0, 1.0) * 255.0).round() as u8;
            [g, g, g]
        });
        let peak = tile
            .gradient
            .iter()
            .map(|v| v.abs())
            .fold(f64::MIN_POSITIVE, f64::max);
        canvas.image(x0 + cell_w + INNER_GAP, y0, (height, width), zoom, |k| {
            hot(tile.gradient[k].abs() / peak)
        });
        let text = tile.label.to_string();
        let mut x = x0 + (tile_w - label_width(tile.label)) / 2;
        for d in text.bytes() {
            canvas.digit(
                x,
                y0 + cell_h + (CAPTION - 5 * FONT_ZOOM) / 2,
                usize::from(d - b'0'),
            );
            x += 4 * FONT_ZOOM;
        }
    }
    png::encode(canvas.width, canvas.height, &canvas.rgb)
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

    /// Draws an image of `(rows, cols)` pixels scaled up `zoom` times, top-left corner at
    /// (x0, y0).
    fn image(
        &mut self,
        x0: usize,
        y0: usize,
        (rows, cols): (usize, usize),
        zoom: usize,
        colour: impl Fn(usize) -> [u8; 3],
    ) {
        for py in 0..rows * zoom {
            for px in 0..cols * zoom {
                let at = ((y0 + py) * self.width + x0 + px) * 3;
                self.rgb[at..at + 3].copy_from_slice(&colour((py / zoom) * cols + px / zoom));
            }
        }
    }

    /// Draws `digit` in the 3×5 font scaled `FONT_ZOOM` times, top-left corner at (x0, y0).
    fn digit(&mut self, x0: usize, y0: usize, digit: usize) {
        let bits = GLYPHS[digit];
        for row in 0..5 * FONT_ZOOM {
            for col in 0..3 * FONT_ZOOM {
                if bits >> (14 - (row / FONT_ZOOM) * 3 - col / FONT_ZOOM) & 1 == 1 {
                    let at = ((y0 + row) * self.width + x0 + col) * 3;
                    self.rgb[at..at + 3].copy_from_slice(&[255, 255, 255]);
                }
            }
        }
    }
}

/// A minimal PNG writer: 8-bit RGB, zlib "stored" blocks (no compression needed for a few
/// hundred kilobytes).
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
