//! The one place the TUI asks the engine for answers: top-k lists, the instant refold of a what-if,
//! the incremental retrain, score attributions, past-like influences and minimal counterfactual
//! sets. Every number and sentence the screens show comes from here; the screens only format.
//!
//! Until the `explain` layer lands this module calls [`HybridModel`] directly (fold-in,
//! decompositions, influences, continue_training); it is meant to become a thin wrapper over
//! `crate::explain` without the screens changing.

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use crate::data::interactions::{
    item_genre_features, user_demographic_features, Positives, DEFAULT_POSITIVE_THRESHOLD,
};
use crate::data::split::Interaction;
use crate::data::Dataset;
use crate::engine::rating::{BiasBaseline, BiasConfig};
use crate::engine::lineup::RankingModel;
use crate::engine::{top_k, EngineError, FoldedUser, HybridModel, Scorer, TrainProgress};

/// Sweeps of the incremental retrain after a what-if.
pub const RETRAIN_SWEEPS: usize = 2;

/// Everything loaded once at start-up: the data, the trained model and what the screens look up.
pub struct Engine {
    pub dataset: Dataset,
    pub model: HybridModel,
    pub positives: Positives,
    /// Predicted stars (μ + b_u + b_i) for the "★" column.
    stars: BiasBaseline,
}

/// A history to recommend for: a dataset user's likes, or one built in the Build-a-user tab.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    /// Dense user index when this is a dataset user (the retrain needs it).
    pub user: Option<u32>,
    /// Liked items (dense indices, ascending).
    pub history: Vec<u32>,
    /// Demographic feature indices.
    pub features: Vec<u32>,
}

/// One recommended item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rec {
    pub item: u32,
    /// 1-based rank.
    pub rank: usize,
    pub score: f32,
    /// Predicted stars on the dataset's scale.
    pub stars: f32,
    /// Number of positives the item has in the data.
    pub popularity: usize,
    /// Rank before the current what-if (`None`: entered the list); equal to `rank` without one.
    pub previous_rank: Option<usize>,
}

/// A top-k list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopList {
    pub recs: Vec<Rec>,
    /// The history was empty: the list is the most popular items.
    pub popularity_fallback: bool,
}

/// The instant answer to "what if I hadn't liked these?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIf {
    pub removed: Vec<u32>,
    /// The list under the what-if, with `previous_rank` filled in.
    pub after: TopList,
    /// Items of the original list that left it, with their old rank.
    pub leaving: Vec<(u32, usize)>,
    /// One sentence saying what changed.
    pub sentence: String,
}

/// The incremental retrain's answer to the same question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Retrained {
    pub removed: Vec<u32>,
    pub after: TopList,
    /// Places (rank positions) where the retrain and the instant refold put the same item.
    pub same_places: usize,
    /// Items the two lists share.
    pub overlap: usize,
    pub sweeps: usize,
}

/// Signed parts of one score that add up to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Attribution {
    /// (label, value): `collaborative`, one per genre of the item, `demographic`.
    pub parts: Vec<(String, f32)>,
    pub score: f32,
}

/// How much each past like pushes one score (exact for the refolded user).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influences {
    /// (history item, influence), largest magnitude first.
    pub items: Vec<(u32, f32)>,
    pub demographic: f32,
    pub score: f32,
    /// "Because you liked …" (empty when no like pushes the item up).
    pub sentence: String,
}

impl Engine {
    /// Assembles the engine; fits the star predictor on every rating.
    pub fn new(dataset: Dataset, model: HybridModel) -> Engine {
        let positives = Positives::from_dataset(&dataset, DEFAULT_POSITIVE_THRESHOLD);
        let r = &dataset.ratings;
        let all: Vec<Interaction> = (0..r.len())
            .map(|k| Interaction {
                user: r.user[k],
                item: r.item[k],
                rating: r.rating[k],
                timestamp: r.timestamp[k],
            })
            .collect();
        let stars = BiasBaseline::fit(
            &all,
            dataset.n_users(),
            dataset.n_items(),
            &BiasConfig::default(),
        );
        Engine {
            dataset,
            model,
            positives,
            stars,
        }
    }

    /// Title with year, e.g. `Heat (1995)` (MovieLens titles carry the year already).
    pub fn title(&self, item: u32) -> &str {
        &self.dataset.items.titles[item as usize]
    }

    /// Number of positives of an item.
    pub fn popularity(&self, item: u32) -> usize {
        self.positives.by_item.row_len(item as usize)
    }

    /// The likes and demographic features of a dataset user.
    pub fn profile_of(&self, user: u32) -> Profile {
        Profile {
            user: Some(user),
            history: self.positives.by_user.row(user as usize).to_vec(),
            features: self.model.user_features_of(user).to_vec(),
        }
    }

    /// A profile built from liked items only (no demographics).
    pub fn profile_from_likes(&self, likes: &[u32]) -> Profile {
        let mut history: Vec<u32> = likes.to_vec();
        history.sort_unstable();
        history.dedup();
        Profile {
            user: None,
            history,
            features: Vec::new(),
        }
    }

    fn folded(&self, profile: &Profile, removed: &[u32]) -> FoldedUser {
        let kept: Vec<u32> = profile
            .history
            .iter()
            .copied()
            .filter(|i| !removed.contains(i))
            .collect();
        self.model.fold_in(&kept, &profile.features)
    }

    fn list(&self, scores: &[f32], exclude: &[u32], k: usize, fallback: bool) -> TopList {
        let recs = top_k(scores, k, exclude)
            .into_iter()
            .enumerate()
            .map(|(r, (item, score))| Rec {
                item,
                rank: r + 1,
                score,
                stars: self.predicted_stars(None, item),
                popularity: self.popularity(item),
                previous_rank: Some(r + 1),
            })
            .collect();
        TopList {
            recs,
            popularity_fallback: fallback,
        }
    }

    fn predicted_stars(&self, user: Option<u32>, item: u32) -> f32 {
        let s = match user {
            Some(u) => self.stars.baseline(u, item),
            None => self.stars.mean + self.stars.item_bias[item as usize],
        };
        self.dataset.scale.clip(s)
    }

    /// The top `k` for a profile with `removed` taken out of its history. Everything the profile
    /// liked (removed or not) is excluded; an empty history falls back to popularity.
    pub fn top(&self, profile: &Profile, removed: &[u32], k: usize) -> TopList {
        let folded = self.folded(profile, removed);
        let mut scores = vec![0.0; self.model.n_items()];
        let fallback = folded.is_empty();
        if fallback {
            for (i, s) in scores.iter_mut().enumerate() {
                *s = self.popularity(i as u32) as f32;
            }
        } else {
            self.model.score_folded(&folded, &mut scores);
        }
        let mut list = self.list(&scores, &profile.history, k, fallback);
        for r in &mut list.recs {
            r.stars = self.predicted_stars(profile.user, r.item);
        }
        list
    }

    /// The instant refold: the list without `removed`, compared with `before`.
    pub fn what_if(&self, profile: &Profile, before: &TopList, removed: &[u32], k: usize) -> WhatIf {
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
                format!("If you hadn't liked {what}, your top-{} would stay the same.", after.recs.len())
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
            s.push_str(&format!(" and {} would leave (was #{rank})", self.title(gone)));
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
        })
    }

    /// Splits the refolded score of `item` into collaborative, per-genre and demographic parts.
    pub fn attribution(&self, profile: &Profile, removed: &[u32], item: u32) -> Attribution {
        let folded = self.folded(profile, removed);
        let mut collaborative = 0.0;
        let mut demographic = 0.0;
        let mut genres: Vec<(String, f32)> = Vec::new();
        for t in self.model.decompose_folded(&folded, item) {
            if t.user_part != "own" {
                demographic += t.value;
            } else if t.item_part == "own" {
                collaborative += t.value;
            } else {
                let name = t.item_part.strip_prefix("genre:").unwrap_or(&t.item_part);
                genres.push((name.to_string(), t.value));
            }
        }
        let mut parts = vec![("collaborative".to_string(), collaborative)];
        parts.extend(genres);
        if !folded.features.is_empty() {
            parts.push(("demographic".to_string(), demographic));
        }
        let score = parts.iter().map(|p| p.1).sum();
        Attribution { parts, score }
    }

    /// The influence of every remaining like on the refolded score of `item`, and the "Because you
    /// liked …" sentence naming the (up to three) likes that push it most.
    pub fn influences(&self, profile: &Profile, removed: &[u32], item: u32) -> Influences {
        let folded = self.folded(profile, removed);
        let inf = self.model.influences(&folded.history, &folded.features, item);
        let mut items = inf.per_item;
        items.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.cmp(&b.0)));
        let mut pushing: Vec<&(u32, f32)> = items.iter().filter(|p| p.1 > 0.0).collect();
        pushing.sort_by(|a, b| b.1.total_cmp(&a.1));
        let names: Vec<&str> = pushing.iter().take(3).map(|p| self.title(p.0)).collect();
        let sentence = if names.is_empty() {
            String::new()
        } else {
            format!("Because you liked {}.", join_names(&names))
        };
        Influences {
            items,
            demographic: inf.demographic,
            score: inf.total,
            sentence,
        }
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
        let in_top = |gone: &[u32]| self.top(profile, gone, k).recs.iter().any(|r| r.item == item);
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

/// The models of the Compare tab, in column order. hybrid-als is the engine's own model.
pub const COMPARED: [RankingModel; 3] = [
    RankingModel::Popularity,
    RankingModel::HybridAls,
    RankingModel::Als,
];

impl Engine {
    /// Trains the Compare tab's models on every positive (hybrid-als is reused); `progress` hears
    /// (fraction, label).
    pub fn comparison_models(
        &self,
        progress: &mut dyn FnMut(f32, String),
        cancel: &AtomicBool,
    ) -> Result<Vec<(String, Box<dyn Scorer>)>, EngineError> {
        let items = item_genre_features(&self.dataset);
        let users = user_demographic_features(&self.dataset);
        let mut out: Vec<(String, Box<dyn Scorer>)> = Vec::new();
        for (n, m) in COMPARED.into_iter().enumerate() {
            let base = n as f32 / COMPARED.len() as f32;
            progress(base, format!("training {m}"));
            let scorer: Box<dyn Scorer> = if m == RankingModel::HybridAls {
                Box::new(self.model.clone())
            } else {
                m.fit(
                    &self.positives,
                    Some(&items),
                    users.as_ref(),
                    self.model.config().seed,
                    &mut |p| {
                        let f = base + p.sweep as f32 / p.sweeps.max(1) as f32 / COMPARED.len() as f32;
                        progress(f, format!("training {m}: sweep {} of {}", p.sweep, p.sweeps));
                    },
                    cancel,
                )?
            };
            out.push((m.name().to_string(), scorer));
        }
        Ok(out)
    }

    /// The top `k` of a dataset user by any model, excluding the user's likes.
    pub fn top_by(&self, scorer: &dyn Scorer, user: u32, k: usize) -> TopList {
        let mut scores = vec![0.0; scorer.n_items()];
        scorer.score_items(user, &mut scores);
        let mut list = self.list(&scores, self.positives.by_user.row(user as usize), k, false);
        for r in &mut list.recs {
            r.stars = self.predicted_stars(Some(user), r.item);
        }
        list
    }
}

/// For every list, the number of its items each list shares with it (`[a][b]`).
pub fn overlaps(lists: &[&TopList]) -> Vec<Vec<usize>> {
    lists
        .iter()
        .map(|a| {
            lists
                .iter()
                .map(|b| a.recs.iter().filter(|r| b.recs.iter().any(|o| o.item == r.item)).count())
                .collect()
        })
        .collect()
}

/// Fills `previous_rank` of `after` from `before`.
fn mark_moves(after: &mut TopList, before: &TopList) {
    for r in &mut after.recs {
        r.previous_rank = before.recs.iter().find(|b| b.item == r.item).map(|b| b.rank);
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
fn join_names(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}
