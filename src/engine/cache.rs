//! The model cache `whyrec train`, `whyrec recommend`, the explain commands and the TUI share:
//! one file per dataset and model kind in a models folder (`<dataset>-hybrid-als.whyrec`,
//! `<dataset>-als.whyrec`, `<dataset>-warp.whyrec`, `<dataset>-bpr.whyrec`), reused while the data fingerprint and the
//! settings match, otherwise retrained on every positive and saved. A file that cannot be read
//! (corrupt, truncated, another model kind) counts as stale. No printing here: callers say what
//! happened.
//!
//! [`path_for`], [`load_cached`] and [`fit_and_save`] serve any [`Trainable`] model
//! ([`HybridModel`]: `hybrid-als`, `als`; [`super::SgdModel`]: `warp`, `bpr`), the file named by its
//! [`super::spec::ModelSpec`]; [`model_path`], [`load_matching`] and [`train_and_save`] are the
//! hybrid-als shorthands.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::factors::side::FeatureSet;
use super::model::Trainable;
use super::{AlsConfig, EngineError, HybridModel, ModelMeta, TrainProgress};
use crate::data::interactions::{
    item_genre_features, user_demographic_features, Positives, DEFAULT_POSITIVE_THRESHOLD,
};
use crate::data::{Dataset, FeatureMatrix};

/// Where a model of a dataset lives: `<models_dir>/<name>-<model>.whyrec`, with characters other
/// than ASCII letters, digits and `-` of the dataset name replaced by `_`.
pub fn path_for<M: Trainable>(models_dir: &Path, dataset: &Dataset, config: &M::Config) -> PathBuf {
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
    models_dir.join(format!("{name}-{}.whyrec", M::spec_of(config).name()))
}

/// Where the hybrid-als model of a dataset lives: `<models_dir>/<name>-hybrid-als.whyrec`.
pub fn model_path(models_dir: &Path, dataset: &Dataset) -> PathBuf {
    path_for::<HybridModel>(models_dir, dataset, &AlsConfig::default())
}

/// What the cache holds for a dataset and a configuration.
#[derive(Debug)]
pub enum Cached<M = HybridModel> {
    /// A model trained on the same data with the same settings.
    Fresh(Box<M>),
    /// No model file.
    Missing,
    /// A file that cannot be reused; the reason says why (data or settings changed, unreadable).
    Stale(String),
}

/// Loads the cached model at `path` when its data fingerprint and settings match.
pub fn load_cached<M: Trainable>(path: &Path, dataset: &Dataset, config: &M::Config) -> Cached<M> {
    if !path.exists() {
        return Cached::Missing;
    }
    let (fingerprint, loaded) = rayon::join(|| dataset.fingerprint(), || M::load_file(path));
    match loaded {
        Ok((model, meta)) if meta.fingerprint == fingerprint && model.settings() == config => {
            match check_fits(&model, dataset) {
                Ok(()) => Cached::Fresh(Box::new(model)),
                Err(why) => Cached::Stale(why),
            }
        }
        Ok((_, meta)) if meta.fingerprint != fingerprint => {
            Cached::Stale("the data changed".into())
        }
        Ok(_) => Cached::Stale("the settings changed".into()),
        Err(e) => Cached::Stale(format!("unusable: {e}")),
    }
}

/// Checks a loaded model against the dataset it is to serve, not only against itself: the same
/// number of users and items, and per side either no features or exactly the dataset's feature
/// names and memberships (genres of every movie, demographics of every user). A file whose header
/// and checksum agree can still come from other data; using it would index out of range, drop
/// movies, or credit features the data does not have.
pub fn check_fits<M: Trainable>(model: &M, dataset: &Dataset) -> Result<(), String> {
    let (users, items) = (&model.sides().users.features, &model.sides().items.features);
    let side = |held: &FeatureSet,
                rows: usize,
                what: &str,
                data: Option<FeatureMatrix>|
     -> Result<(), String> {
        if held.by_row.n_rows != rows {
            return Err(format!(
                "the model file has {} {what}s, the dataset {rows}",
                held.by_row.n_rows
            ));
        }
        if held.names.is_empty() {
            return Ok(());
        }
        let Some(data) = data else {
            return Err(format!(
                "the model file has {what} features the dataset does not have"
            ));
        };
        if held.names != data.names {
            return Err(format!(
                "the model file's {what} feature names differ from the dataset's"
            ));
        }
        let (a, b) = (&held.by_row, &data.matrix);
        if a.indptr != b.indptr || a.indices != b.indices || a.values != b.values {
            return Err(format!(
                "the model file's {what} features differ from the dataset's"
            ));
        }
        Ok(())
    };
    side(
        users,
        dataset.n_users(),
        "user",
        user_demographic_features(dataset),
    )?;
    side(
        items,
        dataset.n_items(),
        "item",
        Some(item_genre_features(dataset)),
    )
}

/// [`load_cached`] for hybrid-als.
pub fn load_matching(path: &Path, dataset: &Dataset, config: &AlsConfig) -> Cached {
    load_cached(path, dataset, config)
}

/// Trains a model on every positive of `dataset` (with its genres and demographics) and saves it
/// to `path`, creating the folder. `progress` hears after every sweep (epoch); `cancel` stops the
/// run.
pub fn fit_and_save<M: Trainable>(
    dataset: &Dataset,
    path: &Path,
    config: &M::Config,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<M, EngineError> {
    let positives = Positives::from_dataset(dataset, DEFAULT_POSITIVE_THRESHOLD);
    let items = item_genre_features(dataset);
    let users = user_demographic_features(dataset);
    let model = M::fit(
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
    model.save_file(
        path,
        &ModelMeta {
            dataset: dataset.name.clone(),
            fingerprint: dataset.fingerprint(),
        },
    )?;
    Ok(model)
}

/// [`fit_and_save`] for hybrid-als.
pub fn train_and_save(
    dataset: &Dataset,
    path: &Path,
    config: &AlsConfig,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<HybridModel, EngineError> {
    fit_and_save(dataset, path, config, progress, cancel)
}
