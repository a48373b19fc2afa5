//! The accuracy–coverage knob and the fairness audit on hand-checked inputs: the knob's weights,
//! its identity at strength 0, curve averaging; best–worst gaps, popularity deciles, demographic
//! groups, and audits of datasets without evaluated users or without demographics.

use crate::common;

use whyrec::data::{load_dir, LoadOptions};
use whyrec::engine::rating::{BiasConfig, RatingSpec};
use whyrec::engine::Scorer;
use whyrec::engine::{ModelSpec, Settings};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::evaluate_ranking;
use whyrec::metrics::fairness::exposure::exposure_by_decile;
use whyrec::metrics::fairness::groups::{demographic_groups, gap};
use whyrec::metrics::fairness::{run_fairness, FairnessReport, FairnessRequest};
use whyrec::metrics::knob::{sweep_split, KnobCurve, KnobPath, KnobPoint, Reranked, Reranker};

fn near(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} != {b}");
}

#[test]
fn knob_weights_by_hand() {
    let path = KnobPath::default();
    assert_eq!(path.norm_exponent, 1.0);
    assert_eq!(path.popularity_penalty, 0.08);
    let r = Reranker::from_parts(&[1.0, 4.0, 0.0], &[1, 3, 7], path);
    let mut s = [1.0f32, 1.0, 0.0];
    r.apply(0.5, &mut s);
    near(f64::from(s[0]), 1.0 - 0.04 * 2f64.ln(), 1e-6);
    near(f64::from(s[1]), 0.5 - 0.04 * 4f64.ln(), 1e-6);
    near(f64::from(s[2]), -0.04 * 8f64.ln(), 1e-6);
    // An item without train positives ranks last at every strength above 0.
    let r0 = Reranker::from_parts(&[1.0, 0.01], &[3, 0], path);
    let mut s0 = [0.1f32, 0.9];
    r0.apply(0.5, &mut s0);
    assert!(s0[1] == f32::NEG_INFINITY && s0[0].is_finite(), "{s0:?}");
    let mut s0 = [0.1f32, 0.9];
    r0.apply(0.0, &mut s0);
    assert_eq!(s0, [0.1, 0.9]);
    let w = r.weights(0.5);
    near(f64::from(w.scale[2]), 1e6, 1.0);
    // Strength 0 is the model itself; a negative strength counts as 0.
    let scores = [0.3f32, -0.2, 0.9];
    for t in [0.0, -1.0] {
        let mut x = scores;
        r.apply(t, &mut x);
        assert_eq!(x, scores);
        assert_eq!(r.weights(t).strength, 0.0);
    }
}

fn fixture_data() -> EvalData {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    // 12 users, 30 items, a popular head and a tail, ratings >= 4 are positives.
    for u in 1..=12u32 {
        for i in 1..=30u32 {
            if (i <= 6 && (u + i) % 3 != 0) || (i > 6 && (u * 7 + i * 3) % 5 == 0) {
                lines.push_str(&format!(
                    "{u}\t{i}\t{}\t{}\n",
                    4 + (u + i) % 2,
                    1000 + u * 40 + i
                ));
            }
        }
    }
    write_ml100k_with(dir.path(), 12, 30, &lines);
    let d = load_dir(dir.path(), LoadOptions::default()).unwrap();
    EvalData::holdout(&d, 2)
}

/// An ML-100K layout folder with `n_users` users, `n_items` movies (genre g = item % 19, item 1
/// without genre) and the given ratings.
fn write_ml100k_with(dir: &std::path::Path, n_users: u32, n_items: u32, ratings: &str) {
    let mut items = String::new();
    for i in 1..=n_items {
        let flags: Vec<&str> = (0..19)
            .map(|g| if i > 1 && g == i % 19 { "1" } else { "0" })
            .collect();
        items.push_str(&format!(
            "{i}|Movie {i} (1990)|01-Jan-1990||http://x|{}\n",
            flags.join("|")
        ));
    }
    std::fs::write(dir.join("u.item"), items).unwrap();
    let occupations = ["writer", "other", "engineer"];
    let users: String = (1..=n_users)
        .map(|u| {
            let gender = if u % 3 == 0 { "F" } else { "M" };
            format!(
                "{u}|{}|{gender}|{}|00000\n",
                15 + 4 * u,
                occupations[u as usize % 3]
            )
        })
        .collect();
    std::fs::write(dir.join("u.user"), users).unwrap();
    common::write_ratings(dir, ratings);
}

#[test]
fn knob_at_zero_is_the_model_and_curves_average() {
    let data = fixture_data();
    let fitted = data
        .fit(
            ModelSpec::HybridAls,
            &Settings {
                factors: Some(4),
                iterations: Some(3),
                ..Settings::seeded(1)
            },
            &data.train,
            1,
        )
        .unwrap();
    let hybrid = fitted.factor().unwrap();
    let points = sweep_split(hybrid, &data, KnobPath::default(), &[0.0, 0.6]);
    let plain = evaluate_ranking(
        hybrid,
        &data.train,
        &data.test,
        &data.catalog,
        &data.item_genres,
        10,
    );
    assert!(plain.metrics.n_users >= 10, "{}", plain.metrics.n_users);
    assert_eq!(points[0].precision, plain.metrics.precision);
    assert_eq!(points[0].coverage, plain.metrics.coverage);
    assert_eq!(points[0].auc, plain.metrics.auc);
    // The Reranked scorer is the model's scores passed through the weights.
    let weights = Reranker::for_model(hybrid, &data.popularity(), KnobPath::default()).weights(0.6);
    let through = Reranked {
        base: hybrid,
        weights: &weights,
    };
    let (mut a, mut b) = (vec![0f32; data.n_items], vec![0f32; data.n_items]);
    hybrid.score_items(3, &mut a);
    weights.apply(&mut a);
    through.score_items(3, &mut b);
    assert_eq!(a, b);
    // Curves: the mean of two splits, and the best coverage under a precision floor.
    let p = |t: f64, precision: f64, coverage: f64| KnobPoint {
        strength: t,
        precision,
        coverage,
        ..KnobPoint::default()
    };
    let curve = KnobCurve::from_splits(
        "m",
        KnobPath::default(),
        vec!["a".into(), "b".into()],
        vec![
            vec![p(0.0, 0.3, 0.1), p(1.0, 0.2, 0.5)],
            vec![p(0.0, 0.1, 0.3), p(1.0, 0.1, 0.7)],
        ],
    );
    near(curve.points[0].precision, 0.2, 1e-12);
    near(curve.points[1].coverage, 0.6, 1e-12);
    assert_eq!(curve.best_coverage_at(0.2).unwrap().strength, 0.0);
    assert_eq!(curve.best_coverage_at(0.15).unwrap().strength, 1.0);
    assert!(curve.best_coverage_at(0.5).is_none());
}

#[test]
fn gaps_by_hand() {
    let v = |x: &[(&str, f64)]| -> Vec<(String, f64)> {
        x.iter().map(|(g, v)| (g.to_string(), *v)).collect()
    };
    let g = gap(
        "p@10",
        "m",
        &v(&[("a", 0.2), ("b", 0.5), ("c", 0.1), ("d", 0.5)]),
        false,
    )
    .unwrap();
    assert_eq!((g.best_group.as_str(), g.worst_group.as_str()), ("b", "c"));
    near(g.difference, 0.4, 1e-12);
    near(g.ratio.unwrap(), 5.0, 1e-12);
    assert_eq!(g.groups, 4);
    let r = gap("rmse", "m", &v(&[("a", 0.9), ("b", 1.2)]), true).unwrap();
    assert_eq!((r.best_group.as_str(), r.worst_group.as_str()), ("a", "b"));
    near(r.difference, 0.3, 1e-12);
    near(r.ratio.unwrap(), 1.2 / 0.9, 1e-12);
    assert_eq!(
        gap("p@10", "m", &v(&[("a", 0.0), ("b", 0.3)]), false)
            .unwrap()
            .ratio,
        None
    );
    assert!(gap("p@10", "m", &[], false).is_none());
}

#[test]
fn exposure_deciles_by_hand() {
    // 20 catalog items (0..20; item 20 is outside the catalog), popularity 20 - i with a tie
    // between items 4 and 5 (both 15): decile d holds ranks 2(d-1) and 2(d-1)+1.
    let mut pop: Vec<usize> = (0..21).map(|i| 20 - i).collect();
    pop[4] = 15;
    let catalog: Vec<u32> = (0..20).collect();
    let lists: Vec<Vec<u32>> = vec![vec![0, 1, 19], vec![0, 5, 20], vec![4]];
    let d = exposure_by_decile(&catalog, &pop, lists.iter().map(|l| l.as_slice()));
    assert_eq!(d.len(), 10);
    assert!(d.iter().all(|x| x.items == 2));
    // Slots counted: 0, 1, 19, 0, 5, 4 (item 20 is not in the catalog) = 6.
    near(d[0].exposure_share, 3.0 / 6.0, 1e-12);
    near(d[1].exposure_share, 0.0, 1e-12);
    near(d[2].exposure_share, 2.0 / 6.0, 1e-12);
    near(d[9].exposure_share, 1.0 / 6.0, 1e-12);
    assert_eq!((d[2].max_popularity, d[2].min_popularity), (15, 15));
    assert_eq!(
        (d[0].items_shown, d[2].items_shown, d[9].items_shown),
        (2, 2, 1)
    );
    let total: usize = (0..20).map(|i| pop[i]).sum();
    near(d[0].train_share, 39.0 / total as f64, 1e-12);
    near(d.iter().map(|x| x.train_share).sum::<f64>(), 1.0, 1e-12);
}

#[test]
fn demographic_groups_of_a_fixture() {
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    let d = load_dir(dir.path(), LoadOptions::default()).unwrap();
    let groups = demographic_groups(&d).unwrap();
    let names: Vec<&str> = groups.iter().map(|g| g.attribute.as_str()).collect();
    assert_eq!(names, ["gender", "age", "occupation"]);
    // Users 24 M technician, 53 F other, 23 M writer.
    assert_eq!(groups[0].of_user, [1, 0, 1]);
    assert_eq!(groups[0].members(0), [1]);
    let age = &groups[1];
    let label = |u: usize| age.labels[age.of_user[u]].as_str();
    assert_eq!([label(0), label(1), label(2)], ["18-24", "50-55", "18-24"]);
    let occ = &groups[2];
    let job = |u: usize| occ.labels[occ.of_user[u]].as_str();
    assert_eq!([job(0), job(1), job(2)], ["technician", "other", "writer"]);
}

fn quick_request(models: Vec<ModelSpec>, settings: Settings) -> FairnessRequest {
    FairnessRequest {
        models,
        settings,
        knob: Some((KnobPath::default(), 0.5)),
        rating_specs: vec![RatingSpec::Bias(BiasConfig::default())],
        min_group_users: 1,
    }
}

#[test]
fn fairness_without_evaluated_users_or_demographics() {
    // Every fixture user has at most one positive: nobody is evaluated; nothing panics.
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    let d = load_dir(dir.path(), LoadOptions::default()).unwrap();
    let data = EvalData::holdout(&d, 1);
    let small = Settings {
        factors: Some(2),
        iterations: Some(2),
        ..Settings::seeded(1)
    };
    let report = run_fairness(
        &d,
        &data,
        1,
        &quick_request(vec![ModelSpec::Popularity, ModelSpec::HybridAls], small),
        |_| {},
    )
    .unwrap();
    assert!(report.demographics && report.note.is_none());
    assert_eq!(
        report.overall.len(),
        3,
        "popularity, hybrid-als and the knob"
    );
    assert_eq!(report.overall[0].metrics.n_users, 0);
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<FairnessReport>(&json).unwrap(),
        report,
        "no NaN"
    );
    for a in &report.attributes {
        assert!(a.groups.iter().all(|g| g.evaluated == 0));
        assert!(
            a.gaps.iter().all(|g| g.metric == "rmse"),
            "no ranking gap without users"
        );
    }
    // CSV layout without users: no groups, and the report says so.
    let dir = tempfile::tempdir().unwrap();
    common::write_csv(dir.path());
    let d = load_dir(dir.path(), LoadOptions::default()).unwrap();
    let data = EvalData::holdout(&d, 1);
    let report = run_fairness(
        &d,
        &data,
        1,
        &quick_request(vec![ModelSpec::Popularity], Settings::default()),
        |_| {},
    )
    .unwrap();
    assert!(!report.demographics && report.attributes.is_empty());
    assert!(report
        .note
        .as_deref()
        .unwrap()
        .contains("no user demographics"));
    assert_eq!(report.rating.splits, ["random-90-10 seed=1"]);
    assert_eq!(
        report.rating.pooled_rmse, None,
        "three ratings, none held out"
    );
    let json = serde_json::to_string(&report).unwrap();
    assert_eq!(
        serde_json::from_str::<FairnessReport>(&json).unwrap(),
        report
    );
}
