//! The accuracy–coverage knob on the TUI's lists: [`crate::metrics::knob`]'s [`Reranker`] of the
//! model (item vector norms and the popularity of every positive, computed once) re-ranks a
//! user's cached model scores at any strength, so moving the knob costs one O(n_items) pass and a
//! top-10 per list. Strength 0 leaves every list as the model gives it.

use super::{AnyExplainer, Engine, ListView, Profile};
use crate::engine::{FactorModel, Scorer};
use crate::explain::{self, ListSource, RankedItem};
use crate::metrics::knob::{default_strengths, Reranker};

/// Knob positions: `steps` × 0.05, from 0 to the last strength of the Trust tab's curve.
pub const KNOB_MAX_STEPS: u32 = 16;

/// The strength of a knob position; equal to the strengths of the curve's sweep
/// ([`default_strengths`]), so every position has its point on the curve.
pub fn knob_strength(steps: u32) -> f64 {
    let all = default_strengths();
    all[(steps as usize).min(all.len() - 1)]
}

/// A user's lists seen through the knob, with the scores they come from (cached: moving the knob
/// re-ranks them without asking the model again).
#[derive(Debug, Clone, PartialEq)]
pub struct KnobLists {
    pub strength: f64,
    /// Model scores of the profile without what-if (`None`: no likes, popularity fallback).
    pub base_scores: Option<Vec<f32>>,
    /// Model scores under the current what-if (instant refold or retrained model).
    pub whatif_scores: Option<Vec<f32>>,
    /// The list without what-if at this strength (moves against the model's own list).
    pub base: ListView,
    /// The list shown: `base`, or the what-if's list at this strength (moves against `base`).
    pub shown: ListView,
    /// Items of the list `shown` is compared with that are no longer in it, with their old rank.
    pub leaving: Vec<(u32, usize)>,
}

impl Engine {
    /// The model's score of every item for a profile with these likes (`None` without likes: the
    /// list is then the popularity fallback, which the knob leaves alone).
    pub fn model_scores(
        &self,
        x: &AnyExplainer,
        likes: &[u32],
        features: &[u32],
    ) -> Option<Vec<f32>> {
        if likes.is_empty() {
            return None;
        }
        let model = x.model();
        let folded = model.fold_in(likes, features);
        let mut scores = vec![0.0; model.n_items()];
        model.score_folded(&folded, &mut scores);
        Some(scores)
    }

    /// The top-10 of `scores` re-ranked by `knob` at `strength` over the user's candidates (with
    /// `exclude` also seen); the rows carry the model's own scores (what the explanations add up
    /// to), the re-ranked scores they are sorted by, and previous ranks from `before`.
    pub fn knob_top(
        &self,
        knob: &Reranker,
        strength: f64,
        scores: &[f32],
        user: Option<u32>,
        exclude: &[u32],
        before: Option<&ListView>,
    ) -> ListView {
        let mut reranked = scores.to_vec();
        knob.apply(strength, &mut reranked);
        let items = self
            .explainer
            .candidates()
            .top_k(&reranked, self.explainer.k(), user, exclude)
            .into_iter()
            .enumerate()
            .map(|(n, (item, _))| RankedItem {
                item,
                rank: n + 1,
                score: scores[item as usize],
            })
            .collect();
        let list = explain::TopList {
            source: ListSource::Model,
            items,
        };
        let mut rows = self.rows(user, list, before);
        for r in &mut rows.recs {
            r.knob_score = Some(reranked[r.item as usize]);
        }
        rows
    }

    /// The lists of `profile` at `strength`: without what-if (against `plain`, the model's list),
    /// and under `removed` scored by `whatif` (an explainer and its knob: the engine's for the
    /// instant refold, the retrained model's after the retrain). `cached` holds scores from an
    /// earlier call that are still valid (same user; same what-if when `whatif_cached`).
    pub fn knob_lists(
        &self,
        profile: &Profile,
        plain: &ListView,
        strength: f64,
        whatif: Option<(&[u32], &AnyExplainer, &Reranker, &ListView)>,
        cached: Option<KnobLists>,
        whatif_cached: bool,
    ) -> KnobLists {
        let (base_scores, old_whatif) = match cached {
            Some(k) => (k.base_scores, k.whatif_scores.filter(|_| whatif_cached)),
            None => (
                self.model_scores(&self.explainer, &profile.likes, &profile.features),
                None,
            ),
        };
        let base = match &base_scores {
            Some(s) => self.knob_top(
                &self.knob,
                strength,
                s,
                profile.user,
                &profile.likes,
                Some(plain),
            ),
            None => plain.clone(),
        };
        let Some((removed, x, knob, unknobbed)) = whatif else {
            let leaving = leaving(plain, &base);
            return KnobLists {
                strength,
                base_scores,
                whatif_scores: None,
                shown: base.clone(),
                base,
                leaving,
            };
        };
        let whatif_scores = old_whatif.or_else(|| {
            let kept = profile.edited(removed, &[]);
            self.model_scores(x, &kept.likes, &kept.features)
        });
        let shown = match &whatif_scores {
            Some(s) => self.knob_top(knob, strength, s, profile.user, &profile.likes, Some(&base)),
            None => unknobbed.clone(),
        };
        KnobLists {
            strength,
            base_scores,
            whatif_scores,
            leaving: leaving(&base, &shown),
            base,
            shown,
        }
    }

    /// The top `k` of a dataset user by `scorer` seen through the engine's knob at `strength`
    /// (for the Compare tab's hybrid-als, which is the engine's model). A user without likes gets
    /// the popularity fallback, which the knob leaves alone — the list every other front end
    /// serves that user.
    pub fn top_by_knob(
        &self,
        scorer: &dyn crate::engine::Scorer,
        user: u32,
        strength: f64,
    ) -> ListView {
        let likes = self.positives().by_user.row(user as usize);
        if likes.is_empty() {
            return self.top_by(scorer, user, self.explainer.k());
        }
        let mut scores = vec![0.0; scorer.n_items()];
        scorer.score_items(user, &mut scores);
        self.knob_top(&self.knob, strength, &scores, Some(user), likes, None)
    }
}

/// Items of `before` that are not in `after`, with their rank in `before`.
pub fn leaving(before: &ListView, after: &ListView) -> Vec<(u32, usize)> {
    before
        .recs
        .iter()
        .filter(|r| !after.recs.iter().any(|a| a.item == r.item))
        .map(|r| (r.item, r.rank))
        .collect()
}
