//! Where everything goes, as a pure function of the terminal size and the tab: drawing uses it to
//! place panes, the app uses it to turn a mouse click into a pane and a row and to know how many
//! rows a page has.

use ratatui::layout::{Constraint, Layout, Position, Rect};

use crate::tui::tab::Tab;

/// Below this the screen says it is too small instead of drawing.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Below this body height the Explore tab is compact: under the top-10 one row of panes shows
/// either "Why" and "Because you liked" side by side or the What-if pane
/// ([`Regions::compact_bottom`] picks which), so each has room for its numbers.
pub const COMPACT_BODY_BELOW: u16 = 32;

/// Rows of a top-k table (the k of every list the TUI shows).
pub const TOP_K: usize = crate::tui::adapter::LIST_LENGTH;

/// A pane that can take focus or a click.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Users,
    History,
    Recs,
    Attribution,
    Influence,
    WhatIf,
    Search,
    Liked,
    /// Build-a-user's gender, age and occupation.
    BuildProfile,
    BuildRecs,
    BuildDetail,
    Body,
}

/// The rectangles of one frame.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions {
    pub tabs: Rect,
    pub body: Rect,
    /// The tour's caption lines (empty without a tour).
    pub caption: Rect,
    pub status: Rect,
    pub panes: Vec<(Pane, Rect)>,
    /// True for the compact Explore layout (Why, Because and What-if share the bottom rows).
    pub compact: bool,
}

impl Regions {
    pub fn pane(&self, pane: Pane) -> Rect {
        self.panes
            .iter()
            .find(|p| p.0 == pane)
            .map_or(Rect::default(), |p| p.1)
    }

    /// The same frame with `pane` over the whole body (the `z` zoom); unchanged when the tab
    /// has no such pane.
    pub fn zoomed(mut self, pane: Pane) -> Regions {
        if self.panes.iter().any(|p| p.0 == pane) {
            self.panes = vec![(pane, self.body)];
        }
        self
    }

    /// The compact Explore layout with one of its bottom views: the What-if pane or "Because
    /// you liked" over the whole row (`alone`), else Why and Because side by side. Unchanged when
    /// the layout is not compact.
    pub fn compact_bottom(mut self, alone: Option<Pane>) -> Regions {
        if !self.compact {
            return self;
        }
        let bottom = self.pane(Pane::WhatIf);
        self.panes.retain(|p| match (p.0, alone) {
            (Pane::WhatIf, alone) => alone == Some(Pane::WhatIf),
            (Pane::Attribution | Pane::Influence, None) => true,
            (Pane::Attribution | Pane::Influence, Some(_)) => false,
            _ => true,
        });
        if alone == Some(Pane::Influence) {
            self.panes.push((Pane::Influence, bottom));
        }
        self
    }

    /// The pane under a screen position.
    pub fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let at = Position::new(column, row);
        self.panes.iter().find(|p| p.1.contains(at)).map(|p| p.0)
    }

    /// Rows of list content a pane shows (inside its border, below a header line when it has one).
    pub fn rows_of(&self, pane: Pane) -> usize {
        let r = self.pane(pane);
        usize::from(r.height.saturating_sub(2 + header_lines(pane)))
    }

    /// The 0-based content row (before scrolling) a click at `row` hits in `pane`, if any.
    pub fn row_in(&self, pane: Pane, row: u16) -> Option<usize> {
        let r = self.pane(pane);
        let top = r.y + 1 + header_lines(pane);
        (row >= top && row < r.y + r.height.saturating_sub(1)).then(|| usize::from(row - top))
    }
}

/// Lines above a pane's rows: column headers, or the search field.
pub fn header_lines(pane: Pane) -> u16 {
    match pane {
        Pane::Users | Pane::Recs | Pane::BuildRecs => 1,
        Pane::Influence => 2,
        Pane::Search => 2,
        _ => 0,
    }
}

/// The label of tab `n` in the tabs bar (` 1 Explore `); labels are joined by a one-column `│`.
pub fn tab_label(n: usize) -> String {
    format!(" {} {} ", n + 1, Tab::ALL[n].title())
}

/// The tab whose label covers `column` of the tabs bar.
pub fn tab_at(column: u16) -> Option<usize> {
    let mut x = 0u16;
    for n in 0..Tab::ALL.len() {
        let w = tab_label(n).chars().count() as u16;
        if column >= x && column < x + w {
            return Some(n);
        }
        x += w + 1;
    }
    None
}

/// True when the terminal can hold the smallest layout.
pub fn fits(area: Rect) -> bool {
    area.width >= MIN_WIDTH && area.height >= MIN_HEIGHT
}

/// The layout of `tab` in `area`.
pub fn regions(area: Rect, tab: Tab) -> Regions {
    regions_with(area, tab, 0)
}

/// The layout of `tab` in `area` with `caption` lines above the status bar (the tour's).
pub fn regions_with(area: Rect, tab: Tab, caption: u16) -> Regions {
    let [tabs, body, caption, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(caption),
        Constraint::Length(1),
    ])
    .areas(area);
    let recs_height = TOP_K as u16 + 3;
    let panes = match tab {
        Tab::Explore => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(36), Constraint::Percentage(64)])
                    .areas(body);
            let [users, history] =
                Layout::vertical([Constraint::Percentage(55), Constraint::Percentage(45)])
                    .areas(left);
            let compact = body.height < COMPACT_BODY_BELOW;
            let [recs, bars, whatif] = Layout::vertical([
                Constraint::Length(recs_height),
                Constraint::Min(3),
                Constraint::Length(if compact { 0 } else { 6 }),
            ])
            .areas(right);
            // Compact: the What-if pane takes the bars' rows when it is the one shown.
            let whatif = if compact { bars } else { whatif };
            let [attribution, influence] =
                Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                    .areas(bars);
            vec![
                (Pane::Users, users),
                (Pane::History, history),
                (Pane::Recs, recs),
                (Pane::Attribution, attribution),
                (Pane::Influence, influence),
                (Pane::WhatIf, whatif),
            ]
        }
        Tab::Build => {
            let [left, right] =
                Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                    .areas(body);
            let [search, profile, liked] = Layout::vertical([
                Constraint::Percentage(55),
                Constraint::Length(5),
                Constraint::Min(3),
            ])
            .areas(left);
            let [recs, detail] =
                Layout::vertical([Constraint::Length(recs_height), Constraint::Min(3)])
                    .areas(right);
            vec![
                (Pane::Search, search),
                (Pane::BuildProfile, profile),
                (Pane::Liked, liked),
                (Pane::BuildRecs, recs),
                (Pane::BuildDetail, detail),
            ]
        }
        _ => vec![(Pane::Body, body)],
    };
    Regions {
        tabs,
        body,
        caption,
        status,
        panes,
        compact: tab == Tab::Explore && body.height < COMPACT_BODY_BELOW,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_body_and_clicks_find_rows() {
        let area = Rect::new(0, 0, 120, 40);
        for tab in Tab::ALL {
            let r = regions(area, tab);
            let covered: u32 = r.panes.iter().map(|p| p.1.area()).sum();
            assert_eq!(covered, r.body.area(), "{tab:?}");
        }
        let r = regions(area, Tab::Explore);
        let users = r.pane(Pane::Users);
        assert_eq!(r.pane_at(users.x + 2, users.y + 3), Some(Pane::Users));
        assert_eq!(r.row_in(Pane::Users, users.y + 2), Some(0));
        assert_eq!(r.row_in(Pane::Users, users.y), None);
        assert_eq!(r.rows_of(Pane::Recs), TOP_K);
        assert!(r.rows_of(Pane::Users) > 5);
        assert_eq!(tab_at(0), Some(0));
        let second = tab_label(0).chars().count() as u16 + 1;
        assert_eq!(tab_at(second), Some(1));
        assert_eq!(tab_at(second - 1), None);
    }
}
