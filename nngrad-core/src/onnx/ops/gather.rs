//! Index-driven selection and update: GatherElements, GatherND, ScatterElements and
//! ScatterND. Elements are copied with their derivatives; a scatter's `add`/`mul`
//! reductions differentiate as the arithmetic they are and `max`/`min` follow the element
//! they keep (the existing one on a tie).

use super::shape::{axis_of, each};
use super::{req, Ins, Outs};
use crate::onnx::load::Node;
use crate::onnx::tensor::{numel_checked, strides, Tensor, Value};
use crate::Scalar;

/// An index normalised against a dimension of length `d` (negative counts from the end).
fn index(i: i64, d: usize, what: &str) -> Result<usize, String> {
    let j = if i < 0 { i + d as i64 } else { i };
    if j < 0 || j >= d as i64 {
        return Err(format!(
            "{what} index {i} is out of range for a dimension of {d}"
        ));
    }
    Ok(j as usize)
}

/// The flat input offset of every element of `ishape` with the `axis` coordinate replaced
/// by the index stored there.
fn element_offsets(
    dshape: &[usize],
    ishape: &[usize],
    indices: &[i64],
    axis: usize,
) -> Result<Vec<usize>, String> {
    if ishape.len() != dshape.len() {
        return Err(format!(
            "indices have rank {}, data has rank {}",
            ishape.len(),
            dshape.len()
        ));
    }
    let ds = strides(dshape);
    let mut idx = vec![0usize; ishape.len()];
    let mut out = Vec::with_capacity(indices.len());
    for &ind in indices {
        let mut off = 0;
        for k in 0..idx.len() {
            let c = if k == axis {
                index(ind, dshape[axis], "GatherElements/ScatterElements")?
            } else if idx[k] < dshape[k] {
                idx[k]
            } else {
                return Err(format!(
                    "indices shape {ishape:?} exceeds data shape {dshape:?}"
                ));
            };
            off += c * ds[k];
        }
        out.push(off);
        for k in (0..idx.len()).rev() {
            idx[k] += 1;
            if idx[k] < ishape[k] {
                break;
            }
            idx[k] = 0;
        }
    }
    Ok(out)
}

fn pick<T: Copy>(t: &Tensor<T>, offsets: &[usize], shape: &[usize]) -> Tensor<T> {
    Tensor::new(shape.to_vec(), offsets.iter().map(|&o| t.data[o]).collect())
}

/// GatherElements(data, indices, axis).
pub(crate) fn gather_elements<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let ind = req(ins, 1, "indices")?;
    let axis = axis_of(node.int("axis", 0), x.shape().len())?;
    let offs = element_offsets(x.shape(), ind.shape(), &ind.int_values("indices")?, axis)?;
    let shape = ind.shape().to_vec();
    Ok(vec![Some(each!(x, |t| pick(t, &offs, &shape)))])
}

/// For GatherND/ScatterND: the flat offsets of the slices `indices` address, the slice
/// length, and the shape of the batch-and-index part of the result.
fn nd_offsets(
    dshape: &[usize],
    ishape: &[usize],
    indices: &[i64],
    batch_dims: usize,
) -> Result<(Vec<usize>, usize, Vec<usize>), String> {
    let q = ishape.len();
    let k = *ishape.last().ok_or("indices must have rank ≥ 1")?;
    if batch_dims >= q
        || batch_dims + k > dshape.len()
        || dshape[..batch_dims] != ishape[..batch_dims]
    {
        return Err(format!(
            "indices shape {ishape:?} does not address data shape {dshape:?} with batch_dims {batch_dims}"
        ));
    }
    let ds = strides(dshape);
    let slice: usize = dshape[batch_dims + k..].iter().product();
    let batch: usize = dshape[..batch_dims].iter().product();
    let per_batch: usize = ishape[batch_dims..q - 1].iter().product();
    let batch_stride: usize = dshape[batch_dims..].iter().product();
    let mut offs = Vec::with_capacity(batch * per_batch);
    for b in 0..batch {
        for j in 0..per_batch {
            let tuple = &indices[(b * per_batch + j) * k..(b * per_batch + j + 1) * k];
            let mut off = b * batch_stride;
            for (t, &i) in tuple.iter().enumerate() {
                off += index(i, dshape[batch_dims + t], "GatherND/ScatterND")? * ds[batch_dims + t];
            }
            offs.push(off);
        }
    }
    Ok((offs, slice, ishape[..q - 1].to_vec()))
}

/// GatherND(data, indices, batch_dims).
pub(crate) fn gather_nd<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let ind = req(ins, 1, "indices")?;
    let bd = usize::try_from(node.int("batch_dims", 0)).map_err(|_| "batch_dims < 0")?;
    let (offs, slice, mut shape) =
        nd_offsets(x.shape(), ind.shape(), &ind.int_values("indices")?, bd)?;
    let k = *ind.shape().last().unwrap_or(&0);
    shape.extend_from_slice(&x.shape()[bd + k..]);
    numel_checked(&shape, 8)?;
    let all: Vec<usize> = offs.iter().flat_map(|&o| o..o + slice).collect();
    Ok(vec![Some(each!(x, |t| pick(t, &all, &shape)))])
}

/// A scatter's reduction.
#[derive(Clone, Copy)]
enum Reduction {
    None,
    Add,
    Mul,
    Max,
    Min,
}

fn reduction(node: &Node) -> Result<Reduction, String> {
    Ok(match node.string("reduction", "none").as_str() {
        "none" => Reduction::None,
        "add" => Reduction::Add,
        "mul" => Reduction::Mul,
        "max" => Reduction::Max,
        "min" => Reduction::Min,
        other => return Err(format!("unknown reduction '{other}'")),
    })
}

fn combine<T: Scalar>(r: Reduction, old: T, new: T) -> T {
    match r {
        Reduction::None => new,
        Reduction::Add => old + new,
        Reduction::Mul => old * new,
        Reduction::Max => {
            if new > old {
                new
            } else {
                old
            }
        }
        Reduction::Min => {
            if new < old {
                new
            } else {
                old
            }
        }
    }
}

fn scatter_t<T: Scalar>(
    data: &Tensor<T>,
    offs: &[usize],
    upd: &Tensor<T>,
    r: Reduction,
) -> Tensor<T> {
    let mut out = data.data.clone();
    for (&o, &u) in offs.iter().zip(&upd.data) {
        out[o] = combine(r, out[o], u);
    }
    Tensor::new(data.shape.clone(), out)
}

/// The scatter of `updates` into `data` at `offs` for every kind of value.
fn scatter<S: Scalar>(
    data: &Value<S>,
    upd: &Value<S>,
    offs: &[usize],
    r: Reduction,
) -> Result<Value<S>, String> {
    Ok(match (data, upd) {
        (Value::Float(d), Value::Float(u)) => Value::float(scatter_t(d, offs, u, r)),
        (Value::Int(d), Value::Int(u)) => {
            let f = scatter_t(&d.map(|v| v as f64), offs, &u.map(|v| v as f64), r);
            Value::int(f.map(|v| v as i64))
        }
        _ => Value::Act(scatter_t(
            &*data.act_ref("data")?,
            offs,
            &*upd.act_ref("updates")?,
            r,
        )),
    })
}

/// ScatterElements(data, indices, updates, axis, reduction).
pub(crate) fn scatter_elements<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let ind = req(ins, 1, "indices")?;
    let upd = req(ins, 2, "updates")?;
    if upd.shape() != ind.shape() {
        return Err(format!(
            "updates shape {:?} differs from indices shape {:?}",
            upd.shape(),
            ind.shape()
        ));
    }
    let axis = axis_of(node.int("axis", 0), x.shape().len())?;
    let offs = element_offsets(x.shape(), ind.shape(), &ind.int_values("indices")?, axis)?;
    Ok(vec![Some(scatter(x, upd, &offs, reduction(node)?)?)])
}

/// ScatterND(data, indices, updates, reduction).
pub(crate) fn scatter_nd<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let x = req(ins, 0, "data")?;
    let ind = req(ins, 1, "indices")?;
    let upd = req(ins, 2, "updates")?;
    let (offs, slice, mut shape) =
        nd_offsets(x.shape(), ind.shape(), &ind.int_values("indices")?, 0)?;
    let k = *ind.shape().last().unwrap_or(&0);
    shape.extend_from_slice(&x.shape()[k..]);
    if upd.shape() != shape.as_slice() {
        return Err(format!(
            "updates shape {:?}, expected {shape:?}",
            upd.shape()
        ));
    }
    let all: Vec<usize> = offs.iter().flat_map(|&o| o..o + slice).collect();
    Ok(vec![Some(scatter(x, upd, &all, reduction(node)?)?)])
}
