//! Model commands: train (with the model cache in `models/`, see `sgd_cmds.rs`), eval (ranking and
//! rating protocols), recommend.

use std::path::{Path, PathBuf};

use clap::Args;
use color_eyre::eyre::{eyre, Result};
use serde::Serialize;

use super::data_cmds::{open_dataset, write_report};
use super::sgd_cmds::{cached_model, recommend_with, ModelChoice};
use super::GlobalArgs;
use crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
use crate::data::split::{self, Split};
use crate::data::Dataset;
use crate::engine::lineup::RankingModel;
use crate::engine::rating::RatingSpec;
use crate::engine::{AlsConfig, HybridModel};
use crate::metrics::experiment::{run_ranking, Timings};

/// Parses `1-5` or `1,2,7` into seeds.
pub fn parse_seeds(text: &str) -> Result<Vec<u64>> {
    let bad = || eyre!("--seeds {text:?}: expected a range like 1-5 or a list like 1,2,3");
    if let Some((a, b)) = text.split_once('-') {
        let (a, b): (u64, u64) = (
            a.trim().parse().map_err(|_| bad())?,
            b.trim().parse().map_err(|_| bad())?,
        );
        if a > b || b - a > 100 {
            return Err(bad());
        }
        return Ok((a..=b).collect());
    }
    text.split(',')
        .map(|s| s.trim().parse().map_err(|_| bad()))
        .collect()
}

/// Which protocol task `whyrec eval` runs.
#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum Task {
    /// Implicit feedback: holdout-20 (or split files), P@10, R@10, NDCG@10, MAP@10, AUC, coverage, novelty, ILD.
    Ranking,
    /// Explicit ratings: ML-100K folds u1..u5 (else random 90/10), RMSE and MAE beside the global mean.
    Rating,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[arg(long, value_enum, default_value = "ranking")]
    pub task: Task,
    /// Comma-separated ranking models (popularity, hybrid-als, als, warp, bpr).
    #[arg(
        long,
        default_value = "popularity,hybrid-als,als",
        value_delimiter = ','
    )]
    pub models: Vec<String>,
    /// Seed of the holdout-20 split (and of the models).
    #[arg(long, default_value_t = 1, conflicts_with = "seeds")]
    pub seed: u64,
    /// Several seeds, e.g. 1-5 or 1,2,3: metrics are averaged over them.
    #[arg(long)]
    pub seeds: Option<String>,
    /// Train split file (with --test): the files rule instead of holdout-20.
    #[arg(long, requires = "test")]
    pub train: Option<PathBuf>,
    /// Test split file (with --train).
    #[arg(long, requires = "train")]
    pub test: Option<PathBuf>,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

impl EvalArgs {
    /// What the default pipeline runs: ranking task, popularity and hybrid-als, seed 1.
    pub fn pipeline_default() -> EvalArgs {
        EvalArgs {
            task: Task::Ranking,
            models: vec!["popularity".into(), "hybrid-als".into()],
            seed: 1,
            seeds: None,
            train: None,
            test: None,
            json: false,
        }
    }
}

pub fn eval(global: &GlobalArgs, args: &EvalArgs) -> Result<()> {
    eval_on(&open_dataset(global)?, global, args)
}

/// `whyrec eval` on a dataset already loaded.
pub fn eval_on(dataset: &Dataset, global: &GlobalArgs, args: &EvalArgs) -> Result<()> {
    let (name, json, timings) = eval_report(dataset, args)?;
    if args.json {
        println!("{json}");
    }
    let path = write_report(&global.reports_dir, name, &json)?;
    eprintln!("wrote {}", path.display());
    write_timings(&global.reports_dir, &[timings])?;
    Ok(())
}

/// Runs `whyrec eval`'s task: the report's file name (`metrics.json` for ranking,
/// `rating_metrics.json` for rating), its JSON (the same seed gives the same bytes) and the fit
/// times that stay out of it. Prints the table unless `args.json`.
pub fn eval_report(dataset: &Dataset, args: &EvalArgs) -> Result<(&'static str, String, Timings)> {
    let seeds = match &args.seeds {
        Some(text) => parse_seeds(text)?,
        None => vec![args.seed],
    };
    Ok(match args.task {
        Task::Ranking => {
            let models = args
                .models
                .iter()
                .map(|n| {
                    RankingModel::from_name(n.trim()).ok_or_else(|| {
                        eyre!(
                            "unknown model {n:?}: expected one of {}",
                            RankingModel::names()
                        )
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let splits: Vec<(u64, Split)> = match (&args.train, &args.test) {
                (Some(train), Some(test)) => {
                    vec![(args.seed, Split::import_files(dataset, train, test)?)]
                }
                _ => seeds
                    .iter()
                    .map(|&s| (s, split::holdout(dataset, s, DEFAULT_POSITIVE_THRESHOLD)))
                    .collect(),
            };
            let experiment = run_ranking(dataset, &splits, &models, |what| {
                eprintln!("training {what}")
            })?;
            if !args.json {
                print!("{}", experiment.table());
            }
            let name = "metrics.json";
            (
                name,
                serde_json::to_string_pretty(&experiment)?,
                experiment.timings(name),
            )
        }
        Task::Rating => {
            let specs = RatingSpec::all_defaults();
            let report = if dataset.name == "ml-100k" {
                crate::metrics::rating::evaluate_ml100k_folds(dataset, &specs, args.seed)?
            } else {
                let splits: Vec<Split> = seeds
                    .iter()
                    .map(|&s| split::random_ratings(dataset, s))
                    .collect();
                crate::metrics::rating::evaluate_splits(dataset, &splits, &specs, args.seed)
            };
            if !args.json {
                print!("{}", rating_table(&report));
            }
            let name = "rating_metrics.json";
            let json = serde_json::to_string_pretty(&RatingTaskReport {
                task: "rating",
                report: &report,
            })?;
            (name, json, report.timings(name))
        }
    })
}

/// Writes `reports/timings.json`: the wall-clock times kept out of the reports.
pub fn write_timings(dir: &Path, timings: &[Timings]) -> Result<()> {
    let path = write_report(dir, "timings.json", &serde_json::to_string_pretty(timings)?)?;
    eprintln!("wrote {} (fit times)", path.display());
    Ok(())
}

#[derive(Serialize)]
struct RatingTaskReport<'a> {
    task: &'static str,
    #[serde(flatten)]
    report: &'a crate::metrics::rating::FoldsReport,
}

fn rating_table(r: &crate::metrics::rating::FoldsReport) -> String {
    let mut s = format!(
        "{} — rating task on {}\n\n| model |",
        r.dataset,
        r.folds.join(", ")
    );
    for f in &r.folds {
        s.push_str(&format!(" {} RMSE |", f.split(' ').next().unwrap_or(f)));
    }
    s.push_str(" mean RMSE | mean MAE | fit s |\n|---|");
    s.push_str(&"---|".repeat(r.folds.len() + 3));
    s.push('\n');
    for m in &r.models {
        s.push_str(&format!("| {} |", m.model));
        for f in &m.folds {
            s.push_str(&format!(" {:.4} |", f.rmse));
        }
        s.push_str(&format!(
            " {:.4} | {:.4} | {:.2} |\n",
            m.mean_rmse, m.mean_mae, m.mean_fit_seconds
        ));
    }
    s
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Which model to train (or load from the models folder) and use.
    #[arg(long, value_enum, default_value = "hybrid-als")]
    pub model: ModelChoice,
    /// Folder for model files.
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Retrain even when a matching model file exists.
    #[arg(long)]
    pub force: bool,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Embedding dimension.
    #[arg(long)]
    pub factors: Option<usize>,
    /// Training sweeps (hybrid-als) or epochs (warp, bpr).
    #[arg(long)]
    pub iterations: Option<usize>,
    /// Switch genre and demographic features off (pure collaborative filtering).
    #[arg(long)]
    pub no_features: bool,
}

impl TrainArgs {
    /// The hybrid-als settings these flags ask for.
    pub(crate) fn config(&self) -> AlsConfig {
        let d = AlsConfig::default();
        AlsConfig {
            seed: self.seed,
            factors: self.factors.unwrap_or(d.factors),
            iterations: self.iterations.unwrap_or(d.iterations),
            item_features: !self.no_features,
            user_features: !self.no_features,
            ..d
        }
    }
}

/// The cached hybrid-als model of the dataset, trained and saved when missing or stale (see
/// [`cached_model`]).
pub fn trained_model(
    dataset: &Dataset,
    models_dir: &Path,
    config: &AlsConfig,
    force: bool,
) -> Result<HybridModel> {
    cached_model::<HybridModel>(dataset, models_dir, config, force)
}

pub fn train(global: &GlobalArgs, args: &TrainArgs) -> Result<()> {
    args.scorer(&open_dataset(global)?)?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The dataset's user id.
    #[arg(long)]
    pub user: u32,
    /// Number of recommendations (larger than the catalog: the whole catalog).
    #[arg(long, default_value_t = 10)]
    pub k: usize,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub train: TrainArgs,
}

#[derive(Debug, Serialize)]
struct Recommendation {
    rank: usize,
    movie_id: u32,
    title: String,
    year: Option<u16>,
    genres: String,
    score: f32,
}

impl RecommendArgs {
    /// What the default pipeline runs: the top-10 of one user with the cached model.
    pub fn pipeline_default(user: u32) -> RecommendArgs {
        RecommendArgs {
            user,
            k: 10,
            json: false,
            train: TrainArgs {
                model: ModelChoice::HybridAls,
                models_dir: PathBuf::from("models"),
                force: false,
                seed: 1,
                factors: None,
                iterations: None,
                no_features: false,
            },
        }
    }
}

pub fn recommend(global: &GlobalArgs, args: &RecommendArgs) -> Result<()> {
    recommend_on(&open_dataset(global)?, args)
}

/// `whyrec recommend` on a dataset already loaded.
pub fn recommend_on(dataset: &Dataset, args: &RecommendArgs) -> Result<()> {
    let user = dataset
        .user_index(args.user)
        .ok_or_else(|| eyre!("unknown user id {} in {}", args.user, dataset.name))?;
    let scorer = args.train.scorer(dataset)?;
    let recs: Vec<Recommendation> = recommend_with(scorer.as_ref(), dataset, user, args.k)
        .into_iter()
        .enumerate()
        .map(|(r, (item, score))| Recommendation {
            rank: r + 1,
            movie_id: dataset.item_id(item),
            title: dataset.items.titles[item as usize].clone(),
            year: dataset.items.years[item as usize],
            genres: dataset.genre_label(item),
            score,
        })
        .collect();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&recs)?);
    } else {
        println!(
            "Top {} for user {} of {}:",
            recs.len(),
            args.user,
            dataset.name
        );
        for r in &recs {
            println!(
                "{:>3}. {:<60} {:<30} {:.3}",
                r.rank, r.title, r.genres, r.score
            );
        }
    }
    Ok(())
}
