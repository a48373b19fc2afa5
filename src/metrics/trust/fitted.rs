//! The models a trust report can perturb: refit on other data or with another seed, and refold one
//! user from a changed history with the model fixed.

use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use crate::data::Positives;
use crate::engine::baselines::Popularity;
use crate::engine::lineup::RankingModel;
use crate::engine::{AlsConfig, EngineError, HybridAls, HybridModel, Scorer};
use crate::metrics::eval_data::EvalData;

/// What to train: popularity or the hybrid ALS trainer with its settings (its `seed` is replaced
/// by the seed each fit is given).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TrustModel {
    Popularity,
    Als(AlsConfig),
}

impl TrustModel {
    /// The model of the line-up with its default settings; `None` for the SGD models (warp, bpr),
    /// which the trust report does not cover yet.
    pub fn from_ranking(model: RankingModel) -> Option<TrustModel> {
        Some(match model {
            RankingModel::Popularity => TrustModel::Popularity,
            RankingModel::HybridAls | RankingModel::Als => {
                let features = model == RankingModel::HybridAls;
                TrustModel::Als(AlsConfig {
                    item_features: features,
                    user_features: features,
                    ..AlsConfig::default()
                })
            }
            RankingModel::Warp | RankingModel::Bpr => return None,
        })
    }

    /// `popularity`, `hybrid-als` or `als` (pure collaborative filtering).
    pub fn name(&self) -> &'static str {
        match self {
            TrustModel::Popularity => "popularity",
            TrustModel::Als(c) if c.item_features || c.user_features => HybridAls::NAME,
            TrustModel::Als(_) => "als",
        }
    }

    /// The settings as JSON, with `seed` filled in.
    pub fn config(&self, seed: u64) -> serde_json::Value {
        match self {
            TrustModel::Popularity => serde_json::json!({}),
            TrustModel::Als(c) => {
                serde_json::to_value(AlsConfig { seed, ..c.clone() }).unwrap_or_default()
            }
        }
    }

    /// Trains on `train` (the split's train positives or a perturbed copy) with `seed`, using the
    /// split's side features.
    pub fn fit(
        &self,
        data: &EvalData,
        train: &Positives,
        seed: u64,
    ) -> Result<FittedModel, EngineError> {
        Ok(match self {
            TrustModel::Popularity => FittedModel::Popularity(Popularity::fit(train)),
            TrustModel::Als(c) => FittedModel::Als(Box::new(HybridAls::fit(
                train,
                Some(&data.item_features),
                data.user_features.as_ref(),
                &AlsConfig { seed, ..c.clone() },
                &mut |_| {},
                &AtomicBool::new(false),
            )?)),
        })
    }

    /// Whether two fits differing only in their seed can differ.
    pub fn is_random(&self) -> bool {
        matches!(self, TrustModel::Als(_))
    }
}

/// A trained model.
#[derive(Debug, Clone)]
pub enum FittedModel {
    Popularity(Popularity),
    Als(Box<HybridModel>),
}

impl FittedModel {
    pub fn scorer(&self) -> &dyn Scorer {
        match self {
            FittedModel::Popularity(p) => p,
            FittedModel::Als(m) => m.as_ref(),
        }
    }

    /// The factor model, when it is one.
    pub fn hybrid(&self) -> Option<&HybridModel> {
        match self {
            FittedModel::Als(m) => Some(m),
            FittedModel::Popularity(_) => None,
        }
    }

    /// Scores every item for training user `user` refolded from `history` with the model fixed
    /// (the user's demographic features kept). Popularity does not depend on the history. An empty
    /// history gives the model's answer for an empty history (the demographic part alone).
    pub fn score_refolded(&self, user: u32, history: &[u32], out: &mut [f32]) {
        match self {
            FittedModel::Popularity(p) => p.score_items(user, out),
            FittedModel::Als(m) => {
                let folded = m.fold_in(history, m.user_features_of(user));
                m.score_folded(&folded, out);
            }
        }
    }
}
