//! Measures how faithful the what-if answers are, on ML-100K:
//! `cargo run --release --example whatif_fidelity -- [--whatifs 200] [--seed 1] [--full 200]
//! [--data DIR [--ml1m-layout]] [--converge] [--iterations N] [--tolerance T] [--anderson M] [--cg S]`.
//!
//! The model is trained with the default settings (`--converge`: `AlsConfig::converged()`; or the
//! overrides). Then:
//! (1) self-stability: every user's top-10 before and after one more sweep on the *unchanged* data;
//! (2) a seeded sample of what-ifs (a user with at least two likes, drawn uniformly, and one of their
//! likes drawn uniformly to remove), each answered by (a) the instant refold, (b) the retrain the TUI
//! shows (warm-started from the model, run to the same convergence test) and, for the first `--full`,
//! (c) a full retrain from scratch (same settings and seed). Prints how often the top-10s agree in at
//! least 9 of 10 items (overlap) and in at least 9 of 10 places, the mean overlap and the mean
//! Kendall τ-b (union of both lists, missing items at rank 11).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{load_kind, DatasetKind, LoadOptions, Positives};
use whyrec::engine::{AlsConfig, HybridAls};
use whyrec::explain::{agreement, Agreement, Explainer, WhatIf};

struct Tally {
    name: String,
    rows: Vec<Agreement>,
}

impl Tally {
    fn new(name: String) -> Tally {
        Tally {
            name,
            rows: Vec::new(),
        }
    }

    fn line(&self) -> String {
        let n = self.rows.len().max(1) as f64;
        let share = |f: &dyn Fn(&Agreement) -> bool| {
            100.0 * self.rows.iter().filter(|a| f(a)).count() as f64 / n
        };
        let mean = |f: &dyn Fn(&Agreement) -> f64| self.rows.iter().map(f).sum::<f64>() / n;
        format!(
            "| {} | {} | {:.1}% | {:.2} | {:.1}% | {:.3} |",
            self.name,
            self.rows.len(),
            share(&|a| a.overlap >= 9),
            mean(&|a| a.overlap as f64),
            share(&|a| a.same_places >= 9),
            mean(&|a| a.kendall_tau),
        )
    }
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|p| args.get(p + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n_whatifs: usize = arg(&args, "--whatifs", 200);
    let seed: u64 = arg(&args, "--seed", 1);
    let n_full: usize = arg(&args, "--full", 200);
    let dir: PathBuf = arg(
        &args,
        "--data",
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/datasets/ml-100k"
        )),
    );
    let d = if args.iter().any(|a| a == "--converge") {
        AlsConfig::converged()
    } else {
        AlsConfig::default()
    };
    let config = AlsConfig {
        iterations: arg(&args, "--iterations", d.iterations),
        tolerance: arg(&args, "--tolerance", d.tolerance),
        anderson_depth: arg(&args, "--anderson", d.anderson_depth),
        cg_steps: arg(&args, "--cg", d.cg_steps),
        factors: arg(&args, "--factors", d.factors),
        regularization: arg(&args, "--lambda", d.regularization),
        item_features: !args.iter().any(|a| a == "--pure"),
        user_features: !args.iter().any(|a| a == "--pure"),
        ..d
    };
    let kind = if args.iter().any(|a| a == "--ml1m-layout") {
        DatasetKind::Ml1m
    } else {
        DatasetKind::Ml100k
    };
    let data = load_kind(kind, &dir, LoadOptions::default())?;
    let positives = Positives::from_dataset(&data, 4.0);
    let no = AtomicBool::new(false);
    let t = Instant::now();
    let mut fit_sweeps = 0;
    let model = HybridAls::fit(
        &positives,
        Some(&item_genre_features(&data)),
        user_demographic_features(&data).as_ref(),
        &config,
        &mut |p| {
            fit_sweeps = p.sweep;
            if args.iter().any(|a| a == "--trace") {
                eprintln!(
                    "sweep {} objective {:.3} change {:.2e}",
                    p.sweep,
                    p.objective.unwrap_or(f64::NAN),
                    p.change.unwrap_or(0.0)
                );
            }
        },
        &no,
    )?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let e = Explainer::from_dataset(model, &data)?;

    // (1) Self-stability over every user.
    let mut more = e.model().clone();
    more.continue_training(&positives, 1, &mut |_| {}, &no)?;
    let moved = Explainer::from_dataset(more, &data)?;
    let mut stable = Tally::new("model vs one more sweep, unchanged data (every user)".into());
    for u in 0..data.n_users() as u32 {
        stable
            .rows
            .push(agreement(&e.recommend(u)?, &moved.recommend(u)?));
    }

    // (2) What-ifs.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let eligible: Vec<u32> = (0..data.n_users() as u32)
        .filter(|&u| e.likes(u).map_or(0, <[u32]>::len) >= 2)
        .collect();
    let whatifs: Vec<WhatIf> = (0..n_whatifs)
        .map(|_| {
            let u = *eligible.choose(&mut rng).expect("users");
            let like = *e.likes(u).expect("user").choose(&mut rng).expect("likes");
            WhatIf::without(u, vec![like])
        })
        .collect();
    // What the explorer shows: a converged model retrained to the same test (at most its sweep
    // limit); a fixed-sweep model one more sweep.
    let shown_sweeps = if config.tolerance > 0.0 {
        config.iterations
    } else {
        whyrec::explain::DEFAULT_INCREMENTAL_SWEEPS
    };
    let mut inc = Tally::new(format!(
        "instant vs shown retrain (warm start, {})",
        if config.tolerance > 0.0 {
            "to convergence".to_string()
        } else {
            format!("{shown_sweeps} sweep")
        }
    ));
    let mut inc_full = Tally::new("shown retrain vs full retrain from scratch".into());
    let mut full = Tally::new("instant vs full retrain from scratch".into());
    let (mut t_instant, mut t_inc, mut t_full) = (0.0, 0.0, 0.0);
    let (mut inc_sweeps, mut full_sweeps) = (0usize, 0usize);
    for (n, w) in whatifs.iter().enumerate() {
        let t = Instant::now();
        let a = e.what_if(w)?;
        t_instant += t.elapsed().as_secs_f64();
        let t = Instant::now();
        let b = e.retrain_incremental(w, shown_sweeps, &mut |_| {}, &no)?;
        t_inc += t.elapsed().as_secs_f64();
        inc_sweeps += b.sweeps;
        inc.rows.push(agreement(&a.after, &b.outcome.after));
        if n < n_full {
            let t = Instant::now();
            let c = e.retrain_full(w, &mut |_| {}, &no)?;
            t_full += t.elapsed().as_secs_f64();
            full_sweeps += c.sweeps;
            full.rows.push(agreement(&a.after, &c.outcome.after));
            inc_full
                .rows
                .push(agreement(&b.outcome.after, &c.outcome.after));
        }
        if (n + 1) % 20 == 0 {
            eprintln!("{} what-ifs done", n + 1);
        }
    }

    println!(
        "ML-100K, every user + {} what-ifs (seed {seed}: a random user with >= 2 likes, one random like removed), {}",
        whatifs.len(),
        config.describe()
    );
    println!("trained in {fit_seconds:.1} s, {fit_sweeps} sweeps");
    println!(
        "\n| comparison | lists | overlap >= 9 | mean overlap | same places >= 9 | mean tau-b |"
    );
    println!("|---|---|---|---|---|---|");
    for t in [&stable, &inc, &inc_full, &full] {
        println!("{}", t.line());
    }
    let per = |total: f64, n: usize| 1000.0 * total / n.max(1) as f64;
    let n_f = n_full.min(whatifs.len());
    println!(
        "\nmean per what-if: instant {:.2} ms; shown retrain {:.0} ms, {:.1} sweeps; full retrain {:.0} ms, {:.1} sweeps ({} threads)",
        per(t_instant, whatifs.len()),
        per(t_inc, whatifs.len()),
        inc_sweeps as f64 / whatifs.len().max(1) as f64,
        per(t_full, n_f),
        full_sweeps as f64 / n_f.max(1) as f64,
        rayon::current_num_threads()
    );
    Ok(())
}
