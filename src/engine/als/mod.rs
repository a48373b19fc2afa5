//! The ALS family (`hybrid-als`, `als`): implicit weighted least squares (Hu, Koren & Volinsky
//! 2008) on the hybrid representation, with the frequency-scaled regularisation of Rendle et al.
//! 2022.
//!
//! * `config.rs` — [`AlsConfig`], the settings and their validation;
//! * `train.rs` — [`HybridAls`], the trainer (sweeps, convergence test, Anderson mixing);
//! * `steps.rs` — the exact minimisation steps one sweep is made of (also fold-in's solve);
//! * `feature_blocks.rs` — the feature-embedding blocks of a sweep (genres, demographics);
//! * `blocks.rs` — how a sweep solves each block: exactly, or by CG with gathered products;
//! * `model.rs` — [`HybridModel`]: the shared representation (`engine/factors/`), the cached
//!   Gramian and the closed-form fold-in;
//! * `influence.rs` — the exact per-like influences of Hu et al. (2008, §5);
//! * `removal.rs` — [`Removals`], every like's exact leave-one-out refold at once (Sherman–Morrison);
//! * `persist.rs` — its model files (the frame and header of `engine/factors/file.rs`).
//!
//! Arrows run one way: `train` → `feature_blocks` → `steps` → `config`, `model` → `steps`;
//! `train` → `model`.

pub(crate) mod blocks;
mod config;
pub(crate) mod feature_blocks;
mod feature_cells;
pub(crate) mod feature_subspace;
mod influence;
mod model;
pub(crate) mod persist;
mod removal;
pub(crate) mod steps;
mod train;

pub use config::AlsConfig;
pub use model::HybridModel;
pub use removal::Removals;
pub use train::HybridAls;
