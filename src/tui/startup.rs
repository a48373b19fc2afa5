//! Start-up as a job on the worker, so the screen keeps drawing and `q` works throughout:
//! resolve the data folder → download the dataset if it is missing (progress in bytes; no network
//! gives an error screen saying how to point at local data) → load → the cached model, or train
//! one on a progress gauge and save it → the [`Engine`].

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::adapter::Engine;
use super::worker::JobContext;
use crate::data::download::{download_dataset, ByteProgress, DownloadOptions};
use crate::data::{self, datadir, DatasetChoice, LoadOptions};
use crate::engine::cache::{self, Cached};
use crate::engine::AlsConfig;

/// What the TUI starts on.
#[derive(Debug, Clone)]
pub struct TuiOptions {
    /// A variant name (`ml-1m`, …) or a folder.
    pub dataset: String,
    pub data_dir: Option<PathBuf>,
    pub lenient: bool,
    pub models_dir: PathBuf,
    pub reports_dir: PathBuf,
    pub config: AlsConfig,
}

/// What a failed start-up screen adds to the error.
pub const LOCAL_DATA_HELP: &str = "To use data already on disk, put the unpacked MovieLens folder \
    (for example ml-1m/) in a folder and start whyrec with --data-dir DIR, or set \
    WHYREC_DATA_DIR=DIR. --dataset ml-100k picks another variant; --dataset PATH reads any folder \
    in a GroupLens layout.";

/// Fractions of the start-up gauge: download, load, train.
const DOWNLOAD_END: f32 = 0.3;
const LOAD_END: f32 = 0.4;

/// Runs the whole start-up; progress and log lines go to `ctx`.
pub fn start_up<T: Send + 'static>(
    options: &TuiOptions,
    ctx: &JobContext<T>,
) -> Result<Engine, String> {
    let clock = std::time::Instant::now();
    let secs = || format!("{:.2} s", clock.elapsed().as_secs_f64());
    let load_options = LoadOptions {
        lenient: options.lenient,
    };
    let choice = DatasetChoice::parse(&options.dataset).map_err(|e| e.to_string())?;
    let loaded = match choice {
        DatasetChoice::Folder(dir) => {
            ctx.note(format!("dataset folder: {}", dir.display()));
            ctx.progress(DOWNLOAD_END, format!("loading {}", dir.display()));
            data::load_dir(&dir, load_options)
        }
        DatasetChoice::Known(kind) => {
            let resolved = datadir::resolve_data_dir(options.data_dir.as_deref());
            ctx.note(resolved.describe());
            let mut dir = kind.dir_in(&resolved.path);
            if !dir.is_dir() {
                ctx.note(format!(
                    "{kind} is not in {}: downloading it from GroupLens",
                    resolved.path.display()
                ));
                let cancel = ctx.cancel_handle();
                let events = ctx.progress_fn();
                let listener = ByteProgress(Arc::new(move |got: u64, total: Option<u64>| {
                    let mib = |b: u64| b as f64 / (1 << 20) as f64;
                    let (fraction, label) = match total {
                        Some(t) if t > 0 => (
                            DOWNLOAD_END * got as f32 / t as f32,
                            format!("downloading {kind}: {:.1} of {:.1} MiB", mib(got), mib(t)),
                        ),
                        _ => (0.0, format!("downloading {kind}: {:.1} MiB", mib(got))),
                    };
                    events(fraction, label);
                    !cancel.load(Ordering::SeqCst)
                }));
                let download = DownloadOptions {
                    progress: false,
                    on_progress: Some(listener),
                    ..DownloadOptions::default()
                };
                ctx.progress(0.0, format!("downloading {kind}"));
                dir =
                    download_dataset(kind, &resolved.path, &download).map_err(|e| e.to_string())?;
                ctx.note(format!("downloaded {kind} into {}", dir.display()));
            }
            ctx.progress(
                DOWNLOAD_END,
                format!("loading {kind} from {}", dir.display()),
            );
            data::load_kind(kind, &dir, load_options)
        }
    };
    let dataset = loaded.map_err(|e| match e {
        data::DataError::Line { .. } => {
            format!("{e} (start with --lenient to skip malformed lines and count them)")
        }
        e => e.to_string(),
    })?;
    if dataset.skipped.count > 0 {
        ctx.note(format!(
            "--lenient: skipped {} malformed lines",
            dataset.skipped.count
        ));
    }
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
    let path = cache::model_path(&options.models_dir, &dataset);
    let model = match cache::load_matching(&path, &dataset, &options.config) {
        Cached::Fresh(model) => {
            ctx.note(format!(
                "using {} (same data and settings; {})",
                path.display(),
                secs()
            ));
            *model
        }
        other => {
            if let Cached::Stale(why) = other {
                ctx.note(format!(
                    "{} cannot be reused ({why}): retraining",
                    path.display()
                ));
            }
            ctx.progress(LOAD_END, "training hybrid-als: first sweep".to_string());
            let model = cache::train_and_save(
                &dataset,
                &path,
                &options.config,
                &mut |p| {
                    let f = LOAD_END + (1.0 - LOAD_END) * p.fraction();
                    ctx.progress(
                        f,
                        format!(
                            "training hybrid-als: {} (objective {:.1})",
                            p.label(),
                            p.objective
                        ),
                    );
                },
                ctx.cancel_flag(),
            )
            .map_err(|e| e.to_string())?;
            ctx.note(format!("trained hybrid-als and saved {}", path.display()));
            model
        }
    };
    let engine = Engine::new(dataset, model)?;
    ctx.note(format!("ready ({})", secs()));
    ctx.progress(1.0, "ready");
    Ok(engine)
}
