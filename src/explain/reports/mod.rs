//! The explain layer's JSON reports, built deterministically (same model, data and seed → the same
//! bytes; no timings inside) and written atomically (temporary file + rename):
//!
//! * `feature_explanations.json` ([`feature_report`], `features.rs`): a seeded sample of users, each
//!   with their top-k, every recommendation with its attribution and like influences;
//! * `counterfactual_explanations.json` ([`counterfactual_report`], `counterfactuals.rs`): a seeded
//!   sample of what-ifs (one random like removed) with sentences, the incremental (and optionally
//!   full) retrain, their fidelity, and the minimal counterfactual set of each user's first
//!   recommendation.

mod counterfactuals;
mod features;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

pub use counterfactuals::{
    counterfactual_report, CounterfactualReport, FidelitySummary, MinimalSetReport, WhatIfReport,
};
pub use features::{feature_report, FeatureReport, RecommendationReport, UserReport};

use super::counterfactual::SearchOptions;
use super::explainer::Explainer;
use super::ranking::TopList;
use super::retrain::DEFAULT_INCREMENTAL_SWEEPS;
use crate::engine::Trainable;

/// File name of the feature report.
pub const FEATURE_REPORT_FILE: &str = "feature_explanations.json";
/// File name of the counterfactual report.
pub const COUNTERFACTUAL_REPORT_FILE: &str = "counterfactual_explanations.json";

/// What the reports sample and compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportOptions {
    /// Seed of the ChaCha8 sampler of users and likes.
    pub seed: u64,
    /// Users in the feature report.
    pub users: usize,
    /// What-ifs in the counterfactual report.
    pub whatifs: usize,
    /// Sweeps of each incremental retrain.
    pub incremental_sweeps: usize,
    /// How many of the what-ifs also get a full retrain from scratch (slow: one training each).
    pub full_retrains: usize,
    pub search: SearchOptions,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            seed: 1,
            users: 20,
            whatifs: 20,
            incremental_sweeps: DEFAULT_INCREMENTAL_SWEEPS,
            full_retrains: 0,
            search: SearchOptions::default(),
        }
    }
}

/// An item with the dataset's id and title.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedItem {
    /// Dense index.
    pub item: u32,
    pub movie_id: u32,
    pub title: String,
}

/// One place of a reported list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListEntry {
    pub rank: usize,
    pub movie_id: u32,
    pub title: String,
    pub score: f32,
}

impl<M: Trainable> Explainer<M> {
    pub(crate) fn named(&self, item: u32) -> NamedItem {
        NamedItem {
            item,
            movie_id: self.catalog().item_id(item),
            title: self.catalog().title(item).to_string(),
        }
    }

    pub(crate) fn entries(&self, list: &TopList) -> Vec<ListEntry> {
        list.items
            .iter()
            .map(|r| ListEntry {
                rank: r.rank,
                movie_id: self.catalog().item_id(r.item),
                title: self.catalog().title(r.item).to_string(),
                score: r.score,
            })
            .collect()
    }

    /// `n` distinct users with at least `min_likes` likes, drawn with `rng`, in drawn order.
    pub(crate) fn sample_users(
        &self,
        rng: &mut ChaCha8Rng,
        n: usize,
        min_likes: usize,
    ) -> Vec<u32> {
        let by_user = &self.positives().by_user;
        let eligible: Vec<u32> = (0..by_user.n_rows as u32)
            .filter(|&u| by_user.row_len(u as usize) >= min_likes)
            .collect();
        eligible.choose_multiple(rng, n).copied().collect()
    }
}

/// A fresh sampler for one report: the seed, mixed with a per-report constant so that the two
/// reports do not draw the same users.
pub(crate) fn sampler(seed: u64, report: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed ^ report.wrapping_mul(0x9E37_79B9_7F4A_7C15))
}
