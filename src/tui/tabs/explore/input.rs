//! Input of the Explore tab: which action moves which cursor, toggles what, which text field
//! takes the typing (the users filter, the History filter, a note), and which pane a click or a
//! wheel turn lands in.

use super::{Effect, Explore, Field};
use crate::tui::action::Action;
use crate::tui::tabs::{delta, Command, Component, TabContext};
use crate::tui::ui::because_layout;
use crate::tui::ui::layout::{Pane, Regions};

/// The panes ←/→ move between, in order.
const ORDER: [Pane; 6] = [
    Pane::Users,
    Pane::History,
    Pane::Recs,
    Pane::Attribution,
    Pane::Influence,
    Pane::WhatIf,
];

/// Longest note or filter typed (characters).
const MAX_TYPED: usize = 2_000;

impl Explore {
    /// Rows of list content `pane` shows (the "Because you liked" rows from the pane's own
    /// geometry, under its sentence and above its note).
    fn rows(&self, regions: &Regions, pane: Pane) -> usize {
        match (pane, self.because_list(regions)) {
            (Pane::Influence, Some(list)) => usize::from(list.height),
            _ => regions.rows_of(pane),
        }
    }

    /// The content row (before scrolling) a click at screen `row` hits in `pane`.
    fn row_at(&self, regions: &Regions, pane: Pane, row: u16) -> Option<usize> {
        match (pane, self.because_list(regions)) {
            (Pane::Influence, Some(list)) => {
                (row >= list.y && row < list.y + list.height).then(|| usize::from(row - list.y))
            }
            _ => regions.row_in(pane, row),
        }
    }

    /// Why `m` cannot answer for the list on screen: the minimal set is about the model's own
    /// top-10 with every like, so a what-if or the knob must go first.
    fn minimal_blocked(&self) -> Option<&'static str> {
        let v = self.view.as_ref()?;
        if v.whatif.is_some() {
            Some(
                "m finds the fewest likes whose removal takes the selected film out of the \
                 model's own top-10 (every like): r clears the what-if first",
            )
        } else if v.knob.is_some() {
            Some(
                "m answers for the model's own top-10, not the knob's re-ranked list: 0 sets the \
                 knob to 0 first",
            )
        } else {
            None
        }
    }

    /// Where the "Because you liked" rows are drawn.
    fn because_list(&self, regions: &Regions) -> Option<ratatui::layout::Rect> {
        let d = self.view.as_ref()?.detail.as_ref()?;
        Some(because_layout(regions.pane(Pane::Influence), &d.influences).list)
    }

    /// An action while the users filter has the keyboard.
    fn users_typing(&mut self, action: Action, ctx: &TabContext) -> Vec<Effect> {
        match action {
            Action::Type(c) if self.users.filter.chars().count() < MAX_TYPED => {
                self.users.filter.push(c)
            }
            Action::Backspace => {
                self.users.filter.pop();
            }
            Action::Enter => {
                self.users.typing = false;
                return Vec::new();
            }
            Action::Back => {
                self.users.typing = false;
                self.users.filter.clear();
            }
            _ => return Vec::new(),
        }
        self.users.refresh(ctx.regions.rows_of(Pane::Users));
        self.select_user(ctx.engine)
    }

    /// An action while the History filter or a note has the keyboard.
    fn field_typing(&mut self, field: Field, action: Action, ctx: &TabContext) -> Vec<Command> {
        match field {
            Field::HistoryFilter => {
                match action {
                    Action::Type(c) if self.history_filter.chars().count() < MAX_TYPED => {
                        self.history_filter.push(c)
                    }
                    Action::Backspace => {
                        self.history_filter.pop();
                    }
                    Action::Enter => return Vec::new(),
                    Action::Back => self.history_filter.clear(),
                    _ => {
                        self.field = Some(Field::HistoryFilter);
                        return Vec::new();
                    }
                }
                if action != Action::Back {
                    self.field = Some(Field::HistoryFilter);
                }
                self.refilter_history(ctx.engine);
                Vec::new()
            }
            Field::Note(mut text) => match action {
                Action::Type(c) => {
                    if text.chars().count() < MAX_TYPED {
                        text.push(c);
                    }
                    self.field = Some(Field::Note(text));
                    Vec::new()
                }
                Action::Backspace => {
                    text.pop();
                    self.field = Some(Field::Note(text));
                    Vec::new()
                }
                Action::Enter if !text.trim().is_empty() => {
                    let v = self.view.as_ref();
                    vec![Command::Explore(Effect::Note {
                        user: v.and_then(|v| v.profile.user),
                        item: v.and_then(|v| v.selected_item()),
                        text: text.trim().to_string(),
                    })]
                }
                Action::Back | Action::Enter => Vec::new(),
                _ => {
                    self.field = Some(Field::Note(text));
                    Vec::new()
                }
            },
        }
    }
}

impl Component for Explore {
    fn update(&mut self, action: Action, ctx: &TabContext) -> Vec<Command> {
        let (engine, regions) = (ctx.engine, ctx.regions);
        let at = ORDER.iter().position(|&p| p == self.focus).unwrap_or(0);
        if self.users.typing {
            let effects = self.users_typing(action, ctx);
            return effects.into_iter().map(Command::Explore).collect();
        }
        if let Some(field) = self.field.take() {
            return self.field_typing(field, action, ctx);
        }
        let mut effects = Vec::new();
        let mut commands = Vec::new();
        match action {
            Action::Left => self.focus = ORDER[(at + ORDER.len() - 1) % ORDER.len()],
            Action::Right => self.focus = ORDER[(at + 1) % ORDER.len()],
            Action::Search if self.focus == Pane::History => {
                self.field = Some(Field::HistoryFilter)
            }
            Action::Search => {
                self.focus = Pane::Users;
                self.users.typing = true;
            }
            Action::Note => self.field = Some(Field::Note(String::new())),
            Action::Sort => {
                self.users.next_sort(regions.rows_of(Pane::Users));
                effects.extend(self.select_user(engine));
            }
            Action::Toggle if self.focus == Pane::History => {
                // The user found the pane: a hint shown earlier has done its job.
                commands.push(Command::ClearHint);
                match self.toggle(engine) {
                    Ok(e) => effects = e,
                    Err(why) => commands.push(Command::hint(why)),
                }
            }
            Action::Toggle if self.focus == Pane::Influence => {
                commands.push(Command::ClearHint);
                let like = self.view.as_ref().and_then(|v| v.because_item());
                effects = self.toggle_because(engine);
                // The removed like leaves this list (it no longer counts): say where it went.
                if let Some(like) = like.filter(|_| !effects.is_empty()) {
                    commands.push(Command::hint(format!(
                        "\"hadn't liked\" {}: it leaves \"Because you liked\"; space on its ✗ row \
                         in History brings it back",
                        engine.title(like)
                    )));
                }
            }
            Action::Toggle => commands.push(Command::hint(
                "space toggles \"hadn't liked\" in History or on a \"Because you liked\" row \
                 (→ / l to focus them)",
            )),
            Action::Enter if self.focus == Pane::Users => self.focus = Pane::History,
            Action::Reset => effects = self.reset(engine),
            Action::MinimalSet => match self.minimal_blocked() {
                Some(why) => commands.push(Command::hint(why)),
                None => effects.extend(self.minimal_set()),
            },
            Action::ApplyMinimal => {
                let replaces = self.view.as_ref().is_some_and(|v| v.whatif.is_some());
                match self.apply_minimal(engine) {
                    Some(e) => {
                        effects = e;
                        if replaces {
                            commands.push(Command::hint(
                                "the minimal set replaced the what-if shown before (r resets)",
                            ));
                        }
                    }
                    None => commands.push(Command::hint(
                        "no minimal set to apply: select a recommendation and press m first",
                    )),
                }
            }
            Action::Click { column, row } => {
                if let Some(pane) = regions.pane_at(column, row).filter(|p| ORDER.contains(p)) {
                    self.focus = pane;
                    if let Some(i) = self.row_at(regions, pane, row) {
                        effects.extend(self.click(engine, pane, i, self.rows(regions, pane)));
                    }
                }
            }
            Action::ScrollUp { column, row } | Action::ScrollDown { column, row } => {
                // The wheel scrolls the pane under it, and only a pane that takes the focus.
                if let Some(pane) = regions.pane_at(column, row).filter(|p| ORDER.contains(p)) {
                    self.focus = pane;
                    let rows = self.rows(regions, pane).max(1);
                    if let Some(d) = delta(action, rows) {
                        effects.extend(self.step(engine, d, rows));
                    }
                }
            }
            other => {
                let rows = self.rows(regions, self.focus).max(1);
                if let Some(d) = delta(other, rows) {
                    effects.extend(self.step(engine, d, rows));
                }
            }
        }
        commands.extend(effects.into_iter().map(Command::Explore));
        commands
    }

    fn typing(&self) -> bool {
        self.users.typing || self.field.is_some()
    }

    /// Esc closes the innermost thing: the minimal-set answer, then the History filter.
    fn cancel(&mut self) -> Option<Vec<Command>> {
        if let Some(v) = self.view.as_mut() {
            if v.minimal.take().is_some() {
                v.minimal_job = None;
                return Some(Vec::new());
            }
        }
        if self.history_filter.is_empty() {
            return None;
        }
        // No filter: every row, which needs no titles.
        self.history_filter.clear();
        if let Some(v) = self.view.as_mut() {
            v.rows = (0..v.profile.likes.len() + v.seen.len()).collect();
            v.history = Default::default();
        }
        Some(Vec::new())
    }
}
