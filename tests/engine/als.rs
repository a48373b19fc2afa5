//! Properties of `hybrid-als` on ML-100K (and ml-latest-small for pure CF): exact fold-in,
//! monotone objective, exact decompositions and influences, determinism, warm-started retraining.

use crate::common;
use whyrec::engine::FactorModel;

use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{load_kind, Dataset, DatasetKind, LoadOptions, Positives};
use whyrec::engine::{AlsConfig, EngineError, HybridAls, HybridModel, Scorer, TrainProgress};

struct Fixture {
    data: Dataset,
    positives: Positives,
    model: HybridModel,
}

fn no_cancel() -> AtomicBool {
    AtomicBool::new(false)
}

fn fit(data: &Dataset, positives: &Positives, config: &AlsConfig) -> HybridModel {
    let genres = item_genre_features(data);
    let demo = user_demographic_features(data);
    HybridAls::fit(
        positives,
        Some(&genres),
        demo.as_ref(),
        config,
        &mut |_| {},
        &no_cancel(),
    )
    .expect("fit")
}

/// ML-100K with the default configuration, trained once for the whole file.
fn ml100k() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let data = common::load_ml100k();
        let positives = Positives::from_dataset(&data, 4.0);
        let model = fit(&data, &positives, &AlsConfig::default());
        Fixture {
            data,
            positives,
            model,
        }
    })
}

fn small_config() -> AlsConfig {
    AlsConfig {
        factors: 16,
        iterations: 6,
        ..AlsConfig::default()
    }
}

fn bits(m: &HybridModel) -> Vec<u32> {
    m.sides()
        .user_vectors()
        .iter()
        .chain(m.sides().item_vectors().iter())
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn fold_in_of_a_training_user_is_that_users_row() {
    let f = ml100k();
    let p = f.model.sides().user_vectors();
    for u in 0..f.model.n_users() {
        let folded = f.model.fold_in(
            f.positives.by_user.row(u),
            f.model.user_features_of(u as u32),
        );
        let row: Vec<f32> = p.row(u).to_vec();
        assert_eq!(folded.vector, row, "user {u}");
        assert_eq!(folded.is_empty(), f.positives.by_user.row_len(u) == 0);
    }
    // Order and duplicates of the history do not matter.
    let mut shuffled: Vec<u32> = f.positives.by_user.row(0).iter().rev().copied().collect();
    shuffled.push(shuffled[0]);
    assert_eq!(
        f.model
            .fold_in(&shuffled, f.model.user_features_of(0))
            .vector,
        p.row(0).to_vec()
    );
}

#[test]
fn empty_history_is_signalled() {
    let f = ml100k();
    let folded = f.model.fold_in(&[], &[0, 3]);
    assert!(folded.is_empty());
    let mut out = vec![0.0; f.model.n_items()];
    f.model.score_folded(&folded, &mut out);
    assert!(out.iter().all(|v| v.is_finite()));
}

#[test]
fn objective_never_increases_across_sweeps() {
    let f = ml100k();
    let mut seen: Vec<f64> = Vec::new();
    let config = AlsConfig {
        iterations: 10,
        ..small_config()
    };
    let genres = item_genre_features(&f.data);
    let demo = user_demographic_features(&f.data);
    let mut model = HybridAls::fit(
        &f.positives,
        Some(&genres),
        demo.as_ref(),
        &config,
        &mut |p: TrainProgress| seen.push(p.objective.expect("computed on ML-100K")),
        &no_cancel(),
    )
    .unwrap();
    assert_eq!(seen.len(), 10);
    let after_fit = model.objective(&f.positives);
    assert!(
        after_fit <= seen[9] * (1.0 + 1e-9),
        "final user step increased the objective"
    );
    model
        .continue_training(
            &f.positives,
            3,
            &mut |p| seen.push(p.objective.expect("computed on ML-100K")),
            &no_cancel(),
        )
        .unwrap();
    for w in seen.windows(2) {
        assert!(
            w[1] <= w[0] * (1.0 + 1e-7),
            "objective went up: {} -> {}",
            w[0],
            w[1]
        );
    }
    assert!(seen[9] < seen[0]);
}

#[test]
fn decomposition_sums_to_the_score_for_every_user_top10() {
    let f = ml100k();
    let m = &f.model;
    assert!(
        !m.sides().user_feature_names().is_empty() && !m.sides().item_feature_names().is_empty()
    );
    let mut scores = vec![0.0; m.n_items()];
    let mut worst = 0.0f64;
    for u in 0..m.n_users() as u32 {
        m.score_items(u, &mut scores);
        for (item, score) in m.recommend(u, 10, f.positives.by_user.row(u as usize)) {
            assert_eq!(score, scores[item as usize]);
            let terms = m.sides().decompose(u, item);
            let n_user_parts = 1 + m.user_features_of(u).len();
            let n_item_parts = 1 + m.sides().item_features_of(item).len();
            assert_eq!(terms.len(), n_user_parts * n_item_parts);
            assert_eq!(
                (terms[0].user_part.as_str(), terms[0].item_part.as_str()),
                ("own", "own")
            );
            let sum: f64 = terms.iter().map(|t| f64::from(t.value)).sum();
            let rel = (sum - f64::from(score)).abs() / f64::from(score).abs().max(1e-12);
            worst = worst.max(rel);
            assert!(
                rel <= 1e-5,
                "user {u} item {item}: terms sum {sum} vs score {score}"
            );
        }
    }
    println!("worst relative gap {worst:e}");
}

#[test]
fn influences_sum_to_the_folded_score() {
    let f = ml100k();
    let m = &f.model;
    let mut scores = vec![0.0; m.n_items()];
    for u in (0..m.n_users()).step_by(37) {
        let history: Vec<u32> = f
            .positives
            .by_user
            .row(u)
            .iter()
            .copied()
            .step_by(2)
            .collect();
        let feats = m.user_features_of(u as u32).to_vec();
        let folded = m.fold_in(&history, &feats);
        m.score_folded(&folded, &mut scores);
        for (item, _) in m
            .recommend_folded(&folded, 5, &history)
            .into_iter()
            .chain([(7, 0.0)])
        {
            let inf = m.influences(&history, &feats, item);
            assert_eq!(inf.per_item.len(), history.len());
            let sum: f64 = inf.per_item.iter().map(|p| f64::from(p.1)).sum::<f64>()
                + f64::from(inf.demographic);
            let score = f64::from(scores[item as usize]);
            let tol = 1e-4 * score.abs().max(1e-2);
            assert!(
                (sum - score).abs() <= tol,
                "user {u} item {item}: {sum} vs {score}"
            );
            assert!((f64::from(inf.total) - score).abs() <= tol);
            let folded_terms: f64 = m
                .decompose_folded(&folded, item)
                .iter()
                .map(|t| f64::from(t.value))
                .sum();
            assert!((folded_terms - score).abs() <= tol);
        }
    }
}

#[test]
fn recommend_excludes_breaks_ties_and_covers_the_catalog() {
    let f = ml100k();
    let m = &f.model;
    let seen = f.positives.by_user.row(3);
    let all = m.recommend(3, m.n_items() + 10, seen);
    assert_eq!(all.len(), m.n_items() - seen.len());
    assert!(all.iter().all(|(i, _)| seen.binary_search(i).is_err()));
    for w in all.windows(2) {
        assert!(w[0].1 > w[1].1 || (w[0].1 == w[1].1 && w[0].0 < w[1].0));
    }
    assert_eq!(m.recommend(3, 10, seen), all[..10].to_vec());
    assert_eq!(m.name(), "hybrid-als");
}

#[test]
fn same_seed_gives_identical_factors_whatever_the_thread_count() {
    let f = ml100k();
    let config = small_config();
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let three = rayon::ThreadPoolBuilder::new()
        .num_threads(3)
        .build()
        .unwrap();
    let a = one.install(|| fit(&f.data, &f.positives, &config));
    let b = three.install(|| fit(&f.data, &f.positives, &config));
    assert_eq!(bits(&a), bits(&b));
    let c = fit(&f.data, &f.positives, &AlsConfig { seed: 2, ..config });
    assert_ne!(bits(&a), bits(&c));
}

#[test]
fn continue_training_warm_starts_on_changed_interactions() {
    let f = ml100k();
    let mut model = fit(&f.data, &f.positives, &small_config());
    // What-if: user 0 drops their first five positives.
    let dropped: Vec<u32> = f.positives.by_user.row(0)[..5].to_vec();
    let (mut us, mut is) = (Vec::new(), Vec::new());
    for u in 0..f.positives.by_user.n_rows {
        for &i in f.positives.by_user.row(u) {
            if !(u == 0 && dropped.contains(&i)) {
                us.push(u as u32);
                is.push(i);
            }
        }
    }
    let changed = Positives::from_pairs(
        f.positives.by_user.n_rows,
        f.positives.by_user.n_cols,
        &us,
        &is,
        4.0,
    );
    let before = model.objective(&changed);
    let cancelled = AtomicBool::new(true);
    let snapshot = bits(&model);
    assert!(matches!(
        model.continue_training(&changed, 2, &mut |_| {}, &cancelled),
        Err(EngineError::Cancelled)
    ));
    assert_eq!(
        bits(&model),
        snapshot,
        "a cancelled update leaves the model as it was"
    );
    model
        .continue_training(&changed, 2, &mut |_| {}, &no_cancel())
        .unwrap();
    assert!(model.objective(&changed) <= before);
    let folded = model.fold_in(changed.by_user.row(0), model.user_features_of(0));
    assert_eq!(folded.vector, model.sides().user_vectors().row(0).to_vec());
    let wrong = Positives::from_pairs(5, 5, &[0], &[1], 4.0);
    assert!(matches!(
        model.continue_training(&wrong, 1, &mut |_| {}, &no_cancel()),
        Err(EngineError::Invalid(_))
    ));
}

#[test]
fn pure_cf_on_a_dataset_without_demographics() {
    // Lenient loading of GroupLens' own file (strict would load it too).
    let data = load_kind(
        DatasetKind::MlLatestSmall,
        &common::shared_dataset("ml-latest-small"),
        LoadOptions { lenient: true },
    )
    .expect("ml-latest-small");
    assert!(user_demographic_features(&data).is_none());
    let positives = Positives::from_dataset(&data, 4.0);
    let hybrid = fit(&data, &positives, &small_config());
    assert!(hybrid.sides().user_feature_names().is_empty());
    assert!(!hybrid.sides().item_feature_names().is_empty());
    let pure = fit(
        &data,
        &positives,
        &AlsConfig {
            item_features: false,
            user_features: false,
            ..small_config()
        },
    );
    assert!(pure.sides().item_feature_names().is_empty());
    let terms = pure.sides().decompose(0, 0);
    assert_eq!(terms.len(), 1);
    let mut scores = vec![0.0; pure.n_items()];
    pure.score_items(0, &mut scores);
    assert!(
        (f64::from(terms[0].value) - f64::from(scores[0])).abs()
            <= 1e-5 * f64::from(scores[0]).abs().max(1e-3)
    );
    let recs = pure.recommend(0, 10, positives.by_user.row(0));
    assert_eq!(recs.len(), 10);
    let folded = pure.fold_in(positives.by_user.row(0), &[1, 2]);
    assert_eq!(folded.vector, pure.sides().user_vectors().row(0).to_vec());
}

#[test]
fn bad_inputs_are_rejected() {
    let f = ml100k();
    let genres = item_genre_features(&f.data);
    let run = |config: &AlsConfig, item: Option<&whyrec::data::FeatureMatrix>, user| {
        HybridAls::fit(&f.positives, item, user, config, &mut |_| {}, &no_cancel()).map(|_| ())
    };
    assert!(matches!(
        run(
            &AlsConfig {
                factors: 0,
                ..small_config()
            },
            None,
            None
        ),
        Err(EngineError::Invalid(_))
    ));
    assert!(matches!(
        run(
            &AlsConfig {
                alpha: f32::NAN,
                ..small_config()
            },
            None,
            None
        ),
        Err(EngineError::Invalid(_))
    ));
    // Item features passed as user features: wrong row count.
    assert!(matches!(
        run(&small_config(), None, Some(&genres)),
        Err(EngineError::Invalid(_))
    ));
    assert!(matches!(
        HybridAls::fit(
            &f.positives,
            None,
            None,
            &small_config(),
            &mut |_| {},
            &AtomicBool::new(true)
        ),
        Err(EngineError::Cancelled)
    ));
}
