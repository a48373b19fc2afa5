//! The Build-a-user tab: title search, the likes so far, and the recommendations with their
//! explanations, updated at every like.

use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::explore::{draw_attribution, draw_influence};
use super::layout::{Pane, Regions};
use super::widgets::{draw_recs, fit, Theme};
use crate::tui::app::App;

pub fn draw(frame: &mut Frame, regions: &Regions, app: &App, theme: &Theme) {
    let (Some(engine), Some(b)) = (app.engine.as_deref(), app.build.as_ref()) else {
        return;
    };
    let area = regions.pane(Pane::Search);
    let focused = b.focus == Pane::Search;
    let rows = regions.rows_of(Pane::Search);
    let width = usize::from(area.width.saturating_sub(2));
    let cursor = if b.typing { "▏" } else { "" };
    let mut lines = vec![
        Line::from(Span::styled(
            format!("/ {}{cursor}", b.query),
            theme.accent(),
        )),
        Line::from(Span::styled(
            format!("{} matches · space/Enter likes", b.results.len()),
            theme.dim(),
        )),
    ];
    for i in b.results_cursor.visible(b.results.len(), rows) {
        let item = b.results[i];
        let mark = if b.liked.contains(&item) {
            "♥ "
        } else {
            "  "
        };
        let text = fit(
            &format!(
                "{mark}{}  {}",
                engine.title(item),
                engine.dataset.genre_label(item)
            ),
            width,
        );
        let style = if i == b.results_cursor.selected {
            theme.selected(focused)
        } else {
            Default::default()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(" Search movies by title ", focused)),
        area,
    );

    let area = regions.pane(Pane::Liked);
    let focused = b.focus == Pane::Liked;
    let rows = regions.rows_of(Pane::Liked);
    let mut lines = Vec::new();
    if b.liked.is_empty() {
        lines.push(Line::from(Span::styled(
            "Like a handful of movies from the search.",
            theme.dim(),
        )));
    }
    for i in b.liked_cursor.visible(b.liked.len(), rows) {
        let text = fit(&format!("♥ {}", engine.title(b.liked[i])), width);
        let style = if i == b.liked_cursor.selected {
            theme.selected(focused)
        } else {
            Default::default()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    let title = format!(" Liked ({}) · space unlikes, r clears ", b.liked.len());
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(title, focused)),
        area,
    );

    let area = regions.pane(Pane::BuildRecs);
    let focused = b.focus == Pane::BuildRecs;
    match &b.recs {
        Some(list) => {
            let block = theme.block(" Recommendations for your likes ", focused);
            draw_recs(
                frame,
                area,
                engine,
                list,
                b.recs_cursor.selected,
                focused,
                false,
                block,
                theme,
            );
        }
        None => frame.render_widget(
            Paragraph::new("Recommendations appear as soon as you like a movie.")
                .block(theme.block(" Recommendations ", focused)),
            area,
        ),
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(regions.pane(Pane::BuildDetail));
    draw_attribution(frame, left, engine, b.detail.as_ref(), theme);
    draw_influence(frame, right, engine, b.detail.as_ref(), theme);
}
