//! Explanation quality, measured like the literature (`../shared/PROTOCOL.md`, "Explanation
//! quality"; the fixed-length counterfactual metrics of Baklanov et al. 2025, SPINRec 2026, LXR 2024).
//!
//! A case is a user with at least [`MIN_LIKES`] train positives and the item explained, the user's
//! served top-1. An explainer orders the user's train positives by how much they explain the item.
//! With the model fixed (refold):
//!
//! - removal — drop the explainer's first `Ke` likes: `POS@Kr,Ke` is the share of cases where the
//!   item is still in the top-`Kr` (lower is better), and the mean 1-based rank of the item after;
//! - insertion — start from no likes (the user's demographic prior) and add the first `Ke` likes:
//!   `INS@Kr,Ke` is the share of cases where the item is in the top-`Kr` (higher is better).
//!
//! Ranks are among the items the served rule allows the user (every rated movie and its twins
//! excluded, removed likes included: they stay rated). The retrain check repeats the removal for a
//! seeded sample of cases with a full retrain from scratch instead of the refold and counts how often
//! the two verdicts (in / out of the top-`Kr`) agree.
//!
//! Explainers: `whyrec` (greedy exact necessary-and-sufficient counterfactual order, see
//! [`NECESSITY_WEIGHT`]), `measured drop` (the drop of the score when the like alone is removed —
//! the order of "Because you liked"), `additive share` (each like's exact additive term of the score), `cosine`
//! (of the item's and the like's composed vectors), `jaccard` (of their liker sets in train) and
//! `random` (seeded).

use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::{Csr, Positives};
use crate::engine::rank::rank_among;
use crate::engine::{Candidates, EngineError, FactorModel, HybridModel};
use crate::engine::{Scorer, Trainable};

/// Cases need at least this many train positives.
pub const MIN_LIKES: usize = 5;
/// `Kr`: the list lengths checked.
pub const LIST_LENGTHS: [usize; 3] = [1, 5, 10];
/// `Ke`: how many explaining likes are removed (inserted), 1..=5.
pub const EXPLANATION_LENGTHS: [usize; 5] = [1, 2, 3, 4, 5];
/// `Ke` values repeated with a full retrain in the retrain check.
pub const RETRAIN_LENGTHS: [usize; 3] = [1, 3, 5];

/// The explainers measured, in table order.
pub const EXPLAINERS: [&str; 6] = [
    "whyrec",
    "measured drop",
    "additive share",
    "cosine",
    "jaccard",
    "random",
];

/// Shares keyed by `Kr` then `Ke` (as strings, for the JSON report).
pub type Grid = BTreeMap<String, BTreeMap<String, f64>>;

/// One explainer's scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplainerQuality {
    pub name: String,
    /// POS@Kr,Ke: share of cases with the item still in the top-Kr after removing Ke likes.
    pub pos: Grid,
    /// INS@Kr,Ke: share of cases with the item in the top-Kr from the first Ke likes alone.
    pub ins: Grid,
    /// Mean 1-based rank of the item after removing Ke likes, keyed by Ke.
    pub mean_rank_after: BTreeMap<String, f64>,
}

impl ExplainerQuality {
    pub fn pos_at(&self, kr: usize, ke: usize) -> f64 {
        self.pos[&kr.to_string()][&ke.to_string()]
    }

    pub fn ins_at(&self, kr: usize, ke: usize) -> f64 {
        self.ins[&kr.to_string()][&ke.to_string()]
    }
}

/// The retrain check of the `whyrec` explainer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetrainCheck {
    /// Cases sampled (each repeated for every Ke of [`RETRAIN_LENGTHS`]).
    pub cases: usize,
    /// Removals retrained (cases × Ke).
    pub removals: usize,
    /// Share of removals where the refold's and the retrain's verdicts agree, keyed by Kr.
    pub agree: BTreeMap<String, f64>,
}

/// `reports/explanation_quality.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QualityReport {
    pub cases: usize,
    pub seed: u64,
    pub model: String,
    pub explainers: Vec<ExplainerQuality>,
    pub retrain_check: RetrainCheck,
}

/// One case: a user and the item explained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Case {
    pub user: u32,
    pub item: u32,
}

/// Every case of a trained model: users with at least [`MIN_LIKES`] train positives, explaining
/// their served top-1.
pub fn cases(model: &HybridModel, train: &Positives, candidates: &Candidates) -> Vec<Case> {
    (0..model.n_users() as u32)
        .into_par_iter()
        .filter(|&u| train.by_user.row_len(u as usize) >= MIN_LIKES)
        .filter_map(|user| {
            let folded = model.fold_in(
                train.by_user.row(user as usize),
                model.user_features_of(user),
            );
            let mut scores = vec![0.0; model.n_items()];
            model.score_folded(&folded, &mut scores);
            let top = candidates.top_k(&scores, 1, Some(user), &[]);
            top.first().map(|&(item, _)| Case { user, item })
        })
        .collect()
}

/// The likes of `user` ordered by one explainer (most explaining first; ties by item index).
pub fn order(
    explainer: &str,
    model: &HybridModel,
    train: &Positives,
    candidates: &Candidates,
    case: Case,
    seed: u64,
) -> Vec<u32> {
    let history = train.by_user.row(case.user as usize);
    let features = model.user_features_of(case.user);
    let mut keyed: Vec<(u32, f64)> = match explainer {
        "whyrec" => return greedy_margin_order(model, candidates, case, history, features),
        "measured drop" => model
            .removal_drops(history, features, case.item)
            .into_iter()
            .map(|(j, d)| (j, f64::from(d)))
            .collect(),
        "additive share" => model
            .influences(history, features, case.item)
            .per_item
            .into_iter()
            .map(|(j, s)| (j, f64::from(s)))
            .collect(),
        "cosine" => {
            let q = model.sides().item_vectors();
            let norm = |v: ndarray::ArrayView1<f32>| {
                v.iter().map(|a| f64::from(*a).powi(2)).sum::<f64>().sqrt()
            };
            let qi = q.row(case.item as usize);
            let ni = norm(qi);
            history
                .iter()
                .map(|&j| {
                    let qj = q.row(j as usize);
                    let dot: f64 = qi
                        .iter()
                        .zip(qj)
                        .map(|(a, b)| f64::from(*a) * f64::from(*b))
                        .sum();
                    (j, dot / (ni * norm(qj)).max(f64::MIN_POSITIVE))
                })
                .collect()
        }
        "jaccard" => history
            .iter()
            .map(|&j| (j, jaccard(&train.by_item, case.item, j)))
            .collect(),
        _ => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (u64::from(case.user) << 20));
            let mut shuffled = history.to_vec();
            shuffled.shuffle(&mut rng);
            let n = shuffled.len();
            shuffled
                .into_iter()
                .enumerate()
                .map(|(r, j)| (j, (n - r) as f64))
                .collect()
        }
    };
    keyed.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    keyed.into_iter().map(|(j, _)| j).collect()
}

/// The item's margin over the 10th best other item the served rule allows the user, for the user
/// vector `p` (negative: the item is out of the top-10).
fn margin_over_tenth(
    model: &HybridModel,
    candidates: &Candidates,
    case: Case,
    p: &[f32],
    scores: &mut [f32],
) -> f64 {
    const K: usize = 10;
    model.sides().score_vector(p, scores);
    let mut allowed = candidates.allowed(Some(case.user), &[], scores);
    allowed[case.item as usize] = false;
    let others = crate::engine::rank::top_k_allowed(scores, K, &allowed);
    let tenth = others.last().map_or(f32::NEG_INFINITY, |o| o.1);
    f64::from(scores[case.item as usize]) - f64::from(tenth)
}

/// Weight of the removal margin against the insertion margin in whyrec's explainer (chosen on
/// ML-100K holdout-20 seed 1 among 1, 2 and 4: POS@10 at Ke = 5 0.911, 0.905, 0.904; INS@10 at
/// Ke = 1 0.968, 0.963, 0.945 — 2 is best on removal at every Ke while keeping insertion best).
pub const NECESSITY_WEIGHT: f64 = 2.0;

/// whyrec's explainer: greedy, exact, necessary and sufficient at once. Each step takes the like
/// `j` that maximises `sufficiency − NECESSITY_WEIGHT · necessity`: the item's margin over the 10th best other
/// allowed item when the user is folded from the likes picked so far plus `j` alone (insertion),
/// minus that margin when the user is refolded without them (removal). Both margins are real
/// refolds, every item rescored; the removals of all remaining likes come at once
/// (Sherman–Morrison, `engine::removal`). After [`EXPLANATION_LENGTHS`]' largest Ke picks, the rest
/// follow by that last measurement.
fn greedy_margin_order(
    model: &HybridModel,
    candidates: &Candidates,
    case: Case,
    history: &[u32],
    features: &[u32],
) -> Vec<u32> {
    let picks = EXPLANATION_LENGTHS[EXPLANATION_LENGTHS.len() - 1];
    let mut rest = history.to_vec();
    let mut out: Vec<u32> = Vec::with_capacity(history.len());
    let mut scores = vec![0.0f32; model.n_items()];
    while rest.len() > 1 {
        let Some(removals) = model.removals(&rest, features) else {
            break;
        };
        let mut keyed: Vec<(u32, f64)> = removals
            .history
            .iter()
            .zip(&removals.vectors)
            .map(|(&j, v)| {
                let p: Vec<f32> = v.iter().map(|&x| x as f32).collect();
                let necessity = margin_over_tenth(model, candidates, case, &p, &mut scores);
                let mut picked = out.clone();
                picked.push(j);
                let inserted = model.fold_in(&picked, features);
                let sufficiency =
                    margin_over_tenth(model, candidates, case, &inserted.vector, &mut scores);
                (j, sufficiency - NECESSITY_WEIGHT * necessity)
            })
            .collect();
        keyed.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        if out.len() + 1 >= picks {
            out.extend(keyed.iter().map(|&(j, _)| j));
            return out;
        }
        let j = keyed[0].0;
        out.push(j);
        rest.retain(|&x| x != j);
    }
    out.extend(rest);
    out
}

/// |L_a ∩ L_b| / |L_a ∪ L_b| of two items' liker sets (rows of `by_item`, ascending).
fn jaccard(by_item: &Csr, a: u32, b: u32) -> f64 {
    let (x, y) = (by_item.row(a as usize), by_item.row(b as usize));
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = x.len() + y.len() - both;
    if union == 0 {
        0.0
    } else {
        both as f64 / union as f64
    }
}

/// The 1-based rank of `case.item` for `case.user` refolded from `history` (every other item the
/// served rule excludes stays excluded).
fn rank_with(model: &HybridModel, candidates: &Candidates, case: Case, history: &[u32]) -> usize {
    let folded = model.fold_in(history, model.user_features_of(case.user));
    let mut scores = vec![0.0; model.n_items()];
    model.score_folded(&folded, &mut scores);
    rank_of(candidates, case, &scores)
}

fn rank_of(candidates: &Candidates, case: Case, scores: &[f32]) -> usize {
    let allowed = candidates.allowed(Some(case.user), &[], scores);
    rank_among(scores, &allowed, case.item).unwrap_or(usize::MAX)
}

/// `history` minus the first `ke` likes of `ordered`.
fn without(history: &[u32], ordered: &[u32], ke: usize) -> Vec<u32> {
    let first = &ordered[..ke.min(ordered.len())];
    history
        .iter()
        .copied()
        .filter(|j| !first.contains(j))
        .collect()
}

/// A case's ranks of the item after removing the first Ke likes, and from the first Ke alone.
type Ranks = ([usize; 5], [usize; 5]);

/// Per case: rank after removing the first Ke, and rank from the first Ke alone (Ke = 1..=5).
fn ranks(
    model: &HybridModel,
    train: &Positives,
    candidates: &Candidates,
    case: Case,
    ordered: &[u32],
) -> Ranks {
    let history = train.by_user.row(case.user as usize);
    let (mut removed, mut inserted) = ([0; 5], [0; 5]);
    for (n, &ke) in EXPLANATION_LENGTHS.iter().enumerate() {
        removed[n] = rank_with(model, candidates, case, &without(history, ordered, ke));
        inserted[n] = rank_with(model, candidates, case, &ordered[..ke.min(ordered.len())]);
    }
    (removed, inserted)
}

/// Measures every explainer on every case, then the retrain check on `retrain_cases` seeded
/// cases. `progress` hears a line per stage.
pub fn measure(
    model: &HybridModel,
    train: &Positives,
    candidates: &Candidates,
    seed: u64,
    retrain_cases: usize,
    progress: &mut dyn FnMut(&str),
    cancel: &AtomicBool,
) -> Result<QualityReport, EngineError> {
    let cases = cases(model, train, candidates);
    let n = cases.len().max(1) as f64;
    let mut explainers = Vec::new();
    // whyrec's orders, kept for the retrain check.
    let mut whyrec_orders: Vec<Vec<u32>> = Vec::new();
    for name in EXPLAINERS {
        progress(&format!("{name}: {} cases", cases.len()));
        let orders: Vec<Vec<u32>> = cases
            .par_iter()
            .map(|&c| order(name, model, train, candidates, c, seed))
            .collect();
        let rows: Vec<Ranks> = cases
            .par_iter()
            .zip(&orders)
            .map(|(&c, o)| ranks(model, train, candidates, c, o))
            .collect();
        if name == "whyrec" {
            whyrec_orders = orders;
        }
        let grid = |pick: &dyn Fn(&Ranks) -> &[usize; 5]| -> Grid {
            LIST_LENGTHS
                .iter()
                .map(|&kr| {
                    let by_ke = EXPLANATION_LENGTHS
                        .iter()
                        .enumerate()
                        .map(|(e, &ke)| {
                            let hits = rows.iter().filter(|r| pick(r)[e] <= kr).count();
                            (ke.to_string(), hits as f64 / n)
                        })
                        .collect();
                    (kr.to_string(), by_ke)
                })
                .collect()
        };
        let mean_rank_after = EXPLANATION_LENGTHS
            .iter()
            .enumerate()
            .map(|(e, &ke)| {
                let total: f64 = rows.iter().map(|r| r.0[e] as f64).sum();
                (ke.to_string(), total / n)
            })
            .collect();
        explainers.push(ExplainerQuality {
            name: name.to_string(),
            pos: grid(&|r| &r.0),
            ins: grid(&|r| &r.1),
            mean_rank_after,
        });
    }

    // Retrain check: a seeded sample of cases, the whyrec order, a full retrain per removal.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let positions: Vec<usize> = (0..cases.len()).collect();
    let sample: Vec<usize> = positions
        .choose_multiple(&mut rng, retrain_cases.min(cases.len()))
        .copied()
        .collect();
    let mut agree = [0usize; 3];
    let mut removals = 0usize;
    for (s, &at) in sample.iter().enumerate() {
        let (case, ordered) = (cases[at], &whyrec_orders[at]);
        for &ke in &RETRAIN_LENGTHS {
            progress(&format!(
                "retrain check: case {} of {}, {ke} removed",
                s + 1,
                sample.len()
            ));
            let rest = without(train.by_user.row(case.user as usize), ordered, ke);
            let refold = rank_with(model, candidates, case, &rest);
            let changed = train.with_row(case.user, &rest);
            let retrained = model.retrain(&changed, &mut |_| {}, cancel)?;
            let retrain_rank = rank_with(&retrained, candidates, case, &rest);
            for (a, &kr) in agree.iter_mut().zip(&LIST_LENGTHS) {
                *a += usize::from((refold <= kr) == (retrain_rank <= kr));
            }
            removals += 1;
        }
    }
    let agree = LIST_LENGTHS
        .iter()
        .zip(agree)
        .map(|(kr, a)| (kr.to_string(), a as f64 / removals.max(1) as f64))
        .collect();
    Ok(QualityReport {
        cases: cases.len(),
        seed,
        model: model.config().describe(),
        explainers,
        retrain_check: RetrainCheck {
            cases: sample.len(),
            removals,
            agree,
        },
    })
}
