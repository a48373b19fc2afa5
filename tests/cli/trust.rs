//! `whyrec trust` and `whyrec fairness` as a user runs them: tables, report files (the same bytes
//! for the same seed), the knob's sweep, and clear errors for bad arguments.

use std::path::PathBuf;

use crate::common;
use common::{output_text as text, run_whyrec as whyrec};

fn shared() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn trust_popularity_table_and_same_bytes() {
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let args = [
        "trust",
        "--dataset",
        "ml-100k",
        "--data-dir",
        &data,
        "--models",
        "popularity",
        "--seed",
        "3",
    ];
    let o = whyrec(&args, cwd.path());
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("trust metrics on holdout-20 (seed 3)"),
        "{out}"
    );
    assert!(out.contains("| popularity | 0."), "{out}");
    assert!(out.contains("refold: model fixed"), "{out}");
    let path = cwd.path().join("reports/trust_report.json");
    let first = std::fs::read(&path).unwrap();
    let j: serde_json::Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(j["seeds"], serde_json::json!([3]));
    assert_eq!(j["runs"][0]["models"][0]["model"], "popularity");
    assert_eq!(
        j["runs"][0]["models"][0]["summary"]["seed_stability"]["mean"],
        1.0
    );
    assert!(j["knob"].is_null(), "no factor model, no knob");
    let o = whyrec(&args, cwd.path());
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(
        std::fs::read(&path).unwrap(),
        first,
        "same seed, same bytes"
    );
}

#[test]
fn trust_sweep_prints_the_knob_curve() {
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let o = whyrec(
        &[
            "trust",
            "--dataset",
            "ml-100k",
            "--data-dir",
            &data,
            "--models",
            "hybrid-als",
            "--no-retrain",
            "--no-seed-stability",
            "--sweep",
            "--strengths",
            "0,0.5",
        ],
        cwd.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("accuracy–coverage knob on hybrid-als"),
        "{out}"
    );
    assert!(out.contains("| 0.500 | 0.2"), "{out}");
    assert!(
        out.contains("highest coverage@10 with P@10 >= 0.21: t = 0.5"),
        "{out}"
    );
    let j: serde_json::Value = serde_json::from_slice(
        &std::fs::read(cwd.path().join("reports/trust_report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(j["knob"]["points"].as_array().unwrap().len(), 2);
    assert!(j["runs"][0]["models"][0]["summary"]["stability_retrain"].is_null());
}

#[test]
fn fairness_without_demographics_says_so() {
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let o = whyrec(
        &[
            "fairness",
            "--dataset",
            "ml-latest-small",
            "--lenient",
            "--data-dir",
            &data,
            "--models",
            "popularity",
            "--no-knob",
            "--quick-rating",
        ],
        cwd.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("records no user demographics"), "{out}");
    assert!(out.contains("by popularity decile"), "{out}");
    let j: serde_json::Value = serde_json::from_slice(
        &std::fs::read(cwd.path().join("reports/fairness_report.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(j["demographics"], false);
    assert_eq!(j["attributes"], serde_json::json!([]));
}

/// The explorer's Fairness tab and `whyrec fairness` with its defaults print the same audit: the
/// same RMSE by group (of the same rating model), the same ranking numbers, on ML-100K.
#[test]
fn fairness_tab_and_the_cli_agree_on_ml100k() {
    let cwd = tempfile::tempdir().unwrap();
    let data = shared();
    let o = whyrec(
        &["fairness", "--dataset", "ml-100k", "--data-dir", &data],
        cwd.path(),
    );
    assert!(o.status.success(), "{}", text(&o));
    let cli = std::fs::read_to_string(cwd.path().join("reports/fairness_report.json")).unwrap();
    let dataset = common::load_ml100k();
    let (_, model) = common::hybrid_on_all(&dataset);
    let engine = whyrec::tui::adapter::Engine::new(dataset, model).unwrap();
    let tab = engine
        .fairness_audit(&mut |_, _| {}, &std::sync::atomic::AtomicBool::new(false))
        .unwrap()
        .report;
    assert_ne!(
        tab.rating.model, "bias-baseline",
        "the whole line-up, as the CLI"
    );
    // Byte for byte, as the CLI writes its report.
    assert!(
        serde_json::to_string_pretty(&tab).unwrap() == cli.trim_end(),
        "the Fairness tab's audit differs from `whyrec fairness`'s report"
    );
    // On the Trust tab's split and with its fitted models (what the explorer passes once Trust
    // has run): no model fitted again, the same report byte for byte.
    let cancel = std::sync::atomic::AtomicBool::new(false);
    let trust = engine.trust_metrics(&mut |_, _| {}, &cancel).unwrap();
    assert_eq!(trust.fitted.len(), 2, "popularity and the explored model");
    let mut steps = Vec::new();
    let shared = engine
        .fairness_audit_on(Some(trust.share()), &mut |_, l| steps.push(l), &cancel)
        .unwrap()
        .report;
    assert!(
        !steps.iter().any(|s| s.starts_with("training "))
            && steps
                .iter()
                .filter(|s| s.contains(" as fitted on "))
                .count()
                == 2,
        "the Trust tab's models reused: {steps:?}"
    );
    assert!(
        serde_json::to_string_pretty(&shared).unwrap() == cli.trim_end(),
        "the audit with the Trust tab's models differs from `whyrec fairness`'s report"
    );
}

#[test]
fn bad_arguments_are_named() {
    let cwd = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (&["trust", "--models", "nope"][..], "unknown model \"nope\""),
        (
            &["trust", "--strengths=-1"][..],
            "--strengths: -1 is not a finite strength",
        ),
        (
            &["trust", "--seeds", "5-1"][..],
            "expected a range like 1-5",
        ),
        (
            &["fairness", "--knob=-2"][..],
            "--knob -2: expected a finite strength",
        ),
        (
            &["fairness", "--models", "als,x"][..],
            "unknown model \"x\"",
        ),
    ] {
        let o = whyrec(args, cwd.path());
        assert!(!o.status.success(), "{args:?}");
        assert!(text(&o).contains(expected), "{args:?}: {}", text(&o));
    }
}
