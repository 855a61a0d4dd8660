//! Copies the nalgebra examples of nngrad-core's documentation (the crate docs, the guide and
//! the nalgebra impls' module docs) into this crate's tests, so they are compiled against this
//! crate's own `nalgebra = "0.35"` rather than against nngrad-core's, as a user's copy is.
//! A fenced block counts when it mentions nalgebra; each becomes one `#[test]`.

use std::fmt::Write as _;
use std::path::Path;

const SOURCES: [&str; 3] = [
    "../../nngrad-core/src/lib.rs",
    "../../nngrad-core/src/guide.rs",
    "../../nngrad-core/src/dual/impls/nalgebra.rs",
];

/// The Rust code blocks of the doc comments (`//!` and `///`) of `text`, hidden `# ` lines
/// shown, as rustdoc compiles them.
fn doc_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<(bool, Vec<String>)> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        let Some(doc) = trimmed
            .strip_prefix("//!")
            .or_else(|| trimmed.strip_prefix("///"))
        else {
            current = None; // a block never spans code
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        if let Some(info) = doc.strip_prefix("```") {
            match current.take() {
                Some((rust, lines)) => {
                    if rust {
                        blocks.push(lines.join("\n"));
                    }
                }
                None => {
                    let info = info.trim();
                    let rust = info.is_empty()
                        || info
                            .split(',')
                            .all(|w| matches!(w.trim(), "rust" | "should_panic" | "no_run"));
                    current = Some((rust && !info.contains("should_panic"), Vec::new()));
                }
            }
            continue;
        }
        if let Some((_, lines)) = current.as_mut() {
            let shown = if doc == "#" {
                ""
            } else {
                doc.strip_prefix("# ").unwrap_or(doc)
            };
            lines.push(shown.to_string());
        }
    }
    blocks
}

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = String::new();
    let mut count = 0;
    for source in SOURCES {
        println!("cargo:rerun-if-changed={source}");
        let text = std::fs::read_to_string(dir.join(source))
            .unwrap_or_else(|e| panic!("reading {source}: {e}"));
        let stem = source
            .trim_start_matches("../../nngrad-core/src/")
            .trim_end_matches(".rs")
            .replace('/', "_");
        for (k, code) in doc_blocks(&text).into_iter().enumerate() {
            if !code.contains("nalgebra") || code.contains("fn main") {
                continue;
            }
            count += 1;
            writeln!(
                out,
                "// {source}, block {k}\n#[test]\nfn {}_{k}() {{\n{code}\n}}\n",
                stem
            )
            .unwrap();
        }
    }
    // The three files hold six such examples today; finding none would test nothing.
    assert!(
        count >= 5,
        "only {count} nalgebra examples found in {SOURCES:?}"
    );
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("doc_examples.rs");
    std::fs::write(dest, out).unwrap();
}
