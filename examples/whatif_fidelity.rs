//! Measures how faithful the instant what-if (refold with the model fixed) is, on ML-100K:
//! `cargo run --release --example whatif_fidelity -- [--whatifs 200] [--seed 1] [--sweeps 1,3]
//! [--full 200] [--data DIR]`.
//!
//! Seeded sample of what-ifs: a user with at least two likes, drawn uniformly, and one of their likes
//! drawn uniformly to remove. For each: (a) the instant refold, (b) the incremental retrain for each
//! sweep count, (c) for the first `--full` what-ifs a full retrain from scratch (same seed). Prints
//! how often the top-10s agree in at least 9 of 10 items (overlap) and in at least 9 of 10 places,
//! the mean overlap and the mean Kendall τ-b (union of both lists, missing items at rank 11), and
//! the drift of the model itself: every sampled user's top-10 before vs after the same number of
//! extra sweeps on the *unchanged* data, and the instant refold on that drift-matched model against
//! the incremental retrain (what remains is the edit's own effect on the item factors).

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{load_kind, DatasetKind, LoadOptions, Positives};
use whyrec::engine::{AlsConfig, HybridAls};
use whyrec::explain::{agreement, Agreement, Explainer, TopList, WhatIf};

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
    let sweeps: Vec<usize> = arg(&args, "--sweeps", "1,3".to_string())
        .split(',')
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let dir: PathBuf = arg(
        &args,
        "--data",
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/datasets/ml-100k"
        )),
    );
    let data = load_kind(DatasetKind::Ml100k, &dir, LoadOptions::default())?;
    let positives = Positives::from_dataset(&data, 4.0);
    let config = AlsConfig::default();
    let no = AtomicBool::new(false);
    let t = Instant::now();
    let model = HybridAls::fit(
        &positives,
        Some(&item_genre_features(&data)),
        user_demographic_features(&data).as_ref(),
        &config,
        &mut |_| {},
        &no,
    )?;
    eprintln!("trained in {:.1} s", t.elapsed().as_secs_f64());
    let e = Explainer::from_dataset(model, &data)?;

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

    let mut inc: Vec<Tally> = sweeps
        .iter()
        .map(|s| Tally::new(format!("instant vs incremental ({s} sweeps)")))
        .collect();
    let mut full = Tally::new(format!(
        "instant vs full retrain ({} sweeps)",
        config.iterations
    ));
    let mut inc_full: Vec<Tally> = sweeps
        .iter()
        .map(|s| Tally::new(format!("incremental ({s} sweeps) vs full")))
        .collect();
    let (mut t_instant, mut t_inc, mut t_full) = (0.0, 0.0, 0.0);
    let mut all_b: Vec<Vec<TopList>> = Vec::new();
    for (n, w) in whatifs.iter().enumerate() {
        let t = Instant::now();
        let a = e.what_if(w)?;
        t_instant += t.elapsed().as_secs_f64();
        let mut b_lists: Vec<TopList> = Vec::new();
        for (s, tally) in sweeps.iter().zip(&mut inc) {
            let t = Instant::now();
            let b = e.retrain_incremental(w, *s, &mut |_| {}, &no)?;
            t_inc += t.elapsed().as_secs_f64();
            tally.rows.push(agreement(&a.after, &b.outcome.after));
            b_lists.push(b.outcome.after);
        }
        all_b.push(b_lists.clone());
        if n < n_full {
            let t = Instant::now();
            let c = e.retrain_full(w, &mut |_| {}, &no)?;
            t_full += t.elapsed().as_secs_f64();
            full.rows.push(agreement(&a.after, &c.outcome.after));
            for (b, tally) in b_lists.iter().zip(&mut inc_full) {
                tally.rows.push(agreement(b, &c.outcome.after));
            }
        }
        if (n + 1) % 20 == 0 {
            eprintln!("{} what-ifs done", n + 1);
        }
    }

    // Drift: the same extra sweeps on unchanged data, for the sampled users; and the instant
    // refold on that drift-matched model against the incremental retrain (the edit's own effect).
    let mut drift: Vec<Tally> = Vec::new();
    for (n_s, &s) in sweeps.iter().enumerate() {
        let mut m = e.model().clone();
        m.continue_training(&positives, s, &mut |_| {}, &no)?;
        let moved = Explainer::from_dataset(m, &data)?;
        let mut tally = Tally::new(format!("drift: model vs {s} more sweeps on unchanged data"));
        let mut matched = Tally::new(format!(
            "instant on the drift-matched model ({s} sweeps, unchanged data) vs incremental ({s} sweeps)"
        ));
        for (w, b) in whatifs.iter().zip(&all_b) {
            tally
                .rows
                .push(agreement(&e.recommend(w.user)?, &moved.recommend(w.user)?));
            matched
                .rows
                .push(agreement(&moved.what_if(w)?.after, &b[n_s]));
        }
        drift.push(tally);
        drift.push(matched);
    }

    println!(
        "ML-100K, {} what-ifs (seed {seed}: a random user with >= 2 likes, one random like removed), hybrid-als {}",
        whatifs.len(),
        config.describe()
    );
    println!(
        "\n| comparison | what-ifs | overlap >= 9 | mean overlap | same places >= 9 | mean tau-b |"
    );
    println!("|---|---|---|---|---|---|");
    for t in inc.iter().chain([&full]).chain(&inc_full).chain(&drift) {
        println!("{}", t.line());
    }
    let per = |total: f64, n: usize| 1000.0 * total / n.max(1) as f64;
    println!(
        "\nmean time per what-if: instant {:.2} ms, incremental {:.0} ms (all sweep counts), full {:.0} ms ({} threads)",
        per(t_instant, whatifs.len()),
        per(t_inc, whatifs.len()),
        per(t_full, n_full.min(whatifs.len())),
        rayon::current_num_threads()
    );
    Ok(())
}
