//! Shape rules of the recurrent layers, through the evaluator's `rnn_dims`.

use super::Meta;
use crate::onnx::load::Node;
use crate::onnx::ops::rnn::rnn_dims;

pub(crate) fn rnn(node: &Node, ins: &[Option<&Meta>], _: i64) -> Result<Vec<Option<Meta>>, String> {
    // every input but sequence_lens (4) is a float tensor
    if ins
        .iter()
        .enumerate()
        .any(|(i, m)| i != 4 && m.is_some_and(|m| m.int))
    {
        return Err("recurrent weights and states must be float tensors".into());
    }
    let shapes: Vec<Option<&[usize]>> = ins.iter().map(|m| m.map(|m| m.shape.as_slice())).collect();
    let d = rnn_dims(node, &shapes)?;
    Ok(d.outputs()
        .into_iter()
        .map(|s| Some(Meta::float(s)))
        .collect())
}
