//! The fairness audit of PROTOCOL.md: users grouped by each demographic attribute the dataset has
//! (gender, age bucket, occupation); for every group its size, the ranking metrics of every model
//! (P@10, NDCG@10, AUC, … on the holdout split, macro-averaged over the group's evaluated users)
//! and the RMSE of the best rating model ([`rating`]); for each attribute the best–worst gap of
//! P@10, NDCG@10, AUC and RMSE (difference and ratio, [`groups::gap`]). The item side: the share
//! of top-10 slots per popularity decile ([`exposure`]). A dataset without demographics gets no
//! groups and a note saying so — nothing is invented — but still the item side and the overall
//! numbers. What `fairness_report.json` holds; deterministic like the trust report.

pub mod exposure;
pub mod groups;
pub mod rating;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use self::exposure::{exposure_by_decile, DecileExposure};
use self::groups::{demographic_groups, gap, Gap, UserGroups};
use self::rating::{best_rating_errors, rating_splits, rating_splits_of, RatingErrors};
use super::eval_data::EvalData;
use super::knob::{KnobPath, Reranked, Reranker};
use super::ranking::K;
use super::ranking::{RankingMetrics, UserRanking};
use super::sample::UserSample;
use crate::data::{DataError, Dataset};
use crate::engine::rating::RatingSpec;
use crate::engine::{EngineError, ModelSpec, Settings, Trained};

/// Why an audit could not run.
#[derive(Debug, thiserror::Error)]
pub enum FairnessError {
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error(transparent)]
    Data(#[from] DataError),
}

/// What to audit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessRequest {
    /// Ranking models, trained on the holdout split with its seed.
    pub models: Vec<ModelSpec>,
    /// Settings of every model (the audit's seed replaces theirs).
    pub settings: Settings,
    /// Also audit the first factor model through the accuracy–coverage knob at this strength.
    pub knob: Option<(KnobPath, f64)>,
    /// Rating line-up; the one of lowest mean RMSE is audited (the global mean is always fitted).
    pub rating_specs: Vec<RatingSpec>,
    /// Groups with fewer evaluated users (ranking gaps) or users (RMSE gap) stay listed but out
    /// of the gaps (1: every group counts, as PROTOCOL.md reads).
    pub min_group_users: usize,
}

impl FairnessRequest {
    /// The audit `whyrec fairness` runs by default and the explorer's Fairness tab shows, so
    /// both print the same numbers: `models` with `settings`, the first factor model through the
    /// knob at `knob`, the whole rating line-up (its best by mean RMSE is audited), every group
    /// in the gaps.
    pub fn standard(models: Vec<ModelSpec>, settings: Settings, knob: Option<f64>) -> Self {
        FairnessRequest {
            models,
            settings,
            knob: knob.map(|t| (KnobPath::default(), t)),
            rating_specs: RatingSpec::all_defaults(),
            min_group_users: 1,
        }
    }
}

/// One model's (or the knob's) ranking metrics for a group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRanking {
    pub model: String,
    pub metrics: RankingMetrics,
}

/// One group of one attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupAudit {
    pub group: String,
    /// Users of the dataset in the group.
    pub users: usize,
    /// Of them, users measured: with a test positive in the holdout split (and in the sample,
    /// when the audit measures one).
    pub evaluated: usize,
    pub ranking: Vec<GroupRanking>,
    /// Test ratings of the group's users in the rating splits.
    pub ratings: usize,
    pub rmse: Option<f64>,
    pub mae: Option<f64>,
    pub global_mean_rmse: Option<f64>,
}

/// One attribute: its groups and gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeAudit {
    pub attribute: String,
    pub groups: Vec<GroupAudit>,
    pub gaps: Vec<Gap>,
}

/// The rating model audited and its overall numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatingSummary {
    pub model: String,
    pub spec: RatingSpec,
    pub splits: Vec<String>,
    /// Mean over the splits (what chose the model); `None` when a split has no test rating.
    pub mean_rmse: Option<f64>,
    pub global_mean_rmse: Option<f64>,
    /// Pooled over every test rating of the splits (`None` without test ratings).
    pub pooled_rmse: Option<f64>,
    pub ratings: usize,
    /// Whose ratings the rating models were trained and measured on.
    pub trained_on: String,
}

/// A model's exposure by popularity decile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelExposure {
    pub model: String,
    pub deciles: Vec<DecileExposure>,
}

/// `fairness_report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessReport {
    pub dataset: String,
    pub split: String,
    pub seed: u64,
    pub k: usize,
    pub demographics: bool,
    /// Why there are no groups, when there are none.
    pub note: Option<String>,
    pub min_group_users: usize,
    /// The users measured: all evaluated users, or a seeded sample on large data.
    pub users: UserSample,
    /// Every audited ranking model over all evaluated users.
    pub overall: Vec<GroupRanking>,
    pub rating: RatingSummary,
    pub attributes: Vec<AttributeAudit>,
    pub item_exposure: Vec<ModelExposure>,
}

/// Runs the audit on the holdout split `data` (made with `seed`) of `dataset`.
pub fn run_fairness(
    dataset: &Dataset,
    data: &EvalData,
    seed: u64,
    request: &FairnessRequest,
    on_progress: impl FnMut(&str),
) -> Result<FairnessReport, FairnessError> {
    run_fairness_with(dataset, data, seed, request, &[], on_progress)
}

/// [`run_fairness`] with some of `request.models` already fitted on `data.train` with
/// `request.settings` and `seed` (the explorer's Trust tab fits them on the same split): those are
/// used instead of being fitted again. Fitting is deterministic, so the report is the same byte
/// for byte (tested).
pub fn run_fairness_with(
    dataset: &Dataset,
    data: &EvalData,
    seed: u64,
    request: &FairnessRequest,
    fitted_models: &[(ModelSpec, Arc<Trained>)],
    mut on_progress: impl FnMut(&str),
) -> Result<FairnessReport, FairnessError> {
    let mut ranked: Vec<(String, Vec<UserRanking>)> = Vec::new();
    let mut knob_done = false;
    for &model in &request.models {
        let fitted = match fitted_models.iter().find(|(spec, _)| *spec == model) {
            Some((_, fitted)) => {
                on_progress(&format!("{} as fitted on {}", model.name(), data.split));
                Arc::clone(fitted)
            }
            None => {
                on_progress(&format!("training {} on {}", model.name(), data.split));
                Arc::new(data.fit(model, &request.settings, &data.train, seed)?)
            }
        };
        let evaluate = |scorer: &dyn crate::engine::Scorer| data.evaluate(scorer).users;
        ranked.push((model.name().to_string(), evaluate(fitted.scorer())));
        if let (Some((path, strength)), Some(factor), false) =
            (request.knob, fitted.factor(), knob_done)
        {
            let weights = Reranker::for_model(factor, &data.popularity(), path).weights(strength);
            let scorer = Reranked {
                base: factor,
                weights: &weights,
            };
            ranked.push((
                format!("{}+knob t={strength}", model.name()),
                evaluate(&scorer),
            ));
            knob_done = true;
        }
    }
    on_progress("rating models on the rating splits");
    let (splits, rating_users) = if data.users.is_sample() {
        // The line-up of rating models is trained and measured on the sampled users' ratings
        // only: fitting SVD++ on every rating of ML-25M alone takes many minutes.
        let mut keep = vec![false; dataset.n_users()];
        for &u in data.measured_users() {
            keep[u as usize] = true;
        }
        let mut splits = rating_splits_of(dataset, seed, |u| keep[u as usize])?;
        for split in &mut splits {
            split.name = format!("{} ({})", split.name, data.users.short());
        }
        let note = format!("the ratings of the {} sampled users", data.users.measured);
        (splits, note)
    } else {
        (
            rating_splits(dataset, seed)?,
            "every user's ratings".to_string(),
        )
    };
    let errors = best_rating_errors(dataset, &splits, &request.rating_specs, seed);
    let pooled = errors.of_users(|_| true);

    let groups = demographic_groups(dataset);
    let note = groups.is_none().then(|| {
        format!(
            "{} records no user demographics (gender, age, occupation): no user groups are formed",
            dataset.name
        )
    });
    let attributes = groups
        .unwrap_or_default()
        .iter()
        .map(|g| audit_attribute(g, data, &ranked, &errors, request.min_group_users))
        .collect();
    let popularity = data.popularity();
    Ok(FairnessReport {
        dataset: dataset.name.clone(),
        split: data.split.clone(),
        seed,
        k: K,
        demographics: note.is_none(),
        note,
        min_group_users: request.min_group_users,
        users: data.users.clone(),
        overall: ranked
            .iter()
            .map(|(model, users)| GroupRanking {
                model: model.clone(),
                metrics: RankingMetrics::aggregate(users, data.catalog.len()),
            })
            .collect(),
        rating: RatingSummary {
            model: errors.model.clone(),
            spec: errors.spec.clone(),
            splits: errors.splits.clone(),
            mean_rmse: Some(errors.mean_rmse).filter(|x| x.is_finite()),
            global_mean_rmse: Some(errors.global_mean_rmse).filter(|x| x.is_finite()),
            pooled_rmse: pooled.map(|p| p.0.rmse),
            ratings: errors.errors.len(),
            trained_on: rating_users,
        },
        attributes,
        item_exposure: ranked
            .iter()
            .map(|(model, users)| ModelExposure {
                model: model.clone(),
                deciles: exposure_by_decile(
                    &data.catalog,
                    &popularity,
                    users.iter().map(|u| u.top.as_slice()),
                ),
            })
            .collect(),
    })
}

/// Reads one metric of a group's ranking metrics.
type MetricOf = fn(&RankingMetrics) -> f64;

fn audit_attribute(
    groups: &UserGroups,
    data: &EvalData,
    ranked: &[(String, Vec<UserRanking>)],
    errors: &RatingErrors,
    min_users: usize,
) -> AttributeAudit {
    let group_of = |u: u32| groups.of_user.get(u as usize).copied();
    let audits: Vec<GroupAudit> = groups
        .labels
        .iter()
        .enumerate()
        .map(|(g, label)| {
            let in_group = |u: u32| group_of(u) == Some(g);
            let rating = errors.of_users(in_group);
            GroupAudit {
                group: label.clone(),
                users: groups.members(g).len(),
                evaluated: ranked.first().map_or(0, |(_, users)| {
                    users.iter().filter(|r| in_group(r.user)).count()
                }),
                ranking: ranked
                    .iter()
                    .map(|(model, users)| GroupRanking {
                        model: model.clone(),
                        metrics: RankingMetrics::aggregate(
                            users.iter().filter(|r| in_group(r.user)),
                            data.catalog.len(),
                        ),
                    })
                    .collect(),
                ratings: rating.as_ref().map_or(0, |r| r.0.n),
                rmse: rating.as_ref().map(|r| r.0.rmse),
                mae: rating.as_ref().map(|r| r.0.mae),
                global_mean_rmse: rating.as_ref().map(|r| r.1.rmse),
            }
        })
        .collect();
    let min_users = min_users.max(1);
    let mut gaps = Vec::new();
    for (m, (model, _)) in ranked.iter().enumerate() {
        let metrics: [(&str, MetricOf); 3] = [
            ("p@10", |r| r.precision),
            ("ndcg@10", |r| r.ndcg),
            ("auc", |r| r.auc),
        ];
        for (name, value) in metrics {
            let values: Vec<(String, f64)> = audits
                .iter()
                .filter(|a| a.evaluated >= min_users)
                .map(|a| (a.group.clone(), value(&a.ranking[m].metrics)))
                .collect();
            gaps.extend(gap(name, model, &values, false));
        }
    }
    let rmses: Vec<(String, f64)> = audits
        .iter()
        .filter(|a| a.users >= min_users)
        .filter_map(|a| a.rmse.map(|r| (a.group.clone(), r)))
        .collect();
    gaps.extend(gap("rmse", &errors.model, &rmses, true));
    AttributeAudit {
        attribute: groups.attribute.clone(),
        groups: audits,
        gaps,
    }
}
