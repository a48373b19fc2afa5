//! The representation both model families share (LightFM's hybrid): every user and item vector
//! is its own embedding plus the embeddings of its features,
//!
//! ```text
//! p_u = e_u + Σ_d x_ud D_d      (d: demographic features of u, none when the dataset has none)
//! q_i = e_i + Σ_g x_ig G_g      (g: genres of i)
//! score(u, i) = p_u · q_i [+ b_i]
//! ```
//!
//! [`Sides`] holds the two sides (`side.rs`) and answers everything that follows from the representation
//! alone: sizes, the composed vectors, feature names, scoring (`score_vector`, one kernel for
//! every model) and the exact decomposition of a score (`decompose.rs`). The ALS family (hybrid-als,
//! als) has k columns on both sides; the SGD family (warp, bpr) gives items one more column, the
//! bias, so that `q_i` composes embedding and bias in one go. What differs between the families —
//! training, fold-in, influences — lives in `als/` and `sgd/`.
//!
//! * `side.rs` — one side: own rows, feature rows, memberships, the composed cache;
//! * `decompose.rs` — [`ScoreTerm`]s and [`Influence`], the decomposition with the bias once;
//! * `file.rs` — the model-file frame and header both families write.

pub(crate) mod decompose;
pub(crate) mod file;
pub(crate) mod side;

use ndarray::{s, Array2, ArrayView1, ArrayView2};

pub use decompose::{Influence, ScoreTerm};
pub(crate) use side::Side;

use crate::engine::kernels::{score_rows, score_rows_many};

/// The largest embedding dimension k any model takes (both families, the CLI's `--factors`).
pub const MAX_FACTORS: usize = 256;

/// Why `factors` cannot train, if it cannot: k must be in `1..=MAX_FACTORS`.
pub(crate) fn factors_problem(factors: usize) -> Option<String> {
    (factors == 0 || factors > MAX_FACTORS)
        .then(|| format!("factors must be between 1 and {MAX_FACTORS}"))
}

/// Sorted, deduplicated indices below `n` (what a fold-in uses of a history or feature list:
/// out-of-range indices are ignored, duplicates count once).
pub(crate) fn clean(indices: &[u32], n: usize) -> Vec<u32> {
    let mut v: Vec<u32> = indices
        .iter()
        .copied()
        .filter(|&i| (i as usize) < n)
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The user side and the item side of a trained factor model.
#[derive(Debug, Clone)]
pub struct Sides {
    /// own: n_users × k, feature_factors: n_demographics × k, composed: P.
    pub(crate) users: Side,
    /// own: n_items × (k [+ 1]), feature_factors: n_genres × (k [+ 1]), composed: Q [| b].
    pub(crate) items: Side,
}

/// A user folded into a trained model from a history (and demographic features): the user vector
/// the model would give that history against its current item side.
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
    /// The folded user with own embedding `own` and demographic offset `offset`: its vector is
    /// `own + offset` composed as the trained sides compose theirs.
    pub(crate) fn composed(
        own: Vec<f32>,
        offset: &[f64],
        features: Vec<u32>,
        history: Vec<u32>,
    ) -> FoldedUser {
        let vector = own
            .iter()
            .zip(offset)
            .map(|(&e, &s)| side::compose(e, s))
            .collect();
        FoldedUser {
            vector,
            own,
            features,
            history,
        }
    }

    /// True when the history was empty: the vector carries no preference, so callers should fall
    /// back to popularity.
    pub fn is_empty(&self) -> bool {
        self.history.is_empty()
    }
}

impl Sides {
    /// Recomputes the composed vectors of both sides.
    pub(crate) fn compose_all(&mut self) {
        self.users.compose_all();
        self.items.compose_all();
    }

    /// Every parameter finite.
    pub(crate) fn is_finite(&self) -> bool {
        self.users.is_finite() && self.items.is_finite()
    }

    pub fn n_users(&self) -> usize {
        self.users.own.nrows()
    }

    pub fn n_items(&self) -> usize {
        self.items.own.nrows()
    }

    /// Embedding dimension k.
    pub fn factors(&self) -> usize {
        self.users.own.ncols()
    }

    /// True when items carry a bias column after their k factors (warp, bpr).
    pub fn biased(&self) -> bool {
        self.items.own.ncols() > self.factors()
    }

    /// Composed user vectors P (n_users × k).
    pub fn user_vectors(&self) -> &Array2<f32> {
        &self.users.composed
    }

    /// Composed item vectors Q (n_items × k, biases excluded).
    pub fn item_vectors(&self) -> ArrayView2<'_, f32> {
        self.items.composed.slice(s![.., ..self.factors()])
    }

    /// The composed vector q_i of one item (k values, bias excluded).
    pub fn item_vector(&self, item: u32) -> &[f32] {
        let row = self
            .items
            .composed
            .row(item as usize)
            .to_slice()
            .expect("standard layout");
        &row[..self.factors()]
    }

    /// Composed item biases b (own bias + Σ genre biases); `None` without biases.
    pub fn item_biases(&self) -> Option<ArrayView1<'_, f32>> {
        self.biased()
            .then(|| self.items.composed.column(self.factors()))
    }

    /// Own user embeddings e_u (n_users × k).
    pub fn user_embeddings(&self) -> &Array2<f32> {
        &self.users.own
    }

    /// Own item embeddings e_i (n_items × k, biases excluded).
    pub fn item_embeddings(&self) -> ArrayView2<'_, f32> {
        self.items.own.slice(s![.., ..self.factors()])
    }

    /// Own item biases; `None` without biases.
    pub fn item_own_biases(&self) -> Option<ArrayView1<'_, f32>> {
        self.biased().then(|| self.items.own.column(self.factors()))
    }

    /// Demographic feature embeddings D (n_user_features × k).
    pub fn user_feature_embeddings(&self) -> &Array2<f32> {
        &self.users.feature_factors
    }

    /// Item feature (genre) embeddings G (n_item_features × k, biases excluded).
    pub fn item_feature_embeddings(&self) -> ArrayView2<'_, f32> {
        self.items.feature_factors.slice(s![.., ..self.factors()])
    }

    /// Genre biases; `None` without biases.
    pub fn item_feature_biases(&self) -> Option<ArrayView1<'_, f32>> {
        self.biased()
            .then(|| self.items.feature_factors.column(self.factors()))
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

    /// Scores every item for a user vector: `out[i] = p · q_i [+ b_i]` (`f64` sums, rounded once).
    pub fn score_vector(&self, p: &[f32], out: &mut [f32]) {
        assert_eq!(out.len(), self.n_items(), "output length must be n_items");
        let (k, biased) = (self.factors(), self.biased());
        score_rows(p, &self.items.composed, k, biased, out);
    }

    /// [`Self::score_vector`] of several vectors in one pass over the items (the same values).
    pub fn score_vectors(&self, ps: &[&[f32]], outs: &mut [&mut [f32]]) {
        for out in outs.iter() {
            assert_eq!(out.len(), self.n_items(), "output length must be n_items");
        }
        let (k, biased) = (self.factors(), self.biased());
        score_rows_many(ps, &self.items.composed, k, biased, outs);
    }

    /// Scores every item for a training user.
    pub fn score_user(&self, user: u32, out: &mut [f32]) {
        let p = self.users.composed.row(user as usize);
        self.score_vector(p.as_slice().expect("standard layout"), out);
    }
}
