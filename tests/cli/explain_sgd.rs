//! `--model warp|bpr` on the command line, on ML-100K: `explain` with update-attribution
//! influences that sum to the score, the model cache (reused, retrained when a setting changes or
//! the file is corrupt), `whatif`, `recommend`, `train` and `explain-report`.

use crate::common;

use std::path::Path;
use std::process::Output;

fn whyrec(args: &[&str], cwd: &Path) -> Output {
    let data = common::shared_dataset("ml-100k");
    let data = data.parent().unwrap();
    let mut all = vec!["--dataset", "ml-100k", "--data-dir", data.to_str().unwrap()];
    all.extend(args);
    common::run_whyrec(&all, cwd)
}

fn ok(o: &Output) -> (String, String) {
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert!(o.status.success(), "{err}");
    (String::from_utf8_lossy(&o.stdout).into_owned(), err)
}

/// A quick warp (k = 32, 10 epochs): the properties here do not need the tuned model.
const WARP: [&str; 6] = ["--model", "warp", "--factors", "32", "--iterations", "10"];

fn with<'a>(command: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    command
        .iter()
        .chain(WARP.iter())
        .chain(extra)
        .copied()
        .collect()
}

#[test]
fn explain_and_whatif_with_a_cached_warp_model() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    let (out, err) = ok(&whyrec(
        &with(&["explain", "--user", "1"], &["--json"]),
        cwd,
    ));
    assert!(err.contains("trained warp in"), "{err}");
    let file = cwd.join("models/ml-100k-warp.whyrec");
    assert!(file.is_file());
    let x: serde_json::Value = serde_json::from_str(&out).unwrap();
    let inf = &x["explanation"]["influence"];
    assert!(inf["method"]
        .as_str()
        .unwrap()
        .starts_with("update attribution of the SGD fold-in"));
    let score = inf["score"].as_f64().unwrap();
    let likes = inf["likes"].as_array().unwrap();
    let sum: f64 = likes
        .iter()
        .map(|l| l["value"].as_f64().unwrap())
        .sum::<f64>()
        + inf["demographic"].as_f64().unwrap()
        + inf["bias"].as_f64().unwrap();
    assert!(
        (sum - score).abs() <= 1e-4 * (1.0 + score.abs()),
        "{sum} vs {score}"
    );
    assert_ne!(inf["bias"].as_f64().unwrap(), 0.0, "warp has item biases");
    let attribution = &x["explanation"]["attribution"];
    let parts = attribution["parts"].as_array().unwrap();
    let sum: f64 = parts.iter().map(|p| p["value"].as_f64().unwrap()).sum();
    assert!((sum - score).abs() <= 1e-5 * (1.0 + score.abs()));
    assert!(parts.iter().any(|p| p["name"] == "bias:item"));
    let top_like = likes[0]["like"].as_u64().unwrap();
    let movie = x["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["item"].as_u64() == Some(top_like))
        .map(|t| t["movie_id"].as_u64().unwrap().to_string())
        .unwrap();

    // The second run reuses the file; the text says the user is refolded and shows the bias.
    let (out, err) = ok(&whyrec(&with(&["explain", "--user", "1"], &[]), cwd));
    assert!(
        err.contains("using ") && !err.contains("trained warp"),
        "{err}"
    );
    assert!(out.contains("warp: the user is refolded"), "{out}");
    assert!(out.contains("item bias (no like changes it)"), "{out}");

    let (out, err) = ok(&whyrec(
        &with(
            &["whatif", "--user", "1", "--without", &movie],
            &["--retrain", "incremental"],
        ),
        cwd,
    ));
    assert!(err.contains("using "), "{err}");
    assert!(out.contains("Incremental retrain (1 sweep)") && out.contains("vs incremental"));

    // A changed setting retrains (to the same path); a corrupt file retrains too.
    let (_, err) = ok(&whyrec(
        &with(&["recommend", "--user", "1"], &["--seed", "2"]),
        cwd,
    ));
    assert!(
        err.contains("the settings changed") && err.contains("trained warp"),
        "{err}"
    );
    let mut bytes = std::fs::read(&file).unwrap();
    let n = bytes.len();
    bytes[n - 100] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let (out, err) = ok(&whyrec(
        &with(&["recommend", "--user", "1"], &["--seed", "2", "--json"]),
        cwd,
    ));
    assert!(
        err.contains("unusable") && err.contains("trained warp"),
        "{err}"
    );
    let recs: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(recs.as_array().unwrap().len(), 10);
}

#[test]
fn train_bpr_and_a_warp_report() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    let (_, err) = ok(&whyrec(
        &[
            "train",
            "--model",
            "bpr",
            "--factors",
            "16",
            "--iterations",
            "3",
        ],
        cwd,
    ));
    assert!(err.contains("trained bpr in"), "{err}");
    assert!(cwd.join("models/ml-100k-bpr.whyrec").is_file());
    assert!(!cwd.join("models/ml-100k-hybrid-als.whyrec").exists());
    let (_, err) = ok(&whyrec(
        &with(&["explain-report"], &["--users", "2", "--whatifs", "2"]),
        cwd,
    ));
    assert!(err.contains("trained warp"), "{err}");
    let v: serde_json::Value = serde_json::from_slice(
        &std::fs::read(cwd.join("reports/feature_explanations.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(v["model"], "warp");
    let rec = &v["users"][0]["recommendations"][0];
    let sum: f64 = rec["influences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["value"].as_f64().unwrap())
        .sum::<f64>()
        + rec["demographic_influence"].as_f64().unwrap()
        + rec["bias_influence"].as_f64().unwrap();
    let score = rec["model_score"].as_f64().unwrap();
    assert!(
        (sum - score).abs() <= 1e-4 * (1.0 + score.abs()),
        "{sum} vs {score}"
    );
    let o = whyrec(&["explain", "--user", "1", "--model", "lightfm"], cwd);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("hybrid-als"));
}
