//! The symbolic evaluator on constant expressions, and the header-comment reader.

use super::*;
use crate::matlab::{lexer, parser::Parser};

/// The constant a one-line `z = …;` evaluates to.
fn constant(expr: &str) -> Result<Mat, Error> {
    let src = format!("function y = f(x)\nz = {expr};\n");
    let (toks, _) = lexer::lex(&src)?;
    let funcs = Parser::new(&toks).file()?;
    let mut b = Lowerer {
        funcs: HashMap::new(),
        nodes: Vec::new(),
        lens: Vec::new(),
        inputs: Vec::new(),
        declared: BTreeMap::new(),
        layers: Vec::new(),
        steps: 0,
    };
    let mut env = Env::new();
    b.exec_block(&mut env, &funcs[0].body)?;
    match env.remove("z") {
        Some(Value::Num(m)) => Ok((*m).clone()),
        other => panic!("not a constant: {other:?}"),
    }
}

fn m(rows: usize, cols: usize, data: &[f64]) -> Mat {
    Mat {
        rows,
        cols,
        data: data.to_vec(),
    }
}

#[test]
fn matrix_literal_whitespace_rules() {
    assert_eq!(constant("[1 -2]").unwrap(), m(1, 2, &[1.0, -2.0]));
    assert_eq!(constant("[1 - 2]").unwrap(), m(1, 1, &[-1.0]));
    assert_eq!(constant("[1-2]").unwrap(), m(1, 1, &[-1.0]));
    assert_eq!(constant("[1 -2 +3]").unwrap(), m(1, 3, &[1.0, -2.0, 3.0]));
    assert_eq!(
        constant("[1, -2; 3, 4]").unwrap(),
        m(2, 2, &[1.0, -2.0, 3.0, 4.0])
    );
    assert_eq!(
        constant("[1 2\n 3 4]").unwrap(),
        m(2, 2, &[1.0, 2.0, 3.0, 4.0])
    );
    assert_eq!(
        constant("[1 2 ...\n 3 4]").unwrap(),
        m(1, 4, &[1.0, 2.0, 3.0, 4.0])
    );
    assert_eq!(constant("[1;2;3]").unwrap(), m(3, 1, &[1.0, 2.0, 3.0]));
    assert_eq!(
        constant("[[1;2] [3;4]]").unwrap(),
        m(2, 2, &[1.0, 3.0, 2.0, 4.0])
    );
    assert_eq!(constant("[]").unwrap(), m(0, 0, &[]));
    assert_eq!(constant("[1 2;]").unwrap(), m(1, 2, &[1.0, 2.0]));
}

#[test]
fn number_forms_and_named_constants() {
    let z = constant("[-1.5e-3 +2E+2 .25 7. Inf -inf 3d1]").unwrap();
    assert_eq!(
        z.data,
        [
            -1.5e-3,
            200.0,
            0.25,
            7.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            30.0
        ]
    );
    assert!(constant("NaN").unwrap().data[0].is_nan());
    // 20 significant digits round to the nearest double, as MATLAB reads them.
    let z = constant("0.36963746172582734317").unwrap();
    assert_eq!(z.data[0], 0.369_637_461_725_827_35);
}

#[test]
fn constant_arithmetic_precedence() {
    assert_eq!(constant("-2^2").unwrap().data, [-4.0]);
    assert_eq!(constant("2^-1").unwrap().data, [0.5]);
    assert_eq!(constant("1 + 2*3").unwrap().data, [7.0]);
    assert_eq!(constant("(1 + 2)*3").unwrap().data, [9.0]);
    assert_eq!(constant("[1 2 3]'").unwrap(), m(3, 1, &[1.0, 2.0, 3.0]));
    assert_eq!(constant("1:3").unwrap(), m(1, 3, &[1.0, 2.0, 3.0]));
    assert_eq!(constant("5:-2:1").unwrap().data, [5.0, 3.0, 1.0]);
    assert_eq!(constant("[1 2;3 4]*[1;1]").unwrap().data, [3.0, 7.0]);
    assert_eq!(constant("[1 2] == [1 3]").unwrap().data, [1.0, 0.0]);
    assert_eq!(constant("~[0 2]").unwrap().data, [1.0, 0.0]);
}

#[test]
fn ragged_and_mismatched_constants() {
    assert!(matches!(
        constant("[1 2; 3]"),
        Err(Error::RaggedMatrix {
            line: 2,
            expected: 2,
            found: 1,
            row: 2
        })
    ));
    assert!(matches!(
        constant("[[1;2] 3]"),
        Err(Error::SizeMismatch { line: 2, .. })
    ));
    assert!(matches!(
        constant("[1 2] + [1 2 3]"),
        Err(Error::SizeMismatch { line: 2, .. })
    ));
}

#[test]
fn header_comment_sizes() {
    let c = |t: &str| Comment {
        line: 3,
        text: t.into(),
    };
    let d = declared_inputs(&[
        c("   x = 7xQ matrix, input #1"),
        c("   Each X{2,ts} = Qx13 matrix, input #2 at timestep ts."),
        c("   y = 3xQ matrix, output #1"),
    ]);
    assert_eq!(
        d.into_iter().collect::<Vec<_>>(),
        [(0, (7, 3)), (1, (13, 3))]
    );
}
