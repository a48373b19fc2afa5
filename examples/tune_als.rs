//! Tuning and quality check of `hybrid-als` on ML-100K holdout-20 (ignored by default: run with
//! `cargo run --release --example tune_als`).
//!
//! Protocol: positives are ratings ≥ 4; every user with n ≥ 2 positives holds out round(0.2·n) of
//! them (at least 1) at random (ChaCha8 seeded by the split seed); P@10 and AUC are computed over the
//! catalog (items with any rating) minus the user's training positives, ties broken by item index.
//! This is a rough helper; the metrics module of the crate is the reference.
//!
//! `TUNE_DATASET` (default ml-100k) picks the dataset. Grid via environment variables holding
//! comma-separated lists: `TUNE_FACTORS`, `TUNE_REG`,
//! `TUNE_NU`, `TUNE_KAPPA`, `TUNE_ALPHA`, `TUNE_W0`, `TUNE_FREG`, `TUNE_ITERS`, `TUNE_CG`, `TUNE_FEATURES` (`both`, `none`,
//! `items`, `users`), `TUNE_SEEDS`.

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{load_kind, Dataset, DatasetKind, LoadOptions, Positives};
use whyrec::engine::{top_k, AlsConfig, HybridAls, Scorer};

struct Split {
    train: Positives,
    test: Vec<Vec<u32>>,
}

fn holdout(all: &Positives, seed: u64) -> Split {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut us, mut is) = (Vec::new(), Vec::new());
    let mut test = vec![Vec::new(); all.by_user.n_rows];
    for (u, held) in test.iter_mut().enumerate() {
        let mut items = all.by_user.row(u).to_vec();
        let n = items.len();
        if n >= 2 {
            let h = ((0.2 * n as f64).round() as usize).max(1);
            items.shuffle(&mut rng);
            held.extend_from_slice(&items[..h]);
            held.sort_unstable();
            items.drain(..h);
        }
        for i in items {
            us.push(u as u32);
            is.push(i);
        }
    }
    Split {
        train: Positives::from_pairs(
            all.by_user.n_rows,
            all.by_user.n_cols,
            &us,
            &is,
            all.threshold,
        ),
        test,
    }
}

/// Mean P@10 and AUC over users with held-out items.
fn evaluate(model: &dyn Scorer, split: &Split, catalog: &[u32]) -> (f64, f64) {
    let n_items = model.n_items();
    let mut in_catalog = vec![false; n_items];
    catalog.iter().for_each(|&i| in_catalog[i as usize] = true);
    let (mut p10, mut auc, mut n) = (0.0, 0.0, 0usize);
    let mut scores = vec![0.0f32; n_items];
    for (u, held) in split.test.iter().enumerate() {
        if held.is_empty() {
            continue;
        }
        model.score_items(u as u32, &mut scores);
        let mut exclude: Vec<u32> = split.train.by_user.row(u).to_vec();
        exclude.extend((0..n_items as u32).filter(|&i| !in_catalog[i as usize]));
        let top = top_k(&scores, 10, &exclude);
        p10 += top
            .iter()
            .filter(|(i, _)| held.binary_search(i).is_ok())
            .count() as f64
            / 10.0;
        let mut excluded = vec![false; n_items];
        exclude.iter().for_each(|&i| excluded[i as usize] = true);
        let mut negatives: Vec<f32> = (0..n_items)
            .filter(|&i| !excluded[i] && held.binary_search(&(i as u32)).is_err())
            .map(|i| scores[i])
            .collect();
        negatives.sort_by(|a, b| a.total_cmp(b));
        let mut pairs = 0.0;
        for &h in held {
            let s = scores[h as usize];
            let below = negatives.partition_point(|&x| x < s);
            let ties = negatives.partition_point(|&x| x <= s) - below;
            pairs += below as f64 + 0.5 * ties as f64;
        }
        auc += pairs / (held.len() * negatives.len()).max(1) as f64;
        n += 1;
    }
    (p10 / n as f64, auc / n as f64)
}

fn list<T: std::str::FromStr>(var: &str, default: T) -> Vec<T> {
    match std::env::var(var) {
        Ok(s) => s
            .split(',')
            .map(|x| x.trim().parse().ok().expect("bad number in grid"))
            .collect(),
        Err(_) => vec![default],
    }
}

fn run_config(
    data: &Dataset,
    all: &Positives,
    config: &AlsConfig,
    seeds: &[u64],
) -> (f64, f64, f64) {
    let genres = item_genre_features(data);
    let demo = user_demographic_features(data);
    let catalog = data.catalog();
    let (mut p, mut a, mut t) = (0.0, 0.0, 0.0);
    for &seed in seeds {
        let split = holdout(all, seed);
        let cfg = AlsConfig {
            seed,
            ..config.clone()
        };
        let start = Instant::now();
        let model = HybridAls::fit(
            &split.train,
            Some(&genres),
            demo.as_ref(),
            &cfg,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("fit");
        t += start.elapsed().as_secs_f64();
        let (p10, auc) = evaluate(&model, &split, &catalog);
        p += p10;
        a += auc;
    }
    let n = seeds.len() as f64;
    (p / n, a / n, t / n)
}

fn tune_on_ml100k_holdout20() {
    // TUNE_DATASET=ml-latest-small tunes there instead (its copy's bad last line is skipped).
    let name = std::env::var("TUNE_DATASET").unwrap_or_else(|_| "ml-100k".into());
    let kind = DatasetKind::from_name(&name).expect("TUNE_DATASET names a dataset");
    let data = load_kind(
        kind,
        &common::shared_dataset(kind.folder_name()),
        LoadOptions { lenient: true },
    )
    .expect("dataset");
    let all = Positives::from_dataset(&data, 4.0);
    let d = AlsConfig::default();
    let seeds: Vec<u64> = list("TUNE_SEEDS", 0u64)
        .into_iter()
        .filter(|&s| s > 0)
        .collect();
    let seeds = if seeds.is_empty() {
        vec![1, 2, 3, 4, 5]
    } else {
        seeds
    };
    let features: Vec<String> = std::env::var("TUNE_FEATURES")
        .map(|s| s.split(',').map(str::to_string).collect())
        .unwrap_or_else(|_| vec!["both".into()]);
    for &factors in &list("TUNE_FACTORS", d.factors) {
        for &regularization in &list("TUNE_REG", d.regularization) {
            for &regularization_exponent in &list("TUNE_NU", d.regularization_exponent) {
                for &catalog_exponent in &list("TUNE_KAPPA", d.catalog_exponent) {
                    for &alpha in &list("TUNE_ALPHA", d.alpha) {
                        for &unobserved_weight in &list("TUNE_W0", d.unobserved_weight) {
                            for &feature_regularization in
                                &list("TUNE_FREG", d.feature_regularization)
                            {
                                for &iterations in &list("TUNE_ITERS", d.iterations) {
                                    for &cg_steps in &list("TUNE_CG", d.cg_steps) {
                                        for f in &features {
                                            let config = AlsConfig {
                                                factors,
                                                regularization,
                                                regularization_exponent,
                                                catalog_exponent,
                                                alpha,
                                                unobserved_weight,
                                                feature_regularization,
                                                iterations,
                                                cg_steps,
                                                item_features: f == "both" || f == "items",
                                                user_features: f == "both" || f == "users",
                                                ..d.clone()
                                            };
                                            let (p, a, t) =
                                                run_config(&data, &all, &config, &seeds);
                                            println!(
                                        "P@10 {p:.4} AUC {a:.4} fit {t:.2}s  k={factors} reg={regularization} nu={regularization_exponent} kappa={catalog_exponent} alpha={alpha} w0={unobserved_weight} freg={feature_regularization} it={iterations} cg={cg_steps} features={f}"
                                    );
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The quality target: P@10 ≥ 0.23 and AUC ≥ 0.92 averaged over split seeds 1–5 with the defaults.
fn defaults_reach_the_target_on_ml100k() {
    let data = common::load_ml100k();
    let all = Positives::from_dataset(&data, 4.0);
    let (p, a, t) = run_config(&data, &all, &AlsConfig::default(), &[1, 2, 3, 4, 5]);
    println!("defaults: P@10 {p:.4} AUC {a:.4} fit {t:.2}s");
    assert!(p >= 0.23, "P@10 {p}");
    assert!(a >= 0.92, "AUC {a}");
}

/// Runs the experiment named by the first argument (every one without an argument):
/// `cargo run --release --example tune_als -- [tune_on_ml100k_holdout20|defaults_reach_the_target_on_ml100k]`.
fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("tune_on_ml100k_holdout20") => tune_on_ml100k_holdout20(),
        Some("defaults_reach_the_target_on_ml100k") => defaults_reach_the_target_on_ml100k(),
        None => {
            tune_on_ml100k_holdout20();
            defaults_reach_the_target_on_ml100k();
        }
        Some(other) => {
            eprintln!("unknown experiment {other:?}: expected one of tune_on_ml100k_holdout20, defaults_reach_the_target_on_ml100k");
            std::process::exit(2);
        }
    }
}
