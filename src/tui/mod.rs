//! The interactive terminal explorer (ratatui + crossterm): Explore (users, top-10, attribution
//! and influence bars, "what if I hadn't liked X"), Trust, Fairness, Dataset, Compare and
//! Build-a-user tabs.
//!
//! * [`action`]: every input as one [`action::Action`]; the key map and the help list.
//! * [`app`] and `jobs.rs`: the state and its update function, testable without a terminal;
//!   [`explore`], [`builder`], [`users`], [`trust`] hold the tabs' own state; `knob.rs` moves the
//!   accuracy–coverage knob.
//! * [`adapter`]: the only door to the engine (every number and sentence shown comes from it).
//! * [`worker`]: newest-wins job lanes with cancel and panic catching; [`startup`] the start-up job.
//! * [`ui`]: drawing, a pure function of the state; [`terminal`]: the real terminal and event loop.
//! * [`session`]: the export of the what-ifs tried; [`bench`]: the timing benchmark.

pub mod action;
pub mod adapter;
pub mod app;
pub mod bench;
pub mod builder;
pub mod cursor;
pub mod explore;
mod gauge;
pub mod jobs;
pub mod session;
pub mod startup;
pub mod tab;
pub mod terminal;
pub mod trust;
pub mod ui;
pub mod users;
pub mod worker;

use std::io::IsTerminal;

pub use app::{App, Phase, Tab};
pub use startup::TuiOptions;

/// Opens the explorer, or explains why it cannot when standard output is not a terminal.
pub fn run(options: TuiOptions) -> Result<(), String> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err("whyrec's explorer needs an interactive terminal (standard input and output are \
            not both a terminal). Run a subcommand instead, e.g. `whyrec pipeline` or `whyrec recommend \
            --user 1`; `whyrec --help` lists them."
            .into());
    }
    terminal::run(options).map_err(|e| format!("terminal error: {e}"))
}
