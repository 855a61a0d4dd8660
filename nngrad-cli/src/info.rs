//! `nngrad info`: what a model file holds, for a person (table) or a program (JSON).

use crate::cli::ModelArg;
use nngrad_cli::model::{with_model, Job, Kind};
use nngrad_cli::report::json_string;
use nngrad_core::Differentiable;
use std::io::Write;

/// One graph input or output as `info` lists it.
struct Port {
    name: String,
    shape: Vec<usize>,
    /// `Ok(())` when differentiable, else why not.
    differentiable: Result<(), String>,
    selected: bool,
}

struct Description {
    kind: &'static str,
    /// `(key, value)` lines particular to the kind: producer, opset, function name.
    facts: Vec<(&'static str, String)>,
    inputs: Vec<Port>,
    outputs: Vec<Port>,
    /// ONNX operators; MATLAB layers (`a1: 10 tansig`).
    parts: (&'static str, Vec<String>),
    input_labels: Vec<String>,
    output_labels: Vec<String>,
}

struct Describe;

impl Job for Describe {
    type Output = Description;

    fn run<M: Differentiable + Sync>(
        self,
        model: &M,
        kind: Kind<'_>,
    ) -> Result<Description, String> {
        let (input_labels, output_labels) = (model.input_labels(), model.output_labels());
        Ok(match kind {
            Kind::Onnx(m) => {
                let (producer, version) = m.producer();
                let outputs = m
                    .output_names()
                    .into_iter()
                    .map(|name| match m.with_output(name) {
                        Ok(o) => Port {
                            name: name.to_string(),
                            shape: o.output_shape().to_vec(),
                            differentiable: if o.output_is_integer() {
                                Err("integer-valued".into())
                            } else {
                                Ok(())
                            },
                            selected: name == m.output_name(),
                        },
                        Err(e) => Port {
                            name: name.to_string(),
                            shape: Vec::new(),
                            differentiable: Err(e.to_string()),
                            selected: false,
                        },
                    })
                    .collect();
                Description {
                    kind: "onnx",
                    facts: vec![
                        (
                            "producer",
                            format!("{producer} {version}").trim().to_string(),
                        ),
                        ("opset", m.opset().to_string()),
                    ],
                    inputs: vec![Port {
                        name: m.input_name().to_string(),
                        shape: m.input_shape().to_vec(),
                        differentiable: Ok(()),
                        selected: true,
                    }],
                    outputs,
                    parts: ("operators", m.operators()),
                    input_labels,
                    output_labels,
                }
            }
            Kind::Matlab(net) => {
                let port = |p: &nngrad_core::matlab::Port| Port {
                    name: p.name.clone(),
                    shape: vec![p.len],
                    differentiable: Ok(()),
                    selected: true,
                };
                Description {
                    kind: "matlab",
                    facts: vec![("function", net.name().to_string())],
                    inputs: net.inputs().iter().map(port).collect(),
                    outputs: net.outputs().iter().map(port).collect(),
                    parts: (
                        "layers",
                        net.layers()
                            .iter()
                            .map(|l| format!("{}: {} {}", l.name, l.size, l.transfer))
                            .collect(),
                    ),
                    input_labels,
                    output_labels,
                }
            }
        })
    }
}

pub fn show(model: &ModelArg, json: bool) -> Result<(), String> {
    let d = with_model(&model.model, model.output.as_deref(), Describe)?;
    let shown = model.model.display().to_string();
    let mut out = std::io::stdout().lock();
    let text = if json {
        as_json(&shown, &d)
    } else {
        as_table(&shown, &d)
    };
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| crate::run::Destination::stdout().write_error(e))
}

fn shape(s: &[usize]) -> String {
    let dims: Vec<String> = s.iter().map(usize::to_string).collect();
    format!("[{}]", dims.join(", "))
}

fn as_table(model: &str, d: &Description) -> String {
    let mut t = format!("model: {model}\nkind: {}\n", d.kind);
    for (key, value) in &d.facts {
        t += &format!("{key}: {value}\n");
    }
    let width = d
        .inputs
        .iter()
        .chain(&d.outputs)
        .map(|p| p.name.len())
        .max()
        .unwrap_or(0);
    t += &format!("inputs ({} values):\n", d.input_labels.len());
    for p in &d.inputs {
        t += &format!("  {:<width$}  shape {}\n", p.name, shape(&p.shape));
    }
    t += &format!(
        "outputs ({} values differentiated):\n",
        d.output_labels.len()
    );
    for p in &d.outputs {
        let status = match (&p.differentiable, p.selected) {
            (Ok(()), true) => "differentiable (selected)".to_string(),
            (Ok(()), false) => "differentiable (--output to select)".to_string(),
            (Err(why), _) => format!("not differentiable: {why}"),
        };
        let s = if p.shape.is_empty() {
            "?".into()
        } else {
            shape(&p.shape)
        };
        t += &format!("  {:<width$}  shape {s:<12} {status}\n", p.name);
    }
    t += &format!("{}: {}\n", d.parts.0, d.parts.1.join(", "));
    t
}

fn as_json(model: &str, d: &Description) -> String {
    let strings = |v: &[String]| {
        let items: Vec<String> = v.iter().map(|s| json_string(s)).collect();
        format!("[{}]", items.join(","))
    };
    let ports = |v: &[Port]| {
        let items: Vec<String> = v
            .iter()
            .map(|p| {
                let dims: Vec<String> = p.shape.iter().map(usize::to_string).collect();
                let why = match &p.differentiable {
                    Ok(()) => String::new(),
                    Err(w) => format!(",\"reason\":{}", json_string(w)),
                };
                format!(
                    "{{\"name\":{},\"shape\":[{}],\"differentiable\":{},\"selected\":{}{why}}}",
                    json_string(&p.name),
                    dims.join(","),
                    p.differentiable.is_ok(),
                    p.selected
                )
            })
            .collect();
        format!("[{}]", items.join(","))
    };
    let facts: String = d
        .facts
        .iter()
        .map(|(k, v)| format!(",{}:{}", json_string(k), json_string(v)))
        .collect();
    format!(
        "{{\"model\":{},\"kind\":{}{facts},\"inputs\":{},\"outputs\":{},{}:{},\
         \"input_labels\":{},\"output_labels\":{}}}\n",
        json_string(model),
        json_string(d.kind),
        ports(&d.inputs),
        ports(&d.outputs),
        json_string(d.parts.0),
        strings(&d.parts.1),
        strings(&d.input_labels),
        strings(&d.output_labels)
    )
}
