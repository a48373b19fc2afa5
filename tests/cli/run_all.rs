//! `whyrec run-all` on the real ML-100K, twice, from two empty working folders: every report and
//! artifact comes out byte for byte the same (only `reports/timings.json` may differ), and the
//! parquet artifacts hold what they promise.

use crate::common;

use std::path::Path;
use std::process::Command;

use whyrec::metrics::artifacts::read_parquet;

const REPORTS: [&str; 8] = [
    "eda.json",
    "metrics.json",
    "rating_metrics.json",
    "feature_explanations.json",
    "counterfactual_explanations.json",
    "trust_report.json",
    "fairness_report.json",
    "timings.json",
];

fn run_all(cwd: &Path) {
    let data = common::shared_dataset("ml-100k");
    let out = Command::new(env!("CARGO_BIN_EXE_whyrec"))
        .args(["run-all", "--dataset", "ml-100k", "--data-dir"])
        .arg(data.parent().unwrap())
        .args(["--models", "popularity,hybrid-als,warp"])
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "run-all failed:\n{log}");
    assert!(log.contains("[9/9] artifacts"), "{log}");
}

#[test]
fn run_all_twice_gives_identical_reports_and_artifacts() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_all(a.path());
    run_all(b.path());
    for name in REPORTS {
        let (x, y) = (
            a.path().join("reports").join(name),
            b.path().join("reports").join(name),
        );
        let (x, y) = (std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap());
        assert!(!x.is_empty(), "{name} is empty");
        if name != "timings.json" {
            assert!(x == y, "{name} differs between two runs with the same seed");
        }
        serde_json::from_slice::<serde_json::Value>(&x).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    for name in ["recommendations.parquet", "movie_map.parquet"] {
        let x = std::fs::read(a.path().join("models").join(name)).unwrap();
        let y = std::fs::read(b.path().join("models").join(name)).unwrap();
        assert!(x == y, "{name} differs between two runs");
    }
    // No fit time leaks into the deterministic reports.
    let metrics = std::fs::read_to_string(a.path().join("reports/metrics.json")).unwrap();
    assert!(!metrics.contains("fit_seconds"));
    let timings = std::fs::read_to_string(a.path().join("reports/timings.json")).unwrap();
    assert!(timings.contains("fit_seconds") && timings.contains("warp"));

    let recs = read_parquet(&a.path().join("models/recommendations.parquet")).unwrap();
    assert_eq!(recs.height(), 943 * 10, "every ML-100K user's top-10");
    let names: Vec<String> = recs
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(
        names,
        [
            "user_id",
            "rank",
            "movie_id",
            "title",
            "score",
            "predicted_rating",
            "source"
        ]
    );
    // The served rule, checked against the raw u.data and u.item.
    let (rated, titles) = common::raw_ml100k();
    let col = |name: &str| -> Vec<u32> {
        recs.column(name)
            .unwrap()
            .u32()
            .unwrap()
            .into_no_null_iter()
            .collect()
    };
    let (users, movies) = (col("user_id"), col("movie_id"));
    for (chunk_users, chunk_movies) in users.chunks(10).zip(movies.chunks(10)) {
        let user = chunk_users[0];
        assert!(chunk_users.iter().all(|&u| u == user));
        common::check_served_list(
            &format!("parquet user {user}"),
            chunk_movies,
            &rated[&user],
            &titles,
        );
    }
    let stars = recs
        .column("predicted_rating")
        .unwrap()
        .f32()
        .unwrap()
        .clone();
    assert!(stars.into_no_null_iter().all(|s| (1.0..=5.0).contains(&s)));
    let ranks: Vec<u32> = recs
        .column("rank")
        .unwrap()
        .u32()
        .unwrap()
        .into_no_null_iter()
        .collect();
    assert_eq!(ranks.iter().min(), Some(&1));
    assert_eq!(ranks.iter().max(), Some(&10));
    let map = read_parquet(&a.path().join("models/movie_map.parquet")).unwrap();
    assert_eq!(map.height(), 1682);
}
