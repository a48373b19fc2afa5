//! Tuning sweeps of `warp` and `bpr` on ML-100K holdout-20 with the crate's own protocol code
//! (`data::split::holdout`, `metrics::ranking::evaluate_ranking`), ignored by default:
//! `cargo run --release --example tune_sgd`.
//!
//! Grid via environment variables holding comma-separated lists: `TUNE_LOSS` (warp, bpr),
//! `TUNE_FACTORS`, `TUNE_LR`, `TUNE_EPOCHS`, `TUNE_ALPHA` (item_alpha = user_alpha),
//! `TUNE_MAX_SAMPLED`, `TUNE_BPR_UNIFORM` (true, false), `TUNE_SHARDS`, `TUNE_SYNC`, `TUNE_FEATURES` (`both`, `none`, `items`,
//! `users`), `TUNE_SEEDS` (default 1,2,3,4,5; the model seed is the split seed, as `whyrec eval`).
//!
//! Recorded results, mean of split seeds 1–5 (model seed = split seed), as P@10 / coverage@10 /
//! AUC. Unless noted: k = 64, learning_rate 0.05, max_sampled 10, shards 4, sync_interval 256,
//! genres and demographics on. Fit times are left out: the 2 cores were shared (load 5–9).
//!
//! ```text
//! WARP, alpha 0, 30 epochs, by features: both .1864/.3725/.9234  none .1842/.3577/.9263
//!                                        items .1965/.3413/.9302 users .1830/.3394/.9219
//! WARP, alpha 0, learning rate × epochs (both | items only):
//!   lr .03 ep 15  .2004/.2306/.9267 | .2106/.2111/.9329    lr .03 ep 50  .2018/.3258/.9299 | .2132/.2876/.9356
//!   lr .05 ep 15  .1910/.3184/.9250 | .2056/.2757/.9335    lr .05 ep 50  .1792/.3900/.9206 | .1837/.3785/.9251
//!   lr .1  ep 15  .1465/.4659/.8967 | .1611/.4207/.9096    lr .1  ep 50  .1458/.4344/.9011 | .1485/.4112/.9025
//! WARP, 50 epochs, alpha (item = user):
//!   .001 .1792/.3902/.9205   .01 .1814/.3881/.9213   .05 .1829/.3809/.9226   .1 .1867/.3763/.9240
//!   .2   .1922/.3617/.9256   .25 .1984/.3635/.9270   .3  .2010/.3547/.9280   .5 .2185/.3083/.9326
//!   2    .1939/.0927/.9276   8   .1091/.0224/.8720
//! WARP, 30 epochs: alpha .3 .2100/.3166/.9322, alpha .4 .2162/.2946/.9338
//! WARP, 40 epochs: alpha .2 ms 10 .1968/.3489, ms 20 .1936/.3703; alpha .25 ms 10 .2023/.3501, ms 20 .1981/.3579
//! WARP, 50 epochs: alpha .2 ms 20 .1893/.3844; alpha .25 ms 20 .1930/.3687
//! WARP, 50 epochs, alpha .3, factors × max_sampled:
//!   k 32 ms 10 .2124/.3031/.9343   k 32 ms 30 .2156/.3094/.9341   k 64 ms 30 .1963/.3663/.9254
//!   k 128 ms 10 .1813/.3799/.9190  k 128 ms 30 .1628/.4011/.9134
//! WARP, shards × sync_interval (split seed 1 only; 30 epochs, alpha .3):
//!   1 shard .2150/.3175   2 × 256 .2159/.3210   2 × 4096 .2128/.3133   4 × 256 .2149/.3193
//!   4 × 4096 .2098/.2729  8 × 256 .1976/.3139   8 × 4096 .1141/.0933 (summed stale deltas overshoot)
//! WARP defaults with sync_interval 512 .1963/.3591/.9264, 1024 .1982/.3477/.9276
//! WARP DEFAULTS (50 epochs, alpha .25, max_sampled 10, k 64, 4 × 256): .1986/.3610/.9271
//!
//! BPR, 50 epochs, LightFM's popularity-proportional negatives, lr × alpha:
//!   lr .01: α 0 .1176/.3486/.7939  α .02 .1427/.2711/.8247
//!   lr .02: α 0 .1364/.4723/.8507  α .02 .1517/.3841/.8683 (DEFAULTS)  α .05 .1393/.3492/.8564
//!           α .1 .1248/.2606/.8404 α .25 .1286/.0528/.7502
//!   lr .03: α .05 .1335/.4366/.8645  α .1 .1168/.3150/.8453
//!   lr .05: α 0 .1155/.6062/.8645  α .02 .1294/.5751/.8778  α .25 .1222/.0539/.7695
//!   lr .1:  α 0 .0873/.6369/.8473  α .25 .1236/.0696/.8140
//! BPR, 50 epochs, uniform negatives (bpr_uniform_negatives = true):
//!   lr .01: α 0 .1428/.0787/.8900  α .02 .1393/.0605/.8870
//!   lr .02: α 0 .1550/.1303/.9003  α .02 .1572/.0981/.9003
//!   lr .05: α 0 .1863/.2818/.9235  α .02 .2007/.1917/.9324  α .05 .1803/.1219/.9197
//!   lr .1:  α .05 .1866/.1356/.9270
//! ```

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::split::holdout;
use whyrec::data::Dataset;
use whyrec::engine::{Loss, SgdConfig, SgdModel};
use whyrec::metrics::ranking::evaluate_ranking;

fn list<T: std::str::FromStr>(var: &str, default: T) -> Vec<T> {
    match std::env::var(var) {
        Ok(s) => s
            .split(',')
            .map(|x| x.trim().parse().ok().expect("bad value in grid"))
            .collect(),
        Err(_) => vec![default],
    }
}

/// Mean (P@10, coverage@10, AUC, fit seconds) over the seeds.
fn run_config(data: &Dataset, config: &SgdConfig, seeds: &[u64]) -> (f64, f64, f64, f64) {
    let genres = item_genre_features(data);
    let demo = user_demographic_features(data);
    let catalog = data.catalog();
    let (mut p, mut c, mut a, mut t) = (0.0, 0.0, 0.0, 0.0);
    for &seed in seeds {
        let split = holdout(data, seed, 4.0);
        let train = split.train_positives(data.n_users(), data.n_items(), 4.0);
        let test = split.test_positives(data.n_users(), data.n_items(), 4.0);
        let cfg = SgdConfig {
            seed,
            ..config.clone()
        };
        let start = Instant::now();
        let model = SgdModel::fit(
            &train,
            Some(&genres),
            demo.as_ref(),
            &cfg,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("fit");
        t += start.elapsed().as_secs_f64();
        let m = evaluate_ranking(&model, &train, &test, &catalog, &data.items.genres, 10).metrics;
        p += m.precision;
        c += m.coverage;
        a += m.auc;
    }
    let n = seeds.len() as f64;
    (p / n, c / n, a / n, t / n)
}

fn ml100k() -> Dataset {
    common::load_ml100k()
}

fn tune_on_ml100k_holdout20() {
    let data = ml100k();
    let seeds = list("TUNE_SEEDS", 0u64);
    let seeds = if seeds == [0] {
        vec![1, 2, 3, 4, 5]
    } else {
        seeds
    };
    let losses: Vec<String> = list("TUNE_LOSS", "warp".to_string());
    let uniform = list("TUNE_BPR_UNIFORM", false);
    let features: Vec<String> = list("TUNE_FEATURES", "both".to_string());
    for loss in &losses {
        let d = if loss == "bpr" {
            SgdConfig::bpr()
        } else {
            SgdConfig::warp()
        };
        for &factors in &list("TUNE_FACTORS", d.factors) {
            for &learning_rate in &list("TUNE_LR", d.learning_rate) {
                for &epochs in &list("TUNE_EPOCHS", d.epochs) {
                    for &alpha in &list("TUNE_ALPHA", d.item_alpha) {
                        for &max_sampled in &list("TUNE_MAX_SAMPLED", d.max_sampled) {
                            for &shards in &list("TUNE_SHARDS", d.shards) {
                                for &sync_interval in &list("TUNE_SYNC", d.sync_interval) {
                                    for (f, &u) in features
                                        .iter()
                                        .flat_map(|f| uniform.iter().map(move |u| (f, u)))
                                    {
                                        let config = SgdConfig {
                                            bpr_uniform_negatives: u,
                                            factors,
                                            learning_rate,
                                            epochs,
                                            item_alpha: alpha,
                                            user_alpha: alpha,
                                            max_sampled,
                                            shards,
                                            sync_interval,
                                            item_features: f == "both" || f == "items",
                                            user_features: f == "both" || f == "users",
                                            ..d.clone()
                                        };
                                        let (p, c, a, t) = run_config(&data, &config, &seeds);
                                        println!(
                                            "P@10 {p:.4} cov {c:.4} AUC {a:.4} fit {t:.2}s  {loss} k={factors} lr={learning_rate} ep={epochs} alpha={alpha} ms={max_sampled} shards={shards} sync={sync_interval} features={f} bpr_uniform={u}"
                                        );
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The quality target of `warp`: P@10 ≥ 0.19 and coverage@10 ≥ 0.35 over split seeds 1–5.
fn warp_defaults_reach_the_target_on_ml100k() {
    let data = ml100k();
    let config = SgdConfig::warp();
    assert_eq!(config.loss, Loss::Warp);
    let (p, c, a, t) = run_config(&data, &config, &[1, 2, 3, 4, 5]);
    println!("warp defaults: P@10 {p:.4} cov {c:.4} AUC {a:.4} fit {t:.2}s");
    assert!(p >= 0.19, "P@10 {p}");
    assert!(c >= 0.35, "coverage {c}");
}

/// Runs the experiment named by the first argument (every one without an argument):
/// `cargo run --release --example tune_sgd -- [tune_on_ml100k_holdout20|warp_defaults_reach_the_target_on_ml100k]`.
fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("tune_on_ml100k_holdout20") => tune_on_ml100k_holdout20(),
        Some("warp_defaults_reach_the_target_on_ml100k") => {
            warp_defaults_reach_the_target_on_ml100k()
        }
        None => {
            tune_on_ml100k_holdout20();
            warp_defaults_reach_the_target_on_ml100k();
        }
        Some(other) => {
            eprintln!("unknown experiment {other:?}: expected one of tune_on_ml100k_holdout20, warp_defaults_reach_the_target_on_ml100k");
            std::process::exit(2);
        }
    }
}
