//! Opening a dataset, the same way for every command and for the TUI: a known variant
//! (`ml-100k`, `ml-1m`, …) is looked up in the resolved data folder and downloaded there when it
//! is missing; a path is read as a GroupLens-layout folder. What happened goes to the
//! [`Progress`] as notes; malformed lines are errors unless the request is lenient, and then
//! counted in a note.

use std::path::PathBuf;

use super::{Progress, WorkspaceError};
use crate::data::download::{download_dataset, DownloadOptions};
use crate::data::{self, datadir, Dataset, DatasetChoice, DatasetKind, LoadOptions};

/// Which dataset to open and how.
#[derive(Debug, Clone)]
pub struct DatasetRequest {
    /// A variant name (`ml-100k`, …) or a folder.
    pub dataset: String,
    /// The data folder given on the command line (otherwise `WHYREC_DATA_DIR`, then the user's
    /// data folder).
    pub data_dir: Option<PathBuf>,
    /// Skip malformed lines (counted) instead of failing on the first.
    pub lenient: bool,
}

/// Resolves, downloads when needed, and loads the dataset of `request`.
pub fn open_dataset(
    request: &DatasetRequest,
    progress: &dyn Progress,
) -> Result<Dataset, WorkspaceError> {
    let options = LoadOptions {
        lenient: request.lenient,
    };
    let dataset = match DatasetChoice::parse(&request.dataset)? {
        DatasetChoice::Folder(dir) => {
            progress.stage(&format!("loading {}", dir.display()));
            data::load_dir(&dir, options)?
        }
        DatasetChoice::Known(kind) => {
            let dir = ensure_downloaded(request, kind, progress)?;
            progress.stage(&format!("loading {kind} from {}", dir.display()));
            data::load_kind(kind, &dir, options)?
        }
    };
    let skipped = &dataset.skipped;
    if skipped.count > 0 {
        progress.note(&format!(
            "--lenient: skipped {} malformed line{}, e.g. {}",
            skipped.count,
            if skipped.count == 1 { "" } else { "s" },
            skipped.examples.join("; ")
        ));
    }
    Ok(dataset)
}

/// The folder of a known variant in the resolved data folder, downloaded first when missing.
pub fn ensure_downloaded(
    request: &DatasetRequest,
    kind: DatasetKind,
    progress: &dyn Progress,
) -> Result<PathBuf, WorkspaceError> {
    let resolved = datadir::resolve_data_dir(request.data_dir.as_deref());
    progress.note(&resolved.describe());
    let dir = kind.dir_in(&resolved.path);
    if dir.is_dir() {
        return Ok(dir);
    }
    progress.note(&format!(
        "{kind} is not in {}: downloading it from GroupLens",
        resolved.path.display()
    ));
    let mut options = DownloadOptions::default();
    if let Some(listener) = progress.download_listener(kind) {
        options.progress = false;
        options.on_progress = Some(listener);
    }
    let dir = download_dataset(kind, &resolved.path, &options)?;
    progress.note(&format!("downloaded {kind} into {}", dir.display()));
    Ok(dir)
}
