//! The evaluation protocol on the real ML-100K and ml-latest-small (read from `../shared/datasets`,
//! or from `$WHYREC_DATASETS`): known reference numbers and sanity ranges.

use std::path::PathBuf;
use std::time::Instant;

use whyrec::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
use whyrec::data::split::{holdout, random_ratings};
use whyrec::data::{load_kind, Dataset, DatasetKind, LoadOptions};
use whyrec::engine::baselines::Popularity;
use whyrec::engine::rating::{BiasConfig, MfConfig, RatingSpec};
use whyrec::engine::{CandidateRule, Candidates, ModelSpec, Settings};
use whyrec::metrics::experiment::run_ranking;
use whyrec::metrics::ranking::{evaluate_ranking_of, users_with_tests};
use whyrec::metrics::rating::{evaluate_splits, evaluate_splits_of, random_split_for};
use whyrec::metrics::sample::{Population, UserSample};
use whyrec::metrics::{evaluate_ml100k_folds, evaluate_ranking};

/// Loads a shared dataset strictly (the shared copies are GroupLens' files, byte for byte).
fn load(kind: DatasetKind) -> Dataset {
    let root = std::env::var_os("WHYREC_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"));
    let dir = root.join(kind.name());
    let d = load_kind(kind, &dir, LoadOptions::default())
        .unwrap_or_else(|e| panic!("cannot load {}: {e}", dir.display()));
    assert_eq!(d.skipped.count, 0, "{:?}", d.skipped);
    d
}

#[test]
fn splits_hold_out_at_random() {
    // Regression: rand 0.8's `partial_shuffle` puts the chosen elements at the end of the slice;
    // taking the first ones held out mostly the lowest item indices (and the first ratings).
    let d = load(DatasetKind::Ml100k);
    let split = holdout(&d, 1, 4.0);
    let half = d.n_items() as u32 / 2;
    let share = |low: bool| {
        let count = |rows: &[whyrec::data::split::Interaction]| {
            rows.iter().filter(|r| (r.item < half) == low).count() as f64
        };
        count(&split.test) / (count(&split.test) + count(&split.train))
    };
    for low in [true, false] {
        assert!(
            (share(low) - 0.2).abs() < 0.02,
            "held-out share {} for low={low}",
            share(low)
        );
    }
    let random = random_ratings(&d, 1);
    let first_tenth: std::collections::HashSet<(u32, u32)> = (0..d.ratings.len() / 10)
        .map(|k| (d.ratings.user[k], d.ratings.item[k]))
        .collect();
    let early = random
        .test
        .iter()
        .filter(|r| first_tenth.contains(&(r.user, r.item)))
        .count() as f64;
    let share = early / random.test.len() as f64;
    assert!(
        (share - 0.1).abs() < 0.02,
        "share of the test ratings among the file's first tenth: {share}"
    );
}

#[test]
fn popularity_on_holdout20_seed1() {
    let d = load(DatasetKind::Ml100k);
    let split = holdout(&d, 1, 4.0);
    let train = split.train_positives(d.n_users(), d.n_items(), 4.0);
    let test = split.test_positives(d.n_users(), d.n_items(), 4.0);
    let start = Instant::now();
    let report = evaluate_ranking(
        &Popularity::fit(&train),
        &train,
        &test,
        &d.catalog(),
        &d.items.genres,
        10,
    );
    let m = &report.metrics;
    eprintln!(
        "popularity ML-100K holdout-20 seed 1 ({:.2}s): {m:?}",
        start.elapsed().as_secs_f64()
    );
    assert_eq!(m.n_users, split.evaluated_users(4.0).len());
    assert!((0.08..=0.16).contains(&m.precision), "P@10 {}", m.precision);
    assert!(m.auc > 0.8 && m.auc < 0.95, "AUC {}", m.auc);
    assert!(
        m.coverage < 0.1,
        "one list for everyone covers little: {}",
        m.coverage
    );
    assert!(m.recall > 0.0 && m.ndcg > m.map && m.ild > 0.0 && m.novelty > 0.0);
}

#[test]
fn rating_folds_ml100k() {
    let d = load(DatasetKind::Ml100k);
    let specs = [
        RatingSpec::Bias(BiasConfig::default()),
        RatingSpec::Mf(MfConfig::svdpp()),
    ];
    let report = evaluate_ml100k_folds(&d, &specs, 1).unwrap();
    for m in &report.models {
        eprintln!(
            "{:<14} RMSE {:.4} MAE {:.4} fit {:.2}s",
            m.model, m.mean_rmse, m.mean_mae, m.mean_fit_seconds
        );
    }
    assert_eq!(report.folds, ["u1", "u2", "u3", "u4", "u5"]);
    let [global, bias, best] = &report.models[..] else {
        panic!("three models expected")
    };
    assert_eq!(global.model, "global-mean");
    assert!(
        (global.mean_rmse - 1.126).abs() <= 0.005,
        "global mean RMSE {}",
        global.mean_rmse
    );
    assert!(global.folds.iter().all(|f| f.n == 20_000));
    assert!(
        bias.mean_rmse < global.mean_rmse - 0.1,
        "bias {}",
        bias.mean_rmse
    );
    assert!(
        best.mean_rmse <= 0.915,
        "best model RMSE {}",
        best.mean_rmse
    );
    assert_eq!(report.best().unwrap().model, best.model);
}

#[test]
fn rating_random_split_latest_small() {
    let d = load(DatasetKind::MlLatestSmall);
    let split = random_ratings(&d, 1);
    let report = evaluate_splits(&d, &[split], &[RatingSpec::Bias(BiasConfig::default())], 1);
    let (global, bias) = (&report.models[0], &report.models[1]);
    eprintln!(
        "ml-latest-small random-90-10 seed 1: global {:.4}, bias {:.4}",
        global.mean_rmse, bias.mean_rmse
    );
    assert!(bias.mean_rmse < global.mean_rmse - 0.1);
}

#[test]
fn rating_task_on_a_user_sample_keeps_the_whole_splits_draw() {
    // A sample of 100 of ml-latest-small's 610 users: the split holds exactly their ratings, each
    // on the side (train or test) the whole split puts it, and the report states the sample.
    let d = load(DatasetKind::MlLatestSmall);
    let whole = random_ratings(&d, 3);
    let (split, users) = random_split_for(&d, 3, Population::AtMost(100));
    assert_eq!(
        (users.measured, users.evaluated),
        (100, d.rated_users().len())
    );
    assert_eq!(users.sample_seed, Some(3));
    assert!(
        split.name.contains("sample 100/610 users"),
        "{}",
        split.name
    );
    let kept = |part: &[whyrec::data::split::Interaction]| -> Vec<(u32, u32)> {
        part.iter()
            .filter(|r| users.users.binary_search(&r.user).is_ok())
            .map(|r| (r.user, r.item))
            .collect()
    };
    let pairs = |part: &[whyrec::data::split::Interaction]| -> Vec<(u32, u32)> {
        part.iter().map(|r| (r.user, r.item)).collect()
    };
    assert_eq!(pairs(&split.train), kept(&whole.train));
    assert_eq!(pairs(&split.test), kept(&whole.test));
    assert!(!split.test.is_empty());
    // The same seed draws the same users; everyone when the cap is not below the population.
    assert_eq!(random_split_for(&d, 3, Population::AtMost(100)).1, users);
    let (all, everyone) = random_split_for(&d, 3, Population::default());
    assert!(!everyone.is_sample());
    assert_eq!(pairs(&all.train), pairs(&whole.train));
    let spec = [RatingSpec::Bias(BiasConfig::default())];
    let report = evaluate_splits_of(&d, &[split], vec![users.clone()], &spec, 3);
    assert_eq!(report.users, [users]);
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["users"][0]["measured"], 100);
    assert_eq!(json["users"][0]["sample_seed"], 3);
    assert!(report.models[1].mean_rmse < report.models[0].mean_rmse);
}

#[test]
fn ranking_eval_on_a_user_sample_measures_exactly_the_sample() {
    // run_ranking with a 60-user sample: its metrics are those of the same model over exactly the
    // sampled users (drawn with the split's seed), and the report names the sample.
    let d = load(DatasetKind::Ml100k);
    let seed = 2;
    let split = holdout(&d, seed, DEFAULT_POSITIVE_THRESHOLD);
    let settings = Settings::default();
    let experiment = run_ranking(
        &d,
        &[(seed, split.clone())],
        &[ModelSpec::Popularity],
        &settings,
        CandidateRule::Served,
        None,
        Population::AtMost(60),
        |_| {},
    )
    .unwrap();
    let train = split.train_positives(d.n_users(), d.n_items(), DEFAULT_POSITIVE_THRESHOLD);
    let test = split.test_positives(d.n_users(), d.n_items(), DEFAULT_POSITIVE_THRESHOLD);
    let users = UserSample::draw(users_with_tests(&test), Population::AtMost(60), seed);
    assert_eq!(experiment.users, std::slice::from_ref(&users));
    assert_eq!((users.measured, users.is_sample()), (60, true));
    let candidates = Candidates::for_split(&d, &train, CandidateRule::Served);
    let popularity = Popularity::fit(&train);
    let report = evaluate_ranking_of(
        &popularity,
        &candidates,
        &train,
        &test,
        &d.items.genres,
        10,
        &users.users,
    );
    let measured = &experiment.models[0].metrics;
    assert_eq!(measured.precision, report.metrics.precision);
    assert_eq!(measured.coverage, report.metrics.coverage);
    assert_eq!(measured.users, 60);
    assert!(experiment.table().contains("a seeded sample of 60 of the"));
    // The default population measures all of ML-100K's evaluated users.
    let full = run_ranking(
        &d,
        &[(seed, split)],
        &[ModelSpec::Popularity],
        &settings,
        CandidateRule::Served,
        None,
        Population::default(),
        |_| {},
    )
    .unwrap();
    assert!(!full.users[0].is_sample());
    assert!(full.table().contains("Measured: all "));
}
