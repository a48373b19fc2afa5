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
use rayon::prelude::*;

use super::als::AlsConfig;
use super::error::EngineError;
use super::linalg::{dot32, gram};
use super::steps::{solve_row, Weights};
use super::Scorer;
use crate::data::{Csr, FeatureMatrix};

/// Which rows have which features (with their weights, 1 for one-hot features), both ways round.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureSet {
    pub by_row: Csr,
    pub by_feature: Csr,
    pub names: Vec<String>,
}

impl FeatureSet {
    /// No features: pure collaborative filtering on this side.
    pub fn none(n_rows: usize) -> FeatureSet {
        let by_row = Csr {
            n_rows,
            n_cols: 0,
            indptr: vec![0; n_rows + 1],
            indices: Vec::new(),
            values: Vec::new(),
        };
        FeatureSet {
            by_feature: by_row.transpose(),
            by_row,
            names: Vec::new(),
        }
    }

    /// From a feature matrix with one row per user (or item); `what` names the side in errors.
    pub fn from_matrix(
        m: &FeatureMatrix,
        n_rows: usize,
        what: &str,
    ) -> Result<FeatureSet, EngineError> {
        if m.matrix.n_rows != n_rows {
            return Err(EngineError::Invalid(format!(
                "{what} feature matrix has {} rows but there are {n_rows} {what}s",
                m.matrix.n_rows
            )));
        }
        if m.names.len() != m.matrix.n_cols {
            return Err(EngineError::Invalid(format!(
                "{what} feature matrix has {} columns but {} names",
                m.matrix.n_cols,
                m.names.len()
            )));
        }
        if m.matrix.values.iter().any(|v| !v.is_finite()) {
            return Err(EngineError::Invalid(format!(
                "{what} feature matrix holds a NaN or infinite weight"
            )));
        }
        Self::from_csr(m.matrix.clone(), m.names.clone())
            .map_err(|e| EngineError::Invalid(format!("{what} feature matrix: {e}")))
    }

    /// From a row × feature CSR, checking its structure (used for untrusted files too).
    pub fn from_csr(by_row: Csr, names: Vec<String>) -> Result<FeatureSet, String> {
        let ok = by_row.indptr.len() == by_row.n_rows + 1
            && by_row.indptr.first() == Some(&0)
            && by_row.indptr.windows(2).all(|w| w[0] <= w[1])
            && by_row.indptr.last() == Some(&by_row.indices.len())
            && by_row.values.len() == by_row.indices.len()
            && names.len() == by_row.n_cols;
        if !ok {
            return Err("inconsistent row pointers, lengths or names".into());
        }
        for r in 0..by_row.n_rows {
            let row = by_row.row(r);
            if row.iter().any(|&c| c as usize >= by_row.n_cols)
                || row.windows(2).any(|w| w[0] >= w[1])
            {
                return Err(format!(
                    "row {r} has a feature out of range or out of order"
                ));
            }
        }
        Ok(FeatureSet {
            by_feature: by_row.transpose(),
            by_row,
            names,
        })
    }

    pub fn n_features(&self) -> usize {
        self.by_row.n_cols
    }
}

/// One side of the model (users or items): own embeddings, feature embeddings, composed vectors.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    /// e: one row per user (item).
    pub own: Array2<f32>,
    pub features: FeatureSet,
    /// D (G): one row per feature.
    pub feature_factors: Array2<f32>,
    /// P (Q): own + Σ feature rows, the vectors that are scored.
    pub composed: Array2<f32>,
}

impl Side {
    /// Σ_f x_f F_f in `f64`, in the given (ascending) order.
    pub fn offset_of(&self, features: &[u32], weights: &[f32]) -> Vec<f64> {
        let mut s = vec![0.0f64; self.own.ncols()];
        for (&f, &x) in features.iter().zip(weights) {
            let row = self.feature_factors.row(f as usize);
            for (acc, &v) in s.iter_mut().zip(row.iter()) {
                *acc += f64::from(x) * f64::from(v);
            }
        }
        s
    }

    /// The feature offset of row `r`.
    pub fn offset(&self, r: usize) -> Vec<f64> {
        self.offset_of(
            self.features.by_row.row(r),
            self.features.by_row.row_values(r),
        )
    }

    /// Recomputes the composed vector of row `r`.
    pub fn compose_row(&mut self, r: usize) {
        let offset = self.offset(r);
        let own = self.own.row(r);
        let mut out = self.composed.row_mut(r);
        for c in 0..offset.len() {
            out[c] = compose(own[c], offset[c]);
        }
    }

    /// Recomputes every composed vector.
    pub fn compose_all(&mut self) {
        let this = &*self;
        let rows: Vec<Vec<f32>> = (0..this.own.nrows())
            .into_par_iter()
            .map(|r| {
                let offset = this.offset(r);
                this.own
                    .row(r)
                    .iter()
                    .zip(&offset)
                    .map(|(&e, &s)| compose(e, s))
                    .collect()
            })
            .collect();
        for (mut out, row) in self.composed.axis_iter_mut(Axis(0)).zip(rows) {
            out.iter_mut().zip(row).for_each(|(o, v)| *o = v);
        }
    }

    pub fn is_finite(&self) -> bool {
        [&self.own, &self.feature_factors, &self.composed]
            .iter()
            .all(|m| m.iter().all(|v| v.is_finite()))
    }
}

/// The one composition rule: own + offset in `f64`, rounded once.
#[inline]
pub(crate) fn compose(own: f32, offset: f64) -> f32 {
    (f64::from(own) + offset) as f32
}

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
        let weights = Weights::of(&self.config);
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
        super::als::HybridAls::NAME
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

/// The `k` highest scores, skipping `exclude`; ties broken by the lower index. `k` beyond the number
/// of candidates returns them all, best first.
pub fn top_k(scores: &[f32], k: usize, exclude: &[u32]) -> Vec<(u32, f32)> {
    let mut excluded = vec![false; scores.len()];
    for &i in exclude {
        if let Some(e) = excluded.get_mut(i as usize) {
            *e = true;
        }
    }
    let mut candidates: Vec<(u32, f32)> = (0..scores.len())
        .filter(|&i| !excluded[i])
        .map(|i| (i as u32, scores[i]))
        .collect();
    let order = |a: &(u32, f32), b: &(u32, f32)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if k < candidates.len() {
        if k == 0 {
            return Vec::new();
        }
        candidates.select_nth_unstable_by(k - 1, order);
        candidates.truncate(k);
    }
    candidates.sort_by(order);
    candidates
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_k_breaks_ties_by_index_and_excludes() {
        let s = [1.0, 3.0, 3.0, 2.0, 3.0];
        assert_eq!(top_k(&s, 2, &[]), vec![(1, 3.0), (2, 3.0)]);
        assert_eq!(top_k(&s, 2, &[1]), vec![(2, 3.0), (4, 3.0)]);
        assert_eq!(
            top_k(&s, 10, &[4, 9])
                .iter()
                .map(|p| p.0)
                .collect::<Vec<_>>(),
            vec![1, 2, 3, 0]
        );
        assert!(top_k(&s, 0, &[]).is_empty());
    }
}
