//! The contract every factor model of the registry keeps (`engine::model`), run over each of them
//! — hybrid-als, als, warp, bpr — on the real ML-100K, trained once per model through the model
//! cache (a folder in the target's scratch space, reused between runs while the data and settings
//! match), with small settings so that the suite stays quick. Popularity joins where it applies
//! (the served rule, the trust refold). What is checked:
//!
//! * the registry: names round-trip, the spec a model reports is the one it was trained as, the
//!   cache file is named after it, `--factors` / `--iterations` reach every family;
//! * `decompose_folded` sums to `score_folded` and bias terms are named `(part, bias)`;
//! * `influences` has one entry per like and its parts sum to the folded score;
//! * `fold_in` is deterministic, and for ALS a training user's refold scores like its trained row;
//! * `removal_drops` equal refolds without each like (the first likes of sampled users);
//! * the served list of every user holds no rated movie, no twin of one, no title twice;
//! * a saved model loads back scoring the same, and retraining keeps the shapes.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

use whyrec::data::{Dataset, Positives};
use whyrec::engine::cache::{fit_and_save, load_cached, path_for, Cached};
use whyrec::engine::{
    Candidates, FactorModel, Family, HybridModel, ModelSpec, Settings, SgdModel, Trainable,
    BIAS_PART,
};

use crate::common;

/// The small settings the suite trains with.
fn settings() -> Settings {
    Settings {
        factors: Some(16),
        iterations: Some(6),
        ..Settings::seeded(3)
    }
}

struct Fixture {
    dataset: Dataset,
    likes: Positives,
    als: HybridModel,
    pure: HybridModel,
    warp: SgdModel,
    bpr: SgdModel,
}

fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("whyrec-contract-models")
}

/// The model of `config` from the cache, trained and saved the first time.
fn cached<M: Trainable>(dataset: &Dataset, config: &M::Config) -> M {
    let path = path_for::<M>(&cache_dir(), dataset, config);
    match load_cached::<M>(&path, dataset, config) {
        Cached::Fresh(model) => *model,
        Cached::Missing | Cached::Stale(_) => {
            fit_and_save::<M>(dataset, &path, config, &mut |_| {}, &AtomicBool::new(false))
                .expect("trains")
        }
    }
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dataset = common::load_ml100k();
        let s = settings();
        Fixture {
            likes: Positives::from_dataset(&dataset, 4.0),
            als: cached(&dataset, &ModelSpec::HybridAls.als_config(&s)),
            pure: cached(&dataset, &ModelSpec::Als.als_config(&s)),
            warp: cached(&dataset, &ModelSpec::Warp.sgd_config(&s)),
            bpr: cached(&dataset, &ModelSpec::Bpr.sgd_config(&s)),
            dataset,
        }
    })
}

/// Every factor model of the registry with the spec it was trained as.
fn models() -> Vec<(ModelSpec, &'static dyn FactorModel)> {
    let f = fixture();
    vec![
        (ModelSpec::HybridAls, &f.als as &dyn FactorModel),
        (ModelSpec::Als, &f.pure),
        (ModelSpec::Warp, &f.warp),
        (ModelSpec::Bpr, &f.bpr),
    ]
}

/// Users 0, 37, 74, … (every 37th: 26 users of 943, light and heavy ones).
fn sampled_users(n: usize) -> impl Iterator<Item = u32> {
    (0..n as u32).step_by(37)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-4 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn registry_names_specs_and_settings_agree() {
    let f = fixture();
    for spec in ModelSpec::ALL {
        assert_eq!(ModelSpec::from_name(spec.name()), Some(spec));
        assert_eq!(ModelSpec::parse(spec.name()), Ok(spec));
    }
    assert!(ModelSpec::parse("lightfm")
        .unwrap_err()
        .contains("hybrid-als"));
    assert!(ModelSpec::parse_factor("popularity").is_err());
    // M cycles through every factor model and back.
    let mut at = ModelSpec::HybridAls;
    let mut seen = vec![at];
    for _ in 0..ModelSpec::FACTOR.len() - 1 {
        at = at.next_factor();
        seen.push(at);
    }
    assert_eq!(seen, ModelSpec::FACTOR);
    assert_eq!(at.next_factor(), ModelSpec::HybridAls);
    for (spec, model) in models() {
        assert_eq!(model.spec(), spec);
        assert_eq!(model.name(), spec.name());
        // --factors reaches every family; --iterations is sweeps or epochs.
        assert_eq!(model.factors(), 16, "{spec}");
        let json = spec.config_json(&settings());
        let passes = match spec.family() {
            Family::Als => &json["iterations"],
            _ => &json["epochs"],
        };
        assert_eq!(passes, 6, "{spec}: {json}");
    }
    let path = path_for::<SgdModel>(&cache_dir(), &f.dataset, f.bpr.settings());
    assert!(path.ends_with("ml-100k-bpr.whyrec"), "{}", path.display());
    let path = path_for::<HybridModel>(&cache_dir(), &f.dataset, f.pure.settings());
    assert!(path.ends_with("ml-100k-als.whyrec"), "{}", path.display());
}

#[test]
fn decompositions_sum_to_the_folded_score() {
    let f = fixture();
    for (spec, model) in models() {
        let mut scores = vec![0.0f32; model.n_items()];
        for u in sampled_users(model.n_users()) {
            let folded = model.fold_in(f.likes.by_user.row(u as usize), model.user_features_of(u));
            model.score_folded(&folded, &mut scores);
            for item in [0u32, 49, 180, 1000, 1681] {
                let terms = model.decompose_folded(&folded, item);
                let sum: f64 = terms.iter().map(|t| f64::from(t.value)).sum();
                let score = f64::from(scores[item as usize]);
                assert!(
                    close(sum, score),
                    "{spec} user {u} item {item}: {sum} vs {score}"
                );
                assert!(terms.iter().all(|t| t.user_part != BIAS_PART));
                let biases = terms.iter().filter(|t| t.item_part == BIAS_PART).count();
                match spec.family() {
                    Family::Sgd => assert!(biases >= 1, "{spec}: no bias term"),
                    _ => assert_eq!(biases, 0, "{spec}: ALS has no biases"),
                }
            }
        }
    }
}

#[test]
fn influences_have_one_share_per_like_and_sum_to_the_score() {
    let f = fixture();
    for (spec, model) in models() {
        let mut scores = vec![0.0f32; model.n_items()];
        for u in sampled_users(model.n_users()) {
            let likes = f.likes.by_user.row(u as usize);
            let features = model.user_features_of(u);
            let folded = model.fold_in(likes, features);
            model.score_folded(&folded, &mut scores);
            for item in [7u32, 300] {
                let inf = model.influences(likes, features, item);
                assert_eq!(
                    inf.per_item.iter().map(|p| p.0).collect::<Vec<_>>(),
                    folded.history,
                    "{spec} user {u}"
                );
                let parts: f64 = inf.per_item.iter().map(|p| f64::from(p.1)).sum::<f64>()
                    + f64::from(inf.demographic)
                    + f64::from(inf.bias);
                let score = f64::from(scores[item as usize]);
                assert!(close(parts, score), "{spec} user {u}: {parts} vs {score}");
                assert!(close(f64::from(inf.total), score));
            }
        }
        assert!(!model.influence_method().is_empty());
    }
}

#[test]
fn fold_in_is_deterministic_and_als_refolds_its_training_rows() {
    let f = fixture();
    for (spec, model) in models() {
        let (mut a, mut b) = (vec![0.0f32; model.n_items()], vec![0.0f32; model.n_items()]);
        for u in sampled_users(model.n_users()) {
            let likes = f.likes.by_user.row(u as usize);
            let features = model.user_features_of(u);
            let once = model.fold_in(likes, features);
            assert_eq!(once, model.fold_in(likes, features), "{spec} user {u}");
            if spec.family() == Family::Als {
                model.score_folded(&once, &mut a);
                model.score_items(u, &mut b);
                assert_eq!(a, b, "{spec} user {u}: the refold is the trained row");
            }
        }
    }
}

#[test]
fn removal_drops_are_refolds_without_each_like() {
    let f = fixture();
    for (spec, model) in models() {
        let mut scores = vec![0.0f32; model.n_items()];
        for u in sampled_users(model.n_users()).take(6) {
            let likes = f.likes.by_user.row(u as usize);
            let features = model.user_features_of(u);
            let item = 99u32;
            let drops = model.removal_drops(likes, features, item);
            let folded = model.fold_in(likes, features);
            assert_eq!(drops.len(), folded.history.len(), "{spec} user {u}");
            model.score_folded(&folded, &mut scores);
            let score = f64::from(scores[item as usize]);
            for &(like, drop) in drops.iter().take(3) {
                let rest: Vec<u32> = folded
                    .history
                    .iter()
                    .copied()
                    .filter(|&h| h != like)
                    .collect();
                model.score_folded(&model.fold_in(&rest, &folded.features), &mut scores);
                let measured = score - f64::from(scores[item as usize]);
                assert!(
                    (measured - f64::from(drop)).abs() <= 1e-3 * (1.0 + score.abs()),
                    "{spec} user {u} like {like}: {drop} vs refold {measured}"
                );
            }
        }
    }
}

#[test]
fn served_lists_of_every_user_keep_the_rule_for_every_model() {
    let f = fixture();
    let d = &f.dataset;
    let candidates = Candidates::served(d);
    let popularity: Vec<f32> = (0..d.n_items())
        .map(|i| f.likes.by_item.row_len(i) as f32)
        .collect();
    let titles: HashMap<u32, String> = (0..d.n_items())
        .map(|i| (d.items.ids[i], d.items.titles[i].clone()))
        .collect();
    let pop = whyrec::engine::baselines::Popularity::fit(&f.likes);
    let mut scorers: Vec<(&str, &dyn whyrec::engine::Scorer)> = vec![("popularity", &pop)];
    scorers.extend(models().into_iter().map(|(s, m)| (s.name(), m as _)));
    let mut rated: Vec<HashSet<u32>> = vec![HashSet::new(); d.n_users()];
    for (&u, &i) in d.ratings.user.iter().zip(&d.ratings.item) {
        rated[u as usize].insert(d.items.ids[i as usize]);
    }
    for (name, scorer) in scorers {
        for (u, rated) in rated.iter().enumerate() {
            let served = candidates.serve(
                scorer,
                u as u32,
                f.likes.by_user.row_len(u),
                &popularity,
                10,
            );
            assert_eq!(served.items.len(), 10);
            let list: Vec<u32> = served
                .items
                .iter()
                .map(|&(i, _)| d.items.ids[i as usize])
                .collect();
            common::check_served_list(&format!("{name} user {u}"), &list, rated, &titles);
        }
    }
}

#[test]
fn saved_models_load_back_and_retrain_keeps_shapes() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    fn round_trip<M: Trainable>(model: &M, f: &Fixture, dir: &std::path::Path) {
        let path = dir.join(format!("{}.whyrec", model.name()));
        let meta = whyrec::engine::ModelMeta {
            dataset: f.dataset.name.clone(),
            fingerprint: f.dataset.fingerprint(),
        };
        model.save_file(&path, &meta).unwrap();
        let (loaded, back) = M::load_file(&path).unwrap();
        assert_eq!(back.fingerprint, meta.fingerprint);
        assert_eq!(loaded.settings(), model.settings());
        let (mut a, mut b) = (vec![0.0f32; model.n_items()], vec![0.0f32; model.n_items()]);
        model.score_items(5, &mut a);
        loaded.score_items(5, &mut b);
        assert_eq!(a, b, "{}", model.name());
        // Every user's first like dropped.
        let (mut users, mut items) = (Vec::new(), Vec::new());
        for u in 0..f.likes.by_user.n_rows {
            for &i in f.likes.by_user.row(u).iter().skip(1) {
                users.push(u as u32);
                items.push(i);
            }
        }
        let fewer = whyrec::data::Positives::from_pairs(
            f.likes.by_user.n_rows,
            f.likes.by_item.n_rows,
            &users,
            &items,
            4.0,
        );
        let mut warm = model.clone();
        warm.continue_training(&fewer, 1, &mut |_| {}, &AtomicBool::new(false))
            .unwrap();
        let cold = model
            .retrain(&fewer, &mut |_| {}, &AtomicBool::new(false))
            .unwrap();
        for m in [&warm, &cold] {
            assert_eq!(
                (m.n_users(), m.n_items(), m.factors()),
                (model.n_users(), model.n_items(), model.factors())
            );
            assert_eq!(m.spec(), model.spec());
        }
    }
    round_trip(&f.als, f, dir.path());
    round_trip(&f.pure, f, dir.path());
    round_trip(&f.warp, f, dir.path());
    round_trip(&f.bpr, f, dir.path());
}

#[test]
fn trust_refolds_every_model() {
    let f = fixture();
    let data = whyrec::metrics::eval_data::EvalData::holdout(&f.dataset, 3);
    for spec in ModelSpec::ALL {
        let trained = data.fit(spec, &settings(), &data.train, 3).unwrap();
        assert_eq!(
            trained.factor().is_some(),
            spec.family() != Family::Popularity
        );
        let mut scores = vec![0.0f32; data.n_items];
        trained.score_refolded(2, data.train_of(2), &mut scores);
        assert!(scores.iter().all(|s| s.is_finite()), "{spec}");
    }
}
