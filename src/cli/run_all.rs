//! `whyrec run-all`: the seed's one-command pipeline — download (if needed) → EDA → train (cached) →
//! ranking and rating evaluation → explanation reports → trust → fairness → parquet artifacts.
//! Every step is a command of its own; this file only chains them on one loaded dataset, with the
//! same defaults as the single commands, and says which step runs.
//!
//! The reports (`reports/*.json`) and artifacts (`models/*.parquet`) are byte-identical between two
//! runs with the same seed; wall-clock times go to `reports/timings.json`, the one file that differs.

use std::path::PathBuf;
use std::time::Instant;

use clap::{Args, FromArgMatches};
use color_eyre::eyre::{Result, WrapErr};

use super::data_cmds::{eda_on, open_dataset, EdaArgs};
use super::explain_cmds::{write_explain_reports, ExplainReportArgs};
use super::model_cmds::{eval_report, write_timings, EvalArgs, Task};
use super::settings_args::SettingsArgs;
use super::train_args::TrainArgs;
use super::trust_cmds::{fairness_on_dataset, trust_on_dataset, FairnessArgs, TrustArgs};
use super::GlobalArgs;
use crate::data::interactions::{Positives, DEFAULT_POSITIVE_THRESHOLD};
use crate::data::split::all_interactions;
use crate::data::Dataset;
use crate::engine::rating::{MfConfig, RatingSpec};
use crate::engine::Candidates;
use crate::explain::Explainer;
use crate::metrics::artifacts::{movie_map_frame, recommendations_frame, top_lists, write_parquet};

#[derive(Debug, Args)]
pub struct RunAllArgs {
    /// Seed of every random step: the splits, the models, the sampled explanations.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
    pub seed: u64,
    /// Ranking models of the evaluation step.
    #[arg(
        long,
        default_value = "popularity,hybrid-als,als,warp,bpr",
        value_delimiter = ','
    )]
    pub models: Vec<String>,
    /// Folder for the cached model and the parquet artifacts.
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Recommendations per user in recommendations.parquet.
    #[arg(long, default_value_t = 10, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000))]
    pub k: usize,
    #[command(flatten)]
    pub settings: SettingsArgs,
}

/// The defaults a subcommand's arguments take when given no flags.
fn defaults<T: Args + FromArgMatches>() -> Result<T> {
    let command = T::augment_args(clap::Command::new("whyrec"));
    let matches = command
        .try_get_matches_from(["whyrec"])
        .wrap_err("building default arguments")?;
    Ok(T::from_arg_matches(&matches)?)
}

/// Numbers the steps and times them.
struct Steps {
    total: usize,
    done: usize,
    clock: Instant,
}

impl Steps {
    fn next(&mut self, what: &str) {
        self.done += 1;
        eprintln!(
            "\n[{}/{}] {what} (at {:.1} s)",
            self.done,
            self.total,
            self.clock.elapsed().as_secs_f64()
        );
    }
}

pub fn run_all(global: &GlobalArgs, args: &RunAllArgs) -> Result<()> {
    let mut steps = Steps {
        total: 9,
        done: 0,
        clock: Instant::now(),
    };
    steps.next("data: resolve the folder, download if needed, load");
    let dataset = open_dataset(global)?;

    steps.next("exploratory summary → reports/eda.json");
    eda_on(&dataset, global, &EdaArgs::default())?;

    steps.next("hybrid-als on every like (cached in the models folder)");
    let train = TrainArgs {
        models_dir: args.models_dir.clone(),
        seed: args.seed,
        settings: args.settings.clone(),
        ..defaults::<TrainArgs>()?
    };
    let model = train.model(&dataset)?;

    steps.next("ranking evaluation, PROTOCOL.md holdout-20 → reports/metrics.json");
    let mut timings = Vec::new();
    for task in [Task::Ranking, Task::Rating] {
        if task == Task::Rating {
            steps.next("rating evaluation → reports/rating_metrics.json");
        }
        let eval = EvalArgs {
            task,
            models: args.models.clone(),
            seed: args.seed,
            settings: args.settings.clone(),
            ..defaults::<EvalArgs>()?
        };
        let (name, json, t) = eval_report(&dataset, &eval)?;
        let path = super::data_cmds::write_report(&global.reports_dir, name, &json)?;
        eprintln!("wrote {}", path.display());
        timings.push(t);
    }
    write_timings(&global.reports_dir, &timings)?;

    steps.next("explanations and what-ifs → reports/feature_explanations.json, counterfactual_explanations.json");
    let explainer = Explainer::from_dataset(model.clone(), &dataset)?;
    let explain = ExplainReportArgs {
        sample_seed: args.seed,
        full: 3,
        ..defaults::<ExplainReportArgs>()?
    };
    write_explain_reports(&explainer, &global.reports_dir, &explain)?;
    // Its likes, candidates and caches are not needed by the steps after (at ML-32M several
    // hundred MB): freed before trust, fairness and the artifacts allocate theirs.
    drop(explainer);

    steps.next("trust metrics and the accuracy–coverage knob → reports/trust_report.json");
    let trust = TrustArgs {
        seed: args.seed,
        settings: args.settings.clone(),
        ..defaults::<TrustArgs>()?
    };
    trust_on_dataset(&dataset, global, &trust)?;

    steps.next("fairness audit → reports/fairness_report.json");
    let fairness = FairnessArgs {
        seed: args.seed,
        settings: args.settings.clone(),
        ..defaults::<FairnessArgs>()?
    };
    fairness_on_dataset(&dataset, global, &fairness)?;

    steps.next("artifacts → recommendations.parquet, movie_map.parquet");
    write_artifacts(&dataset, &model, args)?;
    eprintln!(
        "\nrun-all done in {:.1} s: reports in {}, artifacts in {}",
        steps.clock.elapsed().as_secs_f64(),
        global.reports_dir.display(),
        args.models_dir.display()
    );
    Ok(())
}

/// Every user's top-k by hybrid-als with SVD++'s predicted rating (fit on every rating), and the
/// movie map.
fn write_artifacts(
    dataset: &Dataset,
    model: &crate::engine::AnyFactorModel,
    args: &RunAllArgs,
) -> Result<()> {
    let likes = Positives::from_dataset(dataset, DEFAULT_POSITIVE_THRESHOLD);
    let all = all_interactions(dataset);
    let rating = RatingSpec::Mf(MfConfig::svdpp()).fit(
        &all,
        dataset.n_users(),
        dataset.n_items(),
        args.seed,
    );
    let lists = top_lists(&Candidates::served(dataset), model, &likes, args.k);
    std::fs::create_dir_all(&args.models_dir)
        .wrap_err_with(|| format!("creating {}", args.models_dir.display()))?;
    let recs = args.models_dir.join("recommendations.parquet");
    write_parquet(
        &recs,
        &mut recommendations_frame(dataset, &lists, rating.as_ref())?,
    )?;
    eprintln!("wrote {}", recs.display());
    let map = args.models_dir.join("movie_map.parquet");
    write_parquet(&map, &mut movie_map_frame(dataset, &likes)?)?;
    eprintln!("wrote {}", map.display());
    Ok(())
}
