//! `whyrec explain`, `whyrec whatif` and `whyrec explain-report` as a user runs them on ML-100K
//! (the model is trained once into a temporary models folder and then reused from the cache).

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

fn stdout_json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn explain_whatif_and_reports_from_the_command_line() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    let x = stdout_json(&whyrec(&["explain", "--user", "1", "--json"], cwd));
    let attribution = &x["explanation"]["attribution"];
    let score = attribution["score"].as_f64().unwrap();
    let sum: f64 = attribution["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .sum();
    assert!(
        (sum - score).abs() <= 1e-5 * score.abs(),
        "{sum} vs {score}"
    );
    let sentence = x["explanation"]["influence"]["sentence"].as_str().unwrap();
    assert!(sentence.starts_with("Because you liked "), "{sentence}");
    // The most influential like, by the dataset's movie id.
    let top_like = x["explanation"]["influence"]["likes"][0]["like"]
        .as_u64()
        .unwrap();
    let items = x["items"].as_array().unwrap();
    let movie = items
        .iter()
        .find(|t| t["item"].as_u64() == Some(top_like))
        .map(|t| t["movie_id"].as_u64().unwrap().to_string())
        .unwrap();
    assert!(x["minimal_set"]["sentence"].as_str().is_some());

    let text = whyrec(&["explain", "--user", "1"], cwd);
    assert!(text.status.success());
    let out = String::from_utf8_lossy(&text.stdout);
    assert!(
        out.contains("Why this score") && out.contains("Which likes mattered"),
        "{out}"
    );
    assert!(
        stderr(&text).contains("using "),
        "the second run reuses the cached model"
    );

    let w = stdout_json(&whyrec(
        &["whatif", "--user", "1", "--without", &movie, "--json"],
        cwd,
    ));
    assert!(w["instant"]["sentence"]
        .as_str()
        .unwrap()
        .starts_with("If you hadn't liked "));
    assert_eq!(w["instant"]["after"]["items"].as_array().unwrap().len(), 10);
    assert!(w["fidelity"].is_null());

    let o = whyrec(
        &[
            "whatif",
            "--user",
            "1",
            "--without",
            &movie,
            "--retrain",
            "incremental",
            "--sweeps",
            "1",
        ],
        cwd,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("Incremental retrain (1 sweep)") && out.contains("vs incremental"),
        "{out}"
    );

    for (args, message) in [
        (
            &["explain", "--user", "99999"][..],
            "unknown user id 99999 in ml-100k",
        ),
        (
            &["explain", "--user", "1", "--item", "77777"][..],
            "unknown movie id 77777 in ml-100k",
        ),
        (&["whatif", "--user", "1"][..], "nothing to change"),
        (
            &["whatif", "--user", "1", "--add", &movie][..],
            "already likes",
        ),
    ] {
        let o = whyrec(args, cwd);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(stderr(&o).contains(message), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"));
    }

    let o = whyrec(&["explain-report", "--users", "2", "--whatifs", "2"], cwd);
    assert!(o.status.success(), "{}", stderr(&o));
    for name in [
        "feature_explanations.json",
        "counterfactual_explanations.json",
    ] {
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(cwd.join("reports").join(name)).unwrap())
                .unwrap();
        assert_eq!(v["dataset"], "ml-100k");
    }
}

/// Every list of `whatif --retrain full --json` carries its own sentence: "would recommend Y" is in
/// that list and not in the original, "instead of Z" in the original and not in that list; and
/// `explain --json` lists the likes under "because" by decreasing measured drop.
#[test]
fn every_whatif_list_carries_its_own_sentence_and_because_follows_the_drops() {
    let cwd = tempfile::tempdir().unwrap();
    let cwd = cwd.path();
    for (user, without) in [("1", "1"), ("42", "1"), ("200", "50"), ("655", "100")] {
        let x = stdout_json(&whyrec(&["explain", "--user", user, "--json"], cwd));
        let inf = &x["explanation"]["influence"];
        let drop_of = |j: &serde_json::Value| {
            inf["likes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|l| l["like"] == *j)
                .unwrap()["drop"]
                .as_f64()
                .unwrap()
        };
        let drops: Vec<f64> = inf["because"]
            .as_array()
            .unwrap()
            .iter()
            .map(drop_of)
            .collect();
        assert!(
            drops.windows(2).all(|w| w[0] >= w[1]),
            "user {user}: {drops:?}"
        );

        let o = whyrec(
            &[
                "whatif",
                "--user",
                user,
                "--without",
                without,
                "--retrain",
                "full",
                "--json",
            ],
            cwd,
        );
        if !o.status.success() {
            // The movie is not one of this user's likes: the error says so.
            assert!(stderr(&o).contains("never liked"), "{}", stderr(&o));
            continue;
        }
        let w: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let title = |i: &serde_json::Value| {
            w["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["item"] == *i)
                .unwrap()["title"]
                .as_str()
                .unwrap()
                .to_string()
        };
        for outcome in [
            &w["instant"],
            &w["incremental"]["outcome"],
            &w["full"]["outcome"],
        ] {
            let items = |side: &str| -> Vec<serde_json::Value> {
                outcome[side]["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["item"].clone())
                    .collect()
            };
            let (before, after) = (items("before"), items("after"));
            let sentence = outcome["sentence"].as_str().unwrap();
            if let Some((_, rest)) = sentence.split_once("would recommend ") {
                let y = after
                    .iter()
                    .find(|i| rest.starts_with(&title(i)))
                    .unwrap_or_else(|| panic!("{sentence}: Y is not in its list"));
                assert!(!before.contains(y), "{sentence}");
                let z_text = rest.split_once("(instead of ").map(|p| p.1).unwrap();
                let z = before
                    .iter()
                    .find(|i| z_text.starts_with(&title(i)))
                    .unwrap_or_else(|| panic!("{sentence}: Z is not in the original"));
                assert!(!after.contains(z), "{sentence}");
            }
        }
    }
}
