//! `feature_explanations.json`: a seeded sample of users, each with their top-k, every
//! recommendation with its feature attribution and the influence of every like.

use serde::{Deserialize, Serialize};

use super::{sampler, ListEntry, NamedItem, ReportOptions};
use crate::engine::Trainable;
use crate::explain::attribution::AttributionPart;
use crate::explain::error::ExplainResult;
use crate::explain::explainer::Explainer;
use crate::explain::influence::{InfluenceExplanation, DEFAULT_MEASURED};
use crate::explain::ranking::ListSource;

/// One like's share of a reported score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedInfluence {
    pub movie_id: u32,
    pub title: String,
    pub value: f32,
    pub share: f32,
    /// Measured: the score minus the score refolded without this like.
    pub drop: f32,
}

/// The measured removal of one of the top likes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedRemoval {
    pub movie_id: u32,
    pub title: String,
    pub new_score: f32,
    pub new_rank: Option<usize>,
    pub still_recommended: bool,
}

/// One recommendation explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationReport {
    #[serde(flatten)]
    pub entry: ListEntry,
    /// The model's score (equal to `score` unless the list is the popularity fallback).
    pub model_score: f32,
    pub attribution: Vec<AttributionPart>,
    /// Every like, largest influence first.
    pub influences: Vec<NamedInfluence>,
    pub demographic_influence: f32,
    /// The item bias part of the influences (models with biases only; omitted when 0).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub bias_influence: f32,
    pub measured_removals: Vec<NamedRemoval>,
    pub sentence: String,
}

/// One sampled user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserReport {
    pub user_id: u32,
    pub likes: usize,
    pub source: ListSource,
    pub recommendations: Vec<RecommendationReport>,
}

/// The whole feature report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureReport {
    pub report: String,
    pub dataset: String,
    pub model: String,
    pub seed: u64,
    pub k: usize,
    pub attribution_rule: String,
    pub influence_method: String,
    pub users: Vec<UserReport>,
}

/// How [`crate::explain::assign_terms`] assigns the terms, in one line for reports.
pub const ATTRIBUTION_RULE: &str = "own x own -> collaborative; own x genre -> genre; demographic x own -> demographic; demographic x genre -> half to each; bias terms -> their bias";

/// Builds the feature report for `options.users` users drawn with `options.seed`; `progress`
/// hears (users done, users in total).
pub fn feature_report<M: Trainable>(
    explainer: &Explainer<M>,
    options: &ReportOptions,
    progress: &mut dyn FnMut(usize, usize),
) -> ExplainResult<FeatureReport> {
    let mut rng = sampler(options.seed, 1);
    let users = explainer.sample_users(&mut rng, options.users, 1);
    let mut out = Vec::with_capacity(users.len());
    for (n, &u) in users.iter().enumerate() {
        out.push(user_report(explainer, u)?);
        progress(n + 1, users.len());
    }
    Ok(FeatureReport {
        report: "feature_explanations".into(),
        dataset: explainer.catalog().dataset.clone(),
        model: explainer.model().name().to_string(),
        seed: options.seed,
        k: explainer.k(),
        attribution_rule: ATTRIBUTION_RULE.into(),
        influence_method: explainer.model().influence_method().into(),
        users: out,
    })
}

fn user_report<M: Trainable>(e: &Explainer<M>, user: u32) -> ExplainResult<UserReport> {
    let profile = e.profile(user)?;
    let top = e.recommend_profile(&profile)?;
    let entries = e.entries(&top);
    let mut recommendations = Vec::with_capacity(top.len());
    for (r, entry) in top.items.iter().zip(entries) {
        let attribution = e.attribute_profile(&profile, r.item)?;
        let inf = e.explain_influence_profile(&profile, r.item, DEFAULT_MEASURED)?;
        recommendations.push(RecommendationReport {
            entry,
            model_score: attribution.score,
            attribution: attribution.parts,
            influences: named_influences(e, &inf),
            demographic_influence: inf.demographic,
            bias_influence: inf.bias,
            measured_removals: inf
                .measured
                .iter()
                .map(|m| {
                    let NamedItem {
                        movie_id, title, ..
                    } = e.named(m.like);
                    NamedRemoval {
                        movie_id,
                        title,
                        new_score: m.new_score,
                        new_rank: m.new_rank,
                        still_recommended: m.still_recommended,
                    }
                })
                .collect(),
            sentence: inf.sentence,
        });
    }
    Ok(UserReport {
        user_id: e.catalog().user_id(user),
        likes: profile.likes.len(),
        source: top.source,
        recommendations,
    })
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

fn named_influences<M: Trainable>(
    e: &Explainer<M>,
    inf: &InfluenceExplanation,
) -> Vec<NamedInfluence> {
    inf.likes
        .iter()
        .map(|l| {
            let NamedItem {
                movie_id, title, ..
            } = e.named(l.like);
            NamedInfluence {
                movie_id,
                title,
                value: l.value,
                share: l.share,
                drop: l.drop,
            }
        })
        .collect()
}
