//! Settings of the `warp` and `bpr` trainers and their validation.

use serde::{Deserialize, Serialize};

use crate::engine::EngineError;

/// The pairwise ranking loss (Kula 2015, as LightFM implements them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Loss {
    /// Weighted Approximate-Rank Pairwise (Weston et al. 2011): draw uniform negatives until one
    /// scores above `positive − 1` (at most `max_sampled` draws); the step is weighted by
    /// `ln ⌊(n_items − 1) / draws⌋`, clipped at 10.
    Warp,
    /// Bayesian Personalised Ranking (Rendle et al. 2009) with LightFM's negatives: the item of a
    /// random training interaction (popularity-proportional; uniform with
    /// `bpr_uniform_negatives`), step weight `1 − σ(s⁺ − s⁻)`.
    Bpr,
}

impl Loss {
    /// The model this loss trains.
    pub fn spec(self) -> crate::engine::spec::ModelSpec {
        match self {
            Loss::Warp => crate::engine::spec::ModelSpec::Warp,
            Loss::Bpr => crate::engine::spec::ModelSpec::Bpr,
        }
    }

    /// The model name of this loss (`warp`, `bpr`).
    pub fn name(self) -> &'static str {
        self.spec().name()
    }
}

/// Settings of the SGD trainers. [`SgdConfig::warp`] (also the `Default`) and [`SgdConfig::bpr`]
/// hold the defaults tuned on ML-100K holdout-20 (see the module documentation of `engine::sgd`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SgdConfig {
    pub loss: Loss,
    /// Dimension k of every embedding (1..=[`crate::engine::factors::MAX_FACTORS`]).
    pub factors: usize,
    /// AdaGrad base rate η₀ (LightFM's `learning_rate`, `learning_schedule="adagrad"`): a step on a
    /// parameter with accumulated squared gradients G is η₀/√G; G starts at 1 as in LightFM.
    pub learning_rate: f32,
    /// L2 weight decay of item-side parameters (own embeddings and biases, genre embeddings and
    /// biases), applied at the parameter's AdaGrad rate on every step that touches it.
    pub item_alpha: f32,
    /// L2 weight decay of user-side parameters (own and demographic embeddings).
    pub user_alpha: f32,
    /// WARP: most negatives drawn per positive (LightFM default 10). Unused by BPR.
    pub max_sampled: usize,
    /// BPR: draw negatives uniformly (Rendle et al. 2009) instead of LightFM's
    /// popularity-proportional draw. Unused by WARP (always uniform).
    pub bpr_uniform_negatives: bool,
    /// Passes over the training positives.
    pub epochs: usize,
    /// Seed of every ChaCha8 stream (initialisation, shuffles, negatives, fold-in).
    pub seed: u64,
    /// Number of user shards trained in parallel (fixed, so results do not depend on the thread
    /// count). 1 is plain sequential SGD.
    pub shards: usize,
    /// Positives each shard processes between two merges of the shared parameters.
    pub sync_interval: usize,
    /// Epochs of SGD over a history when a user is folded in.
    pub fold_in_epochs: usize,
    /// Use item features (genres): q_i = e_i + Σ G_g, b_i = own bias + Σ genre biases.
    pub item_features: bool,
    /// Use user features (demographics, when the dataset has them): p_u = e_u + Σ D_d.
    pub user_features: bool,
}

impl Default for SgdConfig {
    fn default() -> Self {
        SgdConfig::warp()
    }
}

impl SgdConfig {
    /// Tuned defaults of `warp`.
    pub fn warp() -> SgdConfig {
        SgdConfig {
            loss: Loss::Warp,
            factors: 64,
            learning_rate: 0.05,
            item_alpha: 0.25,
            user_alpha: 0.25,
            max_sampled: 10,
            bpr_uniform_negatives: false,
            epochs: 50,
            seed: 1,
            shards: 4,
            sync_interval: 256,
            fold_in_epochs: 30,
            item_features: true,
            user_features: true,
        }
    }

    /// Tuned defaults of `bpr`.
    pub fn bpr() -> SgdConfig {
        SgdConfig {
            loss: Loss::Bpr,
            learning_rate: 0.02,
            item_alpha: 0.02,
            user_alpha: 0.02,
            ..SgdConfig::warp()
        }
    }

    /// One line naming every setting (used in errors and reports).
    pub fn describe(&self) -> String {
        format!(
            "{} factors={} learning_rate={} item_alpha={} user_alpha={} max_sampled={} \
             bpr_uniform_negatives={} epochs={} seed={} shards={} sync_interval={} fold_in_epochs={} item_features={} user_features={}",
            self.loss.name(),
            self.factors,
            self.learning_rate,
            self.item_alpha,
            self.user_alpha,
            self.max_sampled,
            self.bpr_uniform_negatives,
            self.epochs,
            self.seed,
            self.shards,
            self.sync_interval,
            self.fold_in_epochs,
            self.item_features,
            self.user_features
        )
    }

    /// Rejects settings that cannot train.
    pub fn validate(&self) -> Result<(), EngineError> {
        let bad = |what: &str| {
            Err(EngineError::Invalid(format!(
                "{what} ({})",
                self.describe()
            )))
        };
        if let Some(problem) = crate::engine::factors::factors_problem(self.factors) {
            return bad(&problem);
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return bad("learning_rate must be finite and positive");
        }
        let finite_nonneg = |v: f32| v.is_finite() && v >= 0.0;
        if !finite_nonneg(self.item_alpha) || !finite_nonneg(self.user_alpha) {
            return bad("item_alpha and user_alpha must be finite and non-negative");
        }
        if self.max_sampled == 0 || self.max_sampled > 100_000 {
            return bad("max_sampled must be between 1 and 100000");
        }
        if self.shards == 0 || self.shards > 1024 {
            return bad("shards must be between 1 and 1024");
        }
        if self.sync_interval == 0 {
            return bad("sync_interval must be at least 1");
        }
        if self.fold_in_epochs == 0 || self.fold_in_epochs > 10_000 {
            return bad("fold_in_epochs must be between 1 and 10000");
        }
        if self.epochs > 1_000_000 {
            return bad("epochs must be at most 1000000");
        }
        Ok(())
    }
}
