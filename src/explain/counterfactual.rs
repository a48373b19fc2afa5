//! Minimal counterfactual sets (after PRINCE, Ghazimatin et al., WSDM 2020): the smallest set of a
//! user's likes whose removal drops a given recommendation out of the top-k, every candidate set
//! confirmed by refolding the user without it.
//!
//! The search is guided by the *margin influence* of each like on `score(item) − score(c)`, where
//! `c` is the best item just outside the top-k once `item` is set aside (the one `item` must fall
//! behind): for hybrid-als the measured narrowing of that gap when the like alone is removed
//! ([`crate::engine::FactorModel::margin_drops`], every like exactly at once — so the search agrees with the
//! single-removal drops "Because you liked" shows); for warp/bpr, whose refolds cost an SGD
//! fold-in each, the like's term in the exact decomposition of the gap. Then:
//!
//! 1. every single like among the `m` with the largest margin influence is tried;
//! 2. every pair among those `m`;
//! 3. otherwise greedy: remove the like with the largest margin influence, recompute the influences
//!    for the refolded user, repeat until the item leaves the top-k (at most `max_size` likes, and
//!    never all of them); then prune: drop any like whose return still leaves the item out, until
//!    none can be dropped.
//!
//! What "smallest" means ([`SetGuarantee`]): a set of one like is a smallest set outright; a set of
//! two means no single like among the top `m` works; a larger set is irreducible (putting back any
//! one of its likes brings the item back) and no single like or pair among the top `m` works, but a
//! smaller set outside the top `m` is not ruled out.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::error::{ExplainError, ExplainResult};
use super::explainer::{Explainer, Profile};
use super::ranking::{ListSource, Scored};
use super::text;
use crate::engine::Trainable;

/// Settings of the counterfactual search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchOptions {
    /// `m`: how many of the most influential likes are tried singly and in pairs.
    pub candidates: usize,
    /// The largest set the greedy phase builds.
    pub max_size: usize,
}

impl Default for SearchOptions {
    fn default() -> Self {
        SearchOptions {
            candidates: 10,
            max_size: 50,
        }
    }
}

/// What is known about the size of a found set (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum SetGuarantee {
    /// One like: no smaller set exists.
    Smallest,
    /// Two likes: no single like among the `candidates` most influential ones works.
    NoSingleAmongTop { candidates: usize },
    /// Found greedily and pruned: irreducible; no single like or pair among the top `candidates`
    /// works.
    Irreducible { candidates: usize },
    /// No proper subset of the likes of at most `max_size` likes was found.
    NotFound { max_size: usize },
}

/// A minimal counterfactual set for one recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualSet {
    pub user: u32,
    pub item: u32,
    /// Rank of the item before (within the top-k).
    pub rank_before: usize,
    /// The likes to remove, most influential first (empty when not found).
    pub removed: Vec<u32>,
    /// The `m` likes with the largest margin influence, largest first: every single one and every
    /// pair of them was tried (all the likes when the user has at most `m`).
    pub candidates: Vec<u32>,
    pub guarantee: SetGuarantee,
    /// Rank of the item once `removed` is gone (> k when found).
    pub rank_after: Option<usize>,
    /// The best item entering the top-k in its place.
    pub replacement: Option<u32>,
    /// Candidate sets the search confirmed or rejected by refolding (a cost measure).
    pub sets_checked: usize,
    /// "If you hadn't liked X and Y, Z would leave your top-10 (W would take its place)."
    pub sentence: String,
}

/// Result of one refold check.
struct Check {
    rank: usize,
    replacement: Option<u32>,
}

impl<M: Trainable> Explainer<M> {
    /// The minimal set of `user`'s likes whose removal drops `item` out of their top-k.
    pub fn minimal_counterfactual(
        &self,
        user: u32,
        item: u32,
        options: &SearchOptions,
    ) -> ExplainResult<CounterfactualSet> {
        let profile = self.profile(user)?;
        self.check_item(item)?;
        let k = self.k();
        let before = self.scored(&self.fold(&profile), &profile, &[], self.popularity());
        let top_before = before.top(k).item_ids();
        let rank_before = before.rank_of(item).filter(|&r| r <= k);
        let Some(rank_before) = rank_before else {
            return Err(ExplainError::NotRecommended {
                user: self.catalog().user_id(user),
                item: self.catalog().item_id(item),
                title: self.label(item),
                k,
                rank: before
                    .rank_of(item)
                    .map_or("nowhere: it is one of the likes".into(), text::ordinal),
            });
        };
        let verdict = |scored: &Scored| -> Option<Check> {
            let rank = scored.rank_of(item)?;
            (rank > k).then(|| Check {
                rank,
                replacement: scored
                    .top(k)
                    .item_ids()
                    .into_iter()
                    .find(|i| !top_before.contains(i)),
            })
        };
        let check = |removed: &[u32]| verdict(&self.refolded(&profile, removed));
        let mut refolds = 0usize;
        let m = options.candidates.max(1);
        let searchable = before.source == ListSource::Model && profile.likes.len() >= 2;
        let candidates: Vec<u32> = if searchable {
            let order = self.margin_order(&profile, &[], item, &before);
            order.into_iter().take(m).collect()
        } else {
            Vec::new()
        };
        // Singles, then pairs, among the candidates (never the whole history).
        let mut sets: Vec<Vec<u32>> = candidates.iter().map(|&j| vec![j]).collect();
        let n_singles = sets.len();
        for a in 0..candidates.len() {
            for b in a + 1..candidates.len() {
                sets.push(vec![candidates[a], candidates[b]]);
            }
        }
        sets.retain(|s| s.len() < profile.likes.len());
        let mut found = None;
        for phase in [
            &sets[..n_singles.min(sets.len())],
            &sets[n_singles.min(sets.len())..],
        ] {
            refolds += phase.len();
            let checks: Vec<Option<Check>> = phase.par_iter().map(|s| check(s)).collect();
            found = checks.into_iter().zip(phase).find_map(|(c, set)| {
                let g = match set.len() {
                    1 => SetGuarantee::Smallest,
                    _ => SetGuarantee::NoSingleAmongTop { candidates: m },
                };
                c.map(|c| (set.clone(), c, g))
            });
            if found.is_some() {
                break;
            }
        }
        if found.is_none() && searchable {
            let search = Greedy {
                profile: &profile,
                item,
                max_size: options.max_size,
                verdict: &verdict,
            };
            let g = SetGuarantee::Irreducible { candidates: m };
            found = self
                .greedy(&search, &before, &mut refolds)
                .map(|(set, c)| (set, c, g));
        }
        let (removed, check, guarantee) = match found {
            Some((set, c, g)) => (set, Some(c), g),
            None => (
                Vec::new(),
                None,
                SetGuarantee::NotFound {
                    max_size: options.max_size,
                },
            ),
        };
        let titles: Vec<String> = removed.iter().map(|&j| self.label(j)).collect();
        let sentence = match &check {
            Some(c) => format!(
                "{}, {} would leave your top-{k} (it would rank {}{}).",
                text::condition(&titles, &[]),
                self.label(item),
                text::ordinal(c.rank),
                c.replacement
                    .map_or(String::new(), |r| format!("; {} would take its place", self.label(r)))
            ),
            None => format!(
                "No set of up to {} of your likes (short of all of them) takes {} out of your top-{k}.",
                options.max_size,
                self.label(item)
            ),
        };
        Ok(CounterfactualSet {
            user,
            item,
            rank_before,
            removed,
            candidates,
            guarantee,
            rank_after: check.as_ref().map(|c| c.rank),
            replacement: check.and_then(|c| c.replacement),
            sets_checked: refolds,
            sentence,
        })
    }

    /// The user refolded without `removed`, ranked by the model's scores over the original
    /// candidates.
    fn refolded(&self, profile: &Profile, removed: &[u32]) -> Scored {
        let folded = self.fold(&profile.edited(removed, &[]));
        self.rank(ListSource::Model, self.model_scores(&folded), profile, &[])
    }

    /// The likes left after `removed`, by margin influence on `item` (largest first, ties by
    /// item); `scored` ranks the user without `removed`.
    fn margin_order(
        &self,
        profile: &Profile,
        removed: &[u32],
        item: u32,
        scored: &Scored,
    ) -> Vec<u32> {
        let now = profile.edited(removed, &[]);
        let competitor = scored
            .top(self.k() + 1)
            .item_ids()
            .into_iter()
            .filter(|&i| i != item)
            .nth(self.k() - 1);
        let model = self.model();
        // Measured where the model can refold every like at once (hybrid-als): how much each
        // removal narrows the gap to the rival; else the additive shares of that gap.
        if let Some(mut margins) =
            competitor.and_then(|c| model.margin_drops(&now.likes, &now.features, item, c))
        {
            margins.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            return margins.into_iter().map(|p| p.0).collect();
        }
        let on_item = model.influences(&now.likes, &now.features, item).per_item;
        let on_rival = competitor.map(|c| model.influences(&now.likes, &now.features, c).per_item);
        let mut margins: Vec<(u32, f32)> = on_item
            .iter()
            .enumerate()
            .map(|(n, &(j, v))| (j, v - on_rival.as_ref().map_or(0.0, |r| r[n].1)))
            .collect();
        margins.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        margins.into_iter().map(|p| p.0).collect()
    }

    /// Greedy growth by margin influence (recomputed after every removal), then pruning to an
    /// irreducible set. `before` ranks the user with every like.
    fn greedy(
        &self,
        g: &Greedy<'_>,
        before: &Scored,
        refolds: &mut usize,
    ) -> Option<(Vec<u32>, Check)> {
        let limit = g.max_size.min(g.profile.likes.len() - 1);
        let mut set: Vec<u32> = Vec::new();
        let mut scored = before.clone();
        let mut last = loop {
            if set.len() >= limit {
                return None;
            }
            let next = *self
                .margin_order(g.profile, &set, g.item, &scored)
                .first()?;
            set.push(next);
            scored = self.refolded(g.profile, &set);
            *refolds += 1;
            if let Some(c) = (g.verdict)(&scored) {
                break c;
            }
        };
        // Prune: try putting back each like (latest additions first) until a full pass puts none
        // back, so that the set is irreducible.
        loop {
            let mut pruned = false;
            let mut n = set.len();
            while n > 0 && set.len() > 1 {
                n -= 1;
                let mut smaller = set.clone();
                smaller.remove(n);
                *refolds += 1;
                if let Some(c) = (g.verdict)(&self.refolded(g.profile, &smaller)) {
                    set = smaller;
                    last = c;
                    pruned = true;
                }
            }
            if !pruned {
                return Some((set, last));
            }
        }
    }
}

/// What the greedy phase works on.
struct Greedy<'a> {
    profile: &'a Profile,
    item: u32,
    max_size: usize,
    verdict: &'a (dyn Fn(&Scored) -> Option<Check> + Sync),
}
