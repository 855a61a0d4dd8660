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
    let (mut ash, mut bsh) = (a.shape().to_vec(), b.shape().to_vec());
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
        return Err(format!(
            "inner dimensions differ: A is {:?}, B is {:?}",
            a.shape(),
            b.shape()
        ));
    }
    let abatch = &ash[..ash.len() - 2];
    let bbatch = &bsh[..bsh.len() - 2];
    let batch = broadcast_shapes(abatch, bbatch)?;
    let mut pairs = Vec::new();
    for_each_broadcast(abatch, bbatch, &batch, |ia, ib| {
        pairs.push((ia * m * k, ib * k * n))
    });
    let mut out_shape = batch.clone();
    if !a1 {
        out_shape.push(m);
    }
    if !b1 {
        out_shape.push(n);
    }
    let dims = GemmDims {
        m,
        k,
        n,
        trans_a: false,
        trans_b: false,
    };
    Ok(vec![Some(products(a, b, dims, &pairs, out_shape)?)])
}

/// `alpha·op(A)·op(B) + beta·C`. A of rank > 2 (MATLAB's opset-6 exports feed a 4-D
/// activation) is flattened from axis 1.
pub(crate) fn gemm<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let ta = node.int("transA", 0) != 0;
    let tb = node.int("transB", 0) != 0;
    let alpha = node.float("alpha", 1.0);
    let beta = node.float("beta", 1.0);
    let flat2 = |s: &[usize]| -> Vec<usize> {
        match s.len() {
            0 => vec![1, 1],
            1 => vec![1, s[0]],
            _ => vec![s[0], s[1..].iter().product()],
        }
    };
    let ash = flat2(a.shape());
    let bsh = b.shape().to_vec();
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
            "op(A) is {m}×{k} (A {:?}, transA={}) but op(B) is {k2}×{n} (B {bsh:?}, transB={})",
            a.shape(),
            u8::from(ta),
            u8::from(tb)
        ));
    }
    let dims = GemmDims {
        m,
        k,
        n,
        trans_a: ta,
        trans_b: tb,
    };
    let mut y = products(a, b, dims, &[(0, 0)], vec![m, n])?;
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
        if y.shape() != [m, n] {
            return Err(format!(
                "C of shape {:?} does not broadcast to {m}×{n}",
                c.shape()
            ));
        }
    }
    Ok(vec![Some(y)])
}
