//! Counterfactual what-ifs, instant part: "what if I hadn't liked X (and had liked K)?" answered by
//! refolding the user with the edited history against the model as it is (one k×k solve), then
//! comparing the old and new top-k: rank changes (old rank → new rank), items entering and leaving,
//! and the sentence "If you hadn't liked X, the model would recommend Y (instead of Z)."
//!
//! Candidates stay the same on both sides: every item except the user's original likes and the
//! added ones, so a removed like is not recommended back. With no like left the new list is the
//! popularity fallback of the changed interactions, labelled [`ListSource::PopularityFallback`].

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::{ExplainError, ExplainResult};
use super::explainer::{Explainer, Profile};
use super::ranking::{ListSource, Scored, TopList};
use super::text;
use crate::engine::Trainable;

/// A what-if question about one training user. Owned and `Send`: hand it to a worker thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhatIf {
    /// Dense user index.
    pub user: u32,
    /// Likes to remove (dense item indices; each must be a like of the user).
    pub remove: Vec<u32>,
    /// Items to add as likes (each must not be a like yet).
    pub add: Vec<u32>,
}

impl WhatIf {
    /// "What if `user` hadn't liked `remove`?"
    pub fn without(user: u32, remove: Vec<u32>) -> WhatIf {
        WhatIf {
            user,
            remove,
            add: Vec::new(),
        }
    }

    /// The same question with `add` liked as well.
    pub fn adding(mut self, add: Vec<u32>) -> WhatIf {
        self.add = add;
        self
    }
}

/// Where one item stands before and after a change.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankChange {
    pub item: u32,
    /// 1-based rank among the candidates before (`None`: not a candidate there).
    pub old_rank: Option<usize>,
    /// 1-based rank among the candidates after (`None`: not a candidate any more, e.g. added).
    pub new_rank: Option<usize>,
    pub old_score: f32,
    pub new_score: f32,
}

/// The answer to a what-if: the old and the new top-k and what moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIfOutcome {
    pub what_if: WhatIf,
    /// Number of likes after the change.
    pub likes_after: usize,
    pub before: TopList,
    pub after: TopList,
    /// Every item of `after`, best first, with its old rank.
    pub moves: Vec<RankChange>,
    /// Items of `after` not in `before`, best first.
    pub entering: Vec<u32>,
    /// Items of `before` not in `after`, in their old order, with their new rank.
    pub leaving: Vec<RankChange>,
    /// "If you hadn't liked X, the model would recommend Y (instead of Z)."
    pub sentence: String,
}

/// A validated what-if: the profiles before and after, the shared candidates, the changed
/// popularity (for the fallback).
#[derive(Debug, Clone)]
pub(crate) struct Edit {
    pub what_if: WhatIf,
    pub before: Profile,
    pub after: Profile,
    /// Items added by the what-if: seen as well, so never recommended back.
    pub added: Vec<u32>,
    pub popularity: Vec<f32>,
}

impl<M: Trainable> Explainer<M> {
    /// Checks a what-if: the user exists, every removed item is one of their likes, every added one
    /// is not, and something changes.
    pub(crate) fn edit(&self, what_if: &WhatIf) -> ExplainResult<Edit> {
        let before = self.profile(what_if.user)?;
        let mut w = what_if.clone();
        for list in [&mut w.remove, &mut w.add] {
            list.sort_unstable();
            list.dedup();
        }
        let user = self.catalog().user_id(w.user);
        for &i in w.remove.iter().chain(&w.add) {
            self.check_item(i)?;
        }
        let liked = |i: &&u32| before.likes.binary_search(i).is_ok();
        if let Some(&i) = w.remove.iter().find(|i| !liked(i)) {
            let (item, title) = (self.catalog().item_id(i), self.label(i));
            return Err(ExplainError::NotLiked { user, item, title });
        }
        if let Some(&i) = w.add.iter().find(liked) {
            let (item, title) = (self.catalog().item_id(i), self.label(i));
            return Err(ExplainError::AlreadyLiked { user, item, title });
        }
        if w.remove.is_empty() && w.add.is_empty() {
            return Err(ExplainError::NoChange);
        }
        let after = before.edited(&w.remove, &w.add);
        let added = w.add.clone();
        let mut popularity = self.popularity().to_vec();
        w.remove.iter().for_each(|&i| popularity[i as usize] -= 1.0);
        w.add.iter().for_each(|&i| popularity[i as usize] += 1.0);
        Ok(Edit {
            what_if: w,
            before,
            after,
            added,
            popularity,
        })
    }

    /// The candidates of the user before the change, ranked by the model as it is.
    pub(crate) fn scored_before(&self, edit: &Edit) -> Scored {
        self.scored(
            &self.fold(&edit.before),
            &edit.before,
            &[],
            self.popularity(),
        )
    }

    /// The instant answer (a): the user refolded with the edited history, the model unchanged.
    pub fn what_if(&self, what_if: &WhatIf) -> ExplainResult<WhatIfOutcome> {
        let edit = self.edit(what_if)?;
        let after = self.fold(&edit.after);
        let remembered = self.remembered_before(&edit.before);
        let (scored_before, scores_after) = match remembered {
            Some(scored) => (scored, self.model_scores(&after)),
            None => {
                // Both users scored in one pass over the items (the same scores as one pass each).
                let before = self.fold(&edit.before);
                let mut scores = self
                    .model()
                    .score_folded_many(&[&before, &after])
                    .into_iter();
                let (scores_before, scores_after) = (
                    scores.next().unwrap_or_default(),
                    scores.next().unwrap_or_default(),
                );
                let scored = Arc::new(self.scored_with(
                    &before,
                    scores_before,
                    &edit.before,
                    &[],
                    self.popularity(),
                ));
                self.remember_before(&edit.before, &scored);
                (scored, scores_after)
            }
        };
        let scored_after = self.scored_with(
            &after,
            scores_after,
            &edit.before,
            &edit.added,
            &edit.popularity,
        );
        Ok(self.outcome(&edit, &scored_before, &scored_after))
    }

    /// The ranking of the unedited history `before` when the last what-if computed it (the same
    /// fold, scores and candidates, so the same ranking bit for bit).
    fn remembered_before(&self, before: &Profile) -> Option<Arc<Scored>> {
        let cache = self.before.lock().ok()?;
        cache
            .as_ref()
            .filter(|(profile, _)| profile == before)
            .map(|(_, scored)| Arc::clone(scored))
    }

    fn remember_before(&self, before: &Profile, scored: &Arc<Scored>) {
        if let Ok(mut cache) = self.before.lock() {
            *cache = Some((before.clone(), Arc::clone(scored)));
        }
    }

    /// Compares the ranking before with one after (instant or retrained).
    pub(crate) fn outcome(&self, edit: &Edit, before: &Scored, after: &Scored) -> WhatIfOutcome {
        let k = self.k();
        let (top_before, top_after) = (before.top(k), after.top(k));
        // Every rank the outcome shows, found in one pass per ranking.
        let shown: Vec<u32> = top_after
            .items
            .iter()
            .chain(&top_before.items)
            .map(|r| r.item)
            .collect();
        let rank_map = |scored: &Scored| -> std::collections::HashMap<u32, Option<usize>> {
            shown.iter().copied().zip(scored.ranks_of(&shown)).collect()
        };
        let (old_ranks, new_ranks) = (rank_map(before), rank_map(after));
        let change = |item: u32| RankChange {
            item,
            old_rank: old_ranks.get(&item).copied().flatten(),
            new_rank: new_ranks.get(&item).copied().flatten(),
            old_score: before.score(item),
            new_score: after.score(item),
        };
        let moves: Vec<RankChange> = top_after.items.iter().map(|r| change(r.item)).collect();
        let entering: Vec<u32> = top_after
            .item_ids()
            .into_iter()
            .filter(|&i| !top_before.contains(i))
            .collect();
        let leaving: Vec<RankChange> = top_before
            .items
            .iter()
            .filter(|r| !top_after.contains(r.item))
            .map(|r| change(r.item))
            .collect();
        let titles = |v: &[u32]| v.iter().map(|&i| self.label(i)).collect::<Vec<_>>();
        let condition = text::condition(&titles(&edit.what_if.remove), &titles(&edit.what_if.add));
        let sentence = if top_after.source == ListSource::PopularityFallback {
            format!(
                "{condition}, you would have no likes left, so whyrec would fall back to the most-liked movies ({} first): not a personal recommendation.",
                top_after.items.first().map_or("none".into(), |r| self.label(r.item))
            )
        } else if let (Some(&y), Some(z)) = (entering.first(), leaving.first()) {
            let mut s = format!(
                "{condition}, the model would recommend {} (instead of {}).",
                self.label(y),
                self.label(z.item)
            );
            if entering.len() > 1 {
                s.push_str(&format!(
                    " In all, {} of your top-{k} would change.",
                    entering.len()
                ));
            }
            s
        } else if top_after.item_ids() == top_before.item_ids() {
            format!("{condition}, your top-{k} would stay exactly the same.")
        } else {
            format!("{condition}, your top-{k} would keep the same movies in a different order.")
        };
        WhatIfOutcome {
            what_if: edit.what_if.clone(),
            likes_after: edit.after.likes.len(),
            before: top_before,
            after: top_after,
            moves,
            entering,
            leaving,
            sentence,
        }
    }
}
