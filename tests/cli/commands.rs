//! The `whyrec` binary as a user runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common;
use common::{output_text as text, run_whyrec as whyrec};

fn shared() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets")
}

fn eda_json(cwd: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(cwd.join("reports/eda.json")).unwrap()).unwrap()
}

#[test]
fn eda_ml100k_prints_and_writes_report() {
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let o = whyrec(
        &[
            "eda",
            "--dataset",
            "ml-100k",
            "--data-dir",
            data.to_str().unwrap(),
        ],
        cwd.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("100000 ratings by 943 users on 1682 movies"),
        "{out}"
    );
    assert!(out.contains("(from --data-dir)"), "{out}");
    let j = eda_json(cwd.path());
    assert_eq!(j["counts"]["ratings"], 100_000);
    assert_eq!(j["counts"]["users"], 943);
    assert_eq!(j["counts"]["items"], 1_682);
}

#[test]
fn eda_ml_latest_small_loads_strictly() {
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let args = [
        "eda",
        "--dataset",
        "ml-latest-small",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let o = whyrec(&args, cwd.path());
    assert!(o.status.success(), "{}", text(&o));
    let j = eda_json(cwd.path());
    assert_eq!(j["counts"]["ratings"].as_u64(), Some(100_836));
}

#[test]
fn eda_ml_latest_small_strict_then_lenient() {
    let cwd = tempfile::tempdir().unwrap();
    let broken = tempfile::tempdir().unwrap();
    common::broken_latest_small(broken.path());
    let data = broken.path().to_path_buf();
    let args = [
        "eda",
        "--dataset",
        "ml-latest-small",
        "--data-dir",
        data.to_str().unwrap(),
    ];
    let o = whyrec(&args, cwd.path());
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("ratings.csv:100838") && out.contains("--lenient"),
        "{out}"
    );
    assert!(!cwd.path().join("reports/eda.json").exists());
    let o = Command::new(env!("CARGO_BIN_EXE_whyrec"))
        .args(args)
        .arg("--lenient")
        .current_dir(cwd.path())
        .env("WHYREC_DATA_DIR", "/nonexistent")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("skipped 1 malformed line"));
    let j = eda_json(cwd.path());
    assert_eq!(
        (
            j["counts"]["ratings"].as_u64(),
            j["counts"]["users"].as_u64(),
            j["counts"]["items"].as_u64()
        ),
        (Some(100_836), Some(610), Some(9_742))
    );
    assert_eq!(j["demographics"]["available"], false);
}

#[test]
fn data_dir_from_environment() {
    let cwd = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_whyrec"))
        .args(["eda", "--dataset", "ml-100k"])
        .current_dir(cwd.path())
        .env("WHYREC_DATA_DIR", shared())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("(from WHYREC_DATA_DIR)"));
}

#[test]
fn no_network_says_how_to_use_local_data() {
    let cwd = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_whyrec"))
        .args(["download", "--dataset", "ml-1m", "--data-dir", "data"])
        .current_dir(cwd.path())
        .env("WHYREC_BASE_URL", "http://127.0.0.1:9/datasets")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(!o.status.success());
    let out = text(&o);
    assert!(
        out.contains("--data-dir") && out.contains("WHYREC_DATA_DIR"),
        "{out}"
    );
    // Nothing partial left behind: not even the data folder the download made.
    let left: Vec<_> = std::fs::read_dir(cwd.path()).unwrap().collect();
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn ml1m_meta_is_refused() {
    let cwd = tempfile::tempdir().unwrap();
    let meta = shared().join("ml-1m-meta");
    let o = whyrec(&["eda", "--dataset", meta.to_str().unwrap()], cwd.path());
    assert!(!o.status.success());
    assert!(text(&o).contains("ratings.dat missing"), "{}", text(&o));
}

#[test]
fn split_export_then_reimport_by_path() {
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let o = whyrec(
        &[
            "split",
            "--dataset",
            "ml-100k",
            "--data-dir",
            data.to_str().unwrap(),
            "--seed",
            "5",
            "--export",
            "s5",
        ],
        cwd.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let train = std::fs::read_to_string(cwd.path().join("s5/train.csv")).unwrap();
    assert!(train.starts_with("user,item,rating,timestamp\n"));
    let test = std::fs::read_to_string(cwd.path().join("s5/test.csv")).unwrap();
    assert!(test
        .lines()
        .skip(1)
        .all(|l| l.split(',').nth(2).unwrap().parse::<f32>().unwrap() >= 4.0));
}

#[test]
fn every_command_has_help() {
    let cwd = tempfile::tempdir().unwrap();
    let o = whyrec(&["--help"], cwd.path());
    assert!(o.status.success());
    let top = text(&o);
    let commands: Vec<String> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next().map(str::to_string))
        .filter(|c| c != "help")
        .collect();
    assert!(commands.len() >= 5, "{top}");
    for c in commands {
        let o = whyrec(&[&c, "--help"], cwd.path());
        assert!(o.status.success(), "{c} --help");
        assert!(text(&o).contains("Usage: whyrec"), "{c}");
    }
}

#[test]
fn eval_measures_the_user_sample_it_is_asked_for() {
    // --sample-users on both tasks: the table and the report name the sample; ML-100K's canonical
    // rating folds refuse one.
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let base = ["--data-dir", data.to_str().unwrap(), "eval"];
    let run = |extra: &[&str]| {
        let args: Vec<&str> = base.iter().chain(extra).copied().collect();
        whyrec(&args, cwd.path())
    };
    let o = run(&[
        "--dataset",
        "ml-latest-small",
        "--task",
        "rating",
        "--sample-users",
        "100",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("Ratings of a seeded sample of 100 of the 610 evaluated users (seed 1"),
        "{out}"
    );
    let report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(cwd.path().join("reports/rating_metrics.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(report["users"][0]["measured"], 100);
    assert_eq!(report["users"][0]["evaluated"], 610);
    assert!(report["folds"][0]
        .as_str()
        .unwrap()
        .ends_with("(sample 100/610 users)"));

    let o = run(&[
        "--dataset",
        "ml-100k",
        "--models",
        "popularity",
        "--sample-users",
        "50",
    ]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("Measured: a seeded sample of 50 of the "),
        "{}",
        text(&o)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(cwd.path().join("reports/metrics.json")).unwrap())
            .unwrap();
    assert_eq!(report["users"][0]["measured"], 50);
    assert_eq!(report["models"][0]["metrics"]["users"], 50);

    let o = run(&[
        "--dataset",
        "ml-100k",
        "--task",
        "rating",
        "--sample-users",
        "50",
    ]);
    assert!(!o.status.success());
    assert!(text(&o).contains("canonical folds"), "{}", text(&o));
}
