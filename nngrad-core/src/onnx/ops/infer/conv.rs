//! Shape rules of convolution and pooling: the evaluator's own window placement
//! (`conv_shape`, `pool_shape`), so strides, dilations, pads and `auto_pad` are checked once.

use super::{one, opt, req, Meta};
use crate::onnx::load::Node;
use crate::onnx::ops::conv::{conv_shape, global_pool_shape, pool_shape};
use crate::onnx::tensor::numel_checked;

type Rule = Result<Vec<Option<Meta>>, String>;

pub(crate) fn conv(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "X")?;
    let w = req(ins, 1, "W")?;
    if x.int || w.int {
        return Err("X and W must be float tensors".into());
    }
    let shape = conv_shape(node, &x.shape, &w.shape)?;
    if let Some(b) = opt(ins, 2) {
        if numel_checked(&b.shape, 1)? != w.shape[0] {
            return Err(format!(
                "B of shape {:?} does not have {} values",
                b.shape, w.shape[0]
            ));
        }
    }
    one(Meta::float(shape))
}

pub(crate) fn max_pool(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "X")?;
    let shape = pool_shape(node, &x.shape)?;
    Ok(vec![Some(x.like(shape.clone())), Some(Meta::int(shape))])
}

pub(crate) fn avg_pool(node: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "X")?;
    if x.int {
        return Err("expects a float tensor, got an integer one".into());
    }
    one(x.like(pool_shape(node, &x.shape)?))
}

pub(crate) fn global_pool(_: &Node, ins: &[Option<&Meta>], _: i64) -> Rule {
    let x = req(ins, 0, "X")?;
    if x.int {
        return Err("expects a float tensor, got an integer one".into());
    }
    one(x.like(global_pool_shape(&x.shape)?))
}
