//! Input of the Build-a-user tab: typing a search, moving between and within the panes, rating,
//! choosing demographics, and `o` to open the built user in Explore and Compare.

use super::Build;
use crate::tui::action::Action;
use crate::tui::tabs::{delta, Command, Component, TabContext};
use crate::tui::ui::layout::Pane;

/// The panes ←/→ move between, in order (the last, Why and Because, only to be zoomed with `z`).
const ORDER: [Pane; 5] = [
    Pane::Search,
    Pane::BuildProfile,
    Pane::Liked,
    Pane::BuildRecs,
    Pane::BuildDetail,
];

impl Component for Build {
    fn update(&mut self, action: Action, ctx: &TabContext) -> Vec<Command> {
        let (engine, regions) = (ctx.engine, ctx.regions);
        let at = ORDER.iter().position(|&p| p == self.focus).unwrap_or(0);
        if self.typing {
            match action {
                Action::Type(c) if self.query.chars().count() < 200 => {
                    self.query.push(c);
                    self.search(engine);
                }
                Action::Backspace => {
                    self.query.pop();
                    self.search(engine);
                }
                Action::Enter | Action::Back => self.typing = false,
                Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                    let rows = regions.rows_of(Pane::Search).max(1);
                    if let Some(d) = delta(action, rows) {
                        self.step(engine, d, rows);
                    }
                }
                _ => {}
            }
            return Vec::new();
        }
        match action {
            Action::Left => self.focus = ORDER[(at + ORDER.len() - 1) % ORDER.len()],
            Action::Right => self.focus = ORDER[(at + 1) % ORDER.len()],
            Action::Search => {
                self.focus = Pane::Search;
                self.typing = true;
            }
            Action::Toggle | Action::Enter => self.toggle(engine),
            Action::Reset => self.reset(engine),
            Action::KnobUp => self.adjust(engine, 1),
            Action::KnobDown => self.adjust(engine, -1),
            Action::Open if self.is_empty() => {
                return vec![Command::hint(
                    "rate a movie or give a demographic first: then o opens the built user",
                )]
            }
            Action::Open => return vec![Command::OpenBuilt],
            Action::Click { column, row } => {
                if let Some(pane) = regions.pane_at(column, row).filter(|p| ORDER.contains(p)) {
                    self.focus = pane;
                    if let Some(i) = regions.row_in(pane, row) {
                        self.click(engine, pane, i, regions.rows_of(pane));
                    }
                }
            }
            other => {
                if let Action::ScrollUp { column, row } | Action::ScrollDown { column, row } = other
                {
                    if let Some(pane) = regions.pane_at(column, row).filter(|p| ORDER.contains(p)) {
                        self.focus = pane;
                    }
                }
                let rows = regions.rows_of(self.focus).max(1);
                if let Some(d) = delta(other, rows) {
                    self.step(engine, d, rows);
                }
            }
        }
        Vec::new()
    }

    fn typing(&self) -> bool {
        self.typing
    }
}
