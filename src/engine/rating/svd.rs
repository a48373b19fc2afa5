//! Truncated SVD of the centred rating matrix: residuals r_ui − b_ui (missing entries are 0) are
//! approximated by their best rank-k approximation U_k Σ_k V_kᵀ, computed with a randomized
//! subspace iteration (Halko, Martinsson & Tropp 2011) on the sparse matrix, and the prediction is
//! b_ui + (U_k Σ_k V_kᵀ)_ui.

use ndarray::{s, Array2};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{gaussian, BiasBaseline, BiasConfig, RatingMatrix, RatingModel};
use crate::data::split::Interaction;
use crate::data::Csr;
use crate::engine::kernels::eigen::{orthonormal_columns, sparse_dot, symmetric_eigen};

/// What is subtracted before the decomposition (and added back to every prediction).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Centre {
    /// Each user's mean rating (the global mean for a user without ratings).
    UserMean,
    /// Koren's baseline μ + b_u + b_i.
    Bias(BiasConfig),
}

/// Hyper-parameters of [`TruncatedSvd`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SvdConfig {
    /// Rank k.
    pub factors: usize,
    pub centre: Centre,
    /// Extra random directions of the subspace iteration.
    pub oversample: usize,
    /// Power iterations (each one multiplies by A Aᵀ).
    pub power_iters: usize,
}

impl Default for SvdConfig {
    fn default() -> Self {
        SvdConfig {
            factors: 12,
            centre: Centre::Bias(BiasConfig::default()),
            oversample: 10,
            power_iters: 4,
        }
    }
}

/// A rank-k SVD of the centred ratings on top of a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct TruncatedSvd {
    pub base: BiasBaseline,
    pub factors: usize,
    /// Singular values, descending.
    pub singular_values: Vec<f32>,
    /// U_k Σ_k, row-major n_users × k.
    pub user_factors: Vec<f32>,
    /// V_k, row-major n_items × k.
    pub item_factors: Vec<f32>,
}

impl TruncatedSvd {
    pub fn fit(
        train: &[Interaction],
        n_users: usize,
        n_items: usize,
        config: &SvdConfig,
        seed: u64,
    ) -> TruncatedSvd {
        let m = RatingMatrix::new(train, n_users, n_items);
        let base = match &config.centre {
            Centre::Bias(c) => BiasBaseline::fit_matrix(&m, c),
            Centre::UserMean => user_means(&m),
        };
        let mut residual = m.by_user.clone();
        for u in 0..residual.n_rows {
            let (a, b) = (residual.indptr[u], residual.indptr[u + 1]);
            for k in a..b {
                residual.values[k] -= base.baseline(u as u32, residual.indices[k]);
            }
        }
        let (sigma, u, v) = randomized_svd(
            &residual,
            config.factors,
            config.oversample,
            config.power_iters,
            seed,
        );
        let k = sigma.len();
        let mut user_factors = Vec::with_capacity(n_users * k);
        for row in u.rows() {
            user_factors.extend(row.iter().zip(&sigma).map(|(&x, &s)| (x * s) as f32));
        }
        TruncatedSvd {
            base,
            factors: k,
            singular_values: sigma.iter().map(|&s| s as f32).collect(),
            user_factors,
            item_factors: v.iter().map(|&x| x as f32).collect(),
        }
    }
}

impl RatingModel for TruncatedSvd {
    fn name(&self) -> &str {
        "truncated-svd"
    }

    fn predict(&self, user: u32, item: u32) -> f32 {
        let (u, i, k) = (user as usize, item as usize, self.factors);
        let mut p = self.base.baseline(user, item);
        if (u + 1) * k <= self.user_factors.len() && (i + 1) * k <= self.item_factors.len() {
            p += self.user_factors[u * k..(u + 1) * k]
                .iter()
                .zip(&self.item_factors[i * k..(i + 1) * k])
                .map(|(a, b)| a * b)
                .sum::<f32>();
        }
        p
    }
}

/// The user-mean centring as a baseline: b_u = mean_u − μ, b_i = 0.
fn user_means(m: &RatingMatrix) -> BiasBaseline {
    let user_bias = (0..m.by_user.n_rows)
        .map(|u| {
            let vals = m.by_user.row_values(u);
            if vals.is_empty() {
                0.0
            } else {
                (vals.iter().map(|&v| f64::from(v)).sum::<f64>() / vals.len() as f64 - m.mean)
                    as f32
            }
        })
        .collect();
    BiasBaseline {
        mean: m.mean as f32,
        user_bias,
        item_bias: vec![0.0; m.by_item.n_rows],
    }
}

/// Top-`k` singular triplets of the sparse `a` (σ descending, U as rows × k, V as cols × k) by a
/// randomized range finder with `oversample` extra directions and `power_iters` power iterations.
pub fn randomized_svd(
    a: &Csr,
    k: usize,
    oversample: usize,
    power_iters: usize,
    seed: u64,
) -> (Vec<f64>, Array2<f64>, Array2<f64>) {
    let at = a.transpose();
    let l = (k + oversample).min(a.n_rows).min(a.n_cols);
    let k = k.min(l);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let omega = Array2::from_shape_simple_fn((a.n_cols, l), || gaussian(&mut rng));
    let mut q = orthonormal_columns(&sparse_dot(a, &omega));
    for _ in 0..power_iters {
        let z = orthonormal_columns(&sparse_dot(&at, &q));
        q = orthonormal_columns(&sparse_dot(a, &z));
    }
    // B = Qᵀ A (l × cols), held as its transpose; B Bᵀ = W Λ Wᵀ gives B's left singular vectors.
    let bt = sparse_dot(&at, &q);
    let (lambda, w) = symmetric_eigen(&bt.t().dot(&bt));
    let w = w.slice(s![.., ..k]).to_owned();
    let sigma: Vec<f64> = lambda.iter().take(k).map(|&x| x.max(0.0).sqrt()).collect();
    let u = q.dot(&w);
    let mut v = bt.dot(&w);
    for (j, mut col) in v.columns_mut().into_iter().enumerate() {
        if sigma[j] > 0.0 {
            col.mapv_inplace(|x| x / sigma[j]);
        } else {
            col.fill(0.0);
        }
    }
    (sigma, u, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_low_rank_matrix() {
        // A 30 × 20 dense matrix of rank 2 held sparse: the rank-2 SVD reproduces it.
        let (mut rows, mut cols, mut vals) = (vec![], vec![], vec![]);
        for r in 0..30u32 {
            for c in 0..20u32 {
                rows.push(r);
                cols.push(c);
                vals.push(
                    (r as f32 * 0.1 + 1.0) * (c as f32 % 3.0 - 1.0)
                        + (c as f32 * 0.05) * ((r % 4) as f32 - 1.5),
                );
            }
        }
        let a = Csr::from_triplets(30, 20, &rows, &cols, &vals);
        let (sigma, u, v) = randomized_svd(&a, 2, 5, 2, 7);
        assert!(sigma[0] >= sigma[1] && sigma[1] > 0.0);
        let back = u
            .dot(&Array2::from_diag(&ndarray::Array1::from(sigma)))
            .dot(&v.t());
        for k in 0..rows.len() {
            assert!((back[[rows[k] as usize, cols[k] as usize]] - f64::from(vals[k])).abs() < 1e-4);
        }
    }
}
