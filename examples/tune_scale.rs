//! Tuning of the ALS family at scale with the crate's own evaluation: PROTOCOL.md holdout-20 with
//! seed 1 on any dataset folder, P@10 and coverage@10 of the served rule over a seeded user sample
//! (`metrics::sample`), fit time. Not part of the test suite:
//!
//! ```text
//! TUNE_DIR=/tmp/ml25m-shape TUNE_ALPHA=4,9 TUNE_KAPPA=0.3,1 cargo run --release --example tune_scale
//! ```
//!
//! Grid via environment variables holding comma-separated lists: `TUNE_REG`, `TUNE_NU`,
//! `TUNE_KAPPA`, `TUNE_KAPPA_LARGE` (κ' past the catalog knee), `TUNE_ALPHA`, `TUNE_ITERS`, `TUNE_CG`, `TUNE_FEATURES` (`both`, `none`);
//! `TUNE_USERS` (sample size, default 3000), `TUNE_DIR` (dataset folder, required; a GroupLens
//! layout), `TUNE_NAME` (a registry name instead, e.g. ml-100k with `TUNE_DATA_DIR`).

use std::sync::atomic::AtomicBool;
use std::time::Instant;

use whyrec::data::{load_dir, load_kind, DatasetKind, LoadOptions};
use whyrec::engine::{AlsConfig, HybridAls};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::sample::Population;

fn list<T: std::str::FromStr>(var: &str, default: T) -> Vec<T> {
    match std::env::var(var) {
        Ok(s) => s
            .split(',')
            .map(|x| x.trim().parse().ok().expect("bad number in grid"))
            .collect(),
        Err(_) => vec![default],
    }
}

fn main() {
    let data = match (std::env::var("TUNE_DIR"), std::env::var("TUNE_NAME")) {
        (Ok(dir), _) => load_dir(std::path::Path::new(&dir), LoadOptions::default()),
        (_, Ok(name)) => {
            let kind = DatasetKind::from_name(&name).expect("TUNE_NAME names a dataset");
            let root = std::env::var("TUNE_DATA_DIR").unwrap_or("../shared/datasets".into());
            load_kind(
                kind,
                &std::path::Path::new(&root).join(kind.folder_name()),
                LoadOptions { lenient: true },
            )
        }
        _ => panic!("set TUNE_DIR (a dataset folder) or TUNE_NAME"),
    }
    .expect("dataset");
    let users = list("TUNE_USERS", 3000usize)[0];
    let eval = EvalData::holdout_for(&data, 1, Population::AtMost(users));
    println!(
        "{}: {} train positives, {}",
        data.name,
        eval.train.by_user.nnz(),
        eval.users.describe()
    );
    println!("| features | reg | nu | kappa | kappa past 10k items | alpha | iters | cg | fit s | P@10 | cov@10 |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    let d = AlsConfig::default();
    let features: Vec<String> = std::env::var("TUNE_FEATURES")
        .unwrap_or_else(|_| "both".into())
        .split(',')
        .map(str::to_string)
        .collect();
    for f in &features {
        for &regularization in &list("TUNE_REG", d.regularization) {
            for &nu in &list("TUNE_NU", d.regularization_exponent) {
                for (kappa, large) in
                    list("TUNE_KAPPA", d.catalog_exponent)
                        .into_iter()
                        .flat_map(|k| {
                            list("TUNE_KAPPA_LARGE", d.large_catalog_exponent.unwrap_or(k))
                                .into_iter()
                                .map(move |l| (k, l))
                        })
                {
                    for &alpha in &list("TUNE_ALPHA", d.alpha) {
                        for &iterations in &list("TUNE_ITERS", d.iterations) {
                            for &cg_steps in &list("TUNE_CG", d.cg_steps) {
                                let on = f == "both";
                                let config = AlsConfig {
                                    regularization,
                                    regularization_exponent: nu,
                                    catalog_exponent: kappa,
                                    large_catalog_exponent: Some(large),
                                    alpha,
                                    iterations,
                                    cg_steps,
                                    item_features: on,
                                    user_features: on,
                                    ..d.clone()
                                };
                                let clock = Instant::now();
                                let model = HybridAls::fit(
                                    &eval.train,
                                    Some(&eval.item_features),
                                    eval.user_features.as_ref(),
                                    &config,
                                    &mut |_| {},
                                    &AtomicBool::new(false),
                                )
                                .expect("fit");
                                let secs = clock.elapsed().as_secs_f64();
                                let m = eval.evaluate(&model).metrics;
                                println!(
                                    "| {f} | {regularization} | {nu} | {kappa} | {large} | {alpha} | {iterations} | {cg_steps} | {secs:.1} | {:.4} | {:.4} |",
                                    m.precision, m.coverage
                                );
                            }
                        }
                    }
                }
            }
        }
    }
}
