//! Compile-fail cases whose errors come from rustc's type checker (some worded by nngrad's own
//! `#[diagnostic::on_unimplemented]`). rustc's wording around them (help lines, notes, the
//! order of suggestions) changes between compiler versions, so these are not pinned as whole
//! `.stderr` snapshots (the macro's own errors are, in `tests/ui.rs`). Each case ends with
//! `// expect: CODE LINE:COL [text]` lines: the errors must be exactly those codes at those
//! primary spans, and each `text` (nngrad's own words) must appear in that error's message or
//! notes.
//!
//! The cases are checked as binaries of a scratch package under `target/ui-rustc` that depends
//! on nngrad-core by path (`cargo check --message-format=json`, offline, its own target
//! directory so the outer build lock is not needed).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Clone)]
struct Site {
    code: String,
    line: usize,
    col: usize,
}

/// Every `// expect:` line of a case: the sites, and the texts expected at each.
fn expectations(src: &str) -> BTreeMap<Site, Vec<String>> {
    let mut out: BTreeMap<Site, Vec<String>> = BTreeMap::new();
    for line in src.lines() {
        let Some(rest) = line.trim().strip_prefix("// expect:") else {
            continue;
        };
        let mut parts = rest.trim().splitn(3, ' ');
        let code = parts.next().unwrap().to_string();
        let (l, c) = parts.next().unwrap().split_once(':').expect("LINE:COL");
        let site = Site {
            code,
            line: l.parse().unwrap(),
            col: c.parse().unwrap(),
        };
        let texts = out.entry(site).or_default();
        if let Some(t) = parts.next() {
            texts.push(t.trim().to_string());
        }
    }
    out
}

fn all_text(msg: &serde_json::Value, out: &mut String) {
    if let Some(m) = msg["message"].as_str() {
        out.push_str(m);
        out.push('\n');
    }
    for span in msg["spans"].as_array().into_iter().flatten() {
        if let Some(l) = span["label"].as_str() {
            out.push_str(l);
            out.push('\n');
        }
    }
    for child in msg["children"].as_array().into_iter().flatten() {
        all_text(child, out);
    }
}

#[test]
fn rustc_errors_carry_nngrad_words() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let cases_dir = root.join("tests/ui_rustc");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&cases_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no cases in {}", cases_dir.display());

    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let pkg = target.join("ui-rustc");
    std::fs::create_dir_all(&pkg).unwrap();
    let mut manifest = format!(
        "[package]\nname = \"nngrad-ui-rustc\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [workspace]\n\n[dependencies]\nnngrad-core = {{ path = {:?} }}\n",
        root.join("nngrad-core")
    );
    for c in &cases {
        let name = c.file_stem().unwrap().to_string_lossy();
        manifest.push_str(&format!("\n[[bin]]\nname = \"{name}\"\npath = {c:?}\n"));
    }
    std::fs::write(pkg.join("Cargo.toml"), manifest).unwrap();
    // The workspace's lock file: the same dependency versions, resolvable offline.
    std::fs::copy(root.join("Cargo.lock"), pkg.join("Cargo.lock")).unwrap();

    eprintln!(
        "ui_rustc: checking {} cases in {} (the first run builds nngrad-core's dependencies)",
        cases.len(),
        pkg.display()
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(&pkg)
        .env("CARGO_TARGET_DIR", pkg.join("target"))
        .env_remove("RUSTFLAGS")
        .args([
            "check",
            "--bins",
            "--keep-going",
            "--offline",
            "--message-format=json",
        ])
        .output()
        .expect("cargo runs");

    // (case file, site) -> every text of that error
    let mut got: BTreeMap<(String, Site), String> = BTreeMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if v["reason"] != "compiler-message" || v["message"]["level"] != "error" {
            continue;
        }
        let msg = &v["message"];
        let Some(code) = msg["code"]["code"].as_str() else {
            continue; // "aborting due to .." summaries
        };
        let Some(primary) = msg["spans"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["is_primary"] == true))
        else {
            continue;
        };
        let file = primary["file_name"].as_str().unwrap_or_default();
        let case = Path::new(file)
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let site = Site {
            code: code.to_string(),
            line: primary["line_start"].as_u64().unwrap() as usize,
            col: primary["column_start"].as_u64().unwrap() as usize,
        };
        let mut text = String::new();
        all_text(msg, &mut text);
        got.entry((case, site)).or_default().push_str(&text);
    }

    let mut failures = Vec::new();
    for c in &cases {
        let name = c.file_name().unwrap().to_string_lossy().to_string();
        let want = expectations(&std::fs::read_to_string(c).unwrap());
        assert!(!want.is_empty(), "{name}: no `// expect:` lines");
        let sites: Vec<&Site> = got
            .keys()
            .filter(|(f, _)| *f == name)
            .map(|(_, s)| s)
            .collect();
        let want_sites: Vec<&Site> = want.keys().collect();
        if sites != want_sites {
            failures.push(format!(
                "{name}: errors at {sites:?}, expected {want_sites:?}"
            ));
            continue;
        }
        for (site, texts) in &want {
            let text = &got[&(name.clone(), site.clone())];
            for t in texts {
                if !text.contains(t.as_str()) {
                    failures.push(format!(
                        "{name}: {site:?} does not say {t:?}; it says:\n{text}"
                    ));
                }
            }
        }
        eprintln!("ui_rustc: {name} ok");
    }
    assert!(
        failures.is_empty(),
        "{}\n\ncargo stderr:\n{}",
        failures.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
}
