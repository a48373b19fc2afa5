//! The model cache `whyrec train`, `whyrec recommend` and the TUI share: one hybrid-als file per
//! dataset in a models folder, reused while the data fingerprint and the settings match, otherwise
//! retrained on every positive and saved. No printing here: callers say what happened.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::{AlsConfig, EngineError, HybridAls, HybridModel, ModelMeta, TrainProgress};
use crate::data::interactions::{
    item_genre_features, user_demographic_features, Positives, DEFAULT_POSITIVE_THRESHOLD,
};
use crate::data::Dataset;

/// Where the model of a dataset lives: `<models_dir>/<name>-hybrid-als.whyrec`, with characters
/// other than ASCII letters, digits and `-` of the name replaced by `_`.
pub fn model_path(models_dir: &Path, dataset: &Dataset) -> PathBuf {
    let name: String = dataset
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    models_dir.join(format!("{name}-hybrid-als.whyrec"))
}

/// What the cache holds for a dataset and a configuration.
#[derive(Debug)]
pub enum Cached {
    /// A model trained on the same data with the same settings.
    Fresh(Box<HybridModel>),
    /// No model file.
    Missing,
    /// A file that cannot be reused; the reason says why (data or settings changed, unreadable).
    Stale(String),
}

/// Loads the cached model at `path` when its data fingerprint and settings match.
pub fn load_matching(path: &Path, dataset: &Dataset, config: &AlsConfig) -> Cached {
    if !path.exists() {
        return Cached::Missing;
    }
    let fingerprint = dataset.fingerprint();
    match HybridModel::load(path) {
        Ok((model, meta)) if meta.fingerprint == fingerprint && model.config() == config => {
            Cached::Fresh(Box::new(model))
        }
        Ok((_, meta)) if meta.fingerprint != fingerprint => {
            Cached::Stale("the data changed".into())
        }
        Ok(_) => Cached::Stale("the settings changed".into()),
        Err(e) => Cached::Stale(format!("unusable: {e}")),
    }
}

/// Trains hybrid-als on every positive of `dataset` (with its genres and demographics) and saves it
/// to `path`, creating the folder. `progress` hears after every sweep; `cancel` stops the run.
pub fn train_and_save(
    dataset: &Dataset,
    path: &Path,
    config: &AlsConfig,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<HybridModel, EngineError> {
    let positives = Positives::from_dataset(dataset, DEFAULT_POSITIVE_THRESHOLD);
    let items = item_genre_features(dataset);
    let users = user_demographic_features(dataset);
    let model = HybridAls::fit(
        &positives,
        Some(&items),
        users.as_ref(),
        config,
        progress,
        cancel,
    )?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| EngineError::io(dir, e))?;
    }
    model.save(
        path,
        &ModelMeta {
            dataset: dataset.name.clone(),
            fingerprint: dataset.fingerprint(),
        },
    )?;
    Ok(model)
}
