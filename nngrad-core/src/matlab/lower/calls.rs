//! Function calls in the simulation code: transfer functions, processing steps, `repmat`,
//! `bsxfun`, and the bookkeeping calls on sizes and argument formats.

use super::processing::PROCESSING;
use super::{unsupported, Env, Lowerer, Value, DELAYS};
use crate::matlab::ast::{Expr, ExprKind};
use crate::matlab::graph::{Node, Transfer};
use crate::matlab::Error;

/// MATLAB functions the simulation code calls for bookkeeping (sizes, argument formats);
/// their results never feed the network.
pub(super) const BOOKKEEPING: [&str; 14] = [
    "size",
    "numel",
    "length",
    "iscell",
    "isempty",
    "isa",
    "nargin",
    "nargout",
    "zeros",
    "ones",
    "isnumeric",
    "isstruct",
    "class",
    "ndims",
];

impl Lowerer<'_> {
    pub(super) fn call(
        &mut self,
        env: &mut Env,
        name: &str,
        args: &[Expr],
        line: usize,
    ) -> Result<Value, Error> {
        if let Some(f) = Transfer::from_call(name) {
            if args.is_empty() || args.len() > 2 {
                return Err(Error::Syntax {
                    line,
                    message: format!(
                        "`{name}` takes the net input (and an ignored `~`), got {} arguments",
                        args.len()
                    ),
                });
            }
            let Value::Sig(s) = self.eval(env, &args[0])? else {
                return Err(unsupported(
                    line,
                    format!("`{name}` of a value that does not depend on the inputs"),
                ));
            };
            if f == Transfer::Purelin {
                return Ok(Value::Sig(s));
            }
            let n = self.len(s, line, &format!("`{name}`"))?;
            return Ok(Value::Sig(self.push(Node::Transfer { src: s, f }, n)));
        }
        if let Some(&(_, fields)) = PROCESSING.iter().find(|(p, _)| *p == name) {
            return self.processing(env, name, fields, args, line);
        }
        match name {
            "repmat" => {
                // `repmat(b, 1, Q)`: the bias, repeated per sample.
                if args.len() < 2 {
                    return Err(Error::Syntax {
                        line,
                        message: "`repmat` needs at least two arguments".into(),
                    });
                }
                let v = self.eval(env, &args[0])?;
                if let Value::Num(m) = self.eval(env, &args[1])? {
                    if m.numel() >= 1 && m.data[0] != 1.0 {
                        return Err(unsupported(line, "`repmat` that repeats rows"));
                    }
                }
                match v {
                    Value::Sig(_) => Err(unsupported(line, "`repmat` of an input-dependent value")),
                    v => Ok(v),
                }
            }
            "bsxfun" => {
                if args.len() != 3 {
                    return Err(Error::Syntax {
                        line,
                        message: "`bsxfun` takes a function handle and two arrays".into(),
                    });
                }
                let op = match &args[0].kind {
                    ExprKind::Handle(h) => match h.as_str() {
                        "plus" => "+",
                        "minus" => "-",
                        "times" => ".*",
                        "rdivide" => "./",
                        other => {
                            return Err(Error::UnknownFunction {
                                line,
                                name: format!("@{other}"),
                            })
                        }
                    },
                    _ => return Err(unsupported(line, "`bsxfun` without a function handle")),
                };
                let l = self.eval(env, &args[1])?;
                let r = self.eval(env, &args[2])?;
                self.binary(op, l, r, &args[1], &args[2], line)
            }
            "cell" => Ok(Value::Cell {
                items: Vec::new(),
                inputs: false,
            }),
            "cell2mat" | "double" => match args {
                [a] => self.eval(env, a),
                _ => Err(Error::Syntax {
                    line,
                    message: format!("`{name}` takes one argument"),
                }),
            },
            "cat" | "mod" => Err(unsupported(line, DELAYS)),
            "fixunknowns_apply" | "fixunknowns_reverse" => Err(unsupported(
                line,
                format!("`{name}` (unknown-value processing)"),
            )),
            n if BOOKKEEPING.contains(&n) => {
                for a in args {
                    if let Value::Sig(_) = self.eval(env, a)? {
                        if !matches!(
                            n,
                            "size" | "numel" | "length" | "isempty" | "iscell" | "isa"
                        ) {
                            return Err(unsupported(
                                line,
                                format!("`{n}` of an input-dependent value"),
                            ));
                        }
                    }
                }
                Ok(Value::Opaque)
            }
            _ => Err(Error::UnknownFunction {
                line,
                name: name.to_string(),
            }),
        }
    }
}
