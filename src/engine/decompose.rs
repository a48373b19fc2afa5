//! Exact decompositions of a score.
//!
//! * [`HybridModel::decompose`] splits `p_u·q_i` over every pair (user-side part × item-side part):
//!   user parts are "own" (e_u) and each demographic feature, item parts "own" (e_i) and each genre.
//!   The terms sum to the score.
//! * [`HybridModel::influences`] is the per-interaction influence of Hu et al. (2008, §5) for ALS.
//!   With `W_u = (QᵀC_uQ + λ_u I)⁻¹` and `s_u = Σ_d D_d`, the fold-in user vector is
//!   `p_u = W_u (Σ_{j∈I_u} c_uj q_j + λ_u s_u)`, so
//!   `score(u, i) = Σ_{j∈I_u} c_uj q_iᵀW_u q_j + λ_u q_iᵀW_u s_u`: one term per history item and one
//!   for the demographic prior, summing to the folded score.

use serde::Serialize;

use super::als::steps::{normal_matrix, Weights};
use super::als::{FoldedUser, HybridModel};
use super::side::Side;
use crate::engine::kernels::{dot, Spd};

/// One term of a score decomposition: the dot product of one user-side part and one item-side part.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreTerm {
    /// `own` or a demographic feature name.
    pub user_part: String,
    /// `own` or a genre name.
    pub item_part: String,
    pub value: f32,
}

/// The exact influence of each history item (and of the demographic prior and the item bias) on
/// one folded score. How the per-item terms are defined depends on the model: for ALS
/// [`HybridModel::influences`] (Hu et al. 2008, §5), for `warp`/`bpr`
/// [`super::SgdModel::influences`] (update attribution of the SGD fold-in).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influence {
    /// (history item, its term), in history order (ascending item index). ALS:
    /// c_uj · q_iᵀ W_u q_j.
    pub per_item: Vec<(u32, f32)>,
    /// The demographic prior's term (0 without demographic features). ALS: λ_u · q_iᵀ W_u s_u.
    pub demographic: f32,
    /// The item bias, which no like changes (0 for models without biases, such as ALS).
    pub bias: f32,
    /// Sum of all terms: the folded score.
    pub total: f32,
}

/// The named parts of one composed vector: ("own", e) then (feature name, x·F) per feature.
pub(crate) fn parts(
    side: &Side,
    own: &[f32],
    features: &[u32],
    weights: &[f32],
) -> Vec<(String, Vec<f64>)> {
    let mut out = vec![(
        "own".to_string(),
        own.iter().map(|&v| f64::from(v)).collect(),
    )];
    for (&f, &x) in features.iter().zip(weights) {
        let row = side.feature_factors.row(f as usize);
        let v = row.iter().map(|&v| f64::from(x) * f64::from(v)).collect();
        out.push((side.features.names[f as usize].clone(), v));
    }
    out
}

impl HybridModel {
    /// Splits the score of a training user for an item into (user part × item part) terms that sum
    /// to [`super::Scorer::score_items`]'s score.
    pub fn decompose(&self, user: u32, item: u32) -> Vec<ScoreTerm> {
        let u = user as usize;
        let own = self.users.own.row(u).to_vec();
        let fs = &self.users.features.by_row;
        let user_parts = parts(&self.users, &own, fs.row(u), fs.row_values(u));
        self.pair_terms(&user_parts, item)
    }

    /// [`Self::decompose`] for a folded-in user.
    pub fn decompose_folded(&self, user: &FoldedUser, item: u32) -> Vec<ScoreTerm> {
        let ones = vec![1.0f32; user.features.len()];
        let user_parts = parts(&self.users, &user.own, &user.features, &ones);
        self.pair_terms(&user_parts, item)
    }

    fn pair_terms(&self, user_parts: &[(String, Vec<f64>)], item: u32) -> Vec<ScoreTerm> {
        let i = item as usize;
        let own = self.items.own.row(i).to_vec();
        let fs = &self.items.features.by_row;
        let item_parts = parts(&self.items, &own, fs.row(i), fs.row_values(i));
        let mut out = Vec::with_capacity(user_parts.len() * item_parts.len());
        for (un, uv) in user_parts {
            for (inn, iv) in &item_parts {
                out.push(ScoreTerm {
                    user_part: un.clone(),
                    item_part: inn.clone(),
                    value: dot(uv, iv) as f32,
                });
            }
        }
        out
    }

    /// The exact influence of every item of `user_history` (and of the demographic features
    /// `user_features`) on the folded-in score of `item`; the parts sum to
    /// `score_folded(fold_in(user_history, user_features))[item]`.
    pub fn influences(&self, user_history: &[u32], user_features: &[u32], item: u32) -> Influence {
        let folded = self.fold_in(user_history, user_features);
        let w = Weights::of(&self.config, self.n_items());
        let q = &self.items.composed;
        let k = q.ncols();
        let lambda = w.row_lambda(folded.history.len(), q.nrows());
        let a = normal_matrix(&folded.history, q, &self.item_gram, &w, lambda);
        let mut v: Vec<f64> = q.row(item as usize).iter().map(|&x| f64::from(x)).collect();
        // v = W q_i (W symmetric, so q_iᵀ W q_j = v·q_j).
        let solved = Spd::factor(a, k).and_then(|spd| spd.solve(&mut v));
        if solved.is_err() {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
        let per_item: Vec<(u32, f64)> = folded
            .history
            .iter()
            .map(|&j| {
                let qj: Vec<f64> = q.row(j as usize).iter().map(|&x| f64::from(x)).collect();
                (j, w.positive * dot(&v, &qj))
            })
            .collect();
        let ones = vec![1.0f32; folded.features.len()];
        let s = self.users.offset_of(&folded.features, &ones);
        let demographic = lambda * dot(&v, &s);
        let total = per_item.iter().map(|p| p.1).sum::<f64>() + demographic;
        Influence {
            per_item: per_item.into_iter().map(|(j, x)| (j, x as f32)).collect(),
            demographic: demographic as f32,
            bias: 0.0,
            total: total as f32,
        }
    }
}
