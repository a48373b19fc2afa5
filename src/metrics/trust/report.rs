//! The trust report: every model's trust values on every split (seed), their means, and the
//! accuracy–coverage knob's curve for the first factor model — what `trust_report.json` holds.
//! Deterministic: the same splits, models and settings give the same value (and the same bytes
//! once serialised); wall-clock times are kept beside, never serialised.

use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::stability::Stability;
use super::{model_trust, ModelTrust, TrustConfig, TrustSummary};
use crate::engine::{EngineError, ModelSpec, Settings};
use crate::metrics::eval_data::EvalData;
use crate::metrics::knob::{sweep_split, KnobCurve, KnobPath};
use crate::metrics::ranking::K;
use crate::metrics::sample::UserSample;

/// What to run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustRequest {
    pub models: Vec<ModelSpec>,
    /// Settings of every model (the seed of each run replaces theirs).
    pub settings: Settings,
    pub config: TrustConfig,
    pub knob_path: KnobPath,
    /// Strengths of the knob's sweep (empty: no sweep).
    pub knob_strengths: Vec<f64>,
}

/// Every model on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustRun {
    pub seed: u64,
    pub split: String,
    /// The users measured on this split: all evaluated users, or a seeded sample on large data.
    pub users: UserSample,
    pub models: Vec<ModelTrust>,
    /// Seconds of the knob's sweep on this split (not serialised).
    #[serde(skip)]
    pub knob_seconds: f64,
}

/// A model's summary averaged over the runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMean {
    pub model: String,
    pub summary: TrustSummary,
}

/// `trust_report.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustReport {
    pub dataset: String,
    pub protocol: String,
    /// How each stability variant was obtained.
    pub stability: StabilityNotes,
    pub k: usize,
    pub catalog_size: usize,
    pub seeds: Vec<u64>,
    pub config: TrustConfig,
    /// Per model, the mean of its summaries over the runs.
    pub mean: Vec<ModelMean>,
    pub runs: Vec<TrustRun>,
    /// The knob's curve (mean over the runs) for the first factor model, if any.
    pub knob: Option<KnobCurve>,
}

/// The report's statement of what each stability number means.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StabilityNotes {
    pub refold: String,
    pub retrain: String,
    pub seed: String,
}

impl StabilityNotes {
    fn new(config: &TrustConfig) -> StabilityNotes {
        let drop = format!(
            "a random {}% (at least 1) of each user's train positives dropped (ChaCha8, the run's seed, stream 1); \
             Jaccard of the top-{K} before and after over the same candidates (the served rule of the original split)",
            config.drop_fraction * 100.0
        );
        StabilityNotes {
            refold: format!(
                "model fixed, each evaluated user refolded from the reduced history; {drop}"
            ),
            retrain: format!(
                "model retrained (same seed) on every user's reduced history at once; {drop}"
            ),
            seed: format!(
                "two full trainings on the same train positives, seeds s and s + {}",
                config.second_seed_offset
            ),
        }
    }
}

/// Runs `request` on every `(seed, split)`; the seed drives the models and the perturbation.
/// `on_progress` hears what is being done.
pub fn run_trust(
    dataset: &str,
    splits: &[(u64, EvalData)],
    request: &TrustRequest,
    mut on_progress: impl FnMut(&str),
) -> Result<TrustReport, EngineError> {
    let mut runs = Vec::with_capacity(splits.len());
    let mut knob_points = Vec::new();
    let knob_model = request
        .models
        .iter()
        .position(|m| m.family() != crate::engine::Family::Popularity)
        .filter(|_| !request.knob_strengths.is_empty());
    for (seed, data) in splits {
        let mut models = Vec::with_capacity(request.models.len());
        let mut knob_seconds = 0.0;
        for (index, &model) in request.models.iter().enumerate() {
            on_progress(&format!("trust of {} on {}", model.name(), data.split));
            let (trust, fitted) =
                model_trust(model, &request.settings, data, *seed, &request.config)?;
            models.push(trust);
            if Some(index) == knob_model {
                if let Some(factor) = fitted.factor() {
                    on_progress(&format!("knob sweep of {} on {}", model.name(), data.split));
                    let clock = Instant::now();
                    knob_points.push(sweep_split(
                        factor,
                        data,
                        request.knob_path,
                        &request.knob_strengths,
                    ));
                    knob_seconds = clock.elapsed().as_secs_f64();
                }
            }
        }
        runs.push(TrustRun {
            seed: *seed,
            split: data.split.clone(),
            users: data.users.clone(),
            models,
            knob_seconds,
        });
    }
    let knob = knob_model.filter(|_| !knob_points.is_empty()).map(|i| {
        KnobCurve::from_splits(
            request.models[i].name(),
            request.knob_path,
            splits.iter().map(|s| s.1.split.clone()).collect(),
            knob_points,
        )
    });
    let mean = request
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| ModelMean {
            model: m.name().to_string(),
            summary: mean_summary(
                &runs
                    .iter()
                    .map(|r| &r.models[i].summary)
                    .collect::<Vec<_>>(),
            ),
        })
        .collect();
    Ok(TrustReport {
        dataset: dataset.to_string(),
        protocol: "PROTOCOL.md ranking task (positives = ratings >= 4; protocol: served — candidates = catalog minus every rated movie and its twins) and trust metrics".into(),
        stability: StabilityNotes::new(&request.config),
        k: K,
        catalog_size: splits.first().map_or(0, |s| s.1.catalog.len()),
        seeds: splits.iter().map(|s| s.0).collect(),
        config: request.config.clone(),
        mean,
        runs,
        knob,
    })
}

/// Field-by-field mean of summaries (stabilities over the runs that measured them).
pub fn mean_summary(all: &[&TrustSummary]) -> TrustSummary {
    let n = all.len().max(1) as f64;
    let avg = |f: fn(&TrustSummary) -> f64| all.iter().map(|s| f(s)).sum::<f64>() / n;
    let stability = |f: fn(&TrustSummary) -> Option<&Stability>| {
        let present: Vec<&Stability> = all.iter().filter_map(|s| f(s)).collect();
        (!present.is_empty()).then(|| {
            let m = present.len() as f64;
            Stability {
                mean: present.iter().map(|s| s.mean).sum::<f64>() / m,
                p10: present.iter().map(|s| s.p10).sum::<f64>() / m,
                users: present[0].users,
                emptied: present[0].emptied,
            }
        })
    };
    let mut lists = super::ListMeasures {
        arp: avg(|s| s.lists.arp),
        gini: avg(|s| s.lists.gini),
        calibration_kl: avg(|s| s.lists.calibration_kl),
        calibration_users: 0,
    };
    lists.calibration_users = all.first().map_or(0, |s| s.lists.calibration_users);
    TrustSummary {
        users: all.first().map_or(0, |s| s.users),
        precision: avg(|s| s.precision),
        ndcg: avg(|s| s.ndcg),
        coverage: avg(|s| s.coverage),
        novelty: avg(|s| s.novelty),
        ild: avg(|s| s.ild),
        lists,
        stability_refold: stability(|s| s.stability_refold.as_ref()),
        stability_retrain: stability(|s| s.stability_retrain.as_ref()),
        seed_stability: stability(|s| s.seed_stability.as_ref()),
    }
}
