//! The Dataset tab's state: the EDA report of the loaded data, computed on a worker after
//! start-up, scrolled with ↑↓, PgUp/PgDn, Home and the wheel.

use super::{Command, Component, TabContext};
use crate::data::eda::EdaReport;
use crate::tui::action::Action;

/// Rows the report scrolls at most.
const MAX_SCROLL: u16 = 200;

/// The Dataset tab: the EDA report, computed on a worker after start-up.
#[derive(Debug, Clone, Default)]
pub struct DatasetTab {
    pub report: Option<EdaReport>,
    pub error: Option<String>,
    pub scroll: u16,
}

impl Component for DatasetTab {
    fn update(&mut self, action: Action, _ctx: &TabContext) -> Vec<Command> {
        let s = &mut self.scroll;
        match action {
            Action::Up | Action::ScrollUp { .. } => *s = s.saturating_sub(1),
            Action::Down | Action::ScrollDown { .. } => *s = s.saturating_add(1).min(MAX_SCROLL),
            Action::PageUp => *s = s.saturating_sub(10),
            Action::PageDown => *s = s.saturating_add(10).min(MAX_SCROLL),
            Action::Home => *s = 0,
            _ => {}
        }
        Vec::new()
    }
}
