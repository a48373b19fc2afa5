//! `whyrec bench --scale --dataset DIR`: the engine at ML-25M / ML-32M scale in one run. On
//! PROTOCOL.md's holdout-20 split (the seed of `--seed`): loading and the split with the peak RSS
//! of each step; hybrid-als and als fitted to their default sweeps, P@10 and coverage@10 on a
//! seeded sample of `--sample-users` test users (`metrics::sample`), and their quality after
//! every sweep (a warm-started chain of one-sweep trainings, each ending with the exact user step
//! — so a chain's time to n sweeps is above one n-sweep fit's; the time to the peer's P@10 is
//! therefore a fresh fit of the first sweep count the chain says reaches it, timed); and, when
//! `bench/peers/.venv` (or `WHYREC_PEERS_PYTHON`) has implicit, implicit's ALS on the same split
//! with the same factors (`bench/peers/scale.py`), saved in its own layout, read back through
//! `engine::import` and scored with whyrec's metric code on the same users. Every time is wall
//! clock on this machine; nothing here is a test assertion.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use color_eyre::eyre::{eyre, Result, WrapErr};

use super::data_cmds::{open_dataset, peak_rss_mib};
use super::GlobalArgs;
use crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
use crate::data::split;
use crate::engine::{ModelSpec, Settings, Trainable, Trained};
use crate::metrics::eval_data::EvalData;
use crate::metrics::sample::Population;

/// Forgets the peak RSS so far (Linux `clear_refs` 5), so the next reading is one step's peak.
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn mib() -> String {
    peak_rss_mib().map_or("n/a".into(), |m| format!("{m:.0}"))
}

/// One model's line of the table.
struct Fitted {
    name: String,
    sweeps: usize,
    fit_s: f64,
    precision: f64,
    coverage: f64,
    peak: String,
    /// (sweeps, cumulative seconds, P@10) after each sweep of the chain.
    chain: Vec<(usize, f64, f64)>,
}

pub fn scale_table(global: &GlobalArgs, seed: u64, sample: usize, sweeps: usize) -> Result<()> {
    let threads = rayon::current_num_threads();
    let mut steps: Vec<(String, f64, String)> = Vec::new();
    reset_peak_rss();
    let clock = Instant::now();
    let d = open_dataset(global)?;
    steps.push(("load".into(), clock.elapsed().as_secs_f64(), mib()));
    reset_peak_rss();
    let clock = Instant::now();
    let data = EvalData::holdout_for(&d, seed, Population::AtMost(sample));
    steps.push((
        "holdout-20 split, candidates, user sample".into(),
        clock.elapsed().as_secs_f64(),
        mib(),
    ));
    let settings = Settings {
        iterations: Some(sweeps),
        ..Settings::seeded(seed)
    };
    let mut fitted = Vec::new();
    for spec in [ModelSpec::HybridAls, ModelSpec::Als] {
        eprintln!("{spec}: fit ({sweeps} sweeps)");
        reset_peak_rss();
        let clock = Instant::now();
        let model = data.fit(spec, &settings, &data.train, seed)?;
        let fit_s = clock.elapsed().as_secs_f64();
        let peak = mib();
        let report = data.evaluate(model.scorer());
        eprintln!("{spec}: quality after each sweep");
        let chain = sweep_chain(&data, spec, seed, sweeps)?;
        fitted.push(Fitted {
            name: spec.name().to_string(),
            sweeps,
            fit_s,
            precision: report.metrics.precision,
            coverage: report.metrics.coverage,
            peak,
            chain,
        });
    }
    let peer = implicit_peer(&d, &data, seed, sweeps, threads)?;
    let mut reach_times = Vec::new();
    for (spec, f) in [ModelSpec::HybridAls, ModelSpec::Als]
        .into_iter()
        .zip(&fitted)
    {
        let reach = match &peer {
            Some(p) => time_to_reach(&data, spec, seed, &f.chain, p.precision)?,
            None => None,
        };
        reach_times.push((f.name.clone(), reach));
    }

    println!();
    println!(
        "Scale on {} ({} users, {} movies, {} ratings; {} train positives), {threads} threads, holdout-20 seed {seed}; P@10 and coverage@10 over {}:",
        d.name,
        d.n_users(),
        d.n_items(),
        d.ratings.len(),
        data.train.by_user.nnz(),
        data.users.describe()
    );
    println!("| step | s | peak RSS MiB (step) |");
    println!("|---|---|---|");
    for (what, s, m) in &steps {
        println!("| {what} | {s:.2} | {m} |");
    }
    println!();
    println!("| model | sweeps | fit s | P@10 | coverage@10 | peak RSS MiB (fit) | time to implicit's P@10 | that time / implicit's fit |");
    println!("|---|---|---|---|---|---|---|---|");
    for f in &fitted {
        let reach = reach_times.iter().find(|r| r.0 == f.name).and_then(|r| r.1);
        println!(
            "| whyrec {} | {} | {:.2} | {:.4} | {:.4} | {} | {} | {} |",
            f.name,
            f.sweeps,
            f.fit_s,
            f.precision,
            f.coverage,
            f.peak,
            match (&peer, reach) {
                (None, _) => "no peer".to_string(),
                (Some(_), Some((n, s, p))) => {
                    format!("{s:.2} s (a fit of {n} sweeps: P@10 {p:.4})")
                }
                (Some(_), None) => format!("not within {} sweeps", f.sweeps),
            },
            match (&peer, reach) {
                (Some(peer), Some((_, s, _))) => format!("{:.2}", s / peer.fit_s),
                _ => "-".into(),
            },
        );
    }
    match &peer {
        Some(p) => println!(
            "| implicit ALS 0.7.2 (CG, regularization {}, alpha {}) | {} | {:.2} | {:.4} | {:.4} | {:.0} (its process) | - | 1.00 |",
            p.regularization, p.alpha, p.iterations, p.fit_s, p.precision, p.coverage, p.peak_mib
        ),
        None => println!(
            "| implicit ALS | - | - | - | - | - | no bench/peers/.venv with implicit (bench/peers/README.md) | - |"
        ),
    }
    println!();
    for f in &fitted {
        let line: Vec<String> = f
            .chain
            .iter()
            .map(|(n, s, p)| format!("{n}: {p:.4} at {s:.1} s"))
            .collect();
        println!(
            "whyrec {} P@10 after each sweep (chain): {}",
            f.name,
            line.join("; ")
        );
    }
    if let Some(p) = &peer {
        println!(
            "implicit's factors read back through engine::import: the exact ALS user step moves its scores by at most {:.2e} over {} users (P@10 {:.4} with those user vectors)",
            p.import_difference, p.import_users, p.exact_precision
        );
    }
    Ok(())
}

/// The time a fresh fit takes to reach `target` P@10: the first sweep count whose chain P@10
/// reached it is fitted from scratch and timed (the chain's warm starts add an exact user step
/// per link), then one more sweep at a time while the fresh fit falls short. `None` when no
/// count up to the chain's length reaches it.
fn time_to_reach(
    data: &EvalData,
    spec: ModelSpec,
    seed: u64,
    chain: &[(usize, f64, f64)],
    target: f64,
) -> Result<Option<(usize, f64, f64)>> {
    let Some(first) = chain.iter().position(|c| c.2 >= target) else {
        return Ok(None);
    };
    for &(n, _, _) in &chain[first..] {
        eprintln!("{spec}: a fresh fit of {n} sweeps, timed");
        let settings = Settings {
            iterations: Some(n),
            ..Settings::seeded(seed)
        };
        let clock = Instant::now();
        let model = data.fit(spec, &settings, &data.train, seed)?;
        let secs = clock.elapsed().as_secs_f64();
        let precision = data.evaluate(model.scorer()).metrics.precision;
        if precision >= target {
            return Ok(Some((n, secs, precision)));
        }
    }
    Ok(None)
}

/// P@10 after 1, 2, … `sweeps` sweeps: one fit of one sweep, then warm-started single sweeps.
fn sweep_chain(
    data: &EvalData,
    spec: ModelSpec,
    seed: u64,
    sweeps: usize,
) -> Result<Vec<(usize, f64, f64)>> {
    let one = Settings {
        iterations: Some(1),
        ..Settings::seeded(seed)
    };
    let clock = Instant::now();
    let Trained::Factor(mut model) = data.fit(spec, &one, &data.train, seed)? else {
        return Err(eyre!("{spec} is not a factor model"));
    };
    let mut elapsed = clock.elapsed().as_secs_f64();
    let mut out = vec![(1, elapsed, data.evaluate(&model).metrics.precision)];
    for n in 2..=sweeps {
        let clock = Instant::now();
        model.continue_training(&data.train, 1, &mut |_| {}, &AtomicBool::new(false))?;
        elapsed += clock.elapsed().as_secs_f64();
        out.push((n, elapsed, data.evaluate(&model).metrics.precision));
    }
    Ok(out)
}

/// implicit's numbers, when its venv is there.
struct Peer {
    fit_s: f64,
    peak_mib: f64,
    iterations: u64,
    regularization: f64,
    alpha: f64,
    precision: f64,
    coverage: f64,
    exact_precision: f64,
    import_difference: f64,
    import_users: usize,
}

/// The peers' interpreter, when it has implicit.
fn peers_with_implicit() -> Option<PathBuf> {
    let python = peers_python()?;
    let has_implicit = Command::new(&python)
        .args(["-c", "import implicit"])
        .output()
        .is_ok_and(|o| o.status.success());
    has_implicit.then_some(python)
}

/// Rows a matrix indexed by these ids needs.
fn id_rows(ids: &[u32]) -> u64 {
    ids.iter().map(|&i| u64::from(i) + 1).max().unwrap_or(0)
}

fn implicit_peer(
    d: &crate::data::Dataset,
    data: &EvalData,
    seed: u64,
    sweeps: usize,
    threads: usize,
) -> Result<Option<Peer>> {
    let Some(python) = peers_with_implicit() else {
        eprintln!("implicit: no bench/peers/.venv with implicit — the peer's rows are left out");
        return Ok(None);
    };
    eprintln!("implicit: exporting the split, fitting ({sweeps} iterations)");
    let dir = tempfile::tempdir().wrap_err("making a folder for the split files")?;
    split::holdout(d, seed, DEFAULT_POSITIVE_THRESHOLD).export(d, dir.path())?;
    let npz = dir.path().join("implicit-als.npz");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/peers/scale.py");
    let factors = crate::engine::AlsConfig::default().factors;
    let out = Command::new(&python)
        .arg(&script)
        .arg("--split")
        .arg(dir.path())
        .arg("--out")
        .arg(&npz)
        .args(["--factors", &factors.to_string()])
        .args(["--iterations", &sweeps.to_string()])
        .args(["--threads", &threads.to_string()])
        .args(["--seed", &seed.to_string()])
        .args(["--rows", &id_rows(&d.users.ids).to_string()])
        .args(["--cols", &id_rows(&d.items.ids).to_string()])
        .output()
        .wrap_err_with(|| format!("running {} {}", python.display(), script.display()))?;
    if !out.status.success() {
        return Err(eyre!(
            "{} failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&out.stdout).wrap_err("reading scale.py's JSON")?;
    let num = |k: &str| json.get(k).and_then(serde_json::Value::as_f64);
    let imported = crate::engine::import::from_implicit(&npz, d, &data.train)?;
    let theirs = data.evaluate(&imported.file_scorer("implicit-als"));
    let exact = data.evaluate(&imported.model);
    Ok(Some(Peer {
        fit_s: num("fit_s").ok_or_else(|| eyre!("scale.py gave no fit_s"))?,
        peak_mib: num("peak_rss_mib").unwrap_or(f64::NAN),
        iterations: sweeps as u64,
        regularization: num("regularization").unwrap_or(f64::NAN),
        alpha: num("alpha").unwrap_or(f64::NAN),
        precision: theirs.metrics.precision,
        coverage: theirs.metrics.coverage,
        exact_precision: exact.metrics.precision,
        import_difference: imported.max_score_difference,
        import_users: imported.measured_users,
    }))
}

/// The interpreter of the peers: `WHYREC_PEERS_PYTHON`, else the venv bench/peers/README.md sets
/// up, when it exists.
pub(super) fn peers_python() -> Option<PathBuf> {
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/peers/.venv/bin/python");
    std::env::var_os("WHYREC_PEERS_PYTHON")
        .map(PathBuf::from)
        .or_else(|| venv.exists().then_some(venv))
}
