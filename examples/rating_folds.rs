//! The rating task on ML-100K's folds u1..u5: per-fold and mean RMSE/MAE and fit time of every
//! model. Used to tune hyper-parameters.
//!
//! ```text
//! cargo run --release --example rating_folds -- [DATASET_DIR] [SPECS_JSON]
//! ```
//! `DATASET_DIR` defaults to `../shared/datasets/ml-100k`; `SPECS_JSON` is a JSON list of
//! `RatingSpec`s (default: every model with its defaults), e.g.
//! `'[{"Mf":{"factors":50,"epochs":40,"lr":0.01,"lr_bias":0.01,"reg":0.05,"reg_bias":0.02,
//! "reg_implicit":0.05,"init_std":0.1,"decay":0.97,"implicit":false}}]'`.

use std::path::PathBuf;

use whyrec::data::{load_kind, DatasetKind, LoadOptions};
use whyrec::engine::rating::RatingSpec;
use whyrec::metrics::evaluate_ml100k_folds;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/datasets/ml-100k"));
    let specs: Vec<RatingSpec> = match args.next() {
        Some(json) => {
            serde_json::from_str(&json).expect("SPECS_JSON must be a JSON list of RatingSpec")
        }
        None => RatingSpec::all_defaults(),
    };
    let seed = std::env::var("SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let dataset =
        load_kind(DatasetKind::Ml100k, &dir, LoadOptions::default()).expect("load ML-100K");
    let report = evaluate_ml100k_folds(&dataset, &specs, seed).expect("read the folds");
    for m in &report.models {
        let folds: Vec<String> = m
            .folds
            .iter()
            .map(|f| format!("{}={:.4}/{:.4}", f.fold, f.rmse, f.mae))
            .collect();
        println!(
            "{:<14} mean RMSE {:.4} MAE {:.4} fit {:.2}s | {}",
            m.model,
            m.mean_rmse,
            m.mean_mae,
            m.mean_fit_seconds,
            folds.join(" ")
        );
        if std::env::var("SPEC").is_ok() {
            println!("  {}", serde_json::to_string(&m.spec).unwrap());
        }
    }
}
