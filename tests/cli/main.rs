//! The command line end to end: every command on ML-100K and generated data, run-all byte-identical twice, the explain and trust commands.
//!
//! One test binary per layer (each module is one former test file); run one module with
//! `cargo test --release --test cli commands:: <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod commands;
mod explain;
mod explain_sgd;
mod import;
mod run_all;
mod trust;
