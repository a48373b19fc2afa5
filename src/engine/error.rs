//! Errors of the engine: training that cannot proceed, cancelled or diverged runs, and model files
//! that cannot be read.

use std::path::{Path, PathBuf};

/// Why a model could not be trained, updated, saved or loaded.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A factor became NaN or infinite; no model is produced. `setting` names the configuration.
    #[error("training diverged (a factor became NaN or infinite) with {setting}; try a larger regularization, fewer factors or a smaller learning rate")]
    Diverged { setting: String },
    /// The caller raised the cancel flag.
    #[error("training was cancelled")]
    Cancelled,
    /// The inputs or the configuration do not fit together.
    #[error("invalid input: {0}")]
    Invalid(String),
    /// Reading or writing a model file failed at the operating-system level.
    #[error("{}: {message}", path.display())]
    Io { path: PathBuf, message: String },
    /// The file is not a whyrec model, or its contents are inconsistent or fail the checksum.
    #[error("{}: corrupt model file: {reason}", path.display())]
    Corrupt { path: PathBuf, reason: String },
    /// The file ends before the data its header announces.
    #[error("{}: truncated model file: {reason}", path.display())]
    Truncated { path: PathBuf, reason: String },
    /// The file was written by a different, unsupported format version.
    #[error("{}: model file format version {found} is not supported (this build reads version {supported})", path.display())]
    UnsupportedVersion {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
}

impl EngineError {
    pub(crate) fn io(path: &Path, err: std::io::Error) -> Self {
        EngineError::Io {
            path: path.to_path_buf(),
            message: err.to_string(),
        }
    }

    pub(crate) fn corrupt(path: &Path, reason: impl Into<String>) -> Self {
        EngineError::Corrupt {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(crate) fn truncated(path: &Path, reason: impl Into<String>) -> Self {
        EngineError::Truncated {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }
}
