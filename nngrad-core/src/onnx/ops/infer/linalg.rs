//! Shape rules of the matrix products, through the evaluator's `matmul_shape` and
//! `gemm_dims`.

use super::{one, opt, req, Meta};
use crate::onnx::load::Node;
use crate::onnx::ops::linalg::{gemm_dims, matmul_shape};

type Rule = Result<Vec<Option<Meta>>, String>;

pub(crate) fn matmul(_: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    one(Meta::float(matmul_shape(&a.shape, &b.shape)?.out_shape))
}

pub(crate) fn gemm(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let a = req(ins, 0, "A")?;
    let b = req(ins, 1, "B")?;
    let d = gemm_dims(
        node,
        &a.shape,
        &b.shape,
        opt(ins, 2).map(|c| c.shape.as_slice()),
    )?;
    one(Meta::float(vec![d.m, d.n]))
}
