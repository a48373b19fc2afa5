//! The ALS family (`hybrid-als`, `als`): implicit weighted least squares (Hu, Koren & Volinsky
//! 2008) on the hybrid representation, with the frequency-scaled regularisation of Rendle et al.
//! 2022.
//!
//! * `config.rs` — [`AlsConfig`], the settings and their validation;
//! * `train.rs` — [`HybridAls`], the trainer (sweeps, convergence test, Anderson mixing);
//! * `steps.rs` — the exact minimisation steps one sweep is made of (also fold-in's solve);
//! * `model.rs` — [`HybridModel`], the trained representation, fold-in and scoring;
//! * `persist.rs` — its model files (the frame and header of `engine/persist.rs`).
//!
//! Arrows run one way: `train` → `steps` → `config`, `model` → `steps`; `train` → `model`.

mod blocks;
mod config;
mod model;
pub(crate) mod persist;
pub(crate) mod steps;
mod train;

pub use config::AlsConfig;
pub use model::{FoldedUser, HybridModel};
pub use train::HybridAls;
