//! Errors of the service layer: the data's or the engine's own, a report that could not be
//! written, or a cancel.

use std::path::PathBuf;

use crate::data::DataError;
use crate::engine::EngineError;

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("writing {}: {message}", path.display())]
    Write { path: PathBuf, message: String },
    #[error("cancelled")]
    Cancelled,
}
