//! `whyrec bench --explanations` on the real ML-100K (PROTOCOL.md "Explanation quality"): the
//! report's shape, and the acceptance — whyrec's explainer has the lowest POS@10,Ke and the
//! highest INS@10,Ke of every explainer for every Ke = 1..5 (ties allowed: at Ke = 1 no single
//! removal can do better than the exact margin-minimising one, and INS reaches 1), every explainer
//! beats random, and the retrain check agrees with the refold in at least 90% of sampled cases.

use crate::common;

use common::{output_text, run_whyrec, shared_dataset};
use serde_json::Value;

#[test]
fn explanation_quality_report_meets_the_acceptance_on_ml100k() {
    let reports = tempfile::tempdir().unwrap();
    let data = shared_dataset("ml-100k");
    let root = data.parent().unwrap().to_str().unwrap().to_string();
    let reports_dir = reports.path().to_str().unwrap().to_string();
    let out = run_whyrec(
        &[
            "--dataset",
            "ml-100k",
            "--data-dir",
            &root,
            "--reports-dir",
            &reports_dir,
            "bench",
            "--repeat",
            "1",
            "--explanations",
            "--retrain-cases",
            "10",
        ],
        reports.path(),
    );
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("POS@10 (removal; lower is better)"), "{text}");
    assert!(text.contains("SPINRec"), "{text}");
    let json: Value = serde_json::from_str(
        &std::fs::read_to_string(reports.path().join("explanation_quality.json")).unwrap(),
    )
    .unwrap();
    let cases = json["cases"].as_u64().unwrap();
    assert!(
        cases > 900,
        "ML-100K has 934 users with >= 5 train likes, got {cases}"
    );
    let explainers = json["explainers"].as_array().unwrap();
    let names: Vec<&str> = explainers
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "whyrec",
            "measured drop",
            "additive share",
            "cosine",
            "jaccard",
            "random"
        ]
    );
    let at = |e: &Value, what: &str, kr: usize, ke: usize| -> f64 {
        e[what][kr.to_string()][ke.to_string()].as_f64().unwrap()
    };
    let whyrec = &explainers[0];
    for kr in [1, 5, 10] {
        for ke in 1..=5 {
            for e in explainers {
                for what in ["pos", "ins"] {
                    let v = at(e, what, kr, ke);
                    assert!((0.0..=1.0).contains(&v), "{what}@{kr},{ke} = {v}");
                }
            }
        }
    }
    for ke in 1..=5 {
        for e in &explainers[1..] {
            let name = e["name"].as_str().unwrap();
            assert!(
                at(whyrec, "pos", 10, ke) <= at(e, "pos", 10, ke),
                "POS@10,{ke}: whyrec {} vs {name} {}",
                at(whyrec, "pos", 10, ke),
                at(e, "pos", 10, ke)
            );
            assert!(
                at(whyrec, "ins", 10, ke) >= at(e, "ins", 10, ke),
                "INS@10,{ke}: whyrec {} vs {name} {}",
                at(whyrec, "ins", 10, ke),
                at(e, "ins", 10, ke)
            );
        }
        let rank = whyrec["mean_rank_after"][ke.to_string()].as_f64().unwrap();
        assert!(rank >= 1.0, "mean rank {rank}");
    }
    let random = &explainers[5];
    for e in &explainers[..5] {
        assert!(at(e, "pos", 10, 5) < at(random, "pos", 10, 5));
        assert!(at(e, "ins", 10, 1) > at(random, "ins", 10, 1));
    }
    // Removing more of whyrec's likes never helps the item on average.
    let ranks: Vec<f64> = (1..=5)
        .map(|ke| whyrec["mean_rank_after"][ke.to_string()].as_f64().unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    let check = &json["retrain_check"];
    assert_eq!(check["cases"].as_u64(), Some(10));
    assert_eq!(check["removals"].as_u64(), Some(30));
    let agree = check["agree"]["10"].as_f64().unwrap();
    assert!(agree >= 0.9, "retrain check agrees in {agree}");
}
