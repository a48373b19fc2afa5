//! Stability of top lists (PROTOCOL.md, "Trust metrics"): how much a user's top-10 changes when a
//! random 10% (at least 1) of the train positives is dropped, and between two trainings that
//! differ only in their seed.
//!
//! One perturbation serves both variants: a ChaCha8 generator seeded by the report's seed (stream
//! 1, so that its draws are not those of the holdout split, which uses stream 0) walks the users in ascending index order and picks ⌊0.1 n + ½⌋ (at least 1) of each user's n sorted train
//! positives by a partial Fisher–Yates shuffle. "Refold" keeps the model fixed and refolds each
//! evaluated user from the reduced history; "retrain" trains a new model (same seed) on everybody's
//! reduced history at once. Before and after, the top-10 is drawn from the same candidates — the
//! catalog minus the user's *original* train positives — so a dropped item cannot come back as a
//! "new" recommendation and only the ranking's own movement is measured.

use crate::engine::rank::top_k_allowed;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::lists::{jaccard, mean, percentile};
use crate::data::Positives;
use crate::metrics::eval_data::EvalData;

/// PROTOCOL.md's share of train positives dropped.
pub const DROP_FRACTION: f64 = 0.1;

/// Mean and 10th percentile of per-user Jaccard@k.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stability {
    pub mean: f64,
    /// Nearest-rank 10th percentile over the users.
    pub p10: f64,
    pub users: usize,
    /// Users whose reduced history was empty (they had a single train positive).
    pub emptied: usize,
}

impl Stability {
    /// Summary of per-user values (`emptied` left at 0; mean and p10 are 0 without values).
    pub fn of(values: &[f64]) -> Stability {
        Stability {
            mean: mean(values),
            p10: if values.is_empty() {
                0.0
            } else {
                percentile(values, 0.1)
            },
            users: values.len(),
            emptied: 0,
        }
    }
}

/// Number of positives dropped from a history of `n`: ⌊fraction·n + ½⌋, at least 1 (when n ≥ 1
/// and fraction > 0); a fraction of 0 drops nothing (a control).
pub fn drop_count(n: usize, fraction: f64) -> usize {
    if n == 0 || fraction <= 0.0 {
        0
    } else {
        ((fraction * n as f64).round() as usize).clamp(1, n)
    }
}

/// The dropped positives of every user and the train positives that remain.
#[derive(Debug, Clone)]
pub struct Perturbation {
    /// Dropped items per user (sorted).
    pub dropped: Vec<Vec<u32>>,
    /// Reduced histories per user (sorted).
    pub kept: Vec<Vec<u32>>,
}

impl Perturbation {
    /// Drops `drop_count(n, fraction)` of every user's train positives, seeded by `seed`.
    pub fn draw(train: &Positives, fraction: f64, seed: u64) -> Perturbation {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(1);
        let mut dropped = Vec::with_capacity(train.by_user.n_rows);
        let mut kept = Vec::with_capacity(train.by_user.n_rows);
        for u in 0..train.by_user.n_rows {
            let mut row = train.by_user.row(u).to_vec();
            let m = drop_count(row.len(), fraction);
            // rand 0.8 moves the chosen elements to the end and returns them first.
            let (chosen, rest) = row.partial_shuffle(&mut rng, m);
            let mut d = chosen.to_vec();
            let mut k = rest.to_vec();
            d.sort_unstable();
            k.sort_unstable();
            dropped.push(d);
            kept.push(k);
        }
        Perturbation { dropped, kept }
    }

    /// The reduced train positives of everybody, as one matrix (for retraining).
    pub fn kept_positives(&self, train: &Positives) -> Positives {
        let mut users = Vec::new();
        let mut items = Vec::new();
        for (u, row) in self.kept.iter().enumerate() {
            users.extend(std::iter::repeat_n(u as u32, row.len()));
            items.extend_from_slice(row);
        }
        Positives::from_pairs(
            train.by_user.n_rows,
            train.by_user.n_cols,
            &users,
            &items,
            train.threshold,
        )
    }

    /// How many of `users` lost their whole history.
    pub fn emptied(&self, users: &[u32]) -> usize {
        users
            .iter()
            .filter(|&&u| {
                let u = u as usize;
                self.kept.get(u).is_some_and(|k| k.is_empty())
                    && self.dropped.get(u).is_some_and(|d| !d.is_empty())
            })
            .count()
    }
}

/// The top `k` of `scores` among the catalog minus `exclude` (sorted), best first, ties by the
/// lower item index, a NaN score ranking below every number — the rule of `evaluate_ranking`.
pub fn top_of(scores: &[f32], catalog: &[u32], exclude: &[u32], k: usize) -> Vec<u32> {
    let mut allowed = vec![false; scores.len()];
    for &i in catalog {
        if let Some(a) = allowed.get_mut(i as usize) {
            *a = exclude.binary_search(&i).is_err();
        }
    }
    top_k_allowed(scores, k, &allowed)
        .into_iter()
        .map(|c| c.0)
        .collect()
}

/// Every user's top `k` over the user's candidates in `data` (`engine::rank`), with
/// `score(user, out)` filling a score per item. Parallel; the order of `users` is kept.
pub fn top_lists(
    data: &EvalData,
    users: &[u32],
    k: usize,
    score: impl Fn(u32, &mut [f32]) + Sync,
) -> Vec<Vec<u32>> {
    users
        .par_iter()
        .map_init(
            || vec![0f32; data.n_items],
            |buf, &u| {
                buf.fill(0.0);
                score(u, buf);
                data.candidates
                    .top_k(buf, k, Some(u), &[])
                    .into_iter()
                    .map(|c| c.0)
                    .collect()
            },
        )
        .collect()
}

/// Per-user Jaccard of two aligned families of lists.
pub fn jaccards(before: &[Vec<u32>], after: &[Vec<u32>]) -> Vec<f64> {
    before
        .iter()
        .zip(after)
        .map(|(a, b)| jaccard(a, b))
        .collect()
}
