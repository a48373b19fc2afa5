//! Trained models of any spec. [`ModelSpec::fit`] trains one; [`Trained`] holds popularity or a
//! factor model; [`AnyFactorModel`] is hybrid-als, als, warp or bpr behind one type that is both
//! a [`FactorModel`] and a [`Trainable`] (every call forwards to the family's model), so the
//! explain layer, the metrics and the TUI hold one `Explainer<AnyFactorModel>` whatever model the
//! user picked. Its [`AnyConfig`] is the family's configuration; its files are the family's files
//! (the header's `model` field says which codec reads them).

use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::baselines::Popularity;
use super::model::{FactorModel, Trainable};
use super::spec::{Family, ModelSpec, Settings};
use super::{
    AlsConfig, EngineError, FoldedUser, HybridModel, Influence, ModelMeta, Scorer, SgdConfig,
    SgdModel, Sides, TrainProgress,
};
use crate::data::{FeatureMatrix, Positives};

/// The configuration of either family.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum AnyConfig {
    Als(AlsConfig),
    Sgd(SgdConfig),
}

impl AnyConfig {
    /// The configuration `spec` trains with under `settings` (`None` for popularity).
    pub fn of(spec: ModelSpec, settings: &Settings) -> Option<AnyConfig> {
        match spec.family() {
            Family::Popularity => None,
            Family::Als => Some(AnyConfig::Als(spec.als_config(settings))),
            Family::Sgd => Some(AnyConfig::Sgd(spec.sgd_config(settings))),
        }
    }
}

#[derive(Debug, Clone)]
enum Model {
    Als(Box<HybridModel>),
    Sgd(Box<SgdModel>),
}

/// A factor model of either family (hybrid-als, als, warp, bpr), with the configuration it was
/// trained with.
#[derive(Debug, Clone)]
pub struct AnyFactorModel {
    model: Model,
    config: AnyConfig,
}

/// Runs `$body` on the family's model bound as `$m`.
macro_rules! each {
    ($self:expr, $m:ident => $body:expr) => {
        match &$self.model {
            Model::Als($m) => $body,
            Model::Sgd($m) => $body,
        }
    };
}

impl From<HybridModel> for AnyFactorModel {
    fn from(model: HybridModel) -> Self {
        let config = AnyConfig::Als(model.settings().clone());
        AnyFactorModel {
            model: Model::Als(Box::new(model)),
            config,
        }
    }
}

impl From<SgdModel> for AnyFactorModel {
    fn from(model: SgdModel) -> Self {
        let config = AnyConfig::Sgd(model.settings().clone());
        AnyFactorModel {
            model: Model::Sgd(Box::new(model)),
            config,
        }
    }
}

impl Settings {
    /// The settings that give back `config` through [`ModelSpec::als_config`] or
    /// [`ModelSpec::sgd_config`] (of the spec the configuration trains), for every configuration
    /// built from settings.
    pub fn of_config(config: &AnyConfig) -> Settings {
        match config {
            AnyConfig::Als(c) => Settings::of_als(c),
            AnyConfig::Sgd(c) => Settings {
                seed: c.seed,
                factors: Some(c.factors),
                iterations: Some(c.epochs),
                converge: false,
                features: c.item_features || c.user_features,
            },
        }
    }
}

impl AnyFactorModel {
    /// Sweeps (epochs) of an incremental retrain after a what-if: a model trained to a
    /// convergence test is retrained to the same test (at most its sweep limit), any other gets
    /// `fixed` more.
    pub fn incremental_sweeps(&self, fixed: usize) -> usize {
        match &self.config {
            AnyConfig::Als(c) if c.tolerance > 0.0 => c.iterations.max(1),
            _ => fixed,
        }
    }

    /// The ALS model inside, when it is one.
    pub fn as_als(&self) -> Option<&HybridModel> {
        match &self.model {
            Model::Als(m) => Some(m),
            Model::Sgd(_) => None,
        }
    }

    /// The SGD model inside, when it is one.
    pub fn as_sgd(&self) -> Option<&SgdModel> {
        match &self.model {
            Model::Sgd(m) => Some(m),
            Model::Als(_) => None,
        }
    }
}

impl Scorer for AnyFactorModel {
    fn name(&self) -> &str {
        each!(self, m => m.name())
    }
    fn n_items(&self) -> usize {
        each!(self, m => m.n_items())
    }
    fn score_items(&self, user: u32, out: &mut [f32]) {
        each!(self, m => m.score_items(user, out))
    }
}

impl FactorModel for AnyFactorModel {
    fn spec(&self) -> ModelSpec {
        each!(self, m => m.spec())
    }
    fn sides(&self) -> &Sides {
        each!(self, m => FactorModel::sides(m.as_ref()))
    }
    fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        each!(self, m => FactorModel::fold_in(m.as_ref(), history, user_features))
    }
    fn influence_method(&self) -> &'static str {
        each!(self, m => FactorModel::influence_method(m.as_ref()))
    }
    fn influences(&self, history: &[u32], user_features: &[u32], item: u32) -> Influence {
        each!(self, m => FactorModel::influences(m.as_ref(), history, user_features, item))
    }
    fn removal_drops(&self, history: &[u32], user_features: &[u32], item: u32) -> Vec<(u32, f32)> {
        each!(self, m => FactorModel::removal_drops(m.as_ref(), history, user_features, item))
    }
    fn margin_drops(
        &self,
        history: &[u32],
        user_features: &[u32],
        item: u32,
        rival: u32,
    ) -> Option<Vec<(u32, f32)>> {
        each!(self, m => m.margin_drops(history, user_features, item, rival))
    }
}

impl Trainable for AnyFactorModel {
    type Config = AnyConfig;

    fn fit(
        positives: &Positives,
        items: Option<&FeatureMatrix>,
        users: Option<&FeatureMatrix>,
        config: &AnyConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        Ok(match config {
            AnyConfig::Als(c) => {
                HybridModel::fit(positives, items, users, c, progress, cancel)?.into()
            }
            AnyConfig::Sgd(c) => {
                SgdModel::fit(positives, items, users, c, progress, cancel)?.into()
            }
        })
    }

    fn spec_of(config: &AnyConfig) -> ModelSpec {
        match config {
            AnyConfig::Als(c) => HybridModel::spec_of(c),
            AnyConfig::Sgd(c) => SgdModel::spec_of(c),
        }
    }

    fn settings(&self) -> &AnyConfig {
        &self.config
    }

    fn continue_training(
        &mut self,
        positives: &Positives,
        sweeps: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        match &mut self.model {
            Model::Als(m) => m.continue_training(positives, sweeps, progress, cancel),
            Model::Sgd(m) => {
                Trainable::continue_training(m.as_mut(), positives, sweeps, progress, cancel)
            }
        }
    }

    /// Reads a model file of either family: the header's `model` field picks the codec.
    fn load_file(path: &Path) -> Result<(Self, ModelMeta), EngineError> {
        let bytes = super::factors::file::read_model_file(path)?;
        let name = super::factors::file::model_name(path, &bytes)?;
        match ModelSpec::from_name(&name).map(ModelSpec::family) {
            Some(Family::Sgd) => {
                let (m, meta) = super::sgd::decode(path, &bytes)?;
                Ok((m.into(), meta))
            }
            _ => {
                let (m, meta) = super::als::persist::decode(path, &bytes)?;
                Ok((m.into(), meta))
            }
        }
    }

    fn save_file(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        each!(self, m => m.save_file(path, meta))
    }
}

/// A trained model of any spec.
#[derive(Debug, Clone)]
pub enum Trained {
    Popularity(Popularity),
    Factor(AnyFactorModel),
}

impl ModelSpec {
    /// Trains the model on `positives` with the given side features.
    pub fn fit(
        self,
        positives: &Positives,
        item_features: Option<&FeatureMatrix>,
        user_features: Option<&FeatureMatrix>,
        settings: &Settings,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Trained, EngineError> {
        Ok(match AnyConfig::of(self, settings) {
            None => Trained::Popularity(Popularity::fit(positives)),
            Some(config) => Trained::Factor(AnyFactorModel::fit(
                positives,
                item_features,
                user_features,
                &config,
                progress,
                cancel,
            )?),
        })
    }
}

impl Trained {
    /// The model as a scorer of training users.
    pub fn scorer(&self) -> &dyn Scorer {
        match self {
            Trained::Popularity(p) => p,
            Trained::Factor(m) => m,
        }
    }

    /// The model as an owned scorer.
    pub fn into_scorer(self) -> Box<dyn Scorer> {
        match self {
            Trained::Popularity(p) => Box::new(p),
            Trained::Factor(m) => Box::new(m),
        }
    }

    /// The model as a factor model, when it is one.
    pub fn factor(&self) -> Option<&dyn FactorModel> {
        match self {
            Trained::Popularity(_) => None,
            Trained::Factor(m) => Some(m),
        }
    }

    /// Scores every item for training user `user` refolded from `history` with the model fixed
    /// (the user's demographic features kept). Popularity does not depend on the history.
    pub fn score_refolded(&self, user: u32, history: &[u32], out: &mut [f32]) {
        match self.factor() {
            None => self.scorer().score_items(user, out),
            Some(m) => {
                let folded = m.fold_in(history, m.user_features_of(user));
                m.score_folded(&folded, out);
            }
        }
    }
}
