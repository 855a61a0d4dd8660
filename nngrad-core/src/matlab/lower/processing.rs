//! The processing functions `genFunction` writes: input processing (`mapminmax_apply`,
//! `mapstd_apply`, `removeconstantrows_apply`, `processpca_apply`) and output
//! reverse-processing (`mapminmax_reverse`, `mapstd_reverse`, `removeconstantrows_reverse`),
//! with their settings passed as one struct or as separate arguments.

use std::collections::BTreeMap;
use std::rc::Rc;

use super::constant::Mat;
use super::{index, size_err, unsupported, Env, Lowerer, Value, MAX_ROWS};
use crate::matlab::ast::Expr;
use crate::matlab::graph::Node;
use crate::matlab::Error;

/// Settings fields of each processing function, in the alphabetical order `genFunction` uses
/// when it passes them as separate arguments.
pub(super) const PROCESSING: [(&str, &[&str]); 7] = [
    ("mapminmax_apply", &["gain", "xoffset", "ymin"]),
    ("mapminmax_reverse", &["gain", "xoffset", "ymin"]),
    ("mapstd_apply", &["gain", "xoffset", "yoffset"]),
    ("mapstd_reverse", &["gain", "xoffset", "yoffset"]),
    ("removeconstantrows_apply", &["keep"]),
    (
        "removeconstantrows_reverse",
        &["constants", "keep", "remove", "xrows"],
    ),
    ("processpca_apply", &["transform"]),
];

impl Lowerer<'_> {
    /// A processing step: its settings as one struct argument or as separate arguments.
    pub(super) fn processing(
        &mut self,
        env: &mut Env,
        name: &str,
        fields: &[&str],
        args: &[Expr],
        line: usize,
    ) -> Result<Value, Error> {
        let bad_args = || {
            Error::Syntax {
            line,
            message: format!(
                "`{name}` takes the data and its settings (a struct, or {} as separate arguments), got {} arguments",
                fields.join(", "),
                args.len()
            ),
        }
        };
        let Some(x_expr) = args.first() else {
            return Err(bad_args());
        };
        let x = self.eval(env, x_expr)?;
        let mut settings: BTreeMap<&str, (String, Rc<Mat>)> = BTreeMap::new();
        let struct_arg = match args {
            [_, s] => match self.eval(env, s)? {
                Value::Struct(map) => Some((s.describe(), map)),
                _ => None,
            },
            _ => None,
        };
        if let Some((sname, map)) = struct_arg {
            for f in fields {
                match map.get(*f) {
                    Some(Value::Num(m)) => {
                        settings.insert(f, (format!("{sname}.{f}"), m.clone()));
                    }
                    Some(_) => {
                        return Err(unsupported(
                            line,
                            format!("non-numeric setting `{sname}.{f}`"),
                        ))
                    }
                    None => {
                        return Err(Error::Undefined {
                            line,
                            name: format!("{sname}.{f}"),
                        })
                    }
                }
            }
        } else {
            if args.len() != fields.len() + 1 {
                return Err(bad_args());
            }
            // The module function's own parameter names (`settings_gain`, …) say which
            // argument is which; `genFunction` orders them alphabetically.
            let order: Vec<String> = match self.funcs.get(name) {
                Some(def) if def.params.len() == args.len() => {
                    let names: Vec<String> = def.params[1..]
                        .iter()
                        .map(|p| {
                            let p = p.as_deref().unwrap_or("");
                            p.rsplit('_').next().unwrap_or(p).to_string()
                        })
                        .collect();
                    let mut sorted = names.clone();
                    sorted.sort();
                    if sorted.iter().map(String::as_str).eq(fields.iter().copied()) {
                        names
                    } else {
                        fields.iter().map(|s| s.to_string()).collect()
                    }
                }
                _ => fields.iter().map(|s| s.to_string()).collect(),
            };
            for (a, f) in args[1..].iter().zip(&order) {
                let key = fields
                    .iter()
                    .find(|k| **k == f.as_str())
                    .copied()
                    .unwrap_or("");
                match self.eval(env, a)? {
                    Value::Num(m) => {
                        settings.insert(key, (a.describe(), m));
                    }
                    _ => {
                        return Err(unsupported(
                            line,
                            format!("non-numeric setting `{}`", a.describe()),
                        ))
                    }
                }
            }
        }
        let Value::Sig(s) = x else {
            return Err(unsupported(
                line,
                format!("`{name}` of a value that does not depend on the inputs"),
            ));
        };
        let xd = x_expr.describe();
        // Every field of `fields` was filled above (struct fields are required; flat arguments
        // are matched one to one), so the NaN fallback is never used.
        let get = |k: &str| {
            settings
                .get(k)
                .cloned()
                .unwrap_or_else(|| (k.to_string(), Rc::new(Mat::scalar(f64::NAN))))
        };
        match name {
            "mapminmax_apply" | "mapstd_apply" | "mapminmax_reverse" | "mapstd_reverse" => {
                let y = if name.starts_with("mapminmax") {
                    "ymin"
                } else {
                    "yoffset"
                };
                let parts = [get("xoffset"), get("gain"), get(y)];
                // bsxfun: each setting has one element per row, or a single element.
                let n = match self.lens[s] {
                    Some(n) => n,
                    None => parts.iter().map(|(_, m)| m.numel()).max().unwrap_or(1),
                };
                for (pname, m) in &parts {
                    let k = m.numel();
                    if (k != 1 && k != n) || !m.is_vector() {
                        return Err(size_err(
                            line,
                            format!(
                                "`{name}`: setting `{pname}` is {} but `{xd}` has {n} rows",
                                m.shape()
                            ) + &self.declared_note(s),
                        ));
                    }
                }
                self.expect_len(s, n, line, |m| {
                    format!("`{name}`: `{xd}` has {m} rows but its settings have {n}")
                })?;
                let [(_, xoff), (_, gain), (_, yoff)] = parts;
                let mut cur = s;
                let steps = if name.ends_with("_apply") {
                    [
                        Node::SubConst {
                            src: 0,
                            c: xoff.data.clone(),
                        },
                        Node::MulConst {
                            src: 0,
                            c: gain.data.clone(),
                        },
                        Node::AddConst {
                            src: 0,
                            c: yoff.data.clone(),
                        },
                    ]
                } else {
                    [
                        Node::SubConst {
                            src: 0,
                            c: yoff.data.clone(),
                        },
                        Node::DivConst {
                            src: 0,
                            c: gain.data.clone(),
                        },
                        Node::AddConst {
                            src: 0,
                            c: xoff.data.clone(),
                        },
                    ]
                };
                for mut node in steps {
                    match &mut node {
                        Node::SubConst { src, .. }
                        | Node::MulConst { src, .. }
                        | Node::DivConst { src, .. }
                        | Node::AddConst { src, .. } => *src = cur,
                        _ => {}
                    }
                    cur = self.push(node, n);
                }
                Ok(Value::Sig(cur))
            }
            "removeconstantrows_apply" => {
                let (kname, keep) = get("keep");
                let max_keep = keep.data.iter().fold(0.0f64, |a, &b| a.max(b));
                let n = match self.lens[s] {
                    Some(n) => n,
                    None => index(max_keep, MAX_ROWS).map_or(0, |i| i + 1),
                };
                let note = self.declared_note(s);
                let idx = keep
                    .data
                    .iter()
                    .map(|&v| index(v, n))
                    .collect::<Option<Vec<usize>>>()
                    .ok_or_else(|| size_err(line, format!(
                        "`{name}`: `{kname}` must hold 1-based row numbers of `{xd}`, which has {n} rows; it holds {:?}{note}",
                        keep.data
                    )))?;
                self.expect_len(s, n, line, |m| format!("`{xd}` has {m} rows"))?;
                let k = idx.len();
                Ok(Value::Sig(self.push(Node::Gather { src: s, idx }, k)))
            }
            "removeconstantrows_reverse" => {
                let (_, xrows) = get("xrows");
                let (kname, keep) = get("keep");
                let (rname, remove) = get("remove");
                let (cname, constants) = get("constants");
                let len = match xrows.data.as_slice() {
                    [v] => index(*v, MAX_ROWS).map(|i| i + 1),
                    _ => None,
                }
                .ok_or_else(|| {
                    size_err(
                        line,
                        format!("`{name}`: `xrows` must be a positive integer"),
                    )
                })?;
                let to_idx = |m: &Mat, what: &str| {
                    m.data
                        .iter()
                        .map(|&v| index(v, len))
                        .collect::<Option<Vec<usize>>>()
                        .ok_or_else(|| {
                            size_err(
                                line,
                                format!("`{name}`: `{what}` must hold row numbers from 1 to {len}"),
                            )
                        })
                };
                let keep_idx = to_idx(&keep, &kname)?;
                let remove_idx = to_idx(&remove, &rname)?;
                let split = keep_idx.len() + remove_idx.len() == len && {
                    let mut seen = vec![false; len];
                    keep_idx
                        .iter()
                        .chain(&remove_idx)
                        .for_each(|&i| seen[i] = true);
                    !seen.contains(&false)
                };
                if !split {
                    return Err(size_err(
                        line,
                        format!("`{name}`: `{kname}` and `{rname}` must split the {len} rows between them"),
                    ));
                }
                if constants.numel() != remove_idx.len() {
                    return Err(size_err(
                        line,
                        format!(
                            "`{name}`: `{cname}` has {} elements but `{rname}` has {}",
                            constants.numel(),
                            remove_idx.len()
                        ),
                    ));
                }
                let k = keep_idx.len();
                self.expect_len(s, k, line, |m| {
                    format!("`{name}`: `{xd}` has {m} rows but `{kname}` lists {k}")
                })?;
                let fill = remove_idx
                    .into_iter()
                    .zip(constants.data.iter().copied())
                    .collect();
                Ok(Value::Sig(self.push(
                    Node::Scatter {
                        src: s,
                        len,
                        keep: keep_idx,
                        fill,
                    },
                    len,
                )))
            }
            _ => {
                // processpca_apply: y = transform * x.
                let (tname, t) = get("transform");
                self.expect_len(s, t.cols, line, |m| {
                    format!(
                        "`{name}`: `{tname}` is {} but `{xd}` has {m} rows",
                        t.shape()
                    )
                })?;
                let node = Node::MatMul {
                    src: s,
                    w: t.data.clone(),
                    rows: t.rows,
                    cols: t.cols,
                };
                Ok(Value::Sig(self.push(node, t.rows)))
            }
        }
    }
}
