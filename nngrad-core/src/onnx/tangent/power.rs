//! Pow with one constant operand on the tangent route: `x^c` (a constant exponent, the
//! common case: squares, square roots, reciprocals in exported PyTorch models) and `c^x` (a
//! constant base). Each element's value and slope come from the generic operator's own
//! function (`Bin::sw` / `Bin::ws` on a [`Dual`] seeded with slope 1), so integral exponents
//! take `powi` exactly as there (negative bases included) and the special cases of the dual
//! rules (an exponent 0, a zero power) are theirs; the lanes are then scaled by the slope.

use crate::onnx::ops::elementwise::Bin;
use crate::Dual;

/// `out = x^c` or, with `base`, `c^x`, elementwise, `c` broadcast to `x`'s shape.
pub(super) struct Pow {
    pub(super) x: usize,
    pub(super) out: usize,
    /// The constant operand, one per element of `x`.
    pub(super) c: Vec<f64>,
    /// The constant is the base (`c^x`), not the exponent.
    pub(super) base: bool,
}

impl Pow {
    /// Runs on rows of `cols = points·w` components (`x` and `out` may be one buffer).
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], cols: usize, w: usize) {
        let mut o = std::mem::take(&mut bufs[self.out]);
        if self.x != self.out {
            let len = o.len();
            o.copy_from_slice(&bufs[self.x][..len]);
        }
        for (row, &c) in o.chunks_exact_mut(cols).zip(&self.c) {
            for blk in row.chunks_exact_mut(w) {
                let z = Dual::new(blk[0], 1.0);
                let r = if self.base {
                    Bin::Pow.ws(c, z)
                } else {
                    Bin::Pow.sw(z, c)
                };
                blk[0] = r.re();
                let d = r.eps();
                // A zero tangent stays zero through an infinite slope (`mul_zero_safe`, as
                // the dual numbers' chain rule keeps it: `sqrt` at 0, `x^-1` at 0).
                for l in &mut blk[1..] {
                    if *l != 0.0 {
                        *l *= d;
                    }
                }
            }
        }
        bufs[self.out] = o;
    }
}
