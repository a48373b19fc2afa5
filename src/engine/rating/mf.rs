//! Biased matrix factorisation trained by stochastic gradient descent (Funk SVD with biases,
//! Koren, Bell & Volinsky 2009): r̂_ui = μ + b_u + b_i + q_iᵀ p_u, and optionally SVD++'s implicit
//! term (Koren 2008): p_u + |N(u)|^−½ Σ_{j∈N(u)} y_j, N(u) = the items u rated in training.
//!
//! Training is single-threaded and seeded (ChaCha8), so equal inputs give bit-identical models.
//! With the implicit term, SGD visits users in a shuffled order and a user's ratings in a shuffled
//! order, and applies the accumulated y gradient once per user (the usual batched SVD++ update),
//! which keeps an epoch linear in the number of ratings.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use super::{at, gaussian, RatingMatrix, RatingModel};
use crate::data::split::Interaction;
use crate::engine::kernels::dot_f32x8_serial;

/// Hyper-parameters of [`BiasedMf`]. The defaults are tuned on ML-100K u1..u5 (plain biased MF:
/// mean RMSE ≈ 0.919); [`MfConfig::svdpp`] gives the tuned SVD++.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfConfig {
    pub factors: usize,
    pub epochs: usize,
    /// Learning rate of the factors.
    pub lr: f32,
    /// Learning rate of the biases.
    pub lr_bias: f32,
    /// L2 penalty of the factors p, q.
    pub reg: f32,
    /// L2 penalty of the biases.
    pub reg_bias: f32,
    /// L2 penalty of the implicit factors y, applied once per rating of the user (the batched
    /// update applies |R(u)| times this penalty at the end of user u's pass).
    pub reg_implicit: f32,
    /// Standard deviation of the initial factors.
    pub init_std: f32,
    /// Both learning rates are multiplied by this after every epoch.
    pub decay: f32,
    /// Adds SVD++'s implicit term.
    pub implicit: bool,
}

impl Default for MfConfig {
    fn default() -> Self {
        MfConfig {
            factors: 100,
            epochs: 60,
            lr: 0.007,
            lr_bias: 0.007,
            reg: 0.08,
            reg_bias: 0.02,
            reg_implicit: 0.003,
            init_std: 0.1,
            decay: 0.97,
            implicit: false,
        }
    }
}

impl MfConfig {
    /// SVD++ (the implicit term on), tuned on ML-100K u1..u5: mean RMSE ≈ 0.903.
    pub fn svdpp() -> MfConfig {
        MfConfig {
            reg: 0.1,
            implicit: true,
            ..MfConfig::default()
        }
    }
}

/// A fitted biased factorisation (with or without the implicit term).
#[derive(Debug, Clone, PartialEq)]
pub struct BiasedMf {
    pub mean: f32,
    pub factors: usize,
    pub user_bias: Vec<f32>,
    pub item_bias: Vec<f32>,
    /// Row-major n_users × factors; with the implicit term already added (p_u + |N(u)|^−½ Σ y_j).
    pub user_factors: Vec<f32>,
    /// Row-major n_items × factors.
    pub item_factors: Vec<f32>,
    name: &'static str,
}

impl BiasedMf {
    pub fn fit(
        train: &[Interaction],
        n_users: usize,
        n_items: usize,
        config: &MfConfig,
        seed: u64,
    ) -> BiasedMf {
        let m = RatingMatrix::new(train, n_users, n_items);
        let f = config.factors;
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut init = |n: usize| -> Vec<f32> {
            (0..n * f)
                .map(|_| gaussian(&mut rng) as f32 * config.init_std)
                .collect()
        };
        let mut s = SweepState {
            mu: m.mean as f32,
            f,
            bu: vec![0.0; n_users],
            bi: vec![0.0; n_items],
            p: init(n_users),
            q: init(n_items),
            y: if config.implicit {
                vec![0.0; n_items * f]
            } else {
                Vec::new()
            },
        };
        let (mut lr, mut lr_bias) = (config.lr, config.lr_bias);
        let mut order: Vec<usize> = (0..train.len()).collect();
        let mut users: Vec<usize> = (0..n_users).collect();
        for _ in 0..config.epochs {
            if config.implicit {
                users.shuffle(&mut rng);
                for &u in &users {
                    s.svdpp_user(&m, u, config, lr, lr_bias, &mut rng);
                }
            } else {
                order.shuffle(&mut rng);
                for &k in &order {
                    let r = &train[k];
                    s.funk_step(
                        r.user as usize,
                        r.item as usize,
                        r.rating,
                        config,
                        lr,
                        lr_bias,
                    );
                }
            }
            lr *= config.decay;
            lr_bias *= config.decay;
        }
        if config.implicit {
            for u in 0..n_users {
                let z = s.implicit_sum(&m, u);
                s.p[u * f..(u + 1) * f]
                    .iter_mut()
                    .zip(&z)
                    .for_each(|(p, z)| *p += z);
            }
        }
        BiasedMf {
            mean: s.mu,
            factors: f,
            user_bias: s.bu,
            item_bias: s.bi,
            user_factors: s.p,
            item_factors: s.q,
            name: if config.implicit {
                "svd++"
            } else {
                "biased-mf"
            },
        }
    }
}

impl RatingModel for BiasedMf {
    fn name(&self) -> &str {
        self.name
    }

    fn predict(&self, user: u32, item: u32) -> f32 {
        let (u, i, f) = (user as usize, item as usize, self.factors);
        let mut p = self.mean + at(&self.user_bias, user) + at(&self.item_bias, item);
        if (u + 1) * f <= self.user_factors.len() && (i + 1) * f <= self.item_factors.len() {
            p += dot_f32x8_serial(
                &self.user_factors[u * f..(u + 1) * f],
                &self.item_factors[i * f..(i + 1) * f],
            );
        }
        p
    }
}

/// Parameters during training.
struct SweepState {
    mu: f32,
    f: usize,
    bu: Vec<f32>,
    bi: Vec<f32>,
    p: Vec<f32>,
    q: Vec<f32>,
    y: Vec<f32>,
}

impl SweepState {
    /// One SGD step of plain biased MF on rating `r` of (u, i).
    fn funk_step(&mut self, u: usize, i: usize, r: f32, c: &MfConfig, lr: f32, lr_bias: f32) {
        let f = self.f;
        let (pu, qi) = (
            &mut self.p[u * f..(u + 1) * f],
            &mut self.q[i * f..(i + 1) * f],
        );
        let e = r - (self.mu + self.bu[u] + self.bi[i] + dot_f32x8_serial(pu, qi));
        self.bu[u] += lr_bias * (e - c.reg_bias * self.bu[u]);
        self.bi[i] += lr_bias * (e - c.reg_bias * self.bi[i]);
        for (p, q) in pu.iter_mut().zip(qi.iter_mut()) {
            let (p0, q0) = (*p, *q);
            *p += lr * (e * q0 - c.reg * p0);
            *q += lr * (e * p0 - c.reg * q0);
        }
    }

    /// |N(u)|^−½ Σ_{j∈N(u)} y_j.
    fn implicit_sum(&self, m: &RatingMatrix, u: usize) -> Vec<f32> {
        let f = self.f;
        let items = m.by_user.row(u);
        let mut z = vec![0f32; f];
        if items.is_empty() {
            return z;
        }
        for &j in items {
            z.iter_mut()
                .zip(&self.y[j as usize * f..(j as usize + 1) * f])
                .for_each(|(z, y)| *z += y);
        }
        let norm = 1.0 / (items.len() as f32).sqrt();
        z.iter_mut().for_each(|z| *z *= norm);
        z
    }

    /// One SVD++ pass over user `u`'s ratings, then the batched update of the y of N(u).
    fn svdpp_user(
        &mut self,
        m: &RatingMatrix,
        u: usize,
        c: &MfConfig,
        lr: f32,
        lr_bias: f32,
        rng: &mut ChaCha8Rng,
    ) {
        let f = self.f;
        let items = m.by_user.row(u);
        if items.is_empty() {
            return;
        }
        let ratings = m.by_user.row_values(u);
        let z = self.implicit_sum(m, u);
        let mut gz = vec![0f32; f];
        let mut order: Vec<usize> = (0..items.len()).collect();
        order.shuffle(rng);
        for &k in &order {
            let i = items[k] as usize;
            let (pu, qi) = (
                &mut self.p[u * f..(u + 1) * f],
                &mut self.q[i * f..(i + 1) * f],
            );
            let pred = self.mu
                + self.bu[u]
                + self.bi[i]
                + dot_f32x8_serial(pu, qi)
                + dot_f32x8_serial(&z, qi);
            let e = ratings[k] - pred;
            self.bu[u] += lr_bias * (e - c.reg_bias * self.bu[u]);
            self.bi[i] += lr_bias * (e - c.reg_bias * self.bi[i]);
            for d in 0..f {
                let (p0, q0) = (pu[d], qi[d]);
                pu[d] += lr * (e * q0 - c.reg * p0);
                qi[d] += lr * (e * (p0 + z[d]) - c.reg * q0);
                gz[d] += e * q0;
            }
        }
        let norm = 1.0 / (items.len() as f32).sqrt();
        let steps = items.len() as f32;
        for &j in items {
            let yj = &mut self.y[j as usize * f..(j as usize + 1) * f];
            for (y, g) in yj.iter_mut().zip(&gz) {
                *y += lr * (norm * g - steps * c.reg_implicit * *y);
            }
        }
    }
}
