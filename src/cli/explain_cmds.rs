//! Explain commands: `explain` (why this movie: attribution, like influences, minimal
//! counterfactual set), `whatif` (instant refold, incremental or full retrain, fidelity; in
//! `whatif_cmds.rs`) and `explain-report` (the two JSON reports). Ids are the dataset's own; the model is the cached one
//! of `whyrec train` (`--model hybrid-als|warp|bpr`; reports default to hybrid-als as well).
//! Printing only: the answers come from [`crate::explain`].

use clap::Args;
use color_eyre::eyre::Result;
use serde::Serialize;

use super::terminal::cli_error;
use super::train_args::TrainArgs;
use super::train_args::{refold_note, with_explainer, ExplainCommand};
pub use super::whatif_cmds::{whatif, WhatIfArgs};
use super::GlobalArgs;
use crate::data::Dataset;
use crate::engine::{AnyFactorModel, Trainable};
use crate::explain::reports::{
    counterfactual_report, feature_report, NamedItem, ReportOptions, COUNTERFACTUAL_REPORT_FILE,
    FEATURE_REPORT_FILE,
};
use crate::explain::{
    CounterfactualSet, Explainer, Explanation, ListSource, SearchOptions, SetGuarantee,
};
use crate::workspace::write_json;

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The dataset's user id.
    #[arg(long, allow_hyphen_values = true, value_parser = super::model_cmds::parse_id)]
    pub user: u32,
    /// The dataset's movie id (default: the user's first recommendation).
    #[arg(long, allow_hyphen_values = true, value_parser = super::model_cmds::parse_id)]
    pub item: Option<u32>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub train: TrainArgs,
}

#[derive(Debug, Args)]
pub struct ExplainReportArgs {
    /// Seed of the sampled users and likes.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
    pub sample_seed: u64,
    /// Users in feature_explanations.json.
    #[arg(long, default_value_t = 20, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
    pub users: usize,
    /// What-ifs in counterfactual_explanations.json.
    #[arg(long, default_value_t = 20, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
    pub whatifs: usize,
    /// How many what-ifs also get a full retrain (one training each).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=10_000))]
    pub full: usize,
    #[command(flatten)]
    pub train: TrainArgs,
}
#[derive(Serialize)]
struct ExplainJson<'a> {
    explanation: &'a Explanation,
    /// Movie id and title of every dense item index the explanation mentions.
    items: Vec<NamedItem>,
    minimal_set: Option<&'a CounterfactualSet>,
}

pub fn explain(global: &GlobalArgs, args: &ExplainArgs) -> Result<()> {
    with_explainer(global, &args.train, args)
}

impl ExplainCommand for ExplainArgs {
    fn run(&self, _: &Dataset, e: &Explainer<AnyFactorModel>) -> Result<()> {
        explain_with(e, self)
    }
}

fn explain_with<M: Trainable>(e: &Explainer<M>, args: &ExplainArgs) -> Result<()> {
    let user = e.catalog().user_index(args.user)?;
    let top = e.recommend(user)?;
    let item = match args.item {
        Some(id) => e.catalog().item_index(id)?,
        None => top.items[0].item,
    };
    let x = e.explain(user, item)?;
    let minimal = match top.contains(item) && top.source == ListSource::Model {
        true => Some(e.minimal_counterfactual(user, item, &SearchOptions::default())?),
        false => None,
    };
    if args.json {
        let mut items: Vec<u32> = x.influence.likes.iter().map(|l| l.like).collect();
        items.push(item);
        if let Some(m) = &minimal {
            items.extend(m.removed.iter().chain(&m.replacement));
        }
        items.sort_unstable();
        items.dedup();
        let json = ExplainJson {
            explanation: &x,
            items: items.into_iter().map(|i| e.named(i)).collect(),
            minimal_set: minimal.as_ref(),
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    let title = |i: u32| e.catalog().title(i).to_string();
    let rank = x
        .influence
        .rank
        .map_or("one of the user's likes".into(), |r| format!("rank {r}"));
    println!(
        "User {} — {} (movie {}), {rank}, score {:.4}{}\n",
        args.user,
        x.title,
        x.movie_id,
        x.attribution.score,
        if top.source == ListSource::PopularityFallback {
            " (the user has no likes: their list is the popularity fallback)"
        } else {
            ""
        }
    );
    if let Some(note) = refold_note(args.train.model) {
        println!("{note}\n");
    }
    println!("{}\n", x.influence.sentence);
    println!(
        "Why this score: named parts (they sum to {:.4})",
        x.attribution.sum()
    );
    for p in &x.attribution.parts {
        println!("  {:+.4}  {:>6.1}%  {}", p.value, 100.0 * p.share, p.name);
    }
    println!(
        "\nWhich likes mattered, largest measured drop first (drop = the score minus the score of \
         the user refolded without that like; share = its exact additive part, {}; the parts and \
         the demographic prior sum to the score, the drops need not):",
        x.influence.method
    );
    println!("     drop     share  share%  like");
    for (n, l) in x.influence.likes.iter().take(10).enumerate() {
        let measured = x.influence.measured.get(n).map_or(String::new(), |m| {
            let rank = m.new_rank.map_or("-".into(), |r| r.to_string());
            format!("  → without it: score {:.4}, rank {rank}", m.new_score)
        });
        println!(
            "  {:+.4}  {:+.4}  {:>6.1}%  {}{measured}",
            l.drop,
            l.value,
            100.0 * l.share,
            title(l.like)
        );
    }
    if x.influence.likes.len() > 10 {
        println!("  … and {} more likes", x.influence.likes.len() - 10);
    }
    if x.influence.demographic != 0.0 {
        println!("  {:+.4}  demographic prior", x.influence.demographic);
    }
    if x.influence.bias != 0.0 {
        println!("  {:+.4}  item bias (no like changes it)", x.influence.bias);
    }
    if let Some(m) = &minimal {
        println!(
            "\nMinimal counterfactual set ({}): {}",
            guarantee(&m.guarantee),
            m.sentence
        );
    }
    Ok(())
}

fn guarantee(g: &SetGuarantee) -> String {
    match g {
        SetGuarantee::Smallest => "a smallest set".into(),
        SetGuarantee::NoSingleAmongTop { candidates } => {
            format!("no single like among the {candidates} most influential works")
        }
        SetGuarantee::Irreducible { candidates } => format!(
            "irreducible; no single like or pair among the {candidates} most influential works"
        ),
        SetGuarantee::NotFound { max_size } => format!("none within {max_size} likes"),
    }
}
pub fn explain_report(global: &GlobalArgs, args: &ExplainReportArgs) -> Result<()> {
    with_explainer(global, &args.train, &Report { global, args })
}

struct Report<'a> {
    global: &'a GlobalArgs,
    args: &'a ExplainReportArgs,
}

impl ExplainCommand for Report<'_> {
    fn run(&self, _: &Dataset, e: &Explainer<AnyFactorModel>) -> Result<()> {
        write_explain_reports(e, &self.global.reports_dir, self.args)
    }
}

/// Builds and writes `feature_explanations.json` and `counterfactual_explanations.json` into
/// `reports_dir` for an explainer already made (what `whyrec run-all` calls).
pub fn write_explain_reports<M: Trainable>(
    e: &Explainer<M>,
    reports_dir: &std::path::Path,
    args: &ExplainReportArgs,
) -> Result<()> {
    let options = ReportOptions {
        seed: args.sample_seed,
        users: args.users,
        whatifs: args.whatifs,
        full_retrains: args.full,
        ..ReportOptions::default()
    };
    fn tell(what: &'static str) -> impl FnMut(usize, usize) {
        move |done, total| eprint!("\r{what} {done}/{total}")
    }
    let features = feature_report(e, &options, &mut tell("feature explanations"))?;
    eprintln!();
    let counterfactuals = counterfactual_report(e, &options, &mut tell("what-ifs"))?;
    eprintln!();
    for (name, result) in [
        (
            FEATURE_REPORT_FILE,
            write_json(&reports_dir.join(FEATURE_REPORT_FILE), &features),
        ),
        (
            COUNTERFACTUAL_REPORT_FILE,
            write_json(
                &reports_dir.join(COUNTERFACTUAL_REPORT_FILE),
                &counterfactuals,
            ),
        ),
    ] {
        result.map_err(cli_error)?;
        eprintln!("wrote {}", reports_dir.join(name).display());
    }
    let s = &counterfactuals.summary;
    println!(
        "{} what-ifs: instant vs incremental top-10 share >= 9 items in {:.0}% (mean overlap {:.2}, tau-b {:.3})",
        s.whatifs,
        100.0 * s.incremental_overlap_at_least_k_minus_1,
        s.incremental_mean_overlap,
        s.incremental_mean_kendall_tau
    );
    Ok(())
}
