//! Rating-task metrics of PROTOCOL.md: RMSE and MAE of predictions clipped to the dataset's scale,
//! per split and over ML-100K's canonical folds u1..u5, always with the global mean beside.

use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::sample::{Population, UserSample};
use crate::data::registry::RatingScale;
use crate::data::split::{ml100k_fold, random_ratings, random_ratings_of, Interaction, Split};
use crate::data::{DataResult, Dataset};
use crate::engine::rating::{RatingModel, RatingSpec};

/// RMSE and MAE over `n` test ratings (NaN when `n` is 0).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingMetrics {
    pub rmse: f64,
    pub mae: f64,
    pub n: usize,
}

/// RMSE and MAE of `model` on `test`, each prediction clipped to `scale` (summed in test order).
pub fn evaluate_rating(
    model: &dyn RatingModel,
    test: &[Interaction],
    scale: RatingScale,
) -> RatingMetrics {
    RatingMetrics::from_errors(&rating_errors(model, test, scale))
}

/// Signed errors (clipped prediction − rating) in test order, for grouping by user (fairness). A
/// NaN prediction is replaced by the middle of the scale.
pub fn rating_errors(
    model: &dyn RatingModel,
    test: &[Interaction],
    scale: RatingScale,
) -> Vec<f64> {
    test.iter()
        .map(|r| {
            let p = model.predict(r.user, r.item);
            let p = if p.is_nan() {
                (scale.min + scale.max) / 2.0
            } else {
                scale.clip(p)
            };
            f64::from(p) - f64::from(r.rating)
        })
        .collect()
}

impl RatingMetrics {
    /// RMSE and MAE of signed errors, summed in the order given.
    pub fn from_errors(errors: &[f64]) -> RatingMetrics {
        let n = errors.len();
        let se: f64 = errors.iter().map(|e| e * e).sum();
        let ae: f64 = errors.iter().map(|e| e.abs()).sum();
        RatingMetrics {
            rmse: (se / n as f64).sqrt(),
            mae: ae / n as f64,
            n,
        }
    }
}

/// One model on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldResult {
    /// The split's name (`u1`, `random-90-10 seed=1`, …).
    pub fold: String,
    pub rmse: f64,
    pub mae: f64,
    pub n: usize,
    /// Wall-clock time of the fit (not serialised, so reports repeat byte for byte; see
    /// [`FoldsReport::timings`]).
    #[serde(skip)]
    pub fit_seconds: f64,
}

/// One model over several splits, with the means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelFolds {
    pub model: String,
    pub spec: RatingSpec,
    pub folds: Vec<FoldResult>,
    pub mean_rmse: f64,
    pub mean_mae: f64,
    /// Mean wall-clock time of the fits (not serialised).
    #[serde(skip)]
    pub mean_fit_seconds: f64,
}

/// Every model over the same splits; the global mean always comes first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FoldsReport {
    pub dataset: String,
    pub folds: Vec<String>,
    pub seed: u64,
    /// Per split (in `folds`' order), whose ratings it holds: every user with a rating, or on
    /// large data a seeded sample of them ([`random_split_for`]).
    #[serde(default)]
    pub users: Vec<UserSample>,
    pub models: Vec<ModelFolds>,
}

impl FoldsReport {
    /// The fit times of every model on every fold, for `reports/timings.json`.
    pub fn timings(&self, report: &str) -> super::experiment::Timings {
        super::experiment::Timings {
            report: report.to_string(),
            dataset: self.dataset.clone(),
            fits: self
                .models
                .iter()
                .flat_map(|m| {
                    m.folds.iter().map(|f| super::experiment::FitTime {
                        model: m.model.clone(),
                        split: f.fold.clone(),
                        fit_seconds: f.fit_seconds,
                    })
                })
                .collect(),
        }
    }

    /// The model with the lowest mean RMSE.
    pub fn best(&self) -> Option<&ModelFolds> {
        self.models
            .iter()
            .min_by(|a, b| a.mean_rmse.total_cmp(&b.mean_rmse))
    }
}

/// PROTOCOL.md's random 90/10 split with `seed` of the ratings of the users `population` asks for:
/// every user with a rating, or a seeded sample of them ([`crate::metrics::sample`]; at most
/// 10,000 users by default, so SVD++ fits in about a minute on ML-32M instead of an hour). Each
/// kept rating lands in train or test as in the whole split; the split's name states the sample.
pub fn random_split_for(
    dataset: &Dataset,
    seed: u64,
    population: Population,
) -> (Split, UserSample) {
    let users = UserSample::draw(dataset.rated_users(), population, seed);
    if !users.is_sample() {
        return (random_ratings(dataset, seed), users);
    }
    let mut keep = vec![false; dataset.n_users()];
    for &u in &users.users {
        keep[u as usize] = true;
    }
    let mut split = random_ratings_of(dataset, seed, |u| keep[u as usize]);
    split.name = format!("{} ({})", split.name, users.short());
    (split, users)
}

/// Fits every spec on every split and evaluates it on the split's test ratings. The global mean
/// is added in front when `specs` lacks it. Every user's ratings are in the splits.
pub fn evaluate_splits(
    dataset: &Dataset,
    splits: &[Split],
    specs: &[RatingSpec],
    seed: u64,
) -> FoldsReport {
    let everyone = UserSample::draw(dataset.rated_users(), Population::All, seed);
    evaluate_splits_of(dataset, splits, vec![everyone; splits.len()], specs, seed)
}

/// [`evaluate_splits`] of splits holding the ratings of `users` (one per split, as the report
/// states them). The fits are independent and seeded (each gives the same model at any thread
/// count), so every (model, split) pair is fitted side by side; the report lists them in line-up
/// order. Their fit times are wall-clock times of fits that ran concurrently.
pub fn evaluate_splits_of(
    dataset: &Dataset,
    splits: &[Split],
    users: Vec<UserSample>,
    specs: &[RatingSpec],
    seed: u64,
) -> FoldsReport {
    assert_eq!(users.len(), splits.len(), "one user sample per split");
    let mut specs = specs.to_vec();
    if !specs.contains(&RatingSpec::GlobalMean) {
        specs.insert(0, RatingSpec::GlobalMean);
    }
    let pairs: Vec<(usize, usize)> = (0..specs.len())
        .flat_map(|m| (0..splits.len()).map(move |s| (m, s)))
        .collect();
    let fitted: Vec<(String, FoldResult)> = pairs
        .par_iter()
        .with_max_len(1)
        .map(|&(m, s)| {
            let split = &splits[s];
            let start = Instant::now();
            let model = specs[m].fit(&split.train, dataset.n_users(), dataset.n_items(), seed);
            let fit_seconds = start.elapsed().as_secs_f64();
            let metrics = evaluate_rating(model.as_ref(), &split.test, dataset.scale);
            let result = FoldResult {
                fold: split.name.clone(),
                rmse: metrics.rmse,
                mae: metrics.mae,
                n: metrics.n,
                fit_seconds,
            };
            (model.name().to_string(), result)
        })
        .collect();
    let mut fitted = fitted.into_iter();
    let models = specs
        .into_iter()
        .map(|spec| {
            let mut name = String::new();
            let folds: Vec<FoldResult> = (0..splits.len())
                .map(|_| {
                    let (model, fold) = fitted.next().expect("one fit per model and split");
                    name = model;
                    fold
                })
                .collect();
            let mean =
                |f: fn(&FoldResult) -> f64| folds.iter().map(f).sum::<f64>() / folds.len() as f64;
            ModelFolds {
                model: name,
                spec,
                mean_rmse: mean(|f| f.rmse),
                mean_mae: mean(|f| f.mae),
                mean_fit_seconds: mean(|f| f.fit_seconds),
                folds,
            }
        })
        .collect();
    FoldsReport {
        dataset: dataset.name.clone(),
        folds: splits.iter().map(|s| s.name.clone()).collect(),
        seed,
        users,
        models,
    }
}

/// PROTOCOL.md's rating task on ML-100K: every spec on the canonical folds u1..u5 (read from the
/// dataset folder), per fold and mean, with the global mean beside.
pub fn evaluate_ml100k_folds(
    dataset: &Dataset,
    specs: &[RatingSpec],
    seed: u64,
) -> DataResult<FoldsReport> {
    let splits = ["u1", "u2", "u3", "u4", "u5"]
        .iter()
        .map(|f| ml100k_fold(dataset, f))
        .collect::<DataResult<Vec<_>>>()?;
    Ok(evaluate_splits(dataset, &splits, specs, seed))
}
