//! Trust report, accuracy–coverage knob and fairness audit on the real ML-100K and
//! ml-latest-small (from `../shared/datasets`): sanity ranges, identities between group and
//! overall numbers, the knob's goal on holdout-20 seed 1, and byte-identical reports for the same
//! seed. Small factor models keep each test within a few seconds, except the knob's goal, which
//! needs the default hybrid-als.

use crate::common;

use whyrec::data::{load_dir, Dataset, LoadOptions};
use whyrec::engine::rating::{BiasConfig, RatingSpec};
use whyrec::engine::{ModelSpec, Settings};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::fairness::{run_fairness, FairnessReport, FairnessRequest};
use whyrec::metrics::knob::{sweep_split, KnobPath};
use whyrec::metrics::trust::lists::genre_distribution;
use whyrec::metrics::trust::report::{run_trust, TrustReport, TrustRequest};
use whyrec::metrics::trust::TrustConfig;

fn load(name: &str) -> Dataset {
    let lenient = name == "ml-latest-small";
    load_dir(&common::shared_dataset(name), LoadOptions { lenient }).unwrap()
}

/// Equal JSON trees, numbers up to the last bit serde_json's default float parser may lose.
fn same_json(a: &serde_json::Value, b: &serde_json::Value) {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() <= 1e-14 * x.abs().max(y.abs()), "{x} != {y}");
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(x.len(), y.len());
            x.iter().zip(y).for_each(|(x, y)| same_json(x, y));
        }
        (Value::Object(x), Value::Object(y)) => {
            assert_eq!(x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>());
            x.values()
                .zip(y.values())
                .for_each(|(x, y)| same_json(x, y));
        }
        _ => assert_eq!(a, b),
    }
}

fn small_als() -> Settings {
    Settings {
        factors: Some(16),
        iterations: Some(4),
        ..Settings::seeded(1)
    }
}

#[test]
fn trust_ml100k_sanity_and_same_bytes() {
    let d = load("ml-100k");
    let splits = vec![(1, EvalData::holdout(&d, 1))];
    let request = TrustRequest {
        models: vec![ModelSpec::Popularity, ModelSpec::HybridAls],
        settings: small_als(),
        config: TrustConfig::default(),
        knob_path: KnobPath::default(),
        knob_strengths: vec![0.0, 0.5],
    };
    let report = run_trust(&d.name, &splits, &request, |_| {}).unwrap();
    let again = run_trust(&d.name, &splits, &request, |_| {}).unwrap();
    let json = serde_json::to_string_pretty(&report).unwrap();
    assert_eq!(json, serde_json::to_string_pretty(&again).unwrap());
    // What the UI reads back is what was written.
    let read: TrustReport = serde_json::from_str(&json).unwrap();
    same_json(
        &serde_json::to_value(&read).unwrap(),
        &serde_json::to_value(&report).unwrap(),
    );
    let data = &splits[0].1;
    let (pop, als) = (&report.runs[0].models[0], &report.runs[0].models[1]);
    assert_eq!(
        (pop.model.as_str(), als.model.as_str()),
        ("popularity", "hybrid-als")
    );
    let (p, a) = (&pop.summary, &als.summary);
    assert_eq!(p.users, data.evaluated_users().len());
    eprintln!("popularity {p:?}\nhybrid-als (small) {a:?}");
    // Popularity: one list for nearly everybody, history- and seed-free.
    assert!(p.coverage < 0.05 && a.coverage > 2.0 * p.coverage);
    assert!(p.lists.gini > a.lists.gini && a.lists.gini > 0.8 && p.lists.gini < 1.0);
    assert!(p.lists.arp > a.lists.arp && a.lists.arp > 50.0);
    assert!(p.lists.calibration_kl > a.lists.calibration_kl && a.lists.calibration_kl > 0.1);
    assert_eq!(p.stability_refold.as_ref().unwrap().mean, 1.0);
    assert_eq!(p.seed_stability.as_ref().unwrap().mean, 1.0);
    let retrain = p.stability_retrain.as_ref().unwrap();
    assert!(retrain.mean > 0.7 && retrain.mean < 1.0, "{retrain:?}");
    for s in [&a.stability_refold, &a.stability_retrain, &a.seed_stability] {
        let s = s.as_ref().unwrap();
        assert!(s.mean > 0.3 && s.mean < 1.0 && s.p10 <= s.mean, "{s:?}");
    }
    // Users left with no history: the evaluated users with a single train positive.
    let single = data
        .evaluated_users()
        .iter()
        .filter(|&&u| data.train_of(u).len() == 1)
        .count();
    assert_eq!(a.stability_refold.as_ref().unwrap().emptied, single);
    let with_genres = data
        .evaluated_users()
        .iter()
        .filter(|&&u| {
            genre_distribution(data.train_of(u), &data.item_genres, data.n_genres).is_some()
        })
        .count();
    assert_eq!(a.lists.calibration_users, with_genres);
    assert!(als
        .users
        .iter()
        .all(|u| u.dropped >= 1 && u.top.len() == 10));
    // The knob at 0 is the model; at 0.5 it covers more of the catalog.
    let knob = report.knob.as_ref().unwrap();
    assert_eq!(knob.points[0].precision, a.precision);
    assert_eq!(knob.points[0].coverage, a.coverage);
    assert!(knob.points[1].coverage > a.coverage && knob.points[1].lists.arp < a.lists.arp);
}

#[test]
fn knob_reaches_the_goal_on_ml100k_seed1() {
    // Goal: coverage@10 >= 0.36 (LightFM WARP's) at P@10 >= 0.21, default hybrid-als, t = 0.5.
    let d = load("ml-100k");
    let data = EvalData::holdout(&d, 1);
    let fitted = data
        .fit(ModelSpec::HybridAls, &Settings::default(), &data.train, 1)
        .unwrap();
    let points = sweep_split(
        fitted.factor().unwrap(),
        &data,
        KnobPath::default(),
        &[0.0, 0.5],
    );
    eprintln!("{points:?}");
    assert!(points[0].precision > 0.22 && points[0].coverage < 0.2);
    assert!(points[1].precision >= 0.21, "P@10 {}", points[1].precision);
    assert!(
        points[1].coverage >= 0.36,
        "coverage@10 {}",
        points[1].coverage
    );
    assert!(points[1].novelty > points[0].novelty);
}

#[test]
fn fairness_ml100k_identities_and_same_bytes() {
    let d = load("ml-100k");
    let data = EvalData::holdout(&d, 1);
    let request = FairnessRequest {
        models: vec![ModelSpec::Popularity, ModelSpec::HybridAls],
        settings: small_als(),
        knob: Some((KnobPath::default(), 0.5)),
        rating_specs: vec![RatingSpec::Bias(BiasConfig::default())],
        min_group_users: 1,
    };
    let report = run_fairness(&d, &data, 1, &request, |_| {}).unwrap();
    let again = run_fairness(&d, &data, 1, &request, |_| {}).unwrap();
    let json = serde_json::to_string_pretty(&report).unwrap();
    assert_eq!(json, serde_json::to_string_pretty(&again).unwrap());
    let read: FairnessReport = serde_json::from_str(&json).unwrap();
    same_json(
        &serde_json::to_value(&read).unwrap(),
        &serde_json::to_value(&report).unwrap(),
    );
    assert!(report.demographics && report.note.is_none());
    assert_eq!(report.rating.model, "bias-baseline");
    assert_eq!(report.rating.splits, ["u1", "u2", "u3", "u4", "u5"]);
    assert_eq!(report.rating.ratings, 100_000);
    assert!(report.rating.mean_rmse.unwrap() < report.rating.global_mean_rmse.unwrap() - 0.1);
    let names: Vec<&str> = report
        .attributes
        .iter()
        .map(|a| a.attribute.as_str())
        .collect();
    assert_eq!(names, ["gender", "age", "occupation"]);
    let demo = d.users.demographics.as_ref().unwrap();
    let women = demo.gender.iter().filter(|g| g.label() == "F").count();
    assert_eq!(report.attributes[0].groups[0].users, women);
    for a in &report.attributes {
        let users: usize = a.groups.iter().map(|g| g.users).sum();
        assert_eq!(users, d.n_users(), "{}", a.attribute);
        // Macro averages: the evaluated-weighted group means give back the overall means.
        for (m, overall) in report.overall.iter().enumerate() {
            let o = &overall.metrics;
            let evaluated: usize = a.groups.iter().map(|g| g.ranking[m].metrics.n_users).sum();
            assert_eq!(evaluated, o.n_users);
            let weighted: f64 = a
                .groups
                .iter()
                .map(|g| g.ranking[m].metrics.n_users as f64 * g.ranking[m].metrics.precision)
                .sum();
            assert!((weighted / evaluated as f64 - o.precision).abs() < 1e-9);
        }
        // Pooled RMSE: Σ n_g rmse_g² = N rmse².
        let se: f64 = a
            .groups
            .iter()
            .filter_map(|g| g.rmse.map(|r| g.ratings as f64 * r * r))
            .sum();
        let pooled = report.rating.pooled_rmse.unwrap();
        assert!((se / 100_000.0 - pooled * pooled).abs() < 1e-9);
        assert_eq!(a.gaps.len(), 3 * report.overall.len() + 1);
        for g in &a.gaps {
            assert!(
                g.difference >= 0.0 && g.ratio.is_none_or(|r| r >= 1.0),
                "{g:?}"
            );
            if g.metric == "rmse" {
                assert!(g.best <= g.worst);
            } else {
                assert!(g.best >= g.worst);
            }
        }
    }
    for m in &report.item_exposure {
        let total: f64 = m.deciles.iter().map(|x| x.exposure_share).sum();
        assert!((total - 1.0).abs() < 1e-9, "{}", m.model);
    }
    assert!(
        report.item_exposure[0].deciles[0].exposure_share > 0.99,
        "popularity is all head"
    );
    let (als, knob) = (&report.item_exposure[1], &report.item_exposure[2]);
    assert!(knob.deciles[0].exposure_share < als.deciles[0].exposure_share);
}

#[test]
fn fairness_ml_latest_small_says_no_demographics() {
    let d = load("ml-latest-small");
    let data = EvalData::holdout(&d, 1);
    let request = FairnessRequest {
        models: vec![ModelSpec::Popularity],
        settings: Settings::default(),
        knob: None,
        rating_specs: vec![RatingSpec::Bias(BiasConfig::default())],
        min_group_users: 1,
    };
    let report = run_fairness(&d, &data, 1, &request, |_| {}).unwrap();
    assert!(!report.demographics && report.attributes.is_empty());
    assert!(report
        .note
        .as_deref()
        .unwrap()
        .contains("no user demographics"));
    assert_eq!(report.rating.splits, ["random-90-10 seed=1"]);
    assert!(report.overall[0].metrics.n_users > 500);
    assert_eq!(report.item_exposure[0].deciles.len(), 10);
}
