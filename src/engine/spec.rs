//! The one registry of the models whyrec trains by name: [`ModelSpec`] (`popularity`,
//! `hybrid-als`, `als`, `warp`, `bpr`) gives each model's name, its family, its settings for a
//! [`Settings`] (seed, `--factors`, `--iterations`, `--converge`, `--no-features` — the same
//! meaning for every model and every command) and its training. Evaluation, trust, fairness, the
//! model cache, the CLI and the TUI all ask this file; nothing else maps names to models.
//!
//! `--iterations` is the number of passes over the training data: ALS sweeps for `hybrid-als` /
//! `als`, SGD epochs for `warp` / `bpr`. `--factors` is the embedding dimension k of every model
//! with embeddings. Popularity takes neither.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{AlsConfig, SgdConfig};

/// A model whyrec can train, by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ModelSpec {
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

/// How a model is trained: which code family, hence which settings and which file codec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// Counting, no settings.
    Popularity,
    /// Alternating least squares ([`AlsConfig`], [`super::HybridModel`]).
    Als,
    /// Pairwise SGD ([`SgdConfig`], [`super::SgdModel`]).
    Sgd,
}

/// What a command asks of a model besides its name; `None` keeps the model's tuned default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Seed of every random step of the training.
    pub seed: u64,
    /// Embedding dimension k.
    pub factors: Option<usize>,
    /// Passes over the data: ALS sweeps or SGD epochs.
    pub iterations: Option<usize>,
    /// ALS: train to the convergence test (at most 100 sweeps or `iterations`) instead of 10 sweeps.
    pub converge: bool,
    /// Use genres and demographics (the `als` spec always switches them off).
    pub features: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::seeded(1)
    }
}

impl Settings {
    /// The tuned defaults with `seed`.
    pub fn seeded(seed: u64) -> Settings {
        Settings {
            seed,
            factors: None,
            iterations: None,
            converge: false,
            features: true,
        }
    }

    /// The settings that give back `config` through [`ModelSpec::als_config`] (of the spec
    /// [`ModelSpec::of_als`] names), for every configuration built from settings.
    pub fn of_als(config: &AlsConfig) -> Settings {
        Settings {
            seed: config.seed,
            factors: Some(config.factors),
            iterations: Some(config.iterations),
            converge: config.tolerance > 0.0,
            features: config.item_features || config.user_features,
        }
    }

    /// The same settings with another seed.
    pub fn with_seed(&self, seed: u64) -> Settings {
        Settings {
            seed,
            ..self.clone()
        }
    }
}

impl ModelSpec {
    /// Every model, in the order of tables and reports.
    pub const ALL: [ModelSpec; 5] = [
        ModelSpec::Popularity,
        ModelSpec::HybridAls,
        ModelSpec::Als,
        ModelSpec::Warp,
        ModelSpec::Bpr,
    ];

    /// The factor models: those that can be explained, refolded and cycled through in the TUI.
    pub const FACTOR: [ModelSpec; 4] = [
        ModelSpec::HybridAls,
        ModelSpec::Als,
        ModelSpec::Warp,
        ModelSpec::Bpr,
    ];

    pub const fn name(self) -> &'static str {
        match self {
            ModelSpec::Popularity => "popularity",
            ModelSpec::HybridAls => "hybrid-als",
            ModelSpec::Als => "als",
            ModelSpec::Warp => "warp",
            ModelSpec::Bpr => "bpr",
        }
    }

    pub fn from_name(name: &str) -> Option<ModelSpec> {
        ModelSpec::ALL.into_iter().find(|m| m.name() == name)
    }

    /// [`Self::from_name`] with an error naming every model (for argument parsers).
    pub fn parse(name: &str) -> Result<ModelSpec, String> {
        ModelSpec::from_name(name.trim()).ok_or_else(|| {
            format!(
                "unknown model {name:?}: expected one of {}",
                ModelSpec::names()
            )
        })
    }

    /// [`Self::parse`] for a factor model.
    pub fn parse_factor(name: &str) -> Result<ModelSpec, String> {
        let spec = ModelSpec::parse(name)?;
        if spec.family() == Family::Popularity {
            return Err(format!(
                "{name:?} has no factors to explain: expected one of {}",
                ModelSpec::FACTOR.map(|m| m.name()).join(", ")
            ));
        }
        Ok(spec)
    }

    /// Names of every model, for messages.
    pub fn names() -> String {
        ModelSpec::ALL.map(|m| m.name()).join(", ")
    }

    pub fn family(self) -> Family {
        match self {
            ModelSpec::Popularity => Family::Popularity,
            ModelSpec::HybridAls | ModelSpec::Als => Family::Als,
            ModelSpec::Warp | ModelSpec::Bpr => Family::Sgd,
        }
    }

    /// The next factor model (hybrid-als → als → warp → bpr → hybrid-als).
    pub fn next_factor(self) -> ModelSpec {
        let at = ModelSpec::FACTOR.iter().position(|&m| m == self);
        ModelSpec::FACTOR[at.map_or(0, |n| (n + 1) % ModelSpec::FACTOR.len())]
    }

    /// Whether two fits differing only in their seed can differ.
    pub fn is_random(self) -> bool {
        self.family() != Family::Popularity
    }

    /// The spec an ALS configuration trains: `als` when every feature is off.
    pub fn of_als(config: &AlsConfig) -> ModelSpec {
        if config.item_features || config.user_features {
            ModelSpec::HybridAls
        } else {
            ModelSpec::Als
        }
    }

    /// The spec an SGD configuration trains.
    pub fn of_sgd(config: &SgdConfig) -> ModelSpec {
        config.loss.spec()
    }

    /// The ALS settings of `hybrid-als` / `als` (the defaults of every other spec's family are
    /// those of hybrid-als).
    pub fn als_config(self, settings: &Settings) -> AlsConfig {
        let d = if settings.converge {
            AlsConfig::converged()
        } else {
            AlsConfig::default()
        };
        let features = settings.features && self != ModelSpec::Als;
        AlsConfig {
            seed: settings.seed,
            factors: settings.factors.unwrap_or(d.factors),
            iterations: settings.iterations.unwrap_or(d.iterations),
            item_features: features,
            user_features: features,
            ..d
        }
    }

    /// The `warp` / `bpr` settings (`bpr`'s tuned defaults for `bpr`, `warp`'s otherwise).
    pub fn sgd_config(self, settings: &Settings) -> SgdConfig {
        let d = if self == ModelSpec::Bpr {
            SgdConfig::bpr()
        } else {
            SgdConfig::warp()
        };
        SgdConfig {
            seed: settings.seed,
            factors: settings.factors.unwrap_or(d.factors),
            epochs: settings.iterations.unwrap_or(d.epochs),
            item_features: settings.features,
            user_features: settings.features,
            ..d
        }
    }

    /// The model's settings as JSON (what reports print; empty for popularity).
    pub fn config_json(self, settings: &Settings) -> serde_json::Value {
        match self.family() {
            Family::Popularity => serde_json::json!({}),
            Family::Als => serde_json::to_value(self.als_config(settings)).unwrap_or_default(),
            Family::Sgd => serde_json::to_value(self.sgd_config(settings)).unwrap_or_default(),
        }
    }
}

impl fmt::Display for ModelSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
