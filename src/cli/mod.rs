//! The command line: clap definitions and one function per subcommand. Commands only orchestrate
//! the lower layers and print; no math lives here.

mod bench_cmds;
mod data_cmds;
mod explain_cmds;
mod import_cmds;
mod model_cmds;
mod quality_cmds;
mod run_all;
mod scale_bench;
mod session_cmds;
mod settings_args;
mod terminal;
mod train_args;
mod trust_cmds;
mod tui_cmds;
mod whatif_cmds;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use color_eyre::eyre::Result;

pub use data_cmds::{open_dataset, DatasetChoice};

/// whyrec: MovieLens recommendations that explain themselves.
#[derive(Debug, Parser)]
#[command(name = "whyrec", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    /// Open the explorer on the guided tour (→ / ← step through it).
    #[arg(long)]
    pub tour: bool,
    /// Which evaluated users the explorer's Trust and Fairness tabs measure.
    #[command(flatten)]
    pub population: settings_args::PopulationArgs,
    /// Explore this model file (e.g. one `whyrec import` wrote) instead of hybrid-als.
    #[arg(long, value_name = "FILE")]
    pub model_file: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options every command understands.
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Folder holding the MovieLens folders (default: $WHYREC_DATA_DIR, else ./data, else the
    /// platform data folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Dataset: ml-100k, ml-1m, ml-10m, ml-20m, ml-25m, ml-32m, ml-latest-small, or a path to a
    /// folder in one of the GroupLens layouts.
    #[arg(long, global = true, default_value = "ml-1m", value_name = "NAME|DIR")]
    pub dataset: String,
    /// Skip malformed lines (and count them) instead of stopping at the first.
    #[arg(long, global = true)]
    pub lenient: bool,
    /// Folder for JSON reports.
    #[arg(long, global = true, default_value = "reports", value_name = "DIR")]
    pub reports_dir: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Download a MovieLens dataset from GroupLens into the data folder (verified by MD5).
    Download(data_cmds::DownloadArgs),
    /// Summarise a dataset: counts, sparsity, rating histogram, long tail, genres, demographics.
    Eda(data_cmds::EdaArgs),
    /// Write a synthetic dataset in the ML-1M format (for scale and speed work).
    Synth(data_cmds::SynthArgs),
    /// Make an evaluation split and export it as train.csv / test.csv.
    Split(data_cmds::SplitArgs),
    /// Train a model (hybrid-als, warp or bpr) on every positive of the dataset and save it to models/ (reused when it matches).
    Train(train_args::TrainArgs),
    /// Evaluate models with PROTOCOL.md (ranking: holdout-20 or split files → reports/metrics.json; rating: folds → reports/rating_metrics.json; fit times → reports/timings.json).
    Eval(model_cmds::EvalArgs),
    /// Print a user's top-k recommendations with titles.
    Recommend(model_cmds::RecommendArgs),
    /// Why this movie: the score split into named parts, each like's share, the minimal set of likes to remove.
    Explain(explain_cmds::ExplainArgs),
    /// What if the user hadn't liked some movies (or had liked others): new top-10, optionally retrained.
    Whatif(explain_cmds::WhatIfArgs),
    /// Write reports/feature_explanations.json and reports/counterfactual_explanations.json (seeded samples).
    ExplainReport(explain_cmds::ExplainReportArgs),
    /// Benchmarks that print tables: data loading, and with --engine / --peers the engine's speed targets.
    Bench(bench_cmds::BenchArgs),
    /// Trust metrics (coverage, novelty, ILD, stability, seed stability, popularity bias, calibration) and the accuracy-coverage knob; writes reports/trust_report.json.
    Trust(trust_cmds::TrustArgs),
    /// Fairness audit by gender, age and occupation (ranking and rating metrics, gaps, item exposure); writes reports/fairness_report.json.
    Fairness(trust_cmds::FairnessArgs),
    /// The whole pipeline in one command: download → EDA → train → eval → explain → trust → fairness → reports and parquet artifacts.
    RunAll(run_all::RunAllArgs),
    /// The command-line pipeline: download if needed → EDA → ranking evaluation → cached model → one user's top-10.
    Pipeline,
    /// Benchmark of the terminal explorer: start-up, key press → frame, retrain progress.
    BenchTui(tui_cmds::BenchTuiArgs),
    /// Session records written by the explorer (`e`): `session replay FILE` recomputes them.
    Session(session_cmds::SessionArgs),
    /// Import a model trained elsewhere (implicit's model.npz, Spark's ALSModel folder) as a whyrec model file, explained like any other.
    Import(import_cmds::ImportArgs),
}

/// Runs the parsed command line.
pub fn run(cli: Cli) -> Result<()> {
    if cli.tour && cli.command.is_some() {
        color_eyre::eyre::bail!(
            "--tour opens the explorer's guided tour: run `whyrec --tour` without a subcommand"
        );
    }
    if (cli.population != Default::default() || cli.model_file.is_some()) && cli.command.is_some() {
        color_eyre::eyre::bail!(
            "--all-users, --sample-users and --model-file before a subcommand are the explorer's: give them after the subcommand (`trust --all-users`, `recommend --model-file FILE`)"
        );
    }
    match cli.command {
        Some(Command::Download(a)) => data_cmds::download(&cli.global, &a),
        Some(Command::Eda(a)) => data_cmds::eda(&cli.global, &a),
        Some(Command::Synth(a)) => data_cmds::synth(&a),
        Some(Command::Split(a)) => data_cmds::split(&cli.global, &a),
        Some(Command::Train(a)) => model_cmds::train(&cli.global, &a),
        Some(Command::Eval(a)) => model_cmds::eval(&cli.global, &a),
        Some(Command::Recommend(a)) => model_cmds::recommend(&cli.global, &a),
        Some(Command::Explain(a)) => explain_cmds::explain(&cli.global, &a),
        Some(Command::Whatif(a)) => explain_cmds::whatif(&cli.global, &a),
        Some(Command::ExplainReport(a)) => explain_cmds::explain_report(&cli.global, &a),
        Some(Command::Bench(a)) => bench_cmds::bench(&cli.global, &a),
        Some(Command::Trust(a)) => trust_cmds::trust(&cli.global, &a),
        Some(Command::Fairness(a)) => trust_cmds::fairness(&cli.global, &a),
        Some(Command::RunAll(a)) => run_all::run_all(&cli.global, &a),
        Some(Command::Pipeline) => default_pipeline(&cli.global),
        Some(Command::BenchTui(a)) => tui_cmds::bench_tui(&cli.global, &a),
        Some(Command::Session(a)) => session_cmds::session(&cli.global, &a),
        Some(Command::Import(a)) => import_cmds::import(&cli.global, &a),
        None => tui_cmds::explore(&cli.global, cli.tour, &cli.population, cli.model_file),
    }
}

/// `whyrec pipeline`: download if needed → EDA → train (cached) → ranking evaluation (seed 1) →
/// one user's top-10.
fn default_pipeline(global: &GlobalArgs) -> Result<()> {
    eprintln!(
        "whyrec pipeline on {} (see `whyrec --help` for single steps)",
        global.dataset
    );
    data_cmds::eda(global, &data_cmds::EdaArgs::default())?;
    model_cmds::eval(global, &model_cmds::EvalArgs::pipeline_default())?;
    let dataset = data_cmds::open_dataset(global)?;
    let first_user = dataset.user_id(0);
    model_cmds::recommend(
        global,
        &model_cmds::RecommendArgs::pipeline_default(first_user),
    )
}
