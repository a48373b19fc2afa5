//! The interactive terminal explorer (ratatui + crossterm): Explore (users, top-10, attribution
//! and influence bars, "what if I hadn't liked X"), Trust, Fairness, Dataset, Compare and
//! Build-a-user tabs.
//!
//! * [`action`]: every input as one [`action::Action`]; the key map and the help list.
//! * [`app`]: the [`App`], which only routes — actions to the shown tab, the tabs' commands and
//!   the workers' results to where they belong — and owns what tabs share (the explored model's
//!   engine, the knob, the session, the banner); testable without a terminal.
//! * [`tabs`]: one module per tab, each a [`tabs::Component`] (update → commands, opened,
//!   typing, cancel); [`tab`] names them in key order.
//! * [`jobs`]: one typed newest-wins lane per kind of job ([`worker`]: cancel, panic catching);
//!   [`startup`] the start-up job, `gauge.rs` a job's gauge as the service layer's progress.
//! * [`adapter`]: the only door to the engine (every number and sentence shown comes from it).
//! * [`ui`]: drawing, a pure function of the state; [`terminal`]: the real terminal and event loop.
//! * [`session`]: the export of the what-ifs tried; [`mod@bench`]: the timing benchmark.

pub mod action;
pub mod adapter;
pub mod app;
pub mod bench;
pub mod cursor;
mod gauge;
pub mod jobs;
pub mod session;
pub mod startup;
pub mod tab;
pub mod tabs;
pub mod terminal;
pub mod ui;
pub mod worker;

use std::io::IsTerminal;

pub use app::{App, Phase, Tab};
pub use startup::TuiOptions;

/// Opens the explorer, or explains why it cannot when standard output is not a terminal. A start-up
/// that failed (no data and no network, say) is an error too once its screen is closed, so the
/// exit status says so; so is an autosave that could not be written (where it went is printed).
pub fn run(options: TuiOptions) -> Result<(), String> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err("whyrec's explorer needs an interactive terminal (standard input and output are \
            not both a terminal). Run a subcommand instead, e.g. `whyrec pipeline` or `whyrec recommend \
            --user 1`; `whyrec --help` lists them."
            .into());
    }
    worker::background_pool_yields();
    let ending = terminal::run(options).map_err(|e| format!("terminal error: {e}"))?;
    if let Some(failed) = ending.failed {
        return Err(format!("whyrec could not start: {failed}"));
    }
    match ending.autosaved {
        Some(Ok(path)) => {
            eprintln!("whyrec: the session was autosaved to {path} (and .md beside it)");
            Ok(())
        }
        Some(Err(why)) => Err(why),
        None => Ok(()),
    }
}
