//! The explain layer: faithful answers to "why this movie?", "which past like mattered most?" and
//! "what if I hadn't liked X?", every one computed from the model itself and checked against it.
//!
//! * [`Explainer`] (`explainer.rs`) holds a trained model, the interactions it was trained on and
//!   the [`Catalog`] (ids, titles); it is cheap to clone and `Send + Sync`. Any engine model implementing
//!   [`crate::engine::Trainable`] (fold-in, scoring, exact decomposition, influences,
//!   incremental and full retraining) can be explained: [`crate::engine::HybridModel`]
//!   (hybrid-als, als) and [`crate::engine::SgdModel`] (`warp`, `bpr`). Users are always scored
//!   through their refold, so every comparison is between refolds: for ALS the refold of a
//!   training user is its trained row; for `warp`/`bpr` it is a fresh SGD fold-in against the
//!   frozen item side, close to the trained row but not equal to it (mean top-10 Jaccard about
//!   0.65 on ML-100K), so what the explain layer shows for a warp user can differ from the
//!   trained row's list. Folding both sides of every comparison keeps it like with like: a
//!   what-if's change is the edit's, never the difference between a trained row and a refold.
//! * Feature attribution (`attribution.rs`): [`Explainer::attribute`] splits a score into named
//!   parts (collaborative, each genre, each demographic feature, biases) that sum to it.
//! * Past-interaction influence (`influence.rs`): [`Explainer::explain_influence`] gives every
//!   like's exact share (ALS: Hu et al. 2008 §5; warp/bpr: update attribution of the SGD
//!   fold-in) and the *measured* effect of removing the top ones, and the sentence
//!   "Because you liked X, Y and Z."
//! * What-ifs (`whatif.rs`, `retrain.rs`): [`Explainer::what_if`] refolds instantly;
//!   [`Explainer::retrain_incremental`] (progress + cancel, for a worker thread) and
//!   [`Explainer::retrain_full`] retrain; [`Fidelity`] compares the three (`ranking.rs`: overlap,
//!   same places, Kendall τ-b).
//! * Minimal counterfactual sets (`counterfactual.rs`): [`Explainer::minimal_counterfactual`].
//! * [`Explainer::explain`] (`explanation.rs`) bundles attribution and influence for one item;
//!   [`reports`] builds the deterministic JSON reports `feature_explanations.json` and
//!   `counterfactual_explanations.json`.
//!
//! Users and items are dense indices here; [`Catalog`] maps the dataset's ids. Bad input gives an
//! [`ExplainError`] naming what was wrong; nothing here prints.

mod attribution;
mod counterfactual;
mod error;
mod explainer;
mod explanation;
mod influence;
pub mod quality;
mod ranking;
pub mod reports;
mod retrain;
mod text;
mod whatif;

pub use crate::engine::{BIAS_PART, OWN_PART};
pub use attribution::{assign_terms, Attribution, AttributionPart, PartKind};
pub use counterfactual::{CounterfactualSet, SearchOptions, SetGuarantee};
pub use error::{ExplainError, ExplainResult};
pub use explainer::{Catalog, Explainer, Profile, DEFAULT_K};
pub use explanation::Explanation;
pub use influence::{
    InfluenceExplanation, LikeInfluence, MeasuredRemoval, BECAUSE_COUNT, DEFAULT_MEASURED,
};
pub use ranking::{agreement, kendall_tau_b, Agreement, ListSource, RankedItem, TopList};
pub use retrain::{Fidelity, RetrainKind, Retrained, DEFAULT_INCREMENTAL_SWEEPS};
pub use whatif::{RankChange, WhatIf, WhatIfOutcome};
