//! Masks on the route: comparisons and predicates of activations (Equal, Less(OrEqual),
//! Greater(OrEqual), And, Or, Xor, Not, IsNaN, IsInf) and `Where`, with the generic
//! operators' semantics (`ops::compare`).
//!
//! A comparison's result is piecewise constant in the input, so its derivative is zero: it
//! is carried as 0/1 values with zero lanes (a *mask*). `Where` copies whole
//! `[value | lanes]` blocks of the branch its condition selects, per point, as the generic
//! operator copies whole dual numbers (the branch not selected never reaches the result).
//! A `Where` of two constant branches gives floats that vary with the input but carry no
//! derivative (*flat*). Neither kind is an activation to the other steps: the plan builder
//! keeps each buffer's [`Kind`] and lets a mask reach only the comparisons, `Where`, the
//! aliases and `Expand`, and a flat value only those and Add/Sub with an activation (whose
//! lanes then pass unchanged), so a 0/1 mask is never read where a float is expected and
//! no product rule ever meets a lane that the generic evaluator does not have.

use crate::onnx::load::Node;
use crate::onnx::tensor::{broadcast_strides, for_each_broadcast, for_each_offset, Value};

/// Elements of a value.
pub(super) fn len(v: &Value<f64>) -> usize {
    v.shape().iter().product()
}

/// What a buffer that is not an activation holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// 0/1 values (the generic operators' bool tensors, integers 0/1), zero lanes.
    Mask,
    /// Floats with zero lanes (a `Where` of constant branches).
    Flat,
}

/// An operand of a comparison or of `Where`: a buffer's rows or a constant broadcast to the
/// result (its values, as the generic operators read them in f64).
pub(super) enum Operand {
    Buf(usize),
    Const(Vec<f64>),
}

impl Operand {
    fn buf(&self) -> Option<usize> {
        match self {
            Operand::Buf(b) => Some(*b),
            Operand::Const(_) => None,
        }
    }

    /// Moves a buffer operand to its renumbered slot (constants stay).
    fn renumber(&mut self, rep: &[usize]) {
        if let Operand::Buf(b) = self {
            *b = rep[*b];
        }
    }

    /// The value of point `q` of element `e` (rows of `cols`, blocks of `w`).
    fn value(&self, bufs: &[Vec<f64>], e: usize, q: usize, cols: usize, w: usize) -> f64 {
        match self {
            Operand::Buf(b) => bufs[*b][e * cols + q * w],
            Operand::Const(c) => c[e],
        }
    }
}

/// The generic operators' element functions (`ops::compare::compare` and `predicate`) on
/// the f64 values they compare (integers widened; on the route every operand is a float
/// or a 0/1 mask, for which widening is exact).
#[derive(Clone, Copy)]
enum Test {
    Equal,
    Less,
    LessOrEqual,
    Greater,
    GreaterOrEqual,
    And,
    Or,
    Xor,
    Not,
    IsNaN,
    IsInf { neg: bool, pos: bool },
}

impl Test {
    fn of(node: &Node) -> Option<Test> {
        Some(match node.op.as_str() {
            "Equal" => Test::Equal,
            "Less" => Test::Less,
            "LessOrEqual" => Test::LessOrEqual,
            "Greater" => Test::Greater,
            "GreaterOrEqual" => Test::GreaterOrEqual,
            "And" => Test::And,
            "Or" => Test::Or,
            "Xor" => Test::Xor,
            "Not" => Test::Not,
            "IsNaN" => Test::IsNaN,
            "IsInf" => Test::IsInf {
                neg: node.int("detect_negative", 1) != 0,
                pos: node.int("detect_positive", 1) != 0,
            },
            _ => return None,
        })
    }

    fn unary(self) -> bool {
        matches!(self, Test::Not | Test::IsNaN | Test::IsInf { .. })
    }

    fn eval(self, p: f64, q: f64) -> bool {
        match self {
            Test::Equal => p == q,
            Test::Less => p < q,
            Test::LessOrEqual => p <= q,
            Test::Greater => p > q,
            Test::GreaterOrEqual => p >= q,
            Test::And => p != 0.0 && q != 0.0,
            Test::Or => p != 0.0 || q != 0.0,
            Test::Xor => (p != 0.0) != (q != 0.0),
            Test::Not => p == 0.0,
            Test::IsNaN => p.is_nan(),
            Test::IsInf { neg, pos } => {
                (pos && p == f64::INFINITY) || (neg && p == f64::NEG_INFINITY)
            }
        }
    }
}

/// Whether `node` is one of the comparisons and predicates [`compare`] covers.
pub(super) fn is_test(node: &Node) -> bool {
    Test::of(node).is_some()
}

/// A comparison or predicate into the mask buffer `out`: element `e` tests `a` at `ia[e]`
/// (and `b` at `ib[e]`).
pub(super) struct Compare {
    a: Operand,
    b: Option<Operand>,
    out: usize,
    ia: Vec<usize>,
    ib: Vec<usize>,
    test: Test,
}

/// Input `i` as an operand: its buffer, or its constant values (read at the indices the
/// step keeps for it).
fn operand(vals: &[Option<Value<f64>>], bufs: &[Option<usize>], i: usize) -> Option<Operand> {
    match bufs.get(i).copied().flatten() {
        Some(b) => Some(Operand::Buf(b)),
        None => Some(Operand::Const(
            super::build::floats(vals.get(i)?.as_ref()?)?.data,
        )),
    }
}

/// The step for a comparison or predicate with at least one operand in a buffer (`bufs[i]`:
/// input `i`'s buffer, any kind), whose result at the zero input is `zero` (the generic
/// operator's bool tensor), into the mask buffer `out`.
pub(super) fn compare(
    node: &Node,
    vals: &[Option<Value<f64>>],
    bufs: &[Option<usize>],
    zero: &Value<f64>,
    out: usize,
) -> Option<Compare> {
    let test = Test::of(node)?;
    let arity = if test.unary() { 1 } else { 2 };
    if vals.len() != arity || !matches!(zero, Value::Int(_)) {
        return None;
    }
    let shape = |i: usize| vals[i].as_ref().map(Value::shape);
    let (mut ia, mut ib) = (Vec::new(), Vec::new());
    if test.unary() {
        ia = (0..len(zero)).collect();
    } else {
        for_each_broadcast(shape(0)?, shape(1)?, zero.shape(), |i, j| {
            ia.push(i);
            ib.push(j);
        });
    }
    let a = operand(vals, bufs, 0)?;
    let b = if test.unary() {
        None
    } else {
        Some(operand(vals, bufs, 1)?)
    };
    (ia.len() == len(zero)).then_some(Compare {
        a,
        b,
        out,
        ia,
        ib,
        test,
    })
}

impl Compare {
    pub(super) fn reads(&self) -> Vec<usize> {
        [self.a.buf(), self.b.as_ref().and_then(Operand::buf)]
            .into_iter()
            .flatten()
            .collect()
    }

    pub(super) fn out(&self) -> usize {
        self.out
    }

    pub(super) fn renumber(&mut self, rep: &[usize]) {
        self.a.renumber(rep);
        if let Some(b) = &mut self.b {
            b.renumber(rep);
        }
    }

    /// Runs on rows of `cols = points·w` components.
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], cols: usize, w: usize) {
        let mut o = std::mem::take(&mut bufs[self.out]);
        for (e, row) in o.chunks_exact_mut(cols).enumerate() {
            let (ea, eb) = (self.ia[e], self.ib.get(e).copied().unwrap_or(0));
            for (q, blk) in row.chunks_exact_mut(w).enumerate() {
                let p = self.a.value(bufs, ea, q, cols, w);
                let v = self
                    .b
                    .as_ref()
                    .map_or(0.0, |b| b.value(bufs, eb, q, cols, w));
                blk[0] = if self.test.eval(p, v) { 1.0 } else { 0.0 };
                blk[1..].fill(0.0);
            }
        }
        bufs[self.out] = o;
    }
}

/// `Where(condition, X, Y)` into buffer `out`: element `e` tests the condition at `ic[e]`
/// (nonzero selects, per point, as `ops::compare::where_op`) and takes X's block at
/// `ix[e]` or Y's at `iy[e]`; a constant branch gives its value with zero lanes.
pub(super) struct Select {
    cond: Operand,
    x: Operand,
    y: Operand,
    out: usize,
    ic: Vec<usize>,
    ix: Vec<usize>,
    iy: Vec<usize>,
}

/// The step for `Where` with at least one input in a buffer (`bufs[i]`; the caller has
/// excluded mask branches), whose result at the zero input has `zero`'s shape.
pub(super) fn select(
    vals: &[Option<Value<f64>>],
    bufs: &[Option<usize>],
    zero: &Value<f64>,
    out: usize,
) -> Option<Select> {
    if vals.len() != 3 {
        return None;
    }
    let out_shape = zero.shape();
    let mut idx: [Vec<usize>; 3] = Default::default();
    for (i, ix) in idx.iter_mut().enumerate() {
        let sh = vals[i].as_ref()?.shape();
        if sh.len() > out_shape.len() {
            return None;
        }
        let st = broadcast_strides(sh, out_shape);
        ix.reserve(len(zero));
        if len(zero) > 0 {
            for_each_offset(out_shape, [&st], |[k]| ix.push(k));
        }
    }
    if idx.iter().any(|ix| ix.len() != len(zero)) {
        return None;
    }
    // The condition's constant values are read as the generic operator reads them: an
    // integer tensor's nonzero entries, or a float's (`v != 0`); both are `v != 0` in f64.
    let [ic, ix, iy] = idx;
    Some(Select {
        cond: operand(vals, bufs, 0)?,
        x: operand(vals, bufs, 1)?,
        y: operand(vals, bufs, 2)?,
        out,
        ic,
        ix,
        iy,
    })
}

impl Select {
    pub(super) fn reads(&self) -> Vec<usize> {
        [self.cond.buf(), self.x.buf(), self.y.buf()]
            .into_iter()
            .flatten()
            .collect()
    }

    pub(super) fn out(&self) -> usize {
        self.out
    }

    pub(super) fn renumber(&mut self, rep: &[usize]) {
        for o in [&mut self.cond, &mut self.x, &mut self.y] {
            o.renumber(rep);
        }
    }

    /// Runs on rows of `cols = points·w` components.
    pub(super) fn run(&self, bufs: &mut [Vec<f64>], cols: usize, w: usize) {
        let mut o = std::mem::take(&mut bufs[self.out]);
        for (e, row) in o.chunks_exact_mut(cols).enumerate() {
            let (ec, ex, ey) = (self.ic[e], self.ix[e], self.iy[e]);
            for (q, blk) in row.chunks_exact_mut(w).enumerate() {
                let taken = if self.cond.value(bufs, ec, q, cols, w) != 0.0 {
                    (&self.x, ex)
                } else {
                    (&self.y, ey)
                };
                match taken {
                    (Operand::Buf(b), i) => {
                        let at = i * cols + q * w;
                        blk.copy_from_slice(&bufs[*b][at..at + w]);
                    }
                    (Operand::Const(c), i) => {
                        blk[0] = c[i];
                        blk[1..].fill(0.0);
                    }
                }
            }
        }
        bufs[self.out] = o;
    }
}
