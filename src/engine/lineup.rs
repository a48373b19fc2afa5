//! The ranking models whyrec can train by name, so that evaluation, reports and the UI ask for
//! "hybrid-als", "warp" or "popularity" without knowing how each is built.

use std::fmt;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::baselines::Popularity;
use super::{AlsConfig, EngineError, HybridAls, Scorer, SgdConfig, SgdModel, TrainProgress};
use crate::data::{FeatureMatrix, Positives};

/// A ranking model by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum RankingModel {
    /// Items by number of train positives.
    Popularity,
    /// Implicit ALS on the hybrid representation (genres and demographics).
    HybridAls,
    /// The same trainer with every feature switched off (pure collaborative filtering).
    Als,
    /// LightFM-style WARP on the hybrid representation (per-parameter AdaGrad, sharded SGD).
    Warp,
    /// LightFM-style BPR on the hybrid representation.
    Bpr,
}

impl RankingModel {
    pub const ALL: [RankingModel; 5] = [
        RankingModel::Popularity,
        RankingModel::HybridAls,
        RankingModel::Als,
        RankingModel::Warp,
        RankingModel::Bpr,
    ];

    pub fn name(self) -> &'static str {
        match self {
            RankingModel::Popularity => "popularity",
            RankingModel::HybridAls => "hybrid-als",
            RankingModel::Als => "als",
            RankingModel::Warp => "warp",
            RankingModel::Bpr => "bpr",
        }
    }

    pub fn from_name(name: &str) -> Option<RankingModel> {
        RankingModel::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Names of every model, for messages.
    pub fn names() -> String {
        RankingModel::ALL.map(|m| m.name()).join(", ")
    }

    /// The model's settings for `seed` (empty for popularity).
    pub fn config(self, seed: u64) -> serde_json::Value {
        match self {
            RankingModel::Popularity => serde_json::json!({}),
            RankingModel::HybridAls | RankingModel::Als => {
                serde_json::to_value(self.als_config(seed)).unwrap_or_default()
            }
            RankingModel::Warp | RankingModel::Bpr => {
                serde_json::to_value(self.sgd_config(seed)).unwrap_or_default()
            }
        }
    }

    /// The warp / bpr settings of this line-up entry (the defaults of `whyrec train --model`).
    pub fn sgd_config(self, seed: u64) -> SgdConfig {
        let base = if self == RankingModel::Bpr {
            SgdConfig::bpr()
        } else {
            SgdConfig::warp()
        };
        SgdConfig { seed, ..base }
    }

    /// The ALS settings of `hybrid-als` / `als` with `seed`.
    pub fn als_config(self, seed: u64) -> AlsConfig {
        let features = self == RankingModel::HybridAls;
        AlsConfig {
            seed,
            item_features: features,
            user_features: features,
            ..AlsConfig::default()
        }
    }

    /// Trains the model on `positives` with the given side features.
    pub fn fit(
        self,
        positives: &Positives,
        item_features: Option<&FeatureMatrix>,
        user_features: Option<&FeatureMatrix>,
        seed: u64,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<Box<dyn Scorer>, EngineError> {
        Ok(match self {
            RankingModel::Popularity => Box::new(Popularity::fit(positives)),
            RankingModel::HybridAls | RankingModel::Als => {
                let config = self.als_config(seed);
                Box::new(HybridAls::fit(
                    positives,
                    item_features,
                    user_features,
                    &config,
                    progress,
                    cancel,
                )?)
            }
            RankingModel::Warp | RankingModel::Bpr => Box::new(SgdModel::fit(
                positives,
                item_features,
                user_features,
                &self.sgd_config(seed),
                progress,
                cancel,
            )?),
        })
    }
}

impl fmt::Display for RankingModel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
