//! The macro's compile errors, pinned with their `.stderr` files (regenerate with
//! `TRYBUILD=overwrite cargo test --test ui`, then review the diff).

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
