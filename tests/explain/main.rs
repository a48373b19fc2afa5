//! The explain layer on ML-100K and planted data: attributions, influences, what-ifs, retrains, minimal sets and explanation quality, for ALS and SGD models.
//!
//! One test binary per layer (each module is one former test file); run one module with
//! `cargo test --release --test explain <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod ml100k;
mod planted;
mod quality;
mod sgd_ml100k;
