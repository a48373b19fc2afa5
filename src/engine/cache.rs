//! The model cache `whyrec train`, `whyrec recommend`, the explain commands and the TUI share:
//! one file per dataset and model kind in a models folder (`<dataset>-hybrid-als.whyrec`,
//! `<dataset>-warp.whyrec`, `<dataset>-bpr.whyrec`), reused while the data fingerprint and the
//! settings match, otherwise retrained on every positive and saved. A file that cannot be read
//! (corrupt, truncated, another model kind) counts as stale. No printing here: callers say what
//! happened.
//!
//! [`model_path`], [`load_matching`] and [`train_and_save`] are the hybrid-als cache; the generic
//! [`path_for`], [`load_cached`] and [`fit_and_save`] serve any [`CacheableModel`]
//! ([`HybridModel`], [`SgdModel`]).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use super::side::FeatureSet;
use super::{
    AlsConfig, EngineError, HybridAls, HybridModel, ModelMeta, SgdConfig, SgdModel, TrainProgress,
};
use crate::data::interactions::{
    item_genre_features, user_demographic_features, Positives, DEFAULT_POSITIVE_THRESHOLD,
};
use crate::data::{Dataset, FeatureMatrix};

/// The feature memberships a model holds on each side (one row per user, per item).
pub struct Sides<'a> {
    users: &'a FeatureSet,
    items: &'a FeatureSet,
}

/// A model the cache can hold: its settings, its file name, how it is saved, loaded and trained.
pub trait CacheableModel: Sized {
    /// The settings that must match for a file to be reused.
    type Config: PartialEq;
    /// The model name in the file name (`hybrid-als`, `warp`, `bpr`).
    fn cache_name(config: &Self::Config) -> &'static str;
    /// The settings the model was trained with.
    fn settings(&self) -> &Self::Config;
    /// The user and item feature memberships the model holds (their row counts are its user and
    /// item counts), checked against the dataset by [`check_fits`].
    fn sides(&self) -> Sides<'_>;
    fn load_file(path: &Path) -> Result<(Self, ModelMeta), EngineError>;
    fn save_file(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError>;
    /// Trains on `positives` with the item (genre) and user (demographic) features.
    fn fit_with(
        positives: &Positives,
        items: &FeatureMatrix,
        users: Option<&FeatureMatrix>,
        config: &Self::Config,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError>;
}

impl CacheableModel for HybridModel {
    type Config = AlsConfig;

    fn cache_name(_: &AlsConfig) -> &'static str {
        "hybrid-als"
    }

    fn settings(&self) -> &AlsConfig {
        self.config()
    }

    fn sides(&self) -> Sides<'_> {
        Sides {
            users: &self.users.features,
            items: &self.items.features,
        }
    }

    fn load_file(path: &Path) -> Result<(Self, ModelMeta), EngineError> {
        HybridModel::load(path)
    }

    fn save_file(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        self.save(path, meta)
    }

    fn fit_with(
        positives: &Positives,
        items: &FeatureMatrix,
        users: Option<&FeatureMatrix>,
        config: &AlsConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        HybridAls::fit(positives, Some(items), users, config, progress, cancel)
    }
}

impl CacheableModel for SgdModel {
    type Config = SgdConfig;

    fn cache_name(config: &SgdConfig) -> &'static str {
        config.loss.name()
    }

    fn settings(&self) -> &SgdConfig {
        self.config()
    }

    fn sides(&self) -> Sides<'_> {
        Sides {
            users: &self.users.features,
            items: &self.items.features,
        }
    }

    fn load_file(path: &Path) -> Result<(Self, ModelMeta), EngineError> {
        SgdModel::load(path)
    }

    fn save_file(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        self.save(path, meta)
    }

    fn fit_with(
        positives: &Positives,
        items: &FeatureMatrix,
        users: Option<&FeatureMatrix>,
        config: &SgdConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        SgdModel::fit(positives, Some(items), users, config, progress, cancel)
    }
}

/// Where a model of a dataset lives: `<models_dir>/<name>-<model>.whyrec`, with characters other
/// than ASCII letters, digits and `-` of the dataset name replaced by `_`.
pub fn path_for<M: CacheableModel>(
    models_dir: &Path,
    dataset: &Dataset,
    config: &M::Config,
) -> PathBuf {
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
    models_dir.join(format!("{name}-{}.whyrec", M::cache_name(config)))
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
pub fn load_cached<M: CacheableModel>(
    path: &Path,
    dataset: &Dataset,
    config: &M::Config,
) -> Cached<M> {
    if !path.exists() {
        return Cached::Missing;
    }
    let fingerprint = dataset.fingerprint();
    match M::load_file(path) {
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
pub fn check_fits<M: CacheableModel>(model: &M, dataset: &Dataset) -> Result<(), String> {
    let Sides { users, items } = model.sides();
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
pub fn fit_and_save<M: CacheableModel>(
    dataset: &Dataset,
    path: &Path,
    config: &M::Config,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<M, EngineError> {
    let positives = Positives::from_dataset(dataset, DEFAULT_POSITIVE_THRESHOLD);
    let items = item_genre_features(dataset);
    let users = user_demographic_features(dataset);
    let model = M::fit_with(&positives, &items, users.as_ref(), config, progress, cancel)?;
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
