//! Experiments: several ranking models over several seeded splits of one dataset, with per-seed
//! metrics, their means and fit times — what `whyrec eval` prints and `reports/metrics.json` holds.
//! Wall-clock fit times are kept out of the serialised experiment (so the same seed gives the same
//! bytes); [`RankingExperiment::timings`] carries them to `reports/timings.json`.

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::Serialize;

use super::knob::{KnobPath, Reranked, Reranker};
use super::ranking::{
    evaluate_ranking_of, unliked_slots, users_with_tests, RankingMetrics, RankingReport, K,
};
use super::sample::{describe_splits, Population, UserSample};
use crate::data::interactions::{item_genre_features, user_demographic_features};
use crate::data::split::Split;
use crate::data::Dataset;
use crate::data::Positives;
use crate::engine::{CandidateRule, Candidates, EngineError, HybridAls, Scorer};
use crate::engine::{ModelSpec, Settings};

/// One model on one split.
#[derive(Debug, Clone, Serialize)]
pub struct SplitResult {
    pub split: String,
    pub metrics: MetricsAt10,
    /// Wall-clock seconds of the fit (not serialised: see [`RankingExperiment::timings`]).
    #[serde(skip)]
    pub fit_seconds: f64,
}

/// The ranking metrics under the names reports use.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct MetricsAt10 {
    pub users: usize,
    #[serde(rename = "p@10")]
    pub precision: f64,
    #[serde(rename = "r@10")]
    pub recall: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg: f64,
    #[serde(rename = "map@10")]
    pub map: f64,
    pub auc: f64,
    #[serde(rename = "coverage@10")]
    pub coverage: f64,
    #[serde(rename = "novelty@10")]
    pub novelty: f64,
    #[serde(rename = "ild@10")]
    pub ild: f64,
    /// Top-10 slots, summed over the evaluated users, that hold a movie with no train positive
    /// (nobody liked it in train); a mean over splits.
    pub unliked_slots: f64,
}

impl From<&RankingMetrics> for MetricsAt10 {
    fn from(m: &RankingMetrics) -> Self {
        MetricsAt10 {
            unliked_slots: 0.0,
            users: m.n_users,
            precision: m.precision,
            recall: m.recall,
            ndcg: m.ndcg,
            map: m.map,
            auc: m.auc,
            coverage: m.coverage,
            novelty: m.novelty,
            ild: m.ild,
        }
    }
}

impl MetricsAt10 {
    /// Mean of several results, field by field.
    pub fn mean(all: &[MetricsAt10]) -> MetricsAt10 {
        let n = all.len().max(1) as f64;
        let avg = |f: fn(&MetricsAt10) -> f64| all.iter().map(f).sum::<f64>() / n;
        MetricsAt10 {
            users: all.first().map_or(0, |m| m.users),
            precision: avg(|m| m.precision),
            recall: avg(|m| m.recall),
            ndcg: avg(|m| m.ndcg),
            map: avg(|m| m.map),
            auc: avg(|m| m.auc),
            coverage: avg(|m| m.coverage),
            novelty: avg(|m| m.novelty),
            ild: avg(|m| m.ild),
            unliked_slots: avg(|m| m.unliked_slots),
        }
    }
}

/// The metrics of one report, with its top-10 slots that hold an item without train positives.
fn metrics_of(report: &RankingReport, train: &Positives) -> MetricsAt10 {
    MetricsAt10 {
        unliked_slots: unliked_slots(report, train) as f64,
        ..MetricsAt10::from(&report.metrics)
    }
}

/// One model over every split.
#[derive(Debug, Clone, Serialize)]
pub struct ModelResult {
    pub name: String,
    pub config: serde_json::Value,
    /// Mean over the splits.
    pub metrics: MetricsAt10,
    /// Mean wall-clock seconds of the fits (not serialised).
    #[serde(skip)]
    pub fit_seconds: f64,
    pub per_split: Vec<SplitResult>,
}

/// Every model over the same splits.
#[derive(Debug, Clone, Serialize)]
pub struct RankingExperiment {
    pub task: &'static str,
    pub dataset: String,
    pub protocol: &'static str,
    /// The candidate rule: `served` (PROTOCOL.md rule 4) or `positives`.
    pub candidates: &'static str,
    pub splits: Vec<String>,
    pub k: usize,
    pub catalog_size: usize,
    /// Per split (in `splits`' order), the users measured: every evaluated user, or on large data
    /// a seeded sample of them ([`crate::metrics::sample`]).
    pub users: Vec<UserSample>,
    pub models: Vec<ModelResult>,
}

/// Trains and evaluates each model on each split with `settings` (their seed replaced by the
/// split's seed, so a five-seed run also varies the models' initialisation). With `knob = Some(t)`,
/// hybrid-als is also evaluated through the accuracy–coverage knob at strength t
/// (`metrics::knob`, default path), as one more row right after it: the same fitted model, lists
/// re-ranked by the knob's score. Each split measures the users `population` asks for (drawn
/// with the split's seed); the models are always trained on every user.
#[allow(clippy::too_many_arguments)]
pub fn run_ranking(
    dataset: &Dataset,
    splits: &[(u64, Split)],
    models: &[ModelSpec],
    settings: &Settings,
    rule: CandidateRule,
    knob: Option<f64>,
    population: Population,
    mut on_progress: impl FnMut(&str),
) -> Result<RankingExperiment, EngineError> {
    let threshold = crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
    let catalog_size = dataset.catalog().len();
    let item_features = item_genre_features(dataset);
    let user_features = user_demographic_features(dataset);
    let cancel = AtomicBool::new(false);
    let path = KnobPath::default();
    let row = |name: String, config: serde_json::Value| ModelResult {
        name,
        config,
        metrics: MetricsAt10::default(),
        fit_seconds: 0.0,
        per_split: Vec::new(),
    };
    let first_seed = splits.first().map_or(1, |s| s.0);
    let mut results: Vec<ModelResult> = models
        .iter()
        .map(|m| {
            row(
                m.name().to_string(),
                m.config_json(&settings.with_seed(first_seed)),
            )
        })
        .collect();
    let knob_row = knob.filter(|_| models.contains(&ModelSpec::HybridAls));
    let mut knob_result = knob_row.map(|t| {
        let t = t.max(0.0);
        let mut config = ModelSpec::HybridAls.config_json(&settings.with_seed(first_seed));
        config["knob"] = serde_json::json!({
            "strength": t,
            "formula": path.formula(),
            "path": path,
        });
        row(format!("hybrid-als knob t={t}"), config)
    });
    let mut measured = Vec::with_capacity(splits.len());
    for (seed, split) in splits {
        let train = split.train_positives(dataset.n_users(), dataset.n_items(), threshold);
        let test = split.test_positives(dataset.n_users(), dataset.n_items(), threshold);
        let candidates = Candidates::for_split(dataset, &train, rule);
        let users = UserSample::draw(
            users_with_tests(&test),
            population.for_catalog(dataset.n_items()),
            *seed,
        );
        let evaluate = |scorer: &dyn Scorer| {
            let report = evaluate_ranking_of(
                scorer,
                &candidates,
                &train,
                &test,
                &dataset.items.genres,
                K,
                &users.users,
            );
            metrics_of(&report, &train)
        };
        for (m, result) in models.iter().zip(results.iter_mut()) {
            on_progress(&format!("{m} on {}", split.name));
            let start = Instant::now();
            let with_knob = knob_result.as_mut().filter(|_| *m == ModelSpec::HybridAls);
            let (metrics, fit_seconds) = if let Some(knob_result) = with_knob {
                let model = HybridAls::fit(
                    &train,
                    Some(&item_features),
                    user_features.as_ref(),
                    &m.als_config(&settings.with_seed(*seed)),
                    &mut |_| {},
                    &cancel,
                )?;
                let fit_seconds = start.elapsed().as_secs_f64();
                let popularity = super::knob::popularity(&train);
                let weights = Reranker::for_model(&model, &popularity, path)
                    .weights(knob_row.unwrap_or_default());
                let reranked = Reranked {
                    base: &model,
                    weights: &weights,
                };
                knob_result.per_split.push(SplitResult {
                    split: split.name.clone(),
                    metrics: evaluate(&reranked),
                    fit_seconds,
                });
                (evaluate(&model), fit_seconds)
            } else {
                let trained = m.fit(
                    &train,
                    Some(&item_features),
                    user_features.as_ref(),
                    &settings.with_seed(*seed),
                    &mut |_| {},
                    &cancel,
                )?;
                let fit_seconds = start.elapsed().as_secs_f64();
                (evaluate(trained.scorer()), fit_seconds)
            };
            result.per_split.push(SplitResult {
                split: split.name.clone(),
                metrics,
                fit_seconds,
            });
        }
        measured.push(users);
    }
    if let Some(knob_result) = knob_result {
        let at = results
            .iter()
            .position(|r| r.name == ModelSpec::HybridAls.name())
            .map_or(results.len(), |p| p + 1);
        results.insert(at, knob_result);
    }
    for r in &mut results {
        let all: Vec<MetricsAt10> = r.per_split.iter().map(|s| s.metrics).collect();
        r.metrics = MetricsAt10::mean(&all);
        r.fit_seconds = r.per_split.iter().map(|s| s.fit_seconds).sum::<f64>()
            / r.per_split.len().max(1) as f64;
    }
    Ok(RankingExperiment {
        task: "ranking",
        dataset: dataset.name.clone(),
        protocol: "PROTOCOL.md ranking task: positives = ratings >= 4",
        candidates: rule.label(),
        splits: splits.iter().map(|s| s.1.name.clone()).collect(),
        k: K,
        catalog_size,
        users: measured,
        models: results,
    })
}

/// Wall-clock fit times of one report, written beside it as `reports/timings.json` (the only
/// report file that differs between two runs with the same seed).
#[derive(Debug, Clone, Serialize)]
pub struct Timings {
    /// The report the times belong to (`metrics.json`, …).
    pub report: String,
    pub dataset: String,
    pub fits: Vec<FitTime>,
}

/// One fit's wall-clock time.
#[derive(Debug, Clone, Serialize)]
pub struct FitTime {
    pub model: String,
    pub split: String,
    pub fit_seconds: f64,
}

impl RankingExperiment {
    /// The fit times of every model on every split.
    pub fn timings(&self, report: &str) -> Timings {
        Timings {
            report: report.to_string(),
            dataset: self.dataset.clone(),
            fits: self
                .models
                .iter()
                .flat_map(|m| {
                    m.per_split.iter().map(|s| FitTime {
                        model: m.name.clone(),
                        split: s.split.clone(),
                        fit_seconds: s.fit_seconds,
                    })
                })
                .collect(),
        }
    }

    /// A markdown table of the mean metrics.
    pub fn table(&self) -> String {
        let mut s = format!(
            "{} — {} (mean over {} split{}), {} items in the catalog, protocol: {}\n\n",
            self.dataset,
            self.splits
                .first()
                .map_or("", |s| s.split(' ').next().unwrap_or("")),
            self.splits.len(),
            if self.splits.len() == 1 { "" } else { "s" },
            self.catalog_size,
            self.candidates
        );
        s.push_str(&describe_splits(
            &self.users,
            "Measured: ",
            "Measured, split by split: ",
        ));
        s.push_str("| model | P@10 | R@10 | NDCG@10 | MAP@10 | AUC | cov@10 | novelty@10 | ILD@10 | unliked slots | fit s |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
        for r in &self.models {
            let m = &r.metrics;
            s.push_str(&format!(
                "| {} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} | {:.4} | {:.1} | {:.2} |\n",
                r.name,
                m.precision,
                m.recall,
                m.ndcg,
                m.map,
                m.auc,
                m.coverage,
                m.novelty,
                m.ild,
                m.unliked_slots,
                r.fit_seconds
            ));
        }
        s.push_str(
            "\nunliked slots: top-10 slots, over the measured users, holding a movie without train \
             positives (mean over the splits).\n",
        );
        s
    }
}
