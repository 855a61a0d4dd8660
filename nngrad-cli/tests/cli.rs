//! The `nngrad` binary end to end, as a user runs it: every subcommand and format on the
//! shipped models, compared with the library's results (bit for bit: the same code path)
//! and with the fixtures' independent references (JAX float64, a float64 chain rule); and
//! every kind of bad input, each a one-line message and the right exit status.

use nngrad_core::matlab::ShallowNet;
use nngrad_core::onnx::Model;
use nngrad_core::Differentiable;
use serde_json::Value as Json;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const WINE: &str = "tests/data/onnx/wine_mlp_relu_softmax_classifier";
const DIABETES: &str = "tests/data/onnx/diabetes_mlp_tanh_regressor";
const DIGITS: &str = "tests/data/onnx/digits_keras_cnn_conv2d";
const SHALLOW: &str = "tests/data/matlab/shallow_tansig_struct";
const DEEP: &str = "tests/data/matlab/deep_logsig_flat_mapstd";

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

fn wine_model() -> String {
    format!("{WINE}/model.onnx")
}

fn nngrad(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_nngrad"))
        .current_dir(root())
        .args(args)
        .output()
        .expect("the binary runs")
}

fn ok(args: &[&str]) -> String {
    let out = nngrad(args);
    assert!(
        out.status.success(),
        "nngrad {args:?} failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Runs a command that must fail with `code` and a single line on stderr holding every one
/// of `words`; returns that line.
fn fails(args: &[&str], code: i32, words: &[&str]) -> String {
    let out = nngrad(args);
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "nngrad {args:?}: {err}");
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "{err}"
    );
    if code == 1 {
        assert_eq!(err.trim_end().lines().count(), 1, "not one line: {err}");
        assert!(err.starts_with("error: "), "{err}");
    }
    for w in words {
        assert!(err.contains(w), "no `{w}` in: {err}");
    }
    err
}

fn temp(name: &str, contents: &[u8]) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// The fixture's reference.json; Python wrote `Infinity` where a kink is infinitely far,
/// which JSON has no word for.
fn reference(dir: &str) -> Json {
    let text = std::fs::read_to_string(root().join(dir).join("reference.json")).unwrap();
    serde_json::from_str(&text.replace("Infinity", "null")).unwrap()
}

/// The binary and this test run the same library code, but each is compiled on its own
/// (other optimisation levels), so the last bit may differ: equal to 1e-13 relative.
fn same(got: &[f64], want: &[f64]) {
    assert_eq!(got.len(), want.len());
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() <= 1e-13 * w.abs().max(1e-300), "{g} vs {w}");
    }
}

fn floats(v: &Json) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// Every number of a nested JSON array, in order.
fn flat(v: &Json) -> Vec<f64> {
    match v {
        Json::Array(items) => items.iter().flat_map(flat).collect(),
        other => vec![other.as_f64().unwrap()],
    }
}

fn points_of(dir: &str) -> Vec<Vec<f64>> {
    reference(dir)["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(flat)
        .collect()
}

/// `{:?}` round-trips f64 exactly, so the binary sees the very points.
fn csv_file(name: &str, header: Option<&str>, points: &[Vec<f64>]) -> PathBuf {
    let mut text = header.map(|h| format!("{h}\n")).unwrap_or_default();
    for p in points {
        let row: Vec<String> = p.iter().map(|v| format!("{v:?}")).collect();
        text += &row.join(",");
        text += "\n";
    }
    temp(name, text.as_bytes())
}

fn npy_file(name: &str, shape: &[u64], values: &[f64]) -> PathBuf {
    use npyz::WriterBuilder;
    let mut bytes = Vec::new();
    let mut w = npyz::WriteOptions::new()
        .default_dtype()
        .shape(shape)
        .writer(&mut bytes)
        .begin_nd()
        .unwrap();
    w.extend(values.iter().copied()).unwrap();
    w.finish().unwrap();
    temp(name, &bytes)
}

fn read_npy(path: &Path) -> (Vec<u64>, Vec<f64>) {
    let bytes = std::fs::read(path).unwrap();
    let npy = npyz::NpyFile::new(&bytes[..]).unwrap();
    let shape = npy.shape().to_vec();
    (shape, npy.into_vec::<f64>().unwrap())
}

/// Largest difference relative to the largest reference entry.
fn relative_gap(got: &[f64], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    got.iter()
        .zip(want)
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

fn json(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Parses the CSV a `jacobian` run writes: per line point, output, value, row.
/// One CSV line of a Jacobian: point, output label, value, the row over the inputs.
type JacobianLine = (usize, String, f64, Vec<f64>);

fn jacobian_csv(text: &str) -> (Vec<String>, Vec<JacobianLine>) {
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap());
    let rows = lines
        .map(|l| {
            let f = split_csv(l);
            (
                f[0].parse().unwrap(),
                f[1].clone(),
                f[2].parse().unwrap(),
                f[3..].iter().map(|v| v.parse().unwrap()).collect(),
            )
        })
        .collect();
    (header, rows)
}

/// RFC 4180 fields (quoted labels hold commas).
fn split_csv(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(String::new()),
            c => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

#[test]
fn jacobian_csv_json_npy_match_the_library_and_the_reference() {
    let model = Model::load(root().join(wine_model())).unwrap();
    let points = points_of(WINE);
    let file = csv_file("wine_points.csv", None, &points);
    let file = file.to_str().unwrap();
    let (ys, js) = model.jacobian_batch(&points.concat()).unwrap();
    let (n, m) = (13, 3);

    // CSV: rows = points x outputs, columns = inputs, with names.
    let (header, rows) = jacobian_csv(&ok(&[
        "jacobian",
        &wine_model(),
        "--input-file",
        file,
        "--format",
        "csv",
    ]));
    assert_eq!(&header[..4], ["point", "output", "value", "d/dX[0]"]);
    assert_eq!(header.len(), 3 + n);
    assert_eq!(rows.len(), points.len() * m);
    for (r, (point, output, value, row)) in rows.iter().enumerate() {
        let (p, i) = (r / m, r % m);
        assert_eq!(
            (*point, output.as_str()),
            (p + 1, format!("probabilities[{i}]").as_str())
        );
        same(&[*value], &[ys[p * m + i]]);
        same(row, &js[(p * m + i) * n..(p * m + i + 1) * n]);
    }

    // JSON, against the library bit for bit and JAX's float64 Jacobians.
    let doc = json(&ok(&[
        "jacobian",
        &wine_model(),
        "--input-file",
        file,
        "--format",
        "json",
    ]));
    assert_eq!(doc["model"], wine_model().as_str());
    assert_eq!(doc["inputs"].as_array().unwrap().len(), n);
    assert_eq!(doc["outputs"][2], "probabilities[2]");
    let got: Vec<f64> = doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| flat(&p["jacobian"]))
        .collect();
    same(&got, &js);
    let inputs: Vec<f64> = doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| floats(&p["input"]))
        .collect();
    assert_eq!(inputs, points.concat());
    let want = flat(&reference(WINE)["jacobians_reference_f64"]);
    assert!(
        relative_gap(&got, &want) < 1e-9,
        "{}",
        relative_gap(&got, &want)
    );

    // NPY: (k, m, n).
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine_j.npy");
    let out_s = out.to_str().unwrap();
    assert_eq!(
        ok(&[
            "jacobian",
            &wine_model(),
            "--input-file",
            file,
            "--format",
            "npy",
            "--out",
            out_s
        ]),
        ""
    );
    let (shape, values) = read_npy(&out);
    assert_eq!(shape, vec![points.len() as u64, 3, 13]);
    same(&values, &js);

    // Table: the labelled transposed Jacobian of each point.
    let table = ok(&["jacobian", &wine_model(), "--input", &csv_line(&points[0])]);
    assert!(table.contains("Jacobian d output / d input, shown transposed (13 rows = inputs x 3 columns = outputs):"), "{table}");
    let row = table
        .lines()
        .find(|l| l.trim_start().starts_with("X[12] ") && l.contains('e'))
        .unwrap();
    let entries: Vec<f64> = row
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect();
    for (i, e) in entries.iter().enumerate() {
        let exact = js[i * n + 12];
        assert!((e - exact).abs() <= 1e-4 * exact.abs(), "{row}");
    }
}

fn csv_line(p: &[f64]) -> String {
    let row: Vec<String> = p.iter().map(|v| format!("{v:?}")).collect();
    row.join(",")
}

#[test]
fn matlab_jacobians_match_the_chain_rule_reference() {
    for (dir, file) in [(SHALLOW, "myNeuralNetworkFunction.m"), (DEEP, "netFcn.m")] {
        let path = format!("{dir}/{file}");
        let net = ShallowNet::load(root().join(&path)).unwrap();
        let points = points_of(dir);
        let csv = csv_file(&format!("{file}.csv"), None, &points);
        let doc = json(&ok(&[
            "jacobian",
            &path,
            "--input-file",
            csv.to_str().unwrap(),
            "--format",
            "json",
        ]));
        let got: Vec<f64> = doc["points"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| flat(&p["jacobian"]))
            .collect();
        same(&got, &net.jacobian_batch(&points.concat()).unwrap().1);
        let want = flat(&reference(dir)["jacobians_reference_f64"]);
        assert!(
            relative_gap(&got, &want) < 1e-12,
            "{path}: {}",
            relative_gap(&got, &want)
        );
        assert_eq!(doc["inputs"][0], "x1[0]");
    }
}

#[test]
fn forward_in_every_format() {
    let model = Model::load(root().join(format!("{DIABETES}/model.onnx"))).unwrap();
    let points = points_of(DIABETES);
    let ys = model.forward_batch(&points.concat()).unwrap();
    let path = format!("{DIABETES}/model.onnx");
    let file = csv_file("diabetes.csv", None, &points);
    let file = file.to_str().unwrap();

    let csv = ok(&["forward", &path, "--input-file", file, "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("point,variable[0]"));
    let got: Vec<f64> = lines
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    same(&got, &ys);
    let want = flat(&reference(DIABETES)["outputs_reference_f64"]);
    assert!(relative_gap(&got, &want) < 1e-12);

    let doc = json(&ok(&[
        "forward",
        &path,
        "--input-file",
        file,
        "--format",
        "json",
    ]));
    let got: Vec<f64> = doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| floats(&p["output"]))
        .collect();
    same(&got, &ys);

    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("diabetes_y.npy");
    ok(&[
        "forward",
        &path,
        "--input-file",
        file,
        "--format",
        "npy",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (shape, values) = read_npy(&out);
    assert_eq!(shape, vec![points.len() as u64, 1]);
    same(&values, &ys);

    let table = ok(&["forward", &path, "--input-file", file]);
    assert_eq!(table.lines().count(), 2 + points.len(), "{table}");
    let last: f64 = table
        .lines()
        .last()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!((last - ys[points.len() - 1]).abs() < 1e-6 * ys[points.len() - 1].abs());
}

#[test]
fn jvp_equals_the_library_and_the_jacobian_times_the_tangent() {
    let path = format!("{DEEP}/netFcn.m");
    let net = ShallowNet::load(root().join(&path)).unwrap();
    let points = points_of(DEEP);
    let (n, m) = (7, 3);
    let file = csv_file("deep.csv", None, &points);
    let v: Vec<f64> = (0..n).map(|j| 0.5 - j as f64 * 0.25).collect();
    let vs = v.repeat(points.len());
    let (_, jv) = net.jvp_batch(&points.concat(), &vs).unwrap();
    let (_, js) = net.jacobian_batch(&points.concat()).unwrap();

    let doc = json(&ok(&[
        "jvp",
        &path,
        "--input-file",
        file.to_str().unwrap(),
        "--tangent",
        &csv_line(&v),
        "--format",
        "json",
    ]));
    let got: Vec<f64> = doc["points"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| floats(&p["jvp"]))
        .collect();
    same(&got, &jv);
    assert_eq!(floats(&doc["points"][1]["tangent"]), v);
    for (p, chunk) in got.chunks(m).enumerate() {
        for i in 0..m {
            let jv_i: f64 = (0..n).map(|j| js[(p * m + i) * n + j] * v[j]).sum();
            assert!((chunk[i] - jv_i).abs() < 1e-12 * (1.0 + jv_i.abs()));
        }
    }

    // One tangent per point from a file; CSV rows = points x outputs.
    let tangents: Vec<Vec<f64>> = (0..points.len()).map(|p| vec![p as f64; n]).collect();
    let tfile = csv_file("deep_tangents.csv", None, &tangents);
    let csv = ok(&[
        "jvp",
        &path,
        "--input-file",
        file.to_str().unwrap(),
        "--tangent-file",
        tfile.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    let (_, want) = net.jvp_batch(&points.concat(), &tangents.concat()).unwrap();
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("point,output,value,jvp"));
    let got: Vec<f64> = lines
        .map(|l| l.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    same(&got, &want);

    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("deep_jvp.npy");
    ok(&[
        "jvp",
        &path,
        "--input-file",
        file.to_str().unwrap(),
        "--tangent",
        &csv_line(&v),
        "--format",
        "npy",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (shape, values) = read_npy(&out);
    assert_eq!(shape, vec![points.len() as u64, m as u64]);
    same(&values, &jv);

    fails(
        &[
            "jvp",
            &path,
            "--input-file",
            file.to_str().unwrap(),
            "--tangent",
            "1,2",
        ],
        1,
        &["--tangent has 2 values", "7 inputs"],
    );
    let two = csv_file("two_tangents.csv", None, &tangents[..2]);
    fails(
        &[
            "jvp",
            &path,
            "--input-file",
            file.to_str().unwrap(),
            "--tangent-file",
            two.to_str().unwrap(),
        ],
        1,
        &["2 tangents for 8 points"],
    );
}

#[test]
fn sensitivity_reduces_the_library_jacobians() {
    let model = Model::load(root().join(wine_model())).unwrap();
    let points = points_of(WINE);
    let k = points.len() as f64;
    let (_, js) = model.jacobian_batch(&points.concat()).unwrap();
    let file = csv_file("wine_sens.csv", None, &points);
    let file = file.to_str().unwrap();
    let mn = 39;
    let entry = |f: &dyn Fn(&mut f64, f64)| {
        let mut acc = vec![0.0; mn];
        for j in js.chunks(mn) {
            for (a, v) in acc.iter_mut().zip(j) {
                f(a, *v);
            }
        }
        acc
    };
    let mean_abs: Vec<f64> = entry(&|a, v| *a += v.abs()).iter().map(|s| s / k).collect();
    let mean: Vec<f64> = entry(&|a, v| *a += v).iter().map(|s| s / k).collect();
    let rms: Vec<f64> = entry(&|a, v| *a += v * v)
        .iter()
        .map(|s| (s / k).sqrt())
        .collect();
    let max_abs = entry(&|a, v| *a = a.max(v.abs()));
    for (reduce, want) in [
        ("mean_abs", &mean_abs),
        ("mean", &mean),
        ("rms", &rms),
        ("max_abs", &max_abs),
    ] {
        let doc = json(&ok(&[
            "sensitivity",
            &wine_model(),
            "--input-file",
            file,
            "--reduce",
            reduce,
            "--format",
            "json",
        ]));
        assert_eq!(doc["reduce"], reduce);
        assert_eq!(doc["points"], points.len());
        let got = flat(&doc["sensitivity"]);
        assert!(relative_gap(&got, want) < 1e-14, "{reduce}");
    }
    let csv = ok(&[
        "sensitivity",
        &wine_model(),
        "--input-file",
        file,
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].starts_with("output,d/dX[0],d/dX[1]"));
    assert_eq!(lines.len(), 4);
    assert!(lines[3].starts_with("probabilities[2],"));
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wine_s.npy");
    ok(&[
        "sensitivity",
        &wine_model(),
        "--input-file",
        file,
        "--format",
        "npy",
        "--out",
        out.to_str().unwrap(),
    ]);
    let (shape, values) = read_npy(&out);
    assert_eq!(shape, vec![3, 13]);
    assert!(relative_gap(&values, &mean_abs) < 1e-14);
    let table = ok(&["sensitivity", &wine_model(), "--input-file", file]);
    assert!(
        table.contains("sensitivity (mean_abs over 10 points)"),
        "{table}"
    );
}

#[test]
fn check_passes_on_every_shipped_model_and_fails_past_its_tolerance() {
    for model in [
        wine_model(),
        format!("{DIABETES}/model.onnx"),
        format!("{SHALLOW}/myNeuralNetworkFunction.m"),
        format!("{DEEP}/netFcn.m"),
    ] {
        let doc = json(&ok(&["check", &model, "--format", "json"]));
        assert_eq!(doc["points"], 8);
        for c in doc["checks"].as_array().unwrap() {
            assert_eq!(c["ok"], true, "{model}: {c}");
            assert!(c["max_abs_error"].as_f64().unwrap() <= c["allowed"].as_f64().unwrap());
        }
    }
    let points = points_of(WINE);
    let file = csv_file("wine_check.csv", None, &points);
    let table = ok(&[
        "check",
        &wine_model(),
        "--input-file",
        file.to_str().unwrap(),
    ]);
    assert!(table.contains("at 10 point(s)"), "{table}");
    assert_eq!(
        table
            .lines()
            .filter(|l| l.trim_end().ends_with(" ok"))
            .count(),
        3,
        "{table}"
    );
    let csv = ok(&["check", &wine_model(), "--format", "csv"]);
    assert!(csv.starts_with("output,max_abs_error,max_abs_jacobian,allowed,point,input,ok\n"));
    // At a kink the one-sided derivative and the central difference disagree: a ReLU at 0
    // has slope 1 (or 0), the difference quotient 1/2. The check must say so: exit 1, named.
    let kink = temp("kink.m", b"function y1 = kink(x1)\nIW1_1 = [1; 2];\ny1 = poslin_apply(IW1_1*x1);\nend\nfunction a = poslin_apply(n,~)\na = max(0,n);\nend\n");
    let out = nngrad(&[
        "check",
        kink.to_str().unwrap(),
        "--input",
        "0",
        "--format",
        "json",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("the Jacobian of y1[0] differs from central finite differences"),
        "{err}"
    );
    assert!(
        err.contains("kink.m") && err.contains("point 1, input x1[0]"),
        "{err}"
    );
    let doc = json(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(doc["checks"][0]["ok"], false);
    assert!(
        (doc["checks"][0]["max_abs_error"].as_f64().unwrap() - 0.5).abs() < 1e-6,
        "{doc}"
    );
    fails(
        &["check", &wine_model(), "--tolerance", "-1"],
        2,
        &["tolerance"],
    );
    fails(
        &["check", &wine_model(), "--format", "npy", "--out", "x.npy"],
        2,
        &["check writes"],
    );
}

#[test]
fn info_lists_ports_producer_operators_and_differentiability() {
    let text = ok(&["info", &wine_model()]);
    for want in [
        "kind: onnx",
        "producer: skl2onnx",
        "opset: ",
        "probabilities",
        "differentiable (selected)",
        "label",
        "not differentiable",
        "operators: ",
        "MatMul",
    ] {
        assert!(text.contains(want), "no `{want}` in:\n{text}");
    }
    let doc = json(&ok(&["info", &wine_model(), "--format", "json"]));
    assert_eq!(doc["inputs"][0]["name"], "X");
    assert_eq!(doc["inputs"][0]["shape"], serde_json::json!([1, 13]));
    let outputs = doc["outputs"].as_array().unwrap();
    let label = outputs.iter().find(|o| o["name"] == "label").unwrap();
    assert_eq!(label["differentiable"], false);
    assert!(label["reason"].as_str().unwrap().len() > 5);
    let p = outputs
        .iter()
        .find(|o| o["name"] == "probabilities")
        .unwrap();
    assert_eq!(
        (p["differentiable"].clone(), p["selected"].clone()),
        (Json::Bool(true), Json::Bool(true))
    );
    assert_eq!(doc["input_labels"].as_array().unwrap().len(), 13);

    let doc = json(&ok(&[
        "info",
        &format!("{DEEP}/netFcn.m"),
        "--format",
        "json",
    ]));
    assert_eq!(doc["kind"], "matlab");
    assert_eq!(doc["function"], "netFcn");
    assert_eq!(doc["inputs"][0]["shape"], serde_json::json!([7]));
    assert!(!doc["layers"].as_array().unwrap().is_empty());
    let text = ok(&["info", &format!("{DIGITS}/model.onnx")]);
    assert!(text.contains("Conv"), "{text}");
}

#[test]
fn inputs_by_header_name_npy_and_threads_give_the_same_numbers() {
    let points = points_of(WINE);
    let plain = csv_file("wine_plain.csv", None, &points);
    let base = ok(&[
        "jacobian",
        &wine_model(),
        "--input-file",
        plain.to_str().unwrap(),
        "--format",
        "csv",
    ]);

    // A header with the columns reversed and an extra column: matched by name.
    let names: Vec<String> = (0..13).rev().map(|i| format!("X[{i}]")).collect();
    let reversed: Vec<Vec<f64>> = points
        .iter()
        .map(|p| {
            std::iter::once(99.0)
                .chain(p.iter().rev().copied())
                .collect()
        })
        .collect();
    let header = format!("target,{}", names.join(","));
    let named = csv_file("wine_named.csv", Some(&header), &reversed);
    assert_eq!(
        ok(&[
            "jacobian",
            &wine_model(),
            "--input-file",
            named.to_str().unwrap(),
            "--format",
            "csv"
        ]),
        base
    );

    // A header naming no input: a caption, columns in order.
    let caption = csv_file(
        "wine_caption.csv",
        Some("a,b,c,d,e,f,g,h,i,j,k,l,m"),
        &points,
    );
    assert_eq!(
        ok(&[
            "jacobian",
            &wine_model(),
            "--input-file",
            caption.to_str().unwrap(),
            "--format",
            "csv"
        ]),
        base
    );

    let npy = npy_file("wine.npy", &[points.len() as u64, 13], &points.concat());
    assert_eq!(
        ok(&[
            "jacobian",
            &wine_model(),
            "--input-file",
            npy.to_str().unwrap(),
            "--format",
            "csv"
        ]),
        base
    );
    let one = npy_file("wine_one.npy", &[13], &points[0]);
    let first = ok(&[
        "jacobian",
        &wine_model(),
        "--input-file",
        one.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert_eq!(
        first,
        base.lines()
            .take(4)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    );

    for threads in ["1", "2", "3"] {
        assert_eq!(
            ok(&[
                "jacobian",
                &wine_model(),
                "--input-file",
                plain.to_str().unwrap(),
                "--format",
                "csv",
                "--threads",
                threads
            ]),
            base
        );
    }
}

#[test]
fn saliency_writes_the_png_of_the_predicted_classes() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("saliency_cli.png");
    let _ = std::fs::remove_file(&out);
    let text = ok(&[
        "saliency",
        &format!("{DIGITS}/model.onnx"),
        "--input-file",
        "examples/data/digits_sample.csv",
        "--image-shape",
        "8x8",
        "--out",
        out.to_str().unwrap(),
    ]);
    let reference = reference(DIGITS);
    for (p, y) in reference["outputs_reference_f64"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let y = flat(y);
        let class = (0..y.len()).fold(0, |b, i| if y[i] > y[b] { i } else { b });
        assert!(
            text.contains(&format!("image {}: predicted {class} ", p + 1)),
            "{text}"
        );
    }
    let png = std::fs::read(&out).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert!(width >= 5 * 160 && height >= 2 * 80, "{width}x{height}");
    fails(
        &[
            "saliency",
            &format!("{DIGITS}/model.onnx"),
            "--input-file",
            "examples/data/digits_sample.csv",
            "--image-shape",
            "7x8",
            "--out",
            out.to_str().unwrap(),
        ],
        1,
        &["7x8", "64 inputs"],
    );
    fails(
        &[
            "saliency",
            &format!("{DIGITS}/model.onnx"),
            "--input-file",
            "x.csv",
            "--image-shape",
            "8",
            "--out",
            "o.png",
        ],
        2,
        &["HxW"],
    );
}

#[test]
fn bad_files_and_numbers_are_one_line_errors_with_exit_1() {
    let m = wine_model();
    let bad = temp(
        "bad.csv",
        b"1,2,3,4,5,6,7,8,9,10,11,12,13\n1,2,3,4,5,6,7,x,9,10,11,12,13\n",
    );
    fails(
        &["jacobian", &m, "--input-file", bad.to_str().unwrap()],
        1,
        &["bad.csv", "line 2", "`x` is not a number"],
    );
    let narrow = temp("narrow.csv", b"1,2,3,4,5,6,7,8,9,10,11,12,13\n1,2,3\n");
    fails(
        &["forward", &m, "--input-file", narrow.to_str().unwrap()],
        1,
        &["narrow.csv", "line 2", "3 values", "13 inputs"],
    );
    let quote = temp("quote.csv", b"\"X[0],1\n");
    fails(
        &["forward", &m, "--input-file", quote.to_str().unwrap()],
        1,
        &["quote.csv"],
    );
    let empty = temp("empty.csv", b"");
    fails(
        &["jacobian", &m, "--input-file", empty.to_str().unwrap()],
        1,
        &["empty.csv", "no points"],
    );
    let comments = temp("comments.csv", b"# nothing\n\n");
    fails(
        &["jacobian", &m, "--input-file", comments.to_str().unwrap()],
        1,
        &["comments.csv", "no points"],
    );
    let npy = npy_file("wide.npy", &[2, 14], &[0.0; 28]);
    fails(
        &["jacobian", &m, "--input-file", npy.to_str().unwrap()],
        1,
        &["wide.npy", "14 values", "13 inputs"],
    );
    let broken = temp("broken.npy", b"\x93NUMPY\x01\x00garbage");
    fails(
        &["jacobian", &m, "--input-file", broken.to_str().unwrap()],
        1,
        &["broken.npy"],
    );
    fails(
        &["jacobian", &m, "--input-file", "no/such.csv"],
        1,
        &["no/such.csv"],
    );
    fails(
        &["jacobian", &m, "--input", "1,2"],
        1,
        &["--input has 2 values", "13 inputs", "X[0] … X[12]"],
    );
    fails(
        &["jacobian", &m, "--input", "1,2,nan?"],
        1,
        &["--input", "`nan?` is not a number"],
    );
    fails(
        &[
            "jacobian",
            &m,
            "--input",
            &"1,".repeat(13),
            "--output",
            "nope",
        ],
        1,
        &["nope", "probabilities", "label"],
    );
    fails(
        &[
            "jacobian",
            &m,
            "--input",
            &"1,".repeat(13),
            "--output",
            "label",
        ],
        1,
        &["label"],
    );
    // an output whose length depends on the input's values has no fixed-width table
    for task in ["forward", "jacobian", "check"] {
        fails(
            &[
                task,
                "tests/data/onnx/range_dynamic/model.onnx",
                "--input",
                "1.5",
            ],
            1,
            &["'y'", "depends on the input's values", "Model::jacobian"],
        );
    }

    let onnx = std::fs::read(root().join(&m)).unwrap();
    let truncated = temp("truncated.onnx", &onnx[..onnx.len() / 2]);
    fails(
        &["jacobian", truncated.to_str().unwrap(), "--input", "1"],
        1,
        &["truncated.onnx"],
    );
    fails(
        &["info", truncated.to_str().unwrap()],
        1,
        &["truncated.onnx"],
    );
    fails(&["info", WINE], 1, &[WINE, "is a directory"]);
    fails(
        &["forward", "no/such/model.onnx", "--input", "1"],
        1,
        &["no/such/model.onnx"],
    );
    let bad_m = temp("bad.m", b"function y = f(x)\ny = what(x);\n");
    fails(&["info", bad_m.to_str().unwrap()], 1, &["bad.m"]);
    fails(
        &["info", "tests/data/matlab/variants/narx_unsupported.m"],
        1,
        &["narx_unsupported.m"],
    );
    fails(
        &[
            "forward",
            &format!("{DEEP}/netFcn.m"),
            "--input",
            "1",
            "--output",
            "y",
        ],
        1,
        &["--output"],
    );
    let out_dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    fails(
        &[
            "forward",
            &m,
            "--input",
            &"1,".repeat(13),
            "--out",
            out_dir.to_str().unwrap(),
        ],
        1,
        &["is a directory"],
    );
}

#[test]
fn usage_errors_exit_2() {
    let m = wine_model();
    fails(&["jacobian", &m], 2, &["--input"]);
    fails(
        &["jacobian", &m, "--input", "1", "--input-file", "a.csv"],
        2,
        &["cannot be used with"],
    );
    fails(
        &["jacobian", &m, "--input", "1", "--format", "npy"],
        2,
        &["--out"],
    );
    fails(
        &["jacobian", &m, "--input", "1", "--format", "xml"],
        2,
        &["xml"],
    );
    fails(
        &["jacobian", &m, "--input", "1", "--threads", "0"],
        2,
        &["threads"],
    );
    fails(
        &["sensitivity", &m, "--input", "1", "--reduce", "median"],
        2,
        &["median"],
    );
    fails(&["jvp", &m, "--input", "1"], 2, &["--tangent"]);
    fails(&["differentiate", &m], 2, &["differentiate"]);
    fails(&[], 2, &["Usage"]);
    let help = ok(&["jacobian", "--help"]);
    assert!(
        help.contains("rows = points x outputs, columns = inputs"),
        "{help}"
    );
}

/// Many points of the digits CNN: long enough to interrupt, and to outlast a closed pipe.
fn many_digits(name: &str, copies: usize) -> PathBuf {
    let digits = std::fs::read_to_string(root().join("examples/data/digits_sample.csv")).unwrap();
    let rows: Vec<&str> = digits.lines().filter(|l| !l.starts_with('#')).collect();
    let mut text = String::new();
    for _ in 0..copies {
        for r in &rows {
            text += r;
            text += "\n";
        }
    }
    temp(name, text.as_bytes())
}

#[test]
fn a_closed_pipe_ends_quietly() {
    let file = many_digits("pipe_digits.csv", 200);
    let mut child = Command::new(env!("CARGO_BIN_EXE_nngrad"))
        .current_dir(root())
        .args([
            "forward",
            &format!("{DIGITS}/model.onnx"),
            "--input-file",
            file.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).unwrap();
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {err}", out.status);
    assert!(err.is_empty(), "{err}");
}

#[test]
fn ctrl_c_stops_between_blocks_with_exit_130_and_removes_the_partial_file() {
    let file = many_digits("interrupt_digits.csv", 2000);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interrupted.csv");
    let mut child = Command::new(env!("CARGO_BIN_EXE_nngrad"))
        .current_dir(root())
        .args([
            "jacobian",
            &format!("{DIGITS}/model.onnx"),
            "--input-file",
            file.to_str().unwrap(),
            "--format",
            "csv",
            "--out",
            out.to_str().unwrap(),
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the work has begun (the output file exists), then interrupt.
    let started = std::time::Instant::now();
    while !out.exists() && started.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    let code = child.wait().unwrap();
    assert_eq!(code.code(), Some(130), "{err}");
    assert!(err.starts_with("nngrad: interrupted after "), "{err}");
    assert!(
        err.contains("of 20000 points") && err.contains("removed"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!out.exists());
    let _ = std::io::stderr().flush();
}
