//! Properties of `warp` and `bpr` on ML-100K: exact decompositions, determinism across thread
//! counts, warm starts, fold-in measured against the trained users, leave-one-out influences,
//! cancellation, bad settings, divergence. Model files are tested in `engine_sgd_persist.rs`.

use crate::common;
use whyrec::engine::FactorModel;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::split::holdout;
use whyrec::data::{Dataset, Positives};
use whyrec::engine::baselines::Popularity;
use whyrec::engine::ModelSpec;
use whyrec::engine::{EngineError, Loss, Scorer, SgdConfig, SgdModel, TrainProgress};
use whyrec::metrics::ranking::evaluate_ranking;

fn no_cancel() -> AtomicBool {
    AtomicBool::new(false)
}

fn data() -> &'static Dataset {
    static D: OnceLock<Dataset> = OnceLock::new();
    D.get_or_init(common::load_ml100k)
}

fn fit(positives: &Positives, config: &SgdConfig) -> Result<SgdModel, EngineError> {
    let d = data();
    let genres = item_genre_features(d);
    let demo = user_demographic_features(d);
    SgdModel::fit(
        positives,
        Some(&genres),
        demo.as_ref(),
        config,
        &mut |_| {},
        &no_cancel(),
    )
}

fn small(loss: Loss) -> SgdConfig {
    SgdConfig {
        loss,
        factors: 16,
        epochs: 4,
        ..SgdConfig::warp()
    }
}

fn all_positives() -> &'static Positives {
    static P: OnceLock<Positives> = OnceLock::new();
    P.get_or_init(|| Positives::from_dataset(data(), 4.0))
}

/// A quick WARP model on every positive (k = 32, 10 epochs).
fn quick() -> &'static SgdModel {
    static M: OnceLock<SgdModel> = OnceLock::new();
    M.get_or_init(|| {
        let config = SgdConfig {
            factors: 32,
            epochs: 10,
            ..SgdConfig::warp()
        };
        fit(all_positives(), &config).expect("fit")
    })
}

struct SplitFixture {
    train: Positives,
    test: Positives,
    model: SgdModel,
}

/// The default WARP model on holdout-20 seed 1.
fn on_split() -> &'static SplitFixture {
    static F: OnceLock<SplitFixture> = OnceLock::new();
    F.get_or_init(|| {
        let d = data();
        let split = holdout(d, 1, 4.0);
        let train = split.train_positives(d.n_users(), d.n_items(), 4.0);
        let test = split.test_positives(d.n_users(), d.n_items(), 4.0);
        let model = fit(&train, &SgdConfig::warp()).expect("fit");
        SplitFixture { train, test, model }
    })
}

fn bits(m: &SgdModel) -> Vec<u32> {
    m.sides()
        .user_vectors()
        .iter()
        .chain(m.sides().item_vectors().iter())
        .chain(m.sides().item_biases().unwrap().iter())
        .chain(m.sides().user_feature_embeddings().iter())
        .chain(m.sides().item_feature_embeddings().iter())
        .map(|v| v.to_bits())
        .collect()
}

fn relative_gap(sum: f64, score: f32) -> f64 {
    (sum - f64::from(score)).abs() / f64::from(score).abs().max(1e-12)
}

#[test]
fn decomposition_sums_to_the_score_for_every_user_top10() {
    let m = quick();
    let positives = all_positives();
    assert!(
        !m.sides().user_feature_names().is_empty() && !m.sides().item_feature_names().is_empty()
    );
    let mut scores = vec![0.0; m.n_items()];
    let mut worst = 0.0f64;
    for u in 0..m.n_users() as u32 {
        m.score_items(u, &mut scores);
        for (item, score) in m.recommend(u, 10, positives.by_user.row(u as usize)) {
            assert_eq!(score, scores[item as usize]);
            let terms = m.sides().decompose(u, item);
            let n_user = 1 + m.user_features_of(u).len();
            let n_item = 1 + m.sides().item_features_of(item).len();
            assert_eq!(terms.len(), (n_user + 1) * n_item);
            assert_eq!(
                (terms[0].user_part.as_str(), terms[0].item_part.as_str()),
                ("own", "own")
            );
            let bias: Vec<_> = terms[n_user * n_item..].iter().collect();
            assert!(bias
                .iter()
                .all(|t| t.item_part == whyrec::engine::BIAS_PART));
            assert_eq!(
                bias[0].value,
                m.sides().item_own_biases().unwrap()[item as usize]
            );
            let sum: f64 = terms.iter().map(|t| f64::from(t.value)).sum();
            worst = worst.max(relative_gap(sum, score));
            assert!(
                relative_gap(sum, score) <= 1e-5,
                "user {u} item {item}: terms sum {sum} vs score {score}"
            );
        }
    }
    println!("worst relative gap {worst:e}");
}

#[test]
fn same_seed_gives_identical_factors_whatever_the_thread_count() {
    let config = SgdConfig {
        user_alpha: 0.1,
        item_alpha: 0.1,
        ..small(Loss::Warp)
    };
    let pool = |n| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .unwrap()
    };
    let a = pool(1).install(|| fit(all_positives(), &config).unwrap());
    let b = pool(2).install(|| fit(all_positives(), &config).unwrap());
    let c = pool(3).install(|| fit(all_positives(), &config).unwrap());
    assert_eq!(bits(&a), bits(&b));
    assert_eq!(bits(&a), bits(&c));
    let other = fit(all_positives(), &SgdConfig { seed: 2, ..config }).unwrap();
    assert_ne!(bits(&a), bits(&other));
    let bpr = small(Loss::Bpr);
    let x = pool(1).install(|| fit(all_positives(), &bpr).unwrap());
    let y = pool(3).install(|| fit(all_positives(), &bpr).unwrap());
    assert_eq!(bits(&x), bits(&y));
    assert_eq!((x.name(), a.name()), ("bpr", "warp"));
}

#[test]
fn fit_then_continue_is_one_longer_fit_and_warm_starts_on_changed_data() {
    let positives = all_positives();
    let config = small(Loss::Warp);
    let mut seen: Vec<TrainProgress> = Vec::new();
    let mut two_steps = SgdModel::fit(
        positives,
        None,
        None,
        &SgdConfig {
            epochs: 2,
            ..config.clone()
        },
        &mut |p| seen.push(p),
        &no_cancel(),
    )
    .unwrap();
    two_steps
        .continue_training(positives, 2, &mut |p| seen.push(p), &no_cancel())
        .unwrap();
    let at_once = SgdModel::fit(positives, None, None, &config, &mut |_| {}, &no_cancel()).unwrap();
    assert_eq!(bits(&two_steps), bits(&at_once));
    assert_eq!(two_steps.epochs_done(), 4);
    assert_eq!(
        seen.iter().map(|p| p.sweep).collect::<Vec<_>>(),
        [1, 2, 1, 2]
    );
    assert!(
        seen[3].objective < seen[0].objective,
        "mean WARP loss falls: {seen:?}"
    );
    // What-if: user 0 drops their first five positives.
    let dropped: Vec<u32> = positives.by_user.row(0)[..5].to_vec();
    let (mut us, mut is) = (Vec::new(), Vec::new());
    for u in 0..positives.by_user.n_rows {
        for &i in positives.by_user.row(u) {
            if !(u == 0 && dropped.contains(&i)) {
                us.push(u as u32);
                is.push(i);
            }
        }
    }
    let n = (positives.by_user.n_rows, positives.by_user.n_cols);
    let changed = Positives::from_pairs(n.0, n.1, &us, &is, 4.0);
    let mut model = at_once.clone();
    let snapshot = bits(&model);
    assert!(matches!(
        model.continue_training(&changed, 2, &mut |_| {}, &AtomicBool::new(true)),
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
    assert_ne!(bits(&model), snapshot);
    let wrong = Positives::from_pairs(5, 5, &[0], &[1], 4.0);
    assert!(matches!(
        model.continue_training(&wrong, 1, &mut |_| {}, &no_cancel()),
        Err(EngineError::Invalid(_))
    ));
}

#[test]
fn warp_beats_popularity_clearly_on_a_split() {
    let d = data();
    let f = on_split();
    let catalog = d.catalog();
    let eval = |s: &dyn Scorer| {
        evaluate_ranking(s, &f.train, &f.test, &catalog, &d.items.genres, 10).metrics
    };
    let warp = eval(&f.model);
    let pop = eval(&Popularity::fit(&f.train));
    println!(
        "seed 1: warp P@10 {:.4} cov {:.4} AUC {:.4}; popularity P@10 {:.4}",
        warp.precision, warp.coverage, warp.auc, pop.precision
    );
    assert!(warp.precision >= 1.4 * pop.precision);
    assert!(warp.auc > pop.auc + 0.03);
    assert!(warp.coverage > 10.0 * pop.coverage);
    assert_eq!(ModelSpec::from_name("warp"), Some(ModelSpec::Warp));
    assert_eq!(ModelSpec::from_name("bpr"), Some(ModelSpec::Bpr));
}

#[test]
fn cancel_stops_training() {
    let cancel = AtomicBool::new(false);
    let mut epochs = 0;
    let result = SgdModel::fit(
        all_positives(),
        None,
        None,
        &small(Loss::Warp),
        &mut |_| {
            epochs += 1;
            cancel.store(true, Ordering::Relaxed);
        },
        &cancel,
    );
    assert!(matches!(result, Err(EngineError::Cancelled)));
    assert_eq!(epochs, 1, "stopped in the epoch after the flag was raised");
    let raised = AtomicBool::new(true);
    let result = SgdModel::fit(
        all_positives(),
        None,
        None,
        &small(Loss::Bpr),
        &mut |_| {},
        &raised,
    );
    assert!(matches!(result, Err(EngineError::Cancelled)));
}

#[test]
fn bad_settings_and_inputs_are_rejected() {
    let base = small(Loss::Warp);
    let cases: [fn(&mut SgdConfig); 11] = [
        |c| c.factors = 0,
        |c| c.factors = 257,
        |c| c.learning_rate = 0.0,
        |c| c.learning_rate = f32::NAN,
        |c| c.learning_rate = f32::INFINITY,
        |c| c.item_alpha = -1.0,
        |c| c.user_alpha = f32::NAN,
        |c| c.max_sampled = 0,
        |c| c.shards = 0,
        |c| c.sync_interval = 0,
        |c| c.fold_in_epochs = 0,
    ];
    for case in cases {
        let mut config = base.clone();
        case(&mut config);
        match fit(all_positives(), &config) {
            Err(EngineError::Invalid(msg)) => assert!(msg.contains("warp factors="), "{msg}"),
            other => panic!("{}: {:?}", config.describe(), other.map(|_| ())),
        }
    }
    let d = data();
    let genres = item_genre_features(d);
    let swapped = SgdModel::fit(
        all_positives(),
        None,
        Some(&genres),
        &base,
        &mut |_| {},
        &no_cancel(),
    );
    assert!(matches!(swapped, Err(EngineError::Invalid(_))));
    let mut lopsided = all_positives().clone();
    lopsided.by_item = Positives::from_pairs(3, 3, &[0], &[0], 4.0).by_item;
    assert!(matches!(
        fit(&lopsided, &base),
        Err(EngineError::Invalid(_))
    ));
    assert!(matches!(
        quick().leave_one_out(&[1, 2], &[], &[0, 99_999]),
        Err(EngineError::Invalid(_))
    ));
}

#[test]
fn divergence_is_detected_and_names_the_setting() {
    for loss in [Loss::Warp, Loss::Bpr] {
        let config = SgdConfig {
            learning_rate: 1e30,
            ..small(loss)
        };
        match fit(all_positives(), &config) {
            Err(EngineError::Diverged { setting }) => {
                assert!(
                    setting.contains("learning_rate=1000000000000000000000000000000"),
                    "{setting}"
                );
                assert!(setting.starts_with(loss.name()));
            }
            other => panic!("{loss:?}: expected divergence, got {:?}", other.map(|_| ())),
        }
    }
}

#[test]
fn pure_cf_has_one_embedding_term_and_one_bias_term() {
    let config = SgdConfig {
        item_features: false,
        user_features: false,
        ..small(Loss::Bpr)
    };
    let m = fit(all_positives(), &config).unwrap();
    assert!(m.sides().item_feature_names().is_empty() && m.sides().user_feature_names().is_empty());
    let mut scores = vec![0.0; m.n_items()];
    m.score_items(3, &mut scores);
    for item in [0u32, 50, 1000] {
        let terms = m.sides().decompose(3, item);
        assert_eq!(terms.len(), 2);
        assert_eq!(
            (terms[1].user_part.as_str(), terms[1].item_part.as_str()),
            ("own", "bias")
        );
        let sum: f64 = terms.iter().map(|t| f64::from(t.value)).sum();
        assert!(
            (sum - f64::from(scores[item as usize])).abs()
                <= 1e-5 * f64::from(scores[item as usize]).abs().max(1e-3)
        );
    }
}
