//! The Trust tab's state: the trust metrics are computed on their worker the first time the tab
//! is opened under a model (a gauge meanwhile; Esc cancels, Enter starts again) and kept for the
//! session; `s` adds seed stability, ↑↓ and the wheel scroll the metrics table.

use super::computation::Computation;
use super::{delta, Command, Component, TabContext};
use crate::tui::action::Action;
use crate::tui::adapter::{SeedStability, TrustResults};

/// The Trust tab.
#[derive(Debug, Default)]
pub struct TrustTab {
    pub results: Computation<TrustResults>,
    /// Seed stability, once asked with `s` (its result is also merged into `results`).
    pub seed: Computation<SeedStability>,
    /// First row of the metrics table shown.
    pub scroll: usize,
}

/// Rows of the Trust tab's metrics table.
pub const TRUST_ROWS: usize = 11;

impl Component for TrustTab {
    fn update(&mut self, action: Action, _ctx: &TabContext) -> Vec<Command> {
        match action {
            Action::Sort => vec![Command::StartSeedStability],
            Action::Enter => vec![Command::StartTrust],
            other => {
                if let Some(d) = delta(other, 5) {
                    let max = TRUST_ROWS.saturating_sub(1) as isize;
                    self.scroll = (self.scroll as isize + d).clamp(0, max) as usize;
                }
                Vec::new()
            }
        }
    }

    fn opened(&mut self) -> Vec<Command> {
        vec![Command::StartTrust]
    }

    fn cancel(&mut self) -> Option<Vec<Command>> {
        if self.seed.running().is_some() {
            self.seed = Computation::Cancelled;
            Some(vec![Command::CancelSeedStability])
        } else if self.results.running().is_some() {
            self.results = Computation::Cancelled;
            Some(vec![Command::CancelTrust])
        } else {
            None
        }
    }
}
