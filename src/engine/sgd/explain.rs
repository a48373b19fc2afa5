//! The exact decomposition of a `warp`/`bpr` score into (user part × item part) terms.
//!
//! `score(u, i) = (e_u + Σ_d D_d) · (e_i + Σ_g G_g) + own bias_i + Σ_g bias_g`, so the terms are
//! every (user part, item part) dot product — user parts `own` and each demographic feature, item
//! parts `own` and each genre — plus one bias term per item part, named `(part, "bias")`: the
//! item's own bias and each genre's bias (see [`crate::engine::BIAS_PART`]). They sum to the score.

use super::model::SgdModel;
use crate::engine::decompose::parts;
use crate::engine::kernels::dot;
use crate::engine::FoldedUser;
use crate::engine::{ScoreTerm, BIAS_PART};

impl SgdModel {
    /// Splits the score of a training user for an item into terms that sum to
    /// [`crate::engine::Scorer::score_items`]'s score: (user part × item part) dot products, then
    /// the bias terms `(part, BIAS_PART)`.
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
        for (inn, iv) in &item_parts {
            out.push(ScoreTerm {
                user_part: inn.clone(),
                item_part: BIAS_PART.to_string(),
                value: iv[k] as f32,
            });
        }
        out
    }
}
