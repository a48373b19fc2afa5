//! The hybrid (LightFM-style) representation: every user and item vector is its own embedding plus
//! the embeddings of its features,
//!
//! ```text
//! p_u = e_u + Σ_d x_ud D_d      (d: demographic features of u, none when the dataset has none)
//! q_i = e_i + Σ_g x_ig G_g      (g: genres of i)
//! score(u, i) = p_u · q_i
//! ```
//!
//! The composed vectors P and Q are cached; scoring, recommending and folding in a new history are
//! methods of [`HybridModel`]. Training lives in `als.rs`, the exact score decompositions in
//! `decompose.rs`, files in `persist.rs`.

use ndarray::{Array2, Axis};

use super::config::AlsConfig;
use super::steps::{solve_row, Weights};
use crate::engine::kernels::{dot32, gram};
use crate::engine::rank::top_k;
use crate::engine::side::{compose, Side};
use crate::engine::Scorer;

/// A hybrid factorization model trained by [`super::HybridAls`].
#[derive(Debug, Clone)]
pub struct HybridModel {
    pub(crate) config: AlsConfig,
    pub(crate) users: Side,
    pub(crate) items: Side,
    /// QᵀQ in `f64`, kept in step with Q (fold-in and influences need it).
    pub(crate) item_gram: Vec<f64>,
}

/// A user folded into a trained model from a history (and demographic features): the user vector
/// ALS would compute for that history given the current item factors.
#[derive(Debug, Clone, PartialEq)]
pub struct FoldedUser {
    /// Composed user vector p (what is scored).
    pub vector: Vec<f32>,
    /// Own embedding e (p minus the demographic offset).
    pub own: Vec<f32>,
    /// Demographic feature indices used (sorted, deduplicated, in range).
    pub features: Vec<u32>,
    /// Items of the history used (sorted, deduplicated, in range).
    pub history: Vec<u32>,
}

impl FoldedUser {
    /// True when the history was empty: the vector carries no preference, so callers should fall back
    /// to popularity.
    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }
}

impl HybridModel {
    pub(crate) fn refresh_caches(&mut self) {
        self.users.compose_all();
        self.items.compose_all();
        self.item_gram = gram(&self.items.composed);
    }

    pub fn config(&self) -> &AlsConfig {
        &self.config
    }

    pub fn n_users(&self) -> usize {
        self.users.own.nrows()
    }

    pub fn n_items(&self) -> usize {
        self.items.own.nrows()
    }

    pub fn factors(&self) -> usize {
        self.users.own.ncols()
    }

    /// Composed user vectors P (n_users × k).
    pub fn user_vectors(&self) -> &Array2<f32> {
        &self.users.composed
    }

    /// Composed item vectors Q (n_items × k).
    pub fn item_vectors(&self) -> &Array2<f32> {
        &self.items.composed
    }

    /// Own user embeddings e_u (n_users × k).
    pub fn user_embeddings(&self) -> &Array2<f32> {
        &self.users.own
    }

    /// Own item embeddings e_i (n_items × k).
    pub fn item_embeddings(&self) -> &Array2<f32> {
        &self.items.own
    }

    /// Demographic feature embeddings D (n_user_features × k).
    pub fn user_feature_embeddings(&self) -> &Array2<f32> {
        &self.users.feature_factors
    }

    /// Item feature (genre) embeddings G (n_item_features × k).
    pub fn item_feature_embeddings(&self) -> &Array2<f32> {
        &self.items.feature_factors
    }

    /// Names of the demographic features (empty in pure-CF mode or without demographics).
    pub fn user_feature_names(&self) -> &[String] {
        &self.users.features.names
    }

    /// Names of the item features (genres; empty in pure-CF mode).
    pub fn item_feature_names(&self) -> &[String] {
        &self.items.features.names
    }

    /// Demographic feature indices of a training user.
    pub fn user_features_of(&self, user: u32) -> &[u32] {
        self.users.features.by_row.row(user as usize)
    }

    /// Item feature (genre) indices of an item.
    pub fn item_features_of(&self, item: u32) -> &[u32] {
        self.items.features.by_row.row(item as usize)
    }

    /// Scores every item for a user vector: `out[i] = p · q_i`.
    pub fn score_vector(&self, p: &[f32], out: &mut [f32]) {
        assert_eq!(
            out.len(),
            self.items.composed.nrows(),
            "output length must be n_items"
        );
        for (o, q) in out.iter_mut().zip(self.items.composed.axis_iter(Axis(0))) {
            *o = dot32(p, q.as_slice().expect("standard layout")) as f32;
        }
    }

    /// The top `k` items for a training user, excluding `exclude` (typically the user's training
    /// positives); `k` larger than what remains gives the whole remaining catalog. Ties go to the
    /// lower item index.
    pub fn recommend(&self, user: u32, k: usize, exclude: &[u32]) -> Vec<(u32, f32)> {
        let mut scores = vec![0.0; self.n_items()];
        self.score_items(user, &mut scores);
        top_k(&scores, k, exclude)
    }

    /// [`Self::recommend`] for a folded-in user.
    pub fn recommend_folded(
        &self,
        user: &FoldedUser,
        k: usize,
        exclude: &[u32],
    ) -> Vec<(u32, f32)> {
        let mut scores = vec![0.0; self.n_items()];
        self.score_folded(user, &mut scores);
        top_k(&scores, k, exclude)
    }

    /// Folds in a user from a history of item indices and demographic feature indices: the exact
    /// closed-form ALS user step given the current item factors (the same code the trainer runs, so
    /// a training user's history gives back that user's row bit for bit). Indices out of range are
    /// ignored; duplicates count once.
    pub fn fold_in(&self, history: &[u32], user_features: &[u32]) -> FoldedUser {
        let history = clean(history, self.n_items());
        let features = clean(user_features, self.users.features.n_features());
        let ones = vec![1.0f32; features.len()];
        let offset = self.users.offset_of(&features, &ones);
        let weights = Weights::of(&self.config, self.n_items());
        let own: Vec<f32> = match solve_row(
            &history,
            &offset,
            &self.items.composed,
            &self.item_gram,
            &weights,
        ) {
            Ok(p) => p.iter().zip(&offset).map(|(p, s)| (p - s) as f32).collect(),
            // A trained model's normal matrix is positive definite; keep the prior if it is not.
            Err(_) => vec![0.0; offset.len()],
        };
        let vector = own
            .iter()
            .zip(&offset)
            .map(|(&e, &s)| compose(e, s))
            .collect();
        FoldedUser {
            vector,
            own,
            features,
            history,
        }
    }

    /// Scores every item for a folded-in user.
    pub fn score_folded(&self, user: &FoldedUser, out: &mut [f32]) {
        self.score_vector(&user.vector, out);
    }
}

impl Scorer for HybridModel {
    fn name(&self) -> &str {
        crate::engine::spec::ModelSpec::of_als(&self.config).name()
    }

    fn n_items(&self) -> usize {
        HybridModel::n_items(self)
    }

    fn score_items(&self, user: u32, out: &mut [f32]) {
        let p = self.users.composed.row(user as usize);
        self.score_vector(p.as_slice().expect("standard layout"), out);
    }
}

/// Sorted, deduplicated indices below `n`.
fn clean(indices: &[u32], n: usize) -> Vec<u32> {
    let mut v: Vec<u32> = indices
        .iter()
        .copied()
        .filter(|&i| (i as usize) < n)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}
