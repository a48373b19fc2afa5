//! Past-interaction influence: how much each like contributes to one score, and what removing the
//! most influential ones actually does.
//!
//! The shares come from the model's [`crate::engine::FactorModel::influences`]. For ALS, the exact
//! decomposition of Hu, Koren & Volinsky 2008, §5:
//! `score = Σ_j c_uj q_iᵀ W_u q_j + λ_u q_iᵀ W_u s_u`, one term per like plus one for the demographic
//! prior. For `warp`/`bpr`, the update attribution of the SGD fold-in (`engine::sgd`, `credit.rs`):
//! `score = Σ_j c_j·q_i + s_u·q_i + b_i`, one term per like, the demographic prior and the item bias.
//! Both describe the score as it is; removing a like also changes `W_u` (the SGD path), so the
//! effect of removal is *measured*: [`crate::engine::FactorModel::removal_drops`] refolds the user without
//! each like (for ALS all at once, exactly, by Sherman–Morrison) and gives the score it loses — its
//! `drop`. "Because you liked X, Y and Z" names the likes with the largest positive drops, largest
//! first; the likes are listed in that order, each with its drop and its additive share; for the
//! top likes the new rank is measured too by ranking the refolded user again.

use serde::{Deserialize, Serialize};

use super::error::ExplainResult;
use super::explainer::{Explainer, Profile};
use super::ranking::ListSource;
use super::text;
use crate::engine::Trainable;

/// How many of the top likes [`Explainer::explain_influence`] refolds without, by default.
pub const DEFAULT_MEASURED: usize = 5;
/// How many likes the "Because you liked …" sentence names at most.
pub const BECAUSE_COUNT: usize = 3;

/// One like's share of a score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LikeInfluence {
    /// Dense index of the liked item.
    pub like: u32,
    /// Its term in the exact decomposition.
    pub value: f32,
    /// `value / score` (0 when the score is 0).
    pub share: f32,
    /// Measured: the score minus the score of the user refolded without this like (not additive).
    pub drop: f32,
}

/// The measured effect of removing one like: the user refolded without it, ranked by the model's
/// scores (even when no like is left).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MeasuredRemoval {
    pub like: u32,
    pub new_score: f32,
    /// New 1-based rank among the candidates (the original likes stay excluded); `None` when the
    /// explained item is itself one of the likes.
    pub new_rank: Option<usize>,
    /// Whether the item is still in the top-k after the removal.
    pub still_recommended: bool,
}

/// Why one item scores as it does, in terms of the user's likes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfluenceExplanation {
    pub item: u32,
    pub score: f32,
    /// 1-based rank in the list the user is shown (the popularity fallback for a user without
    /// likes); `None` when the item is one of the likes.
    pub rank: Option<usize>,
    /// How the shares were computed.
    pub method: String,
    /// Every like, largest measured drop first (ties by item index).
    pub likes: Vec<LikeInfluence>,
    /// The share of the demographic prior (0 without demographic features).
    pub demographic: f32,
    /// The item bias, which no like changes (0 for models without biases, such as ALS).
    #[serde(default)]
    pub bias: f32,
    /// Measured removals of the top likes, in the order of `likes`.
    pub measured: Vec<MeasuredRemoval>,
    /// The likes the sentence names: the largest positive drops, at most [`BECAUSE_COUNT`].
    pub because: Vec<u32>,
    /// "Because you liked X, Y and Z."
    pub sentence: String,
}

impl<M: Trainable> Explainer<M> {
    /// Every like's share of a training user's score for `item`, with the top `measured` likes
    /// removed one at a time and refolded.
    pub fn explain_influence(
        &self,
        user: u32,
        item: u32,
        measured: usize,
    ) -> ExplainResult<InfluenceExplanation> {
        self.explain_influence_profile(&self.profile(user)?, item, measured)
    }

    /// [`Self::explain_influence`] for any profile.
    pub fn explain_influence_profile(
        &self,
        profile: &Profile,
        item: u32,
        measured: usize,
    ) -> ExplainResult<InfluenceExplanation> {
        self.check_profile(profile)?;
        self.check_item(item)?;
        let folded = self.fold(profile);
        let inf = self
            .model()
            .influences(&profile.likes, &profile.features, item);
        let drops = self
            .model()
            .removal_drops(&profile.likes, &profile.features, item);
        let mut likes: Vec<LikeInfluence> = inf
            .per_item
            .iter()
            .map(|&(like, value)| LikeInfluence {
                like,
                value,
                share: 0.0,
                drop: drops.iter().find(|d| d.0 == like).map_or(f32::NAN, |d| d.1),
            })
            .collect();
        likes.sort_by(|a, b| {
            let key = |l: &LikeInfluence| {
                if l.drop.is_nan() {
                    f32::NEG_INFINITY
                } else {
                    l.drop
                }
            };
            key(b).total_cmp(&key(a)).then(a.like.cmp(&b.like))
        });
        // The user as is and refolded without each of the top likes, scored in one pass over the
        // items (the same scores as one pass each).
        let removed: Vec<u32> = likes.iter().take(measured).map(|l| l.like).collect();
        let refolded: Vec<_> = removed
            .iter()
            .map(|&like| self.fold(&profile.edited(&[like], &[])))
            .collect();
        let users: Vec<_> = std::iter::once(&folded).chain(&refolded).collect();
        let mut scores = self.model().score_folded_many(&users).into_iter();
        let own = scores.next().unwrap_or_default();
        let score = own.get(item as usize).copied().unwrap_or(0.0);
        let now = self.scored_with(&folded, own, profile, &[], self.popularity());
        let share = |v: f32| if score == 0.0 { 0.0 } else { v / score };
        for l in &mut likes {
            l.share = share(l.value);
        }
        let measured = removed
            .iter()
            .zip(scores)
            .map(|(&like, scores)| {
                let after = self.rank(ListSource::Model, scores, profile, &[]);
                let new_rank = after.rank_of(item);
                MeasuredRemoval {
                    like,
                    new_score: after.score(item),
                    new_rank,
                    still_recommended: new_rank.is_some_and(|r| r <= self.k()),
                }
            })
            .collect();
        let because: Vec<u32> = likes
            .iter()
            .filter(|l| l.drop > 0.0)
            .take(BECAUSE_COUNT)
            .map(|l| l.like)
            .collect();
        let titles: Vec<String> = because.iter().map(|&j| self.label(j)).collect();
        Ok(InfluenceExplanation {
            item,
            score,
            rank: now.rank_of(item),
            method: self.model().influence_method().to_string(),
            likes,
            demographic: inf.demographic,
            bias: inf.bias,
            measured,
            sentence: text::because(&titles, &self.label(item), !profile.likes.is_empty()),
            because,
        })
    }
}
