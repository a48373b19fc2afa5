//! Fold-in of a history into a trained `warp`/`bpr` model, and the leave-one-out influence of each
//! past like on a folded score.
//!
//! Fold-in runs `fold_in_epochs` epochs of the training step on the user's own embedding only:
//! every item-side parameter and every demographic embedding stays frozen, the own embedding starts
//! at 0 with fresh AdaGrad accumulators (1), and each epoch visits the history in an order drawn
//! from per-(epoch, item) ChaCha8 streams, each of which also supplies that item's negatives. So
//! the result is a deterministic function of (model, history, features), and dropping one like
//! leaves the order and the negatives of every other like unchanged (common random numbers): the
//! leave-one-out difference measures that like, not a reshuffle.

use crate::engine::{FactorModel, Scorer};
use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use super::config::Loss;
use super::model::SgdModel;
use super::shard::{stream, TAG_FOLD};
use super::step::{
    adagrad_row, bpr_negative, bpr_weight, cumulative, score, warp_violator, warp_weight,
};
use crate::engine::factors::clean;
use crate::engine::factors::side::compose;
use crate::engine::kernels::dot32;
use crate::engine::EngineError;
use crate::engine::FoldedUser;

/// The leave-one-out influence of every past like on one folded score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeaveOneOut {
    /// The scored item.
    pub item: u32,
    /// Its score for the user folded in from the whole history.
    pub score: f32,
    /// (like j, score − score of the user folded in without j), in history order (ascending item
    /// index). Positive: the like raised the score. Not additive: the values need not sum to the
    /// score.
    pub per_like: Vec<(u32, f32)>,
}

impl SgdModel {
    /// Folds in a user from a history of item indices and demographic feature indices (see the
    /// module documentation for the exact procedure). Indices out of range are ignored; order and
    /// duplicates do not matter. An empty history gives the demographic offset alone (scores are
    /// then the item biases plus the demographic part).
    pub fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        let history = clean(history, self.n_items());
        let features = clean(user_features, self.sides.users.features.n_features());
        let ones = vec![1.0f32; features.len()];
        let offset = self.sides.users.offset_of(&features, &ones);
        let popularity = cumulative(&self.item_counts);
        let own = self.fold_own(&history, &offset, &popularity, &mut Unobserved);
        FoldedUser::composed(own, &offset, features, history)
    }

    /// Measured leave-one-out influence of each like of `history` on the folded scores of `items`:
    /// for every like j, the user is folded in again without j (same deterministic fold-in, same
    /// random streams for the other likes) and the change of each item's score is reported. This is
    /// the counterfactual "had the user not liked j", computed exactly rather than approximated;
    /// it costs one fold-in per like (run in parallel). `history` and `user_features` are cleaned
    /// as in [`Self::fold_in`]; an item of `items` out of range is an error.
    pub fn leave_one_out(
        &self,
        history: &[u32],
        user_features: &[u32],
        items: &[u32],
    ) -> Result<Vec<LeaveOneOut>, EngineError> {
        if let Some(&bad) = items.iter().find(|&&i| i as usize >= self.n_items()) {
            return Err(EngineError::Invalid(format!(
                "item index {bad} is out of range (the model has {} items)",
                self.n_items()
            )));
        }
        let full = self.fold_in(history, user_features);
        let base: Vec<f32> = items
            .iter()
            .map(|&i| self.score_item(&full.vector, i))
            .collect();
        let without: Vec<Vec<f32>> = full
            .history
            .par_iter()
            .map(|&j| {
                let rest: Vec<u32> = full.history.iter().copied().filter(|&h| h != j).collect();
                let folded = self.fold_in(&rest, &full.features);
                items
                    .iter()
                    .map(|&i| self.score_item(&folded.vector, i))
                    .collect()
            })
            .collect();
        Ok(items
            .iter()
            .enumerate()
            .map(|(t, &item)| LeaveOneOut {
                item,
                score: base[t],
                per_like: full
                    .history
                    .iter()
                    .zip(&without)
                    .map(|(&j, s)| (j, base[t] - s[t]))
                    .collect(),
            })
            .collect())
    }

    /// One item's score for a user vector, as [`Self::score_vector`] computes it.
    pub(crate) fn score_item(&self, p: &[f32], item: u32) -> f32 {
        let k = self.factors();
        let q = self.sides.items.composed.row(item as usize);
        let q = q.as_slice().expect("standard layout");
        (dot32(p, &q[..k]) + f64::from(q[k])) as f32
    }

    /// The own embedding SGD finds for `history` (sorted, in range) with the item side frozen;
    /// `observer` sees every applied step (a no-op for [`Self::fold_in`], so that path compiles to
    /// the bare loop).
    pub(super) fn fold_own(
        &self,
        history: &[u32],
        offset: &[f64],
        popularity: &[u64],
        observer: &mut impl StepObserver,
    ) -> Vec<f32> {
        let cfg = &self.config;
        let k = self.factors();
        let n_items = self.n_items();
        let q = self
            .sides
            .items
            .composed
            .as_slice()
            .expect("standard layout");
        let row = |i: u32| &q[i as usize * (k + 1)..(i as usize + 1) * (k + 1)];
        let mut own = vec![0.0f32; k];
        let mut accum = vec![1.0f32; k];
        let mut p: Vec<f32> = offset.iter().map(|&s| compose(0.0, s)).collect();
        let mut grad = vec![0.0f32; k];
        let is_positive = |j: u32| history.binary_search(&j).is_ok();
        for epoch in 0..cfg.fold_in_epochs as u64 {
            let mut order: Vec<(u64, u32, ChaCha8Rng)> = history
                .iter()
                .map(|&j| {
                    let mut rng = stream(cfg.seed, epoch, u64::from(j), TAG_FOLD);
                    (rng.next_u64(), j, rng)
                })
                .collect();
            order.sort_unstable_by_key(|o| (o.0, o.1));
            for (_, j, mut rng) in order {
                let qp = row(j);
                let s_pos = score(&p, qp);
                let (neg, weight) = match cfg.loss {
                    Loss::Warp => {
                        let found = warp_violator(
                            &mut rng,
                            n_items,
                            cfg.max_sampled,
                            s_pos,
                            is_positive,
                            |n| score(&p, row(n)),
                        );
                        match found {
                            Some((n, draws)) => (n, warp_weight(n_items, draws)),
                            None => continue,
                        }
                    }
                    Loss::Bpr => match bpr_negative(
                        &mut rng,
                        cfg.bpr_uniform_negatives,
                        n_items,
                        popularity,
                        is_positive,
                    ) {
                        Some(n) => (n, bpr_weight(s_pos - score(&p, row(n)))),
                        None => continue,
                    },
                };
                let qn = row(neg);
                for c in 0..k {
                    grad[c] = weight * (qn[c] - qp[c]);
                }
                observer.before_step(&own, &accum);
                adagrad_row(
                    &mut own,
                    &mut accum,
                    &grad,
                    1.0,
                    cfg.learning_rate,
                    cfg.user_alpha,
                );
                observer.after_step(j, &own);
                for c in 0..k {
                    p[c] = compose(own[c], offset[c]);
                }
            }
        }
        own
    }
}

/// Sees every AdaGrad step a fold-in applies to the own embedding: the embedding and the
/// accumulators just before the step, then the embedding after it, with the like being processed.
pub(super) trait StepObserver {
    fn before_step(&mut self, own: &[f32], accum: &[f32]);
    fn after_step(&mut self, like: u32, own: &[f32]);
}

/// The observer of the plain fold-in: does nothing.
pub(super) struct Unobserved;

impl StepObserver for Unobserved {
    #[inline(always)]
    fn before_step(&mut self, _: &[f32], _: &[f32]) {}
    #[inline(always)]
    fn after_step(&mut self, _: u32, _: &[f32]) {}
}
