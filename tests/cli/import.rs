//! `whyrec import` and `--model-file` end to end on ML-100K: a model written in implicit's layout
//! by the test is imported by the binary, then recommended and explained from the file it wrote
//! (its lists hold no rated movie); a model file made for other data is refused with a reason.

use std::sync::atomic::AtomicBool;

use whyrec::data::interactions::{Positives, DEFAULT_POSITIVE_THRESHOLD};
use whyrec::engine::HybridAls;

use crate::common::{
    implicit_like_als, load_ml100k, output_text, run_whyrec, shared_dataset, write_implicit_npz,
};

#[test]
fn an_implicit_model_is_imported_recommended_and_explained() {
    let d = load_ml100k();
    let likes = Positives::from_dataset(&d, DEFAULT_POSITIVE_THRESHOLD);
    let config = implicit_like_als(16);
    let model = HybridAls::fit(
        &likes,
        None,
        None,
        &config,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    write_implicit_npz(&dir.path().join("model.npz"), &d, &model, 10.0, 3.0);
    let data_dir = shared_dataset("ml-100k");
    let data_dir = data_dir.parent().unwrap().to_str().unwrap();
    let common = ["--dataset", "ml-100k", "--data-dir", data_dir];

    let out = run_whyrec(
        &[&common[..], &["import", "--from", "implicit", "model.npz"]].concat(),
        dir.path(),
    );
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("implicit ALS (model.npz): 16 factors"),
        "{text}"
    );
    assert!(text.contains("score at most 0.000e0 away"), "{text}");
    assert!(text.contains("per-like parts sum to"), "{text}");
    let file = "models/ml-100k-imported-implicit.whyrec";
    assert!(dir.path().join(file).is_file(), "{text}");

    let out = run_whyrec(
        &[
            &common[..],
            &["recommend", "--user", "1", "--model-file", file, "--json"],
        ]
        .concat(),
        dir.path(),
    );
    assert!(out.status.success(), "{}", output_text(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let ids: Vec<u64> = list
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.get("movie_id").and_then(|v| v.as_u64()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ids.len(), 10, "{list}");
    let user = d.user_index(1).unwrap();
    for id in &ids {
        let item = d.item_index(*id as u32).unwrap();
        assert!(
            !(0..d.ratings.len()).any(|r| d.ratings.user[r] == user && d.ratings.item[r] == item),
            "user 1 rated movie {id}"
        );
    }

    let out = run_whyrec(
        &[
            &common[..],
            &["explain", "--user", "1", "--model-file", file],
        ]
        .concat(),
        dir.path(),
    );
    let text = output_text(&out);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("Because you liked"), "{text}");

    // The same file against other data: refused, naming both.
    let other = shared_dataset("ml-latest-small");
    let other = other.parent().unwrap().to_str().unwrap();
    let out = run_whyrec(
        &[
            "--dataset",
            "ml-latest-small",
            "--data-dir",
            other,
            "recommend",
            "--user",
            "1",
            "--model-file",
            file,
        ],
        dir.path(),
    );
    let text = output_text(&out);
    assert!(!out.status.success(), "{text}");
    assert!(text.contains("was made for ml-100k"), "{text}");
}
