//! Tensors of the evaluator: row-major data with a shape, and the three kinds of value a
//! graph carries (activations of `S`, f64 constants, integers).

use crate::Scalar;
use std::cell::Cell;
use std::sync::Arc;

/// The most bytes one tensor may take. Shapes computed from a model's integers (Reshape,
/// Expand, ConstantOfShape, padding) are checked against it so that a hostile file cannot ask
/// for a huge allocation.
pub(crate) const MAX_TENSOR_BYTES: usize = 1 << 30;

/// A row-major tensor.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Tensor<T> {
    pub shape: Vec<usize>,
    pub data: Vec<T>,
}

thread_local! {
    /// The most elements one tensor may have on this thread while a model is loaded or
    /// evaluated ([`with_element_cap`]): its `LoadOptions::max_tensor_elements`.
    static ELEMENT_CAP: std::cell::Cell<usize> = const { std::cell::Cell::new(usize::MAX) };
    /// The largest size [`numel_checked`] refused under the cap, for [`with_run_limit`].
    static CAP_HIT: Cell<Option<usize>> = const { Cell::new(None) };
}

/// Runs `f` with every size-checked allocation of the operators ([`numel_checked`]) capped
/// at `max` elements on this thread, so a node evaluated at load (to learn its shape) or at
/// run time cannot allocate past `LoadOptions::max_tensor_elements` before the limit is
/// checked. The previous cap is restored afterwards, also on panic.
pub(crate) fn with_element_cap<R>(max: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            ELEMENT_CAP.with(|c| c.set(self.0));
        }
    }
    let _restore = Restore(ELEMENT_CAP.with(|c| c.replace(max.min(c.get()))));
    f()
}

/// Product of a shape, or an error when it overflows, exceeds [`MAX_TENSOR_BYTES`] for
/// elements of `elem_bytes` bytes, or exceeds the element cap of [`with_element_cap`].
///
/// The bound applies to the product of the non-zero dimensions too: an empty tensor of shape
/// `[0, 2^40]` holds nothing, but the loops over its other axes would not end (and their
/// partial products would wrap), so it is refused like a full one.
pub(crate) fn numel_checked(shape: &[usize], elem_bytes: usize) -> Result<usize, String> {
    let span = span_checked(shape).ok_or_else(|| format!("shape {shape:?} overflows"))?;
    let cap = ELEMENT_CAP.with(|c| c.get());
    if span > cap {
        CAP_HIT.with(|h| h.set(Some(h.get().map_or(span, |n: usize| n.max(span)))));
        return Err(format!(
            "shape {shape:?} spans {span} elements, over the load limit max_tensor_elements = \
             {cap}; if the model is genuine, raise it: Model::from_bytes_with(bytes, \
             &LoadOptions {{ max_tensor_elements: {span}, ..LoadOptions::default() }})"
        ));
    }
    if span.saturating_mul(elem_bytes.max(1)) > MAX_TENSOR_BYTES {
        return Err(format!(
            "shape {shape:?} spans {span} elements, more than this loader allows ({} bytes)",
            MAX_TENSOR_BYTES
        ));
    }
    Ok(if shape.contains(&0) { 0 } else { span })
}

/// Runs `f` (one node's operator) under [`with_element_cap`] at `max` elements and returns
/// `f`'s result with, if a size exceeded the cap, the largest one asked for.
///
/// The validation pass knows every size at load except those that depend on the runtime
/// input's values (a `Range` bound, a `OneHot` depth, fed by the input): the evaluator runs
/// the nodes shaped at run time this way, under what the limits of
/// [`LoadOptions`](super::LoadOptions) leave, and reports the size refused as an
/// `Error::Limit` (the operators check each size with [`numel_checked`] before allocating
/// it, so the bound holds before the memory is taken).
pub(crate) fn with_run_limit<R>(max: usize, f: impl FnOnce() -> R) -> (R, Option<usize>) {
    let outer = CAP_HIT.with(|h| h.take());
    let r = with_element_cap(max, f);
    let needed = CAP_HIT.with(|h| h.replace(outer));
    (r, needed)
}

/// The product of the shape's dimensions with zeros counted as 1 (the largest partial
/// product any loop over the shape meets), `None` when it overflows.
pub(crate) fn span_checked(shape: &[usize]) -> Option<usize> {
    shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d.max(1)))
}

impl<T: Copy> Tensor<T> {
    pub fn new(shape: Vec<usize>, data: Vec<T>) -> Self {
        debug_assert_eq!(shape.iter().product::<usize>(), data.len());
        Tensor { shape, data }
    }
    /// A tensor of `shape` filled with `v`, size-checked.
    pub fn full(shape: Vec<usize>, v: T) -> Result<Self, String> {
        let n = numel_checked(&shape, std::mem::size_of::<T>())?;
        Ok(Tensor {
            shape,
            data: vec![v; n],
        })
    }
    pub fn scalar(v: T) -> Self {
        Tensor {
            shape: vec![],
            data: vec![v],
        }
    }
    pub fn len(&self) -> usize {
        self.data.len()
    }
    pub fn map<U>(&self, f: impl Fn(T) -> U) -> Tensor<U> {
        Tensor {
            shape: self.shape.clone(),
            data: self.data.iter().map(|&v| f(v)).collect(),
        }
    }
    pub fn reshaped(&self, shape: Vec<usize>) -> Self {
        Tensor {
            shape,
            data: self.data.clone(),
        }
    }
}

/// Row-major strides of a shape.
pub(crate) fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for i in (0..shape.len().saturating_sub(1)).rev() {
        s[i] = s[i + 1] * shape[i + 1];
    }
    s
}

/// Multidirectional (NumPy) broadcast of two shapes.
pub(crate) fn broadcast_shapes(a: &[usize], b: &[usize]) -> Result<Vec<usize>, String> {
    let r = a.len().max(b.len());
    let mut out = vec![0; r];
    for i in 0..r {
        let da = if i + a.len() >= r {
            a[i + a.len() - r]
        } else {
            1
        };
        let db = if i + b.len() >= r {
            b[i + b.len() - r]
        } else {
            1
        };
        out[i] = if da == db || db == 1 {
            da
        } else if da == 1 {
            db
        } else {
            return Err(format!("shapes {a:?} and {b:?} do not broadcast"));
        };
    }
    Ok(out)
}

/// Strides of `shape` seen from the broadcast shape `out` (0 along broadcast axes).
pub(crate) fn broadcast_strides(shape: &[usize], out: &[usize]) -> Vec<usize> {
    let s = strides(shape);
    let off = out.len() - shape.len();
    (0..out.len())
        .map(|i| {
            if i < off || shape[i - off] == 1 {
                0
            } else {
                s[i - off]
            }
        })
        .collect()
}

/// Visits every index of `shape` in row-major order and calls `f` with, for each of the `K`
/// stride lists, the offset `Σ idx[d]·strides[d]`. The offsets are stepped like an odometer
/// instead of recomputed, so a permuted or broadcast walk costs no multiplications per element.
pub(crate) fn for_each_offset<const K: usize>(
    shape: &[usize],
    strides: [&[usize]; K],
    mut f: impl FnMut([usize; K]),
) {
    let n: usize = shape.iter().product();
    let mut idx = vec![0usize; shape.len()];
    let mut off = [0usize; K];
    for _ in 0..n {
        f(off);
        let mut d = shape.len();
        while d > 0 {
            d -= 1;
            idx[d] += 1;
            for (o, s) in off.iter_mut().zip(&strides) {
                *o += s[d];
            }
            if idx[d] < shape[d] {
                break;
            }
            for (o, s) in off.iter_mut().zip(&strides) {
                *o -= s[d] * shape[d];
            }
            idx[d] = 0;
        }
    }
}

/// Calls `f(a_index, b_index)` for every element of `out`, the broadcast of `a` and `b`, in
/// row-major order.
pub(crate) fn for_each_broadcast(
    a: &[usize],
    b: &[usize],
    out: &[usize],
    mut f: impl FnMut(usize, usize),
) {
    if out.iter().product::<usize>() == 0 {
        return;
    }
    let sa = broadcast_strides(a, out);
    let sb = broadcast_strides(b, out);
    for_each_offset(out, [&sa, &sb], |[ia, ib]| f(ia, ib));
}

/// Broadcasts `t` to `shape` (which must be a broadcast of its shape).
pub(crate) fn expand_to<T: Copy>(t: &Tensor<T>, shape: &[usize]) -> Result<Tensor<T>, String> {
    let out = broadcast_shapes(&t.shape, shape)?;
    if out != shape {
        return Err(format!("cannot broadcast {:?} to {shape:?}", t.shape));
    }
    let n = numel_checked(&out, std::mem::size_of::<T>())?;
    let mut data = Vec::with_capacity(n);
    for_each_broadcast(&t.shape, &t.shape, &out, |ia, _| data.push(t.data[ia]));
    Ok(Tensor::new(out, data))
}

/// A value flowing through the graph.
///
/// * `Act`: floats that may carry derivatives (they depend on the model input).
/// * `Float`: float constants (weights, and everything computed from constants only), kept
///   in f64 and shared; they never become dual numbers.
/// * `Int`: integer and bool tensors (shapes, indices, labels, masks).
#[derive(Clone, Debug)]
pub(crate) enum Value<S> {
    Act(Tensor<S>),
    Float(Arc<Tensor<f64>>),
    Int(Arc<Tensor<i64>>),
}

impl<S: Scalar> Value<S> {
    pub fn shape(&self) -> &[usize] {
        match self {
            Value::Act(t) => &t.shape,
            Value::Float(t) => &t.shape,
            Value::Int(t) => &t.shape,
        }
    }
    pub fn is_int(&self) -> bool {
        matches!(self, Value::Int(_))
    }
    pub fn float(t: Tensor<f64>) -> Self {
        Value::Float(Arc::new(t))
    }
    pub fn int(t: Tensor<i64>) -> Self {
        Value::Int(Arc::new(t))
    }
    /// The integer tensor, or an error naming `what`.
    pub fn as_int(&self, what: &str) -> Result<&Tensor<i64>, String> {
        match self {
            Value::Int(t) => Ok(t),
            _ => Err(format!("{what} must be an integer tensor, got a float one")),
        }
    }
    /// Integer contents, accepting float constants that hold integers (old exporters).
    pub fn int_values(&self, what: &str) -> Result<Vec<i64>, String> {
        match self {
            Value::Int(t) => Ok(t.data.clone()),
            Value::Float(t) => t
                .data
                .iter()
                .map(|&v| {
                    if v.fract() == 0.0 && v.abs() < 9.0e18 {
                        Ok(v as i64)
                    } else {
                        Err(format!("{what} must hold integers, got {v}"))
                    }
                })
                .collect(),
            Value::Act(_) => Err(format!(
                "{what} must be a constant, but it depends on the model input"
            )),
        }
    }
    /// Float contents as constants (for parameters such as Clip bounds).
    pub fn const_floats(&self, what: &str) -> Result<Vec<f64>, String> {
        match self {
            Value::Float(t) => Ok(t.data.clone()),
            Value::Int(t) => Ok(t.data.iter().map(|&v| v as f64).collect()),
            Value::Act(_) => Err(format!(
                "{what} must be a constant, but it depends on the model input"
            )),
        }
    }
    /// The floats as activations: constants are lifted (only for operators that mix them with
    /// activations element by element, e.g. Concat).
    pub fn to_act(&self, what: &str) -> Result<Tensor<S>, String> {
        self.act_ref(what).map(std::borrow::Cow::into_owned)
    }

    /// [`to_act`](Value::to_act) for an operator that only reads the tensor: an activation is
    /// borrowed, not copied (a copy of a large input costs as much as the operator's pass).
    pub fn act_ref(&self, what: &str) -> Result<std::borrow::Cow<'_, Tensor<S>>, String> {
        match self {
            Value::Act(t) => Ok(std::borrow::Cow::Borrowed(t)),
            Value::Float(t) => Ok(std::borrow::Cow::Owned(t.map(S::cst))),
            Value::Int(_) => Err(format!("{what} must be a float tensor, got an integer one")),
        }
    }
}
