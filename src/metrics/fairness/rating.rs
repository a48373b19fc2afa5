//! The rating side of the audit: the best of a line-up of rating models on PROTOCOL.md's rating
//! splits (ML-100K: the canonical folds u1..u5; elsewhere one random 90/10 split with the seed),
//! with every test rating's signed error kept so that RMSE can be taken per user group. Each
//! rating of u1..u5 is in exactly one fold's test, so a group's RMSE pools the out-of-fold errors
//! of its users' ratings over the folds.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::split::{ml100k_fold, random_ratings_of, Split};
use crate::data::{DataResult, Dataset};
use crate::engine::rating::RatingSpec;
use crate::metrics::rating::{rating_errors, RatingMetrics};

/// Signed errors (clipped prediction − rating) of the best model and of the global mean.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingErrors {
    /// The best model's name and settings.
    pub model: String,
    pub spec: RatingSpec,
    /// The splits the errors come from.
    pub splits: Vec<String>,
    /// Mean over the splits of the best model's RMSE (what chose it).
    pub mean_rmse: f64,
    /// Mean over the splits of the global mean's RMSE.
    pub global_mean_rmse: f64,
    /// User of every test rating, in split order.
    pub users: Vec<u32>,
    pub errors: Vec<f64>,
    pub global_mean_errors: Vec<f64>,
}

impl RatingErrors {
    /// RMSE and MAE of the best model and of the global mean over the test ratings of the users
    /// for which `keep(user)` holds (`None` when they have no test rating).
    pub fn of_users(&self, keep: impl Fn(u32) -> bool) -> Option<(RatingMetrics, RatingMetrics)> {
        let mut model = Vec::new();
        let mut global = Vec::new();
        for ((&u, &e), &g) in self
            .users
            .iter()
            .zip(&self.errors)
            .zip(&self.global_mean_errors)
        {
            if keep(u) {
                model.push(e);
                global.push(g);
            }
        }
        (!model.is_empty()).then(|| {
            (
                RatingMetrics::from_errors(&model),
                RatingMetrics::from_errors(&global),
            )
        })
    }
}

/// PROTOCOL.md's rating splits of `dataset`.
pub fn rating_splits(dataset: &Dataset, seed: u64) -> DataResult<Vec<Split>> {
    rating_splits_of(dataset, seed, |_| true)
}

/// [`rating_splits`] with only the ratings of the users for which `keep(user)` holds.
pub fn rating_splits_of(
    dataset: &Dataset,
    seed: u64,
    keep: impl Fn(u32) -> bool,
) -> DataResult<Vec<Split>> {
    if dataset.name == "ml-100k" {
        ["u1", "u2", "u3", "u4", "u5"]
            .iter()
            .map(|f| {
                let mut split = ml100k_fold(dataset, f)?;
                split.train.retain(|r| keep(r.user));
                split.test.retain(|r| keep(r.user));
                Ok(split)
            })
            .collect()
    } else {
        Ok(vec![random_ratings_of(dataset, seed, keep)])
    }
}

/// Fits every spec (and the global mean) on every split, keeps the spec of lowest mean RMSE
/// (ties: the earlier spec) and returns its errors beside the global mean's.
pub fn best_rating_errors(
    dataset: &Dataset,
    splits: &[Split],
    specs: &[RatingSpec],
    seed: u64,
) -> RatingErrors {
    let run = |spec: &RatingSpec| -> (String, f64, Vec<f64>) {
        let mut name = String::new();
        let mut rmse_sum = 0.0;
        let mut errors = Vec::new();
        for split in splits {
            let model = spec.fit(&split.train, dataset.n_users(), dataset.n_items(), seed);
            name = model.name().to_string();
            let e = rating_errors(model.as_ref(), &split.test, dataset.scale);
            rmse_sum += RatingMetrics::from_errors(&e).rmse;
            errors.extend(e);
        }
        (name, rmse_sum / splits.len().max(1) as f64, errors)
    };
    // The global mean, then the line-up; the fits are independent (each single-threaded), so
    // they run side by side and are compared in line-up order.
    let line_up: Vec<RatingSpec> = std::iter::once(RatingSpec::GlobalMean)
        .chain(
            specs
                .iter()
                .filter(|s| **s != RatingSpec::GlobalMean)
                .cloned(),
        )
        .collect();
    let mut runs = line_up
        .par_iter()
        .map(run)
        .collect::<Vec<_>>()
        .into_iter()
        .zip(line_up);
    let ((_, global_rmse, global_errors), _) = runs.next().expect("the global mean");
    let mut best = (
        "global-mean".to_string(),
        RatingSpec::GlobalMean,
        global_rmse,
        global_errors.clone(),
    );
    for ((name, rmse, errors), spec) in runs {
        if rmse < best.2 {
            best = (name, spec, rmse, errors);
        }
    }
    RatingErrors {
        model: best.0,
        spec: best.1,
        splits: splits.iter().map(|s| s.name.clone()).collect(),
        mean_rmse: best.2,
        global_mean_rmse: global_rmse,
        users: splits
            .iter()
            .flat_map(|s| s.test.iter().map(|r| r.user))
            .collect(),
        errors: best.3,
        global_mean_errors: global_errors,
    }
}
