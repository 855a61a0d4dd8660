//! The pieces of the `nngrad` command that the repository's examples share: loading a model
//! of either kind once ([`model`]), reading points ([`points`]), writing them in every
//! format ([`report`]), in blocks with progress and a clean Ctrl-C ([`blocks`]), central finite differences ([`check`]) and saliency pictures
//! ([`saliency`]).
//!
//! The command itself (`src/main.rs`) is the way to use nngrad without writing Rust; see
//! `nngrad --help` and the README.
#![warn(missing_docs)]

pub mod blocks;
pub mod check;
pub mod model;
pub mod points;
pub mod report;
pub mod saliency;
