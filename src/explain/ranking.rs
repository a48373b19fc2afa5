//! Ranked lists and how two of them agree.
//!
//! A [`TopList`] is the top-k of one score vector over the candidates (every item except the ones
//! excluded, ties broken by the lower item index, as PROTOCOL.md does). [`agreement`] compares two
//! lists by their overlap, the places where they hold the same item, and Kendall's τ-b over the union
//! of both lists with every item missing from a list placed at rank k + 1 (tied there).

use serde::{Deserialize, Serialize};

pub use crate::engine::rank::ListSource;
use crate::engine::rank::{rank_among, ranks_among, top_k_allowed};

/// One item of a ranked list.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RankedItem {
    /// Dense item index.
    pub item: u32,
    /// 1-based rank among the candidates.
    pub rank: usize,
    pub score: f32,
}

/// The top-k of one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopList {
    pub source: ListSource,
    pub items: Vec<RankedItem>,
}

impl TopList {
    /// Item indices, best first.
    pub fn item_ids(&self) -> Vec<u32> {
        self.items.iter().map(|r| r.item).collect()
    }

    /// 1-based rank of `item` within this list.
    pub fn rank_of(&self, item: u32) -> Option<usize> {
        self.items.iter().find(|r| r.item == item).map(|r| r.rank)
    }

    pub fn contains(&self, item: u32) -> bool {
        self.rank_of(item).is_some()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Scores of every item for one user with the excluded items marked: full ranks on demand.
#[derive(Debug, Clone)]
pub(crate) struct Scored {
    pub source: ListSource,
    pub scores: Vec<f32>,
    /// The candidates of `engine::rank` for these scores.
    allowed: Vec<bool>,
}

impl Scored {
    /// Scores with the candidates `allowed` (from [`crate::engine::Candidates::allowed`]).
    pub fn new(source: ListSource, scores: Vec<f32>, allowed: Vec<bool>) -> Scored {
        Scored {
            source,
            scores,
            allowed,
        }
    }

    /// The top `k` candidates.
    pub fn top(&self, k: usize) -> TopList {
        TopList {
            source: self.source,
            items: top_k_allowed(&self.scores, k, &self.allowed)
                .into_iter()
                .enumerate()
                .map(|(r, (item, score))| RankedItem {
                    item,
                    rank: r + 1,
                    score,
                })
                .collect(),
        }
    }

    /// 1-based rank of `item` among all candidates (`None` when it is excluded or out of range):
    /// one plus the number of candidates scoring higher, or equal with a lower index.
    pub fn rank_of(&self, item: u32) -> Option<usize> {
        rank_among(&self.scores, &self.allowed, item)
    }

    /// [`Self::rank_of`] of several items, in one pass over the candidates.
    pub fn ranks_of(&self, items: &[u32]) -> Vec<Option<usize>> {
        ranks_among(&self.scores, &self.allowed, items)
    }

    pub fn score(&self, item: u32) -> f32 {
        self.scores[item as usize]
    }
}

/// How much two top-k lists agree.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Agreement {
    /// Length of the lists compared (the longer one).
    pub k: usize,
    /// Items in both lists.
    pub overlap: usize,
    /// Places (1..=k) holding the same item in both lists.
    pub same_places: usize,
    /// Kendall's τ-b over the union of both lists, an item missing from a list ranked k + 1 there
    /// (1: same order; -1: reversed; 1 as well for two empty lists).
    pub kendall_tau: f64,
}

/// Compares two lists (see the module documentation for the definitions).
pub fn agreement(a: &TopList, b: &TopList) -> Agreement {
    let k = a.len().max(b.len());
    let overlap = a.items.iter().filter(|r| b.contains(r.item)).count();
    let same_places = a
        .items
        .iter()
        .zip(&b.items)
        .filter(|(x, y)| x.item == y.item)
        .count();
    let mut union: Vec<u32> = a.item_ids();
    union.extend(b.item_ids().into_iter().filter(|i| !a.contains(*i)));
    let rank = |l: &TopList, i: u32| l.rank_of(i).unwrap_or(k + 1) as f64;
    let ra: Vec<f64> = union.iter().map(|&i| rank(a, i)).collect();
    let rb: Vec<f64> = union.iter().map(|&i| rank(b, i)).collect();
    Agreement {
        k,
        overlap,
        same_places,
        kendall_tau: kendall_tau_b(&ra, &rb),
    }
}

/// Kendall's τ-b of two paired rank vectors (ties allowed); 1 when either has no untied pair and
/// the two are identical, 0 when one of them is constant and the other is not.
pub fn kendall_tau_b(a: &[f64], b: &[f64]) -> f64 {
    assert_eq!(a.len(), b.len());
    let (mut concordant, mut discordant, mut tie_a, mut tie_b) = (0i64, 0i64, 0i64, 0i64);
    for i in 0..a.len() {
        for j in i + 1..a.len() {
            let da = (a[i] - a[j]).signum() as i64 * i64::from(a[i] != a[j]);
            let db = (b[i] - b[j]).signum() as i64 * i64::from(b[i] != b[j]);
            match (da, db) {
                (0, 0) => {}
                (0, _) => tie_a += 1,
                (_, 0) => tie_b += 1,
                _ if da == db => concordant += 1,
                _ => discordant += 1,
            }
        }
    }
    let n_a = (concordant + discordant + tie_b) as f64;
    let n_b = (concordant + discordant + tie_a) as f64;
    if n_a == 0.0 || n_b == 0.0 {
        return if a == b { 1.0 } else { 0.0 };
    }
    (concordant - discordant) as f64 / (n_a * n_b).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: &[u32]) -> TopList {
        TopList {
            source: ListSource::Model,
            items: items
                .iter()
                .enumerate()
                .map(|(r, &item)| RankedItem {
                    item,
                    rank: r + 1,
                    score: 0.0,
                })
                .collect(),
        }
    }

    #[test]
    fn identical_and_reversed_lists() {
        let a = list(&[1, 2, 3, 4]);
        let same = agreement(&a, &a);
        assert_eq!((same.overlap, same.same_places), (4, 4));
        assert!((same.kendall_tau - 1.0).abs() < 1e-12);
        let rev = agreement(&a, &list(&[4, 3, 2, 1]));
        assert_eq!((rev.overlap, rev.same_places), (4, 0));
        assert!((rev.kendall_tau + 1.0).abs() < 1e-12);
    }

    #[test]
    fn missing_items_rank_after_the_list() {
        // b drops 4 and gains 9: union {1,2,3,4,9}; a ranks 9 at 5, b ranks 4 at 5.
        let ag = agreement(&list(&[1, 2, 3, 4]), &list(&[1, 2, 3, 9]));
        assert_eq!((ag.overlap, ag.same_places), (3, 3));
        // Pairs: 10; (4,9) discordant, 3 ties... tau-b strictly between 0 and 1.
        assert!(ag.kendall_tau > 0.5 && ag.kendall_tau < 1.0, "{ag:?}");
        let disjoint = agreement(&list(&[1, 2]), &list(&[3, 4]));
        assert_eq!(disjoint.overlap, 0);
        assert!(disjoint.kendall_tau < 0.0);
    }

    #[test]
    fn full_ranks_skip_excluded_items_and_break_ties_by_index() {
        let allowed = vec![true, true, true, true, false];
        let s = Scored::new(ListSource::Model, vec![1.0, 3.0, 3.0, 2.0, 5.0], allowed);
        assert_eq!(s.rank_of(1), Some(1));
        assert_eq!(s.rank_of(2), Some(2));
        assert_eq!(s.rank_of(0), Some(4));
        assert_eq!(s.rank_of(4), None);
        assert_eq!(s.rank_of(9), None);
        assert_eq!(s.top(2).item_ids(), vec![1, 2]);
    }
}
