//! The data layer: parsing every GroupLens layout (real files and generated broken ones), twins, downloads against a loopback server, the hardening checks, and the parser fuzz.
//!
//! One test binary per layer (each module is one former test file); run one module with
//! `cargo test --release --test data <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod bad_input;
mod download;
mod hardening;
mod parser_fuzz;
mod real;
mod twins_merge;
