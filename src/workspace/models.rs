//! Getting a trained model, the same way for every command and for the TUI: a factor model
//! (hybrid-als, als, warp, bpr) comes from the model cache (`engine::cache`: one file per dataset
//! and model, reused while the data fingerprint and the settings match) or is trained on every
//! positive of the dataset, with its genres and demographics, and saved there; popularity is
//! counted, never cached. What happened (reused, why a file could not be, how long the training
//! took) goes to the [`Progress`] as notes, every sweep as [`Progress::training`].

use std::path::Path;
use std::time::Instant;

use super::{Progress, WorkspaceError};
use crate::data::interactions::{
    item_genre_features, user_demographic_features, Positives, DEFAULT_POSITIVE_THRESHOLD,
};
use crate::data::Dataset;
use crate::engine::cache::{self, Cached};
use crate::engine::{
    AnyConfig, AnyFactorModel, EngineError, FactorModel, ModelSpec, Settings, Trainable, Trained,
};

/// Which model, with which settings, from which cache.
#[derive(Debug, Clone)]
pub struct ModelRequest<'a> {
    pub spec: ModelSpec,
    pub settings: Settings,
    /// The model cache folder; `None` trains without saving.
    pub models_dir: Option<&'a Path>,
    /// Retrain (and overwrite the cached file) even when it matches.
    pub force: bool,
    /// Use this model file instead (e.g. one `whyrec import` wrote): it must have been made for
    /// this dataset (same data fingerprint); `spec` and `settings` are then the file's.
    pub file: Option<&'a Path>,
}

/// The model `request` names, trained on every positive of `dataset` or loaded from the cache.
pub fn load_or_train(
    dataset: &Dataset,
    request: &ModelRequest,
    progress: &dyn Progress,
) -> Result<Trained, WorkspaceError> {
    if AnyConfig::of(request.spec, &request.settings).is_some() {
        return Ok(Trained::Factor(load_or_train_factor(
            dataset, request, progress,
        )?));
    }
    let positives = Positives::from_dataset(dataset, DEFAULT_POSITIVE_THRESHOLD);
    let counted = request.spec.fit(
        &positives,
        None,
        None,
        &request.settings,
        &mut |_| {},
        progress.cancel_flag(),
    )?;
    Ok(counted)
}

/// [`load_or_train`] for a factor model (an error for popularity, which has no factors).
pub fn load_or_train_factor(
    dataset: &Dataset,
    request: &ModelRequest,
    progress: &dyn Progress,
) -> Result<AnyFactorModel, WorkspaceError> {
    if let Some(path) = request.file {
        return model_file(dataset, path, progress);
    }
    let spec = request.spec;
    let config = AnyConfig::of(spec, &request.settings).ok_or_else(|| {
        EngineError::Invalid(format!(
            "{spec} is not a factor model (it has no embeddings)"
        ))
    })?;
    let cancel = progress.cancel_flag();
    let started = Instant::now();
    let mut report = |p| progress.training(spec, &p);
    let Some(dir) = request.models_dir else {
        progress.stage(&format!("training {spec}"));
        let positives = Positives::from_dataset(dataset, DEFAULT_POSITIVE_THRESHOLD);
        let items = item_genre_features(dataset);
        let users = user_demographic_features(dataset);
        let model = AnyFactorModel::fit(
            &positives,
            Some(&items),
            users.as_ref(),
            &config,
            &mut report,
            cancel,
        )?;
        progress.note(&format!(
            "trained {spec} in {:.2} s",
            started.elapsed().as_secs_f64()
        ));
        return Ok(model);
    };
    let path = cache::path_for::<AnyFactorModel>(dir, dataset, &config);
    if !request.force {
        match cache::load_cached::<AnyFactorModel>(&path, dataset, &config) {
            Cached::Fresh(model) => {
                progress.note(&format!(
                    "using {} (same data and settings)",
                    path.display()
                ));
                return Ok(*model);
            }
            Cached::Stale(why) => progress.note(&format!(
                "{} cannot be reused ({why}): retraining",
                path.display()
            )),
            Cached::Missing => {}
        }
    }
    progress.stage(&format!("training {spec}"));
    let model =
        cache::fit_and_save::<AnyFactorModel>(dataset, &path, &config, &mut report, cancel)?;
    progress.note(&format!(
        "trained {spec} in {:.2} s and saved {}",
        started.elapsed().as_secs_f64(),
        path.display()
    ));
    Ok(model)
}

/// The model in `path`, when it was made for `dataset`.
fn model_file(
    dataset: &Dataset,
    path: &Path,
    progress: &dyn Progress,
) -> Result<AnyFactorModel, WorkspaceError> {
    let (model, meta) = AnyFactorModel::load_file(path)?;
    let fingerprint = dataset.fingerprint();
    if meta.fingerprint != fingerprint || model.n_users() != dataset.n_users() {
        return Err(EngineError::Invalid(format!(
            "{} was made for {} (data fingerprint {}), not for {} ({fingerprint})",
            path.display(),
            meta.dataset,
            meta.fingerprint,
            dataset.name
        ))
        .into());
    }
    progress.note(&format!("using {} ({})", path.display(), model.spec()));
    Ok(model)
}
