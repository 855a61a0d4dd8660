//! Bad input is an `Err` naming what and where, never a panic: missing files, foreign or
//! damaged bytes (every single-byte corruption and truncation of the fixtures), vendor
//! operators, cycles, external data, absurd sizes, wrong lengths, integer outputs.

mod common;

use common::onnx::value_info;
use nngrad_core::onnx::proto::{
    data_type, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, StringStringEntryProto,
    TensorProto, ValueInfoProto,
};
use nngrad_core::onnx::{Error, Model};
use prost::Message;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/onnx")
        .join(name)
        .join("model.onnx")
}

fn node(op: &str, domain: &str, name: &str, ins: &[&str], outs: &[&str]) -> NodeProto {
    NodeProto {
        name: name.into(),
        domain: domain.into(),
        ..common::onnx::node(op, ins, outs, vec![])
    }
}

fn model(nodes: Vec<NodeProto>, inits: Vec<TensorProto>, outputs: Vec<ValueInfoProto>) -> Vec<u8> {
    ModelProto {
        ir_version: 8,
        producer_name: "test".into(),
        producer_version: String::new(),
        graph: Some(GraphProto {
            node: nodes,
            name: "g".into(),
            initializer: inits,
            input: vec![value_info("x", data_type::FLOAT, &[1, 3])],
            output: outputs,
        }),
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: 13,
        }],
    }
    .encode_to_vec()
}

fn float_out(name: &str) -> ValueInfoProto {
    value_info(name, data_type::FLOAT, &[1, 3])
}

#[test]
fn missing_file_and_foreign_bytes() {
    let e = Model::load("tests/data/onnx/nope.onnx").unwrap_err();
    assert!(matches!(e, Error::Io { .. }));
    assert!(e.to_string().contains("nope.onnx"), "{e}");
    let e = Model::from_bytes(b"\x89PNG\r\n\x1a\n not a model").unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e}");
    let e = Model::from_bytes(&[]).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e}");
}

#[test]
fn a_file_error_names_the_file() {
    let dir = std::env::temp_dir().join(format!("nngrad-onnx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join("broken.onnx");
    let bytes = std::fs::read(fixture("wine_mlp_relu_softmax_classifier")).unwrap();
    std::fs::write(&p, &bytes[..100]).unwrap();
    let e = Model::load(&p).unwrap_err();
    assert!(matches!(e, Error::InFile { .. }));
    assert!(e.to_string().contains("broken.onnx"), "{e}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn vendor_operator_is_unsupported_with_node_and_opset() {
    let bytes = model(
        vec![node(
            "Placeholder",
            "com.MathWorks",
            "custom_layer",
            &["x"],
            &["y"],
        )],
        vec![],
        vec![float_out("y")],
    );
    let e = Model::from_bytes(&bytes).unwrap_err();
    match &e {
        Error::UnsupportedOp {
            op, domain, node, ..
        } => {
            assert_eq!(
                (op.as_str(), domain.as_str(), node.as_str()),
                ("Placeholder", "com.MathWorks", "custom_layer")
            );
        }
        other => panic!("expected UnsupportedOp, got {other}"),
    }
    assert!(e.to_string().contains("com.MathWorks::Placeholder"), "{e}");
}

/// One load names every unsupported operator the output depends on, each with its opset
/// and all its nodes, and an operator used below the opset that introduced it.
#[test]
fn every_unsupported_operator_is_reported_at_once() {
    let bytes = model(
        vec![
            node("Frobnicate", "", "f1", &["x"], &["a"]),
            node("Relu", "", "r", &["a"], &["b"]),
            node("Frobnicate", "", "f2", &["b"], &["c"]),
            node("Placeholder", "com.MathWorks", "p", &["c"], &["d"]),
            node("Add", "", "add", &["d", "x"], &["y"]),
        ],
        vec![],
        vec![float_out("y")],
    );
    let e = Model::from_bytes(&bytes).unwrap_err();
    let Error::UnsupportedOp { all, .. } = &e else {
        panic!("expected UnsupportedOp, got {e}");
    };
    let got: Vec<(&str, &str, i64, Vec<&str>)> = all
        .iter()
        .map(|u| {
            (
                u.domain.as_str(),
                u.op.as_str(),
                u.opset,
                u.nodes.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("com.MathWorks", "Placeholder", 0, vec!["p"]),
            ("", "Frobnicate", 13, vec!["f2", "f1"]),
        ]
    );
    let text = e.to_string();
    for part in [
        "com.MathWorks::Placeholder",
        "ai.onnx::Frobnicate",
        "'f1'",
        "'f2'",
        "opset 13",
    ] {
        assert!(text.contains(part), "{text}");
    }
    // LayerNormalization exists from opset 17 on: at 13 it is not an operator
    let bytes = model(
        vec![node("LayerNormalization", "", "ln", &["x"], &["y"])],
        vec![],
        vec![float_out("y")],
    );
    let e = Model::from_bytes(&bytes).unwrap_err();
    assert!(
        matches!(&e, Error::UnsupportedOp { op, opset: 13, .. } if op == "LayerNormalization"),
        "{e}"
    );
}

#[test]
fn cycles_are_errors() {
    let bytes = model(
        vec![
            node("Relu", "", "a", &["b_out"], &["a_out"]),
            node("Relu", "", "b", &["a_out"], &["b_out"]),
            node("Add", "", "c", &["x", "a_out"], &["y"]),
        ],
        vec![],
        vec![float_out("y")],
    );
    assert!(matches!(
        Model::from_bytes(&bytes),
        Err(Error::Cycle { .. })
    ));
}

#[test]
fn external_data_and_absurd_sizes() {
    let ext = TensorProto {
        dims: vec![3],
        data_type: data_type::FLOAT,
        name: "w".into(),
        external_data: vec![StringStringEntryProto {
            key: "location".into(),
            value: "w.bin".into(),
        }],
        data_location: 1,
        ..Default::default()
    };
    let bytes = model(
        vec![node("Add", "", "n", &["x", "w"], &["y"])],
        vec![ext],
        vec![float_out("y")],
    );
    let e = Model::from_bytes(&bytes).unwrap_err();
    assert!(matches!(e, Error::ExternalData { .. }), "{e}");
    // a header claiming 2^40 floats with 3 present: an error, not a 4 TB allocation
    let huge = TensorProto {
        dims: vec![1 << 20, 1 << 20],
        data_type: data_type::FLOAT,
        name: "w".into(),
        float_data: vec![1.0, 2.0, 3.0],
        ..Default::default()
    };
    let bytes = model(
        vec![node("Add", "", "n", &["x", "w"], &["y"])],
        vec![huge],
        vec![float_out("y")],
    );
    let e = Model::from_bytes(&bytes).unwrap_err();
    assert!(matches!(e, Error::Invalid { .. }), "{e}");
    // a computed shape that would need terabytes
    let shape = TensorProto {
        dims: vec![3],
        data_type: data_type::INT64,
        name: "s".into(),
        int64_data: vec![1 << 20, 1 << 20, 1 << 10],
        ..Default::default()
    };
    let bytes = model(
        vec![node("Expand", "", "big", &["x", "s"], &["y"])],
        vec![shape],
        vec![float_out("y")],
    );
    // (shapes are inferred at load since issue 15: the error comes from from_bytes)
    let e = Model::from_bytes(&bytes).unwrap_err();
    assert!(matches!(e, Error::Node { .. }), "{e}");
    assert!(
        e.to_string().contains("big") && e.to_string().contains("Expand"),
        "{e}"
    );
}

#[test]
fn wrong_lengths_unknown_outputs_and_integer_outputs() {
    let m = Model::load(fixture("wine_mlp_relu_softmax_classifier")).unwrap();
    let e = m.forward(&[1.0; 12]).unwrap_err();
    assert!(
        matches!(
            e,
            Error::InputLength {
                expected: 13,
                got: 12,
                ..
            }
        ),
        "{e}"
    );
    assert!(m.jacobian(&[1.0; 14]).is_err());
    assert!(matches!(
        m.jvp(&[1.0; 13], &[1.0; 2]),
        Err(Error::TangentLength { .. })
    ));
    let e = m.with_output("nope").unwrap_err();
    assert!(e.to_string().contains("probabilities"), "{e}");
    // an integer output: values through forward, an error from jacobian
    let bytes = model(
        vec![node("Shape", "", "shape", &["x"], &["s"])],
        vec![],
        vec![value_info("s", data_type::INT64, &[2])],
    );
    let m = Model::from_bytes(&bytes).unwrap();
    assert_eq!(m.forward(&[1.0, 2.0, 3.0]).unwrap(), vec![1.0, 3.0]);
    assert!(matches!(
        m.jacobian(&[1.0, 2.0, 3.0]),
        Err(Error::NotDifferentiable { .. })
    ));
}

/// Loads `bytes` and, if that works, evaluates and differentiates; returns whether it panicked.
fn exercise(bytes: &[u8]) -> bool {
    catch_unwind(AssertUnwindSafe(|| {
        if let Ok(m) = Model::from_bytes(bytes) {
            let n = m.input_len();
            if n <= 4096 {
                let x = vec![0.5; n];
                let _ = m.forward(&x);
                let _ = m.jvp(&x, &vec![1.0; n]);
            }
        }
    }))
    .is_err()
}

/// Runs `collect`, which records a description of every input on which `exercise` panicked,
/// with the panic hook silenced (thousands of inputs, each panic would print), then asserts
/// that none did.
fn assert_never_panics(collect: impl FnOnce(&mut Vec<String>)) {
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut panics = Vec::new();
    collect(&mut panics);
    std::panic::set_hook(prev);
    assert!(
        panics.is_empty(),
        "{} panics, first: {:?}",
        panics.len(),
        &panics[..panics.len().min(10)]
    );
}

#[test]
fn corrupting_any_byte_or_truncating_never_panics() {
    assert_never_panics(|panics| {
        for name in [
            "diabetes_mlp_tanh_regressor",
            "wine_mlp_relu_softmax_classifier",
            "digits_keras_lstm_sequence",
            "digits_keras_cnn_conv2d",
        ] {
            let bytes = std::fs::read(fixture(name)).unwrap();
            for i in 0..bytes.len() {
                for flip in [0xffu8, 0x01, 0x80] {
                    let mut b = bytes.clone();
                    b[i] ^= flip;
                    if exercise(&b) {
                        panics.push(format!("{name}: byte {i} ^ {flip:#x}"));
                    }
                }
                if exercise(&bytes[..i]) {
                    panics.push(format!("{name}: truncated to {i} bytes"));
                }
            }
        }
    });
}

/// Every attribute of every node of the conformance models (and the fixtures) set to hostile
/// values (negative, zero, huge, NaN), and every initializer's dims scrambled: load, forward
/// and jvp must return, never panic.
#[test]
fn hostile_attributes_and_dims_never_panic() {
    let shared = common::shared_dir();
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/onnx"))
            .unwrap()
            .map(|e| e.unwrap().path().join("model.onnx"))
            .filter(|p| p.exists())
            .collect();
    match std::fs::read_dir(shared.join("onnx-conformance")) {
        Ok(rd) => files.extend(rd.map(|e| e.unwrap().path().join("model.onnx")).filter(|p| p.exists())),
        Err(_) => eprintln!("\n!!!! ../shared/onnx-conformance absent: hostile-attribute test runs on the fixtures only !!!!\n"),
    }
    files.sort();
    let mut tried = 0usize;
    assert_never_panics(|panics| {
        for f in &files {
            let bytes = std::fs::read(f).unwrap();
            if bytes.len() > 200_000 {
                continue;
            }
            let base = ModelProto::decode(bytes.as_slice()).unwrap();
            let graph = base.graph.as_ref().unwrap();
            let mut variants: Vec<ModelProto> = Vec::new();
            for (ni, n) in graph.node.iter().enumerate() {
                for ai in 0..n.attribute.len() {
                    for &v in &[-1i64, 0, 3, 1 << 40, i64::MIN] {
                        let mut m = base.clone();
                        let at = &mut m.graph.as_mut().unwrap().node[ni].attribute[ai];
                        at.i = v;
                        at.f = v as f32;
                        for x in at.ints.iter_mut() {
                            *x = v;
                        }
                        if v == 3 {
                            at.ints.push(v);
                            at.f = f32::NAN;
                        }
                        variants.push(m);
                    }
                }
            }
            for (ti, t) in graph.initializer.iter().enumerate() {
                if !t.dims.is_empty() {
                    let mut m = base.clone();
                    m.graph.as_mut().unwrap().initializer[ti].dims.reverse();
                    m.graph.as_mut().unwrap().initializer[ti].dims.push(1);
                    variants.push(m);
                }
            }
            for (k, m) in variants.iter().enumerate() {
                tried += 1;
                if exercise(&m.encode_to_vec()) {
                    panics.push(format!("{}: variant {k}", f.display()));
                }
            }
        }
    });
    eprintln!("hostile variants tried: {tried}");
    assert!(tried > 100, "only {tried} variants");
}

#[test]
fn models_are_send_sync_and_debug_is_short() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Model>();
    let m = Model::load(fixture("digits_keras_cnn_conv2d")).unwrap();
    let s = format!("{m:?}");
    assert!(s.contains("dense_3") && s.len() < 400, "{s}");
    // one model shared by threads
    let x = vec![0.25; 64];
    let y = m.forward(&x).unwrap();
    std::thread::scope(|sc| {
        for _ in 0..2 {
            sc.spawn(|| assert_eq!(m.forward(&x).unwrap(), y));
        }
    });
}

/// Files of other kinds given to the ONNX loader say what they are and what to do.
#[test]
fn foreign_files_say_what_they_are_and_what_to_do() {
    let dir = std::env::temp_dir().join(format!("nngrad_foreign_{}", std::process::id()));
    std::fs::create_dir_all(dir.join("saved")).unwrap();
    std::fs::write(dir.join("saved/saved_model.pb"), b"\x08\x01").unwrap();
    let m_file = b"function [Y,Xf,Af] = myNeuralNetworkFunction(X,~,~)\n%MYNEURALNETWORKFUNCTION neural network simulation function.\nx1_step1.xoffset = 0;\nend\n";
    let cases: Vec<(&str, Vec<u8>, &str, &str)> = vec![
        ("net.m", m_file.to_vec(), "MATLAB code", "ShallowNet"),
        (
            "net.m",
            b"% comment first\n\nfunction y = f(x)\ny = x;\nend\n".to_vec(),
            "MATLAB code",
            "ShallowNet",
        ),
        (
            "model.h5",
            b"\x89HDF\r\n\x1a\n\0\0\0\0rest".to_vec(),
            "HDF5",
            "tf2onnx",
        ),
        (
            "model.pt",
            b"PK\x03\x04\x14\0\0\0\0\0archive/data.pklxxxx".to_vec(),
            "PyTorch",
            "torch.onnx.export",
        ),
        (
            "model.keras",
            b"PK\x03\x04\x14\0\0\0\0\0config.jsonxxxx".to_vec(),
            "Keras",
            "tf2onnx",
        ),
        (
            "old.pt",
            b"\x80\x02}q\0(X\x05\0\0\0".to_vec(),
            "pickle",
            "torch.onnx.export",
        ),
        (
            "data.mat",
            b"MATLAB 5.0 MAT-file, Platform: GLNXA64".to_vec(),
            "MAT-file",
            "exportONNXNetwork",
        ),
    ];
    for (name, bytes, what, todo) in cases {
        let path = dir.join(name);
        std::fs::write(&path, &bytes).unwrap();
        let e = Model::load(&path).unwrap_err();
        let Error::InFile { source, .. } = &e else {
            panic!("{name}: {e}")
        };
        assert!(matches!(**source, Error::OtherFormat { .. }), "{name}: {e}");
        let s = e.to_string();
        assert!(
            s.contains(what) && s.contains(todo) && s.contains(name),
            "{name}: {s}"
        );
        // the same from bytes
        assert!(
            matches!(Model::from_bytes(&bytes), Err(Error::OtherFormat { .. })),
            "{name}"
        );
    }
    // a SavedModel folder, and a folder holding an .onnx file
    let e = Model::load(dir.join("saved")).unwrap_err();
    assert!(
        e.to_string().contains("SavedModel") && e.to_string().contains("tf2onnx"),
        "{e}"
    );
    std::fs::copy(
        fixture("diabetes_mlp_tanh_regressor"),
        dir.join("saved/model.onnx"),
    )
    .unwrap();
    std::fs::remove_file(dir.join("saved/saved_model.pb")).unwrap();
    let e = Model::load(dir.join("saved")).unwrap_err();
    assert!(e.to_string().contains("model.onnx"), "{e}");
    // plain text stays a decoding error, and says it is text
    let e = Model::from_bytes(b"definitely not onnx").unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e}");
    assert!(e.to_string().contains("text"), "{e}");
    // a real genFunction file
    let shared = common::shared_dir().join("matlab-genfunction/shallow_tansig_struct");
    if let Some(m) = std::fs::read_dir(&shared)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "m"))
    {
        let e = Model::load(&m).unwrap_err();
        assert!(e.to_string().contains("ShallowNet"), "{e}");
    }
    std::fs::remove_dir_all(&dir).ok();
}
