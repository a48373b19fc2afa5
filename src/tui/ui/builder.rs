//! The Build-a-user tab: title search, the demographics, the ratings so far, and the
//! recommendations with their explanations, updated at every change.

use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::bars::{draw_attribution, draw_influence};
use super::layout::{Pane, Regions};
use super::widgets::{draw_recs, fit, longest_fitting, movie_row, Theme};
use crate::tui::app::App;
use crate::tui::tabs::build::{Build, FIELDS};

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
        Line::from(Span::styled(search_status(b, width), theme.dim())),
    ];
    for i in b.results_cursor.visible(b.results.len(), rows) {
        let item = b.results[i];
        let mark = match b.rated.iter().find(|r| r.0 == item) {
            Some(r) => format!("★{} ", r.1),
            None => "   ".to_string(),
        };
        let text = movie_row(
            &format!("{mark}{:>6} ", engine.dataset.item_id(item)),
            engine.title(item),
            &engine.dataset.genre_label(item),
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

    draw_profile(frame, regions, b, theme);
    let area = regions.pane(Pane::Liked);
    let focused = b.focus == Pane::Liked;
    let rows = regions.rows_of(Pane::Liked);
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = Vec::new();
    if b.rated.is_empty() {
        lines.push(Line::from(Span::styled(
            "Like a handful of movies from the search.",
            theme.dim(),
        )));
    }
    let threshold = crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
    for i in b.rated_cursor.visible(b.rated.len(), rows) {
        let (item, stars) = b.rated[i];
        let mark = if stars >= threshold { "♥" } else { " " };
        let text = movie_row(
            &format!("{mark} ★{stars} {:>6} ", engine.dataset.item_id(item)),
            engine.title(item),
            "",
            width,
        );
        let mut style = if stars < threshold {
            theme.dim()
        } else {
            Default::default()
        };
        if i == b.rated_cursor.selected {
            style = style.patch(theme.selected(focused));
        }
        lines.push(Line::from(Span::styled(text, style)));
    }
    let likes = b.likes().len();
    let title = format!(" Rated {} · {likes}♥ · +/- stars · o open ", b.rated.len());
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(title, focused)),
        area,
    );

    let area = regions.pane(Pane::BuildRecs);
    let focused = b.focus == Pane::BuildRecs;
    match &b.recs {
        Some(list) => {
            let block = theme.block(
                format!(" Recommendations for built user {} ", b.number),
                focused,
            );
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
                .wrap(ratatui::widgets::Wrap { trim: true })
                .block(theme.block(" Recommendations ", focused)),
            area,
        ),
    }
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
            .areas(regions.pane(Pane::BuildDetail));
    draw_attribution(frame, left, engine, b.detail.as_ref(), theme);
    draw_influence(frame, right, engine, b.detail.as_ref(), None, theme);
}

/// What the results are, in the longest form that fits `width`.
fn search_status(b: &Build, width: usize) -> String {
    let (long, short) = match (b.query.trim().is_empty(), b.matched, b.results.len()) {
        (true, m, n) if n < m => (
            format!("the {n} most liked of {m} films"),
            format!("{n} most liked of {m}"),
        ),
        (true, m, _) => (
            format!("all {m} films, most liked first"),
            format!("all {m} films"),
        ),
        (false, 0, _) => ("no title matches".to_string(), "no match".to_string()),
        (false, 1, _) => ("1 match".to_string(), "1 match".to_string()),
        (false, m, n) if n < m => (
            format!("first {n} of {m} matches"),
            format!("{n} of {m} matches"),
        ),
        (false, m, _) => (format!("{m} matches"), format!("{m} matches")),
    };
    longest_fitting(
        &[
            format!("{long} · space/Enter likes (★5)"),
            format!("{long} · space likes"),
            long,
            short,
        ],
        width,
    )
}

/// The gender, age and occupation of the built user (what demographic attribution reads).
fn draw_profile(frame: &mut Frame, regions: &Regions, b: &Build, theme: &Theme) {
    let area = regions.pane(Pane::BuildProfile);
    let focused = b.focus == Pane::BuildProfile;
    let width = usize::from(area.width.saturating_sub(2));
    let lines: Vec<Line> = if b.options[0].is_empty() {
        vec![Line::from(Span::styled(
            "This dataset has no demographics.",
            theme.dim(),
        ))]
    } else {
        FIELDS
            .iter()
            .enumerate()
            .map(|(f, name)| {
                let value = b.value(f).unwrap_or("not given");
                let text = fit(&format!("{name:<10} ‹ {value} ›"), width);
                let style = if f == b.profile_cursor.selected {
                    theme.selected(focused)
                } else {
                    Default::default()
                };
                Line::from(Span::styled(text, style))
            })
            .collect()
    };
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(" Profile · space/+/- change ", focused)),
        area,
    );
}
