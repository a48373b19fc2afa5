//! Times the `warp`/`bpr` influences (update attribution of the SGD fold-in) beside the plain
//! fold-in and the leave-one-out influences, on any dataset folder:
//! `cargo run --release --example sgd_influence_timing -- --data ../shared/datasets/ml-100k
//! [--loss warp] [--users 40] [--seed 1] [--threads 2] [--models /tmp/whyrec-models]`.
//! For the ML-1M shape: `whyrec synth --users 6040 --items 3706 --ratings 1000209 --seed 1
//! --out /tmp/sgdx-ml1m`, then `--data /tmp/sgdx-ml1m`. The model comes from the model cache
//! (`<models>/<dataset>-<loss>.whyrec`, trained with the tuned defaults when missing).
//!
//! For a seeded sample of users with at least two likes plus the five with most likes: the plain
//! fold-in, the attributed fold-in, the influences of the top-10 (one attributed fold-in), the
//! explainer's explanation of the top-1 (attribution, influences, five measured removals) and the
//! leave-one-out influences of the top-1 (one fold-in per like). Prints median, 90th percentile
//! and maximum in milliseconds.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;
use whyrec::engine::FactorModel;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use whyrec::data::{load_dir, LoadOptions};
use whyrec::engine::cache::{fit_and_save, load_cached, path_for, Cached};
use whyrec::engine::{SgdConfig, SgdModel};
use whyrec::explain::Explainer;

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    args.iter()
        .position(|a| a == name)
        .and_then(|p| args.get(p + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// (median, p90, max).
fn summary(mut ms: Vec<f64>) -> (f64, f64, f64) {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    (at(0.5), at(0.9), ms[ms.len() - 1])
}

fn timed<T>(times: &mut Vec<f64>, f: impl FnOnce() -> T) -> T {
    let t = Instant::now();
    let out = f();
    times.push(1000.0 * t.elapsed().as_secs_f64());
    out
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir: PathBuf = arg(&args, "--data", PathBuf::from("../shared/datasets/ml-100k"));
    let loss: String = arg(&args, "--loss", "warp".to_string());
    let n_users: usize = arg(&args, "--users", 40);
    let seed: u64 = arg(&args, "--seed", 1);
    let threads: usize = arg(&args, "--threads", 2);
    let models: PathBuf = arg(&args, "--models", PathBuf::from("/tmp/whyrec-models"));
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    let data = load_dir(&dir, LoadOptions::default())?;
    let config = if loss == "bpr" {
        SgdConfig::bpr()
    } else {
        SgdConfig::warp()
    };
    let path = path_for::<SgdModel>(&models, &data, &config);
    let model = match load_cached::<SgdModel>(&path, &data, &config) {
        Cached::Fresh(m) => {
            eprintln!("using {}", path.display());
            *m
        }
        _ => {
            let t = Instant::now();
            let m = fit_and_save::<SgdModel>(
                &data,
                &path,
                &config,
                &mut |p| eprint!("\repoch {}/{}", p.sweep, p.sweeps),
                &AtomicBool::new(false),
            )?;
            eprintln!(
                "\ntrained in {:.1} s, saved {}",
                t.elapsed().as_secs_f64(),
                path.display()
            );
            m
        }
    };
    let e = Explainer::from_dataset(model, &data)?;
    let m = e.model();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let eligible: Vec<u32> = (0..data.n_users() as u32)
        .filter(|&u| e.likes(u).map_or(0, <[u32]>::len) >= 2)
        .collect();
    let mut users: Vec<u32> = eligible
        .choose_multiple(&mut rng, n_users)
        .copied()
        .collect();
    let mut by_likes = eligible.clone();
    by_likes.sort_by_key(|&u| std::cmp::Reverse(e.likes(u).map_or(0, <[u32]>::len)));
    for &u in by_likes.iter().take(5) {
        if !users.contains(&u) {
            users.push(u);
        }
    }
    let (mut plain, mut attributed, mut top10, mut explain, mut loo) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut likes = vec![];
    for &u in &users {
        let history = e.likes(u)?;
        let features = m.user_features_of(u);
        likes.push(history.len() as f64);
        let folded = timed(&mut plain, || m.fold_in(history, features));
        timed(&mut attributed, || m.fold_in_attributed(history, features));
        let items: Vec<u32> = m
            .recommend_folded(&folded, 10, history)
            .iter()
            .map(|p| p.0)
            .collect();
        timed(&mut top10, || m.influences_of(history, features, &items))?;
        timed(&mut explain, || e.explain(u, items[0]))?;
        timed(&mut loo, || m.leave_one_out(history, features, &items[..1]))?;
    }
    println!(
        "{} ({} users, {} items, {} ratings), {} k={} fold_in_epochs={}, {} sampled users (seed {seed}) and the 5 with most likes, {threads} threads",
        dir.display(),
        data.n_users(),
        data.n_items(),
        data.ratings.len(),
        loss,
        config.factors,
        config.fold_in_epochs,
        users.len().saturating_sub(5)
    );
    println!("\n| operation | median ms | p90 ms | max ms |\n|---|---|---|---|");
    for (name, ms) in [
        ("plain fold-in", plain),
        ("attributed fold-in (credits of every like)", attributed),
        ("influences of the top-10 (one attributed fold-in)", top10),
        (
            "explain top-1 (attribution + influences + 5 measured)",
            explain,
        ),
        ("leave-one-out of the top-1 (one fold-in per like)", loo),
    ] {
        let (a, b, c) = summary(ms);
        println!("| {name} | {a:.2} | {b:.2} | {c:.2} |");
    }
    let (lm, lp, lx) = summary(likes);
    println!("\nlikes per user: median {lm:.0}, p90 {lp:.0}, max {lx:.0}");
    Ok(())
}
