//! The service layer both front ends call: the CLI's commands and the TUI's jobs open datasets,
//! get models and write reports through here, so each of those is written once.
//!
//! * `progress.rs` — [`Progress`], what a long step tells its front end (notes, loading, the
//!   sweeps of a training, a download's bytes) and how it hears a cancel; the CLI draws it with
//!   indicatif, the TUI on its job gauge;
//! * `dataset.rs` — [`open_dataset`]: resolve the data folder, download a known variant that is
//!   missing, load, say what was skipped;
//! * `models.rs` — [`load_or_train`]: any [`crate::engine::ModelSpec`] under any
//!   [`crate::engine::Settings`], from the model cache when the data and the settings match,
//!   otherwise trained on every positive and saved;
//! * `reports.rs` — [`write_report`]: every JSON report, into the reports folder, atomically.
//!
//! Arrows: data, engine, explain and metrics below; cli and tui above; nothing here draws.

mod dataset;
mod error;
mod models;
mod progress;
mod reports;

pub use dataset::{ensure_downloaded, open_dataset, DatasetRequest};
pub use error::WorkspaceError;
pub use models::{load_or_train, load_or_train_factor, ModelRequest};
pub use progress::{Progress, Silent};
pub use reports::{write_json, write_report, write_text};
