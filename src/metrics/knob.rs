//! The accuracy–coverage knob: one strength t ≥ 0 that re-ranks a factor model's scores away from
//! the head of the catalog,
//!
//! ```text
//! s'(u, i) = s(u, i) / ‖q_i‖^(a·t)  −  b·t · ln(1 + pop(i))       (a = 1, b = 0.08)
//! ```
//!
//! where q_i is the item's composed vector and pop(i) its train positives. An item without train
//! positives (pop(i) = 0) is ranked last at every strength t > 0 (s' = −∞): nobody liked it, so the
//! knob never promotes it (its vector is little more than its genres, and its short norm would
//! otherwise lift it to the top of low-activity users' lists). Dividing by ‖q_i‖^t
//! moves the dot product p·q towards the cosine (popular items have long vectors); the log
//! popularity penalty pushes the same way in score units (implicit-ALS scores live on the 0..1
//! preference scale on every dataset). t = 0 is the model itself. Everything per item is computed
//! once ([`Reranker`]); applying a strength to one user's scores is O(n_items) ([`ItemWeights`]),
//! so a UI can move the knob live on cached scores. Users are re-ranked independently: no
//! information flows between users or from test data.
//!
//! Alternatives tried on ML-100K holdout-20, hybrid-als, seed 1 (P@10 / coverage@10; the model
//! alone: 0.2369 / 0.169), from `examples/tune_knob.rs`:
//! - log-popularity penalty alone, s − λ ln(1 + pop): λ 0.05 → 0.2375 / 0.249, 0.07 → 0.2315 /
//!   0.287, 0.08 → 0.2209 / 0.303: coverage saturates near 0.30 as everyone moves to the same
//!   mid-popularity items;
//! - inverse propensity s / (1 + pop)^β: β 0.2 → 0.2261 / 0.263, 0.3 → 0.2033 / 0.326;
//! - item-mean centring s − β·mean_u s(u, i): β 0.75 → 0.2165 / 0.325, 1 → 0.1942 / 0.429;
//! - z-scoring items across users: β 0.5 → 0.2028 / 0.367;
//! - division by ‖q_i‖^β alone: β 0.75 → 0.2202 / 0.338, 0.8 → 0.2165 / 0.373 (mean of seeds
//!   1–5: 0.2122 / 0.372);
//! - exposure caps (per-item prices found by dual ascent so that no item is in more than a share c
//!   of the lists): c 0.05 → 0.2188 / 0.218 — it flattens exposure (lower ARP) but hardly adds items;
//! - penalising base-list exposure s − λ ln(1 + exposure): λ 0.04 → 0.2276 / 0.268;
//! - Steck's calibration re-ranking (greedy, top-100 pool): λ 0.5 → 0.2246 / 0.189 — calibrates
//!   genres, barely moves coverage;
//! - model settings instead of (or under) the knob — highest coverage@10 with P@10 ≥ 0.21 over
//!   the `norm^a + log-pop` and knob rows of `examples/tune_knob.rs` (seed 1, `TUNE_*` variables):
//!   defaults 0.480, factors 128 0.473 (twice the training time), factors 32 0.422, α 8 0.341,
//!   α 2 0.334, λ 0.05 0.193, λ 0.01 none (the model alone is at 0.2032 / 0.262). The defaults
//!   stay; the knob is re-ranking only.
//!
//! The combination of the norm exponent and the log penalty dominates every single ingredient;
//! a = 1, b = 0.08 follows the Pareto front of the (exponent, penalty) grid (b = 0.06, 0.10, 0.12
//! per unit gave, at their best point with P@10 ≥ 0.21 on seeds 1–5, coverage 0.385, 0.396, 0.379
//! against 0.403 for 0.08 at t = 0.5, P@10 0.2165, on a 0.05 grid of t).

use serde::{Deserialize, Serialize};

use super::eval_data::EvalData;
use super::ranking::evaluate_variants;
use super::ranking::{unliked_slots, K};
use super::trust::{list_measures, ListMeasures};
use crate::engine::{FactorModel, Scorer};

/// The strength the README recommends, read off the served-rule curve (ML-100K holdout-20, seeds
/// 1–5, hybrid-als): P@10 0.2680 at coverage@10 0.4372, above LightFM WARP with genres and
/// demographics on both (0.2596 / 0.3100 on the same split files), no top-10 slot without train
/// positives. `whyrec fairness` and the Fairness tab audit the knob at this strength.
pub const RECOMMENDED_STRENGTH: f64 = 0.5;

/// How a strength maps to the two re-ranking terms.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct KnobPath {
    /// a: exponent of ‖q_i‖ per unit of strength.
    pub norm_exponent: f64,
    /// b: weight of ln(1 + pop) per unit of strength (in score units).
    pub popularity_penalty: f64,
}

impl KnobPath {
    /// The re-ranked score as a formula, e.g. `s' = s / |q_i|^(1·t) - 0.08·t·ln(1 + pop_i)`
    /// (`·` multiplies).
    pub fn formula(&self) -> String {
        format!(
            "s' = s / |q_i|^({}·t) - {}·t·ln(1 + pop_i); pop_i = 0 ranks last at t > 0",
            self.norm_exponent, self.popularity_penalty
        )
    }
}

impl Default for KnobPath {
    fn default() -> Self {
        KnobPath {
            norm_exponent: 1.0,
            popularity_penalty: 0.08,
        }
    }
}

/// The per-item terms of the knob for one model, computed once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reranker {
    pub path: KnobPath,
    /// ln ‖q_i‖ (norms below 1e-12 are raised to it).
    log_norm: Vec<f64>,
    /// ln(1 + pop(i)) (0 exactly for an item without train positives).
    log_popularity: Vec<f64>,
}

/// One strength made concrete: `s' = s · scale[i] − offset[i]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemWeights {
    pub strength: f64,
    pub scale: Vec<f32>,
    pub offset: Vec<f32>,
}

impl ItemWeights {
    /// Re-ranks one user's scores in place (`scores.len()` must be the number of items).
    pub fn apply(&self, scores: &mut [f32]) {
        assert_eq!(scores.len(), self.scale.len(), "one score per item");
        for ((s, &a), &b) in scores.iter_mut().zip(&self.scale).zip(&self.offset) {
            *s = *s * a - b;
        }
    }
}

impl Reranker {
    /// The knob for a factor model whose train popularity is `popularity` (one count per item).
    pub fn for_model(model: &dyn FactorModel, popularity: &[usize], path: KnobPath) -> Reranker {
        let norms: Vec<f64> = (0..model.n_items() as u32)
            .map(|i| {
                model
                    .item_vector(i)
                    .iter()
                    .map(|&x| f64::from(x) * f64::from(x))
                    .sum::<f64>()
                    .sqrt()
            })
            .collect();
        Reranker::from_parts(&norms, popularity, path)
    }

    /// The knob from item vector norms and popularity counts (equal lengths).
    pub fn from_parts(norms: &[f64], popularity: &[usize], path: KnobPath) -> Reranker {
        assert_eq!(
            norms.len(),
            popularity.len(),
            "one norm and one count per item"
        );
        Reranker {
            path,
            log_norm: norms.iter().map(|&n| n.max(1e-12).ln()).collect(),
            log_popularity: popularity.iter().map(|&p| (p as f64).ln_1p()).collect(),
        }
    }

    pub fn n_items(&self) -> usize {
        self.log_norm.len()
    }

    /// The item weights of `strength` (negative strengths count as 0).
    pub fn weights(&self, strength: f64) -> ItemWeights {
        let t = strength.max(0.0);
        let exponent = self.path.norm_exponent * t;
        let penalty = self.path.popularity_penalty * t;
        ItemWeights {
            strength: t,
            scale: self
                .log_norm
                .iter()
                .map(|&l| (-exponent * l).exp() as f32)
                .collect(),
            offset: self
                .log_popularity
                .iter()
                .map(|&l| {
                    if t > 0.0 && l == 0.0 {
                        f32::INFINITY
                    } else {
                        (penalty * l) as f32
                    }
                })
                .collect(),
        }
    }

    /// Re-ranks one user's scores in place at `strength`.
    pub fn apply(&self, strength: f64, scores: &mut [f32]) {
        self.weights(strength).apply(scores);
    }
}

/// A scorer seen through the knob.
pub struct Reranked<'a> {
    pub base: &'a dyn Scorer,
    pub weights: &'a ItemWeights,
}

impl Scorer for Reranked<'_> {
    fn name(&self) -> &str {
        self.base.name()
    }

    fn n_items(&self) -> usize {
        self.base.n_items()
    }

    fn score_items(&self, user: u32, out: &mut [f32]) {
        self.base.score_items(user, out);
        self.weights.apply(out);
    }
}

/// The metrics of one strength.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct KnobPoint {
    pub strength: f64,
    #[serde(rename = "p@10")]
    pub precision: f64,
    #[serde(rename = "r@10")]
    pub recall: f64,
    #[serde(rename = "ndcg@10")]
    pub ndcg: f64,
    pub auc: f64,
    #[serde(rename = "coverage@10")]
    pub coverage: f64,
    #[serde(rename = "novelty@10")]
    pub novelty: f64,
    #[serde(rename = "ild@10")]
    pub ild: f64,
    /// Top-10 slots, over every evaluated user, holding an item without train positives (a mean
    /// over splits in a curve's mean points).
    pub unliked_slots: f64,
    #[serde(flatten)]
    pub lists: ListMeasures,
}

impl KnobPoint {
    /// Field-by-field mean of points of the same strength.
    pub fn mean(points: &[KnobPoint]) -> KnobPoint {
        let n = points.len().max(1) as f64;
        let avg = |f: fn(&KnobPoint) -> f64| points.iter().map(f).sum::<f64>() / n;
        KnobPoint {
            strength: points.first().map_or(0.0, |p| p.strength),
            precision: avg(|p| p.precision),
            recall: avg(|p| p.recall),
            ndcg: avg(|p| p.ndcg),
            auc: avg(|p| p.auc),
            coverage: avg(|p| p.coverage),
            novelty: avg(|p| p.novelty),
            ild: avg(|p| p.ild),
            unliked_slots: avg(|p| p.unliked_slots),
            lists: ListMeasures {
                arp: avg(|p| p.lists.arp),
                gini: avg(|p| p.lists.gini),
                calibration_kl: avg(|p| p.lists.calibration_kl),
                calibration_users: points.first().map_or(0, |p| p.lists.calibration_users),
            },
        }
    }
}

/// Evaluates `model` through the knob at every strength on one split, over the split's measured
/// users: each user's scores are computed once and re-ranked at every strength (users in
/// parallel).
pub fn sweep_split(
    model: &dyn FactorModel,
    data: &EvalData,
    path: KnobPath,
    strengths: &[f64],
) -> Vec<KnobPoint> {
    let popularity = data.popularity();
    let reranker = Reranker::for_model(model, &popularity, path);
    let weights: Vec<ItemWeights> = strengths.iter().map(|&t| reranker.weights(t)).collect();
    let reports = evaluate_variants(
        model,
        &data.candidates,
        &data.train,
        &data.test,
        &data.item_genres,
        K,
        data.measured_users(),
        weights.len(),
        |v, scores| weights[v].apply(scores),
    );
    reports
        .iter()
        .zip(&weights)
        .map(|(report, weights)| {
            let m = &report.metrics;
            KnobPoint {
                strength: weights.strength,
                precision: m.precision,
                recall: m.recall,
                ndcg: m.ndcg,
                auc: m.auc,
                coverage: m.coverage,
                novelty: m.novelty,
                ild: m.ild,
                unliked_slots: unliked_slots(report, &data.train) as f64,
                lists: list_measures(data, &popularity, &report.users),
            }
        })
        .collect()
}

/// Train positives per item (what [`Reranker::for_model`] penalises), e.g. of all the data's
/// positives for a model trained on everything.
pub fn popularity(positives: &crate::data::Positives) -> Vec<usize> {
    positives.likes_per_item()
}

/// The default strengths of a sweep: 0 to 0.8 by 0.05 (beyond, P@10 falls below 0.1 on ML-100K).
pub fn default_strengths() -> Vec<f64> {
    (0..=16).map(|k| k as f64 / 20.0).collect()
}

/// The knob's curve over one or more splits: the mean per strength and every split's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KnobCurve {
    pub model: String,
    pub formula: String,
    pub path: KnobPath,
    pub splits: Vec<String>,
    /// Mean over the splits, one point per strength.
    pub points: Vec<KnobPoint>,
    pub per_split: Vec<Vec<KnobPoint>>,
}

impl KnobCurve {
    /// Assembles the curve from per-split sweeps over the same strengths.
    pub fn from_splits(
        model: &str,
        path: KnobPath,
        splits: Vec<String>,
        per_split: Vec<Vec<KnobPoint>>,
    ) -> KnobCurve {
        let n_points = per_split.first().map_or(0, Vec::len);
        let points = (0..n_points)
            .map(|k| {
                let at: Vec<KnobPoint> = per_split.iter().map(|s| s[k].clone()).collect();
                KnobPoint::mean(&at)
            })
            .collect();
        KnobCurve {
            model: model.to_string(),
            formula: path.formula(),
            path,
            splits,
            points,
            per_split,
        }
    }

    /// The point of highest coverage among those with P@10 ≥ `min_precision`.
    pub fn best_coverage_at(&self, min_precision: f64) -> Option<&KnobPoint> {
        self.points
            .iter()
            .filter(|p| p.precision >= min_precision)
            .max_by(|a, b| a.coverage.total_cmp(&b.coverage))
    }
}
