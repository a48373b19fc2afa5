//! What-if calls, all answered by the explain layer: the instant refold with its moves and
//! sentence, the incremental retrain (worker thread, progress, cancel) with its agreement with the
//! refold, and the minimal counterfactual set.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::{AnyExplainer, Engine, ListView, PlaceDifference, Profile, RetrainView, WhatIfView};
use crate::engine::{AnyFactorModel, FactorModel, Scorer, TrainProgress};
use crate::explain::{self, SearchOptions, DEFAULT_INCREMENTAL_SWEEPS};
use crate::metrics::knob::{popularity, Reranker};

/// Sweeps of the incremental retrain after a what-if.
pub const RETRAIN_SWEEPS: usize = DEFAULT_INCREMENTAL_SWEEPS;

/// The minimal counterfactual set of one recommendation, as the screen says it.
#[derive(Debug, Clone, PartialEq)]
pub struct MinimalSet {
    pub item: u32,
    /// The likes whose removal drops the item (empty when none was found or on error).
    pub removed: Vec<u32>,
    /// The explain layer's sentence, or why there is none.
    pub sentence: String,
}

impl Engine {
    fn outcome(
        &self,
        x: &AnyExplainer,
        profile: &Profile,
        removed: &[u32],
    ) -> Result<explain::WhatIfOutcome, String> {
        let user = profile
            .user
            .ok_or_else(|| "what-ifs need a dataset user".to_string())?;
        x.what_if(&explain::WhatIf::without(user, removed.to_vec()))
            .map_err(|e| e.to_string())
    }

    /// The instant refold: the list without `removed`, with moves against `before`.
    pub fn what_if(&self, profile: &Profile, before: &ListView, removed: &[u32]) -> WhatIfView {
        match self.outcome(&self.explainer, profile, removed) {
            Ok(o) => WhatIfView {
                removed: removed.to_vec(),
                after: self.rows(profile.user, o.after, Some(before)),
                leaving: o
                    .leaving
                    .iter()
                    .filter_map(|c| Some((c.item, c.old_rank?)))
                    .collect(),
                sentence: o.sentence,
            },
            Err(e) => WhatIfView {
                removed: removed.to_vec(),
                after: before.clone(),
                leaving: Vec::new(),
                sentence: e,
            },
        }
    }

    /// The incremental retrain of a dataset user's what-if: [`RETRAIN_SWEEPS`] more sweeps on the
    /// changed interactions, the user's new top-10 (moves against `before`) and its agreement with
    /// the `instant` refold.
    pub fn retrain(
        &self,
        profile: &Profile,
        removed: &[u32],
        before: &ListView,
        instant: &ListView,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<RetrainView, String> {
        let user = profile
            .user
            .ok_or_else(|| "only dataset users can be retrained".to_string())?;
        let what_if = explain::WhatIf::without(user, removed.to_vec());
        let limit = self.model().incremental_sweeps(RETRAIN_SWEEPS);
        let mut ran = 0;
        let model = self
            .explainer
            .retrained_incremental_model(
                &what_if,
                limit,
                &mut |p| {
                    ran = p.sweep;
                    progress(p)
                },
                cancel,
            )
            .map_err(|e| e.to_string())?;
        let knob = Reranker::for_model(&model, &popularity(self.positives()), self.knob.path);
        let edited: Vec<u32> = profile
            .likes
            .iter()
            .copied()
            .filter(|i| !removed.contains(i))
            .collect();
        let score_all = |m: &AnyFactorModel| {
            let folded = m.fold_in(&edited, &profile.features);
            let mut scores = vec![0.0f32; m.n_items()];
            m.score_folded(&folded, &mut scores);
            scores
        };
        let (instant_scores, retrain_scores) =
            (score_all(self.explainer.model()), score_all(&model));
        // The original list against the retrained model's: the list, sentence and leaving items
        // the screen shows once the retrain replaces the instant answer.
        let outcome = self
            .explainer
            .outcome_under(&what_if, &model)
            .map_err(|e| e.to_string())?;
        // Over the original interactions and the same candidates (the served rule: no rated movie,
        // no twin), so explanations of the retrained list add up to its scores.
        let retrained = AnyExplainer::new(
            model,
            self.explainer.positives().clone(),
            self.explainer.catalog().clone(),
        )
        .and_then(|x| x.with_candidates(self.explainer.candidates().clone()))
        .map_err(|e| e.to_string())?
        .with_k(self.explainer.k());
        let agreement = explain::agreement(&instant.source, &outcome.after);
        let differences = instant
            .source
            .items
            .iter()
            .zip(&outcome.after.items)
            .filter(|(a, b)| a.item != b.item)
            .map(|(a, b)| {
                let (i, r) = (a.item as usize, b.item as usize);
                PlaceDifference {
                    rank: a.rank,
                    instant: a.item,
                    retrained: b.item,
                    instant_gap: instant_scores[i] - instant_scores[r],
                    retrain_gap: retrain_scores[r] - retrain_scores[i],
                }
            })
            .collect();
        Ok(RetrainView {
            removed: removed.to_vec(),
            after: self.rows(profile.user, outcome.after, Some(before)),
            sentence: outcome.sentence,
            leaving: outcome
                .leaving
                .iter()
                .filter_map(|c| Some((c.item, c.old_rank?)))
                .collect(),
            differences,
            same_places: agreement.same_places,
            overlap: agreement.overlap,
            kendall_tau: agreement.kendall_tau,
            sweeps: ran,
            explainer: Arc::new(retrained),
            knob,
        })
    }

    /// The minimal set of the user's likes whose removal drops `item` out of their top-10.
    pub fn minimal_set(&self, profile: &Profile, item: u32) -> MinimalSet {
        let found = profile
            .user
            .ok_or_else(|| "minimal sets need a dataset user".to_string())
            .and_then(|u| {
                self.explainer
                    .minimal_counterfactual(u, item, &SearchOptions::default())
                    .map_err(|e| e.to_string())
            });
        match found {
            Ok(set) => MinimalSet {
                item,
                removed: set.removed,
                sentence: set.sentence,
            },
            Err(e) => MinimalSet {
                item,
                removed: Vec::new(),
                sentence: e,
            },
        }
    }
}
