//! The per-interaction influence of Hu et al. (2008, §5) for ALS. With
//! `W_u = (QᵀC_uQ + λ_u I)⁻¹` and `s_u = Σ_d D_d`, the fold-in user vector is
//! `p_u = W_u (Σ_{j∈I_u} c_uj q_j + λ_u s_u)`, so
//! `score(u, i) = Σ_{j∈I_u} c_uj q_iᵀW_u q_j + λ_u q_iᵀW_u s_u`: one term per history item and one
//! for the demographic prior, summing to the folded score.

use super::steps::{normal_matrix, Weights};
use super::HybridModel;
use crate::engine::kernels::{dot, Spd};
use crate::engine::Influence;
use crate::engine::Scorer;

impl HybridModel {
    /// The exact influence of every item of `user_history` (and of the demographic features
    /// `user_features`) on the folded-in score of `item`; the parts sum to
    /// `score_folded(fold_in(user_history, user_features))[item]`.
    pub fn influences(&self, user_history: &[u32], user_features: &[u32], item: u32) -> Influence {
        let folded = self.fold_in(user_history, user_features);
        let w = Weights::of(&self.config, self.n_items());
        let q = &self.sides.items.composed;
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
        let s = self.sides.users.offset_of(&folded.features, &ones);
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
