//! The settings of the ALS family (`hybrid-als`, `als`): every knob of the objective and of the
//! sweeps, their tuned defaults and their validation. The trainer (`train.rs`), the steps
//! (`steps.rs`) and the model (`model.rs`) read them; nothing here trains.

use serde::{Deserialize, Serialize};

use crate::engine::error::EngineError;

/// The catalog size (items) past which [`AlsConfig::large_catalog_exponent`] replaces
/// [`AlsConfig::catalog_exponent`] (just above ml-latest-small's 9,742 items, the largest real
/// catalog κ was tuned on).
pub const CATALOG_KNEE: f64 = 10_000.0;

/// Settings of `hybrid-als`. The defaults were tuned on ML-100K holdout-20 (see the crate's
/// `engine_tune` test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AlsConfig {
    /// Dimension k of every embedding (1..=[`crate::engine::factors::MAX_FACTORS`]).
    pub factors: usize,
    /// λ. With `regularization_exponent` ν > 0 each embedding's penalty is
    /// `λ·(|I_r| + w0·n_other)^ν` (Rendle et al. 2022); with ν = 0 it is plain λ.
    pub regularization: f32,
    /// ν of the frequency scaling of λ.
    pub regularization_exponent: f32,
    /// With ν > 0, whether a row's mass counts its unobserved pairs (`|I_r| + w0·n_other`, Rendle
    /// et al. 2022: true, the default) or only its positives (`|I_r|`: Spark MLlib's `λ·n_u`, what
    /// an imported Spark model was trained with).
    pub mass_counts_unobserved: bool,
    /// κ: λ is multiplied by `(1682 / n_items)^κ` up to a catalog of
    /// [`CATALOG_KNEE`] items, so the λ tuned on ML-100K (1,682 items) carries over to other
    /// catalogs (κ = 0.3 was tuned on ml-latest-small's 9,742 items: P@10 0.162 with κ = 0, 0.188
    /// with κ = 0.3; see `examples/tune_als.rs`). 0: λ as given.
    pub catalog_exponent: f32,
    /// κ' of catalogs larger than [`CATALOG_KNEE`] items: past the knee λ is further multiplied
    /// by `(CATALOG_KNEE / n_items)^κ'`. With κ' = 1 (the default) a user's penalty
    /// `λ·(|I_u| + w0·n_items)` stops growing with the catalog: measured on the synthetic ML-25M
    /// shape (59,047 items, README "At ML-25M scale"), κ = 0.3 throughout gave P@10 0.036 after 4
    /// sweeps, κ' = 1 gives 0.089. `None` (model files written before the knee existed): κ
    /// throughout. Catalogs of at most [`CATALOG_KNEE`] items (every MovieLens set up to
    /// ml-latest-small) are not affected.
    #[serde(default)]
    pub large_catalog_exponent: Option<f32>,
    /// α: a positive has confidence 1 + α.
    pub alpha: f32,
    /// w0: weight of every unobserved (user, item) pair (1 in Hu et al.).
    pub unobserved_weight: f32,
    /// β: a rating below the threshold counts as an observed zero of confidence w0 + β in the
    /// own-embedding steps when the trainer is given low ratings ([`super::HybridAls::fit_with_low`]);
    /// 0 (the default) treats them as unobserved. Measured on ML-100K, not kept (README, "Low
    /// ratings"); the feature-block steps and fold-in do not see them.
    pub low_rating_weight: f32,
    /// y of a low-rated pair with `low_rating_weight` > 0: 0 = an observed zero ("seen, not
    /// liked"), 1 = a weak positive ("seen": the user chose to watch it), in 0..=1.
    pub low_rating_preference: f32,
    /// Multiplier of λ for the feature embeddings (scaled by the weight mass of their rows).
    pub feature_regularization: f32,
    /// Most sweeps; training stops earlier when a sweep changes the scores by less than
    /// `tolerance` (relative).
    pub iterations: usize,
    /// Convergence test: stop when a sweep changes every score by less than this, relative
    /// (`‖ΔPQᵀ‖_F / ‖PQᵀ‖_F`, exact; 0: run all `iterations`). See `converge.rs`.
    pub tolerance: f32,
    /// m of the Anderson acceleration of the sweeps (0: plain sweeps).
    pub anderson_depth: usize,
    /// Conjugate-gradient steps per block in a sweep, warm-started from the current vectors
    /// (0: exact Cholesky solves). The final user step is always exact.
    pub cg_steps: usize,
    /// Seed of the ChaCha8 generator for the initial own embeddings.
    pub seed: u64,
    /// Standard deviation of the initial own embeddings (features start at 0).
    pub init_std: f32,
    /// Use item features (genres): q_i = e_i + Σ G_g. Off: pure CF on the item side.
    pub item_features: bool,
    /// Use user features (demographics, when the dataset has them). Off: pure CF on the user side.
    pub user_features: bool,
}

impl Default for AlsConfig {
    fn default() -> Self {
        AlsConfig {
            factors: 64,
            regularization: 0.025,
            regularization_exponent: 1.0,
            mass_counts_unobserved: true,
            catalog_exponent: 0.3,
            large_catalog_exponent: Some(1.0),
            alpha: 4.0,
            unobserved_weight: 1.0,
            low_rating_weight: 0.0,
            low_rating_preference: 0.0,
            feature_regularization: 1.0,
            iterations: 10,
            tolerance: 0.0,
            anderson_depth: 0,
            cg_steps: 2,
            seed: 1,
            init_std: 0.05,
            item_features: true,
            user_features: true,
        }
    }
}

impl AlsConfig {
    /// The defaults trained to a fixed point instead of a fixed number of sweeps: at most 100
    /// sweeps, 3 CG steps per block, Anderson acceleration of depth 5, stopping when a sweep moves
    /// the scores by less than 1e-4 relative (measured on ML-100K: 46 sweeps; one more sweep keeps
    /// 9 of 10 places for 99.3% of users; README "Convergence").
    pub fn converged() -> AlsConfig {
        AlsConfig {
            iterations: 100,
            tolerance: 1e-4,
            anderson_depth: 5,
            cg_steps: 3,
            ..AlsConfig::default()
        }
    }

    /// One line naming every setting (used in errors and reports).
    pub fn describe(&self) -> String {
        format!(
            "hybrid-als factors={} regularization={} exponent={} catalog_exponent={} large_catalog_exponent={} alpha={} unobserved_weight={} low_rating_weight={} low_rating_preference={} \
             feature_regularization={} iterations={} tolerance={} anderson_depth={} cg_steps={} seed={} init_std={} item_features={} user_features={}",
            self.factors,
            self.regularization,
            self.regularization_exponent,
            self.catalog_exponent,
            self.large_catalog_exponent
                .map_or("as catalog_exponent".to_string(), |v| v.to_string()),
            self.alpha,
            self.unobserved_weight,
            self.low_rating_weight,
            self.low_rating_preference,
            self.feature_regularization,
            self.iterations,
            self.tolerance,
            self.anderson_depth,
            self.cg_steps,
            self.seed,
            self.init_std,
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
        let finite_nonneg = |v: f32| v.is_finite() && v >= 0.0;
        if let Some(problem) = crate::engine::factors::factors_problem(self.factors) {
            return bad(&problem);
        }
        if !finite_nonneg(self.regularization)
            || !finite_nonneg(self.regularization_exponent)
            || !self.catalog_exponent.is_finite()
            || !self.large_catalog_exponent.is_none_or(f32::is_finite)
        {
            return bad("regularization and its exponent must be finite and non-negative");
        }
        if !finite_nonneg(self.alpha)
            || !finite_nonneg(self.feature_regularization)
            || !finite_nonneg(self.low_rating_weight)
            || !(0.0..=1.0).contains(&self.low_rating_preference)
        {
            return bad(
                "alpha, feature_regularization and low_rating_weight must be finite and non-negative, \
                 low_rating_preference in 0..=1",
            );
        }
        if !(self.unobserved_weight.is_finite() && self.unobserved_weight > 0.0) {
            return bad("unobserved_weight must be finite and positive");
        }
        if !finite_nonneg(self.tolerance) || self.anderson_depth > 20 {
            return bad("tolerance must be finite and non-negative, anderson_depth at most 20");
        }
        if !finite_nonneg(self.init_std) {
            return bad("init_std must be finite and non-negative");
        }
        Ok(())
    }
}
