//! Runs the `jacobian` and `saliency` examples as a user would, as built binaries, and checks
//! what they print and write against the fixtures' independent references (JAX float64 and
//! extended-precision Jacobians for the ONNX models, a float64 chain rule for the MATLAB
//! network).

mod common;

use common::json::{floats, matrix};
use nngrad_core::onnx::Model;
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

const WINE: &str = "tests/data/onnx/wine_mlp_relu_softmax_classifier";
const DIGITS_CNN: &str = "tests/data/onnx/digits_keras_cnn_conv2d";
const MATLAB: &str = "tests/data/matlab/shallow_tansig_struct";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the examples once with the profile of this test binary (so the library is not
/// compiled a second time) and returns the path of the named one. `cargo test --test
/// examples_cli` alone does not build examples, hence the nested cargo.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<HashMap<String, PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let profile = if cfg!(debug_assertions) {
            "test"
        } else {
            "release"
        };
        // cargo's own progress goes straight to the terminal (a child's stderr is not
        // captured by the test harness), so a first build that takes minutes is not silent.
        let out = Command::new(env!("CARGO"))
            .current_dir(root())
            .args(["build", "--message-format=json", "--profile", profile])
            .args(["--example", "jacobian", "--example", "saliency"])
            .stderr(std::process::Stdio::inherit())
            .output()
            .expect("cargo runs");
        assert!(
            out.status.success(),
            "building the examples failed (cargo's messages are above)"
        );
        String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .filter_map(|line| serde_json::from_str::<Json>(line).ok())
            .filter(|m| m["reason"] == "compiler-artifact" && m["executable"].is_string())
            .map(|m| {
                let name = m["target"]["name"].as_str().unwrap().to_string();
                (name, PathBuf::from(m["executable"].as_str().unwrap()))
            })
            .collect()
    });
    built[name].clone()
}

fn run(name: &str, args: &[&str]) -> Output {
    Command::new(example(name))
        .current_dir(root())
        .args(args)
        .output()
        .expect("the example runs")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn reference(dir: &str) -> Json {
    let text = std::fs::read_to_string(root().join(dir).join("reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// `{:?}` round-trips f64 exactly, so the example sees the reference's very point.
fn csv_line(point: &[f64]) -> String {
    point
        .iter()
        .map(|v| format!("{v:?}"))
        .collect::<Vec<_>>()
        .join(",")
}

/// Largest entry difference relative to the largest reference entry.
fn relative_gap(got: &[Vec<f64>], want: &[Vec<f64>]) -> f64 {
    assert_eq!(got.len(), want.len());
    let scale = want.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
    got.iter()
        .flatten()
        .zip(want.iter().flatten())
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()))
        / scale
}

fn temp_file(name: &str, contents: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

#[test]
fn default_run_prints_a_labelled_table_and_agrees_with_finite_differences() {
    let text = stdout(&run("jacobian", &[]));
    for label in ["alcohol", "proline", "probabilities[0]", "probabilities[2]"] {
        assert!(text.contains(label), "no `{label}` in:\n{text}");
    }
    assert!(text.contains(
        "Jacobian d output / d input, shown transposed (13 rows = inputs x 3 columns = outputs)"
    ));
    // One table row per input: a label and three numbers.
    let row = text
        .lines()
        .rfind(|l| l.trim_start().starts_with("hue "))
        .unwrap();
    assert_eq!(row.split_whitespace().count(), 4, "{row}");

    let line = text
        .lines()
        .find(|l| l.starts_with("largest |J - central finite difference| = "))
        .unwrap();
    let values: Vec<f64> = line
        .split(['=', '(', ')'])
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    let [gap, scale] = values[..] else {
        panic!("{line}")
    };
    assert!(scale > 1e-3, "the sample point is not saturated: {line}");
    assert!(gap < 1e-6 * scale, "{line}");
}

#[test]
fn json_matches_the_reference_jacobians_and_the_library() {
    let reference = reference(WINE);
    let points: Vec<Vec<f64>> = matrix(&reference["points"]);
    let file: String = points.iter().map(|p| csv_line(p) + "\n").collect();
    let file = temp_file("wine_points.csv", &file);
    let model = format!("{WINE}/model.onnx");
    let out = run(
        "jacobian",
        &[
            &model,
            "--input-file",
            file.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    let json: Json = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(json["inputs"][0], "X[0]");
    assert_eq!(json["outputs"][2], "probabilities[2]");
    let printed = json["points"].as_array().unwrap();
    assert_eq!(printed.len(), points.len());

    // JAX's float64 softmax derivative loses digits where probabilities are within 1e-10 of
    // 1 (tests/data/onnx/README.md); the extended-precision reference does not.
    let extended: Json = serde_json::from_str(
        &std::fs::read_to_string(root().join(WINE).join("reference_extended.json")).unwrap(),
    )
    .unwrap();
    let library = Model::load(root().join(&model)).unwrap();
    for (k, p) in printed.iter().enumerate() {
        assert_eq!(floats(&p["input"]), points[k]);
        let jacobian = matrix(&p["jacobian"]);
        let want = matrix(&extended["jacobians"][k]);
        assert!(relative_gap(&jacobian, &want) < 1e-9, "point {k}");
        let outputs = floats(&p["output"]);
        let want = vec![floats(&extended["outputs"][k])];
        assert!(
            relative_gap(std::slice::from_ref(&outputs), &want) < 1e-9,
            "point {k}"
        );

        // The example prints shortest round-trip decimals, so only serde_json's parser (not
        // correctly rounded without its `float_roundtrip` feature) stands between the
        // printed and the library's values: a unit or two in the last place.
        let (y, j) = library.jacobian(&points[k]).unwrap();
        let same = |a: f64, b: f64| (a - b).abs() <= 4.0 * f64::EPSILON * a.abs().max(b.abs());
        // nalgebra stores column-major: the transpose iterates J row by row.
        let jt = j.transpose();
        let ours = y.iter().copied().chain(jt.iter().copied());
        let printed = outputs.iter().copied().chain(jacobian.concat());
        for (printed, ours) in printed.zip(ours) {
            assert!(same(printed, ours), "point {k}: {printed:?} vs {ours:?}");
        }
    }
}

#[test]
fn csv_has_one_row_per_output_of_every_point() {
    let out = run(
        "jacobian",
        &[
            &format!("{DIGITS_CNN}/model.onnx"),
            "--input-file",
            "examples/data/digits_sample.csv",
            "--format",
            "csv",
        ],
    );
    let text = stdout(&out);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    // The image input is 8x8x1: its labels hold commas and are quoted.
    assert!(
        header.starts_with("point,output,value,\"d/dinput[0,0,0]\","),
        "{header}"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 10 * 10);
    let reference = reference(DIGITS_CNN);
    for (r, row) in rows.iter().enumerate() {
        let (point, output) = (r / 10, r % 10);
        assert_eq!(row.len(), 3 + 64);
        assert_eq!(row[0], (point + 1).to_string());
        assert_eq!(row[1], format!("dense_3[{output}]"));
        let got: Vec<f64> = row[3..].iter().map(|v| v.parse().unwrap()).collect();
        let want = floats(&reference["jacobians_reference_f64"][point][output]);
        let all = matrix(&reference["jacobians_reference_f64"][point]);
        let scale = all.iter().flatten().fold(0.0f64, |m, v| m.max(v.abs()));
        for (g, w) in got.iter().zip(&want) {
            assert!(
                (g - w).abs() <= 1e-9 * scale,
                "point {point} output {output}"
            );
        }
    }
}

#[test]
fn a_matlab_genfunction_file_works_like_an_onnx_model() {
    let reference = reference(MATLAB);
    let model = format!("{MATLAB}/myNeuralNetworkFunction.m");
    let point = floats(&reference["points"][0]);
    let input = csv_line(&point);

    let json: Json = serde_json::from_str(&stdout(&run(
        "jacobian",
        &[&model, "--input", &input, "--format", "json"],
    )))
    .unwrap();
    assert_eq!(json["inputs"][4], "x1[4]");
    assert_eq!(json["outputs"][0], "y1[0]");
    let jacobian = matrix(&json["points"][0]["jacobian"]);
    let want = matrix(&reference["jacobians_reference_f64"][0]);
    assert!(relative_gap(&jacobian, &want) < 1e-9);

    let table = stdout(&run("jacobian", &[&model, "--input", &input]));
    assert!(
        table.contains("x1[0]") && table.contains("y1[0]"),
        "{table}"
    );
    assert!(table.contains("largest |J - central finite difference|"));
}

/// Every failure is one line on stderr, nothing on stdout, and a non-zero exit status.
fn assert_fails(args: &[&str], expect: &str) {
    let out = run("jacobian", args);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(!out.status.success(), "{args:?} succeeded");
    assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    assert!(
        err.starts_with("error: ") && err.contains(expect),
        "{args:?}: {err}"
    );
}

#[test]
fn bad_files_inputs_and_flags_fail_with_one_line() {
    let wine = format!("{WINE}/model.onnx");
    assert_fails(&["no/such/model.onnx"], "no/such/model.onnx");
    assert_fails(&["Cargo.toml"], "not a valid ONNX model");
    let not_a_net = temp_file("not_a_net.m", "disp('hello')\n");
    assert_fails(&[not_a_net.to_str().unwrap()], "not a MATLAB genFunction");
    assert_fails(
        &[&wine, "--input", "1,2,3"],
        "has 3 values but the model takes 13",
    );
    assert_fails(&[&wine], "takes 13 inputs");
    assert_fails(&[&wine, "--input", "1,2,x"], "`x` is not a number");
    assert_fails(&["--bogus"], "unknown option `--bogus`");
    assert_fails(&["--format", "xml"], "table, json or csv");
    assert_fails(&["--input"], "--input needs a value");
    assert_fails(&["--output", "nope"], "'nope' is not a graph output");
    let ragged = temp_file("ragged.csv", "1,2,3,4,5\n1,2,3,4\n");
    let matlab = format!("{MATLAB}/myNeuralNetworkFunction.m");
    assert_fails(
        &[&matlab, "--input-file", ragged.to_str().unwrap()],
        "point 2 has 4 values",
    );
    assert_fails(&[&matlab, "--output", "y1"], "--output");
}

/// Reads a PNG independently of the example's encoder: chunk CRCs, the IHDR, and the zlib
/// stream of stored deflate blocks (the only kind the encoder writes) with its Adler-32.
/// Returns (width, height, RGB bytes).
fn decode_png(bytes: &[u8]) -> (usize, usize, Vec<u8>) {
    fn crc32(data: &[u8]) -> u32 {
        let table: Vec<u32> = (0..256u32)
            .map(|n| {
                (0..8).fold(n, |c, _| {
                    if c & 1 == 1 {
                        0xedb8_8320 ^ (c >> 1)
                    } else {
                        c >> 1
                    }
                })
            })
            .collect();
        !data.iter().fold(!0u32, |c, &b| {
            table[((c ^ u32::from(b)) & 0xff) as usize] ^ (c >> 8)
        })
    }
    // The standard check value of CRC-32, so this reader's CRC is itself right.
    assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
    let be32 = |b: &[u8]| u32::from_be_bytes(b[..4].try_into().unwrap());

    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    let mut at = 8;
    let mut chunks = Vec::new();
    while at < bytes.len() {
        let len = be32(&bytes[at..]) as usize;
        let kind = &bytes[at + 4..at + 8];
        let data = &bytes[at + 8..at + 8 + len];
        let crc = be32(&bytes[at + 8 + len..]);
        assert_eq!(crc, crc32(&bytes[at + 4..at + 8 + len]), "CRC of {kind:?}");
        chunks.push((kind, data));
        at += 12 + len;
    }
    assert_eq!(at, bytes.len());
    let kinds: Vec<&[u8]> = chunks.iter().map(|c| c.0).collect();
    assert_eq!(kinds.first(), Some(&&b"IHDR"[..]));
    assert_eq!(kinds.last(), Some(&&b"IEND"[..]));

    let ihdr = chunks[0].1;
    assert_eq!(ihdr.len(), 13);
    let (width, height) = (be32(ihdr) as usize, be32(&ihdr[4..]) as usize);
    // 8-bit RGB, deflate, adaptive filtering, no interlace.
    assert_eq!(&ihdr[8..], &[8, 2, 0, 0, 0]);

    let zlib: Vec<u8> = chunks
        .iter()
        .filter(|c| c.0 == b"IDAT")
        .flat_map(|c| c.1.iter().copied())
        .collect();
    assert_eq!(zlib[0] & 0x0f, 8, "deflate");
    assert_eq!(
        (u16::from(zlib[0]) << 8 | u16::from(zlib[1])) % 31,
        0,
        "zlib header check"
    );
    let mut raw = Vec::new();
    let mut at = 2;
    loop {
        let header = zlib[at];
        assert_eq!(header >> 1 & 3, 0, "a stored block");
        let len = u16::from_le_bytes([zlib[at + 1], zlib[at + 2]]);
        let nlen = u16::from_le_bytes([zlib[at + 3], zlib[at + 4]]);
        assert_eq!(len, !nlen);
        raw.extend_from_slice(&zlib[at + 5..at + 5 + len as usize]);
        at += 5 + len as usize;
        if header & 1 == 1 {
            break;
        }
    }
    let (a, b) = raw.iter().fold((1u32, 0u32), |(a, b), &x| {
        let a = (a + u32::from(x)) % 65521;
        (a, (b + a) % 65521)
    });
    assert_eq!(be32(&zlib[at..]), b << 16 | a, "Adler-32");
    assert_eq!(zlib.len(), at + 4);

    assert_eq!(raw.len(), height * (1 + 3 * width));
    let mut rgb = Vec::new();
    for row in raw.chunks(1 + 3 * width) {
        assert_eq!(row[0], 0, "filter type none");
        rgb.extend_from_slice(&row[1..]);
    }
    (width, height, rgb)
}

#[test]
fn saliency_writes_a_valid_png_and_names_the_reference_classes() {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join("saliency_test.png");
    let _ = std::fs::remove_file(&path);
    let text = stdout(&run("saliency", &[path.to_str().unwrap()]));
    assert_eq!(
        text.lines().last().unwrap(),
        format!("wrote {}", path.display())
    );

    // The predicted classes are the argmax of the fixture's reference outputs.
    let reference = reference(DIGITS_CNN);
    for (n, p) in matrix(&reference["outputs_reference_f64"])
        .iter()
        .enumerate()
    {
        let class = (0..p.len()).fold(0, |best, i| if p[i] > p[best] { i } else { best });
        let line = format!("digit {n}: predicted {class} ");
        assert!(text.contains(&line), "no `{line}` in:\n{text}");
    }

    let (width, height, rgb) = decode_png(&std::fs::read(&path).unwrap());
    // Ten 8x8 digits and ten maps, each image pixel at least 2x2 screen pixels.
    assert!(width * height >= 20 * 64 * 4, "{width}x{height}");
    // Every grey level of the digits is drawn, and the heat maps are in colour.
    let greys: std::collections::HashSet<u8> = rgb
        .chunks(3)
        .filter(|p| p[0] == p[1] && p[1] == p[2])
        .map(|p| p[0])
        .collect();
    let digits = std::fs::read_to_string(root().join("examples/data/digits_sample.csv")).unwrap();
    for v in digits
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split(','))
    {
        let grey = (v.parse::<f64>().unwrap() * 255.0).round() as u8;
        assert!(greys.contains(&grey), "grey {grey} missing");
    }
    assert!(rgb.chunks(3).any(|p| p[0] != p[2]), "no heat map colours");
}
