//! Which model a command uses (`--model hybrid-als|als|warp|bpr`, see `engine::spec`) and the model cache behind every
//! command: [`cached_model`] loads `models/<dataset>-<model>.whyrec` when the data and the
//! settings match, otherwise trains (with a progress bar) and saves it; [`with_explainer`] runs an
//! explain command with the explainer of the chosen model.

use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use color_eyre::eyre::{Result, WrapErr};

use super::data_cmds::open_dataset;
use super::model_cmds::TrainArgs;
use super::GlobalArgs;
use crate::data::interactions::{Positives, DEFAULT_POSITIVE_THRESHOLD};
use crate::data::Dataset;
use crate::engine::cache::{self, Cached};
use crate::engine::rank::Served;
use crate::engine::{
    AlsConfig, Candidates, Family, HybridModel, ModelSpec, Scorer, Settings, SgdConfig, SgdModel,
    Trainable,
};
use crate::explain::Explainer;

impl TrainArgs {
    /// What `--seed`, `--factors`, `--iterations`, `--converge` and `--no-features` ask of any model.
    pub(crate) fn settings(&self) -> Settings {
        self.settings.settings(self.seed)
    }

    /// The ALS settings these flags ask for (`hybrid-als`, or `als` with `--model als`).
    pub(crate) fn config(&self) -> AlsConfig {
        let spec = match self.model.family() {
            Family::Als => self.model,
            _ => ModelSpec::HybridAls,
        };
        spec.als_config(&self.settings())
    }

    /// The `warp`/`bpr` settings these flags ask for.
    pub(crate) fn sgd_config(&self) -> SgdConfig {
        self.model.sgd_config(&self.settings())
    }

    /// The chosen model, trained or loaded from the cache, as a scorer of training users.
    pub(crate) fn scorer(&self, dataset: &Dataset) -> Result<Box<dyn Scorer>> {
        Ok(match self.model.family() {
            Family::Sgd => Box::new(cached_model::<SgdModel>(
                dataset,
                &self.models_dir,
                &self.sgd_config(),
                self.force,
            )?),
            Family::Als | Family::Popularity => Box::new(cached_model::<HybridModel>(
                dataset,
                &self.models_dir,
                &self.config(),
                self.force,
            )?),
        })
    }
}

/// The served top `k` of training users by any scorer (likes and popularity counted once) (`engine::rank`: no rated movie, no twin of
/// one, no title twice; the popularity fallback for a user without likes).
pub(crate) fn recommend_with(
    scorer: &dyn Scorer,
    dataset: &Dataset,
    candidates: &Candidates,
    users: &[u32],
    k: usize,
) -> Vec<Served> {
    let likes = Positives::from_dataset(dataset, DEFAULT_POSITIVE_THRESHOLD);
    let popularity = crate::metrics::artifacts::popularity_of(&likes);
    users
        .iter()
        .map(|&u| {
            let n_likes = likes.by_user.row_len(u as usize);
            candidates.serve(scorer, u, n_likes, &popularity, k)
        })
        .collect()
}

/// Loads the cached model when its data fingerprint and settings match; otherwise trains on every
/// positive of the dataset and saves it. Says which happened and why.
pub fn cached_model<M: Trainable>(
    dataset: &Dataset,
    models_dir: &Path,
    config: &M::Config,
    force: bool,
) -> Result<M> {
    let path = cache::path_for::<M>(models_dir, dataset, config);
    let name = M::spec_of(config).name();
    if !force {
        match cache::load_cached::<M>(&path, dataset, config) {
            Cached::Fresh(model) => {
                eprintln!("using {} (same data and settings)", path.display());
                return Ok(*model);
            }
            Cached::Stale(why) => eprintln!(
                "{} was trained differently or is unusable ({why}): retraining",
                path.display()
            ),
            Cached::Missing => {}
        }
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "training {name} {{bar:30}} sweep {{pos}}/{{len}} {{msg}}"
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let start = Instant::now();
    let model = cache::fit_and_save::<M>(
        dataset,
        &path,
        config,
        &mut |p| {
            bar.set_length(p.sweeps as u64);
            bar.set_position(p.sweep as u64);
            bar.set_message(format!("objective {:.4}", p.objective));
        },
        &AtomicBool::new(false),
    )
    .wrap_err_with(|| format!("training and saving {}", path.display()))?;
    bar.finish_and_clear();
    eprintln!(
        "trained {name} in {:.2} s and saved {}",
        start.elapsed().as_secs_f64(),
        path.display()
    );
    Ok(model)
}

/// The note the explain commands print for SGD models: their users are refolds.
pub(crate) fn refold_note(model: ModelSpec) -> Option<String> {
    if model.family() != Family::Sgd {
        return None;
    }
    let name = model.name();
    Some(format!(
        "({name}: the user is refolded, an SGD fold-in of their likes against the trained items, so \
         this list can differ from `whyrec recommend --model {name}`, which scores the trained row)"
    ))
}

/// The explainer of the cached model `M` of the dataset.
fn explainer<M: Trainable>(
    dataset: &Dataset,
    train: &TrainArgs,
    config: &M::Config,
) -> Result<Explainer<M>> {
    let model = cached_model::<M>(dataset, &train.models_dir, config, train.force)?;
    Ok(Explainer::from_dataset(model, dataset)?)
}

/// A command that runs with the explainer of whichever model `--model` chooses.
pub(crate) trait ExplainCommand {
    fn run<M: Trainable>(&self, dataset: &Dataset, e: &Explainer<M>) -> Result<()>;
}

/// Opens the dataset and runs `command` with the explainer of the model `train.model` chooses.
pub(crate) fn with_explainer(
    global: &GlobalArgs,
    train: &TrainArgs,
    command: &impl ExplainCommand,
) -> Result<()> {
    let dataset = open_dataset(global)?;
    match train.model.family() {
        Family::Sgd => {
            let e = explainer::<SgdModel>(&dataset, train, &train.sgd_config())?;
            command.run(&dataset, &e)
        }
        Family::Als | Family::Popularity => {
            let e = explainer::<HybridModel>(&dataset, train, &train.config())?;
            command.run(&dataset, &e)
        }
    }
}
