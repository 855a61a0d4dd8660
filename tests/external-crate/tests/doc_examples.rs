//! nngrad-core's documented nalgebra examples (copied by `build.rs`), compiled in a crate that
//! has its own `nalgebra = "0.35"` dependency: `use nalgebra::…` here names this crate's
//! nalgebra, and the examples only compile if it is the version nngrad-core is built on.
// rustdoc compiles examples with `#![allow(unused)]`; so do these.
#![allow(unused)]

include!(concat!(env!("OUT_DIR"), "/doc_examples.rs"));
