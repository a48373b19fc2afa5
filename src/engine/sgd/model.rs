//! [`SgdModel`]: the trained `warp`/`bpr` parameters, their AdaGrad state, the composed vectors
//! that are scored, and scoring / recommending.
//!
//! Item-side matrices have k + 1 columns: the first k are the embedding, the last one the bias, so
//! that `q_i = own_i + Σ_g x_ig G_g` composes embedding and bias in one go (`side.rs`).

use ndarray::{s, Array2, ArrayView1, ArrayView2, Axis};

use super::config::SgdConfig;
use crate::engine::kernels::dot32;
use crate::engine::rank::top_k;
use crate::engine::side::Side;
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
    /// own: n_users × k, feature_factors: n_demographics × k, composed: P.
    pub(crate) users: Side,
    /// own: n_items × (k+1), feature_factors: n_genres × (k+1), composed: [Q | b].
    pub(crate) items: Side,
    pub(crate) accum: Accumulators,
    /// Train positives per item in the last training run (BPR draws fold-in negatives from it).
    pub(crate) item_counts: Vec<u32>,
    /// Epochs trained so far (fit and every continue_training): the epoch index of the RNG streams.
    pub(crate) epochs_done: u64,
}

impl SgdModel {
    pub(crate) fn refresh_caches(&mut self) {
        self.users.compose_all();
        self.items.compose_all();
    }

    pub(crate) fn is_finite(&self) -> bool {
        self.users.is_finite() && self.items.is_finite() && self.accum.is_finite()
    }

    pub fn config(&self) -> &SgdConfig {
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

    /// Epochs trained so far (fit plus every continue_training).
    pub fn epochs_done(&self) -> u64 {
        self.epochs_done
    }

    /// Composed user vectors P (n_users × k).
    pub fn user_vectors(&self) -> &Array2<f32> {
        &self.users.composed
    }

    /// Composed item vectors Q (n_items × k).
    pub fn item_vectors(&self) -> ArrayView2<'_, f32> {
        self.items.composed.slice(s![.., ..self.factors()])
    }

    /// Composed item biases b (own bias + Σ genre biases).
    pub fn item_biases(&self) -> ArrayView1<'_, f32> {
        self.items.composed.column(self.factors())
    }

    /// Own user embeddings e_u.
    pub fn user_embeddings(&self) -> &Array2<f32> {
        &self.users.own
    }

    /// Own item embeddings e_i (n_items × k).
    pub fn item_embeddings(&self) -> ArrayView2<'_, f32> {
        self.items.own.slice(s![.., ..self.factors()])
    }

    /// Own item biases.
    pub fn item_own_biases(&self) -> ArrayView1<'_, f32> {
        self.items.own.column(self.factors())
    }

    /// Demographic feature embeddings D.
    pub fn user_feature_embeddings(&self) -> &Array2<f32> {
        &self.users.feature_factors
    }

    /// Genre embeddings G (n_genres × k).
    pub fn item_feature_embeddings(&self) -> ArrayView2<'_, f32> {
        self.items.feature_factors.slice(s![.., ..self.factors()])
    }

    /// Genre biases.
    pub fn item_feature_biases(&self) -> ArrayView1<'_, f32> {
        self.items.feature_factors.column(self.factors())
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

    /// Genre indices of an item.
    pub fn item_features_of(&self, item: u32) -> &[u32] {
        self.items.features.by_row.row(item as usize)
    }

    /// Scores every item for a user vector: `out[i] = p · q_i + b_i` (`f64` sums, rounded once).
    pub fn score_vector(&self, p: &[f32], out: &mut [f32]) {
        assert_eq!(out.len(), self.n_items(), "output length must be n_items");
        let k = self.factors();
        for (o, q) in out.iter_mut().zip(self.items.composed.axis_iter(Axis(0))) {
            let q = q.as_slice().expect("standard layout");
            *o = (dot32(p, &q[..k]) + f64::from(q[k])) as f32;
        }
    }

    /// The top `k` items for a training user, excluding `exclude`; ties go to the lower index.
    pub fn recommend(&self, user: u32, k: usize, exclude: &[u32]) -> Vec<(u32, f32)> {
        let mut scores = vec![0.0; self.n_items()];
        self.score_items(user, &mut scores);
        top_k(&scores, k, exclude)
    }
}

impl Scorer for SgdModel {
    fn name(&self) -> &str {
        crate::engine::spec::ModelSpec::of_sgd(&self.config).name()
    }

    fn n_items(&self) -> usize {
        SgdModel::n_items(self)
    }

    fn score_items(&self, user: u32, out: &mut [f32]) {
        let p = self.users.composed.row(user as usize);
        self.score_vector(p.as_slice().expect("standard layout"), out);
    }
}
