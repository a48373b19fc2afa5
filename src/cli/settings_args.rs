//! The model flags every training command shares (`train`, `recommend`, the explain commands,
//! `eval`, `trust`, `fairness`, `run-all`, `tui`): one definition, so `--factors` and
//! `--iterations` mean the same for every model and command (see `engine::spec`).

use clap::Args;

use crate::engine::Settings;
use crate::metrics::sample::Population;

/// `--factors`, `--iterations`, `--converge`, `--no-features`.
#[derive(Debug, Clone, Default, PartialEq, Args)]
pub struct SettingsArgs {
    /// Embedding dimension k of every factor model (default: each model's tuned value, 64).
    #[arg(long, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=crate::engine::factors::MAX_FACTORS as u64))]
    pub factors: Option<usize>,
    /// Passes over the training data: ALS sweeps (hybrid-als, als; default 10) or SGD epochs
    /// (warp, bpr; default 50).
    #[arg(long, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000))]
    pub iterations: Option<usize>,
    /// Switch genre and demographic features off (pure collaborative filtering).
    #[arg(long)]
    pub no_features: bool,
    /// hybrid-als, als: train to the convergence test (scores moved < 1e-4 in a sweep, Anderson-
    /// accelerated, at most 100 sweeps or `--iterations`) instead of a fixed 10 sweeps.
    #[arg(long)]
    pub converge: bool,
}

impl SettingsArgs {
    /// The settings these flags ask for, with `seed`.
    pub fn settings(&self, seed: u64) -> Settings {
        Settings {
            seed,
            factors: self.factors,
            iterations: self.iterations,
            converge: self.converge,
            features: !self.no_features,
        }
    }
}

/// `--all-users`, `--sample-users N`: which evaluated users an eval, trust or fairness run measures
/// (`metrics::sample`). The rating task trains and measures on the chosen users' ratings.
#[derive(Debug, Clone, Default, PartialEq, Args)]
pub struct PopulationArgs {
    /// Measure every user with a test positive (rating task: every user's ratings), however many
    /// (past 10,000 such users — ML-10M and up — the default is a seeded sample of 10,000, fewer
    /// for ranking past 60,000 movies: 6,850 on ML-32M; stated in the report).
    #[arg(long, conflicts_with = "sample_users")]
    pub all_users: bool,
    /// Measure a seeded sample of at most N evaluated users (default 10,000 and, for ranking, at
    /// most 6×10⁸ user × movie scores per pass; everyone when there are fewer).
    #[arg(long, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000_000))]
    pub sample_users: Option<usize>,
}

impl PopulationArgs {
    pub fn population(&self) -> Population {
        Population::from_flags(self.all_users, self.sample_users)
    }
}
