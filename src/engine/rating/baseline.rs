//! The global mean and Koren's baseline predictor b_ui = μ + b_u + b_i, with the biases fitted
//! by alternating regularised closed-form passes (Koren, "Factor in the neighbors", 2010, §2.1).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::{at, global_mean, RatingMatrix, RatingModel};
use crate::data::split::Interaction;
use crate::data::Csr;

/// Predicts the mean training rating for everyone.
#[derive(Debug, Clone, PartialEq)]
pub struct GlobalMean {
    pub mean: f32,
}

impl GlobalMean {
    pub fn fit(train: &[Interaction]) -> GlobalMean {
        GlobalMean {
            mean: global_mean(train) as f32,
        }
    }
}

impl RatingModel for GlobalMean {
    fn name(&self) -> &str {
        "global-mean"
    }

    fn predict(&self, _user: u32, _item: u32) -> f32 {
        self.mean
    }
}

/// Hyper-parameters of [`BiasBaseline`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BiasConfig {
    /// Shrinkage of the user biases (λ in b_u = Σ(r − μ − b_i) / (λ + |R(u)|)).
    pub reg_user: f64,
    /// Shrinkage of the item biases.
    pub reg_item: f64,
    /// Alternating passes (each updates the item, then the user biases).
    pub passes: usize,
}

impl Default for BiasConfig {
    fn default() -> Self {
        BiasConfig {
            reg_user: 5.0,
            reg_item: 3.0,
            passes: 10,
        }
    }
}

/// μ + b_u + b_i with regularised biases.
#[derive(Debug, Clone, PartialEq)]
pub struct BiasBaseline {
    pub mean: f32,
    pub user_bias: Vec<f32>,
    pub item_bias: Vec<f32>,
}

impl BiasBaseline {
    pub fn fit(
        train: &[Interaction],
        n_users: usize,
        n_items: usize,
        config: &BiasConfig,
    ) -> BiasBaseline {
        Self::fit_matrix(&RatingMatrix::new(train, n_users, n_items), config)
    }

    pub(crate) fn fit_matrix(m: &RatingMatrix, config: &BiasConfig) -> BiasBaseline {
        Self::fit_rows(m.mean, &m.by_user, &m.by_item, config)
    }

    /// The fit from the ratings by user (`n_users` × `n_items`, the values the stars) and their
    /// `mean` taken in the caller's order: what [`BiasBaseline::fit`] computes, without a copy of
    /// the ratings as interactions.
    pub fn fit_by_user(mean: f64, by_user: &Csr, config: &BiasConfig) -> BiasBaseline {
        Self::fit_rows(mean, by_user, &by_user.transpose(), config)
    }

    /// Alternating passes; every bias is its own sum over its row, so the rows are split across
    /// threads with the same result at any thread count.
    fn fit_rows(mu: f64, by_user: &Csr, by_item: &Csr, config: &BiasConfig) -> BiasBaseline {
        let mut bu = vec![0f64; by_user.n_rows];
        let mut bi = vec![0f64; by_item.n_rows];
        let pass = |rows: &Csr, other: &[f64], reg: f64, out: &mut [f64]| {
            out.par_iter_mut().enumerate().for_each(|(r, b)| {
                let sum: f64 = rows
                    .row(r)
                    .iter()
                    .zip(rows.row_values(r))
                    .map(|(&c, &v)| f64::from(v) - mu - other[c as usize])
                    .sum();
                *b = sum / (reg + rows.row_len(r) as f64);
            });
        };
        for _ in 0..config.passes {
            pass(by_item, &bu, config.reg_item, &mut bi);
            pass(by_user, &bi, config.reg_user, &mut bu);
        }
        BiasBaseline {
            mean: mu as f32,
            user_bias: bu.into_iter().map(|b| b as f32).collect(),
            item_bias: bi.into_iter().map(|b| b as f32).collect(),
        }
    }

    /// μ + b_u + b_i (a bias of an index never seen in training is 0).
    pub fn baseline(&self, user: u32, item: u32) -> f32 {
        self.mean + at(&self.user_bias, user) + at(&self.item_bias, item)
    }
}

impl RatingModel for BiasBaseline {
    fn name(&self) -> &str {
        "bias-baseline"
    }

    fn predict(&self, user: u32, item: u32) -> f32 {
        self.baseline(user, item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(user: u32, item: u32, rating: f32) -> Interaction {
        Interaction {
            user,
            item,
            rating,
            timestamp: 0,
        }
    }

    #[test]
    fn closed_form_without_shrinkage() {
        // Additive data: r = 3 + a_u + c_i is fitted exactly without regularisation.
        let a = [0.5f32, -0.5];
        let c = [1.0f32, 0.0, -1.0];
        let train: Vec<Interaction> = (0..2)
            .flat_map(|u| (0..3).map(move |i| r(u, i, 3.0 + a[u as usize] + c[i as usize])))
            .collect();
        let cfg = BiasConfig {
            reg_user: 0.0,
            reg_item: 0.0,
            passes: 20,
        };
        let m = BiasBaseline::fit(&train, 2, 3, &cfg);
        for t in &train {
            assert!((m.predict(t.user, t.item) - t.rating).abs() < 1e-5);
        }
        assert_eq!(
            m.predict(7, 9),
            m.mean,
            "unknown indices fall back to the mean"
        );
        assert!((GlobalMean::fit(&train).mean - 3.0).abs() < 1e-6);
    }
}
