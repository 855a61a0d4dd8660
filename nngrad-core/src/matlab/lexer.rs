//! Tokenizer for the MATLAB subset `genFunction` writes: numbers in every literal form,
//! identifiers and keywords, strings, operators, comments (`%`, `%{ … %}`) and line
//! continuations (`...`).

use super::Error;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Ident(String),
    Num(f64),
    Str(String),
    /// An operator or punctuation mark, e.g. `+`, `.*`, `==`, `(`, `;`.
    Op(&'static str),
    Newline,
    Eof,
}

#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub tok: Tok,
    pub line: usize,
    /// Whitespace (or a continuation) separates this token from the previous one; inside
    /// brackets that decides whether `[a -b]` has one element or two.
    pub space_before: bool,
}

/// A comment's text (without the `%`) and its line: `genFunction` headers state the input
/// sizes there.
#[derive(Clone, Debug)]
pub(crate) struct Comment {
    pub line: usize,
    pub text: String,
}

const OPS: [&str; 34] = [
    "...", ".*", "./", ".\\", ".^", ".'", "==", "~=", "<=", ">=", "&&", "||", "+", "-", "*", "/",
    "\\", "^", "'", "<", ">", "&", "|", "~", "=", ":", ",", ";", "(", ")", "[", "]", ".", "@",
];

/// Words that open, split or close blocks (and so never end a value).
pub(crate) fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "function"
            | "end"
            | "if"
            | "elseif"
            | "else"
            | "for"
            | "parfor"
            | "while"
            | "switch"
            | "case"
            | "otherwise"
            | "try"
            | "catch"
            | "return"
            | "break"
            | "continue"
            | "global"
            | "persistent"
    )
}

pub(crate) fn lex(src: &str) -> Result<(Vec<Token>, Vec<Comment>), Error> {
    let b = src.as_bytes();
    let mut toks: Vec<Token> = Vec::new();
    let mut comments = Vec::new();
    // Bracket kinds currently open: true for `[`/`{` (whitespace separates elements).
    let mut brackets: Vec<bool> = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let mut space = false;
    let mut at_line_start = true;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' || c == b'\r' {
            if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
                i += 1;
            }
            i += 1;
            toks.push(Token {
                tok: Tok::Newline,
                line,
                space_before: space,
            });
            line += 1;
            space = false;
            at_line_start = true;
            continue;
        }
        if c == b' ' || c == b'\t' || c == 0x0c {
            i += 1;
            space = true;
            continue;
        }
        if c == b'%' {
            let end = b[i..]
                .iter()
                .position(|&c| c == b'\n' || c == b'\r')
                .map_or(b.len(), |p| i + p);
            let text = &src[i + 1..end];
            if at_line_start && text.trim_end() == "{" {
                // Block comment: runs to a line holding only `%}`.
                let start = line;
                let mut j = end;
                loop {
                    if j >= b.len() {
                        return Err(Error::Syntax {
                            line: start,
                            message: "block comment `%{` is never closed with `%}`".into(),
                        });
                    }
                    if b[j] == b'\r' && b.get(j + 1) == Some(&b'\n') {
                        j += 1;
                    }
                    j += 1;
                    line += 1;
                    let e = b[j..]
                        .iter()
                        .position(|&c| c == b'\n' || c == b'\r')
                        .map_or(b.len(), |p| j + p);
                    let l = src[j..e].trim();
                    comments.push(Comment {
                        line,
                        text: l.to_string(),
                    });
                    j = e;
                    if l == "%}" {
                        break;
                    }
                }
                i = j;
            } else {
                comments.push(Comment {
                    line,
                    text: text.to_string(),
                });
                i = end;
            }
            continue;
        }
        let start_line = line;
        let space_before = space;
        space = false;
        at_line_start = false;
        let prev_ends_value = match toks.last().map(|t| &t.tok) {
            Some(Tok::Ident(name)) => !is_keyword(name),
            Some(Tok::Num(_)) | Some(Tok::Op(")" | "]" | "}" | "'" | ".'")) => true,
            _ => false,
        };
        let tok = if c.is_ascii_alphabetic() {
            let s = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            Tok::Ident(src[s..i].to_string())
        } else if c.is_ascii_digit()
            || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let s = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            // `1./x` is `1 ./ x`: a dot followed by an operator character is not a decimal point.
            if i < b.len()
                && b[i] == b'.'
                && !matches!(b.get(i + 1), Some(b'*' | b'/' | b'\\' | b'^' | b'\''))
            {
                i += 1;
                while i < b.len() && b[i].is_ascii_digit() {
                    i += 1;
                }
            }
            if i < b.len() && matches!(b[i], b'e' | b'E' | b'd' | b'D') {
                let mut j = i + 1;
                if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
                    j += 1;
                }
                if j < b.len() && b[j].is_ascii_digit() {
                    while j < b.len() && b[j].is_ascii_digit() {
                        j += 1;
                    }
                    i = j;
                }
            }
            if i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                let e = (i..b.len())
                    .find(|&k| !(b[k].is_ascii_alphanumeric() || b[k] == b'_' || b[k] == b'.'))
                    .unwrap_or(b.len());
                return Err(Error::Syntax {
                    line,
                    message: format!(
                        "malformed number `{}` (complex and hexadecimal literals are not supported)",
                        &src[s..e]
                    ),
                });
            }
            let text = src[s..i].replace(['d', 'D'], "e");
            match text.parse::<f64>() {
                Ok(v) => Tok::Num(v),
                Err(_) => {
                    return Err(Error::Syntax {
                        line,
                        message: format!("malformed number `{}`", &src[s..i]),
                    })
                }
            }
        } else if c == b'"'
            || (c == b'\''
                && !(prev_ends_value && !(space_before && brackets.last() == Some(&true))))
        {
            // A string: `'` opens one unless it follows a value (then it is a transpose).
            let q = c;
            let mut s = String::new();
            i += 1;
            loop {
                match b.get(i) {
                    None | Some(b'\n') | Some(b'\r') => {
                        return Err(Error::Syntax {
                            line,
                            message: "string literal is never closed".into(),
                        })
                    }
                    Some(&d) if d == q => {
                        if b.get(i + 1) == Some(&q) {
                            s.push(q as char);
                            i += 2;
                        } else {
                            i += 1;
                            break;
                        }
                    }
                    Some(_) => {
                        let ch = src[i..].chars().next().unwrap_or('\u{FFFD}');
                        s.push(ch);
                        i += ch.len_utf8();
                    }
                }
            }
            Tok::Str(s)
        } else if c == b'{' || c == b'}' {
            i += 1;
            if c == b'{' {
                brackets.push(true);
                Tok::Op("{")
            } else {
                brackets.pop();
                Tok::Op("}")
            }
        } else if let Some(op) = OPS.iter().find(|op| b[i..].starts_with(op.as_bytes())) {
            if *op == "..." {
                // Continuation: the rest of the line is a comment, and the line break vanishes.
                let end = b[i..]
                    .iter()
                    .position(|&c| c == b'\n' || c == b'\r')
                    .map_or(b.len(), |p| i + p);
                i = end;
                if i < b.len() {
                    if b[i] == b'\r' && b.get(i + 1) == Some(&b'\n') {
                        i += 1;
                    }
                    i += 1;
                    line += 1;
                }
                space = true;
                continue;
            }
            i += op.len();
            match *op {
                "(" => brackets.push(false),
                "[" => brackets.push(true),
                ")" | "]" => {
                    brackets.pop();
                }
                _ => {}
            }
            Tok::Op(op)
        } else {
            let ch = src[i..].chars().next().unwrap_or('\u{FFFD}');
            return Err(Error::Syntax {
                line,
                message: format!("unexpected character `{ch}`"),
            });
        };
        toks.push(Token {
            tok,
            line: start_line,
            space_before,
        });
    }
    toks.push(Token {
        tok: Tok::Eof,
        line,
        space_before: space,
    });
    Ok((toks, comments))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<Tok> {
        lex(src).unwrap().0.into_iter().map(|t| t.tok).collect()
    }

    #[test]
    fn numbers_in_every_form() {
        let t = kinds("1 2.5 .5 5. 1e-06 1.04E+3 2d2 0.00012");
        let nums: Vec<f64> = t
            .iter()
            .filter_map(|t| if let Tok::Num(v) = t { Some(*v) } else { None })
            .collect();
        assert_eq!(nums, vec![1.0, 2.5, 0.5, 5.0, 1e-6, 1040.0, 200.0, 0.00012]);
    }

    #[test]
    fn dot_operators_after_integers() {
        assert_eq!(
            kinds("1./x"),
            vec![
                Tok::Num(1.0),
                Tok::Op("./"),
                Tok::Ident("x".into()),
                Tok::Eof
            ]
        );
    }

    #[test]
    fn transpose_versus_string() {
        assert_eq!(
            kinds("a'; f('b')"),
            vec![
                Tok::Ident("a".into()),
                Tok::Op("'"),
                Tok::Op(";"),
                Tok::Ident("f".into()),
                Tok::Op("("),
                Tok::Str("b".into()),
                Tok::Op(")"),
                Tok::Eof
            ]
        );
        assert_eq!(
            kinds("[a 'b']")[2],
            Tok::Str("b".into()),
            "inside brackets a spaced quote opens a string"
        );
    }

    #[test]
    fn continuation_joins_lines_and_comments_are_kept() {
        let (t, c) = lex("x = [1 ... first\n 2]; % note\n").unwrap();
        let k: Vec<Tok> = t.iter().map(|t| t.tok.clone()).collect();
        assert_eq!(
            k,
            vec![
                Tok::Ident("x".into()),
                Tok::Op("="),
                Tok::Op("["),
                Tok::Num(1.0),
                Tok::Num(2.0),
                Tok::Op("]"),
                Tok::Op(";"),
                Tok::Newline,
                Tok::Eof
            ]
        );
        assert_eq!(t[4].line, 2);
        assert_eq!(c[0].text, " note");
    }

    #[test]
    fn block_comment_and_errors() {
        assert_eq!(
            kinds("%{\nx = 1\n%}\ny")[..2],
            [Tok::Newline, Tok::Ident("y".into())]
        );
        assert!(matches!(lex("x = 3i"), Err(Error::Syntax { line: 1, .. })));
        assert!(matches!(
            lex("\nx = 'abc"),
            Err(Error::Syntax { line: 2, .. })
        ));
        assert!(matches!(lex("x = #"), Err(Error::Syntax { .. })));
        assert!(matches!(
            lex("%{\nnever closed"),
            Err(Error::Syntax { line: 1, .. })
        ));
    }
}
