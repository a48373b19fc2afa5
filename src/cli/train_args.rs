//! Which model a command uses (`--model hybrid-als|als|warp|bpr`, see `engine::spec`) and with
//! which settings ([`TrainArgs`]), got through the service layer's model cache
//! (`workspace::load_or_train`: `models/<dataset>-<model>.whyrec` reused when the data and the
//! settings match, otherwise trained with a progress bar and saved); [`with_explainer`] runs an
//! explain command with the explainer of the chosen model.

use std::path::PathBuf;

use clap::Args;
use color_eyre::eyre::Result;

use super::data_cmds::open_dataset;
use super::settings_args::SettingsArgs;
use super::terminal::{cli_error, Terminal};
use super::GlobalArgs;
use crate::data::interactions::{Positives, DEFAULT_POSITIVE_THRESHOLD};
use crate::data::Dataset;
use crate::engine::rank::Served;
use crate::engine::{AnyFactorModel, Candidates, Family, ModelSpec, Scorer, Settings};
use crate::explain::Explainer;
use crate::workspace::{self, ModelRequest};

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Which model to train (or load from the models folder) and use: hybrid-als, als, warp, bpr.
    #[arg(long, default_value = "hybrid-als", value_parser = ModelSpec::parse_factor)]
    pub model: ModelSpec,
    /// Folder for model files.
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Retrain even when a matching model file exists.
    #[arg(long)]
    pub force: bool,
    /// Use this model file (e.g. one `whyrec import` wrote) instead of `--model`'s.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["model", "force"])]
    pub model_file: Option<PathBuf>,
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
    pub seed: u64,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

impl TrainArgs {
    /// What `--seed`, `--factors`, `--iterations`, `--converge` and `--no-features` ask of any model.
    pub(crate) fn settings(&self) -> Settings {
        self.settings.settings(self.seed)
    }

    /// The chosen model of the dataset, from the cache or trained and saved.
    pub(crate) fn model(&self, dataset: &Dataset) -> Result<AnyFactorModel> {
        let request = ModelRequest {
            spec: self.model,
            settings: self.settings(),
            models_dir: Some(&self.models_dir),
            force: self.force,
            file: self.model_file.as_deref(),
        };
        workspace::load_or_train_factor(dataset, &request, &Terminal::default()).map_err(cli_error)
    }
}

/// The served top `k` of training users by any scorer (likes and popularity counted once)
/// (`engine::rank`: no rated movie, no twin of one, no title twice; the popularity fallback for a
/// user without likes).
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

/// A command that runs with the explainer of whichever model `--model` chooses.
pub(crate) trait ExplainCommand {
    fn run(&self, dataset: &Dataset, e: &Explainer<AnyFactorModel>) -> Result<()>;
}

/// Opens the dataset and runs `command` with the explainer of the model `train.model` chooses.
pub(crate) fn with_explainer(
    global: &GlobalArgs,
    train: &TrainArgs,
    command: &impl ExplainCommand,
) -> Result<()> {
    let dataset = open_dataset(global)?;
    let e = Explainer::from_dataset(train.model(&dataset)?, &dataset)?;
    command.run(&dataset, &e)
}
