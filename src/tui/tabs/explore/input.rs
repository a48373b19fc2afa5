//! Input of the Explore tab: which action moves which cursor, toggles what, and which pane a
//! click or a wheel turn lands in.

use super::Explore;
use crate::tui::action::Action;
use crate::tui::tabs::{delta, Command, Component, TabContext};
use crate::tui::ui::layout::Pane;

/// The panes ←/→ move between, in order.
const ORDER: [Pane; 3] = [Pane::Users, Pane::History, Pane::Recs];

impl Component for Explore {
    fn update(&mut self, action: Action, ctx: &TabContext) -> Vec<Command> {
        let (engine, regions) = (ctx.engine, ctx.regions);
        let at = ORDER.iter().position(|&p| p == self.focus).unwrap_or(0);
        let mut effects = Vec::new();
        let mut commands = Vec::new();
        if self.users.typing {
            match action {
                Action::Type(c) => self.users.filter.push(c),
                Action::Backspace => {
                    self.users.filter.pop();
                }
                Action::Enter => self.users.typing = false,
                Action::Back => {
                    self.users.typing = false;
                    self.users.filter.clear();
                }
                _ => {}
            }
            if !matches!(action, Action::Enter) {
                self.users.refresh(regions.rows_of(Pane::Users));
                effects.extend(self.select_user(engine));
            }
            return effects.into_iter().map(Command::Explore).collect();
        }
        match action {
            Action::Left => self.focus = ORDER[(at + ORDER.len() - 1) % ORDER.len()],
            Action::Right => self.focus = ORDER[(at + 1) % ORDER.len()],
            Action::Search => {
                self.focus = Pane::Users;
                self.users.typing = true;
            }
            Action::Sort => {
                self.users.next_sort(regions.rows_of(Pane::Users));
                effects.extend(self.select_user(engine));
            }
            Action::Toggle if self.focus == Pane::History => {
                // The user found the pane: a hint shown earlier has done its job.
                commands.push(Command::ClearHint);
                effects = self.toggle(engine);
            }
            Action::Toggle => commands.push(Command::hint(
                "space toggles \"hadn't liked\" in the History pane (→ / l to focus it)",
            )),
            Action::Enter if self.focus == Pane::Users => self.focus = Pane::History,
            Action::Reset => effects = self.reset(engine),
            Action::MinimalSet => effects.extend(self.minimal_set()),
            Action::Click { column, row } => {
                if let Some(pane) = regions.pane_at(column, row).filter(|p| ORDER.contains(p)) {
                    self.focus = pane;
                    if let Some(i) = regions.row_in(pane, row) {
                        effects.extend(self.click(engine, pane, i, regions.rows_of(pane)));
                    }
                }
            }
            Action::ScrollUp { column, row } | Action::ScrollDown { column, row } => {
                if let Some(pane) = regions.pane_at(column, row).filter(|p| ORDER.contains(p)) {
                    self.focus = pane;
                }
                let rows = regions.rows_of(self.focus).max(1);
                if let Some(d) = delta(action, rows) {
                    effects.extend(self.step(engine, d, rows));
                }
            }
            other => {
                let rows = regions.rows_of(self.focus).max(1);
                if let Some(d) = delta(other, rows) {
                    effects.extend(self.step(engine, d, rows));
                }
            }
        }
        commands.extend(effects.into_iter().map(Command::Explore));
        commands
    }

    fn typing(&self) -> bool {
        self.users.typing
    }

    /// Esc closes the minimal-set answer if one is shown.
    fn cancel(&mut self) -> Option<Vec<Command>> {
        self.view.as_mut()?.minimal.take().map(|_| Vec::new())
    }
}
