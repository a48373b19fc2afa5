//! What a model must offer to be explained: fold-in of an edited history, scoring, an exact
//! decomposition of each score into user-part × item-part terms, per-like influences, and
//! incremental and full retraining. [`HybridModel`] implements it; a second model type (e.g. a
//! WARP/BPR-trained hybrid) plugs in by implementing the same trait.

use std::sync::atomic::AtomicBool;

use crate::data::{FeatureMatrix, Positives};
use crate::engine::{
    EngineError, FoldedUser, HybridAls, HybridModel, Influence, ScoreTerm, TrainProgress,
};

/// Name of the bias part in a [`ScoreTerm`] (`user_part` or `item_part`), for models with biases:
/// a term `("own", "bias")` is the item bias, `("bias", "own")` the user bias.
pub const BIAS_PART: &str = "bias";
/// Name of the own-embedding part in a [`ScoreTerm`].
pub const OWN_PART: &str = "own";

/// A model whose scores the explain layer can take apart and whose users it can refold.
///
/// Contract (checked by the crate's tests for [`HybridModel`]):
/// * `fold_in(likes of a training user, its features)` scores exactly like that training user;
/// * the values of `decompose_folded(u, i)` sum to `score_folded(u)[i]`;
/// * `influences(h, f, i)` has one entry per like in `h` (ascending item order) and its parts
///   sum to the folded score of `i`.
pub trait ExplainableModel: Clone + Send + Sync + 'static {
    /// Short model name for reports.
    fn model_name(&self) -> String;
    fn n_users(&self) -> usize;
    fn n_items(&self) -> usize;
    /// Demographic feature indices of a training user.
    fn user_features_of(&self, user: u32) -> &[u32];
    /// The user vector the model would give this history and these features.
    fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser;
    /// Scores every item for a folded user (`out.len() == n_items()`).
    fn score_folded(&self, user: &FoldedUser, out: &mut [f32]);
    /// Exact (user part × item part) terms of one score.
    fn decompose_folded(&self, user: &FoldedUser, item: u32) -> Vec<ScoreTerm>;
    /// How [`Self::like_influences`] is computed (for reports), e.g. the paper it follows.
    fn influence_method(&self) -> &'static str;
    /// The share of every like (and of the demographic prior) in the folded score of `item`.
    fn influences(&self, history: &[u32], user_features: &[u32], item: u32) -> Influence;
    /// Warm-started retraining on a changed interaction set over the same users and items.
    fn continue_training(
        &mut self,
        positives: &Positives,
        sweeps: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError>;
    /// A new model trained from scratch on `positives` with this model's settings (same seed).
    fn retrain(
        &self,
        positives: &Positives,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError>;
}

impl ExplainableModel for HybridModel {
    fn model_name(&self) -> String {
        crate::engine::Scorer::name(self).to_string()
    }

    fn n_users(&self) -> usize {
        HybridModel::n_users(self)
    }

    fn n_items(&self) -> usize {
        HybridModel::n_items(self)
    }

    fn user_features_of(&self, user: u32) -> &[u32] {
        HybridModel::user_features_of(self, user)
    }

    fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        HybridModel::fold_in(self, history, user_features)
    }

    fn score_folded(&self, user: &FoldedUser, out: &mut [f32]) {
        HybridModel::score_folded(self, user, out)
    }

    fn decompose_folded(&self, user: &FoldedUser, item: u32) -> Vec<ScoreTerm> {
        HybridModel::decompose_folded(self, user, item)
    }

    fn influence_method(&self) -> &'static str {
        "exact ALS decomposition of Hu, Koren & Volinsky (2008), section 5"
    }

    fn influences(&self, history: &[u32], user_features: &[u32], item: u32) -> Influence {
        HybridModel::influences(self, history, user_features, item)
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

    fn retrain(
        &self,
        positives: &Positives,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        let items = FeatureMatrix {
            matrix: self.items.features.by_row.clone(),
            names: self.items.features.names.clone(),
        };
        let users = FeatureMatrix {
            matrix: self.users.features.by_row.clone(),
            names: self.users.features.names.clone(),
        };
        HybridAls::fit(
            positives,
            Some(&items),
            Some(&users),
            self.config(),
            progress,
            cancel,
        )
    }
}
