//! The Dataset tab: the EDA report as charts — rating histogram, the long tail, genres and
//! demographics — from `data::eda::analyse`, computed on a worker after start-up.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bar, fit, Theme};
use crate::tui::app::App;

/// `label  ██████····  value` lines for (label, count) pairs, scaled to the largest count.
fn bars(
    items: &[(String, usize)],
    width: usize,
    total: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let label_w = (width / 3).clamp(6, 22);
    let bar_w = width.saturating_sub(label_w + 16).max(4);
    items
        .iter()
        .map(|(label, n)| {
            let share = if total > 0 {
                100.0 * *n as f64 / total as f64
            } else {
                0.0
            };
            Line::from(vec![
                Span::raw(fit(label, label_w)),
                Span::styled(bar(*n as f64 / max as f64, bar_w), theme.positive()),
                Span::raw(format!(" {n:>8} {share:>4.1}%")),
            ])
        })
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(r) = app.dataset.report.as_ref() else {
        let text = match &app.dataset.error {
            Some(e) => format!("The statistics could not be computed: {e}"),
            None => "Computing the dataset statistics…".to_string(),
        };
        frame.render_widget(
            Paragraph::new(text).block(theme.block(" Dataset ", false)),
            area,
        );
        return;
    };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(area);
    let [hist, tail] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let [genres, demo] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(bottom);
    let width = |a: Rect| usize::from(a.width.saturating_sub(2));
    let scroll = app.dataset.scroll;

    let c = &r.counts;
    let mut lines = vec![
        Line::from(format!(
            "{} users · {} movies ({} rated) · {} ratings · {:.2}% sparse",
            c.users,
            c.items,
            c.items_rated,
            c.ratings,
            100.0 * r.sparsity
        )),
        Line::from(format!(
            "mean {:.2} · positives (≥4) {:.1}% · {} … {}",
            r.ratings.mean,
            100.0 * r.ratings.positive_share,
            r.time_range.first,
            r.time_range.last
        )),
        Line::from(format!(
            "{} title{} under two ids (shown once in every list){}",
            r.twins.len(),
            if r.twins.len() == 1 { "" } else { "s" },
            r.twins.first().map_or(String::new(), |t| format!(
                ", e.g. {} {:?}",
                t.title, t.movie_ids
            ))
        )),
    ];
    let h: Vec<(String, usize)> = r
        .ratings
        .histogram
        .iter()
        .map(|b| (format!("{}★", b.rating), b.count))
        .collect();
    lines.extend(bars(&h, width(hist), c.ratings, theme));
    let title = format!(" Ratings of {} ", r.dataset);
    frame.render_widget(Paragraph::new(lines).block(theme.block(title, false)), hist);

    let (u, i, t) = (&r.ratings_per_user, &r.ratings_per_item, &r.long_tail);
    let lines = vec![
        Line::from(Span::styled(
            "ratings per item (the long tail)",
            theme.accent(),
        )),
        Line::from(format!(
            "  min {:.0} · median {:.0} · q90 {:.0} · q99 {:.0} · max {:.0}",
            i.min, i.median, i.q90, i.q99, i.max
        )),
        Line::from(vec![
            Span::raw(fit("  top 20% of items", 22)),
            Span::styled(bar(t.top20pct_items_rating_share, 20), theme.positive()),
            Span::raw(format!(
                " {:.1}% of ratings",
                100.0 * t.top20pct_items_rating_share
            )),
        ]),
        Line::from(vec![
            Span::raw(fit("  tail items", 22)),
            Span::styled(bar(t.tail_items_share, 20), theme.negative()),
            Span::raw(format!(
                " {:.1}% share the last 20%",
                100.0 * t.tail_items_share
            )),
        ]),
        Line::from(format!(
            "  {} rated movies have fewer than 10 ratings",
            t.items_under_10_ratings
        )),
        Line::from(Span::styled("ratings per user", theme.accent())),
        Line::from(format!(
            "  min {:.0} · median {:.0} · q90 {:.0} · q99 {:.0} · max {:.0}",
            u.min, u.median, u.q90, u.q99, u.max
        )),
    ];
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(" Long tail ", false)),
        tail,
    );

    let g: Vec<(String, usize)> = r
        .genres
        .iter()
        .map(|g| (g.genre.clone(), g.ratings))
        .collect();
    let lines = bars(&g, width(genres), c.ratings, theme);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(theme.block(" Genres (ratings) · ↑↓ scroll ", false)),
        genres,
    );

    let d = &r.demographics;
    let mut lines = Vec::new();
    if d.available {
        for (name, groups) in [
            ("gender", &d.gender),
            ("age", &d.age),
            ("occupation", &d.occupation),
        ] {
            lines.push(Line::from(Span::styled(name, theme.accent())));
            let items: Vec<(String, usize)> =
                groups.iter().map(|l| (l.label.clone(), l.users)).collect();
            lines.extend(bars(&items, width(demo), c.users, theme));
        }
    } else {
        lines.push(Line::from(
            d.note
                .clone()
                .unwrap_or_else(|| "No demographics in this dataset.".into()),
        ));
    }
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            .block(theme.block(" Users (demographics) ", false)),
        demo,
    );
}
