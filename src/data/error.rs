//! Errors of the data layer: every one names the file, the line (when there is one) and what was
//! expected.

use std::path::{Path, PathBuf};

/// A problem with a data file, folder or download.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A line of a data file does not have the expected form.
    #[error("{}:{line}: {message}", file.display())]
    Line {
        file: PathBuf,
        line: usize,
        message: String,
    },
    /// A data file as a whole is unusable (missing, unreadable, empty).
    #[error("{}: {message}", file.display())]
    File { file: PathBuf, message: String },
    /// Anything else (download, archive, split files, folder layout).
    #[error("{0}")]
    Other(String),
}

impl DataError {
    pub fn line(file: &Path, line: usize, message: impl Into<String>) -> Self {
        DataError::Line {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        }
    }

    pub fn file(file: &Path, message: impl Into<String>) -> Self {
        DataError::File {
            file: file.to_path_buf(),
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> Self {
        DataError::Other(message.into())
    }

    pub fn io(file: &Path, err: std::io::Error) -> Self {
        DataError::file(file, err.to_string())
    }
}

pub type DataResult<T> = Result<T, DataError>;
