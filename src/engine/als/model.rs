//! The hybrid (LightFM-style) representation: every user and item vector is its own embedding plus
//! the embeddings of its features,
//!
//! ```text
//! p_u = e_u + Σ_d x_ud D_d      (d: demographic features of u, none when the dataset has none)
//! q_i = e_i + Σ_g x_ig G_g      (g: genres of i)
//! score(u, i) = p_u · q_i
//! ```
//!
//! [`HybridModel`]: the ALS family's trained model — the shared representation
//! ([`crate::engine::factors::Sides`]: vectors, scoring, decompositions), the cached Gramian QᵀQ,
//! and the closed-form fold-in. Training lives in `train.rs`, influences in `influence.rs`,
//! leave-one-out removals in `removal.rs`, files in `persist.rs`.

use super::config::AlsConfig;
use super::steps::{solve_row, Weights};
use crate::engine::factors::{clean, FoldedUser, Sides};
use crate::engine::kernels::gram;
use crate::engine::Scorer;

/// A hybrid factorization model trained by [`super::HybridAls`].
#[derive(Debug, Clone)]
pub struct HybridModel {
    pub(crate) config: AlsConfig,
    pub(crate) sides: Sides,
    /// QᵀQ in `f64`, kept in step with Q (fold-in and influences need it).
    pub(crate) item_gram: Vec<f64>,
}

impl HybridModel {
    pub(crate) fn refresh_caches(&mut self) {
        self.sides.compose_all();
        self.item_gram = gram(&self.sides.items.composed);
    }

    pub fn config(&self) -> &AlsConfig {
        &self.config
    }

    /// Folds in a user from a history of item indices and demographic feature indices: the exact
    /// closed-form ALS user step given the current item factors (the same code the trainer runs, so
    /// a training user's history gives back that user's row bit for bit). Indices out of range are
    /// ignored; duplicates count once.
    pub fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        let history = clean(history, self.n_items());
        let features = clean(user_features, self.sides.users.features.n_features());
        let ones = vec![1.0f32; features.len()];
        let offset = self.sides.users.offset_of(&features, &ones);
        let weights = Weights::of(&self.config, self.n_items());
        let own: Vec<f32> = match solve_row(
            &history,
            &offset,
            &self.sides.items.composed,
            &self.item_gram,
            &weights,
        ) {
            Ok(p) => p.iter().zip(&offset).map(|(p, s)| (p - s) as f32).collect(),
            // A trained model's normal matrix is positive definite; keep the prior if it is not.
            Err(_) => vec![0.0; offset.len()],
        };
        FoldedUser::composed(own, &offset, features, history)
    }
}

impl Scorer for HybridModel {
    fn name(&self) -> &str {
        crate::engine::spec::ModelSpec::of_als(&self.config).name()
    }

    fn n_items(&self) -> usize {
        self.sides.n_items()
    }

    fn score_items(&self, user: u32, out: &mut [f32]) {
        self.sides.score_user(user, out)
    }
}
