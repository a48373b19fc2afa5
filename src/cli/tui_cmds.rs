//! TUI commands: `whyrec` with no subcommand opens the explorer; `whyrec bench-tui` times it.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::{eyre, Result};

use super::settings_args::PopulationArgs;
use super::GlobalArgs;
use crate::engine::{ModelSpec, Settings};
use crate::tui::{self, TuiOptions};

fn options(
    global: &GlobalArgs,
    models_dir: PathBuf,
    tour: bool,
    population: &PopulationArgs,
    model_file: Option<PathBuf>,
) -> TuiOptions {
    TuiOptions {
        dataset: global.dataset.clone(),
        data_dir: global.data_dir.clone(),
        lenient: global.lenient,
        models_dir,
        reports_dir: global.reports_dir.clone(),
        model: ModelSpec::HybridAls,
        settings: Settings::default(),
        tour,
        population: population.population(),
        model_file,
    }
}

/// Opens the explorer on the chosen dataset (the model cache is `models/`, as `whyrec train`);
/// `tour` starts the guided tour.
pub fn explore(
    global: &GlobalArgs,
    tour: bool,
    population: &PopulationArgs,
    model_file: Option<PathBuf>,
) -> Result<()> {
    tui::run(options(
        global,
        PathBuf::from("models"),
        tour,
        population,
        model_file,
    ))
    .map_err(|e| eyre!(e))
}

#[derive(Debug, Args)]
pub struct BenchTuiArgs {
    /// Folder for the model cache.
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Key presses of each kind.
    #[arg(long, default_value_t = 200, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub presses: usize,
    /// Terminal size the frames are drawn at, WIDTHxHEIGHT (80x24 is the smallest the explorer
    /// lays out).
    #[arg(long, default_value = "160x48", value_parser = parse_size)]
    pub size: (u16, u16),
    #[command(flatten)]
    pub population: PopulationArgs,
    /// Explore this model file (e.g. one `whyrec import` wrote) instead of hybrid-als.
    #[arg(long, value_name = "FILE")]
    pub model_file: Option<PathBuf>,
}

/// `WIDTHxHEIGHT`, from 80x24 to 1000x1000.
fn parse_size(text: &str) -> Result<(u16, u16), String> {
    let bad = || format!("{text:?}: expected WIDTHxHEIGHT from 80x24 to 1000x1000, e.g. 80x24");
    let (w, h) = text.split_once(['x', '×']).ok_or_else(bad)?;
    let (w, h): (u16, u16) = (w.parse().map_err(|_| bad())?, h.parse().map_err(|_| bad())?);
    if !(80..=1000).contains(&w) || !(24..=1000).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

/// `whyrec bench-tui`: start-up with a cached model, key → frame, time to retrain progress.
pub fn bench_tui(global: &GlobalArgs, args: &BenchTuiArgs) -> Result<()> {
    let table = tui::bench::run(
        &options(
            global,
            args.models_dir.clone(),
            false,
            &args.population,
            args.model_file.clone(),
        ),
        args.presses,
        args.size,
    )
    .map_err(|e| eyre!(e))?;
    print!("{table}");
    Ok(())
}
