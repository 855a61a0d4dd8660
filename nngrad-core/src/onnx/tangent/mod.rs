//! The tangent route: a loaded model's forward pass, JVP and Jacobian as one pass over f64
//! buffers that carry every tangent column beside the value.
//!
//! Each activation tensor of `E` elements is an `E × cols` row-major f64 matrix: for each of
//! `P` points a block `[value | lanes]` of `w = 1 + lanes` components (no lanes for
//! `forward`, the tangent for `jvp`, all `n` input columns for `jacobian`). A dense layer is
//! then one real GEMM over values and lanes at once, as is a convolution (over the im2col
//! of whole blocks), an elementwise function scales each block's lanes by its slope,
//! pooling, transposes and slices move whole blocks, a product of two activations is a GEMM
//! per point for the values and per row and column for the lanes, a recurrent layer (RNN, GRU, LSTM) is
//! a GEMM per time step with its gates scaled and multiplied blockwise, and a reshape is
//! nothing at all. The plan is
//! prepared when the model is loaded: topological order, one buffer per tensor (reused in
//! place where the tensor dies), constant operands folded and laid out (`alpha·op(B)ᵀ`,
//! broadcast biases), so a call does no name look-up, hashing or allocation beyond its
//! results (buffers come from a pool kept with the plan).
//!
//! A model with an operator this route does not cover gets no plan and keeps the generic
//! evaluator (`Model::eval` with dual numbers) for everything: the two are never mixed, so
//! what the route does not know can only make it slower, never different.

mod build;
mod chain;
mod elementwise;
mod exec;
mod normalize;
mod power;
mod product;
mod recurrent;
mod reduce;
mod select;
mod spatial;

use super::load::Graph;
use std::sync::Mutex;

pub(crate) use exec::Mode;

/// A model's prepared tangent route.
pub(crate) struct Plan {
    steps: Vec<Step>,
    /// Elements of each buffer.
    sizes: Vec<usize>,
    /// The buffer of the runtime input and its element count (`n`).
    input: usize,
    n: usize,
    /// The buffer of the selected output and its element count (`m`).
    output: usize,
    m: usize,
    /// Buffers of finished calls, for the next ones (one per concurrent caller).
    pool: Mutex<Vec<exec::Work>>,
    /// The plan as a chain of dense layers, when it is one (`chain.rs`): Jacobians, of one
    /// point or a batch, then take the dense path, which picks the cheaper association. Its
    /// values are the steps' values bit for bit (the same sums through the same kernel, the
    /// bias on the same side, the same tanh, the scaler and softmax by the steps' code), so
    /// `forward` and `jvp`, which keep the steps, agree with it exactly (tested).
    chain: Option<chain::Chain>,
    /// Buffers of the chain's finished calls (the dense path's workspace among them), as
    /// `pool` is for the steps: fresh ones would be allocated and zeroed again for every
    /// point or block.
    dense_pool: Mutex<Vec<chain::Work>>,
}

impl std::fmt::Debug for Plan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("steps", &self.steps.len())
            .field("buffers", &self.sizes)
            .field("dense_chain", &self.chain.is_some())
            .finish()
    }
}

/// One operation of the plan; buffers by index, constants laid out for the kernel.
enum Step {
    /// `out[r, j] = Σ_p A[r, p]·wt[j, p] (+ bias[r, j])` for `rows` rows `r`: Gemm, and MatMul
    /// with constant right operand. `A[r, p]` is element `r·k + p` of buffer `a`, or
    /// `p·rows + r` when `trans_a`. `seed` says `a` is the runtime input untouched, whose
    /// Jacobian lanes are the identity, so the lanes of the result are copies of `wt`.
    Linear {
        a: usize,
        out: usize,
        rows: usize,
        k: usize,
        n: usize,
        trans_a: bool,
        /// `n × k` row-major.
        wt: Vec<f64>,
        /// `rows × n`, added to the values.
        bias: Option<Vec<f64>>,
        seed: bool,
    },
    /// `out[g, i, j] = Σ_p w[i, p]·B[g, p, j]`: MatMul with a constant 2-D left operand.
    LinearLeft {
        b: usize,
        out: usize,
        groups: usize,
        m: usize,
        k: usize,
        n: usize,
        /// `m × k` row-major.
        w: Vec<f64>,
        seed: bool,
    },
    /// An elementwise function with its slope (`x` and `out` may be the same buffer).
    Unary {
        x: usize,
        out: usize,
        len: usize,
        op: super::ops::elementwise::Unary,
        tanh: bool,
    },
    /// `out = sign·x + c` (Add, Sub with a constant operand), `c` broadcast to `x`'s shape.
    AddConst {
        x: usize,
        out: usize,
        c: Vec<f64>,
        negate: bool,
    },
    /// `out = x·c` or `x / c` (Mul, Div by a constant), `c` broadcast to `x`'s shape; with
    /// `shift`, `(x + shift)·c` (`ai.onnx.ml` Scaler, `(x − offset)·scale`, whose
    /// subtraction is the addition of `−offset` exactly).
    ScaleConst {
        x: usize,
        out: usize,
        shift: Option<Vec<f64>>,
        c: Vec<f64>,
        divide: bool,
    },
    /// `out = a ± b`, `a·b` or `a / b` for two activations, element `e` of `out` reading
    /// elements `ia[e]` and `ib[e]` (broadcast).
    Binary {
        a: usize,
        b: usize,
        out: usize,
        ia: Vec<usize>,
        ib: Vec<usize>,
        op: BinOp,
    },
    /// Conv with constant weights (`spatial.rs`).
    Conv(spatial::Conv),
    /// MaxPool, AveragePool and their global forms (`spatial.rs`).
    Pool(spatial::Pool),
    /// `out` row `e` is `x` row `idx[e]`: Transpose (a permutation of whole blocks), Slice
    /// and Expand (a broadcast of whole blocks).
    Gather {
        x: usize,
        out: usize,
        idx: Vec<usize>,
    },
    /// Softmax and LogSoftmax (`spatial.rs`).
    Softmax(spatial::Softmax),
    /// The normalisation operators (`normalize.rs`).
    Norm(normalize::Norm),
    /// Pow with a constant exponent or a constant base (`power.rs`).
    Pow(power::Pow),
    /// MatMul of two activations (`product.rs`).
    Product(product::Product),
    /// RNN, GRU and LSTM with constant weights (`recurrent.rs`), writing Y, Y_h and Y_c
    /// (those the graph names) to buffers of their own.
    Recurrent(Box<recurrent::Recurrent>),
    /// ReduceSum and ReduceMean (`reduce.rs`).
    Reduce(reduce::Reduce),
    /// Clip with constant bounds (`elementwise.rs`).
    Clip(elementwise::Clip),
    /// A comparison or predicate into a 0/1 mask with zero lanes (`select.rs`).
    Compare(select::Compare),
    /// Where: the selected branch's blocks per element and point (`select.rs`).
    Where(select::Select),
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum BinOp {
    Add,
    Sub,
    Mul,
    /// The quotient rule (`elementwise::quotient`).
    Div,
}

impl Plan {
    /// The plan for `graph`'s nodes `steps` (topological order) from the runtime input
    /// `input` of `input_shape` to `output`, or `None` when an operator or an operand kind
    /// is not covered (or the graph fails at a zero input, which the generic evaluator then
    /// reports at each call).
    pub(crate) fn build(
        graph: &Graph,
        steps: &[usize],
        input: usize,
        input_shape: &[usize],
        output: usize,
    ) -> Option<Plan> {
        build::build(graph, steps, input, input_shape, output)
    }

    /// Number of inputs.
    pub(crate) fn inputs(&self) -> usize {
        self.n
    }

    /// Number of outputs.
    pub(crate) fn outputs(&self) -> usize {
        self.m
    }

    /// Whether the plan is a chain of dense layers whose Jacobians take the dense path.
    pub(crate) fn is_chain(&self) -> bool {
        self.chain.is_some()
    }

    /// Elements of all buffers of one point (a call holds `1 + lanes` f64 components each).
    pub(crate) fn elements(&self) -> usize {
        self.total()
    }
}

/// Most f64 components the buffers of one call may hold on the route (256 MB): a Jacobian
/// that needs more is left to the generic evaluator, which works in chunks of lanes.
const MAX_COMPONENTS: usize = 1 << 25;

/// Components one block of a batch aims at (about the size of a core's L2 cache).
const BLOCK_COMPONENTS: usize = 1 << 16;

/// Points per block of a batch of Jacobians on the dense chain: an eighth of the batch, so
/// that two or four threads get even shares of even a hundred points, but at least 32 (each
/// layer's GEMM then has a hundred rows or more) and at most 128 (a block's state stays in
/// L2). It depends on the point count only, never on the thread count.
fn chain_block(points: usize) -> usize {
    points.div_ceil(8).clamp(32, 128)
}

/// Which results a batch computes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Forward,
    Jvp,
    Jacobian,
}

impl Plan {
    /// Elements of all buffers together.
    fn total(&self) -> usize {
        self.sizes.iter().sum()
    }

    /// Whether a call with `lanes` lanes and one point stays within [`MAX_COMPONENTS`] and
    /// the caller's `max_components` (its evaluation budget).
    pub(crate) fn fits(&self, lanes: usize, max_components: usize) -> bool {
        self.total()
            .checked_mul(lanes.saturating_add(1))
            .is_some_and(|c| c <= MAX_COMPONENTS.min(max_components))
    }

    /// The outputs at `x` (`n` values).
    pub(crate) fn forward(&self, x: &[f64]) -> Vec<f64> {
        self.run(x, 1, Mode::Forward, |o, cols| {
            (0..self.m).map(|i| o[i * cols]).collect()
        })
    }

    /// The outputs and `J·v` at `x`.
    pub(crate) fn jvp(&self, x: &[f64], v: &[f64]) -> (Vec<f64>, Vec<f64>) {
        self.run(x, 1, Mode::Jvp(v), |o, cols| {
            (0..self.m).map(|i| (o[i * cols], o[i * cols + 1])).unzip()
        })
    }

    /// The outputs and the `m×n` Jacobian at `x`, all `n` columns in one pass.
    pub(crate) fn jacobian(&self, x: &[f64]) -> (Vec<f64>, nalgebra::DMatrix<f64>) {
        if let (Some(chain), true) = (&self.chain, self.n > 0) {
            let mut y = vec![0.0; self.m];
            let mut j = vec![0.0; self.m * self.n];
            if self.with_dense(|ws| chain.jacobians(self, x, ws, &mut y, &mut j)) {
                return (y, nalgebra::DMatrix::from_row_slice(self.m, self.n, &j));
            }
        }
        let (m, n) = (self.m, self.n);
        self.run(x, 1, Mode::Jacobian, |o, cols| {
            let y = (0..m).map(|i| o[i * cols]).collect();
            let j = nalgebra::DMatrix::from_fn(m, n, |i, c| o[i * cols + 1 + c]);
            (y, j)
        })
    }

    /// `f` with the chain's buffers from the pool (new ones if none are free), returned to
    /// the pool afterwards.
    fn with_dense<R>(&self, f: impl FnOnce(&mut chain::Work) -> R) -> R {
        let pool = || self.dense_pool.lock().unwrap_or_else(|e| e.into_inner());
        let mut ws = pool().pop().unwrap_or_default();
        let r = f(&mut ws);
        pool().push(ws);
        r
    }

    /// Points per block of a batch with `lanes` lanes.
    fn block_points(&self, lanes: usize) -> usize {
        let per_point = self.total().saturating_mul(1 + lanes).max(1);
        (BLOCK_COMPONENTS / per_point).max(1)
    }

    /// A batch of `xs.len() / n` points (the caller checked the lengths): `(ys, second)`
    /// with `second` empty (forward), the `J·v` (jvp, tangents `vs`) or the point-major
    /// row-major Jacobians. The points go in blocks whose size depends on the plan only,
    /// spread over rayon's pool, so the results are the same for any number of threads.
    pub(crate) fn batch(&self, xs: &[f64], vs: &[f64], kind: Kind) -> (Vec<f64>, Vec<f64>) {
        use rayon::prelude::*;
        let (n, m) = (self.n, self.m);
        // With no inputs a batch has no points to count (xs.len() / n): the steps.
        if let (Some(chain), Kind::Jacobian, true) = (&self.chain, kind, n > 0) {
            // Whole points (checked by the caller), so the dense path cannot fail; its blocks
            // depend on the point count only, so any thread count gives the same bits.
            // Blocks of `chain_block` points (whatever the thread count), each one dense call.
            // Each block writes its slice of the results in place, with a workspace from the
            // plan's pool.
            let points = xs.len() / n;
            let block = chain_block(points);
            let mut ys = vec![0.0; points * m];
            let mut js = vec![0.0; points * m * n];
            let failed = std::sync::atomic::AtomicBool::new(false);
            xs.par_chunks(block * n)
                .zip(ys.par_chunks_mut((block * m).max(1)))
                .zip(js.par_chunks_mut((block * m * n).max(1)))
                .for_each(|((xb, yb), jb)| {
                    if !self.with_dense(|ws| chain.jacobians(self, xb, ws, yb, jb)) {
                        failed.store(true, std::sync::atomic::Ordering::Relaxed);
                    }
                });
            if !failed.into_inner() {
                return (ys, js);
            }
        }
        let lanes = match kind {
            Kind::Forward => 0,
            Kind::Jvp => 1,
            Kind::Jacobian => n,
        };
        let block = self.block_points(lanes) * n;
        let parts: Vec<(Vec<f64>, Vec<f64>)> = xs
            .par_chunks(block.max(1))
            .enumerate()
            .map(|(bi, xb)| {
                let points = xb.len() / n.max(1);
                let mode = match kind {
                    Kind::Forward => Mode::Forward,
                    Kind::Jvp => Mode::Jvp(&vs[bi * block..bi * block + xb.len()]),
                    Kind::Jacobian => Mode::Jacobian,
                };
                self.run(xb, points, mode, |o, cols| {
                    let w = 1 + lanes;
                    let mut ys = vec![0.0; points * m];
                    let mut second = vec![0.0; points * m * lanes];
                    for i in 0..m {
                        let row = &o[i * cols..(i + 1) * cols];
                        for (q, blk) in row.chunks_exact(w).enumerate() {
                            ys[q * m + i] = blk[0];
                            match kind {
                                Kind::Forward => {}
                                Kind::Jvp => second[q * m + i] = blk[1],
                                Kind::Jacobian => second[(q * m + i) * n..(q * m + i + 1) * n]
                                    .copy_from_slice(&blk[1..]),
                            }
                        }
                    }
                    (ys, second)
                })
            })
            .collect();
        let mut ys = Vec::with_capacity(xs.len() / n.max(1) * m);
        let mut second = Vec::new();
        for (y, s) in parts {
            ys.extend(y);
            second.extend(s);
        }
        (ys, second)
    }
}
