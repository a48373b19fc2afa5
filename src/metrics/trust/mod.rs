//! Trust metrics of PROTOCOL.md for one model on one split, per evaluated user and overall:
//! coverage@10, novelty@10 and ILD@10 (from [`crate::metrics::ranking`]), stability@10 under
//! perturbation (model fixed and refolded, or retrained), seed stability, popularity bias (ARP and
//! the Gini index of exposure) and Steck's calibration. [`report`] runs them over models and seeds
//! into `trust_report.json`, with the accuracy–coverage knob's curve.
//!
//! - ARP: mean over users of the mean train popularity (number of train positives) of the top-10.
//! - Gini: over every catalog item's exposure (the number of top-10 lists it appears in), zeros
//!   included.
//! - Calibration: mean over the users whose train positives have a genre distribution (see
//!   [`lists`]); `calibration_users` says how many.
//! - Seed stability: Jaccard@10 per user between the model trained with the run's seed and with
//!   seed + [`TrustConfig::second_seed_offset`] on the same train positives.

pub mod lists;
pub mod report;
pub mod stability;

use std::time::Instant;

use serde::{Deserialize, Serialize};

use self::lists::{
    average_popularity, calibration_kl, exposure, exposure_gini, genre_distribution, mean,
    CALIBRATION_ALPHA,
};
use self::stability::{jaccards, top_lists, Perturbation, Stability, DROP_FRACTION};
use super::eval_data::EvalData;
use super::ranking::UserRanking;
use super::ranking::K;
use crate::engine::{EngineError, Family, ModelSpec, Settings, Trained};

/// What a trust run measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrustConfig {
    /// Share of each user's train positives dropped for stability@10 (PROTOCOL.md: 0.1).
    pub drop_fraction: f64,
    /// Measure stability with the model fixed and each user refolded.
    pub refold: bool,
    /// Measure stability with the model retrained on everybody's reduced history.
    pub retrain: bool,
    /// Measure seed stability (a second full training).
    pub seed_stability: bool,
    /// The second training of seed stability uses seed + this.
    pub second_seed_offset: u64,
}

impl Default for TrustConfig {
    fn default() -> Self {
        TrustConfig {
            drop_fraction: DROP_FRACTION,
            refold: true,
            retrain: true,
            seed_stability: true,
            second_seed_offset: 1000,
        }
    }
}

/// Measures of a family of top lists that the ranking metrics do not give.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ListMeasures {
    /// Average recommendation popularity.
    pub arp: f64,
    /// Gini index of exposure over the catalog.
    pub gini: f64,
    /// Mean KL(p‖q̃) of genre distributions (Steck 2018, α = 0.01).
    pub calibration_kl: f64,
    /// Users with a genre distribution of their train positives (those averaged).
    pub calibration_users: usize,
}

/// KL calibration of one user's top list against the user's train positives (`None` when no
/// train positive has a genre).
pub fn user_calibration(data: &EvalData, user: u32, top: &[u32]) -> Option<f64> {
    let p = genre_distribution(data.train_of(user), &data.item_genres, data.n_genres)?;
    let q = genre_distribution(top, &data.item_genres, data.n_genres);
    Some(calibration_kl(&p, q.as_deref(), CALIBRATION_ALPHA))
}

/// ARP, Gini of exposure and calibration of evaluated users' lists (`popularity`: train positives
/// per item, as [`EvalData::popularity`] gives).
pub fn list_measures(data: &EvalData, popularity: &[usize], users: &[UserRanking]) -> ListMeasures {
    let arps: Vec<f64> = users
        .iter()
        .map(|u| average_popularity(&u.top, popularity))
        .collect();
    let shown = exposure(users.iter().map(|u| u.top.as_slice()), data.n_items);
    let kls: Vec<f64> = users
        .iter()
        .filter_map(|u| user_calibration(data, u.user, &u.top))
        .collect();
    ListMeasures {
        arp: mean(&arps),
        gini: exposure_gini(&shown, &data.catalog),
        calibration_kl: mean(&kls),
        calibration_users: kls.len(),
    }
}

/// One evaluated user's trust values (`user` is the dense index; `top` dense item indices).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserTrust {
    pub user: u32,
    #[serde(rename = "p@10")]
    pub precision: f64,
    #[serde(rename = "novelty@10")]
    pub novelty: f64,
    #[serde(rename = "ild@10")]
    pub ild: f64,
    /// Mean train popularity of the top-10.
    pub arp: f64,
    pub calibration_kl: Option<f64>,
    /// Train positives dropped by the perturbation.
    pub dropped: usize,
    /// Jaccard@10 before / after refolding the reduced history (model fixed).
    pub stability_refold: Option<f64>,
    /// Jaccard@10 before / after retraining on the reduced histories.
    pub stability_retrain: Option<f64>,
    /// Jaccard@10 between the two seeds.
    pub seed_stability: Option<f64>,
    pub top: Vec<u32>,
}

/// Overall trust values of one model on one split.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TrustSummary {
    /// Evaluated users.
    pub users: usize,
    #[serde(rename = "p@10")]
    pub precision: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg: f64,
    #[serde(rename = "coverage@10")]
    pub coverage: f64,
    #[serde(rename = "novelty@10")]
    pub novelty: f64,
    #[serde(rename = "ild@10")]
    pub ild: f64,
    #[serde(flatten)]
    pub lists: ListMeasures,
    pub stability_refold: Option<Stability>,
    pub stability_retrain: Option<Stability>,
    pub seed_stability: Option<Stability>,
}

/// Wall-clock seconds of a model's trust run (not serialised: reports stay byte-identical).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrustTimings {
    pub fit: f64,
    pub metrics: f64,
    pub refold: f64,
    pub retrain: f64,
    pub seed: f64,
}

/// One model's trust values on one split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelTrust {
    pub model: String,
    pub config: serde_json::Value,
    pub summary: TrustSummary,
    pub users: Vec<UserTrust>,
    #[serde(skip)]
    pub timings: TrustTimings,
}

/// Fits `model` with `settings` on `data` with `seed` and measures everything `config` asks; also
/// returns the fitted model (for the knob's sweep). The perturbation is drawn with `seed` (see
/// [`stability`]). Refolding (stability with the model fixed) uses the model's own fold-in: the
/// ALS user step for hybrid-als and als, an SGD fold-in for warp and bpr.
pub fn model_trust(
    model: ModelSpec,
    settings: &Settings,
    data: &EvalData,
    seed: u64,
    config: &TrustConfig,
) -> Result<(ModelTrust, Trained), EngineError> {
    let mut timings = TrustTimings::default();
    let clock = Instant::now();
    let fitted = data.fit(model, settings, &data.train, seed)?;
    timings.fit = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let report = data.evaluate(fitted.scorer());
    let popularity = data.popularity();
    let lists = list_measures(data, &popularity, &report.users);
    timings.metrics = clock.elapsed().as_secs_f64();

    let users: Vec<u32> = report.users.iter().map(|u| u.user).collect();
    let before: Vec<Vec<u32>> = report.users.iter().map(|u| u.top.clone()).collect();
    let perturbation = Perturbation::draw(&data.train, config.drop_fraction, seed);
    let emptied = perturbation.emptied(&users);
    let summarise = |values: &[f64]| Stability {
        emptied,
        ..Stability::of(values)
    };

    let clock = Instant::now();
    let refold = config.refold.then(|| {
        let after = top_lists(data, &users, K, |u, out| {
            fitted.score_refolded(u, &perturbation.kept[u as usize], out)
        });
        // Like with like: the refold of the reduced history against the refold of the whole one.
        // For ALS (and popularity) that is the trained list bit for bit; an SGD fold-in is not
        // the trained row, and comparing with it would count the refold's own noise as
        // instability.
        match fitted.factor().map(|m| m.spec().family()) {
            Some(Family::Sgd) => {
                let refolded = top_lists(data, &users, K, |u, out| {
                    fitted.score_refolded(u, data.train_of(u), out)
                });
                jaccards(&refolded, &after)
            }
            _ => jaccards(&before, &after),
        }
    });
    timings.refold = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let retrain = if config.retrain {
        let reduced = perturbation.kept_positives(&data.train);
        let refitted = data.fit(model, settings, &reduced, seed)?;
        let after = top_lists(data, &users, K, |u, out| {
            refitted.scorer().score_items(u, out)
        });
        Some(jaccards(&before, &after))
    } else {
        None
    };
    timings.retrain = clock.elapsed().as_secs_f64();

    let clock = Instant::now();
    let seeded = if config.seed_stability {
        let other = data.fit(
            model,
            settings,
            &data.train,
            seed + config.second_seed_offset,
        )?;
        let after = top_lists(data, &users, K, |u, out| other.scorer().score_items(u, out));
        Some(jaccards(&before, &after))
    } else {
        None
    };
    timings.seed = clock.elapsed().as_secs_f64();

    let at = |v: &Option<Vec<f64>>, k: usize| v.as_ref().map(|v| v[k]);
    let per_user: Vec<UserTrust> = report
        .users
        .iter()
        .enumerate()
        .map(|(k, u)| UserTrust {
            user: u.user,
            precision: u.p,
            novelty: u.novelty,
            ild: u.ild,
            arp: average_popularity(&u.top, &popularity),
            calibration_kl: user_calibration(data, u.user, &u.top),
            dropped: perturbation.dropped[u.user as usize].len(),
            stability_refold: at(&refold, k),
            stability_retrain: at(&retrain, k),
            seed_stability: at(&seeded, k),
            top: u.top.clone(),
        })
        .collect();
    let m = &report.metrics;
    let summary = TrustSummary {
        users: m.n_users,
        precision: m.precision,
        ndcg: m.ndcg,
        coverage: m.coverage,
        novelty: m.novelty,
        ild: m.ild,
        lists,
        stability_refold: refold.as_deref().map(summarise),
        stability_retrain: retrain.as_deref().map(summarise),
        seed_stability: seeded.as_deref().map(Stability::of),
    };
    Ok((
        ModelTrust {
            model: model.name().to_string(),
            config: model.config_json(&settings.with_seed(seed)),
            summary,
            users: per_user,
            timings,
        },
        fitted,
    ))
}
