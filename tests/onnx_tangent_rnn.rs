//! The tangent route's recurrent step (RNN, GRU, LSTM): every kind in every direction with
//! the attributes and optional inputs the generic operator supports, each model checked
//! on the route against the generic evaluator (dual numbers, `Model::eval`), Richardson
//! central differences and the batch; the digits Keras LSTM fixture against its float64
//! reference Jacobians.

mod common;

use common::json::matrix;
use common::numeric::{rel_err, row_major, uniform};
use common::onnx::value_info;
use common::onnx::{attr_i, attr_s, f32_tensor, i64_tensor, model_bytes, node};
use common::route::{self, bits, central_differences, on_route};
use nngrad_core::onnx::proto::{data_type, AttributeProto, NodeProto, TensorProto};
use nngrad_core::onnx::Model;
use nngrad_core::{try_jacobian, Differentiable};
use serde_json::Value as Json;

/// Float32 values in `[-scale, scale)` (weights are stored as float32, so the model holds
/// them exactly).
fn random_f32(n: usize, seed: u64, scale: f64) -> Vec<f32> {
    uniform(n, seed, -scale, scale)
        .into_iter()
        .map(|v| v as f32)
        .collect()
}

/// [`route::check`] of a model at `x`, every comparison.
fn check(model: &Model, x: &[f64], what: &str) {
    route::check(model, x, route::Case::new("recurrent", what));
}

fn attr_f(name: &str, f: f32) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        f,
        r#type: 1,
        ..Default::default()
    }
}

fn attr_floats(name: &str, floats: &[f32]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        floats: floats.to_vec(),
        r#type: 6,
        ..Default::default()
    }
}

fn attr_strings(name: &str, strings: &[&str]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        strings: strings.iter().map(|s| s.as_bytes().to_vec()).collect(),
        r#type: 8,
        ..Default::default()
    }
}

/// Where an initial state comes from.
#[derive(Clone, Copy, PartialEq)]
enum Init {
    Absent,
    Const,
    /// Computed from the input (MatMul of the flattened input, reshaped).
    Act,
}

/// What the graph outputs.
#[derive(Clone, Copy, PartialEq)]
enum Out {
    Y,
    Yh,
    Yc,
    /// `Σ Flatten(o)·M_o` over Y, Y_h (and Y_c): every output used downstream.
    Downstream,
    /// `Tanh(Slice(of, starts, ends, axes, steps))`: the last step of Y, as Keras exports
    /// read it, and other slices.
    Slice(
        &'static str,
        &'static [i64],
        &'static [i64],
        &'static [i64],
        &'static [i64],
    ),
}

/// `activations`, `activation_alpha`, `activation_beta`.
type Activations = (Vec<&'static str>, Vec<f32>, Vec<f32>);

#[derive(Clone)]
struct Case {
    op: &'static str,
    dir: &'static str,
    seq: usize,
    batch: usize,
    input: usize,
    h: usize,
    layout: i64,
    bias: bool,
    lens: Option<Vec<i64>>,
    h0: Init,
    c0: Init,
    peepholes: bool,
    clip: Option<f32>,
    input_forget: bool,
    linear_before_reset: Option<i64>,
    acts: Option<Activations>,
    out: Out,
    /// Leave Y unnamed (`""`).
    no_y: bool,
    /// Feed X through a Tanh first (lanes that are not the identity).
    tanh_x: bool,
    /// Compute W from the input (not covered: the model keeps the generic evaluator).
    w_from_input: bool,
}

impl Case {
    fn new(op: &'static str, dir: &'static str) -> Case {
        Case {
            op,
            dir,
            seq: 4,
            batch: 1,
            input: 3,
            h: 3,
            layout: 0,
            bias: true,
            lens: None,
            h0: Init::Absent,
            c0: Init::Absent,
            peepholes: false,
            clip: None,
            input_forget: false,
            linear_before_reset: None,
            acts: None,
            out: Out::Yh,
            no_y: false,
            tanh_x: false,
            w_from_input: false,
        }
    }

    fn nd(&self) -> usize {
        if self.dir == "bidirectional" {
            2
        } else {
            1
        }
    }

    fn gates(&self) -> usize {
        match self.op {
            "LSTM" => 4,
            "GRU" => 3,
            _ => 1,
        }
    }

    fn x_dims(&self) -> Vec<i64> {
        let (s, b, i) = (self.seq as i64, self.batch as i64, self.input as i64);
        if self.layout == 1 {
            vec![b, s, i]
        } else {
            vec![s, b, i]
        }
    }

    fn state_dims(&self) -> Vec<i64> {
        let (nd, b, h) = (self.nd() as i64, self.batch as i64, self.h as i64);
        if self.layout == 1 {
            vec![b, nd, h]
        } else {
            vec![nd, b, h]
        }
    }

    fn model(&self) -> Model {
        let (nd, g, h, input) = (self.nd(), self.gates(), self.h, self.input);
        let n = self.seq * self.batch * input;
        let mut nodes: Vec<NodeProto> = Vec::new();
        let mut inits: Vec<TensorProto> = Vec::new();
        let gh = (g * h) as i64;
        let ndi = nd as i64;
        let x = if self.tanh_x {
            nodes.push(node("Tanh", &["x"], &["xt"], vec![]));
            "xt"
        } else {
            "x"
        };
        inits.push(i64_tensor("flat_shape", &[2], &[1, n as i64]));
        nodes.push(node("Reshape", &["x", "flat_shape"], &["x_flat"], vec![]));
        // a state (or a weight) computed from the input: x_flat · M, reshaped
        let from_input = |nodes: &mut Vec<NodeProto>,
                          inits: &mut Vec<TensorProto>,
                          name: &str,
                          dims: &[i64],
                          seed: u64| {
            let len: usize = dims.iter().product::<i64>() as usize;
            inits.push(f32_tensor(
                &format!("{name}_m"),
                &[n as i64, len as i64],
                &random_f32(n * len, seed, 0.6),
            ));
            inits.push(i64_tensor(
                &format!("{name}_shape"),
                &[dims.len() as i64],
                dims,
            ));
            nodes.push(node(
                "MatMul",
                &["x_flat", &format!("{name}_m")],
                &[&format!("{name}_mm")],
                vec![],
            ));
            nodes.push(node(
                "Reshape",
                &[&format!("{name}_mm"), &format!("{name}_shape")],
                &[name],
                vec![],
            ));
        };
        let wdims = [ndi, gh, input as i64];
        if self.w_from_input {
            from_input(&mut nodes, &mut inits, "W", &wdims, 40);
        }
        let state = self.state_dims();
        let state_len = nd * self.batch * h;
        for (name, init, seed) in [("h0", self.h0, 41), ("c0", self.c0, 42)] {
            match init {
                Init::Absent => {}
                Init::Const => {
                    inits.push(f32_tensor(name, &state, &random_f32(state_len, seed, 0.8)))
                }
                Init::Act => from_input(&mut nodes, &mut inits, name, &state, seed),
            }
        }
        if !self.w_from_input {
            inits.push(f32_tensor(
                "W",
                &wdims,
                &random_f32(nd * g * h * input, 1, 0.8),
            ));
        }
        inits.push(f32_tensor(
            "R",
            &[ndi, gh, h as i64],
            &random_f32(nd * g * h * h, 2, 0.8),
        ));
        let mut ins: Vec<String> = vec![x.into(), "W".into(), "R".into()];
        let mut opt = |name: &str, present: bool| ins.push(if present { name } else { "" }.into());
        opt("B", self.bias);
        opt("lens", self.lens.is_some());
        opt("h0", self.h0 != Init::Absent);
        if self.op == "LSTM" {
            opt("c0", self.c0 != Init::Absent);
            opt("P", self.peepholes);
        }
        while ins.last().is_some_and(String::is_empty) {
            ins.pop();
        }
        if self.bias {
            inits.push(f32_tensor(
                "B",
                &[ndi, 2 * gh],
                &random_f32(nd * 2 * g * h, 3, 0.5),
            ));
        }
        if let Some(l) = &self.lens {
            inits.push(i64_tensor("lens", &[l.len() as i64], l));
        }
        if self.peepholes {
            inits.push(f32_tensor(
                "P",
                &[ndi, 3 * h as i64],
                &random_f32(nd * 3 * h, 4, 0.8),
            ));
        }
        let mut attrs = vec![
            attr_i("hidden_size", h as i64),
            attr_s("direction", self.dir),
        ];
        if self.layout != 0 {
            attrs.push(attr_i("layout", self.layout));
        }
        if let Some(c) = self.clip {
            attrs.push(attr_f("clip", c));
        }
        if self.input_forget {
            attrs.push(attr_i("input_forget", 1));
        }
        if let Some(l) = self.linear_before_reset {
            attrs.push(attr_i("linear_before_reset", l));
        }
        if let Some((names, alpha, beta)) = &self.acts {
            attrs.push(attr_strings("activations", names));
            if !alpha.is_empty() {
                attrs.push(attr_floats("activation_alpha", alpha));
            }
            if !beta.is_empty() {
                attrs.push(attr_floats("activation_beta", beta));
            }
        }
        let mut outs = vec![if self.no_y { "" } else { "Y" }, "Y_h"];
        if self.op == "LSTM" {
            outs.push("Y_c");
        }
        let ins: Vec<&str> = ins.iter().map(String::as_str).collect();
        nodes.push(node(self.op, &ins, &outs, attrs));
        let output = match self.out {
            Out::Y => "Y",
            Out::Yh => "Y_h",
            Out::Yc => "Y_c",
            Out::Downstream => {
                let y_len = self.seq * nd * self.batch * h;
                let mut used = vec![("Y", y_len), ("Y_h", state_len)];
                if self.op == "LSTM" {
                    used.push(("Y_c", state_len));
                }
                let mut sums: Vec<String> = Vec::new();
                for (k, (name, len)) in used.into_iter().enumerate() {
                    let (f, p) = (format!("{name}_f"), format!("{name}_p"));
                    nodes.push(node("Flatten", &[name], &[&f], vec![attr_i("axis", 0)]));
                    inits.push(f32_tensor(
                        &format!("{name}_w"),
                        &[len as i64, 3],
                        &random_f32(len * 3, 50 + k as u64, 1.0),
                    ));
                    nodes.push(node("MatMul", &[&f, &format!("{name}_w")], &[&p], vec![]));
                    if let Some(prev) = sums.last().cloned() {
                        let s = format!("sum{k}");
                        nodes.push(node("Add", &[&prev, &p], &[&s], vec![]));
                        sums.push(s);
                    } else {
                        sums.push(p);
                    }
                }
                nodes.push(node("Tanh", &[sums.last().unwrap()], &["out"], vec![]));
                "out"
            }
            Out::Slice(of, starts, ends, axes, steps) => {
                let k = starts.len() as i64;
                inits.push(i64_tensor("starts", &[k], starts));
                inits.push(i64_tensor("ends", &[k], ends));
                inits.push(i64_tensor("axes", &[k], axes));
                inits.push(i64_tensor("steps", &[k], steps));
                nodes.push(node(
                    "Slice",
                    &[of, "starts", "ends", "axes", "steps"],
                    &["sliced"],
                    vec![],
                ));
                nodes.push(node("Tanh", &["sliced"], &["out"], vec![]));
                "out"
            }
        };
        let bytes = model_bytes(
            17,
            nodes,
            inits,
            &self.x_dims(),
            vec![value_info(output, data_type::FLOAT, &[])],
        );
        Model::from_bytes(&bytes).unwrap()
    }

    fn inputs(&self) -> usize {
        self.seq * self.batch * self.input
    }

    fn run(&self, what: &str) {
        let model = self.model();
        let x = uniform(self.inputs(), 5, -1.5, 1.5);
        check(&model, &x, what);
    }
}

const DIRS: [&str; 3] = ["forward", "reverse", "bidirectional"];

#[test]
fn every_kind_in_every_direction_matches_the_generic_operator() {
    for op in ["RNN", "GRU", "LSTM"] {
        for dir in DIRS {
            for out in [Out::Y, Out::Yh, Out::Downstream] {
                let mut c = Case::new(op, dir);
                c.out = out;
                c.run(&format!("{op} {dir}"));
            }
        }
    }
}

#[test]
fn lstm_cell_state_as_the_output() {
    for dir in DIRS {
        let mut c = Case::new("LSTM", dir);
        c.out = Out::Yc;
        c.run(&format!("LSTM {dir} Y_c"));
        // Y unnamed: only the states are written
        c.no_y = true;
        c.run(&format!("LSTM {dir} Y_c, no Y"));
    }
}

#[test]
fn activations_with_alpha_and_beta() {
    let cases: Vec<(&str, Activations)> = vec![
        ("RNN", (vec!["ScaledTanh"], vec![1.5], vec![0.7])),
        ("RNN", (vec!["Affine"], vec![0.6], vec![0.2])),
        ("RNN", (vec!["Elu"], vec![0.8], vec![])),
        ("RNN", (vec!["Softsign"], vec![], vec![])),
        ("RNN", (vec!["LeakyRelu"], vec![0.1], vec![])),
        ("RNN", (vec!["Relu"], vec![], vec![])),
        ("RNN", (vec!["ThresholdedRelu"], vec![0.05], vec![])),
        (
            "GRU",
            (vec!["HardSigmoid", "Softsign"], vec![0.3], vec![0.45]),
        ),
        (
            "LSTM",
            (
                vec!["HardSigmoid", "ScaledTanh", "Softplus"],
                vec![0.25, 1.2],
                vec![0.55, 0.9],
            ),
        ),
        (
            "LSTM",
            (vec!["Sigmoid", "Elu", "Affine"], vec![0.7, 0.5], vec![0.1]),
        ),
    ];
    for (op, acts) in cases {
        let names = acts.0.clone();
        let mut c = Case::new(op, "forward");
        c.acts = Some(acts);
        // every step's state (a ReLU's last one alone may be all zeros)
        c.out = Out::Y;
        c.run(&format!("{op} {names:?}"));
    }
    // bidirectional: a list per direction, the alphas and betas consumed in order
    let mut c = Case::new("GRU", "bidirectional");
    c.acts = Some((
        vec!["HardSigmoid", "Tanh", "Sigmoid", "ScaledTanh"],
        vec![0.3, 1.1],
        vec![0.45, 0.8],
    ));
    c.out = Out::Downstream;
    c.run("GRU bidirectional activations");
}

#[test]
fn clip_input_forget_and_linear_before_reset() {
    for op in ["RNN", "GRU", "LSTM"] {
        let mut c = Case::new(op, "bidirectional");
        // a bound some pre-activations cross (the clipped ones have zero slope)
        c.clip = Some(0.9);
        c.out = Out::Downstream;
        c.run(&format!("{op} clip"));
    }
    for dir in DIRS {
        let mut c = Case::new("LSTM", dir);
        c.input_forget = true;
        c.out = Out::Downstream;
        c.run(&format!("LSTM {dir} input_forget"));
    }
    for lbr in [0, 1] {
        for dir in DIRS {
            let mut c = Case::new("GRU", dir);
            c.linear_before_reset = Some(lbr);
            c.out = Out::Downstream;
            c.run(&format!("GRU {dir} linear_before_reset {lbr}"));
            c.bias = false;
            c.run(&format!("GRU {dir} linear_before_reset {lbr} no bias"));
        }
    }
}

#[test]
fn layout_one_batches_and_sequence_lengths() {
    for op in ["RNN", "GRU", "LSTM"] {
        for dir in DIRS {
            let mut c = Case::new(op, dir);
            c.batch = 3;
            c.out = Out::Downstream;
            c.run(&format!("{op} {dir} batch 3"));
            // entries stopping early (and one of length 0): zeros in Y past the end, the
            // states held
            c.lens = Some(vec![2, 4, 0]);
            c.run(&format!("{op} {dir} sequence_lens"));
            c.layout = 1;
            c.h0 = Init::Const;
            c.c0 = Init::Const;
            c.run(&format!("{op} {dir} layout 1"));
            c.h0 = Init::Act;
            c.c0 = Init::Act;
            c.run(&format!("{op} {dir} layout 1, states from the input"));
            c.out = Out::Y;
            c.run(&format!("{op} {dir} layout 1, Y"));
        }
    }
}

#[test]
fn initial_states_and_peepholes() {
    for op in ["RNN", "GRU", "LSTM"] {
        for (h0, c0) in [
            (Init::Const, Init::Const),
            (Init::Act, Init::Act),
            (Init::Act, Init::Const),
            (Init::Const, Init::Act),
            (Init::Absent, Init::Act),
        ] {
            let mut c = Case::new(op, "bidirectional");
            c.batch = 2;
            c.h0 = h0;
            c.c0 = c0;
            c.out = Out::Downstream;
            if op == "LSTM" {
                c.peepholes = true;
            }
            c.run(&format!("{op} initial states"));
        }
    }
    for dir in DIRS {
        let mut c = Case::new("LSTM", dir);
        c.peepholes = true;
        c.c0 = Init::Const;
        c.tanh_x = true;
        c.lens = Some(vec![3]);
        c.run(&format!("LSTM {dir} peepholes"));
        c.input_forget = true;
        c.clip = Some(1.1);
        c.run(&format!("LSTM {dir} peepholes, input_forget, clip"));
    }
}

#[test]
fn slices_of_the_outputs_are_gathers_on_the_route() {
    let slices: [Out; 4] = [
        // Keras: the last time step of Y
        Out::Slice("Y", &[-1], &[i64::MAX], &[0], &[1]),
        // every other step backwards, the bound clamped
        Out::Slice("Y", &[-1], &[-100], &[0], &[-2]),
        // two axes of Y_h, a negative axis
        Out::Slice("Y_h", &[1, 0], &[3, 1], &[-1, 0], &[1, 1]),
        // an empty range: no outputs
        Out::Slice("Y_c", &[2], &[2], &[2], &[1]),
    ];
    for (k, out) in slices.into_iter().enumerate() {
        let mut c = Case::new("LSTM", "bidirectional");
        c.out = out;
        if k == 3 {
            let model = c.model();
            assert!(on_route(&model), "{model:?}");
            assert_eq!(model.output_len(), 0);
            let x = uniform(c.inputs(), 5, -1.0, 1.0);
            assert!(model.jacobian(&x).unwrap().0.is_empty());
            continue;
        }
        c.run(&format!("slice {k}"));
    }
}

#[test]
fn a_weight_computed_from_the_input_keeps_the_generic_evaluator() {
    let mut c = Case::new("LSTM", "forward");
    c.w_from_input = true;
    let model = c.model();
    assert!(!on_route(&model), "{model:?}");
    let x = uniform(c.inputs(), 5, -1.0, 1.0);
    let (_, j) = model.jacobian(&x).unwrap();
    let e = rel_err(&row_major(&j), &central_differences(&model, &x));
    assert!(e <= 1e-7, "J vs central differences {e:e}");
}

#[test]
fn digits_lstm_fixture_is_on_the_route_and_matches_float64_references() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/onnx/digits_keras_lstm_sequence");
    let text = std::fs::read_to_string(dir.join("reference.json")).unwrap();
    // the checks section holds bare Infinity/NaN (not JSON); no value compared here does
    let text = text
        .replace("-Infinity", "null")
        .replace("Infinity", "null")
        .replace("NaN", "null");
    let r: Json = serde_json::from_str(&text).unwrap();
    let model = Model::load(dir.join("model.onnx")).unwrap();
    assert!(on_route(&model), "{model:?}");
    let points = matrix(&r["points"]);
    let jacs = r["jacobians_reference_f64"].as_array().unwrap();
    let outs = matrix(&r["outputs_reference_f64"]);
    let (mut worst_ref, mut worst_gen) = (0f64, 0f64);
    for (k, x) in points.iter().enumerate() {
        let (y, j) = model.jacobian(x).unwrap();
        let jr = row_major(&j);
        let e = rel_err(&y, &outs[k]);
        assert!(e <= 1e-9, "point {k}: outputs vs reference {e:e}");
        let e = rel_err(&jr, &matrix(&jacs[k]).concat());
        worst_ref = worst_ref.max(e);
        // the fixtures' tolerance (tests/onnx_fixtures.rs)
        assert!(e <= 1e-9, "point {k}: J vs float64 reference {e:e}");
        let (yg, jg) = try_jacobian(|x| model.eval(x), x).unwrap();
        assert!(rel_err(&y, &yg) <= 1e-12, "point {k}: values vs generic");
        let e = rel_err(&jr, &row_major(&jg));
        worst_gen = worst_gen.max(e);
        assert!(e <= 1e-12, "point {k}: J vs generic {e:e}");
    }
    eprintln!("digits LSTM: J vs reference {worst_ref:e}, vs generic {worst_gen:e}");
    // the batch: every point at once, equal to the points one by one
    let xs: Vec<f64> = points.concat();
    let (ys, js) = model.jacobian_batch(&xs).unwrap();
    let (n, m) = (model.input_len(), model.output_len());
    for (k, x) in points.iter().enumerate() {
        let (y, j) = model.jacobian(x).unwrap();
        assert_eq!(bits(&ys[k * m..(k + 1) * m]), bits(&y), "batch y {k}");
        assert_eq!(
            bits(&js[k * m * n..(k + 1) * m * n]),
            bits(&row_major(&j)),
            "batch J {k}"
        );
    }
}
