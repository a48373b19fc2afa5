//! The one report writer: pretty JSON with a final newline, the folder created, the file
//! replaced atomically (a temporary file in the same folder, then a rename), so a reader never
//! sees half a report.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::WorkspaceError;
use crate::data::split::write_atomically;
use crate::data::DataError;

/// Writes `text` (a report already rendered as JSON) and a newline to `dir/name`; returns the
/// path.
pub fn write_report(dir: &Path, name: &str, text: &str) -> Result<PathBuf, WorkspaceError> {
    let path = dir.join(name);
    write_text(&path, text)?;
    Ok(path)
}

/// Renders `report` as pretty JSON and writes it to `path`.
pub fn write_json<T: Serialize>(path: &Path, report: &T) -> Result<(), WorkspaceError> {
    let text = serde_json::to_string_pretty(report).map_err(|e| WorkspaceError::Write {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    write_text(path, &text)
}

/// Writes `text` and a newline to `path`.
pub fn write_text(path: &Path, text: &str) -> Result<(), WorkspaceError> {
    let failed = |message: String| WorkspaceError::Write {
        path: path.to_path_buf(),
        message,
    };
    if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
    }
    write_atomically(path, |w| {
        w.write_all(text.as_bytes())?;
        w.write_all(b"\n")
    })
    .map_err(|e| match e {
        DataError::File { message, .. } => failed(message),
        other => failed(other.to_string()),
    })
}
