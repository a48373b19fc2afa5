//! The engine: factorization models and baselines, their training, fold-in of a changed history,
//! incremental retraining, persistence, and the exact decomposition of every score. It knows nothing
//! of user interfaces.
//!
//! Every layer above sees models through [`spec`] ([`ModelSpec`], the one registry of trainable
//! models and their settings) and `model.rs` ([`FactorModel`], [`Trainable`]): popularity,
//! hybrid-als, als, warp and bpr are named, configured and trained there and nowhere else.
//!
//! The hybrid implicit ALS model:
//!
//! * [`HybridAls::fit`] trains a [`HybridModel`] (`als/`: `model.rs` the representation, `train.rs`
//!   the trainer, `steps.rs` its exact minimisation steps; `side.rs` one side's vectors, `linalg.rs`
//!   the k×k solves);
//! * [`HybridModel::fold_in`], [`HybridModel::continue_training`] for changed histories;
//! * [`HybridModel::decompose`] and [`HybridModel::influences`] (`decompose.rs`) for explanations,
//!   [`HybridModel::removals`] (`removal.rs`) for every like's exact leave-one-out refold at once;
//! * [`HybridModel::save`] / [`HybridModel::load`] (`persist.rs`) for model files.
//!
//! `warp` and `bpr` ([`SgdModel`], `sgd/`): LightFM-style pairwise SGD on the same representation,
//! with fold-in, warm-started retraining, exact decompositions, update-attribution and
//! leave-one-out influences, and files.

mod als;

mod converge;
mod error;
pub mod factors;
pub(crate) mod kernels;
mod model;
mod progress;
pub mod rank;
mod trained;

pub use als::{AlsConfig, HybridAls, HybridModel, Removals};
pub use error::EngineError;
pub use factors::file::{ModelMeta, FORMAT_VERSION};
pub use factors::{FoldedUser, Influence, ScoreTerm, Sides};
pub use model::{FactorModel, Trainable, BIAS_PART, OWN_PART};
pub use progress::TrainProgress;
pub use rank::{top_k, CandidateRule, Candidates};

pub mod baselines;
pub mod cache;
pub mod rating;
pub mod sgd;
pub mod spec;

pub use sgd::{FoldAttribution, LeaveOneOut, Loss, SgdConfig, SgdModel};
pub use spec::{Family, ModelSpec, Settings};
pub use trained::{AnyConfig, AnyFactorModel, Trained};

/// Anything that scores every item for a known user: what evaluation, explanation and the UI ask.
pub trait Scorer: Send + Sync {
    /// Short model name used in tables and reports (`hybrid-als`, `popularity`, …).
    fn name(&self) -> &str;
    /// Number of items scored.
    fn n_items(&self) -> usize;
    /// Writes a score for every item (higher is better) for dense user index `user` into `out`
    /// (`out.len() == n_items()`).
    fn score_items(&self, user: u32, out: &mut [f32]);
    /// The top `k` items for a training user, excluding `exclude` (typically the user's training
    /// positives); `k` larger than what remains gives the whole remaining catalog. Ties go to the
    /// lower item index. (Served lists go through [`rank`]'s candidate rule instead.)
    fn recommend(&self, user: u32, k: usize, exclude: &[u32]) -> Vec<(u32, f32)> {
        let mut scores = vec![0.0; self.n_items()];
        self.score_items(user, &mut scores);
        top_k(&scores, k, exclude)
    }
}
