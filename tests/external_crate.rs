//! Builds and runs `tests/external-crate`, a crate outside the workspace written as a new user
//! writes one (nngrad-core by path, `nalgebra = "0.35"` of its own, a struct of `DMatrix`
//! weights for a MATLAB 3-5-2 net), with nested cargo: `cargo run` must print that
//! `my_matrix - J` is within 1e-12 of the hand chain rule, and `cargo test` must pass its own
//! tests and the nngrad-core docs' nalgebra examples (copied by its `build.rs`).
//!
//! It builds in `<workspace target>/external-crate`, so a second run (and CI's, after the
//! first) only relinks. Its lock file is the workspace's `Cargo.lock` copied in before each
//! run (cargo drops the entries it does not use): the crate then builds with exactly the
//! dependency versions the workspace is tested with, instead of whatever the registry holds
//! that day, and never goes stale when nngrad-core's dependencies change. The copy is
//! git-ignored.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The workspace's target folder: this test binary is `<target>/<profile>/deps/<name>`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .expect("<target>/<profile>/deps/<test binary>")
        .join("external-crate")
}

/// Progress straight to the terminal (the harness captures `println!`, not a raw handle).
fn progress(line: &str) {
    let _ = writeln!(std::io::stderr(), "external_crate: {line}");
}

/// Runs cargo `args` in the external crate with cargo's own progress on the terminal, and
/// returns its standard output.
fn cargo(args: &[&str]) -> String {
    let dir = root().join("tests/external-crate");
    progress(&format!(
        "cargo {} in {} (the first build compiles nngrad-core and nalgebra again: a few \
         minutes on 2 cores)",
        args.join(" "),
        dir.display()
    ));
    let out = Command::new(env!("CARGO"))
        .current_dir(&dir)
        .args(args)
        .arg("--target-dir")
        .arg(target_dir())
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "cargo {} failed in tests/external-crate ({}); cargo's messages are above; its \
         output:\n{stdout}",
        args.join(" "),
        out.status
    );
    stdout
}

#[test]
fn a_users_crate_on_nalgebra_035_builds_and_matches_its_hand_chain_rule() {
    std::fs::copy(
        root().join("Cargo.lock"),
        root().join("tests/external-crate/Cargo.lock"),
    )
    .expect("copying the workspace's lock file");

    let run = cargo(&["run"]);
    progress(&format!("cargo run printed:\n{run}"));
    let worst: f64 = run
        .lines()
        .find_map(|l| l.strip_prefix("max |my_matrix - J| over 4 points: "))
        .unwrap_or_else(|| panic!("no difference line in:\n{run}"))
        .parse()
        .expect("a number");
    assert!(worst <= 1e-12, "max |my_matrix - J| = {worst:e}");
    assert!(run.contains("newcomer-net: ok"), "{run}");

    let test = cargo(&["test"]);
    // The crate's own tests (4), then the documented nalgebra examples (6 today, more as the
    // docs grow).
    let passed: Vec<usize> = test
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .map(|l| l.split(' ').next().unwrap().parse().unwrap())
        .collect();
    assert!(
        passed.len() == 2 && passed[0] == 4 && passed[1] >= 6,
        "expected 4 and at least 6 passing tests, got {passed:?}:\n{test}"
    );
    for name in ["guide_1", "guide_2", "lib_2", "dual_impls_nalgebra_0"] {
        assert!(
            test.contains(&format!("test {name} ... ok")),
            "{name}:\n{test}"
        );
    }
}
