//! The one place the TUI asks the engine for answers: top-k lists, the instant refold of a what-if,
//! the incremental retrain, score attributions, past-like influences and minimal counterfactual
//! sets. Every number and sentence the screens show comes from here; the screens only format.
//!
//! Until the `explain` layer lands this module calls [`HybridModel`] directly (fold-in,
//! decompositions, influences, continue_training); it is meant to become a thin wrapper over
//! `crate::explain` without the screens changing. `whatif.rs` holds the what-if calls,
//! `compare.rs` the Compare tab's models.

mod compare;
mod whatif;

pub use compare::{overlaps, NamedScorer, COMPARED};
use whatif::join_names;

use std::sync::Arc;

use serde::Serialize;

use crate::data::interactions::{Positives, DEFAULT_POSITIVE_THRESHOLD};
use crate::data::split::Interaction;
use crate::data::Dataset;
use crate::engine::rating::{BiasBaseline, BiasConfig};
use crate::engine::{top_k, FoldedUser, HybridModel};

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
#[derive(Debug, Clone, Serialize)]
pub struct Retrained {
    pub removed: Vec<u32>,
    pub after: TopList,
    /// Places (rank positions) where the retrain and the instant refold put the same item.
    pub same_places: usize,
    /// Items the two lists share.
    pub overlap: usize,
    pub sweeps: usize,
    /// The retrained model, so explanations of the retrained list add up to its scores.
    #[serde(skip)]
    pub model: Arc<HybridModel>,
}

impl PartialEq for Retrained {
    /// Equal results: the same removals, lists and agreement (the model is not compared).
    fn eq(&self, other: &Retrained) -> bool {
        (
            &self.removed,
            &self.after,
            self.same_places,
            self.overlap,
            self.sweeps,
        ) == (
            &other.removed,
            &other.after,
            other.same_places,
            other.overlap,
            other.sweeps,
        )
    }
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
        self.folded_in(&self.model, profile, removed)
    }

    fn folded_in(&self, model: &HybridModel, profile: &Profile, removed: &[u32]) -> FoldedUser {
        let kept: Vec<u32> = profile
            .history
            .iter()
            .copied()
            .filter(|i| !removed.contains(i))
            .collect();
        model.fold_in(&kept, &profile.features)
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

    /// Splits the refolded score of `item` into collaborative, per-genre and demographic parts.
    pub fn attribution(&self, profile: &Profile, removed: &[u32], item: u32) -> Attribution {
        self.attribution_in(&self.model, profile, removed, item)
    }

    /// [`Self::attribution`] in another model over the same data (a retrained one).
    pub fn attribution_in(
        &self,
        model: &HybridModel,
        profile: &Profile,
        removed: &[u32],
        item: u32,
    ) -> Attribution {
        let folded = self.folded_in(model, profile, removed);
        let mut collaborative = 0.0;
        let mut demographic = 0.0;
        let mut genres: Vec<(String, f32)> = Vec::new();
        for t in model.decompose_folded(&folded, item) {
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
        self.influences_in(&self.model, profile, removed, item)
    }

    /// [`Self::influences`] in another model over the same data (a retrained one).
    pub fn influences_in(
        &self,
        model: &HybridModel,
        profile: &Profile,
        removed: &[u32],
        item: u32,
    ) -> Influences {
        let folded = self.folded_in(model, profile, removed);
        let inf = self
            .model
            .influences(&folded.history, &folded.features, item);
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
}
