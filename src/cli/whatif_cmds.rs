//! `whyrec whatif`: the instant refold of an edited history, optionally the incremental and the
//! full retrain, and how well the instant answer agreed with them (`--model hybrid-als|warp|bpr`).
//! Printing only: the answers come from [`crate::explain`].

use std::sync::atomic::AtomicBool;

use clap::{Args, ValueEnum};
use color_eyre::eyre::Result;
use serde::Serialize;

use super::train_args::TrainArgs;
use super::train_args::{refold_note, with_explainer, ExplainCommand};
use super::GlobalArgs;
use crate::data::Dataset;
use crate::engine::TrainProgress;
use crate::engine::{AnyFactorModel, Trainable};
use crate::explain::reports::NamedItem;
use crate::explain::{
    Explainer, Fidelity, ListSource, Retrained, TopList, WhatIf, WhatIfOutcome,
    DEFAULT_INCREMENTAL_SWEEPS,
};

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
    #[arg(long, allow_hyphen_values = true, value_parser = super::model_cmds::parse_id)]
    pub user: u32,
    /// Liked movie ids to remove, comma-separated.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = super::model_cmds::parse_id)]
    pub without: Vec<u32>,
    /// Movie ids to add as likes, comma-separated.
    #[arg(long, value_delimiter = ',', allow_hyphen_values = true, value_parser = super::model_cmds::parse_id)]
    pub add: Vec<u32>,
    #[arg(long, value_enum, default_value = "none")]
    pub retrain: RetrainChoice,
    /// Sweeps of the incremental retrain.
    #[arg(long, default_value_t = DEFAULT_INCREMENTAL_SWEEPS, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=1_000))]
    pub sweeps: usize,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub train: TrainArgs,
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
    with_explainer(global, &args.train, args)
}

impl ExplainCommand for WhatIfArgs {
    fn run(&self, dataset: &Dataset, e: &Explainer<AnyFactorModel>) -> Result<()> {
        whatif_with(dataset, e, self)
    }
}

fn whatif_with<M: Trainable>(dataset: &Dataset, e: &Explainer<M>, args: &WhatIfArgs) -> Result<()> {
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
            let mut bar = progress_bar("full retrain", 0);
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
    if let Some(note) = refold_note(args.train.model) {
        println!("{note}\n");
    }
    print_outcome(
        e,
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
            e,
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

fn print_outcome<M: Trainable>(e: &Explainer<M>, heading: &str, o: &WhatIfOutcome) {
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
        bar.set_length(p.sweeps as u64);
        bar.set_position(p.sweep as u64);
        if p.sweep == p.sweeps {
            bar.finish_and_clear();
        }
    }
}
