//! Drawing: [`draw`] paints one frame from the [`App`] state and nothing else (no engine calls, no
//! math), so the same code serves the terminal and ratatui's `TestBackend` in snapshot tests.

pub mod layout;
pub mod widgets;

mod bars;
mod builder;
mod compare;
mod dataset;
mod explore;
mod fairness;
mod knob;
mod trust;

use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::action::KEYS;
use super::app::{App, Phase, Starting, Tab};
use super::startup::failure_help;
pub use bars::{because_layout, BecauseLayout};
use layout::{MIN_HEIGHT, MIN_WIDTH};
pub use widgets::Theme;

/// Paints the whole screen.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if !layout::fits(area) {
        let text = vec![
            Line::from(Span::styled("The terminal is too small", theme.warn())),
            Line::from(format!(
                "{}×{} here; whyrec needs at least {MIN_WIDTH}×{MIN_HEIGHT}.",
                area.width, area.height
            )),
            Line::from(match app.prompt {
                Some(p) => p.text(&app.session.summary()),
                None => "Enlarge the window, or press q to quit.".to_string(),
            }),
        ];
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return;
    }
    match &app.phase {
        Phase::Starting(s) => draw_starting(frame, area, app, s, theme),
        Phase::Failed(message) => draw_failed(frame, area, message, theme),
        Phase::Ready => {
            let regions = app.regions();
            draw_tabs(frame, regions.tabs, app.tab, theme);
            match app.tab {
                Tab::Explore => explore::draw(frame, &regions, app, theme),
                Tab::Trust => trust::draw(frame, regions.body, app, theme),
                Tab::Fairness => fairness::draw(frame, regions.body, app, theme),
                Tab::Dataset => dataset::draw(frame, regions.body, app, theme),
                Tab::Compare => compare::draw(frame, regions.body, app, theme),
                Tab::Build => builder::draw(frame, &regions, app, theme),
            }
            draw_status(frame, regions.status, app, theme);
            if let Some(caption) = app.tour_caption() {
                let p = Paragraph::new(Span::styled(
                    caption,
                    theme.accent().add_modifier(Modifier::BOLD),
                ))
                .wrap(Wrap { trim: true });
                frame.render_widget(p, regions.caption);
            }
            if app.help {
                draw_help(frame, area, app.help_scroll, theme);
            }
            if let Some(prompt) = app.prompt {
                draw_prompt(frame, area, &prompt.text(&app.session.summary()), theme);
            }
        }
    }
}

fn draw_tabs(frame: &mut Frame, area: Rect, tab: Tab, theme: &Theme) {
    let mut spans = Vec::with_capacity(Tab::ALL.len() * 2 + 1);
    for n in 0..Tab::ALL.len() {
        if n > 0 {
            spans.push(Span::styled("│", theme.dim()));
        }
        let style = if Tab::ALL[n] == tab {
            theme.accent().add_modifier(Modifier::REVERSED)
        } else {
            Style::new()
        };
        spans.push(Span::styled(layout::tab_label(n), style));
    }
    let used: usize = spans.iter().map(|s| s.content.chars().count()).sum();
    let room = usize::from(area.width).saturating_sub(used);
    let keys = ["  ? help  q quit", "  ? help", " ?"]
        .into_iter()
        .find(|k| k.chars().count() <= room)
        .unwrap_or("");
    spans.push(Span::styled(keys, theme.dim()));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn hints(app: &App) -> String {
    if app.typing() {
        let note = app
            .explore
            .as_ref()
            .is_some_and(|x| matches!(x.field, Some(crate::tui::tabs::explore::Field::Note(_))));
        return if note {
            "type the note · Enter saves it to the session record · Esc drops it".into()
        } else {
            "type to filter · Enter done · Esc clear".into()
        };
    }
    let model = app.explored_spec().map_or("the model", |s| s.name());
    match app.tab {
        Tab::Explore => "←→ pane · ↑↓ move · / filter · space hadn't liked · m minimal set · a apply · z zoom · y command · n note · e export · t tour · s sort · r reset · +/- knob".into(),
        Tab::Build => "/ search · ↑↓ move · ←→ pane · space/Enter like · +/- stars or value · o open in Explore · r new user".into(),
        Tab::Trust => "+/- knob by 0.05 · 0 reset · s seed stability · ↑↓ scroll · Esc cancel · ? help".into(),
        Tab::Fairness => "←→ attribute · m model · ↑↓ scroll · Esc cancel".into(),
        Tab::Dataset => "↑↓ scroll".into(),
        Tab::Compare => format!("+/- knob on {model} · 0 reset · Tab next tab · 1-6 tabs · ? help"),
    }
}

/// The hints that fit in `width` columns: whole ` · `-separated hints from the left, never one
/// cut in the middle.
fn fit_hints(hints: &str, width: usize) -> String {
    let mut out = String::new();
    for part in hints.split(" · ") {
        let sep = if out.is_empty() { "" } else { " · " };
        if out.chars().count() + sep.chars().count() + part.chars().count() > width {
            break;
        }
        out.push_str(sep);
        out.push_str(part);
    }
    out
}

/// The explored model, or the one `M` is loading, for the right end of the status bar.
fn model_label(app: &App) -> String {
    match (&app.switching, app.explored_spec()) {
        (Some(s), _) => format!(" M → {} {:.0}% ", s.spec, s.fraction * 100.0),
        (None, Some(spec)) => format!(" model {spec} · M next "),
        (None, None) => String::new(),
    }
}

fn draw_status(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    if let Some(b) = &app.banner {
        // The whole message: on as many lines above the status bar as it needs (at most 4).
        let style = if b.error { theme.error() } else { theme.warn() };
        let text = format!("{}  (Esc to dismiss)", b.text);
        let lines = widgets::wrap_words(&text, usize::from(area.width).max(1));
        let n = (lines.len() as u16).clamp(1, 4).min(area.y + 1);
        let rect = Rect::new(area.x, area.y + 1 - n, area.width, n);
        let lines: Vec<Line> = lines
            .into_iter()
            .take(usize::from(n))
            .map(|l| {
                Line::from(Span::styled(
                    format!("{l:<w$}", w = usize::from(area.width)),
                    style,
                ))
            })
            .collect();
        frame.render_widget(Clear, rect);
        frame.render_widget(Paragraph::new(lines), rect);
        return;
    }
    let busy = if app.waiting() { " working… " } else { "" };
    let model = model_label(app);
    let width = |s: &str| s.chars().count() as u16;
    let [left, middle, right] = Layout::horizontal([
        Constraint::Min(0),
        Constraint::Length(width(busy)),
        Constraint::Length(width(&model)),
    ])
    .areas(area);
    let hints = fit_hints(&hints(app), usize::from(left.width));
    frame.render_widget(Paragraph::new(Span::styled(hints, theme.dim())), left);
    frame.render_widget(Paragraph::new(Span::styled(busy, theme.warn())), middle);
    let style = theme.accent().add_modifier(Modifier::REVERSED);
    frame.render_widget(Paragraph::new(Span::styled(model, style)), right);
}

/// A rectangle of at most `width`×`height` centred in `area`.
pub fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// A question over everything (the quit prompt), wrapped in a box.
fn draw_prompt(frame: &mut Frame, area: Rect, text: &str, theme: &Theme) {
    let width = area.width.min(72);
    let lines = widgets::wrap_words(text, usize::from(width.saturating_sub(4)).max(10));
    let rect = centred(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::new()
        .borders(Borders::ALL)
        .title(" Quit? ")
        .border_style(theme.warn());
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::from(format!(" {l}")))
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

fn draw_help(frame: &mut Frame, area: Rect, scroll: u16, theme: &Theme) {
    // Descriptions wrap under themselves (a hanging indent past the key column), and the box is
    // as tall as the wrapped list.
    const KEY_WIDTH: usize = 16;
    let width = area.width.min(100);
    let room = usize::from(width.saturating_sub(2))
        .saturating_sub(KEY_WIDTH)
        .max(10);
    let mut lines: Vec<Line> = Vec::new();
    for (k, what) in KEYS {
        for (n, part) in widgets::wrap_words(what, room).into_iter().enumerate() {
            let key = if n == 0 { *k } else { "" };
            lines.push(Line::from(vec![
                Span::styled(widgets::fit(key, KEY_WIDTH), theme.accent()),
                Span::raw(part),
            ]));
        }
    }
    let rect = centred(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    // Taller than the terminal: ↑/↓ scroll, and the borders say there is more.
    let rows = usize::from(rect.height.saturating_sub(2));
    let max = lines.len().saturating_sub(rows);
    let scroll = usize::from(scroll).min(max);
    let mut block = Block::new()
        .borders(Borders::ALL)
        .title(if max > 0 {
            " Keys (↑↓ scroll · ? or Esc closes) "
        } else {
            " Keys (? or Esc closes) "
        })
        .border_style(theme.accent());
    if scroll < max {
        block = block.title_bottom(Line::from(format!(" ↓ {} more ", max - scroll)));
    }
    if scroll > 0 {
        block = block.title_top(Line::from(format!(" ↑ {scroll} more ")).right_aligned());
    }
    let shown: Vec<Line> = lines.into_iter().skip(scroll).collect();
    frame.render_widget(Paragraph::new(shown).block(block), rect);
}

fn draw_starting(frame: &mut Frame, area: Rect, app: &App, s: &Starting, theme: &Theme) {
    let rect = centred(area, 96, 20);
    let [title, gauge, log] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Length(3),
        Constraint::Min(0),
    ])
    .areas(rect);
    let heading = format!(
        "whyrec — starting on {}   (q quits at any time)",
        app.options.dataset
    );
    frame.render_widget(Paragraph::new(Span::styled(heading, theme.accent())), title);
    let g = Gauge::default()
        .block(Block::new().borders(Borders::ALL).title(" progress "))
        .gauge_style(theme.positive())
        .ratio(f64::from(s.fraction.clamp(0.0, 1.0)))
        .label(s.label.clone());
    frame.render_widget(g, gauge);
    let skip = s
        .log
        .len()
        .saturating_sub(usize::from(log.height.saturating_sub(2)));
    let lines: Vec<Line> = s.log[skip..]
        .iter()
        .map(|l| Line::from(l.as_str()))
        .collect();
    let block = Block::new()
        .borders(Borders::ALL)
        .title(" log ")
        .border_style(theme.dim());
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        log,
    );
}

fn draw_failed(frame: &mut Frame, area: Rect, message: &str, theme: &Theme) {
    let rect = centred(area, 96, 16);
    let text = vec![
        Line::from(Span::styled("whyrec could not start", theme.error())),
        Line::from(""),
        Line::from(message.to_string()),
        Line::from(""),
        Line::from(Span::styled(failure_help(message), theme.accent())),
        Line::from(""),
        Line::from(Span::styled("Press q or Esc to quit.", theme.dim())),
    ];
    let block = Block::new()
        .borders(Borders::ALL)
        .border_style(theme.negative());
    frame.render_widget(
        Paragraph::new(text)
            .block(block)
            .alignment(Alignment::Left)
            .wrap(Wrap { trim: true }),
        rect,
    );
}
