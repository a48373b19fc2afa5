//! `whyrec session replay FILE`: a session record from the explorer asked again — the same data
//! (by fingerprint), the same models and settings — and whether every what-if, retrain, minimal
//! set and built user still gives the recorded numbers (`tui::session::replay`).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Subcommand};
use color_eyre::eyre::{bail, eyre, Result};

use super::data_cmds::open_dataset;
use super::terminal::{cli_error, Terminal};
use super::GlobalArgs;
use crate::engine::ModelSpec;
use crate::tui::adapter::Engine;
use crate::tui::session::{replay, Session};
use crate::workspace::{self, ModelRequest};

#[derive(Debug, Args)]
pub struct SessionArgs {
    #[command(subcommand)]
    pub command: SessionCommand,
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Recompute every what-if of a session record (reports/session-N.json) and report whether
    /// the numbers still match; exits non-zero when one does not.
    Replay(ReplayArgs),
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The session record (JSON) written by `e` in the explorer.
    pub file: PathBuf,
    /// Folder for model files (the explorer's is `models`).
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Print the checks as JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn session(global: &GlobalArgs, args: &SessionArgs) -> Result<()> {
    match &args.command {
        SessionCommand::Replay(a) => replay_cmd(global, a),
    }
}

fn replay_cmd(global: &GlobalArgs, args: &ReplayArgs) -> Result<()> {
    let record = Session::read(&args.file).map_err(|e| eyre!(e))?;
    // The data the record was made on: its dataset, in this command's data folder.
    let mut global = global.clone();
    global.dataset = record.dataset_arg.clone();
    let dataset = open_dataset(&global)?;
    let fingerprint = dataset.fingerprint();
    if fingerprint != record.data_fingerprint {
        bail!(
            "{}: the record was made on data with fingerprint {}, but {} here has {fingerprint}: \
             nothing can be compared",
            args.file.display(),
            record.data_fingerprint,
            record.dataset_arg
        );
    }
    let settings = record.settings.clone().unwrap_or_default();
    let dataset = Arc::new(dataset);
    let mut engines: HashMap<String, Result<Arc<Engine>, String>> = HashMap::new();
    let mut engine_of = |name: &str| -> Result<Arc<Engine>, String> {
        engines
            .entry(name.to_string())
            .or_insert_with(|| {
                let spec = ModelSpec::parse_factor(name)?;
                let request = ModelRequest {
                    spec,
                    settings: settings.clone(),
                    models_dir: Some(&args.models_dir),
                    force: false,
                    file: None,
                };
                let model =
                    workspace::load_or_train_factor(&dataset, &request, &Terminal::default())
                        .map_err(|e| cli_error(e).to_string())?;
                Engine::new((*dataset).clone(), model).map(Arc::new)
            })
            .clone()
    };
    let report = replay::replay(&record, &mut engine_of);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let n = report.checks.len();
        println!(
            "Replay of {} ({}, {n} check{}, scores within {}):",
            args.file.display(),
            record.dataset,
            if n == 1 { "" } else { "s" },
            replay::SCORE_TOLERANCE
        );
        for c in &report.checks {
            let mark = if c.matches { "match" } else { "DIFFERS" };
            println!("  {mark:<8} {}", c.what);
            if !c.detail.is_empty() {
                println!("           {}", c.detail);
            }
        }
    }
    if report.checks.is_empty() {
        println!("The record holds no what-if, minimal set or built user to replay.");
    }
    if !report.all_match() {
        let (bad, n) = (report.mismatches(), report.checks.len());
        bail!(
            "{bad} of {n} check{} differ{} from the record",
            if n == 1 { "" } else { "s" },
            if bad == 1 { "s" } else { "" }
        );
    }
    if !args.json {
        println!("Every number matches the record.");
    }
    Ok(())
}
