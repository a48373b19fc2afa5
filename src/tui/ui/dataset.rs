//! The Dataset tab: the EDA report as charts — rating histogram, the long tail, genres and
//! demographics — from `data::eda::analyse`, computed on a worker after start-up.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::widgets::{bar, dotted_lines, fit, Theme};
use crate::tui::app::App;

/// `label  ██████····  value` lines for (label, count) pairs, scaled to the largest count.
fn bars(
    items: &[(String, usize)],
    width: usize,
    total: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    // The numbers always show; the bar shrinks first, then goes.
    let label_w = (width / 3).clamp(6, 22);
    let bar_w = width.saturating_sub(label_w + 16);
    let bar_w = if bar_w >= 3 { bar_w } else { 0 };
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
    // Every pane scrolls with ↑↓, each no further than its last line (a small terminal shows
    // the rest of the summary and histogram too).
    let scrolled = |lines: usize, a: Rect| {
        scroll.min((lines as u16).saturating_sub(a.height.saturating_sub(2)))
    };

    let c = &r.counts;
    let twins = match r.twins.len() {
        0 => "no title under two ids".to_string(),
        1 => "1 title under two ids (shown once in every list)".to_string(),
        n => format!("{n} titles under two ids (shown once in every list)"),
    };
    let mut summary = vec![
        format!("{} users", c.users),
        format!("{} movies ({} rated)", c.items, c.items_rated),
        format!("{} ratings", c.ratings),
        format!("{:.2}% sparse", 100.0 * r.sparsity),
        format!("mean {:.2}", r.ratings.mean),
        format!("positives (≥4) {:.1}%", 100.0 * r.ratings.positive_share),
        format!("{} … {}", r.time_range.first, r.time_range.last),
        twins,
    ];
    if let Some(t) = r.twins.first() {
        summary.push(format!("e.g. {} {:?}", t.title, t.movie_ids));
    }
    let mut lines: Vec<Line> = dotted_lines(&summary, width(hist), "")
        .into_iter()
        .map(Line::from)
        .collect();
    let h: Vec<(String, usize)> = r
        .ratings
        .histogram
        .iter()
        .map(|b| (format!("{}★", b.rating), b.count))
        .collect();
    lines.extend(bars(&h, width(hist), c.ratings, theme));
    let title = format!(" Ratings of {} ", r.dataset);
    let hist_scroll = scrolled(lines.len(), hist);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((hist_scroll, 0))
            .block(theme.block(title, false)),
        hist,
    );

    let (u, i, t) = (&r.ratings_per_user, &r.ratings_per_item, &r.long_tail);
    let tail_w = width(tail);
    let quantiles = |q: &crate::data::eda::Distribution| {
        let parts = [
            format!("min {:.0}", q.min),
            format!("median {:.0}", q.median),
            format!("q90 {:.0}", q.q90),
            format!("q99 {:.0}", q.q99),
            format!("max {:.0}", q.max),
        ];
        dotted_lines(&parts, tail_w, "  ")
            .into_iter()
            .map(Line::from)
    };
    // A share bar where there is room beside its number and words; the words go first.
    let share = |label: &str, value: f64, words: &str, style| {
        let number = format!(" {:.1}%", 100.0 * value);
        let label_w = 22.min(tail_w.saturating_sub(number.len()));
        let mut rest = tail_w.saturating_sub(label_w + number.len());
        let words = if rest >= words.chars().count() {
            rest -= words.chars().count();
            words
        } else {
            ""
        };
        let mut spans = vec![Span::raw(fit(label, label_w))];
        if rest >= 3 {
            spans.push(Span::styled(bar(value, rest.min(20)), style));
        }
        spans.push(Span::raw(format!("{number}{words}")));
        Line::from(spans)
    };
    let mut lines = vec![Line::from(Span::styled(
        "ratings per item (the long tail)",
        theme.accent(),
    ))];
    lines.extend(quantiles(i));
    lines.push(share(
        "  top 20% of items",
        t.top20pct_items_rating_share,
        " of ratings",
        theme.positive(),
    ));
    lines.push(share(
        "  tail items",
        t.tail_items_share,
        " share the last 20%",
        theme.negative(),
    ));
    lines.extend(
        dotted_lines(
            &[format!(
                "{} rated movies have fewer than 10 ratings",
                t.items_under_10_ratings
            )],
            tail_w,
            "  ",
        )
        .into_iter()
        .map(Line::from),
    );
    lines.push(Line::from(Span::styled("ratings per user", theme.accent())));
    lines.extend(quantiles(u));
    let tail_scroll = scrolled(lines.len(), tail);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((tail_scroll, 0))
            .block(theme.block(" Long tail ", false)),
        tail,
    );

    // Ordered by what the bars show: ratings, most first.
    let mut g: Vec<(String, usize)> = r
        .genres
        .iter()
        .map(|g| (g.genre.clone(), g.ratings))
        .collect();
    g.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
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
