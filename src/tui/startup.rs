//! Start-up as a job on the worker, so the screen keeps drawing and `q` works throughout: the
//! service layer opens the dataset (resolve the data folder, download a missing variant with its
//! bytes on the gauge — no network gives an error screen saying how to point at local data —,
//! load) and gets the first explored model (the cached file, or a training on the gauge, saved);
//! then the [`Engine`]. [`explore_model`] is the same second half for the models `M` cycles to.

use std::path::PathBuf;

use super::adapter::Engine;
use super::gauge::Gauge;
use super::worker::JobContext;
use crate::data::{DataError, Dataset};
use crate::engine::{AnyFactorModel, ModelSpec, Settings};
use crate::metrics::sample::Population;
use crate::workspace::{self, DatasetRequest, ModelRequest, WorkspaceError};

/// What the TUI starts on.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// A variant name (`ml-1m`, …) or a folder.
    pub dataset: String,
    pub data_dir: Option<PathBuf>,
    pub lenient: bool,
    pub models_dir: PathBuf,
    pub reports_dir: PathBuf,
    /// The model explored first (`M` cycles through the others).
    pub model: ModelSpec,
    /// Seed, factors, iterations of every model the TUI trains.
    pub settings: Settings,
    /// Start the guided tour once ready (`whyrec --tour`).
    pub tour: bool,
    /// Which evaluated users the Trust and Fairness tabs measure (`--all-users`).
    pub population: Population,
    /// Explore this model file first (`whyrec --model-file FILE`, e.g. one `whyrec import` wrote)
    /// instead of `model`'s cached or trained one.
    pub model_file: Option<PathBuf>,
}

/// What a failed start-up screen adds to an error that does not already say how to point at
/// local data.
pub const LOCAL_DATA_HELP: &str = "To use data already on disk, put the unpacked MovieLens folder \
    (for example ml-1m/) in a folder and start whyrec with --data-dir DIR, or set \
    WHYREC_DATA_DIR=DIR. --dataset ml-100k picks another variant; --dataset PATH reads any folder \
    in a GroupLens layout.";

/// What it adds to one that does (said once is enough).
pub const OTHER_DATA_HELP: &str =
    "--dataset ml-100k picks another variant; --dataset PATH reads any folder in a GroupLens layout.";

/// The help a failed start-up screen shows under `message`.
pub fn failure_help(message: &str) -> &'static str {
    if message.contains("--data-dir") {
        OTHER_DATA_HELP
    } else {
        LOCAL_DATA_HELP
    }
}

/// Fractions of the start-up gauge: download, load, train.
const DOWNLOAD_END: f32 = 0.3;
const LOAD_END: f32 = 0.4;

fn message(e: WorkspaceError) -> String {
    match e {
        WorkspaceError::Data(e @ DataError::Line { .. }) => {
            format!("{e} (start with --lenient to skip malformed lines and count them)")
        }
        e => e.to_string(),
    }
}

/// Runs the whole start-up; progress and log lines go to `ctx`.
pub fn start_up<T: Send + 'static>(
    options: &TuiOptions,
    ctx: &JobContext<T>,
) -> Result<Engine, String> {
    let clock = std::time::Instant::now();
    let secs = || format!("{:.2} s", clock.elapsed().as_secs_f64());
    let request = DatasetRequest {
        dataset: options.dataset.clone(),
        data_dir: options.data_dir.clone(),
        lenient: options.lenient,
    };
    let dataset =
        workspace::open_dataset(&request, &Gauge::new(ctx, 0.0, DOWNLOAD_END)).map_err(message)?;
    ctx.note(format!(
        "loaded {}: {} users, {} movies, {} ratings ({})",
        dataset.name,
        dataset.n_users(),
        dataset.n_items(),
        dataset.ratings.len(),
        secs()
    ));
    if ctx.is_cancelled() {
        return Err("cancelled".into());
    }
    ctx.progress(
        LOAD_END,
        format!("{}: from the cache or trained", options.model),
    );
    let model = model_of(
        &dataset,
        options,
        options.model,
        options.model_file.as_deref(),
        &Gauge::new(ctx, LOAD_END, 1.0),
    )?;
    let mut engine = Engine::new(dataset, model)?;
    engine.population = options.population;
    ctx.note(format!("ready ({})", secs()));
    ctx.progress(1.0, "ready");
    Ok(engine)
}

/// The engine of `spec` over the data of `engine`: the cached model, or one trained on the gauge
/// and saved (what `M` runs the first time it reaches a model).
pub fn explore_model<T: Send + 'static>(
    engine: &Engine,
    options: &TuiOptions,
    spec: ModelSpec,
    ctx: &JobContext<T>,
) -> Result<Engine, String> {
    ctx.progress(0.0, format!("{spec}: from the cache or trained"));
    let model = model_of(
        &engine.dataset,
        options,
        spec,
        None,
        &Gauge::new(ctx, 0.0, 1.0),
    )?;
    if ctx.is_cancelled() {
        return Err("cancelled".into());
    }
    let engine = engine.with_model(model)?;
    ctx.progress(1.0, format!("{spec} ready"));
    Ok(engine)
}

fn model_of<T: Send + 'static>(
    dataset: &Dataset,
    options: &TuiOptions,
    spec: ModelSpec,
    file: Option<&std::path::Path>,
    gauge: &Gauge<'_, T>,
) -> Result<AnyFactorModel, String> {
    let request = ModelRequest {
        spec,
        settings: options.settings.clone(),
        models_dir: Some(&options.models_dir),
        force: false,
        file,
    };
    workspace::load_or_train_factor(dataset, &request, gauge).map_err(message)
}
