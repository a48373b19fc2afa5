//! Rating prediction (explicit feedback, PROTOCOL.md's rating task): the global mean, Koren's
//! regularised user and item biases, a truncated SVD of the centred rating matrix, and biased
//! matrix factorisation trained by SGD (Funk SVD, optionally with SVD++'s implicit term).
//!
//! Every model predicts for any (user, item): indices never seen in training fall back to the
//! parts that exist (biases, then the global mean). Predictions are not clipped here; the
//! evaluator clips them to the dataset's scale.

mod baseline;
mod mf;
mod svd;

use rand::Rng;
use serde::{Deserialize, Serialize};

pub use baseline::{BiasBaseline, BiasConfig, GlobalMean};
pub use mf::{BiasedMf, MfConfig};
pub use svd::{Centre, SvdConfig, TruncatedSvd};

use crate::data::split::Interaction;
use crate::data::Csr;

/// A fitted model that predicts a rating.
pub trait RatingModel: Send + Sync {
    /// Short name used in tables (`global-mean`, `bias-baseline`, `truncated-svd`, `biased-mf`, `svd++`).
    fn name(&self) -> &str;
    /// Predicted rating of `item` by `user` (dense indices), unclipped.
    fn predict(&self, user: u32, item: u32) -> f32;
}

/// A rating model with its hyper-parameters: what to fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RatingSpec {
    GlobalMean,
    Bias(BiasConfig),
    Svd(SvdConfig),
    Mf(MfConfig),
}

impl RatingSpec {
    /// Fits the model on `train` (dense indices below `n_users` and `n_items`); `seed` drives every
    /// random choice, so equal inputs give equal models.
    pub fn fit(
        &self,
        train: &[Interaction],
        n_users: usize,
        n_items: usize,
        seed: u64,
    ) -> Box<dyn RatingModel> {
        match self {
            RatingSpec::GlobalMean => Box::new(GlobalMean::fit(train)),
            RatingSpec::Bias(c) => Box::new(BiasBaseline::fit(train, n_users, n_items, c)),
            RatingSpec::Svd(c) => Box::new(TruncatedSvd::fit(train, n_users, n_items, c, seed)),
            RatingSpec::Mf(c) => Box::new(BiasedMf::fit(train, n_users, n_items, c, seed)),
        }
    }

    /// The default line-up: every model with its tuned defaults.
    pub fn all_defaults() -> Vec<RatingSpec> {
        vec![
            RatingSpec::GlobalMean,
            RatingSpec::Bias(BiasConfig::default()),
            RatingSpec::Svd(SvdConfig::default()),
            RatingSpec::Mf(MfConfig::default()),
            RatingSpec::Mf(MfConfig::svdpp()),
        ]
    }
}

/// Training ratings as CSR matrices by user and by item, with their mean.
#[derive(Debug, Clone)]
pub(crate) struct RatingMatrix {
    pub mean: f64,
    pub by_user: Csr,
    pub by_item: Csr,
}

impl RatingMatrix {
    pub fn new(train: &[Interaction], n_users: usize, n_items: usize) -> RatingMatrix {
        let users: Vec<u32> = train.iter().map(|r| r.user).collect();
        let items: Vec<u32> = train.iter().map(|r| r.item).collect();
        let ratings: Vec<f32> = train.iter().map(|r| r.rating).collect();
        let by_user = Csr::from_triplets(n_users, n_items, &users, &items, &ratings);
        let by_item = by_user.transpose();
        RatingMatrix {
            mean: global_mean(train),
            by_user,
            by_item,
        }
    }
}

/// Mean of `ratings` summed in their order (0 when empty): [`global_mean`] of ratings kept as
/// columns.
pub fn mean_rating(ratings: &[f32]) -> f64 {
    if ratings.is_empty() {
        0.0
    } else {
        ratings.iter().map(|&r| f64::from(r)).sum::<f64>() / ratings.len() as f64
    }
}

/// Mean rating of `train` (0 when empty).
pub(crate) fn global_mean(train: &[Interaction]) -> f64 {
    if train.is_empty() {
        0.0
    } else {
        train.iter().map(|r| f64::from(r.rating)).sum::<f64>() / train.len() as f64
    }
}

/// A standard normal draw (Box–Muller), so that the models need no distribution crate.
pub(crate) fn gaussian(rng: &mut impl Rng) -> f64 {
    let u1: f64 = 1.0 - rng.gen::<f64>();
    let u2: f64 = rng.gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// Value of `v[i]`, or 0 when `i` is out of range (an index never seen in training).
pub(crate) fn at(v: &[f32], i: u32) -> f32 {
    v.get(i as usize).copied().unwrap_or(0.0)
}
