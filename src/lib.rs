//! whyrec: MovieLens recommendations that explain themselves.
//!
//! Layers, with one-way arrows: [`data`] (datasets, parsing, splits) → engine (models, training,
//! fold-in, persistence) → explain and metrics → [`workspace`] (the service layer: datasets, models, reports)
//! → tui and cli.

pub mod cli;
pub mod data;
pub mod engine;
pub mod explain;
pub mod metrics;
pub mod tui;
pub mod workspace;
