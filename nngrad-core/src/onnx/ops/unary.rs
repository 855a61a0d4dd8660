//! Unary element-wise functions: activations, math, trigonometric and hyperbolic functions,
//! rounding and sign.
//!
//! Derivative rules where the function is piecewise: `Floor`, `Ceil`, `Round` (half to even,
//! as ONNX) and `Sign` are constant between their jumps, so their derivative is 0 (the
//! result is a constant); `ThresholdedRelu` and `Shrink` take the derivative of the branch
//! their input selects (at a boundary, the branch the strict comparison of ONNX selects).

use super::{req, Ins, Outs, NOT_THIS_FAMILY};
use crate::onnx::load::Node;
use crate::onnx::tensor::{Tensor, Value};
use crate::Scalar;

/// A unary float function with its attributes.
pub(crate) struct Unary {
    op: UnaryOp,
    alpha: f64,
    beta: f64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum UnaryOp {
    Neg,
    Abs,
    Sqrt,
    Exp,
    Log,
    Reciprocal,
    Relu,
    LeakyRelu,
    Elu,
    Selu,
    Sigmoid,
    HardSigmoid,
    Tanh,
    Softplus,
    Softsign,
    Erf,
    Gelu,
    GeluTanh,
    Sin,
    Cos,
    Tan,
    Asin,
    Acos,
    Atan,
    Sinh,
    Cosh,
    Asinh,
    Acosh,
    Atanh,
    Sign,
    Floor,
    Ceil,
    Round,
    HardSwish,
    Mish,
    Celu,
    ThresholdedRelu,
    Shrink,
}

impl Unary {
    pub fn sqrt() -> Unary {
        Unary {
            op: UnaryOp::Sqrt,
            alpha: 0.0,
            beta: 0.0,
        }
    }

    /// The dense path's activation that computes this function (`tanh`, the logistic
    /// sigmoid, `relu`), for the tangent route's MLP chains; `None` for every other one.
    pub(crate) fn dense_activation(&self) -> Option<crate::dense::Activation> {
        use crate::dense::Activation;
        match self.op {
            UnaryOp::Tanh => Some(Activation::Tanh),
            UnaryOp::Sigmoid => Some(Activation::Sigmoid),
            UnaryOp::Relu => Some(Activation::Relu),
            _ => None,
        }
    }

    /// The unary operator of `node`, if it is one.
    pub fn of(node: &Node) -> Option<Unary> {
        use UnaryOp::*;
        let (op, alpha, beta) = match node.op.as_str() {
            "Neg" => (Neg, 0.0, 0.0),
            "Abs" => (Abs, 0.0, 0.0),
            "Sqrt" => (Sqrt, 0.0, 0.0),
            "Exp" => (Exp, 0.0, 0.0),
            "Log" => (Log, 0.0, 0.0),
            "Reciprocal" => (Reciprocal, 0.0, 0.0),
            "Relu" => (Relu, 0.0, 0.0),
            "LeakyRelu" => (LeakyRelu, node.float("alpha", 0.01), 0.0),
            "Elu" => (Elu, node.float("alpha", 1.0), 0.0),
            // ONNX's defaults are the float32 roundings of SELU's constants.
            "Selu" => (
                Selu,
                node.float("alpha", 1.673_263_192_176_818_8),
                node.float("gamma", 1.050_701_022_148_132_3),
            ),
            "Sigmoid" => (Sigmoid, 0.0, 0.0),
            "HardSigmoid" => (
                HardSigmoid,
                node.float("alpha", 0.2),
                node.float("beta", 0.5),
            ),
            "Tanh" => (Tanh, 0.0, 0.0),
            "Softplus" => (Softplus, 0.0, 0.0),
            "Softsign" => (Softsign, 0.0, 0.0),
            "Erf" => (Erf, 0.0, 0.0),
            "Gelu" => {
                if node.string("approximate", "none") == "tanh" {
                    (GeluTanh, 0.0, 0.0)
                } else {
                    (Gelu, 0.0, 0.0)
                }
            }
            "Sin" => (Sin, 0.0, 0.0),
            "Cos" => (Cos, 0.0, 0.0),
            "Tan" => (Tan, 0.0, 0.0),
            "Asin" => (Asin, 0.0, 0.0),
            "Acos" => (Acos, 0.0, 0.0),
            "Atan" => (Atan, 0.0, 0.0),
            "Sinh" => (Sinh, 0.0, 0.0),
            "Cosh" => (Cosh, 0.0, 0.0),
            "Asinh" => (Asinh, 0.0, 0.0),
            "Acosh" => (Acosh, 0.0, 0.0),
            "Atanh" => (Atanh, 0.0, 0.0),
            "Sign" => (Sign, 0.0, 0.0),
            "Floor" => (Floor, 0.0, 0.0),
            "Ceil" => (Ceil, 0.0, 0.0),
            "Round" => (Round, 0.0, 0.0),
            "HardSwish" => (HardSwish, 0.0, 0.0),
            "Mish" => (Mish, 0.0, 0.0),
            "Celu" => (Celu, node.float("alpha", 1.0), 0.0),
            "ThresholdedRelu" => (ThresholdedRelu, node.float("alpha", 1.0), 0.0),
            "Shrink" => (Shrink, node.float("lambd", 0.5), node.float("bias", 0.0)),
            _ => return None,
        };
        Some(Unary { op, alpha, beta })
    }

    pub fn apply<T: Scalar>(&self, x: T) -> T {
        use UnaryOp::*;
        match self.op {
            Neg => -x,
            Abs => x.abs(),
            Sqrt => x.sqrt(),
            Exp => x.exp(),
            Log => x.ln(),
            Reciprocal => x.recip(),
            Relu => x.relu(),
            LeakyRelu => x.leaky_relu(self.alpha),
            Elu => x.elu(self.alpha),
            Selu => x.elu(self.alpha) * self.beta,
            Sigmoid => x.sigmoid(),
            HardSigmoid => hard_sigmoid(x, self.alpha, self.beta),
            Tanh => x.tanh(),
            Softplus => x.softplus(),
            Softsign => x.softsign(),
            Erf => x.erf(),
            Gelu => x.gelu(),
            GeluTanh => x.gelu_tanh(),
            Sin => x.sin(),
            Cos => x.cos(),
            Tan => x.tan(),
            Asin => x.asin(),
            Acos => x.acos(),
            Atan => x.atan(),
            Sinh => x.sinh(),
            Cosh => x.cosh(),
            Asinh => x.asinh(),
            Acosh => x.acosh(),
            Atanh => x.atanh(),
            // piecewise constant: the value only, derivative 0
            Sign => T::cst(sign(x.value())),
            Floor => T::cst(x.value().floor()),
            Ceil => T::cst(x.value().ceil()),
            Round => T::cst(x.value().round_ties_even()),
            HardSwish => x * hard_sigmoid(x, 1.0 / 6.0, 0.5),
            Mish => x * x.softplus().tanh(),
            // max(0, x) + min(0, α(exp(x/α) − 1)): the branches meet with equal slopes at 0
            Celu => {
                if x > 0.0 {
                    x
                } else {
                    ((x / self.alpha).exp() - 1.0) * self.alpha
                }
            }
            ThresholdedRelu => {
                if x > self.alpha {
                    x
                } else {
                    T::cst(0.0)
                }
            }
            Shrink => {
                if x < -self.alpha {
                    x + self.beta
                } else if x > self.alpha {
                    x - self.beta
                } else {
                    T::cst(0.0)
                }
            }
        }
    }

    fn apply_int(&self, x: i64) -> Result<i64, String> {
        match self.op {
            UnaryOp::Neg => Ok(x.wrapping_neg()),
            UnaryOp::Abs => Ok(x.wrapping_abs()),
            UnaryOp::Relu => Ok(x.max(0)),
            UnaryOp::Sign => Ok(x.signum()),
            UnaryOp::Floor | UnaryOp::Ceil | UnaryOp::Round => Ok(x),
            _ => Err("expects a float tensor, got an integer one".into()),
        }
    }

    pub fn run<S: Scalar>(&self, v: &Value<S>) -> Result<Value<S>, String> {
        Ok(match v {
            Value::Act(t) => Value::Act(t.map(|x| self.apply(x))),
            Value::Float(t) => Value::float(t.map(|x| self.apply(x))),
            Value::Int(t) => {
                let data = t
                    .data
                    .iter()
                    .map(|&x| self.apply_int(x))
                    .collect::<Result<Vec<_>, _>>()?;
                Value::int(Tensor::new(t.shape.clone(), data))
            }
        })
    }
}

/// ONNX's Sign: −1, 0 or 1 (NaN stays NaN).
fn sign(x: f64) -> f64 {
    if x > 0.0 {
        1.0
    } else if x < 0.0 {
        -1.0
    } else {
        x * 0.0
    }
}

/// `max(0, min(1, αx + β))`: the derivative is α inside, 0 where clipped.
pub(crate) fn hard_sigmoid<T: Scalar>(x: T, alpha: f64, beta: f64) -> T {
    let y = x * alpha + beta;
    if y < 0.0 {
        T::cst(0.0)
    } else if y > 1.0 {
        T::cst(1.0)
    } else {
        y
    }
}

/// The unary float functions (`Unary::of`).
pub(crate) fn run_unary<S: Scalar>(node: &Node, ins: &Ins<S>) -> Outs<S> {
    let u = Unary::of(node).ok_or_else(|| format!("{} {NOT_THIS_FAMILY}", node.op))?;
    Ok(vec![Some(u.run(req(ins, 0, "X")?)?)])
}
