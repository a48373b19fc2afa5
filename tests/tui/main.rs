//! The TUI: state without a terminal, snapshots, the trust and fairness tabs, the download screen, the monkey test and the tmux end-to-end run.
//!
//! One test binary per layer (each module is one former test file); run one module with
//! `cargo test --release --test tui <module>::`.

#[path = "../common/mod.rs"]
mod common;
#[path = "../tui_support/mod.rs"]
mod tui_support;

mod demo;
mod download;
mod e2e;
mod explore_edges;
mod fairness;
mod fit;
mod models;
mod monkey;
mod session_record;
mod snapshots;
mod state;
mod trust;
