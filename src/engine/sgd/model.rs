//! [`SgdModel`]: the trained `warp`/`bpr` parameters (the shared representation,
//! [`crate::engine::factors::Sides`], with an item bias column) and their AdaGrad state.
//!
//! Item-side matrices have k + 1 columns: the first k are the embedding, the last one the bias, so
//! that `q_i = own_i + Σ_g x_ig G_g` composes embedding and bias in one go (`side.rs`).

use ndarray::Array2;

use super::config::SgdConfig;
use crate::engine::factors::{Side, Sides};
use crate::engine::Scorer;

/// AdaGrad accumulators (sums of squared gradients, starting at 1), one per parameter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Accumulators {
    pub user_own: Array2<f32>,
    pub user_features: Array2<f32>,
    pub item_own: Array2<f32>,
    pub item_features: Array2<f32>,
}

impl Accumulators {
    pub fn ones(users: &Side, items: &Side) -> Accumulators {
        let ones = |m: &Array2<f32>| Array2::from_elem(m.dim(), 1.0f32);
        Accumulators {
            user_own: ones(&users.own),
            user_features: ones(&users.feature_factors),
            item_own: ones(&items.own),
            item_features: ones(&items.feature_factors),
        }
    }

    pub fn is_finite(&self) -> bool {
        [
            &self.user_own,
            &self.user_features,
            &self.item_own,
            &self.item_features,
        ]
        .iter()
        .all(|m| m.iter().all(|v| v.is_finite()))
    }
}

/// A `warp` or `bpr` model on the hybrid representation
/// `score(u, i) = p_u · q_i + b_i` with `p_u = e_u + Σ_d D_d`, `q_i = e_i + Σ_g G_g`,
/// `b_i = own bias + Σ_g genre bias`. There are no user biases: they would add the same number to
/// every item of a user and never change a ranking (LightFM's WARP/BPR leave their gradient at 0).
#[derive(Debug, Clone)]
pub struct SgdModel {
    pub(crate) config: SgdConfig,
    /// Items with k + 1 columns (the bias last).
    pub(crate) sides: Sides,
    pub(crate) accum: Accumulators,
    /// Train positives per item in the last training run (BPR draws fold-in negatives from it).
    pub(crate) item_counts: Vec<u32>,
    /// Epochs trained so far (fit and every continue_training): the epoch index of the RNG streams.
    pub(crate) epochs_done: u64,
}

impl SgdModel {
    pub(crate) fn refresh_caches(&mut self) {
        self.sides.compose_all();
    }

    pub(crate) fn is_finite(&self) -> bool {
        self.sides.is_finite() && self.accum.is_finite()
    }

    pub fn config(&self) -> &SgdConfig {
        &self.config
    }

    /// Epochs trained so far (fit plus every continue_training).
    pub fn epochs_done(&self) -> u64 {
        self.epochs_done
    }
}

impl Scorer for SgdModel {
    fn name(&self) -> &str {
        crate::engine::spec::ModelSpec::of_sgd(&self.config).name()
    }

    fn n_items(&self) -> usize {
        self.sides.n_items()
    }

    fn score_items(&self, user: u32, out: &mut [f32]) {
        self.sides.score_user(user, out)
    }
}
