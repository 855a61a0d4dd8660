//! The macro's own compile errors (its `compile_error!`s: our text and the user's spans only),
//! pinned with their `.stderr` files (regenerate with `TRYBUILD=overwrite cargo test --test
//! ui`, then review the diff). Errors that rustc's type checker reports, whose surrounding
//! wording changes between compiler versions, are checked by `tests/ui_rustc.rs` on their
//! codes, spans and nngrad's own words instead.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
}
