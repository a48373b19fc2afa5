//! Hyper-parameter sweeps of the rating models on ML-100K u1..u5 (ignored by default: about a
//! minute). `cargo run --release --example tune_rating` prints one line per
//! configuration; the defaults in `engine::rating` are the best of these.
//!
//! Results when the defaults were chosen (mean RMSE over u1..u5, seed 1):
//! - biased MF, 100 factors, 60 epochs, lr 0.007 (×0.97/epoch): reg 0.05 → 0.9244, 0.08 → 0.9192,
//!   0.10 → 0.9223, 0.12 → 0.9271; 50 factors reg 0.08 → 0.9203; 200 factors reg 0.1 → 0.9194.
//! - SVD++, same schedule: (reg, reg_implicit) (0.05, 0.05) → 0.9194, (0.08, 0.05) → 0.9130,
//!   (0.08, 0.02) → 0.9088, (0.08, 0.005) → 0.9045, (0.1, 0.002) → 0.9036, (0.1, 0.003) → 0.9032
//!   (seeds 2, 3: 0.9018, 0.9029), (0.08, 0.0005) → 0.9155; 200 factors → 0.9029 at twice the time.
//! - truncated SVD on the bias residuals: rank 5 → 0.9269, 8 → 0.9261, 12 → 0.9258, 16 → 0.9254,
//!   25 → 0.9268; centred by user means instead: rank 12 → 0.9947.
//! - bias baseline (reg_user, reg_item): (15, 10) → 0.9457, (10, 5) → 0.9424, (5, 3) → 0.9413.

use std::path::PathBuf;

use whyrec::data::{load_kind, DatasetKind, LoadOptions};
use whyrec::engine::rating::{BiasConfig, Centre, MfConfig, RatingSpec, SvdConfig};
use whyrec::metrics::evaluate_ml100k_folds;

fn sweep(specs: Vec<RatingSpec>) {
    let dir = std::env::var_os("WHYREC_DATASETS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/datasets"))
        .join("ml-100k");
    let d = load_kind(DatasetKind::Ml100k, &dir, LoadOptions::default()).unwrap();
    let report = evaluate_ml100k_folds(&d, &specs, 1).unwrap();
    for m in &report.models {
        println!(
            "{:<14} RMSE {:.4} MAE {:.4} fit {:.2}s  {}",
            m.model,
            m.mean_rmse,
            m.mean_mae,
            m.mean_fit_seconds,
            serde_json::to_string(&m.spec).unwrap()
        );
    }
}

fn tune_biased_mf() {
    let specs = [0.05, 0.08, 0.1]
        .into_iter()
        .flat_map(|reg| {
            [50, 100].map(|factors| {
                RatingSpec::Mf(MfConfig {
                    factors,
                    reg,
                    ..MfConfig::default()
                })
            })
        })
        .collect();
    sweep(specs);
}

fn tune_svdpp() {
    let specs = [(0.08, 0.005), (0.1, 0.003), (0.1, 0.01), (0.12, 0.003)]
        .into_iter()
        .map(|(reg, reg_implicit)| {
            RatingSpec::Mf(MfConfig {
                reg,
                reg_implicit,
                ..MfConfig::svdpp()
            })
        })
        .collect();
    sweep(specs);
}

fn tune_svd_and_bias() {
    let mut specs: Vec<RatingSpec> = [5, 12, 25]
        .map(|factors| {
            RatingSpec::Svd(SvdConfig {
                factors,
                ..SvdConfig::default()
            })
        })
        .into();
    specs.push(RatingSpec::Svd(SvdConfig {
        centre: Centre::UserMean,
        ..SvdConfig::default()
    }));
    for (reg_user, reg_item) in [(15.0, 10.0), (5.0, 3.0), (3.0, 2.0)] {
        specs.push(RatingSpec::Bias(BiasConfig {
            reg_user,
            reg_item,
            passes: 10,
        }));
    }
    sweep(specs);
}

/// Runs the experiment named by the first argument (every one without an argument):
/// `cargo run --release --example tune_rating -- [tune_biased_mf|tune_svdpp|tune_svd_and_bias]`.
fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("tune_biased_mf") => tune_biased_mf(),
        Some("tune_svdpp") => tune_svdpp(),
        Some("tune_svd_and_bias") => tune_svd_and_bias(),
        None => {
            tune_biased_mf();
            tune_svdpp();
            tune_svd_and_bias();
        }
        Some(other) => {
            eprintln!("unknown experiment {other:?}: expected one of tune_biased_mf, tune_svdpp, tune_svd_and_bias");
            std::process::exit(2);
        }
    }
}
