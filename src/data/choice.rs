//! What `--dataset` names: a GroupLens variant looked up in the data folder, or a folder given by
//! path (in any GroupLens layout, e.g. synthetic data). Shared by the command line and the TUI.

use std::path::PathBuf;

use super::error::{DataError, DataResult};
use super::registry::DatasetKind;

/// A dataset choice: a known variant or a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatasetChoice {
    Known(DatasetKind),
    Folder(PathBuf),
}

impl DatasetChoice {
    /// A variant name (`ml-1m`, …) or an existing folder; anything else is an error naming the
    /// accepted names.
    pub fn parse(text: &str) -> DataResult<DatasetChoice> {
        if let Some(kind) = DatasetKind::from_name(text) {
            return Ok(DatasetChoice::Known(kind));
        }
        let path = PathBuf::from(text);
        if path.is_dir() {
            return Ok(DatasetChoice::Folder(path));
        }
        let names: Vec<&str> = DatasetKind::ALL.iter().map(|k| k.name()).collect();
        Err(DataError::other(format!(
            "unknown dataset {text:?}: expected one of {} or a folder in a GroupLens layout",
            names.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_folders_and_errors() {
        assert_eq!(
            DatasetChoice::parse("ml-100k").unwrap(),
            DatasetChoice::Known(DatasetKind::Ml100k)
        );
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().to_str().unwrap();
        assert_eq!(
            DatasetChoice::parse(text).unwrap(),
            DatasetChoice::Folder(dir.path().to_path_buf())
        );
        let err = DatasetChoice::parse("ml-2k").unwrap_err().to_string();
        assert!(
            err.contains("unknown dataset \"ml-2k\"") && err.contains("ml-1m"),
            "{err}"
        );
    }
}
