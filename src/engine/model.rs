//! The model traits every layer above the engine uses: [`FactorModel`] (fold-in, scoring, exact
//! decomposition, influences — object-safe, so metrics and the TUI hold `&dyn FactorModel`) and
//! [`Trainable`] (fit, continue, retrain, settings, the model file). [`HybridModel`] (hybrid-als,
//! als) and [`SgdModel`] (warp, bpr) implement both; popularity is a plain [`Scorer`].
//!
//! Contract (run over every factor model by the engine's contract suite):
//! * `fold_in(h, f)` is a deterministic function of the history and the features; for ALS the
//!   fold-in of a training user's likes scores exactly like that training user, for SGD it is a
//!   refold (a fresh SGD fold-in against the frozen item side, close to the trained row);
//! * the values of `decompose_folded(u, i)` sum to `score_folded(u)[i]`; bias terms are named
//!   `(part, BIAS_PART)`: `part` is `own` (the item's own bias) or a genre (that genre's bias);
//! * `influences(h, f, i)` has one entry per like in `h` (ascending item order) and its parts
//!   (likes, demographic prior, bias) sum to the folded score of `i`;
//! * `removal_drops(h, f, i)` is the measured drop of each like's removal (exact refolds).

use std::fmt::Debug;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::factors::Sides;
use super::spec::ModelSpec;
use super::{
    EngineError, FoldedUser, HybridAls, HybridModel, Influence, ModelMeta, ScoreTerm, Scorer,
    SgdModel, TrainProgress,
};
use crate::data::{FeatureMatrix, Positives};

/// Name of the bias part in a [`ScoreTerm`]: as `item_part` it marks an item-side bias, its
/// `user_part` saying where the bias comes from (`own` or a genre); `("bias", "own")` is a user
/// bias and `("bias", "bias")` a global one.
pub const BIAS_PART: &str = "bias";
/// Name of the own-embedding part in a [`ScoreTerm`].
pub const OWN_PART: &str = "own";

/// A trained factor model as the explain layer, the metrics and the TUI see it.
pub trait FactorModel: Scorer {
    /// Which registered model this is.
    fn spec(&self) -> ModelSpec;
    /// The shared representation: sizes, vectors, feature names, scoring, decompositions.
    fn sides(&self) -> &Sides;
    /// The user vector the model would give this history and these features.
    fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser;
    fn n_users(&self) -> usize {
        self.sides().n_users()
    }
    /// Embedding dimension k.
    fn factors(&self) -> usize {
        self.sides().factors()
    }
    /// Demographic feature indices of a training user.
    fn user_features_of(&self, user: u32) -> &[u32] {
        self.sides().user_features_of(user)
    }
    /// The composed item vector q_i (k values, biases excluded).
    fn item_vector(&self, item: u32) -> &[f32] {
        self.sides().item_vector(item)
    }
    /// Scores every item for a folded user (`out.len() == n_items()`).
    fn score_folded(&self, user: &FoldedUser, out: &mut [f32]) {
        self.sides().score_vector(&user.vector, out)
    }
    /// [`Self::score_folded`] of several folded users, the items read once for all: every item's
    /// score for each user, the same values as one call per user.
    fn score_folded_many(&self, users: &[&FoldedUser]) -> Vec<Vec<f32>> {
        let mut outs = vec![vec![0.0; self.n_items()]; users.len()];
        let ps: Vec<&[f32]> = users.iter().map(|u| u.vector.as_slice()).collect();
        let mut views: Vec<&mut [f32]> = outs.iter_mut().map(Vec::as_mut_slice).collect();
        self.sides().score_vectors(&ps, &mut views);
        outs
    }
    /// [`Scorer::recommend`] for a folded-in user.
    fn recommend_folded(&self, user: &FoldedUser, k: usize, exclude: &[u32]) -> Vec<(u32, f32)> {
        let mut scores = vec![0.0; self.n_items()];
        self.score_folded(user, &mut scores);
        super::top_k(&scores, k, exclude)
    }
    /// Exact (user part × item part) terms of one score, biases as `(part, BIAS_PART)`.
    fn decompose_folded(&self, user: &FoldedUser, item: u32) -> Vec<ScoreTerm> {
        self.sides().decompose_folded(user, item)
    }
    /// How [`Self::influences`] is computed (for reports), e.g. the paper it follows.
    fn influence_method(&self) -> &'static str;
    /// The share of every like (and of the demographic prior) in the folded score of `item`.
    fn influences(&self, history: &[u32], user_features: &[u32], item: u32) -> Influence;
    /// The measured effect of removing each like: `(like, score − score refolded without it)` for
    /// `item`, in history order. Exact refolds, not shares: the values need not sum to the score.
    fn removal_drops(&self, history: &[u32], user_features: &[u32], item: u32) -> Vec<(u32, f32)>;
    /// When cheap for this model: per like, how much its removal narrows the gap
    /// `score(item) − score(rival)`, exact. `None`: callers use the additive shares instead.
    fn margin_drops(
        &self,
        _history: &[u32],
        _user_features: &[u32],
        _item: u32,
        _rival: u32,
    ) -> Option<Vec<(u32, f32)>> {
        None
    }
}

/// A factor model that can be trained, retrained and stored.
pub trait Trainable: FactorModel + Clone + Debug + Send + Sync + 'static {
    /// The settings that must match for a cached file to be reused.
    type Config: Clone + PartialEq + Debug + Serialize + Send + Sync;
    /// Trains on `positives` with the item (genre) and user (demographic) features.
    fn fit(
        positives: &Positives,
        items: Option<&FeatureMatrix>,
        users: Option<&FeatureMatrix>,
        config: &Self::Config,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError>;
    /// The spec a configuration trains (its name in files and reports).
    fn spec_of(config: &Self::Config) -> ModelSpec;
    /// The settings the model was trained with.
    fn settings(&self) -> &Self::Config;
    /// Warm-started retraining on a changed interaction set over the same users and items.
    fn continue_training(
        &mut self,
        positives: &Positives,
        sweeps: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError>;
    fn load_file(path: &Path) -> Result<(Self, ModelMeta), EngineError>;
    fn save_file(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError>;
    /// A new model trained from scratch on `positives` with this model's settings and features.
    fn retrain(
        &self,
        positives: &Positives,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        let sides = self.sides();
        let (items, users) = (
            sides.items.features.to_matrix(),
            sides.users.features.to_matrix(),
        );
        Self::fit(
            positives,
            Some(&items),
            Some(&users),
            self.settings(),
            progress,
            cancel,
        )
    }
}

impl FactorModel for HybridModel {
    fn spec(&self) -> ModelSpec {
        ModelSpec::of_als(&self.config)
    }

    fn sides(&self) -> &Sides {
        &self.sides
    }

    fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        HybridModel::fold_in(self, history, user_features)
    }

    fn influence_method(&self) -> &'static str {
        "exact ALS decomposition of Hu, Koren & Volinsky (2008), section 5"
    }

    fn influences(&self, history: &[u32], user_features: &[u32], item: u32) -> Influence {
        HybridModel::influences(self, history, user_features, item)
    }

    /// All likes at once by Sherman–Morrison (`engine::removal`); a refold per like should the
    /// normal matrix not factorise (never for a trained model).
    fn removal_drops(&self, history: &[u32], user_features: &[u32], item: u32) -> Vec<(u32, f32)> {
        match self.removals(history, user_features) {
            Some(r) => {
                let score = f64::from(r.score_of(self, item));
                r.scores_of(self, item)
                    .into_iter()
                    .map(|(j, s)| (j, (score - s) as f32))
                    .collect()
            }
            None => refold_drops(self, history, user_features, item),
        }
    }

    /// One factorisation for every like and both items (`engine::removal`).
    fn margin_drops(
        &self,
        history: &[u32],
        user_features: &[u32],
        item: u32,
        rival: u32,
    ) -> Option<Vec<(u32, f32)>> {
        let removals = self.removals(history, user_features)?;
        let gap =
            f64::from(removals.score_of(self, item)) - f64::from(removals.score_of(self, rival));
        let (on_item, on_rival) = (
            removals.scores_of(self, item),
            removals.scores_of(self, rival),
        );
        Some(
            on_item
                .iter()
                .zip(&on_rival)
                .map(|(&(j, a), &(_, b))| (j, (gap - (a - b)) as f32))
                .collect(),
        )
    }
}

/// Each like's measured drop by one refold per like (the slow path any model can take).
fn refold_drops(
    model: &dyn FactorModel,
    history: &[u32],
    user_features: &[u32],
    item: u32,
) -> Vec<(u32, f32)> {
    let folded = model.fold_in(history, user_features);
    let mut scores = vec![0.0f32; model.n_items()];
    model.score_folded(&folded, &mut scores);
    let score = scores[item as usize];
    folded
        .history
        .iter()
        .map(|&j| {
            let rest: Vec<u32> = folded.history.iter().copied().filter(|&h| h != j).collect();
            let refold = model.fold_in(&rest, &folded.features);
            model.score_folded(&refold, &mut scores);
            (j, score - scores[item as usize])
        })
        .collect()
}

impl Trainable for HybridModel {
    type Config = super::AlsConfig;

    fn fit(
        positives: &Positives,
        items: Option<&FeatureMatrix>,
        users: Option<&FeatureMatrix>,
        config: &Self::Config,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        HybridAls::fit(positives, items, users, config, progress, cancel)
    }

    fn spec_of(config: &Self::Config) -> ModelSpec {
        ModelSpec::of_als(config)
    }

    fn settings(&self) -> &Self::Config {
        &self.config
    }

    fn continue_training(
        &mut self,
        positives: &Positives,
        sweeps: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        HybridModel::continue_training(self, positives, sweeps, progress, cancel)
    }

    fn load_file(path: &Path) -> Result<(Self, ModelMeta), EngineError> {
        HybridModel::load(path)
    }

    fn save_file(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        self.save(path, meta)
    }
}

impl FactorModel for SgdModel {
    fn spec(&self) -> ModelSpec {
        ModelSpec::of_sgd(&self.config)
    }

    fn sides(&self) -> &Sides {
        &self.sides
    }

    fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        SgdModel::fold_in(self, history, user_features)
    }

    fn influence_method(&self) -> &'static str {
        "update attribution of the SGD fold-in (each like's share of the updates that built the user's embedding: the fold-in's path, not a removal)"
    }

    fn influences(&self, history: &[u32], user_features: &[u32], item: u32) -> Influence {
        SgdModel::influences(self, history, user_features, item)
    }

    /// One SGD refold per like ([`SgdModel::leave_one_out`]).
    fn removal_drops(&self, history: &[u32], user_features: &[u32], item: u32) -> Vec<(u32, f32)> {
        SgdModel::leave_one_out(self, history, user_features, &[item])
            .ok()
            .and_then(|mut l| l.pop())
            .map_or_else(Vec::new, |l| l.per_like)
    }
}

impl Trainable for SgdModel {
    type Config = super::SgdConfig;

    fn fit(
        positives: &Positives,
        items: Option<&FeatureMatrix>,
        users: Option<&FeatureMatrix>,
        config: &Self::Config,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        SgdModel::fit(positives, items, users, config, progress, cancel)
    }

    fn spec_of(config: &Self::Config) -> ModelSpec {
        ModelSpec::of_sgd(config)
    }

    fn settings(&self) -> &Self::Config {
        &self.config
    }

    fn continue_training(
        &mut self,
        positives: &Positives,
        sweeps: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        SgdModel::continue_training(self, positives, sweeps, progress, cancel)
    }

    fn load_file(path: &Path) -> Result<(Self, ModelMeta), EngineError> {
        SgdModel::load(path)
    }

    fn save_file(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        self.save(path, meta)
    }
}
