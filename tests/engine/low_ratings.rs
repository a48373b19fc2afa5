//! Low ratings ("seen, not liked") as observed zeros in hybrid-als (issue: use what low ratings
//! say). `HybridAls::fit_with_low` gives every pair rated below 4 the confidence w0 + β with
//! preference y (0: "seen, not liked"; 1: "seen", a weak positive) in the own-embedding steps.
//!
//! The default tests check the mechanics on ML-100K: β = 0 is the plain model bit for bit, and
//! β > 0 pushes the scores of every user's low-rated movies down. The ignored test is the
//! measurement the README reports (served rule, holdout-20 seeds 1–5):
//! `cargo test --release --test engine low_ratings:: -- --ignored --nocapture` (`LOW_BETAS`, default
//! `0,0.25,0.5,1,2,4`; `LOW_PREFERENCES`, default `0,1`).

use crate::common;
use whyrec::engine::FactorModel;

use std::sync::atomic::AtomicBool;

use whyrec::data::{Dataset, Positives};
use whyrec::engine::{AlsConfig, HybridAls, HybridModel, Scorer};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::ranking::evaluate_ranking_with;

/// Every (user, item) rated below the threshold in the whole dataset (never held out by a split).
fn low_ratings(d: &Dataset) -> Positives {
    let (mut us, mut is) = (Vec::new(), Vec::new());
    for k in 0..d.ratings.len() {
        if d.ratings.rating[k] < 4.0 {
            us.push(d.ratings.user[k]);
            is.push(d.ratings.item[k]);
        }
    }
    // The pairs as a binary matrix (the threshold is only recorded).
    Positives::from_pairs(d.n_users(), d.n_items(), &us, &is, 4.0)
}

fn fit(data: &EvalData, low: Option<&Positives>, beta: f32, seed: u64) -> HybridModel {
    fit_as(data, low, beta, 0.0, seed)
}

fn fit_as(data: &EvalData, low: Option<&Positives>, beta: f32, y: f32, seed: u64) -> HybridModel {
    let config = AlsConfig {
        seed,
        low_rating_weight: beta,
        low_rating_preference: y,
        ..AlsConfig::default()
    };
    HybridAls::fit_with_low(
        &data.train,
        low,
        Some(&data.item_features),
        data.user_features.as_ref(),
        &config,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("hybrid-als trains on ML-100K")
}

fn mean_low_score(model: &HybridModel, low: &Positives) -> f64 {
    let mut scores = vec![0f32; model.n_items()];
    let (mut sum, mut n) = (0.0, 0usize);
    for u in 0..low.by_user.n_rows {
        model.score_items(u as u32, &mut scores);
        for &i in low.by_user.row(u) {
            sum += f64::from(scores[i as usize]);
            n += 1;
        }
    }
    sum / n.max(1) as f64
}

#[test]
fn zero_weight_is_the_plain_model_and_a_positive_weight_scores_low_ratings_lower() {
    let d = common::load_ml100k();
    let data = EvalData::holdout(&d, 1);
    let low = low_ratings(&d);
    assert!(
        low.by_user.nnz() > 40_000,
        "ML-100K has 44,625 ratings below 4"
    );
    let plain = fit(&data, None, 0.0, 1);
    let zero = fit(&data, Some(&low), 0.0, 1);
    assert_eq!(plain.sides().item_vectors(), zero.sides().item_vectors());
    let with = fit(&data, Some(&low), 2.0, 1);
    let (before, after) = (mean_low_score(&plain, &low), mean_low_score(&with, &low));
    assert!(
        after < before - 0.01,
        "low-rated pairs: mean score {before:.4} without, {after:.4} with beta 2"
    );
}

#[test]
#[ignore]
fn measure_low_ratings_on_five_seeds() {
    let d = common::load_ml100k();
    let low = low_ratings(&d);
    let betas: Vec<f32> = std::env::var("LOW_BETAS")
        .unwrap_or_else(|_| "0,0.25,0.5,1,2,4".into())
        .split(',')
        .map(|b| b.trim().parse().expect("LOW_BETAS: numbers"))
        .collect();
    let ys: Vec<f32> = std::env::var("LOW_PREFERENCES")
        .unwrap_or_else(|_| "0,1".into())
        .split(',')
        .map(|b| b.trim().parse().expect("LOW_PREFERENCES: numbers"))
        .collect();
    println!(
        "| y | beta | P@10 seeds 1-5 | mean P@10 | NDCG@10 | cov@10 |\n|---|---|---|---|---|---|"
    );
    for (y, beta) in ys.iter().flat_map(|&y| betas.iter().map(move |&b| (y, b))) {
        let (mut ps, mut ndcg, mut cov) = (Vec::new(), 0.0, 0.0);
        for seed in 1..=5u64 {
            let data = EvalData::holdout(&d, seed);
            let model = fit_as(&data, Some(&low), beta, y, seed);
            let r = evaluate_ranking_with(
                &model,
                &data.candidates,
                &data.train,
                &data.test,
                &data.item_genres,
                10,
            );
            ps.push(r.metrics.precision);
            ndcg += r.metrics.ndcg / 5.0;
            cov += r.metrics.coverage / 5.0;
        }
        let mean = ps.iter().sum::<f64>() / 5.0;
        let each: Vec<String> = ps.iter().map(|p| format!("{p:.4}")).collect();
        println!(
            "| {y} | {beta} | {} | {mean:.4} | {ndcg:.4} | {cov:.4} |",
            each.join(" ")
        );
    }
}
