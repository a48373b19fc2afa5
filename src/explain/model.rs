//! What a model must offer to be explained: fold-in of an edited history, scoring, an exact
//! decomposition of each score into user-part × item-part terms, per-like influences, and
//! incremental and full retraining. [`HybridModel`] (hybrid-als) and [`SgdModel`] (`warp`, `bpr`)
//! implement it.
//!
//! The explain layer scores users only through [`ExplainableModel::fold_in`]: the list it explains,
//! the "before" and "after" of every what-if and the lists of retrained models are all refolds.
//! For ALS the refold of a training user is its trained row; for `warp`/`bpr` it is a fresh SGD
//! fold-in against the frozen item side, close to the trained row but not equal to it (mean top-10
//! Jaccard about 0.65 on ML-100K), so what the explain layer shows for a warp user can differ from
//! `SgdModel::recommend`'s list. Folding both sides of every comparison keeps it like with like:
//! a what-if's change is the edit's, never the difference between a trained row and a refold.

use std::sync::atomic::AtomicBool;

use crate::data::Positives;
use crate::engine::{
    EngineError, FoldedUser, HybridAls, HybridModel, Influence, ScoreTerm, SgdModel, TrainProgress,
};

/// Name of the bias part in a [`ScoreTerm`]. As `item_part` it marks an item-side bias, its
/// `user_part` saying where the bias comes from (`own`: the item's own bias; a genre name: that
/// genre's bias); a term `("bias", "own")` is a user bias and `("bias", "bias")` a global one.
pub const BIAS_PART: &str = "bias";
/// Name of the own-embedding part in a [`ScoreTerm`].
pub const OWN_PART: &str = "own";

/// A model whose scores the explain layer can take apart and whose users it can refold.
///
/// Contract (checked by the crate's tests for both implementations):
/// * `fold_in(h, f)` is a deterministic function of the history and the features; for
///   [`HybridModel`] the fold-in of a training user's likes scores exactly like that training
///   user, for [`SgdModel`] it is a refold (see the module documentation);
/// * the values of `decompose_folded(u, i)` sum to `score_folded(u)[i]`;
/// * `influences(h, f, i)` has one entry per like in `h` (ascending item order) and its parts
///   (likes, demographic prior, bias) sum to the folded score of `i`.
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
    /// How [`Self::influences`] is computed (for reports), e.g. the paper it follows.
    fn influence_method(&self) -> &'static str;
    /// The share of every like (and of the demographic prior) in the folded score of `item`.
    fn influences(&self, history: &[u32], user_features: &[u32], item: u32) -> Influence;
    /// The measured effect of removing each like: `(like, score − score of the user refolded
    /// without it)` for `item`, in history order (ascending item index). Exact refolds, not
    /// shares: the values need not sum to the score.
    fn removal_drops(&self, history: &[u32], user_features: &[u32], item: u32) -> Vec<(u32, f32)>;
    /// When cheap for this model: per like (history order), how much its removal narrows the gap
    /// `score(item) − score(rival)` — the measured drop on `item` minus that on `rival`, exact.
    /// `None`: the caller uses the additive shares instead (models whose refolds cost a fit each).
    fn margin_drops(
        &self,
        _history: &[u32],
        _user_features: &[u32],
        _item: u32,
        _rival: u32,
    ) -> Option<Vec<(u32, f32)>> {
        None
    }
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

    /// All likes at once by Sherman–Morrison (`engine::removal`); a refold per like should the
    /// normal matrix not factorise.
    fn removal_drops(&self, history: &[u32], user_features: &[u32], item: u32) -> Vec<(u32, f32)> {
        match self.removals(history, user_features) {
            Some(r) => {
                let score = f64::from(r.score_of(self, item));
                r.scores_of(self, item)
                    .into_iter()
                    .map(|(j, s)| (j, (score - s) as f32))
                    .collect()
            }
            // Not factorisable (never for a trained model): a refold per like.
            None => {
                let folded = HybridModel::fold_in(self, history, user_features);
                let mut scores = vec![0.0f32; HybridModel::n_items(self)];
                HybridModel::score_folded(self, &folded, &mut scores);
                let score = scores[item as usize];
                folded
                    .history
                    .iter()
                    .map(|&j| {
                        let rest: Vec<u32> =
                            folded.history.iter().copied().filter(|&h| h != j).collect();
                        let refold = HybridModel::fold_in(self, &rest, &folded.features);
                        HybridModel::score_folded(self, &refold, &mut scores);
                        (j, score - scores[item as usize])
                    })
                    .collect()
            }
        }
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
        let items = self.items.features.to_matrix();
        let users = self.users.features.to_matrix();
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

impl ExplainableModel for SgdModel {
    fn model_name(&self) -> String {
        self.config().loss.name().to_string()
    }

    fn n_users(&self) -> usize {
        SgdModel::n_users(self)
    }

    fn n_items(&self) -> usize {
        SgdModel::n_items(self)
    }

    fn user_features_of(&self, user: u32) -> &[u32] {
        SgdModel::user_features_of(self, user)
    }

    fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        SgdModel::fold_in(self, history, user_features)
    }

    fn score_folded(&self, user: &FoldedUser, out: &mut [f32]) {
        SgdModel::score_folded(self, user, out)
    }

    /// The engine's terms with the bias terms named the explain layer's way: the engine's
    /// `("bias", part)` (part `own` or a genre: an item-side bias) becomes `(part, "bias")`.
    fn decompose_folded(&self, user: &FoldedUser, item: u32) -> Vec<ScoreTerm> {
        let mut terms = SgdModel::decompose_folded(self, user, item);
        for t in &mut terms {
            if t.user_part == crate::engine::sgd::BIAS_PART {
                std::mem::swap(&mut t.user_part, &mut t.item_part);
                t.item_part = BIAS_PART.to_string();
            }
        }
        terms
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

    fn continue_training(
        &mut self,
        positives: &Positives,
        sweeps: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        SgdModel::continue_training(self, positives, sweeps, progress, cancel)
    }

    fn retrain(
        &self,
        positives: &Positives,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Self, EngineError> {
        let items = self.items.features.to_matrix();
        let users = self.users.features.to_matrix();
        SgdModel::fit(
            positives,
            Some(&items),
            Some(&users),
            self.config(),
            progress,
            cancel,
        )
    }
}
