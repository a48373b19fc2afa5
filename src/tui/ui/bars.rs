//! The Why and "Because you liked" panes (Explore and Build-a-user): labelled signed bars whose
//! numbers always show, the exact attribution of the selected film's score, and each like's
//! measured drop with one geometry ([`because_layout`]) for drawing, clicks and pages.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::widgets::{
    dotted_lines, fit, fit_name, fit_title, signed_bar, strip_year, wrap_words, Theme,
};
use crate::tui::adapter::{Engine, Influences};
use crate::tui::tabs::explore::Detail;

/// One labelled signed bar: `label  ▒▒│██  +0.123`. The number always shows: when the line is
/// narrow the bar shrinks first, then goes, and only then the label is cut.
fn bar_line(
    label: &str,
    value: f32,
    max: f32,
    (width, label_w): (usize, usize),
    theme: &Theme,
) -> Line<'static> {
    let number = format!(" {:>7}", signed3(value));
    // One column of margin before the border where there is room for it.
    let width = if width > 24 { width - 1 } else { width };
    let room = width.saturating_sub(number.chars().count());
    let label_w = label_w.min(room);
    let bar_w = room.saturating_sub(label_w + 1);
    let mut spans = vec![Span::raw(fit(label, label_w))];
    if bar_w >= 3 {
        spans.push(Span::raw(" "));
        spans.extend(signed_bar(value, max, bar_w, theme));
    } else {
        spans.push(Span::raw(" ".repeat(room.saturating_sub(label_w))));
    }
    let style = if value < 0.0 {
        theme.negative()
    } else {
        theme.positive()
    };
    spans.push(Span::styled(number, style));
    Line::from(spans)
}

pub fn draw_attribution(
    frame: &mut Frame,
    area: Rect,
    engine: &Engine,
    detail: Option<&Detail>,
    theme: &Theme,
) {
    let Some(d) = detail else {
        frame.render_widget(
            Paragraph::new("").block(theme.block(" Why this score ", false)),
            area,
        );
        return;
    };
    let a = &d.attribution;
    let width = usize::from(area.width.saturating_sub(2));
    let id = format!(" (id {}) ", engine.dataset.item_id(d.item));
    let name = strip_year(engine.title(d.item));
    let room = width.saturating_sub(id.chars().count() + 4);
    let title = format!(
        " Why {}{id}",
        fit_title(name, room.min(name.chars().count()))
    );
    let max = a.parts.iter().map(|p| p.1.abs()).fold(0.0f32, f32::max);
    // Labels whole where the pane allows (a third of it at least, half at most).
    let longest = a
        .parts
        .iter()
        .map(|p| p.0.strip_prefix("genre:").unwrap_or(&p.0).chars().count())
        .max()
        .unwrap_or(0);
    let label_w = longest.clamp((width / 3).clamp(14, 18), (width / 2).max(14));
    let rows = usize::from(area.height.saturating_sub(2));
    let mut lines: Vec<Line> = a
        .parts
        .iter()
        .take(rows.saturating_sub(1))
        .map(|(label, v)| {
            bar_line(
                label.strip_prefix("genre:").unwrap_or(label),
                *v,
                max,
                (width, label_w),
                theme,
            )
        })
        .collect();
    let shown: usize = lines.len();
    let more = a.parts.len() - shown;
    let total = format!("= {:.3}", a.score);
    let label = fit(
        "sum",
        (width / 3)
            .clamp(8, 24)
            .min(width.saturating_sub(total.len())),
    );
    let more = match more {
        0 => String::new(),
        1 => " (1 more part)".to_string(),
        n => format!(" ({n} more parts)"),
    };
    let more = if label.chars().count() + total.len() + more.chars().count() <= width {
        more
    } else {
        String::new()
    };
    let sum = format!("{label}{total}{more}");
    lines.push(Line::from(Span::styled(sum, theme.accent())));
    frame.render_widget(Paragraph::new(lines).block(theme.block(title, false)), area);
}

/// The "Because you liked" pane; `cursor` (selected row, first row shown) when it has the focus.
pub fn draw_influence(
    frame: &mut Frame,
    area: Rect,
    engine: &Engine,
    detail: Option<&Detail>,
    cursor: Option<(usize, usize)>,
    theme: &Theme,
) {
    let selected = cursor.map(|c| c.0);
    let offset = cursor.map_or(0, |c| c.1);
    let title = if selected.is_some() {
        " Because you liked · space: what if not "
    } else {
        " Because you liked · drop if removed "
    };
    let block = theme.block(title, selected.is_some());
    let Some(d) = detail else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let inf = &d.influences;
    let width = usize::from(area.width.saturating_sub(2));
    frame.render_widget(block, area);
    let g = because_layout(area, inf);
    frame.render_widget(
        Paragraph::new(Span::styled(g.sentence, theme.accent())).wrap(Wrap { trim: true }),
        g.sentence_area,
    );
    let rest = g.list;
    let rows = usize::from(rest.height);
    let max = inf
        .items
        .iter()
        .map(|p| p.1.abs())
        .filter(|v| v.is_finite())
        .fold(0.0, f32::max);
    let cols = (width, (width / 2).clamp(8, 30));
    // Two rows that would show one title (a film's two MovieLens ids — `data::twins` — or two
    // films of one name in different years, since the year is cut) are told apart by their ids.
    let title_of = |item: u32| strip_year(engine.title(item));
    let repeated = |item: u32| {
        inf.items
            .iter()
            .filter(|p| title_of(p.0) == title_of(item))
            .nth(1)
            .is_some()
    };
    let lines: Vec<Line> = inf
        .items
        .iter()
        .enumerate()
        .skip(offset)
        .take(rows)
        .map(|(n, &(item, drop, _share))| {
            let id = if repeated(item) {
                format!(" (id {})", engine.dataset.item_id(item))
            } else {
                String::new()
            };
            // The measured rank after removing this like, where the explain layer ranked it.
            let suffix = match inf.measured.iter().find(|m| m.0 == item) {
                Some((_, Some(rank))) => format!("{id} →#{rank}"),
                Some((_, None)) => format!("{id} →out"),
                None => id,
            };
            let room = cols.1.saturating_sub(suffix.chars().count() + 1);
            let label = format!("{}{suffix}", fit_name(title_of(item), room).trim_end());
            let line = bar_line(&label, drop, max, cols, theme);
            if selected == Some(n) {
                line.style(theme.selected(true))
            } else {
                line
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rest);
    let note: Vec<Line> = g
        .note
        .into_iter()
        .map(|l| Line::from(Span::styled(l, theme.dim())))
        .collect();
    frame.render_widget(Paragraph::new(note), g.note_area);
}

/// The inside of a "Because you liked" pane: the sentence (whole, up to half the pane), the rows
/// of the likes, and the note relating the measured drops to the exact parts (its numbers first).
/// Drawing, clicks and pages all use this one geometry.
pub struct BecauseLayout {
    pub sentence: String,
    pub sentence_area: Rect,
    pub list: Rect,
    pub note: Vec<String>,
    pub note_area: Rect,
}

/// A signed score to 3 decimals, never "-0.000".
fn signed3(v: f32) -> String {
    let s = format!("{v:+.3}");
    if s == "-0.000" {
        "+0.000".into()
    } else {
        s
    }
}

/// [`BecauseLayout`] of the pane `area` (border included) for `inf`.
pub fn because_layout(area: Rect, inf: &Influences) -> BecauseLayout {
    let inner = Rect::new(
        area.x.saturating_add(1),
        area.y.saturating_add(1),
        area.width.saturating_sub(2),
        area.height.saturating_sub(2),
    );
    let width = usize::from(inner.width).max(1);
    let sentence = if inf.sentence.is_empty() {
        "No single like pushes this score up.".to_string()
    } else {
        inf.sentence.clone()
    };
    // How the measured drops relate to the exact additive parts (which the Why panel splits by
    // feature instead of by like).
    let shares: f32 = inf.items.iter().map(|p| p.2).sum();
    let total = signed3(inf.score);
    let note = dotted_lines(
        &[
            format!(
                "exact parts: likes {} + prior {} = {}",
                signed3(shares),
                signed3(inf.demographic),
                total.trim_start_matches('+')
            ),
            "bars: drop (measured), the score lost on a refold without the like".to_string(),
        ],
        width,
        "",
    );
    let sentence_rows =
        (wrap_words(&sentence, width).len() as u16).clamp(1, (inner.height / 2).max(1));
    // The note's numbers always; its words only while at least three likes still show.
    let room = usize::from(inner.height.saturating_sub(sentence_rows + 3)).max(1);
    let note: Vec<String> = note.into_iter().take(room.min(3)).collect();
    let [sentence_area, list, note_area] = Layout::vertical([
        Constraint::Length(sentence_rows),
        Constraint::Min(0),
        Constraint::Length(note.len() as u16),
    ])
    .areas(inner);
    BecauseLayout {
        sentence,
        sentence_area,
        list,
        note,
        note_area,
    }
}
