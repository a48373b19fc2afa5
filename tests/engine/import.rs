//! Models trained elsewhere (`engine::import`): a model trained here with each engine's objective
//! is written in that engine's own layout (implicit's `model.save` .npz, Spark's `ALSModel.save`
//! folder), imported onto ML-100K's ids, and must give the same score for every user and movie
//! (≤ 1e-6) with exact per-like attributions that sum to each user's top scores; broken files are
//! errors that name what is wrong.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use polars::prelude::*;
use whyrec::data::interactions::{Positives, DEFAULT_POSITIVE_THRESHOLD};
use whyrec::data::Dataset;
use whyrec::engine::import::npy::{npy_bytes_f32, npy_scalar_f64};
use whyrec::engine::import::{from_implicit, from_spark};
use whyrec::engine::{AlsConfig, FactorModel, HybridAls, HybridModel, Scorer};

use crate::common::{implicit_like_als, load_ml100k, write_implicit_npz, write_npz};

const K: usize = 12;

fn fit(config: &AlsConfig, likes: &Positives) -> HybridModel {
    HybridAls::fit(
        likes,
        None,
        None,
        config,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("trains")
}

/// implicit's objective: confidence alpha·r = 1 + α', w0 = 1, plain λ, no features.
fn implicit_like() -> AlsConfig {
    implicit_like_als(K)
}

/// Spark's implicit objective: confidence 1 + alpha·r, λ·n_u.
fn spark_like() -> AlsConfig {
    AlsConfig {
        factors: K,
        regularization: 0.05,
        regularization_exponent: 1.0,
        mass_counts_unobserved: false,
        catalog_exponent: 0.0,
        alpha: 6.0,
        iterations: 4,
        item_features: false,
        user_features: false,
        ..AlsConfig::default()
    }
}

/// Scores of every user for every movie agree within `tolerance`.
fn same_scores(a: &dyn Scorer, b: &dyn Scorer, n_users: usize, tolerance: f32) {
    let (mut x, mut y) = (vec![0f32; a.n_items()], vec![0f32; b.n_items()]);
    let mut worst = 0f32;
    for u in 0..n_users as u32 {
        a.score_items(u, &mut x);
        b.score_items(u, &mut y);
        for (p, q) in x.iter().zip(&y) {
            worst = worst.max((p - q).abs());
        }
    }
    assert!(worst <= tolerance, "scores differ by {worst}");
}

/// For every user with likes, the top-1 score equals the sum of its exact parts.
fn attributions_sum(m: &HybridModel, likes: &Positives) {
    let mut scores = vec![0f32; m.n_items()];
    let mut checked = 0;
    for u in 0..likes.by_user.n_rows {
        let history = likes.by_user.row(u);
        if history.is_empty() {
            continue;
        }
        m.score_items(u as u32, &mut scores);
        let (best, score) = scores
            .iter()
            .enumerate()
            .filter(|(i, _)| history.binary_search(&(*i as u32)).is_err())
            .fold((0, f32::MIN), |b, (i, &s)| if s > b.1 { (i, s) } else { b });
        let parts = m.influences(history, &[], best as u32);
        assert_eq!(parts.per_item.len(), history.len());
        let sum: f64 = parts.per_item.iter().map(|p| f64::from(p.1)).sum::<f64>()
            + f64::from(parts.demographic);
        assert!(
            (sum - f64::from(score)).abs() <= 1e-5 * f64::from(score.abs()).max(1.0),
            "user {u}: parts sum to {sum}, score {score}"
        );
        checked += 1;
    }
    assert!(checked > 900, "{checked} users checked");
}

#[test]
fn implicit_npz_round_trips_with_exact_attributions() {
    let d = load_ml100k();
    let likes = Positives::from_dataset(&d, DEFAULT_POSITIVE_THRESHOLD);
    let config = implicit_like();
    let trained = fit(&config, &likes);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.npz");
    write_implicit_npz(&path, &d, &trained, 1.0 + f64::from(config.alpha), 3.0);
    let imported = from_implicit(&path, &d, &likes).expect("imports");
    assert!(imported.source.contains("implicit"), "{}", imported.source);
    assert!(
        imported.max_score_difference <= 1e-6,
        "{}",
        imported.max_score_difference
    );
    same_scores(&trained, &imported.model, d.n_users(), 1e-6);
    same_scores(
        &trained,
        &imported.file_scorer("implicit-als"),
        d.n_users(),
        1e-6,
    );
    attributions_sum(&imported.model, &likes);
}

#[test]
fn spark_folder_round_trips_with_exact_attributions() {
    let d = load_ml100k();
    let likes = Positives::from_dataset(&d, DEFAULT_POSITIVE_THRESHOLD);
    let config = spark_like();
    let trained = fit(&config, &likes);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("als-model");
    write_spark(&root, &d, &trained, f64::from(config.alpha), 0.05, true);
    let imported = from_spark(&root, &d, &likes).expect("imports");
    assert!(imported.source.contains("Spark"), "{}", imported.source);
    assert!(
        imported.max_score_difference <= 1e-6,
        "{}",
        imported.max_score_difference
    );
    same_scores(&trained, &imported.model, d.n_users(), 1e-6);
    attributions_sum(&imported.model, &likes);

    // An explicit-feedback model is refused, saying why.
    let explicit = dir.path().join("explicit");
    write_spark(&explicit, &d, &trained, 1.0, 0.05, false);
    let e = from_spark(&explicit, &d, &likes).unwrap_err().to_string();
    assert!(e.contains("implicitPrefs"), "{e}");
}

/// What Spark's `ALSModel.save` writes (the parts whyrec reads), factors split over two parts.
fn write_spark(root: &Path, d: &Dataset, m: &HybridModel, alpha: f64, reg: f64, implicit: bool) {
    std::fs::create_dir_all(root.join("metadata")).unwrap();
    let meta = serde_json::json!({
        "class": "org.apache.spark.ml.recommendation.ALSModel",
        "sparkVersion": "3.5.1",
        "uid": "ALS_test",
        "paramMap": {"implicitPrefs": implicit, "alpha": alpha, "regParam": reg, "rank": K},
        "defaultParamMap": {"implicitPrefs": false, "alpha": 1.0, "regParam": 0.1, "rank": 10},
        "rank": K
    });
    std::fs::write(root.join("metadata/part-00000"), format!("{meta}\n")).unwrap();
    for (name, ids, vectors) in [
        (
            "userFactors",
            &d.users.ids,
            m.sides().user_vectors().to_owned(),
        ),
        (
            "itemFactors",
            &d.items.ids,
            m.sides().item_vectors().to_owned(),
        ),
    ] {
        let folder = root.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        let half = ids.len() / 2;
        for (part, range) in [(0, 0..half), (1, half..ids.len())] {
            let rows: Vec<Series> = range
                .clone()
                .map(|r| Series::new("".into(), vectors.row(r).to_vec()))
                .collect();
            let mut frame = DataFrame::new(
                rows.len(),
                vec![
                    Column::new(
                        "id".into(),
                        range.map(|r| ids[r] as i32).collect::<Vec<i32>>(),
                    ),
                    Series::new("features".into(), rows).into_column(),
                ],
            )
            .unwrap();
            let file =
                std::fs::File::create(folder.join(format!("part-0000{part}-x.snappy.parquet")))
                    .unwrap();
            ParquetWriter::new(file).finish(&mut frame).unwrap();
        }
        std::fs::write(folder.join("_SUCCESS"), "").unwrap();
    }
}

#[test]
fn broken_model_files_are_errors_that_say_what_is_wrong() {
    let d = load_ml100k();
    let likes = Positives::from_dataset(&d, DEFAULT_POSITIVE_THRESHOLD);
    let trained = fit(&implicit_like(), &likes);
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.npz");
    write_implicit_npz(&good, &d, &trained, 10.0, 3.0);
    let bytes = std::fs::read(&good).unwrap();
    // Every truncation is an error, never a panic.
    let cut = dir.path().join("cut.npz");
    for len in (0..bytes.len()).step_by(bytes.len() / 97 + 1) {
        std::fs::write(&cut, &bytes[..len]).unwrap();
        assert!(from_implicit(&cut, &d, &likes).is_err(), "cut at {len}");
    }
    let err = |entries: &[(&str, Vec<u8>)]| {
        let p = dir.path().join("bad.npz");
        write_npz(&p, entries);
        from_implicit(&p, &d, &likes).unwrap_err().to_string()
    };
    let items = |rows: usize| npy_bytes_f32(&[rows, K], &vec![0.1; rows * K]);
    let e = err(&[("item_factors", items(1700))]);
    assert!(e.contains("user_factors"), "{e}");
    // Rows indexed 0..942 (dense) instead of by id: user id 943 has likes but no row.
    let e = err(&[
        (
            "user_factors",
            npy_bytes_f32(&[943, K], &vec![0.1; 943 * K]),
        ),
        ("item_factors", items(1700)),
    ]);
    assert!(e.contains("user id 943"), "{e}");
    let e = err(&[
        (
            "user_factors",
            npy_bytes_f32(&[944, 3], &vec![0.1; 944 * 3]),
        ),
        ("item_factors", items(1700)),
    ]);
    assert!(e.contains("columns"), "{e}");
    let e = err(&[
        (
            "user_factors",
            npy_bytes_f32(&[944, K], &vec![f32::NAN; 944 * K]),
        ),
        ("item_factors", items(1700)),
    ]);
    assert!(e.contains("NaN"), "{e}");
    let e = err(&[
        (
            "user_factors",
            npy_bytes_f32(&[944, K], &vec![0.1; 944 * K]),
        ),
        ("item_factors", items(1700)),
        ("learning_rate", npy_scalar_f64(0.01)),
    ]);
    assert!(e.contains("only implicit's ALS"), "{e}");
    let e = err(&[
        (
            "user_factors",
            npy_bytes_f32(&[944, K], &vec![0.1; 944 * K]),
        ),
        ("item_factors", items(1700)),
        ("alpha", npy_scalar_f64(0.5)),
    ]);
    assert!(e.contains("alpha"), "{e}");
}
