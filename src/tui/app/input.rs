//! Input of the Explore and Build-a-user tabs: which action moves which cursor, toggles what,
//! and which pane a click or a wheel turn lands in.

use super::{App, Banner};
use crate::tui::action::Action;
use crate::tui::ui::layout::Pane;

impl App {
    pub(crate) fn explore_update(&mut self, action: Action) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let regions = self.regions();
        let Some(explore) = self.explore.as_mut() else {
            return;
        };
        let order = [Pane::Users, Pane::History, Pane::Recs];
        let at = order.iter().position(|&p| p == explore.focus).unwrap_or(0);
        let mut effects = Vec::new();
        if explore.users.typing {
            match action {
                Action::Type(c) => explore.users.filter.push(c),
                Action::Backspace => {
                    explore.users.filter.pop();
                }
                Action::Enter => explore.users.typing = false,
                Action::Back => {
                    explore.users.typing = false;
                    explore.users.filter.clear();
                }
                _ => {}
            }
            if !matches!(action, Action::Enter) {
                explore.users.refresh(regions.rows_of(Pane::Users));
                effects.extend(explore.select_user(&engine));
            }
            return self.apply(effects);
        }
        match action {
            Action::Left => explore.focus = order[(at + order.len() - 1) % order.len()],
            Action::Right => explore.focus = order[(at + 1) % order.len()],
            Action::Search => {
                explore.focus = Pane::Users;
                explore.users.typing = true;
            }
            Action::Sort => {
                explore.users.next_sort(regions.rows_of(Pane::Users));
                effects.extend(explore.select_user(&engine));
            }
            Action::Toggle if explore.focus == Pane::History => {
                // The user found the pane: a hint shown earlier has done its job.
                if self.banner.as_ref().is_some_and(|b| !b.error) {
                    self.banner = None;
                }
                effects = explore.toggle(&engine);
            }
            Action::Toggle => {
                self.banner = Some(Banner {
                    text: "space toggles \"hadn't liked\" in the History pane (→ / l to focus it)"
                        .into(),
                    error: false,
                });
            }
            Action::Enter if explore.focus == Pane::Users => explore.focus = Pane::History,
            Action::Reset => effects = explore.reset(&engine),
            Action::MinimalSet => effects.extend(explore.minimal_set()),
            Action::Click { column, row } => {
                if let Some(pane) = regions.pane_at(column, row).filter(|p| order.contains(p)) {
                    explore.focus = pane;
                    if let Some(i) = regions.row_in(pane, row) {
                        effects.extend(explore.click(&engine, pane, i, regions.rows_of(pane)));
                    }
                }
            }
            Action::ScrollUp { column, row } | Action::ScrollDown { column, row } => {
                if let Some(pane) = regions.pane_at(column, row).filter(|p| order.contains(p)) {
                    explore.focus = pane;
                }
                let rows = regions.rows_of(explore.focus).max(1);
                if let Some(d) = App::delta(action, rows) {
                    effects.extend(explore.step(&engine, d, rows));
                }
            }
            other => {
                let rows = regions.rows_of(explore.focus).max(1);
                if let Some(d) = App::delta(other, rows) {
                    effects.extend(explore.step(&engine, d, rows));
                }
            }
        }
        self.apply(effects);
    }

    pub(crate) fn build_update(&mut self, action: Action) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let regions = self.regions();
        let Some(build) = self.build.as_mut() else {
            return;
        };
        let order = [Pane::Search, Pane::Liked, Pane::BuildRecs];
        let at = order.iter().position(|&p| p == build.focus).unwrap_or(0);
        if build.typing {
            match action {
                Action::Type(c) => {
                    build.query.push(c);
                    build.search(&engine);
                }
                Action::Backspace => {
                    build.query.pop();
                    build.search(&engine);
                }
                Action::Enter | Action::Back => build.typing = false,
                Action::Up | Action::Down | Action::PageUp | Action::PageDown => {
                    let rows = regions.rows_of(Pane::Search).max(1);
                    if let Some(d) = App::delta(action, rows) {
                        build.step(&engine, d, rows);
                    }
                }
                _ => {}
            }
            return;
        }
        match action {
            Action::Left => build.focus = order[(at + order.len() - 1) % order.len()],
            Action::Right => build.focus = order[(at + 1) % order.len()],
            Action::Search => {
                build.focus = Pane::Search;
                build.typing = true;
            }
            Action::Toggle | Action::Enter => build.toggle(&engine),
            Action::Reset => build.reset(&engine),
            Action::Click { column, row } => {
                if let Some(pane) = regions.pane_at(column, row).filter(|p| order.contains(p)) {
                    build.focus = pane;
                    if let Some(i) = regions.row_in(pane, row) {
                        build.click(&engine, pane, i, regions.rows_of(pane));
                    }
                }
            }
            other => {
                if let Action::ScrollUp { column, row } | Action::ScrollDown { column, row } = other
                {
                    if let Some(pane) = regions.pane_at(column, row).filter(|p| order.contains(p)) {
                        build.focus = pane;
                    }
                }
                let rows = regions.rows_of(build.focus).max(1);
                if let Some(d) = App::delta(other, rows) {
                    build.step(&engine, d, rows);
                }
            }
        }
    }
}
