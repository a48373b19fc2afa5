//! What-if calls: the instant refold with its moves and sentence, the incremental retrain, and
//! the minimal counterfactual set.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use super::{Engine, Profile, Rec, Retrained, TopList, WhatIf, RETRAIN_SWEEPS};
use crate::data::interactions::Positives;
use crate::engine::{EngineError, Scorer, TrainProgress};

impl Engine {
    /// The instant refold: the list without `removed`, compared with `before`.
    pub fn what_if(
        &self,
        profile: &Profile,
        before: &TopList,
        removed: &[u32],
        k: usize,
    ) -> WhatIf {
        let mut after = self.top(profile, removed, k);
        mark_moves(&mut after, before);
        let leaving = leaving(before, &after);
        let sentence = self.sentence(removed, &after, &leaving);
        WhatIf {
            removed: removed.to_vec(),
            after,
            leaving,
            sentence,
        }
    }

    fn sentence(&self, removed: &[u32], after: &TopList, leaving: &[(u32, usize)]) -> String {
        if removed.is_empty() {
            return String::new();
        }
        let names: Vec<&str> = removed.iter().map(|&i| self.title(i)).collect();
        let what = join_names(&names);
        let entering: Vec<&Rec> = after
            .recs
            .iter()
            .filter(|r| r.previous_rank.is_none())
            .collect();
        if entering.is_empty() {
            let moved = after
                .recs
                .iter()
                .filter(|r| r.previous_rank != Some(r.rank))
                .count();
            return if moved == 0 {
                format!(
                    "If you hadn't liked {what}, your top-{} would stay the same.",
                    after.recs.len()
                )
            } else {
                format!("If you hadn't liked {what}, the same films would stay but {moved} would change place.")
            };
        }
        let first = entering[0];
        let mut s = format!(
            "If you hadn't liked {what}, {} would enter at #{}",
            self.title(first.item),
            first.rank
        );
        if let Some(&(gone, rank)) = leaving.first() {
            s.push_str(&format!(
                " and {} would leave (was #{rank})",
                self.title(gone)
            ));
        }
        if entering.len() > 1 {
            s.push_str(&format!("; {} films change in all", entering.len()));
        }
        s.push('.');
        s
    }

    /// The incremental retrain: warm-starts from the trained model with the user's `removed` likes
    /// gone, runs [`RETRAIN_SWEEPS`] sweeps and ranks again. Moves are against `before` (the list
    /// without what-if); `instant` is the refold it is compared with.
    pub fn retrain(
        &self,
        profile: &Profile,
        removed: &[u32],
        before: &TopList,
        instant: &TopList,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Retrained, EngineError> {
        let user = profile
            .user
            .ok_or_else(|| EngineError::Invalid("only dataset users can be retrained".into()))?;
        let by_user = &self.positives.by_user;
        let (mut users, mut items) = (Vec::with_capacity(by_user.nnz()), Vec::new());
        for u in 0..by_user.n_rows {
            for &i in by_user.row(u) {
                if u as u32 == user && removed.contains(&i) {
                    continue;
                }
                users.push(u as u32);
                items.push(i);
            }
        }
        let changed = Positives::from_pairs(
            by_user.n_rows,
            by_user.n_cols,
            &users,
            &items,
            self.positives.threshold,
        );
        let mut model = self.model.clone();
        model.continue_training(&changed, RETRAIN_SWEEPS, progress, cancel)?;
        let mut scores = vec![0.0; model.n_items()];
        model.score_items(user, &mut scores);
        let k = instant.recs.len();
        let mut after = self.list(&scores, &profile.history, k, false);
        for r in &mut after.recs {
            r.stars = self.predicted_stars(Some(user), r.item);
        }
        mark_moves(&mut after, before);
        let same_places = after
            .recs
            .iter()
            .zip(&instant.recs)
            .filter(|(a, b)| a.item == b.item)
            .count();
        let overlap = after
            .recs
            .iter()
            .filter(|r| instant.recs.iter().any(|o| o.item == r.item))
            .count();
        Ok(Retrained {
            removed: removed.to_vec(),
            after,
            same_places,
            overlap,
            sweeps: RETRAIN_SWEEPS,
            model: Arc::new(model),
        })
    }
    /// The smallest set of likes (found greedily, strongest influence first) whose removal takes
    /// `item` out of the top `k`; `None` when removing every pushing like is not enough.
    pub fn minimal_set(
        &self,
        profile: &Profile,
        removed: &[u32],
        item: u32,
        k: usize,
    ) -> Option<Vec<u32>> {
        let mut gone = removed.to_vec();
        let mut set = Vec::new();
        let in_top = |gone: &[u32]| {
            self.top(profile, gone, k)
                .recs
                .iter()
                .any(|r| r.item == item)
        };
        if !in_top(&gone) {
            return Some(set);
        }
        let inf = self.influences(profile, removed, item);
        let mut pushing: Vec<(u32, f32)> = inf.items.into_iter().filter(|p| p.1 > 0.0).collect();
        pushing.sort_by(|a, b| b.1.total_cmp(&a.1));
        for (like, _) in pushing {
            gone.push(like);
            set.push(like);
            if !in_top(&gone) {
                return Some(set);
            }
        }
        None
    }
}

/// Fills `previous_rank` of `after` from `before`.
fn mark_moves(after: &mut TopList, before: &TopList) {
    for r in &mut after.recs {
        r.previous_rank = before
            .recs
            .iter()
            .find(|b| b.item == r.item)
            .map(|b| b.rank);
    }
}

fn leaving(before: &TopList, after: &TopList) -> Vec<(u32, usize)> {
    before
        .recs
        .iter()
        .filter(|b| !after.recs.iter().any(|a| a.item == b.item))
        .map(|b| (b.item, b.rank))
        .collect()
}

/// `A`, `A and B`, `A, B and C`.
pub(super) fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
