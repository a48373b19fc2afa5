//! Trust and fairness commands: `whyrec trust` (trust metrics and the accuracy–coverage knob's
//! sweep, `reports/trust_report.json`) and `whyrec fairness` (the audit by gender, age and
//! occupation, `reports/fairness_report.json`). Tables on stdout, progress and times on stderr.

use clap::Args;
use color_eyre::eyre::{eyre, Result};

use super::data_cmds::{open_dataset, write_report};
use super::model_cmds::parse_seeds;
use super::settings_args::{PopulationArgs, SettingsArgs};
use super::GlobalArgs;
use crate::data::Dataset;
use crate::engine::rating::RatingSpec;
use crate::engine::ModelSpec;
use crate::metrics::eval_data::EvalData;
use crate::metrics::fairness::{run_fairness, FairnessReport, FairnessRequest};
use crate::metrics::knob::{default_strengths, KnobCurve, KnobPath};
use crate::metrics::trust::report::{run_trust, TrustReport, TrustRequest};
use crate::metrics::trust::stability::Stability;
use crate::metrics::trust::TrustConfig;

/// P@10 the knob's goal keeps (ML-100K holdout-20).
const GOAL_PRECISION: f64 = 0.21;

#[derive(Debug, Args)]
pub struct TrustArgs {
    /// Seed of the holdout-20 split, the models and the perturbation.
    #[arg(long, default_value_t = 1, conflicts_with = "seeds", allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
    pub seed: u64,
    /// Several seeds, e.g. 1-5: one run per seed, summaries and the knob's curve averaged.
    #[arg(long)]
    pub seeds: Option<String>,
    /// Comma-separated ranking models (popularity, hybrid-als, als, warp, bpr).
    #[arg(long, default_value = "popularity,hybrid-als", value_delimiter = ',')]
    pub models: Vec<String>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Print the accuracy–coverage knob's whole curve.
    #[arg(long)]
    pub sweep: bool,
    /// Knob strengths to sweep (default 0 to 0.8 by 0.05).
    #[arg(long, value_delimiter = ',')]
    pub strengths: Option<Vec<f64>>,
    /// a of the knob: exponent of the item vector norm per unit of strength.
    #[arg(long, default_value_t = KnobPath::default().norm_exponent)]
    pub knob_exponent: f64,
    /// b of the knob: weight of ln(1 + popularity) per unit of strength.
    #[arg(long, default_value_t = KnobPath::default().popularity_penalty)]
    pub knob_penalty: f64,
    /// Skip the retrained stability variant (one training less per model and seed).
    #[arg(long)]
    pub no_retrain: bool,
    /// Skip seed stability (one training less per model and seed).
    #[arg(long)]
    pub no_seed_stability: bool,
    #[command(flatten)]
    pub population: PopulationArgs,
    /// Print the report as JSON instead of the tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct FairnessArgs {
    /// Seed of the holdout-20 split, the models and (elsewhere than ML-100K) the 90/10 rating split.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = clap::value_parser!(u64))]
    pub seed: u64,
    /// Comma-separated ranking models (popularity, hybrid-als, als, warp, bpr).
    #[arg(long, default_value = "popularity,hybrid-als", value_delimiter = ',')]
    pub models: Vec<String>,
    #[command(flatten)]
    pub settings: SettingsArgs,
    /// Also audit the first factor model through the accuracy–coverage knob at this strength.
    #[arg(long, default_value_t = crate::metrics::knob::RECOMMENDED_STRENGTH)]
    pub knob: f64,
    /// Do not audit the knob.
    #[arg(long)]
    pub no_knob: bool,
    /// Fit only the bias baseline for the rating side instead of the whole line-up (faster).
    #[arg(long)]
    pub quick_rating: bool,
    /// Groups with fewer users stay out of the best–worst gaps.
    #[arg(long, default_value_t = 1, allow_hyphen_values = true, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=10_000_000))]
    pub min_group_users: usize,
    #[command(flatten)]
    pub population: PopulationArgs,
    /// Print the report as JSON instead of the tables.
    #[arg(long)]
    pub json: bool,
}

/// The models of `--models`, by name.
fn trust_models(names: &[String]) -> Result<Vec<ModelSpec>> {
    names
        .iter()
        .map(|n| ModelSpec::parse(n).map_err(|e| eyre!(e)))
        .collect()
}

pub fn trust(global: &GlobalArgs, args: &TrustArgs) -> Result<()> {
    let (seeds, request) = trust_request(args)?;
    let dataset = open_dataset(global)?;
    trust_on(&dataset, global, args, &seeds, &request)
}

/// `whyrec trust` on a dataset already loaded (what `whyrec run-all` calls).
pub fn trust_on_dataset(dataset: &Dataset, global: &GlobalArgs, args: &TrustArgs) -> Result<()> {
    let (seeds, request) = trust_request(args)?;
    trust_on(dataset, global, args, &seeds, &request)
}

/// Checks the arguments (before any data is loaded) and turns them into seeds and a request.
fn trust_request(args: &TrustArgs) -> Result<(Vec<u64>, TrustRequest)> {
    let seeds = match &args.seeds {
        Some(text) => parse_seeds(text)?,
        None => vec![args.seed],
    };
    let strengths = args.strengths.clone().unwrap_or_else(default_strengths);
    if let Some(bad) = strengths.iter().find(|t| !t.is_finite() || **t < 0.0) {
        return Err(eyre!("--strengths: {bad} is not a finite strength >= 0"));
    }
    for (name, v) in [
        ("--knob-exponent", args.knob_exponent),
        ("--knob-penalty", args.knob_penalty),
    ] {
        if !v.is_finite() || v < 0.0 {
            return Err(eyre!("{name} {v}: expected a finite number >= 0"));
        }
    }
    let request = TrustRequest {
        models: trust_models(&args.models)?,
        settings: args.settings.settings(args.seed),
        config: TrustConfig {
            retrain: !args.no_retrain,
            seed_stability: !args.no_seed_stability,
            ..TrustConfig::default()
        },
        knob_path: KnobPath {
            norm_exponent: args.knob_exponent,
            popularity_penalty: args.knob_penalty,
        },
        knob_strengths: strengths,
    };
    Ok((seeds, request))
}

/// `whyrec trust` on a dataset already loaded, with the request already checked.
fn trust_on(
    dataset: &Dataset,
    global: &GlobalArgs,
    args: &TrustArgs,
    seeds: &[u64],
    request: &TrustRequest,
) -> Result<()> {
    let splits: Vec<(u64, EvalData)> = seeds
        .iter()
        .map(|&s| {
            (
                s,
                EvalData::holdout_for(dataset, s, args.population.population()),
            )
        })
        .collect();
    let report = run_trust(&dataset.name, &splits, request, |what| eprintln!("{what}"))?;
    for run in &report.runs {
        for m in &run.models {
            let t = &m.timings;
            eprintln!(
                "{} seed {}: fit {:.2} s, metrics {:.2} s, refold {:.2} s, retrain {:.2} s, second seed {:.2} s",
                m.model, run.seed, t.fit, t.metrics, t.refold, t.retrain, t.seed
            );
        }
        eprintln!("knob sweep seed {}: {:.2} s", run.seed, run.knob_seconds);
    }
    let json = serde_json::to_string_pretty(&report)?;
    if args.json {
        println!("{json}");
    } else {
        print!("{}", trust_table(&report));
        if let Some(knob) = &report.knob {
            print!("{}", knob_table(knob, args.sweep));
        }
    }
    let path = write_report(&global.reports_dir, "trust_report.json", &json)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

fn stability_cell(s: &Option<Stability>) -> String {
    s.as_ref()
        .map_or("-".into(), |s| format!("{:.3} / {:.3}", s.mean, s.p10))
}

fn trust_table(r: &TrustReport) -> String {
    let seeds: Vec<String> = r.seeds.iter().map(u64::to_string).collect();
    let mut s = format!(
        "{} — trust metrics on holdout-20 (seed{} {}), {} items in the catalog\n",
        r.dataset,
        if seeds.len() == 1 { "" } else { "s" },
        seeds.join(","),
        r.catalog_size
    );
    for run in &r.runs {
        s.push_str(&format!(
            "measured on seed {}: {}\n",
            run.seed,
            run.users.describe()
        ));
    }
    s.push('\n');
    s.push_str("| model | P@10 | cov@10 | novelty@10 | ILD@10 | ARP | Gini | calib KL | stab refold mean / p10 | stab retrain mean / p10 | seed stab mean / p10 |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|\n");
    for m in &r.mean {
        let x = &m.summary;
        s.push_str(&format!(
            "| {} | {:.4} | {:.4} | {:.3} | {:.4} | {:.1} | {:.4} | {:.4} | {} | {} | {} |\n",
            m.model,
            x.precision,
            x.coverage,
            x.novelty,
            x.ild,
            x.lists.arp,
            x.lists.gini,
            x.lists.calibration_kl,
            stability_cell(&x.stability_refold),
            stability_cell(&x.stability_retrain),
            stability_cell(&x.seed_stability),
        ));
    }
    s.push_str(&format!(
        "\nrefold: {}\nretrain: {}\nseed: {}\n",
        r.stability.refold, r.stability.retrain, r.stability.seed
    ));
    s
}

fn knob_table(knob: &KnobCurve, all: bool) -> String {
    let mut s = format!(
        "\naccuracy–coverage knob on {} ({}), mean over {} split{}\n",
        knob.model,
        knob.formula,
        knob.splits.len(),
        if knob.splits.len() == 1 { "" } else { "s" }
    );
    if all {
        s.push_str("\n| t | P@10 | R@10 | NDCG@10 | AUC | cov@10 | novelty@10 | ILD@10 | ARP | Gini | calib KL | unliked slots |\n");
        s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for p in &knob.points {
            s.push_str(&format!(
                "| {:.3} | {:.4} | {:.4} | {:.4} | {:.4} | {:.4} | {:.3} | {:.4} | {:.1} | {:.4} | {:.4} | {:.1} |\n",
                p.strength, p.precision, p.recall, p.ndcg, p.auc, p.coverage, p.novelty, p.ild,
                p.lists.arp, p.lists.gini, p.lists.calibration_kl, p.unliked_slots
            ));
        }
        s.push_str(
            "unliked slots: top-10 slots, over the measured users, holding a movie without train \
             positives (mean over the splits)\n",
        );
    }
    let recommended = crate::metrics::knob::RECOMMENDED_STRENGTH;
    if let Some(p) = knob
        .points
        .iter()
        .find(|p| (p.strength - recommended).abs() < 1e-9)
    {
        s.push_str(&format!(
            "recommended strength t = {recommended} (README): P@10 {:.4}, coverage@10 {:.4}, {:.1} unliked slots\n",
            p.precision, p.coverage, p.unliked_slots
        ));
    }
    match knob.best_coverage_at(GOAL_PRECISION) {
        Some(p) => s.push_str(&format!(
            "highest coverage@10 with P@10 >= {GOAL_PRECISION}: t = {} (P@10 {:.4}, coverage@10 {:.4}, novelty@10 {:.3}, ARP {:.1}){}\n",
            p.strength,
            p.precision,
            p.coverage,
            p.novelty,
            p.lists.arp,
            if all { "" } else { " — `--sweep` prints the whole curve" }
        )),
        None => s.push_str(&format!("no strength keeps P@10 >= {GOAL_PRECISION}\n")),
    }
    s
}

pub fn fairness(global: &GlobalArgs, args: &FairnessArgs) -> Result<()> {
    let request = fairness_request(args)?;
    let dataset = open_dataset(global)?;
    fairness_on(&dataset, global, args, &request)
}

/// `whyrec fairness` on a dataset already loaded (what `whyrec run-all` calls).
pub fn fairness_on_dataset(
    dataset: &Dataset,
    global: &GlobalArgs,
    args: &FairnessArgs,
) -> Result<()> {
    let request = fairness_request(args)?;
    fairness_on(dataset, global, args, &request)
}

fn fairness_request(args: &FairnessArgs) -> Result<FairnessRequest> {
    if !args.knob.is_finite() || args.knob < 0.0 {
        return Err(eyre!(
            "--knob {}: expected a finite strength >= 0",
            args.knob
        ));
    }
    let mut request = FairnessRequest::standard(
        trust_models(&args.models)?,
        args.settings.settings(args.seed),
        (!args.no_knob).then_some(args.knob),
    );
    if args.quick_rating {
        request.rating_specs = vec![RatingSpec::Bias(Default::default())];
    }
    request.min_group_users = args.min_group_users;
    Ok(request)
}

fn fairness_on(
    dataset: &Dataset,
    global: &GlobalArgs,
    args: &FairnessArgs,
    request: &FairnessRequest,
) -> Result<()> {
    let data = EvalData::holdout_for(dataset, args.seed, args.population.population());
    eprintln!("measuring {}", data.users.describe());
    let clock = std::time::Instant::now();
    let report = run_fairness(dataset, &data, args.seed, request, |w| eprintln!("{w}"))?;
    eprintln!("fairness audit: {:.2} s", clock.elapsed().as_secs_f64());
    let json = serde_json::to_string_pretty(&report)?;
    if args.json {
        println!("{json}");
    } else {
        print!("{}", fairness_tables(&report));
    }
    let path = write_report(&global.reports_dir, "fairness_report.json", &json)?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// A value with 4 decimals, or `-`.
fn cell(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.4}"))
}

fn fairness_tables(r: &FairnessReport) -> String {
    let mut s = format!(
        "{} — fairness audit: ranking on {}, rating: {} on {} (RMSE {}, global mean {})\n",
        r.dataset,
        r.split,
        r.rating.model,
        r.rating.splits.join(", "),
        cell(r.rating.mean_rmse),
        cell(r.rating.global_mean_rmse)
    );
    s.push_str(&format!(
        "measured: {}; rating models trained and measured on {}\n",
        r.users.describe(),
        r.rating.trained_on
    ));
    if let Some(note) = &r.note {
        s.push_str(&format!("\n{note}\n"));
    }
    let models: Vec<&str> = r.overall.iter().map(|m| m.model.as_str()).collect();
    for a in &r.attributes {
        s.push_str(&format!(
            "\n### {}\n\n| group | users | evaluated |",
            a.attribute
        ));
        for m in &models {
            s.push_str(&format!(" {m} P@10 | NDCG@10 | AUC |"));
        }
        s.push_str(" ratings | RMSE |\n|---|---|---|");
        s.push_str(&"---|".repeat(3 * models.len() + 2));
        s.push('\n');
        for g in &a.groups {
            s.push_str(&format!("| {} | {} | {} |", g.group, g.users, g.evaluated));
            for x in &g.ranking {
                s.push_str(&format!(
                    " {:.4} | {:.4} | {:.4} |",
                    x.metrics.precision, x.metrics.ndcg, x.metrics.auc
                ));
            }
            s.push_str(&format!(" {} | {} |\n", g.ratings, cell(g.rmse)));
        }
    }
    if !r.attributes.is_empty() {
        s.push_str("\n### best–worst gaps\n\n| attribute | metric | model | best | worst | difference | ratio |\n|---|---|---|---|---|---|---|\n");
        for a in &r.attributes {
            for g in &a.gaps {
                s.push_str(&format!(
                    "| {} | {} | {} | {:.4} ({}) | {:.4} ({}) | {:.4} | {} |\n",
                    a.attribute,
                    g.metric,
                    g.model,
                    g.best,
                    g.best_group,
                    g.worst,
                    g.worst_group,
                    g.difference,
                    g.ratio.map_or("-".into(), |v| format!("{v:.3}"))
                ));
            }
        }
    }
    s.push_str("\n### exposure (share of top-10 slots) by popularity decile (1 = head)\n\n| decile | items | popularity | train share |");
    for m in &models {
        s.push_str(&format!(" {m} |"));
    }
    s.push_str("\n|---|---|---|---|");
    s.push_str(&"---|".repeat(models.len()));
    s.push('\n');
    if let Some(first) = r.item_exposure.first() {
        for (k, d) in first.deciles.iter().enumerate() {
            s.push_str(&format!(
                "| {} | {} | {}–{} | {:.4} |",
                d.decile, d.items, d.min_popularity, d.max_popularity, d.train_share
            ));
            for m in &r.item_exposure {
                s.push_str(&format!(" {:.4} |", m.deciles[k].exposure_share));
            }
            s.push('\n');
        }
    }
    s
}
