//! Gemm and MatMul, through the shared kernels of [`crate::kernels`]: activations times f64
//! weights use the mixed kernels, so weights never become dual numbers.

use super::elementwise::{binary, Bin};
use super::{opt, req, Ins, Outs};
use crate::kernels::{gemm_ss, gemm_sw, gemm_ws, GemmDims};
use crate::onnx::load::Node;
use crate::onnx::tensor::{broadcast_shapes, for_each_broadcast, numel_checked, Tensor, Value};
use crate::Scalar;

/// `out += op(A)·op(B)` for a batch of products, choosing the kernel by operand kinds.
/// `pairs` lists (offset of A, offset of B) per product; outputs are consecutive.
fn products<S: Scalar>(
    a: &Value<S>,
    b: &Value<S>,
    dims: GemmDims,
    pairs: &[(usize, usize)],
    out_shape: Vec<usize>,
) -> Result<Value<S>, String> {
    let (al, bl, ol) = (dims.a_len(), dims.b_len(), dims.m * dims.n);
    let n = numel_checked(&out_shape, std::mem::size_of::<S>())?;
    debug_assert_eq!(n, ol * pairs.len());
    fn run<A, B, C: Scalar>(
        a: &[A],
        b: &[B],
        pairs: &[(usize, usize)],
        (al, bl, ol): (usize, usize, usize),
        out: &mut [C],
        k: impl Fn(&[A], &[B], &mut [C]),
    ) {
        for (p, &(ia, ib)) in pairs.iter().enumerate() {
            k(
                &a[ia..ia + al],
                &b[ib..ib + bl],
                &mut out[p * ol..(p + 1) * ol],
            );
        }
    }
    let lens = (al, bl, ol);
    Ok(match (a, b) {
        (Value::Act(x), Value::Act(y)) => {
            let mut out = vec![S::cst(0.0); n];
            run(&x.data, &y.data, pairs, lens, &mut out, |p, q, o| {
                gemm_ss(p, q, dims, o)
            });
            Value::Act(Tensor::new(out_shape, out))
        }
        (Value::Act(x), Value::Float(y)) => {
            let mut out = vec![S::cst(0.0); n];
            run(&x.data, &y.data, pairs, lens, &mut out, |p, q, o| {
                gemm_sw(p, q, dims, o)
            });
            Value::Act(Tensor::new(out_shape, out))
        }
        (Value::Float(x), Value::Act(y)) => {
            let mut out = vec![S::cst(0.0); n];
            run(&x.data, &y.data, pairs, lens, &mut out, |p, q, o| {
                gemm_ws(p, q, dims, o)
            });
            Value::Act(Tensor::new(out_shape, out))
        }
        (Value::Float(x), Value::Float(y)) => {
            let mut out = vec![0.0; n];
            run(&x.data, &y.data, pairs, lens, &mut out, |p, q, o| {
                gemm_sw::<f64>(p, q, dims, o)
            });
            Value::float(Tensor::new(out_shape, out))
        }
        _ => {
            let fa = to_float(a);
            let fb = to_float(b);
            return products(&fa, &fb, dims, pairs, out_shape);
        }
    })
}

fn to_float<S: Scalar>(v: &Value<S>) -> Value<S> {
    match v {
        Value::Int(t) => Value::float(t.map(|x| x as f64)),
        v => v.clone(),
    }
}

/// NumPy `matmul`: 1-D operands are promoted, batch dimensions broadcast.
pub(crate) fn matmul<S: Scalar>(ins: &Ins<S>) -> Outs<S> {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let mm = matmul_shape(a.shape(), b.shape())?;
    if numel_checked(&mm.out_shape, std::mem::size_of::<S>())? == 0 {
        return Ok(vec![Some(empty_product(a, b, mm.out_shape))]);
    }
    let pairs = mm.pairs();
    Ok(vec![Some(products(a, b, mm.dims, &pairs, mm.out_shape)?)])
}

/// The zero-size result of a product: float, an activation if either operand is one.
fn empty_product<S: Scalar>(a: &Value<S>, b: &Value<S>, shape: Vec<usize>) -> Value<S> {
    if matches!(a, Value::Act(_)) || matches!(b, Value::Act(_)) {
        Value::Act(Tensor::new(shape, vec![]))
    } else {
        Value::float(Tensor::new(shape, vec![]))
    }
}

/// MatMul's operand layout: batch shapes (each operand's and the broadcast), one product's
/// dimensions and the output shape.
pub(crate) struct MatMulShape {
    abatch: Vec<usize>,
    bbatch: Vec<usize>,
    batch: Vec<usize>,
    dims: GemmDims,
    pub out_shape: Vec<usize>,
}

impl MatMulShape {
    /// One product's dimensions (`m×k` times `k×n`, neither stored transposed).
    pub(crate) fn dims(&self) -> GemmDims {
        self.dims
    }

    /// Per product, in the output's order (`m·n` elements each): the element offsets of its
    /// `A` and `B` blocks, the batch dimensions broadcast as NumPy's `matmul` does.
    pub(crate) fn pairs(&self) -> Vec<(usize, usize)> {
        let (m, k, n) = (self.dims.m, self.dims.k, self.dims.n);
        let mut pairs = Vec::new();
        for_each_broadcast(&self.abatch, &self.bbatch, &self.batch, |ia, ib| {
            pairs.push((ia * m * k, ib * k * n))
        });
        pairs
    }
}

/// MatMul's checks and shapes (NumPy `matmul`: 1-D operands promoted, batches broadcast).
pub(crate) fn matmul_shape(a: &[usize], b: &[usize]) -> Result<MatMulShape, String> {
    let (mut ash, mut bsh) = (a.to_vec(), b.to_vec());
    if ash.is_empty() || bsh.is_empty() {
        return Err("MatMul operands must have rank ≥ 1".into());
    }
    let a1 = ash.len() == 1;
    let b1 = bsh.len() == 1;
    if a1 {
        ash.insert(0, 1);
    }
    if b1 {
        bsh.push(1);
    }
    let (m, k) = (ash[ash.len() - 2], ash[ash.len() - 1]);
    let (k2, n) = (bsh[bsh.len() - 2], bsh[bsh.len() - 1]);
    if k != k2 {
        return Err(format!("inner dimensions differ: A is {a:?}, B is {b:?}"));
    }
    let abatch = ash[..ash.len() - 2].to_vec();
    let bbatch = bsh[..bsh.len() - 2].to_vec();
    let batch = broadcast_shapes(&abatch, &bbatch)?;
    numel_checked(&ash, 1)?;
    numel_checked(&bsh, 1)?;
    let mut out_shape = batch.clone();
    if !a1 {
        out_shape.push(m);
    }
    if !b1 {
        out_shape.push(n);
    }
    numel_checked(&out_shape, 1)?;
    let dims = GemmDims {
        m,
        k,
        n,
        trans_a: false,
        trans_b: false,
    };
    Ok(MatMulShape {
        abatch,
        bbatch,
        batch,
        dims,
        out_shape,
    })
}

/// `alpha·op(A)·op(B) + beta·C`. A of rank > 2 (MATLAB's opset-6 exports feed a 4-D
/// activation) is flattened from axis 1.
pub(crate) fn gemm<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let alpha = node.float("alpha", 1.0);
    let beta = node.float("beta", 1.0);
    let dims = gemm_dims(node, a.shape(), b.shape(), opt(ins, 2).map(Value::shape))?;
    let (m, n) = (dims.m, dims.n);
    let mut y = if numel_checked(&[m, n], std::mem::size_of::<S>())? == 0 {
        empty_product(a, b, vec![m, n])
    } else {
        products(a, b, dims, &[(0, 0)], vec![m, n])?
    };
    if alpha != 1.0 {
        y = binary(Bin::Mul, &y, &Value::float(Tensor::scalar(alpha)))?;
    }
    if let Some(c) = opt(ins, 2) {
        let c = if beta != 1.0 {
            binary(Bin::Mul, c, &Value::float(Tensor::scalar(beta)))?
        } else {
            c.clone()
        };
        y = binary(Bin::Add, &y, &c)?;
    }
    Ok(vec![Some(y)])
}

/// Gemm's checks and product dimensions; `c` is C's shape, which must broadcast to `m×n`.
pub(crate) fn gemm_dims(
    node: &Node,
    a: &[usize],
    b: &[usize],
    c: Option<&[usize]>,
) -> Result<GemmDims, String> {
    let ta = node.int("transA", 0) != 0;
    let tb = node.int("transB", 0) != 0;
    let ash = match a.len() {
        0 => vec![1, 1],
        1 => vec![1, a[0]],
        _ => vec![a[0], numel_checked(&a[1..], 1)?],
    };
    numel_checked(a, 1)?;
    let bsh = b.to_vec();
    if bsh.len() != 2 {
        return Err(format!("B must be 2-D, got shape {bsh:?}"));
    }
    let (m, k) = if ta {
        (ash[1], ash[0])
    } else {
        (ash[0], ash[1])
    };
    let (k2, n) = if tb {
        (bsh[1], bsh[0])
    } else {
        (bsh[0], bsh[1])
    };
    if k != k2 {
        return Err(format!(
            "op(A) is {m}×{k} (A {a:?}, transA={}) but op(B) is {k2}×{n} (B {bsh:?}, transB={})",
            u8::from(ta),
            u8::from(tb)
        ));
    }
    numel_checked(&bsh, 1)?;
    if let Some(c) = c {
        if broadcast_shapes(&[m, n], c).ok().as_deref() != Some(&[m, n][..]) {
            return Err(format!("C of shape {c:?} does not broadcast to {m}×{n}"));
        }
    }
    Ok(GemmDims {
        m,
        k,
        n,
        trans_a: ta,
        trans_b: tb,
    })
}
