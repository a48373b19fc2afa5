//! The one candidate rule and the one top-k of whyrec: which movies a user can be shown, and how a
//! score vector becomes a list. Every list whyrec serves (the explorer, `recommend`, `explain`,
//! `whatif`, the parquet file, the reports) and every list it evaluates (`eval`, `trust`,
//! `fairness`, the knob) goes through [`Candidates`] — PROTOCOL.md's ranking rule 4.
//!
//! Rule [`CandidateRule::Served`], for user u:
//!
//! ```text
//! candidates(u) = catalog − seen(u) − twins(seen(u)),   then one item per twin group
//! ```
//!
//! * catalog: the items with at least one rating of any value;
//! * seen(u): every movie u rated, at any number of stars. For an evaluation split this is u's train
//!   positives plus every rating of u below the positive threshold (those are never held out, so
//!   they are known when the list is served); the held-out positives stay candidates;
//! * twins (`data::twins`): a movie listed under two ids is one film, so a rated twin excludes the
//!   other, and when both are candidates only the higher-scoring one stays (ties: lower index) — a
//!   list never shows one title twice;
//! * a what-if or a built profile adds its own items to seen(u) (`extra`): a like removed in a
//!   what-if was still seen, so it never reappears as a recommendation.
//!
//! Rule [`CandidateRule::Positives`] reproduces numbers measured before the served rule: the catalog
//! minus the train positives only, no twin handling.
//!
//! The top-k ([`top_k_allowed`]) takes the `k` highest scores among the allowed items, ties broken by
//! the lower item index, a NaN score ranking below every number; `k` beyond the number of candidates
//! gives them all, best first.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::Scorer;
use crate::data::twins::Twins;
use crate::data::{Csr, Dataset, Positives};

/// Where a list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ListSource {
    /// The model's scores for the (refolded) user.
    Model,
    /// The user has no likes left, so the model has nothing personal to say: items by number of
    /// likes (of the interactions in force), clearly not a personal recommendation.
    PopularityFallback,
}

impl ListSource {
    /// Short tag for tables and files: `model` or `popularity-fallback`.
    pub fn tag(self) -> &'static str {
        match self {
            ListSource::Model => "model",
            ListSource::PopularityFallback => "popularity-fallback",
        }
    }

    /// Human-readable label for the source.
    pub fn label(self) -> &'static str {
        match self {
            ListSource::Model => "model",
            ListSource::PopularityFallback => {
                "popularity fallback (no likes left: most-liked movies, not a personal recommendation)"
            }
        }
    }
}

/// A served list: where it came from and its items, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Served {
    pub source: ListSource,
    pub items: Vec<(u32, f32)>,
}

/// Which movies are excluded from a user's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CandidateRule {
    /// Every rated movie and its twins are excluded; one item per twin group (PROTOCOL.md rule 4).
    Served,
    /// Only the train positives are excluded (the rule before PROTOCOL.md's rule 4).
    Positives,
}

impl CandidateRule {
    /// The label every table and report carries (`protocol: served`).
    pub fn label(self) -> &'static str {
        match self {
            CandidateRule::Served => "served",
            CandidateRule::Positives => "positives",
        }
    }

    /// What the rule excludes, in one line.
    pub fn describe(self) -> &'static str {
        match self {
            CandidateRule::Served => {
                "catalog minus every movie the user rated (any stars) and its twins, one item per title"
            }
            CandidateRule::Positives => "catalog minus the user's train positives",
        }
    }
}

/// The candidates of every user of one dataset or split (see the module docs).
#[derive(Debug, Clone)]
pub struct Candidates {
    rule: CandidateRule,
    in_catalog: Vec<bool>,
    catalog_size: usize,
    twins: Twins,
    /// Per user, the items the rule removes (sorted; values unused). Shared, not copied, when it is
    /// the dataset's ratings matrix ([`Candidates::served_of`]).
    seen: Arc<Csr>,
}

impl Candidates {
    /// What a served list may hold for every user of `dataset`: seen = every rating.
    pub fn served(dataset: &Dataset) -> Candidates {
        Candidates::served_of(dataset, &Arc::new(dataset.ratings_by_user()))
    }

    /// [`Candidates::served`] with the dataset's ratings already held by user
    /// ([`Dataset::ratings_by_user`]): the matrix is shared, not copied (at ML-32M it is 256 MB).
    pub fn served_of(dataset: &Dataset, ratings: &Arc<Csr>) -> Candidates {
        Candidates::sharing(
            &dataset.catalog(),
            Twins::detect(dataset),
            Arc::clone(ratings),
            CandidateRule::Served,
        )
    }

    /// The candidates of an evaluation split whose train positives are `train`: under
    /// [`CandidateRule::Served`], seen = train positives ∪ the dataset's ratings below the threshold.
    pub fn for_split(dataset: &Dataset, train: &Positives, rule: CandidateRule) -> Candidates {
        let catalog = dataset.catalog();
        match rule {
            CandidateRule::Positives => Candidates::new(
                &catalog,
                Twins::none(dataset.n_items()),
                train.by_user.clone(),
                rule,
            ),
            CandidateRule::Served => {
                let r = &dataset.ratings;
                let (mut users, mut items) = (Vec::new(), Vec::new());
                for u in 0..train.by_user.n_rows {
                    for &i in train.by_user.row(u) {
                        users.push(u as u32);
                        items.push(i);
                    }
                }
                for k in 0..r.len() {
                    if r.rating[k] < train.threshold {
                        users.push(r.user[k]);
                        items.push(r.item[k]);
                    }
                }
                let seen = binary(dataset.n_users(), dataset.n_items(), &users, &items);
                Candidates::new(&catalog, Twins::detect(dataset), seen, rule)
            }
        }
    }

    /// From parts: `catalog` (item indices below `seen.n_cols`), twin groups and seen items per user.
    pub fn new(catalog: &[u32], twins: Twins, seen: Csr, rule: CandidateRule) -> Candidates {
        Candidates::sharing(catalog, twins, Arc::new(seen), rule)
    }

    /// [`Candidates::new`] with the seen items shared.
    fn sharing(catalog: &[u32], twins: Twins, seen: Arc<Csr>, rule: CandidateRule) -> Candidates {
        let n_items = seen.n_cols;
        let mut in_catalog = vec![false; n_items];
        for &i in catalog {
            if let Some(c) = in_catalog.get_mut(i as usize) {
                *c = true;
            }
        }
        let catalog_size = in_catalog.iter().filter(|&&c| c).count();
        Candidates {
            rule,
            in_catalog,
            catalog_size,
            twins,
            seen,
        }
    }

    /// Every item a candidate, seen = `seen` (fixtures, generated data).
    pub fn all_items(seen: Csr) -> Candidates {
        let catalog: Vec<u32> = (0..seen.n_cols as u32).collect();
        let twins = Twins::none(seen.n_cols);
        Candidates::new(&catalog, twins, seen, CandidateRule::Served)
    }

    pub fn rule(&self) -> CandidateRule {
        self.rule
    }

    pub fn n_items(&self) -> usize {
        self.in_catalog.len()
    }

    pub fn n_users(&self) -> usize {
        self.seen.n_rows
    }

    /// Number of items with at least one rating.
    pub fn catalog_size(&self) -> usize {
        self.catalog_size
    }

    /// The catalog, ascending.
    pub fn catalog(&self) -> Vec<u32> {
        (0..self.n_items() as u32)
            .filter(|&i| self.in_catalog[i as usize])
            .collect()
    }

    pub fn in_catalog(&self, item: u32) -> bool {
        self.in_catalog.get(item as usize).copied().unwrap_or(false)
    }

    pub fn twins(&self) -> &Twins {
        &self.twins
    }

    /// The items the rule removes for a known user (empty for an index out of range).
    pub fn seen(&self, user: u32) -> &[u32] {
        let u = user as usize;
        if u < self.seen.n_rows {
            self.seen.row(u)
        } else {
            &[]
        }
    }

    /// True when `item`, or one of its twins, is among `user`'s seen items or `extra`.
    pub fn is_seen(&self, user: Option<u32>, extra: &[u32], item: u32) -> bool {
        let seen = user.map_or(&[][..], |u| self.seen(u));
        self.twins
            .group_of(item)
            .iter()
            .any(|i| seen.binary_search(i).is_ok() || extra.contains(i))
    }

    /// The items `user` (a known user, or `None` for a built profile) may be shown given `scores`,
    /// with `extra` items also seen: the catalog minus seen items and their twins, and of twins that
    /// remain only the best-scoring one.
    pub fn allowed(&self, user: Option<u32>, extra: &[u32], scores: &[f32]) -> Vec<bool> {
        assert_eq!(scores.len(), self.n_items(), "one score per item");
        let mut allowed = self.in_catalog.clone();
        let seen = user.map_or(&[][..], |u| self.seen(u));
        for &i in seen.iter().chain(extra) {
            for &j in self.twins.group_of(i) {
                if let Some(a) = allowed.get_mut(j as usize) {
                    *a = false;
                }
            }
        }
        for group in self.twins.groups() {
            let best = group
                .iter()
                .copied()
                .filter(|&i| allowed[i as usize])
                .min_by(|&a, &b| by_rank((a, scores[a as usize]), (b, scores[b as usize])));
            for &i in group {
                allowed[i as usize] = Some(i) == best;
            }
        }
        allowed
    }

    /// What whyrec serves a known user: the scorer's top `k` under the rule, or — when the user
    /// has no likes, so the model has nothing personal to say — the most-liked movies
    /// (`popularity`, likes per item) under the same rule, labelled as the fallback. Every front end
    /// (`recommend`, `explain`, the explorer, the parquet file) serves this list.
    pub fn serve(
        &self,
        scorer: &dyn Scorer,
        user: u32,
        n_likes: usize,
        popularity: &[f32],
        k: usize,
    ) -> Served {
        if n_likes == 0 {
            return Served {
                source: ListSource::PopularityFallback,
                items: self.top_k(popularity, k, Some(user), &[]),
            };
        }
        let mut scores = vec![0.0; scorer.n_items()];
        scorer.score_items(user, &mut scores);
        Served {
            source: ListSource::Model,
            items: self.top_k(&scores, k, Some(user), &[]),
        }
    }

    /// The top `k` of `scores` for `user` under the rule (see [`Self::allowed`]).
    pub fn top_k(
        &self,
        scores: &[f32],
        k: usize,
        user: Option<u32>,
        extra: &[u32],
    ) -> Vec<(u32, f32)> {
        top_k_allowed(scores, k, &self.allowed(user, extra, scores))
    }
}

fn binary(n_users: usize, n_items: usize, users: &[u32], items: &[u32]) -> Csr {
    let ones = vec![1.0f32; users.len()];
    Csr::from_triplets(n_users, n_items, users, items, &ones)
}

/// A score as it ranks: NaN below every number.
fn rank_key(s: f32) -> f32 {
    if s.is_nan() {
        f32::NEG_INFINITY
    } else {
        s
    }
}

/// Ordering of (item, score) pairs best first: higher score, then lower index.
pub fn by_rank(a: (u32, f32), b: (u32, f32)) -> std::cmp::Ordering {
    rank_key(b.1).total_cmp(&rank_key(a.1)).then(a.0.cmp(&b.0))
}

/// The `k` highest scores among the items with `allowed[i]`, best first (see the module docs).
/// One pass keeping the best k in order (a new item costs one comparison with the k-th unless it
/// enters), so a top-10 over a catalog of 87k items allocates 10 entries; a large k selects.
pub fn top_k_allowed(scores: &[f32], k: usize, allowed: &[bool]) -> Vec<(u32, f32)> {
    if k == 0 {
        return Vec::new();
    }
    if k > SCAN_K {
        return top_k_by_selection(scores, k, allowed);
    }
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(k + 1);
    let n = scores.len().min(allowed.len());
    // Once k are kept, a later item enters only with a rank key strictly above the k-th's (an
    // equal key loses on its higher index; NaN ranks as −∞ and never passes `>`).
    let mut bar = f32::NAN;
    for i in 0..n {
        if best.len() == k && scores[i].partial_cmp(&bar) != Some(std::cmp::Ordering::Greater) {
            continue;
        }
        if !allowed[i] {
            continue;
        }
        let item = (i as u32, scores[i]);
        if best.len() == k && by_rank(item, best[k - 1]) != std::cmp::Ordering::Less {
            continue;
        }
        let at = best.partition_point(|&b| by_rank(b, item) == std::cmp::Ordering::Less);
        best.insert(at, item);
        best.truncate(k);
        if best.len() == k {
            bar = rank_key(best[k - 1].1);
        }
    }
    best
}

/// Up to this k, [`top_k_allowed`] scans; beyond, it selects.
const SCAN_K: usize = 64;

fn top_k_by_selection(scores: &[f32], k: usize, allowed: &[bool]) -> Vec<(u32, f32)> {
    let mut candidates: Vec<(u32, f32)> = (0..scores.len())
        .filter(|&i| allowed.get(i).copied().unwrap_or(false))
        .map(|i| (i as u32, scores[i]))
        .collect();
    let order = |a: &(u32, f32), b: &(u32, f32)| by_rank(*a, *b);
    if k < candidates.len() {
        candidates.select_nth_unstable_by(k - 1, order);
        candidates.truncate(k);
        // Give back the room of every other candidate: callers keep top lists for every user
        // (and `into_iter().map(..).collect()` would reuse this allocation), so a list of k must
        // hold k, not the catalog (at 162k users × 59k items that was 76 GB).
        candidates.shrink_to_fit();
    }
    candidates.sort_by(order);
    candidates
}

/// The `k` highest scores, skipping the items of `exclude` (no catalog, no twins: the models' own
/// `recommend` for callers that hold a plain exclusion list).
pub fn top_k(scores: &[f32], k: usize, exclude: &[u32]) -> Vec<(u32, f32)> {
    let mut allowed = vec![true; scores.len()];
    for &i in exclude {
        if let Some(a) = allowed.get_mut(i as usize) {
            *a = false;
        }
    }
    top_k_allowed(scores, k, &allowed)
}

/// 1-based rank of `item` among the allowed items (`None` when it is not allowed).
pub fn rank_among(scores: &[f32], allowed: &[bool], item: u32) -> Option<usize> {
    ranks_among(scores, allowed, &[item])[0]
}

/// [`rank_among`] of every item of `items`, in one pass over the candidates: the items are put in
/// ranking order, and each candidate is ahead of a suffix of them (found by binary search).
pub fn ranks_among(scores: &[f32], allowed: &[bool], items: &[u32]) -> Vec<Option<usize>> {
    let key = |i: u32| (i, scores[i as usize]);
    let mut order: Vec<u32> = items
        .iter()
        .copied()
        .filter(|&i| allowed.get(i as usize).copied().unwrap_or(false))
        .collect();
    order.sort_by(|&a, &b| by_rank(key(a), key(b)));
    order.dedup();
    // ahead[p]: candidates ahead of order[p] but not of order[p - 1] (then summed up).
    let mut ahead = vec![0usize; order.len() + 1];
    if let Some(&last) = order.last() {
        // A candidate whose rank key is strictly below the last item's is behind every item
        // (most of a catalog): one comparison instead of a binary search. Keys are never NaN, and
        // `<` between them implies `total_cmp`'s Less, so the skip is exact.
        let bar = rank_key(scores[last as usize]);
        for (j, (&s, _)) in scores
            .iter()
            .zip(allowed)
            .enumerate()
            .filter(|(_, (&s, &a))| a && rank_key(s) >= bar)
        {
            let me = (j as u32, s);
            let first_behind = order.partition_point(|&q| by_rank(key(q), me).is_le());
            ahead[first_behind] += 1;
        }
    }
    let mut running = 0;
    let mut rank_of = std::collections::HashMap::with_capacity(order.len());
    for (p, &q) in order.iter().enumerate() {
        running += ahead[p];
        rank_of.insert(q, running + 1);
    }
    items.iter().map(|i| rank_of.get(i).copied()).collect()
}

#[cfg(test)]
#[path = "rank_tests.rs"]
mod tests;
