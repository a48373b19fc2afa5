//! Shared drawing pieces: the colour theme (plain under `NO_COLOR`), signed bars, text fitting, and
//! the top-10 table both the Explore and the Build-a-user tabs show.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Gauge, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::tui::adapter::{Engine, ListView};
use crate::tui::tabs::computation::JobProgress;

/// Colours, or none at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to anything non-empty (<https://no-color.org>).
    pub fn from_env() -> Theme {
        Theme {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn positive(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn negative(&self) -> Style {
        self.fg(Color::Red)
    }

    pub fn accent(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }

    /// The selected row: reversed, so it shows without colour too.
    pub fn selected(&self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::UNDERLINED)
        }
    }

    /// A pane's border: highlighted when it has the focus.
    pub fn block<'a>(&self, title: impl Into<Line<'a>>, focused: bool) -> Block<'a> {
        let style = if focused { self.accent() } else { self.dim() };
        Block::new()
            .borders(Borders::ALL)
            .border_style(style)
            .title(title)
    }
}

/// `text` cut to `width` columns (with `…` when cut), padded with spaces to exactly `width`.
pub fn fit(text: &str, width: usize) -> String {
    let n = text.chars().count();
    if n <= width {
        let mut s = String::with_capacity(width);
        s.push_str(text);
        s.extend(std::iter::repeat_n(' ', width - n));
        s
    } else if width == 0 {
        String::new()
    } else {
        let mut s: String = text.chars().take(width - 1).collect();
        s.push('…');
        s
    }
}

/// `text` cut to `width` columns like [`fit`], but never right after a digit: a number at the cut
/// goes whole ("Theater 3000: The Movie" → "Theater…", not "Theater 3000…" or "Theater 30…").
pub fn fit_name(text: &str, width: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= width || width == 0 {
        return fit(text, width);
    }
    let mut keep = width - 1;
    if keep > 0 && chars[keep - 1].is_ascii_digit() {
        while keep > 0 && (chars[keep - 1].is_ascii_digit() || chars[keep - 1] == '.') {
            keep -= 1;
        }
    }
    let kept: String = chars[..keep].iter().collect();
    let mut s = kept.trim_end().to_string();
    s.push('…');
    fit(&s, width)
}

/// A movie title fitted to `width` columns: when it is too long the name is cut with
/// [`fit_name`] and the trailing ` (year)` kept whole; padded to `width`.
pub fn fit_title(title: &str, width: usize) -> String {
    if title.chars().count() <= width {
        return fit(title, width);
    }
    let name = strip_year(title);
    let year = &title.trim_end()[name.len()..];
    let year_w = year.chars().count();
    if width >= year_w + 4 {
        let name = fit_name(name, width - year_w);
        fit(&format!("{}{year}", name.trim_end()), width)
    } else {
        fit_name(name, width)
    }
}

/// A movie row: `head` (marks, id), the title and its genres in `width` columns. The genres are
/// cut first, then the title's name (its year and every number stay whole).
pub fn movie_row(head: &str, title: &str, genres: &str, width: usize) -> String {
    let room = width.saturating_sub(head.chars().count());
    if title.chars().count() + 2 < room {
        fit(&format!("{head}{title}  {genres}"), width)
    } else {
        format!("{head}{}", fit_title(title, room))
    }
}

/// The longest of `variants` that fits `width` columns (the last one, cut, when none does).
pub fn longest_fitting(variants: &[String], width: usize) -> String {
    variants
        .iter()
        .find(|v| v.chars().count() <= width)
        .cloned()
        .unwrap_or_else(|| {
            variants
                .last()
                .map_or(String::new(), |v| fit(v, width).trim_end().to_string())
        })
}

/// ` · `-joined `parts` packed into lines of at most `width` columns, each line starting with
/// `indent`; a part is split only when it is longer than a line (then at spaces).
pub fn dotted_lines(parts: &[String], width: usize, indent: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let room = width.saturating_sub(indent.chars().count()).max(1);
    for part in parts {
        let used = line.chars().count();
        if used > 0 && used + 3 + part.chars().count() <= width {
            line.push_str(" · ");
            line.push_str(part);
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
        }
        // A part longer than a line goes on lines of its own, the last one open for more.
        let mut pieces = wrap_words(part, room);
        let last = pieces.pop().unwrap_or_default();
        lines.extend(pieces.into_iter().map(|p| format!("{indent}{p}")));
        line = format!("{indent}{last}");
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` broken at spaces into lines of at most `width` columns (a longer word gets its own line).
pub fn wrap_words(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let line = lines.last_mut().expect("one line");
        let used = line.chars().count();
        if used > 0 && used + 1 + word.chars().count() > width {
            lines.push(word.to_string());
        } else {
            if used > 0 {
                line.push(' ');
            }
            line.push_str(word);
        }
    }
    lines
}

/// A MovieLens title without its trailing ` (year)`.
pub fn strip_year(title: &str) -> &str {
    let t = title.trim_end();
    match t.rfind(" (") {
        Some(p)
            if t.ends_with(')')
                && t[p + 2..t.len() - 1]
                    .chars()
                    .take(4)
                    .all(|c| c.is_ascii_digit()) =>
        {
            &t[..p]
        }
        _ => t,
    }
}

/// A signed bar of `width` columns around a centre mark: negative values grow left (red, `▒`),
/// positive right (green, `█`), scaled so that `max` fills half the width.
pub fn signed_bar(value: f32, max: f32, width: usize, theme: &Theme) -> Vec<Span<'static>> {
    let half = width.saturating_sub(1) / 2;
    let cells = if max > 0.0 {
        ((value.abs() / max) * half as f32).round() as usize
    } else {
        0
    }
    .min(half);
    let (left, right) = if value < 0.0 { (cells, 0) } else { (0, cells) };
    vec![
        Span::raw(" ".repeat(half - left)),
        Span::styled("▒".repeat(left), theme.negative()),
        Span::styled("│", theme.dim()),
        Span::styled("█".repeat(right), theme.positive()),
        Span::raw(" ".repeat(half - right)),
    ]
}

/// A bar of `fraction` (0..=1) of `width` columns.
pub fn bar(fraction: f64, width: usize) -> String {
    let n = (fraction.clamp(0.0, 1.0) * width as f64).round() as usize;
    let mut s = "█".repeat(n);
    s.extend(std::iter::repeat_n('·', width - n));
    s
}

/// A computing pane: `lines` (wrapped), then while `running` a progress gauge and how to stop it.
pub fn progress_lines(
    frame: &mut Frame,
    area: Rect,
    lines: Vec<Line>,
    running: Option<&JobProgress>,
    theme: &Theme,
) {
    let [text, gauge, hint] = Layout::vertical([
        Constraint::Min(1),
        Constraint::Length(u16::from(running.is_some())),
        Constraint::Length(u16::from(running.is_some())),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), text);
    if let Some(p) = running {
        let g = Gauge::default()
            .gauge_style(theme.positive())
            .ratio(f64::from(p.fraction.clamp(0.0, 1.0)))
            .label(p.label.clone());
        frame.render_widget(g, gauge);
        let stop = "Esc cancels · q quits · other tabs keep working";
        frame.render_widget(Paragraph::new(Span::styled(stop, theme.dim())), hint);
    }
}

/// The change column of a ranked row: `▲3`, `▼2`, `new`, `=` or blank without what-if.
pub fn movement(rank: usize, previous: Option<usize>, whatif: bool) -> (String, i8) {
    if !whatif {
        return (String::new(), 0);
    }
    match previous {
        None => ("new".into(), 1),
        Some(p) if p > rank => (format!("▲{}", p - rank), 1),
        Some(p) if p < rank => (format!("▼{}", rank - p), -1),
        Some(_) => ("=".into(), 0),
    }
}

/// The ranked top-10 table: rank, change, title, year, genres, score, predicted stars, popularity.
#[allow(clippy::too_many_arguments)]
pub fn draw_recs(
    frame: &mut Frame,
    area: Rect,
    engine: &Engine,
    list: &ListView,
    selected: usize,
    focused: bool,
    whatif: bool,
    block: Block,
    theme: &Theme,
) {
    // Through the knob, the list is sorted by the re-ranked score: shown beside the model's score
    // (which the explanation adds up to).
    let knob = list.recs.iter().any(|r| r.knob_score.is_some());
    // Movie ids and genres as columns when there is room (the Why pane's title names the
    // selected film's id, History and Why its genres); the title gets the rest, cut with "…".
    let wide = area.width >= 90;
    let ids = wide;
    let fixed: u16 = 2 + 4 + 4 + 6 + 3 + 5 + if ids { 6 } else { 0 } + if knob { 6 } else { 0 };
    let columns: u16 = 8 + u16::from(ids) + u16::from(knob) - u16::from(!wide);
    let rest = area
        .width
        .saturating_sub(2 + fixed + columns.saturating_sub(1));
    let title_w = if wide { rest * 3 / 5 } else { rest };
    let mut header = vec!["#"];
    if ids {
        header.push("id");
    }
    header.extend(["chg", "title", "year"]);
    if wide {
        header.push("genres");
    }
    header.push("score");
    if knob {
        header.push("knob");
    }
    header.extend(["★", "pop"]);
    let header = Row::new(header).style(theme.dim().add_modifier(Modifier::BOLD));
    let rows = list.recs.iter().enumerate().map(|(n, r)| {
        let (chg, dir) = movement(r.rank, r.previous_rank, whatif);
        let chg_style = match dir {
            1 => theme.positive(),
            -1 => theme.negative(),
            _ => Style::new(),
        };
        let d = &engine.dataset;
        let mut cells = vec![Span::raw(r.rank.to_string())];
        if ids {
            cells.push(Span::raw(d.item_id(r.item).to_string()));
        }
        cells.extend([
            Span::styled(chg, chg_style),
            Span::raw(
                fit_name(strip_year(engine.title(r.item)), usize::from(title_w))
                    .trim_end()
                    .to_string(),
            ),
            Span::raw(d.items.years[r.item as usize].map_or(String::new(), |y| y.to_string())),
        ]);
        if wide {
            cells.push(Span::raw(d.genre_label(r.item)));
        }
        cells.push(Span::raw(format!("{:.3}", r.score)));
        if knob {
            cells.push(Span::raw(
                r.knob_score.map_or(String::new(), |k| format!("{k:.3}")),
            ));
        }
        cells.extend([
            Span::raw(format!("{:.1}", r.stars)),
            Span::raw(r.popularity.to_string()),
        ]);
        let row = Row::new(cells);
        if n == selected {
            row.style(theme.selected(focused))
        } else {
            row
        }
    });
    let mut widths = vec![Constraint::Length(2)];
    if ids {
        widths.push(Constraint::Length(6));
    }
    widths.extend([
        Constraint::Length(4),
        Constraint::Length(title_w),
        Constraint::Length(4),
    ]);
    if wide {
        widths.push(Constraint::Fill(1));
    }
    widths.push(Constraint::Length(6));
    if knob {
        widths.push(Constraint::Length(6));
    }
    widths.extend([Constraint::Length(3), Constraint::Length(5)]);
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_color_theme_has_no_colours_but_still_marks_selection() {
        let plain = Theme { color: false };
        for style in [
            plain.positive(),
            plain.negative(),
            plain.accent(),
            plain.dim(),
            plain.error(),
        ] {
            assert_eq!((style.fg, style.bg), (None, None));
        }
        assert!(plain
            .selected(true)
            .add_modifier
            .contains(Modifier::REVERSED));
        assert_eq!(Theme { color: true }.positive().fg, Some(Color::Green));
    }

    #[test]
    fn text_helpers() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("ab", 4), "ab  ");
        assert_eq!(wrap_words("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(strip_year("Heat (1995)"), "Heat");
        assert_eq!(strip_year("Babylon 5 (1994-1998)"), "Babylon 5");
        assert_eq!(strip_year("Hyena Road"), "Hyena Road");
        assert_eq!(bar(0.5, 4), "██··");
        assert_eq!(movement(2, Some(5), true).0, "▲3");
        assert_eq!(movement(5, Some(2), true).0, "▼3");
        assert_eq!(movement(5, None, true).0, "new");
        assert_eq!(movement(5, Some(5), false).0, "");
        let t = Theme { color: false };
        let text: String = signed_bar(-1.0, 1.0, 9, &t)
            .iter()
            .map(|s| s.content.to_string())
            .collect();
        assert_eq!(text, "▒▒▒▒│    ");
    }
}
