//! Metrics: ranking and rating protocols, trust, the knob and the fairness audit, and the served-list rule checked over every ML-100K user.
//!
//! One test binary per layer (each module is one former test file); run one module with
//! `cargo test --release --test metrics <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod knob_fairness;
mod ranking;
mod rating;
mod real;
mod served_lists;
mod trust;
mod trust_real;
