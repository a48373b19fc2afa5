//! The Fairness tab's state: the audit — the one `whyrec fairness` runs by default, so the numbers
//! agree — runs on its worker the first time the tab is opened under a model; ←/→ pick the
//! attribute, `m` the model, ↑↓ and the wheel scroll the groups; Esc cancels a running audit and
//! Enter starts it again.

use super::computation::Computation;
use super::{delta, Command, Component, TabContext};
use crate::tui::action::Action;
use crate::tui::adapter::FairnessRun;

/// The Fairness tab.
#[derive(Debug)]
pub struct FairnessTab {
    pub audit: Computation<FairnessRun>,
    /// Selected attribute (gender, age, occupation).
    pub attribute: usize,
    /// Selected model of the report (index into its `overall`); hybrid-als first shown.
    pub model: usize,
    /// First group row shown.
    pub scroll: usize,
}

impl Default for FairnessTab {
    fn default() -> Self {
        FairnessTab {
            audit: Computation::Idle,
            attribute: 0,
            model: 1,
            scroll: 0,
        }
    }
}

impl Component for FairnessTab {
    fn update(&mut self, action: Action, _ctx: &TabContext) -> Vec<Command> {
        let Some(run) = self.audit.done() else {
            return match action {
                Action::Enter => vec![Command::StartFairness],
                _ => Vec::new(),
            };
        };
        let r = &run.report;
        let (attributes, models) = (r.attributes.len().max(1), r.overall.len().max(1));
        let groups = r
            .attributes
            .get(self.attribute)
            .map_or(0, |a| a.groups.len());
        match action {
            Action::Left => self.attribute = (self.attribute + attributes - 1) % attributes,
            Action::Right => self.attribute = (self.attribute + 1) % attributes,
            Action::MinimalSet => self.model = (self.model + 1) % models,
            other => {
                if let Some(d) = delta(other, 10) {
                    let max = groups.saturating_sub(1) as isize;
                    self.scroll = (self.scroll as isize + d).clamp(0, max) as usize;
                }
                return Vec::new();
            }
        }
        self.scroll = 0;
        Vec::new()
    }

    fn opened(&mut self) -> Vec<Command> {
        vec![Command::StartFairness]
    }

    fn cancel(&mut self) -> Option<Vec<Command>> {
        self.audit.running()?;
        self.audit = Computation::Cancelled;
        Some(vec![Command::CancelFairness])
    }
}
