//! `counterfactual_explanations.json`: a seeded sample of what-ifs (a user with at least two likes,
//! one of them removed at random) with the instant answer, the incremental retrain (and, for the
//! first `full_retrains`, a full retrain), their fidelity, and the minimal counterfactual set of the
//! user's first recommendation.

use std::sync::atomic::AtomicBool;

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::{sampler, ListEntry, NamedItem, ReportOptions};
use crate::engine::Trainable;
use crate::explain::counterfactual::{SearchOptions, SetGuarantee};
use crate::explain::error::ExplainResult;
use crate::explain::explainer::Explainer;
use crate::explain::ranking::{Agreement, ListSource};
use crate::explain::retrain::{Fidelity, Retrained};
use crate::explain::whatif::{RankChange, WhatIf, WhatIfOutcome};

/// One reported list change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedChange {
    pub movie_id: u32,
    pub title: String,
    pub old_rank: Option<usize>,
    pub new_rank: Option<usize>,
}

/// One answer (instant or retrained) to a what-if.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnswerReport {
    pub source: ListSource,
    pub top: Vec<ListEntry>,
    /// Every item of `top` with its old rank.
    pub moves: Vec<NamedChange>,
    pub leaving: Vec<NamedChange>,
    pub sentence: String,
}

/// One sampled what-if.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIfReport {
    pub user_id: u32,
    pub likes: usize,
    pub removed: Vec<NamedItem>,
    pub before: Vec<ListEntry>,
    pub instant: AnswerReport,
    pub incremental: AnswerReport,
    pub full: Option<AnswerReport>,
    pub fidelity: Fidelity,
}

/// The minimal counterfactual set of one user's first recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MinimalSetReport {
    pub user_id: u32,
    pub recommendation: NamedItem,
    pub removed: Vec<NamedItem>,
    pub guarantee: SetGuarantee,
    pub rank_after: Option<usize>,
    pub replacement: Option<NamedItem>,
    pub sets_checked: usize,
    pub sentence: String,
}

/// Agreement figures over all what-ifs of the report.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FidelitySummary {
    pub whatifs: usize,
    /// Share of what-ifs whose instant and incremental top-k share at least k - 1 items.
    pub incremental_overlap_at_least_k_minus_1: f64,
    pub incremental_mean_overlap: f64,
    pub incremental_mean_kendall_tau: f64,
    pub full_retrains: usize,
    pub full_overlap_at_least_k_minus_1: Option<f64>,
    pub full_mean_overlap: Option<f64>,
    pub full_mean_kendall_tau: Option<f64>,
}

/// The whole counterfactual report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CounterfactualReport {
    pub report: String,
    pub dataset: String,
    pub model: String,
    pub seed: u64,
    pub k: usize,
    pub incremental_sweeps: usize,
    pub search: SearchOptions,
    /// How the fidelity figures are defined.
    pub fidelity_definition: String,
    pub summary: FidelitySummary,
    pub whatifs: Vec<WhatIfReport>,
    pub minimal_sets: Vec<MinimalSetReport>,
}

/// Builds the counterfactual report; `progress` hears (what-ifs done, what-ifs in total). Runs
/// one incremental retrain per what-if and `options.full_retrains` full trainings.
pub fn counterfactual_report<M: Trainable>(
    explainer: &Explainer<M>,
    options: &ReportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> ExplainResult<CounterfactualReport> {
    let e = explainer;
    let mut rng = sampler(options.seed, 2);
    let users = e.sample_users(&mut rng, options.whatifs, 2);
    let never = AtomicBool::new(false);
    let (mut whatifs, mut minimal_sets) = (Vec::new(), Vec::new());
    let (mut inc, mut full): (Vec<Agreement>, Vec<Agreement>) = (Vec::new(), Vec::new());
    for (n, &u) in users.iter().enumerate() {
        let like = *e.likes(u)?.choose(&mut rng).expect("at least two likes");
        let w = WhatIf::without(u, vec![like]);
        let instant = e.what_if(&w)?;
        let b = e.retrain_incremental(&w, options.incremental_sweeps, &mut |_| {}, &never)?;
        let c = if n < options.full_retrains {
            Some(e.retrain_full(&w, &mut |_| {}, &never)?)
        } else {
            None
        };
        let fidelity = Fidelity::between(
            &instant.after,
            Some(&b.outcome.after),
            c.as_ref().map(|c| &c.outcome.after),
        );
        inc.extend(fidelity.instant_vs_incremental);
        full.extend(fidelity.instant_vs_full);
        whatifs.push(WhatIfReport {
            user_id: e.catalog().user_id(u),
            likes: e.likes(u)?.len(),
            removed: vec![e.named(like)],
            before: e.entries(&instant.before),
            incremental: answer(e, &b.outcome),
            full: c.as_ref().map(|c: &Retrained| answer(e, &c.outcome)),
            instant: answer(e, &instant),
            fidelity,
        });
        if let Some(first) = instant.before.items.first() {
            let set = e.minimal_counterfactual(u, first.item, &options.search)?;
            minimal_sets.push(MinimalSetReport {
                user_id: e.catalog().user_id(u),
                recommendation: e.named(first.item),
                removed: set.removed.iter().map(|&j| e.named(j)).collect(),
                guarantee: set.guarantee,
                rank_after: set.rank_after,
                replacement: set.replacement.map(|r| e.named(r)),
                sets_checked: set.sets_checked,
                sentence: set.sentence,
            });
        }
        progress(n + 1, users.len());
    }
    let k = e.k();
    let share = |v: &[Agreement]| {
        v.iter().filter(|a| a.overlap + 1 >= k).count() as f64 / v.len().max(1) as f64
    };
    let mean = |v: &[Agreement], f: fn(&Agreement) -> f64| {
        v.iter().map(f).sum::<f64>() / v.len().max(1) as f64
    };
    let some = |x: f64| (!full.is_empty()).then_some(x);
    let summary = FidelitySummary {
        whatifs: inc.len(),
        incremental_overlap_at_least_k_minus_1: share(&inc),
        incremental_mean_overlap: mean(&inc, |a| a.overlap as f64),
        incremental_mean_kendall_tau: mean(&inc, |a| a.kendall_tau),
        full_retrains: full.len(),
        full_overlap_at_least_k_minus_1: some(share(&full)),
        full_mean_overlap: some(mean(&full, |a| a.overlap as f64)),
        full_mean_kendall_tau: some(mean(&full, |a| a.kendall_tau)),
    };
    Ok(CounterfactualReport {
        report: "counterfactual_explanations".into(),
        dataset: e.catalog().dataset.clone(),
        model: e.model().name().to_string(),
        seed: options.seed,
        k,
        incremental_sweeps: options.incremental_sweeps,
        search: options.search,
        fidelity_definition: "top-k overlap (items in both lists), same places, and Kendall tau-b over the union of both lists with items missing from a list ranked k+1 there".into(),
        summary,
        whatifs,
        minimal_sets,
    })
}

fn answer<M: Trainable>(e: &Explainer<M>, o: &WhatIfOutcome) -> AnswerReport {
    let change = |c: &RankChange| {
        let NamedItem {
            movie_id, title, ..
        } = e.named(c.item);
        NamedChange {
            movie_id,
            title,
            old_rank: c.old_rank,
            new_rank: c.new_rank,
        }
    };
    AnswerReport {
        source: o.after.source,
        top: e.entries(&o.after),
        moves: o.moves.iter().map(change).collect(),
        leaving: o.leaving.iter().map(change).collect(),
        sentence: o.sentence.clone(),
    }
}
