//! The engine: factorization models and baselines, their training, fold-in of a changed history,
//! incremental retraining, persistence, and the exact decomposition of every score. It knows nothing
//! of user interfaces.
//!
//! Every layer above sees models through [`spec`] ([`ModelSpec`], the one registry of trainable
//! models and their settings) and `model.rs` ([`FactorModel`], [`Trainable`]): popularity,
//! hybrid-als, als, warp and bpr are named, configured and trained there and nowhere else.
//!
//! * `factors/` — the representation both families share ([`Sides`]: sizes, vectors, feature
//!   names, `score_vector`, the exact decomposition with the bias handled once), and the model-file
//!   frame and header both write;
//! * `als/` — the ALS family: [`HybridAls::fit`] trains a [`HybridModel`] (`config`, `train`,
//!   `steps`, `blocks`), closed-form fold-in, warm-started [`HybridModel::continue_training`],
//!   Hu et al.'s exact influences, every like's leave-one-out refold at once ([`Removals`]), files;
//! * `sgd/` — the SGD family (`warp`, `bpr`, [`SgdModel`]) of the same shape: LightFM-style
//!   pairwise SGD, deterministic sharded training, fold-in, update-attribution and leave-one-out
//!   influences, files;
//! * `kernels/` — every dot product, Gramian, SPD solve and CG iteration, with one note on
//!   determinism; [`rank`] — the one candidate rule and top-k; `trained.rs` — [`AnyFactorModel`],
//!   either family behind one type; [`cache`] — load-or-train through the model folder;
//!   [`rating`] — the rating-prediction models; [`baselines`] — popularity.

mod als;

mod converge;
mod error;
pub mod factors;
pub mod import;
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
