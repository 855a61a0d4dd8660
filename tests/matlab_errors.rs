//! Malformed and unsupported sources: each is a specific error naming its line (or function),
//! never a panic.

use nngrad_core::matlab::{Error, ShallowNet};
use proptest::prelude::*;

fn shared(name: &str) -> String {
    std::fs::read_to_string(format!(
        "{}/tests/data/matlab/{name}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
}

fn shallow() -> String {
    shared("shallow_tansig_struct/myNeuralNetworkFunction.m")
}

/// 1-based line of the first line containing `needle`.
fn line_of(src: &str, needle: &str) -> usize {
    src.lines().position(|l| l.contains(needle)).unwrap() + 1
}

fn err(src: &str) -> Error {
    match ShallowNet::from_source(src) {
        Ok(net) => panic!("expected an error, loaded {net}"),
        Err(e) => e,
    }
}

#[test]
fn not_a_genfunction_export() {
    for src in [
        "",
        "% only a comment\n",
        "x = 1;\ny = x + 2;\n",
        "def f(x):\n    return x\n",
        "\u{0}\u{1}ONNX\u{ff}binary",
        "function y = f(x)\ny = x;\nend\n",
        "function y = f(x)\nIW1_1 = [1 2];\nend\n",
        "function y = f(x)\nIW1_1 = [1 2];\ny = IW1_1;\nend\n",
    ] {
        let e = err(src);
        assert!(matches!(e, Error::NotGenFunction { .. }), "{src:?}: {e:?}");
        assert!(e.to_string().contains("not a MATLAB genFunction"), "{e}");
    }
    let e = err("function y = f(x)\ny = x;\nend\n");
    assert!(e.to_string().contains("IW1_1"), "says what is missing: {e}");
}

#[test]
fn truncated_matrix_literal() {
    let src = shallow();
    let iw = line_of(&src, "IW1_1 = [");
    // Cut in the middle of the IW1_1 literal.
    let cut = src.find("IW1_1 = [").unwrap() + 200;
    let e = err(&src[..cut]);
    assert_eq!(
        e,
        Error::UnterminatedMatrix {
            line: iw,
            found: "end of file".into()
        }
    );
    assert!(e.to_string().contains(&format!("line {iw}")), "{e}");
    // A literal missing its `]` runs into the next assignment.
    let b1 = line_of(&src, "b1 = [");
    let broken = src.replacen("0.5430329518072315];", "0.5430329518072315;", 1);
    match err(&broken) {
        Error::UnterminatedMatrix { line, found } => {
            assert_eq!(line, b1);
            assert!(found.contains('='), "{found}");
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn ragged_matrix_rows() {
    let src = shallow().replacen(
        "IW1_1 = [0.2887481952720869 -0.1893564079400577 ",
        "IW1_1 = [0.2887481952720869 ",
        1,
    );
    let e = err(&src);
    assert_eq!(
        e,
        Error::RaggedMatrix {
            line: line_of(&src, "IW1_1 = ["),
            expected: 4,
            found: 5,
            row: 2
        }
    );
}

#[test]
fn bias_length_differs_from_weight_rows() {
    let src = shallow().replacen(
        "b1 = [-0.03355819458777437;",
        "b1 = [0.5;-0.03355819458777437;",
        1,
    );
    let e = err(&src);
    let line = line_of(&src, "a1 = tansig_apply");
    assert!(
        matches!(e, Error::SizeMismatch { line: l, .. } if l == line),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(
        msg.contains("b1") && msg.contains("9") && msg.contains("8"),
        "{msg}"
    );
}

#[test]
fn weight_columns_differ_from_input_rows() {
    // Layer 2's weights expect 7 hidden units; layer 1 has 8.
    let src = shallow().replacen("LW2_1 = [0.9413139677767544 ", "LW2_1 = [", 1);
    let e = err(&src);
    assert!(matches!(e, Error::SizeMismatch { line, .. } if line == line_of(&src, "a2 = repmat")));
    assert!(
        e.to_string().contains("LW2_1") && e.to_string().contains("a1"),
        "{e}"
    );
}

#[test]
fn processing_setting_of_the_wrong_length() {
    let src = shallow().replacen(
        "x1_step1.gain = [0.2713914194955788;",
        "x1_step1.gain = [",
        1,
    );
    let e = err(&src);
    assert!(
        matches!(e, Error::SizeMismatch { line, .. } if line == line_of(&src, "xp1 = mapminmax_apply"))
    );
    assert!(e.to_string().contains("x1_step1.gain"), "{e}");
    // The header comment's input size disagrees with the settings.
    let src = shallow().replacen("x = 5xQ matrix", "x = 6xQ matrix", 1);
    let e = err(&src);
    assert!(matches!(e, Error::SizeMismatch { .. }), "{e:?}");
    assert!(e.to_string().contains("header comment"), "{e}");
}

#[test]
fn unknown_transfer_and_processing_functions() {
    let src = shallow().replacen("a1 = tansig_apply(repmat", "a1 = fancysig_apply(repmat", 1);
    let e = err(&src);
    assert_eq!(
        e,
        Error::UnknownFunction {
            line: line_of(&src, "a1 = fancysig_apply"),
            name: "fancysig_apply".into()
        }
    );
    assert!(e.to_string().contains("fancysig_apply"));
    let src = shallow().replacen("xp1 = mapminmax_apply(x1", "xp1 = mapfoo_apply(x1", 1);
    assert_eq!(
        err(&src),
        Error::UnknownFunction {
            line: line_of(&src, "xp1 = mapfoo_apply"),
            name: "mapfoo_apply".into()
        }
    );
}

#[test]
fn narx_tapped_delays_are_rejected_by_name() {
    let src = shared("variants/narx_unsupported.m");
    let e = err(&src);
    match &e {
        Error::Unsupported { line, what } => {
            // Named where the delay states are first read, before `if isempty(Xi) …` rebinds them.
            assert_eq!(*line, line_of(&src, "elseif ~isempty(Xi)"));
            assert!(
                what.contains("tapped delay") && what.contains("Xi"),
                "{what}"
            );
        }
        e => panic!("{e:?}"),
    }
    // Delay lines without `Xi` use are still named.
    let src = "function [Y,Xf,Af] = f(X,~,~)\nIW1_1 = [1 2];\nfor ts=1:TS\n\
               xdts = mod(ts+1,3)+1;\nY{1,ts} = IW1_1*X{1,ts};\nend\nend";
    assert!(matches!(err(src), Error::Undefined { line: 3, .. }));
    let src = "function [Y,Xf,Af] = f(X,~,~)\nIW1_1 = [1 2];\nTS = size(X,2);\nfor ts=1:TS\n\
               xdts = mod(ts+1,3)+1;\nY{1,ts} = IW1_1*X{1,ts};\nend\nend";
    assert!(
        matches!(err(src), Error::Unsupported { line: 5, ref what } if what.contains("tapped delay"))
    );
}

#[test]
fn undefined_variable_and_missing_setting() {
    let src = shallow().replacen("repmat(b2,1,Q)", "repmat(b7,1,Q)", 1);
    assert_eq!(
        err(&src),
        Error::Undefined {
            line: line_of(&src, "b7"),
            name: "b7".into()
        }
    );
    let src = shallow().replacen("x1_step1.ymin = -1;", "", 1);
    assert!(matches!(err(&src), Error::Undefined { ref name, .. } if name == "x1_step1.ymin"));
}

#[test]
fn syntax_errors_name_their_line() {
    let cases = [
        (
            "function y = f(x)\nIW1_1 = [1 2];\ny = tansig_apply(IW1_1*x;\nend",
            3,
        ),
        ("function y = f(x)\nIW1_1 = [1 2] $;\n", 2),
        ("function y = f(x)\nIW1_1 = [1 2];\ns = 'open\n", 3),
        ("function y = f(x)\nIW1_1 = [1 2];\nif 1\ny = IW1_1*x;\n", 3),
        ("function y = f(x)\nIW1_1 = [1 2];\nz = 3i;\n", 3),
        ("function y = f(x)\nIW1_1 = [1 2];\ny = IW1_1*x y;\n", 3),
    ];
    for (src, line) in cases {
        let e = err(src);
        assert!(matches!(e, Error::Syntax { .. }), "{src:?}: {e:?}");
        assert_eq!(e.line(), Some(line), "{src:?}: {e}");
        assert!(e.to_string().starts_with(&format!("line {line}:")), "{e}");
    }
}

#[test]
fn unsupported_processing() {
    let src = shallow().replacen(
        "xp1 = mapminmax_apply(x1,x1_step1);",
        "xp1 = fixunknowns_apply(x1,x1_step1);",
        1,
    );
    assert!(
        matches!(err(&src), Error::Unsupported { ref what, .. } if what.contains("fixunknowns"))
    );
}

#[test]
fn wrong_input_lengths() {
    let net = ShallowNet::from_source(&shallow()).unwrap();
    let e = net.forward(&[1.0; 4]).unwrap_err();
    assert_eq!(
        e,
        Error::InputLength {
            what: "x",
            expected: 5,
            found: 4
        }
    );
    assert_eq!(
        e.to_string(),
        "x has 4 elements but the network takes 5 inputs"
    );
    assert!(matches!(
        net.jacobian(&[1.0; 6]),
        Err(Error::InputLength { found: 6, .. })
    ));
    assert!(matches!(
        net.eval::<f64>(&[]),
        Err(Error::InputLength { found: 0, .. })
    ));
    assert!(matches!(
        net.jvp(&[1.0; 5], &[1.0; 3]),
        Err(Error::InputLength {
            what: "v",
            found: 3,
            ..
        })
    ));
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = format!(
        "function y = f(x)\nIW1_1 = {}1{};\n",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    assert!(matches!(err(&deep), Error::Syntax { line: 2, .. }));
    let deep = format!("function y = f(x)\nIW1_1 = {}1;\n", "-".repeat(100_000));
    assert!(matches!(err(&deep), Error::Syntax { line: 2, .. }));
    let long = format!("function y = f(x)\nIW1_1 = 1{};\n", "+1".repeat(100_000));
    assert!(matches!(err(&long), Error::Syntax { line: 2, .. }));
    let brackets = format!(
        "function y = f(x)\nIW1_1 = {}1{};\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert!(matches!(err(&brackets), Error::Syntax { line: 2, .. }));
    let blocks = format!(
        "function y = f(x)\nIW1_1 = 1;\n{}",
        "if 1\n".repeat(100_000)
    );
    assert!(matches!(err(&blocks), Error::Syntax { .. }));
    let transposes = format!("function y = f(x)\nIW1_1 = 1{};\n", "'".repeat(100_000));
    assert!(matches!(err(&transposes), Error::Syntax { line: 2, .. }));
}

#[test]
fn huge_constants_are_refused_not_allocated() {
    let src = "function y = f(x)\nIW1_1 = 1;\nz = 1:1e12;\ny = IW1_1*x;";
    assert!(matches!(err(src), Error::Unsupported { line: 3, .. }));
    let src = "function y = f(x)\nIW1_1 = 1;\nz = (1:1e6)' * (1:1e6);\ny = IW1_1*x;";
    assert!(matches!(err(src), Error::Unsupported { line: 3, .. }));
    let src =
        "function y = f(x)\nIW1_1 = 1;\ns.keep = 1e15;\ny = removeconstantrows_apply(IW1_1*x, s);";
    assert!(matches!(err(src), Error::SizeMismatch { line: 4, .. }));
}

#[test]
fn every_truncation_of_the_shared_files_is_an_error_or_a_network() {
    for file in [
        "shallow_tansig_struct/myNeuralNetworkFunction.m",
        "deep_logsig_flat_mapstd/netFcn.m",
    ] {
        let src = shared(file);
        for cut in (0..src.len()).filter(|&c| src.is_char_boundary(c)) {
            if let Ok(net) = ShallowNet::from_source(&src[..cut]) {
                // Cuts after the last statement that matters still load the whole network.
                net.forward(&vec![0.5; net.input_len()]).unwrap();
            }
        }
    }
}

const FUZZ_FILES: [&str; 6] = [
    "shallow_tansig_struct/myNeuralNetworkFunction.m",
    "deep_logsig_flat_mapstd/netFcn.m",
    "variants/v3_softmax_pattern.m",
    "variants/v6_timeseries_static.m",
    "variants/v7_cascade_two_inputs.m",
    "variants/narx_unsupported.m",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]
    #[test]
    fn random_edits_never_panic(
        file in 0usize..FUZZ_FILES.len(),
        pos in 0usize..8000,
        len in 0usize..40,
        junk in "[ -~\n]{0,12}",
    ) {
        let src = shared(FUZZ_FILES[file]);
        let pos = pos % (src.len() + 1);
        let start = pos.min(src.len());
        let end = (start + len).min(src.len());
        let edited = format!("{}{}{}", &src[..start], junk, &src[end..]);
        if let Ok(net) = ShallowNet::from_source(&edited) {
            let x = vec![0.25; net.input_len()];
            let (y, j) = net.jacobian(&x).unwrap();
            prop_assert_eq!(j.shape(), (y.len(), x.len()));
        }
    }
}

#[test]
fn arithmetic_on_cells_and_structs_is_named() {
    let src = "function y = f(x, ~)\nIW1_1 = [1 2];\nc = {x};\ny = IW1_1*c;";
    assert!(
        matches!(err(src), Error::Unsupported { line: 4, ref what } if what.contains("cell array"))
    );
    // A `~` parameter alone does not make a function a time-series export.
    let net =
        ShallowNet::from_source("function y = f(x, ~)\nIW1_1 = [1 2];\ny = IW1_1*x;").unwrap();
    assert_eq!(net.inputs()[0].name, "x");
}
