//! `whyrec import --from implicit FILE.npz | --from spark DIR`: a model trained by another engine,
//! mapped onto the dataset's ids (`engine::import`) and written as a whyrec model file, which
//! `recommend`, `explain`, `whatif`, `train`'s siblings and the explorer open with
//! `--model-file FILE`. Prints what was read, how far the file's own scores are from the exact
//! user step the imported model uses (measured), and one user's top-1 score split into its exact
//! per-like parts, summed back.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use color_eyre::eyre::{eyre, Result};

use super::data_cmds::open_dataset;
use super::GlobalArgs;
use crate::data::interactions::{Positives, DEFAULT_POSITIVE_THRESHOLD};
use crate::engine::import::{from_implicit, from_spark};
use crate::engine::{Candidates, FactorModel, ModelMeta, Scorer};

/// Which engine wrote the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportSource {
    /// implicit's `model.save("model.npz")` (ALS).
    Implicit,
    /// Spark MLlib's `ALSModel.save(DIR)` (implicit-feedback ALS).
    Spark,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The engine that wrote the model.
    #[arg(long, value_enum)]
    pub from: ImportSource,
    /// implicit: the .npz file; spark: the model folder.
    pub path: PathBuf,
    /// The whyrec model file to write (default: models/<dataset>-imported-<engine>.whyrec).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn import(global: &GlobalArgs, args: &ImportArgs) -> Result<()> {
    let dataset = open_dataset(global)?;
    let positives = Positives::from_dataset(&dataset, DEFAULT_POSITIVE_THRESHOLD);
    let imported = match args.from {
        ImportSource::Implicit => from_implicit(&args.path, &dataset, &positives)?,
        ImportSource::Spark => from_spark(&args.path, &dataset, &positives)?,
    };
    let engine = match args.from {
        ImportSource::Implicit => "implicit",
        ImportSource::Spark => "spark",
    };
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("models").join(format!("{}-imported-{engine}.whyrec", dataset.name))
    });
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| eyre!("creating {}: {e}", dir.display()))?;
    }
    let model = &imported.model;
    model.save(
        &out,
        &ModelMeta {
            dataset: dataset.name.clone(),
            fingerprint: dataset.fingerprint(),
        },
    )?;
    println!("imported {}", imported.source);
    println!(
        "{} users × {} movies, {} factors; every user vector is the exact ALS user step from the item vectors and the likes (rating >= {DEFAULT_POSITIVE_THRESHOLD})",
        model.n_users(),
        model.n_items(),
        model.factors()
    );
    println!(
        "measured: the file's own user vectors score at most {:.3e} away from it (over {} users)",
        imported.max_score_difference, imported.measured_users
    );
    // One user's top-1, split into its exact per-like parts.
    let candidates = Candidates::served(&dataset);
    if let Some(u) = (0..dataset.n_users()).find(|&u| positives.by_user.row_len(u) > 0) {
        let mut scores = vec![0f32; model.n_items()];
        model.score_items(u as u32, &mut scores);
        if let Some(&(item, score)) = candidates.top_k(&scores, 1, Some(u as u32), &[]).first() {
            let history = positives.by_user.row(u);
            let parts = model.influences(history, &[], item);
            let sum: f64 = parts.per_item.iter().map(|p| f64::from(p.1)).sum::<f64>()
                + f64::from(parts.demographic);
            println!(
                "check: user {}'s top-1, {} (id {}), scores {score:.6}; its {} per-like parts sum to {sum:.6} (exact decomposition, Hu et al. 2008)",
                dataset.users.ids[u],
                dataset.items.titles[item as usize],
                dataset.items.ids[item as usize],
                parts.per_item.len()
            );
        }
    }
    println!(
        "wrote {} — open it with `whyrec --model-file {0}` or `whyrec recommend --model-file {0}` (same --dataset)",
        out.display()
    );
    Ok(())
}
