//! TUI commands: `whyrec` with no subcommand opens the explorer; `whyrec bench-tui` times it.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{eyre, Result};

use super::GlobalArgs;
use crate::engine::{ModelSpec, Settings};
use crate::tui::{self, TuiOptions};

fn options(global: &GlobalArgs, models_dir: PathBuf, tour: bool) -> TuiOptions {
    TuiOptions {
        dataset: global.dataset.clone(),
        data_dir: global.data_dir.clone(),
        lenient: global.lenient,
        models_dir,
        reports_dir: global.reports_dir.clone(),
        model: ModelSpec::HybridAls,
        settings: Settings::default(),
        tour,
    }
}

/// Opens the explorer on the chosen dataset (the model cache is `models/`, as `whyrec train`);
/// `tour` starts the guided tour.
pub fn explore(global: &GlobalArgs, tour: bool) -> Result<()> {
    tui::run(options(global, PathBuf::from("models"), tour)).map_err(|e| eyre!(e))
}

#[derive(Debug, Args)]
pub struct BenchTuiArgs {
    /// Folder for the model cache.
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Key presses of each kind.
    #[arg(long, default_value_t = 200, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub presses: usize,
}

/// `whyrec bench-tui`: start-up with a cached model, key → frame, time to retrain progress.
pub fn bench_tui(global: &GlobalArgs, args: &BenchTuiArgs) -> Result<()> {
    let table = tui::bench::run(
        &options(global, args.models_dir.clone(), false),
        args.presses,
    )
    .map_err(|e| eyre!(e))?;
    print!("{table}");
    Ok(())
}
