//! Explain commands: `explain` (why this movie: attribution, like influences, minimal
//! counterfactual set), `whatif` (instant refold, incremental or full retrain, fidelity) and
//! `explain-report` (the two JSON reports). Ids are the dataset's own; the model is the cached one
//! of `whyrec train`. Printing only: the answers come from [`crate::explain`].

use std::sync::atomic::AtomicBool;

use clap::{Args, ValueEnum};
use color_eyre::eyre::Result;
use serde::Serialize;

use super::data_cmds::open_dataset;
use super::model_cmds::{trained_model, TrainArgs};
use super::GlobalArgs;
use crate::data::Dataset;
use crate::engine::TrainProgress;
use crate::explain::reports::{
    counterfactual_report, feature_report, write_report, NamedItem, ReportOptions,
    COUNTERFACTUAL_REPORT_FILE, FEATURE_REPORT_FILE,
};
use crate::explain::{
    CounterfactualSet, Explainer, Explanation, Fidelity, ListSource, Retrained, SearchOptions,
    SetGuarantee, TopList, WhatIf, WhatIfOutcome, DEFAULT_INCREMENTAL_SWEEPS,
};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The dataset's user id.
    #[arg(long)]
    pub user: u32,
    /// The dataset's movie id (default: the user's first recommendation).
    #[arg(long)]
    pub item: Option<u32>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub train: TrainArgs,
}

/// Which retraining `whyrec whatif` adds to the instant answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RetrainChoice {
    /// Only the instant refold (the model fixed).
    None,
    /// Also a warm-started retrain of a few sweeps on the changed data.
    Incremental,
    /// Also the incremental one and a full retrain from scratch (one complete training).
    Full,
}

#[derive(Debug, Args)]
pub struct WhatIfArgs {
    /// The dataset's user id.
    #[arg(long)]
    pub user: u32,
    /// Liked movie ids to remove, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub without: Vec<u32>,
    /// Movie ids to add as likes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub add: Vec<u32>,
    #[arg(long, value_enum, default_value = "none")]
    pub retrain: RetrainChoice,
    /// Sweeps of the incremental retrain.
    #[arg(long, default_value_t = DEFAULT_INCREMENTAL_SWEEPS)]
    pub sweeps: usize,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub train: TrainArgs,
}

#[derive(Debug, Args)]
pub struct ExplainReportArgs {
    /// Seed of the sampled users and likes.
    #[arg(long, default_value_t = 1)]
    pub sample_seed: u64,
    /// Users in feature_explanations.json.
    #[arg(long, default_value_t = 20)]
    pub users: usize,
    /// What-ifs in counterfactual_explanations.json.
    #[arg(long, default_value_t = 20)]
    pub whatifs: usize,
    /// How many what-ifs also get a full retrain (one training each).
    #[arg(long, default_value_t = 0)]
    pub full: usize,
    #[command(flatten)]
    pub train: TrainArgs,
}

fn explainer(global: &GlobalArgs, train: &TrainArgs) -> Result<(Dataset, Explainer)> {
    let dataset = open_dataset(global)?;
    let model = trained_model(&dataset, &train.models_dir, &train.config(), train.force)?;
    let e = Explainer::from_dataset(model, &dataset)?;
    Ok((dataset, e))
}

#[derive(Serialize)]
struct ExplainJson<'a> {
    explanation: &'a Explanation,
    /// Movie id and title of every dense item index the explanation mentions.
    items: Vec<NamedItem>,
    minimal_set: Option<&'a CounterfactualSet>,
}

pub fn explain(global: &GlobalArgs, args: &ExplainArgs) -> Result<()> {
    let (_, e) = explainer(global, &args.train)?;
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
    println!("{}\n", x.influence.sentence);
    println!(
        "Why this score: named parts (they sum to {:.4})",
        x.attribution.sum()
    );
    for p in &x.attribution.parts {
        println!("  {:+.4}  {:>6.1}%  {}", p.value, 100.0 * p.share, p.name);
    }
    println!(
        "\nWhich likes mattered ({}; the top {} measured by refolding without them):",
        x.influence.method,
        x.influence.measured.len()
    );
    for (n, l) in x.influence.likes.iter().take(10).enumerate() {
        let measured = x.influence.measured.get(n).map_or(String::new(), |m| {
            let rank = m.new_rank.map_or("-".into(), |r| r.to_string());
            format!("  → without it: score {:.4}, rank {rank}", m.new_score)
        });
        println!(
            "  {:+.4}  {:>6.1}%  {}{measured}",
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

#[derive(Serialize)]
struct WhatIfJson<'a> {
    dataset: &'a str,
    user_id: u32,
    instant: &'a WhatIfOutcome,
    incremental: Option<&'a Retrained>,
    full: Option<&'a Retrained>,
    fidelity: Option<Fidelity>,
    /// Movie id and title of every dense item index the answers mention.
    items: Vec<NamedItem>,
}

pub fn whatif(global: &GlobalArgs, args: &WhatIfArgs) -> Result<()> {
    let (dataset, e) = explainer(global, &args.train)?;
    let c = e.catalog();
    let user = c.user_index(args.user)?;
    let ids = |v: &[u32]| {
        v.iter()
            .map(|&id| c.item_index(id))
            .collect::<Result<Vec<_>, _>>()
    };
    let w = WhatIf::without(user, ids(&args.without)?).adding(ids(&args.add)?);
    let instant = e.what_if(&w)?;
    let never = AtomicBool::new(false);
    let incremental = match args.retrain {
        RetrainChoice::None => None,
        _ => {
            let mut bar = progress_bar("incremental retrain", args.sweeps);
            Some(e.retrain_incremental(&w, args.sweeps, &mut bar, &never)?)
        }
    };
    let full = match args.retrain {
        RetrainChoice::Full => {
            let mut bar = progress_bar("full retrain", e.model().config().iterations);
            Some(e.retrain_full(&w, &mut bar, &never)?)
        }
        _ => None,
    };
    let lists = |r: &Option<Retrained>| r.as_ref().map(|r| r.outcome.after.clone());
    let (b, f) = (lists(&incremental), lists(&full));
    let fidelity = (args.retrain != RetrainChoice::None)
        .then(|| Fidelity::between(&instant.after, b.as_ref(), f.as_ref()));
    if args.json {
        let mut items: Vec<u32> = [&instant.before, &instant.after]
            .into_iter()
            .chain(b.iter())
            .chain(f.iter())
            .flat_map(TopList::item_ids)
            .chain(w.remove.iter().chain(&w.add).copied())
            .collect();
        items.sort_unstable();
        items.dedup();
        let json = WhatIfJson {
            dataset: &dataset.name,
            user_id: args.user,
            instant: &instant,
            incremental: incremental.as_ref(),
            full: full.as_ref(),
            fidelity,
            items: items.into_iter().map(|i| e.named(i)).collect(),
        };
        println!("{}", serde_json::to_string_pretty(&json)?);
        return Ok(());
    }
    print_outcome(
        &e,
        "Instant answer (user refolded, model unchanged)",
        &instant,
    );
    for r in incremental.iter().chain(&full) {
        let what = match r.kind {
            crate::explain::RetrainKind::Incremental => "Incremental retrain",
            crate::explain::RetrainKind::Full => "Full retrain from scratch",
        };
        let plural = if r.sweeps == 1 { "" } else { "s" };
        print_outcome(
            &e,
            &format!("{what} ({} sweep{plural})", r.sweeps),
            &r.outcome,
        );
    }
    if let Some(fid) = fidelity {
        println!("Fidelity of the instant answer (overlap of the top-10, same places, Kendall tau-b over the union, missing = rank 11):");
        for (name, a) in [
            ("vs incremental", fid.instant_vs_incremental),
            ("vs full", fid.instant_vs_full),
            ("incremental vs full", fid.incremental_vs_full),
        ] {
            if let Some(a) = a {
                println!(
                    "  {name:<20} overlap {}/{}, same places {}, tau-b {:.3}",
                    a.overlap, a.k, a.same_places, a.kendall_tau
                );
            }
        }
    }
    Ok(())
}

fn print_outcome(e: &Explainer, heading: &str, o: &WhatIfOutcome) {
    let c = e.catalog();
    println!("{heading}:\n{}\n", o.sentence);
    if o.after.source == ListSource::PopularityFallback {
        println!("  [{}]", o.after.source.label());
    }
    println!("  new  old  movie");
    for m in &o.moves {
        let old = m.old_rank.map_or("-".into(), |r| r.to_string());
        let mark = match m.old_rank {
            Some(r) if r > e.k() => " (new)",
            Some(r) if Some(r) > m.new_rank => " ↑",
            Some(r) if Some(r) < m.new_rank => " ↓",
            _ => "",
        };
        let new = m.new_rank.map_or("-".into(), |r| r.to_string());
        println!("  {new:>3}  {old:>3}  {}{mark}", c.title(m.item));
    }
    for l in &o.leaving {
        let new = l
            .new_rank
            .map_or("now a like".into(), |r| format!("now {r}"));
        let old = l.old_rank.map_or("-".into(), |r| r.to_string());
        println!("  out  {old:>3}  {} ({new})", c.title(l.item));
    }
    println!();
}

fn progress_bar(what: &str, sweeps: usize) -> impl FnMut(TrainProgress) {
    let bar = indicatif::ProgressBar::new(sweeps as u64);
    let template = format!("{what} {{bar:30}} sweep {{pos}}/{{len}}");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    move |p: TrainProgress| {
        bar.set_position(p.sweep as u64);
        if p.sweep == p.sweeps {
            bar.finish_and_clear();
        }
    }
}

pub fn explain_report(global: &GlobalArgs, args: &ExplainReportArgs) -> Result<()> {
    let (_, e) = explainer(global, &args.train)?;
    write_explain_reports(&e, &global.reports_dir, args)
}

/// Builds and writes `feature_explanations.json` and `counterfactual_explanations.json` into
/// `reports_dir` for an explainer already made (what `whyrec run-all` calls).
pub fn write_explain_reports(
    e: &Explainer,
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
            write_report(&reports_dir.join(FEATURE_REPORT_FILE), &features),
        ),
        (
            COUNTERFACTUAL_REPORT_FILE,
            write_report(
                &reports_dir.join(COUNTERFACTUAL_REPORT_FILE),
                &counterfactuals,
            ),
        ),
    ] {
        result?;
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
