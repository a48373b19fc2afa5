//! Exact leave-one-out of a folded user: the score of an item after removing each like, one at a
//! time, for all likes at once.
//!
//! The fold-in solves `A p = b` with (`steps::normal_matrix`, `steps::normal_rhs`)
//!
//! ```text
//! A = w0·QᵀQ + (c − w0)·Σ_{j∈H} q_j q_jᵀ + λ(|H|)·I        b = c·Σ_{j∈H} q_j + λ(|H|)·s
//! ```
//!
//! (s: the demographic offset; λ is frequency-scaled, so it depends on |H|). Removing like j gives
//! `A_j = B − e·q_j q_jᵀ` and `b_j = b' − c·q_j`, where `B` and `b'` are the same matrix and
//! right-hand side with λ(|H| − 1) — common to every j — and `e = c − w0`. By Sherman–Morrison,
//! with `x = B⁻¹b'`, `u_j = B⁻¹q_j`, `d_j = 1 − e·q_j·u_j`:
//!
//! ```text
//! p_j = x − c·u_j + e·u_j·(q_j·x − c·q_j·u_j) / d_j
//! ```
//!
//! One Cholesky factorisation of `B` and two triangular solves per like: O(k³ + |H|·k²) for every
//! like's refold, instead of |H| refolds of O(k³) each. The results equal
//! `fold_in(H \ {j}, features)` up to floating-point rounding (checked on every ML-100K user by the
//! crate's tests).

use super::steps::{normal_matrix, Weights};
use super::HybridModel;
use crate::engine::kernels::{dot, dot32, Spd};
use crate::engine::FoldedUser;
use crate::engine::Scorer;

/// The folded user vector after removing each like of a history, one at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct Removals {
    /// The history used (sorted, deduplicated, in range), as in [`HybridModel::fold_in`].
    pub history: Vec<u32>,
    /// The fold-in of the whole history (what the drops are measured against).
    pub folded: FoldedUser,
    /// `vectors[n]`: the composed user vector without `history[n]` (`f64`).
    pub vectors: Vec<Vec<f64>>,
}

impl Removals {
    /// The score of `item` for the whole history, as [`crate::engine::FactorModel::score_folded`] gives it.
    pub fn score_of(&self, model: &HybridModel, item: u32) -> f32 {
        let q = model.sides.items.composed.row(item as usize);
        dot32(&self.folded.vector, q.as_slice().expect("standard layout")) as f32
    }

    /// The score of `item` without each like, in history order: `(like, score)`.
    pub fn scores_of(&self, model: &HybridModel, item: u32) -> Vec<(u32, f64)> {
        let q: Vec<f64> = model
            .sides
            .items
            .composed
            .row(item as usize)
            .iter()
            .map(|&v| f64::from(v))
            .collect();
        self.history
            .iter()
            .zip(&self.vectors)
            .map(|(&j, p)| (j, dot(p, &q)))
            .collect()
    }
}

impl HybridModel {
    /// The refold of `history` (with demographic `user_features`) without each of its likes, all
    /// at once (see the module documentation). `None` when the normal matrix cannot be factorised
    /// (a trained model's always can) or a like's update is degenerate.
    pub fn removals(&self, history: &[u32], user_features: &[u32]) -> Option<Removals> {
        let folded = self.fold_in(history, user_features);
        let history = folded.history.clone();
        let w = Weights::of(&self.config, self.n_items());
        let q = &self.sides.items.composed;
        let k = q.ncols();
        let n = history.len();
        if n == 0 {
            return Some(Removals {
                history,
                folded,
                vectors: Vec::new(),
            });
        }
        let lambda = w.row_lambda(n - 1, q.nrows());
        let ones = vec![1.0f32; folded.features.len()];
        let s = self.sides.users.offset_of(&folded.features, &ones);
        let spd = Spd::factor(normal_matrix(&history, q, &self.item_gram, &w, lambda), k).ok()?;
        let row =
            |j: u32| -> Vec<f64> { q.row(j as usize).iter().map(|&v| f64::from(v)).collect() };
        // x = B⁻¹ b' with b' = c Σ q_j + λ' s.
        let mut x: Vec<f64> = s.iter().map(|v| lambda * v).collect();
        for &j in &history {
            for (xi, qi) in x.iter_mut().zip(row(j)) {
                *xi += w.positive * qi;
            }
        }
        spd.solve(&mut x).ok()?;
        let (c, e) = (w.positive, w.positive - w.unobserved);
        let mut vectors = Vec::with_capacity(n);
        for &j in &history {
            let qj = row(j);
            let mut u = qj.clone();
            spd.solve(&mut u).ok()?;
            let qu = dot(&qj, &u);
            let d = 1.0 - e * qu;
            if !d.is_finite() || d.abs() < 1e-12 {
                return None;
            }
            let t = e * (dot(&qj, &x) - c * qu) / d;
            vectors.push(
                x.iter()
                    .zip(&u)
                    .map(|(xi, ui)| xi - c * ui + t * ui)
                    .collect(),
            );
        }
        Some(Removals {
            history,
            folded,
            vectors,
        })
    }
}
