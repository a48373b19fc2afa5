//! Data commands: download, eda, synth, split, bench.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use color_eyre::eyre::{eyre, Result, WrapErr};

use super::terminal::{cli_error, Terminal};
use super::GlobalArgs;
use crate::data::split::{self, Split};
use crate::data::{self, eda, Dataset, DatasetKind};
use crate::workspace;

pub use crate::data::DatasetChoice;

/// Resolves the data folder (printing where it came from), downloads the dataset when it is a
/// known variant that is not there yet, and loads it (`workspace::open_dataset`).
pub fn open_dataset(global: &GlobalArgs) -> Result<Dataset> {
    workspace::open_dataset(&global.dataset_request(), &Terminal::default()).map_err(cli_error)
}

/// The folder of a known variant, downloaded first when it is missing.
pub fn ensure_downloaded(global: &GlobalArgs, kind: DatasetKind) -> Result<PathBuf> {
    workspace::ensure_downloaded(&global.dataset_request(), kind, &Terminal::default())
        .map_err(cli_error)
}

#[derive(Debug, Args)]
pub struct DownloadArgs {}

pub fn download(global: &GlobalArgs, _args: &DownloadArgs) -> Result<()> {
    let kind = match DatasetChoice::parse(&global.dataset)? {
        DatasetChoice::Known(kind) => kind,
        DatasetChoice::Folder(dir) => {
            return Err(eyre!(
                "{} is a folder, not a GroupLens dataset name",
                dir.display()
            ))
        }
    };
    let dir = ensure_downloaded(global, kind)?;
    println!("{kind} is ready in {}", dir.display());
    Ok(())
}

#[derive(Debug, Args, Default)]
pub struct EdaArgs {
    /// Print the report as JSON instead of the summary.
    #[arg(long)]
    pub json: bool,
}

pub fn eda(global: &GlobalArgs, args: &EdaArgs) -> Result<()> {
    eda_on(&open_dataset(global)?, global, args)
}

/// `whyrec eda` on a dataset already loaded.
pub fn eda_on(dataset: &Dataset, global: &GlobalArgs, args: &EdaArgs) -> Result<()> {
    let report = eda::analyse(dataset)?;
    let json = serde_json::to_string_pretty(&report)?;
    if args.json {
        println!("{json}");
    } else {
        print!("{}", report.summary());
    }
    let path = write_report(&global.reports_dir, "eda.json", &json)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// Writes a report file atomically into the reports folder (`workspace::write_report`).
pub fn write_report(dir: &Path, name: &str, text: &str) -> Result<PathBuf> {
    workspace::write_report(dir, name, text).map_err(cli_error)
}

#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Number of users (default: the ML-1M shape, 6,040).
    #[arg(long, default_value_t = 6040, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub users: usize,
    /// Number of movies (default 3,706).
    #[arg(long, default_value_t = 3706, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub items: usize,
    /// Number of ratings (default 1,000,209).
    #[arg(long, default_value_t = 1_000_209, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000_000_000))]
    pub ratings: usize,
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
    pub seed: u64,
    /// Output folder (written in the ML-1M layout).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn synth(args: &SynthArgs) -> Result<()> {
    let config = data::synth::SynthConfig::new(args.users, args.items, args.ratings, args.seed);
    let t = Instant::now();
    let summary = data::synth::generate(&config, &args.out)
        .wrap_err_with(|| format!("writing synthetic data to {}", args.out.display()))?;
    println!(
        "synthetic dataset: {} users, {} movies, {} ratings (seed {}) written to {} in {:.2} s",
        summary.users,
        summary.items,
        summary.ratings,
        summary.seed,
        summary.dir.display(),
        t.elapsed().as_secs_f64()
    );
    let shares: Vec<String> = summary
        .histogram_share
        .iter()
        .enumerate()
        .map(|(k, s)| format!("{}★ {:.1}%", k + 1, 100.0 * s))
        .collect();
    println!("star histogram: {}", shares.join(", "));
    println!("load it with --dataset {}", summary.dir.display());
    Ok(())
}

/// Which split `whyrec split` makes.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SplitKind {
    /// PROTOCOL.md's ranking split: 20% of each user's positives to test.
    #[value(name = "holdout-20")]
    Holdout20,
    /// A random 90/10 split of all ratings (rating task).
    #[value(name = "random-90-10")]
    Random9010,
}

#[derive(Debug, Args)]
pub struct SplitArgs {
    #[arg(long, value_enum, default_value = "holdout-20")]
    pub kind: SplitKind,
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
    pub seed: u64,
    /// Folder to write train.csv and test.csv into.
    #[arg(long)]
    pub export: PathBuf,
}

pub fn split(global: &GlobalArgs, args: &SplitArgs) -> Result<()> {
    let dataset = open_dataset(global)?;
    let s: Split = match args.kind {
        SplitKind::Holdout20 => split::holdout(
            &dataset,
            args.seed,
            data::interactions::DEFAULT_POSITIVE_THRESHOLD,
        ),
        SplitKind::Random9010 => split::random_ratings(&dataset, args.seed),
    };
    s.export(&dataset, &args.export)?;
    let evaluated = s
        .evaluated_users(data::interactions::DEFAULT_POSITIVE_THRESHOLD)
        .len();
    println!(
        "{} of {}: {} train and {} test interactions ({} users evaluated) written to {}",
        s.name,
        dataset.name,
        s.train.len(),
        s.test.len(),
        evaluated,
        args.export.display()
    );
    Ok(())
}

/// Peak resident memory of this process (Linux `VmHWM`), in MiB.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
