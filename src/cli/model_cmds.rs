//! Model commands: train (with the model cache in `models/`, see `sgd_cmds.rs`), eval (ranking and
//! rating protocols), recommend.

use std::path::{Path, PathBuf};

use clap::Args;
use color_eyre::eyre::{bail, eyre, Result};
use serde::Serialize;

use super::data_cmds::{open_dataset, write_report};
use super::settings_args::{PopulationArgs, SettingsArgs};
use super::train_args::{recommend_with, TrainArgs};
use super::GlobalArgs;
use crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
use crate::data::split::{self, Split};
use crate::data::Dataset;
use crate::engine::rank::{ListSource, Served};
use crate::engine::rating::RatingSpec;
use crate::engine::rating::{mean_rating, BiasBaseline, BiasConfig};
use crate::engine::{CandidateRule, Candidates, ModelSpec};
use crate::metrics::experiment::{run_ranking, Timings};
use crate::metrics::rating::{evaluate_splits_of, random_split_for};
use crate::metrics::sample::describe_splits;

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
    #[arg(long, default_value_t = 1, conflicts_with = "seeds", allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
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
    /// Candidate rule: `served` (PROTOCOL.md rule 4: every rated movie and its twins excluded) or
    /// `positives` (only train positives excluded, as numbers measured before rule 4).
    #[arg(long, value_enum, default_value = "served")]
    pub candidates: RuleArg,
    /// Also evaluate hybrid-als through the accuracy–coverage knob at this strength (0..=5; one
    /// more row, `hybrid-als knob t=T`, lists re-ranked by the knob's score).
    #[arg(long, value_parser = parse_strength, allow_hyphen_values = true)]
    pub knob: Option<f64>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    #[command(flatten)]
    pub population: PopulationArgs,
    /// Print JSON instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// A knob strength: a finite number in 0..=5.
fn parse_strength(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(t) if t.is_finite() && (0.0..=5.0).contains(&t) => Ok(t),
        _ => Err(format!(
            "{text:?} is not a knob strength: expected a number from 0 to 5"
        )),
    }
}

/// `--candidates` on the command line.
#[derive(Debug, Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum RuleArg {
    Served,
    Positives,
}

impl From<RuleArg> for CandidateRule {
    fn from(r: RuleArg) -> CandidateRule {
        match r {
            RuleArg::Served => CandidateRule::Served,
            RuleArg::Positives => CandidateRule::Positives,
        }
    }
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
            candidates: RuleArg::Served,
            knob: None,
            settings: SettingsArgs::default(),
            population: PopulationArgs::default(),
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
                .map(|n| ModelSpec::parse(n).map_err(|e| eyre!(e)))
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
            let rule = args.candidates.into();
            if args.knob.is_some() && !models.contains(&ModelSpec::HybridAls) {
                bail!("--knob re-ranks hybrid-als: include it in --models");
            }
            let settings = args.settings.settings(args.seed);
            let experiment = run_ranking(
                dataset,
                &splits,
                &models,
                &settings,
                rule,
                args.knob,
                args.population.population(),
                |what| eprintln!("training {what}"),
            )?;
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
                if let Some(n) = args.population.sample_users {
                    bail!(
                        "--sample-users {n}: ML-100K's rating task is its canonical folds u1..u5 \
                         of every user (PROTOCOL.md); a user sample applies to random 90/10 splits"
                    );
                }
                crate::metrics::rating::evaluate_ml100k_folds(dataset, &specs, args.seed)?
            } else {
                let population = args.population.population();
                let (splits, users): (Vec<Split>, Vec<_>) = seeds
                    .iter()
                    .map(|&s| random_split_for(dataset, s, population))
                    .unzip();
                evaluate_splits_of(dataset, &splits, users, &specs, args.seed)
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
    let mut s = format!("{} — rating task on {}\n\n", r.dataset, r.folds.join(", "));
    s.push_str(&describe_splits(
        &r.users,
        "Ratings of ",
        "Ratings of, split by split: ",
    ));
    s.push_str("| model |");
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

pub fn train(global: &GlobalArgs, args: &TrainArgs) -> Result<()> {
    args.model(&open_dataset(global)?)?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct RecommendArgs {
    /// The dataset's user id.
    #[arg(
        long,
        required_unless_present = "all",
        conflicts_with = "all",
        allow_hyphen_values = true,
        value_parser = parse_id
    )]
    pub user: Option<u32>,
    /// Every user's served list (with --json or --csv FILE for analysts).
    #[arg(long)]
    pub all: bool,
    /// Number of recommendations, 1..=10000 (larger than the catalog: the whole catalog).
    #[arg(long, default_value_t = 10, allow_hyphen_values = true, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub k: u32,
    #[arg(long)]
    pub json: bool,
    /// Write the lists as CSV to FILE (user_id,rank,movie_id,title,score,predicted_stars,source).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    #[command(flatten)]
    pub train: TrainArgs,
}

/// A dataset id: plain decimal digits only (`+4`, `-1`, `0x10` and spaces are refused).
pub fn parse_id(text: &str) -> std::result::Result<u32, String> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "{text:?} is not an id: expected decimal digits, e.g. 42"
        ));
    }
    text.parse()
        .map_err(|_| format!("{text} is out of range for an id (at most {})", u32::MAX))
}

#[derive(Debug, Serialize)]
struct Recommendation {
    user_id: u32,
    rank: usize,
    movie_id: u32,
    title: String,
    year: Option<u16>,
    genres: String,
    score: f32,
    /// Predicted stars on the dataset's scale (bias baseline μ + b_u + b_i, as the explorer's ★).
    predicted_stars: f32,
    /// `model`, or `popularity-fallback` for a user without likes.
    source: &'static str,
}

impl RecommendArgs {
    /// What the default pipeline runs: the top-10 of one user with the cached model.
    pub fn pipeline_default(user: u32) -> RecommendArgs {
        RecommendArgs {
            user: Some(user),
            all: false,
            k: 10,
            json: false,
            csv: None,
            train: TrainArgs {
                model: ModelSpec::HybridAls,
                models_dir: PathBuf::from("models"),
                force: false,
                model_file: None,
                seed: 1,
                settings: SettingsArgs::default(),
            },
        }
    }
}

pub fn recommend(global: &GlobalArgs, args: &RecommendArgs) -> Result<()> {
    recommend_on(&open_dataset(global)?, args)
}

/// `whyrec recommend` on a dataset already loaded: the served list of one user, or of every user
/// with `--all` (JSON on standard output, or CSV to a file written atomically).
pub fn recommend_on(dataset: &Dataset, args: &RecommendArgs) -> Result<()> {
    let users: Vec<u32> = match args.user {
        Some(id) => vec![dataset
            .user_index(id)
            .ok_or_else(|| eyre!("unknown user id {id} in {}", dataset.name))?],
        None => (0..dataset.n_users() as u32).collect(),
    };
    let model = args.train.model(dataset)?;
    // The served candidates and the star predictor share one ratings-by-user matrix (no copy of
    // the ratings as interactions: at ML-32M that copy and its two matrices were about 1 GB).
    let ratings = std::sync::Arc::new(dataset.ratings_by_user());
    let candidates = Candidates::served_of(dataset, &ratings);
    let stars = BiasBaseline::fit_by_user(
        mean_rating(&dataset.ratings.rating),
        &ratings,
        &BiasConfig::default(),
    );
    let k = args.k as usize;
    let served = recommend_with(&model, dataset, &candidates, &users, k);
    let lists: Vec<(u32, Served)> = users.into_iter().zip(served).collect();
    let recs: Vec<Recommendation> = lists
        .iter()
        .flat_map(|(u, served)| {
            let stars = &stars;
            served
                .items
                .iter()
                .enumerate()
                .map(move |(r, &(item, score))| Recommendation {
                    user_id: dataset.user_id(*u),
                    rank: r + 1,
                    movie_id: dataset.item_id(item),
                    title: dataset.items.titles[item as usize].clone(),
                    year: dataset.items.years[item as usize],
                    genres: dataset.genre_label(item),
                    score,
                    predicted_stars: dataset.scale.clip(stars.baseline(*u, item)),
                    source: served.source.tag(),
                })
        })
        .collect();
    if let Some(path) = &args.csv {
        split::write_atomically(path, |w| {
            writeln!(
                w,
                "user_id,rank,movie_id,title,score,predicted_stars,source"
            )?;
            for r in &recs {
                let title = r.title.replace('"', "\"\"");
                writeln!(
                    w,
                    "{},{},{},\"{title}\",{},{:.3},{}",
                    r.user_id, r.rank, r.movie_id, r.score, r.predicted_stars, r.source
                )?;
            }
            Ok(())
        })?;
        eprintln!("wrote {} rows to {}", recs.len(), path.display());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&recs)?);
    } else if args.csv.is_none() {
        let mut at = 0;
        for (u, served) in &lists {
            let n = served.items.len();
            println!(
                "Top {} for user {} of {} (protocol: served{}):",
                served.items.len(),
                dataset.user_id(*u),
                dataset.name,
                match served.source {
                    ListSource::Model => "",
                    ListSource::PopularityFallback =>
                        "; no likes: popularity fallback, not a personal recommendation",
                }
            );
            for r in &recs[at..at + n] {
                println!(
                    "{:>3}. {:<60} {:<30} {:.3}  ★{:.1}",
                    r.rank, r.title, r.genres, r.score, r.predicted_stars
                );
            }
            at += n;
        }
    }
    Ok(())
}
