//! The exact decomposition of a score into (user part × item part) terms, for both families.
//!
//! `score(u, i) = (e_u + Σ_d x_ud D_d) · (e_i + Σ_g x_ig G_g) [+ b_i]`, so the terms are every
//! (user part, item part) dot product — user parts `own` (e_u) and each demographic feature, item
//! parts `own` (e_i) and each genre — plus, when items carry a bias column (warp, bpr), one bias
//! term per item part named `(part, BIAS_PART)`: the item's own bias and each genre's bias. They
//! sum to the score.

use serde::Serialize;

use super::side::Side;
use super::{FoldedUser, Sides};
use crate::engine::kernels::dot;
use crate::engine::BIAS_PART;

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
/// [`crate::engine::HybridModel::influences`] (Hu et al. 2008, §5), for `warp`/`bpr`
/// [`crate::engine::SgdModel::influences`] (update attribution of the SGD fold-in).
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
fn parts(side: &Side, own: &[f32], features: &[u32], weights: &[f32]) -> Vec<(String, Vec<f64>)> {
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

impl Sides {
    /// Splits the score of a training user for an item into terms that sum to its score:
    /// (user part × item part) dot products, then the bias terms `(part, BIAS_PART)` if items
    /// carry biases.
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
        let k = self.factors();
        let own = self.items.own.row(i).to_vec();
        let fs = &self.items.features.by_row;
        let item_parts = parts(&self.items, &own, fs.row(i), fs.row_values(i));
        let mut out = Vec::with_capacity((user_parts.len() + 1) * item_parts.len());
        for (un, uv) in user_parts {
            for (inn, iv) in &item_parts {
                out.push(ScoreTerm {
                    user_part: un.clone(),
                    item_part: inn.clone(),
                    value: dot(uv, &iv[..k]) as f32,
                });
            }
        }
        if self.biased() {
            for (inn, iv) in &item_parts {
                out.push(ScoreTerm {
                    user_part: inn.clone(),
                    item_part: BIAS_PART.to_string(),
                    value: iv[k] as f32,
                });
            }
        }
        out
    }
}
