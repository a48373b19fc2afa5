//! The engine: ALS and SGD training, fold-in, removals, the model cache and files, models imported from implicit and Spark, low ratings, the model-file fuzz, and the contract suite every factor model passes.
//!
//! One test binary per layer (each module is one former test file); run one module with
//! `cargo test --release --test engine <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod als;
mod cache;
mod contract;
mod import;
mod low_ratings;
mod model_fuzz;
mod persist;
mod removals;
mod sgd;
mod sgd_fold;
mod sgd_persist;
