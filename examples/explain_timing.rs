//! Times the explain layer on a synthetic dataset of the ML-1M shape:
//! `whyrec synth --users 6040 --items 3706 --ratings 1000209 --seed 1 --out /tmp/ml1m-shape`, then
//! `cargo run --release --example explain_timing -- [--data /tmp/ml1m-shape] [--threads 2]
//! [--users 40] [--seed 1] [--model /tmp/ml1m-shape.whyrec]`.
//!
//! For a seeded sample of users with at least two likes: the instant what-if (one random like
//! removed: refold + score + top-10 + rank changes), the explanation of the top recommendation
//! (attribution, every like's influence, five measured removals) and the minimal counterfactual
//! set of the 1st and the 10th recommendation. Prints median, 90th percentile and maximum.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{load_dir, LoadOptions, Positives};
use whyrec::engine::{AlsConfig, HybridAls, HybridModel, ModelMeta};
use whyrec::explain::{Explainer, SearchOptions, SetGuarantee, WhatIf};

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|p| args.get(p + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (median, p90, max) in milliseconds.
fn summary(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.9), ms[ms.len() - 1])
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir: PathBuf = arg(&args, "--data", PathBuf::from("/tmp/ml1m-shape"));
    let threads: usize = arg(&args, "--threads", 2);
    let n_users: usize = arg(&args, "--users", 40);
    let seed: u64 = arg(&args, "--seed", 1);
    let model_path: PathBuf = arg(&args, "--model", dir.with_extension("whyrec"));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let data = load_dir(&dir, LoadOptions::default())?;
    let fingerprint = data.fingerprint();
    let config = AlsConfig::default();
    let cached = HybridModel::load(&model_path)
        .ok()
        .filter(|(m, meta)| meta.fingerprint == fingerprint && m.config() == &config);
    let model = match cached {
        Some((m, _)) => m,
        None => {
            let t = Instant::now();
            let positives = Positives::from_dataset(&data, 4.0);
            let m = HybridAls::fit(
                &positives,
                Some(&item_genre_features(&data)),
                user_demographic_features(&data).as_ref(),
                &config,
                &mut |p| eprintln!("sweep {}/{}", p.sweep, p.sweeps),
                &AtomicBool::new(false),
            )?;
            eprintln!("trained in {:.1} s", t.elapsed().as_secs_f64());
            let meta = ModelMeta {
                dataset: data.name.clone(),
                fingerprint,
            };
            m.save(&model_path, &meta)?;
            m
        }
    };
    let e = Explainer::from_dataset(model, &data)?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let eligible: Vec<u32> = (0..data.n_users() as u32)
        .filter(|&u| e.likes(u).map_or(0, <[u32]>::len) >= 2)
        .collect();
    let users: Vec<u32> = eligible
        .choose_multiple(&mut rng, n_users)
        .copied()
        .collect();
    let (mut instant, mut explain, mut first, mut tenth) = (vec![], vec![], vec![], vec![]);
    let (mut sizes, mut checked, mut not_found, mut smallest) = (vec![], vec![], 0, 0);
    let mut likes = Vec::new();
    for &u in &users {
        let user_likes = e.likes(u)?.to_vec();
        likes.push(user_likes.len() as f64);
        let like = *user_likes.choose(&mut rng).expect("likes");
        let t = Instant::now();
        let out = e.what_if(&WhatIf::without(u, vec![like]))?;
        instant.push(1000.0 * t.elapsed().as_secs_f64());
        let top = out.before;
        let t = Instant::now();
        e.explain(u, top.items[0].item)?;
        explain.push(1000.0 * t.elapsed().as_secs_f64());
        for (pos, times) in [(0, &mut first), (top.len() - 1, &mut tenth)] {
            let t = Instant::now();
            let set =
                e.minimal_counterfactual(u, top.items[pos].item, &SearchOptions::default())?;
            times.push(1000.0 * t.elapsed().as_secs_f64());
            checked.push(set.sets_checked as f64);
            match set.guarantee {
                SetGuarantee::NotFound { .. } => not_found += 1,
                g => {
                    smallest += usize::from(g == SetGuarantee::Smallest);
                    sizes.push(set.removed.len() as f64);
                }
            }
        }
    }
    println!(
        "{} ({} users, {} items, {} ratings), {} sampled users (seed {seed}), {threads} threads",
        dir.display(),
        data.n_users(),
        data.n_items(),
        data.ratings.len(),
        users.len()
    );
    println!("\n| operation | median ms | p90 ms | max ms |\n|---|---|---|---|");
    for (name, ms) in [
        (
            "instant what-if (refold + score + top-10 + rank changes)",
            instant,
        ),
        (
            "explain top-1 (attribution + influences + 5 measured)",
            explain,
        ),
        ("minimal counterfactual set of the 1st", first),
        ("minimal counterfactual set of the 10th", tenth),
    ] {
        let (a, b, c) = summary(ms);
        println!("| {name} | {a:.2} | {b:.2} | {c:.2} |");
    }
    let (lm, lp, lx) = summary(likes);
    let (sm, sp, sx) = if sizes.is_empty() {
        (0.0, 0.0, 0.0)
    } else {
        summary(sizes.clone())
    };
    let (cm, cp, cx) = summary(checked);
    println!(
        "\nlikes per sampled user: median {lm:.0}, p90 {lp:.0}, max {lx:.0}\n\
         sets found {} of {} (single likes {smallest}), size median {sm:.0}, p90 {sp:.0}, max {sx:.0}; \
         sets checked median {cm:.0}, p90 {cp:.0}, max {cx:.0}",
        sizes.len(),
        sizes.len() + not_found,
    );
    Ok(())
}
