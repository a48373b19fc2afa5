//! The Explore tab: users, history with "hadn't liked" toggles, the ranked top-10 with its moves,
//! the Why and "Because you liked" bars (`bars.rs`), and the what-if line with the retrain
//! gauge.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::bars::{draw_attribution, draw_influence};
use super::layout::{Pane, Regions};
use super::widgets::{draw_recs, fit, longest_fitting, movie_row, strip_year, Theme};
use crate::tui::adapter::Engine;
use crate::tui::app::App;
use crate::tui::tabs::explore::{Explore, Field, Retrain, UserView};

pub fn draw(frame: &mut Frame, regions: &Regions, app: &App, theme: &Theme) {
    let (Some(engine), Some(x)) = (app.engine.as_deref(), app.explore.as_ref()) else {
        return;
    };
    draw_users(
        frame,
        regions.pane(Pane::Users),
        regions.rows_of(Pane::Users),
        x,
        theme,
    );
    let Some(v) = x.view.as_ref() else {
        let empty = theme.block(" History ", false);
        frame.render_widget(
            Paragraph::new("No user matches the filter.").block(empty),
            regions.pane(Pane::History),
        );
        return;
    };
    draw_history(frame, regions.pane(Pane::History), engine, x, v, theme);
    let whatif = v.whatif.is_some();
    let who = match (v.built, v.profile.user) {
        (Some((n, _)), _) => format!("built user {n}"),
        (None, Some(u)) => format!("user {}", engine.dataset.user_id(u)),
        (None, None) => "user".to_string(),
    };
    // (long, short) forms of what the list is; the title takes the longest that fits.
    let (state, short) = match (&v.retrain, whatif) {
        (_, false) if v.shown().popularity_fallback => {
            ("popularity fallback".to_string(), "popularity".to_string())
        }
        (_, false) => (
            engine.spec().name().to_string(),
            engine.spec().name().to_string(),
        ),
        (_, true) if v.built.is_some() => (
            "refold (exact for a built user)".to_string(),
            "refold".to_string(),
        ),
        (Retrain::Done { result, .. }, true) => (
            format!(
                "after incremental retrain ({})",
                sweeps_label(result.sweeps)
            ),
            "retrained".to_string(),
        ),
        (Retrain::Running { fraction, .. }, true) => (
            format!("instant refold · retraining {:.0}%", fraction * 100.0),
            format!("refold · retrain {:.0}%", fraction * 100.0),
        ),
        (_, true) => ("instant refold".to_string(), "refold".to_string()),
    };
    // The knob re-ranks model scores; a popularity fallback list stays as it is.
    let knob = match &v.knob {
        Some(k) if k.base_scores.is_some() || k.whatif_scores.is_some() => {
            format!(" · knob t={:.2}", k.strength)
        }
        _ => String::new(),
    };
    let title = longest_fitting(
        &[
            format!(" Top-10 for {who} — {state}{knob} "),
            format!(" Top-10 for {who} — {short}{knob} "),
            format!(" {who} — {short}{knob} "),
        ],
        usize::from(regions.pane(Pane::Recs).width.saturating_sub(2)),
    );
    let mut block = theme.block(title, x.focus == Pane::Recs);
    // What left the list shown: through the knob, the knob's lists; else the retrained list once
    // it replaced the instant answer, else the instant answer's.
    let leaving = match (&v.knob, &v.whatif, &v.retrain) {
        (Some(k), _, _) => k.leaving.as_slice(),
        (None, Some(_), Retrain::Done { result, .. }) => result.leaving.as_slice(),
        (None, Some(w), _) => w.leaving.as_slice(),
        (None, None, _) => &[],
    };
    if !leaving.is_empty() {
        let gone: Vec<String> = leaving
            .iter()
            .map(|&(i, r)| format!("{} (was #{r})", strip_year(engine.title(i))))
            .collect();
        let places: Vec<String> = leaving.iter().map(|&(_, r)| format!("#{r}")).collect();
        let films = if leaving.len() == 1 { "film" } else { "films" };
        let text = longest_fitting(
            &[
                format!(" left: {} ", gone.join(", ")),
                format!(
                    " left: {} {films}, was {} ",
                    leaving.len(),
                    places.join(", ")
                ),
                format!(" left: {} ", places.join(",")),
            ],
            usize::from(regions.pane(Pane::Recs).width.saturating_sub(2)),
        );
        block = block.title_bottom(Line::from(Span::styled(text, theme.negative())));
    }
    draw_recs(
        frame,
        regions.pane(Pane::Recs),
        engine,
        v.shown(),
        v.recs.selected,
        x.focus == Pane::Recs,
        whatif || v.knob.is_some(),
        block,
        theme,
    );
    draw_attribution(
        frame,
        regions.pane(Pane::Attribution),
        engine,
        v.detail.as_ref(),
        theme,
    );
    draw_influence(
        frame,
        regions.pane(Pane::Influence),
        engine,
        v.detail.as_ref(),
        (x.focus == Pane::Influence).then_some((v.because.selected, v.because.offset)),
        theme,
    );
    draw_whatif(frame, regions.pane(Pane::WhatIf), engine, x, v, theme);
}

fn draw_users(frame: &mut Frame, area: Rect, rows: usize, x: &Explore, theme: &Theme) {
    let u = &x.users;
    let sort = u.sort.map_or("id", |s| s.label());
    let (shown, total) = (u.view.len(), u.total());
    let kept = match x.kept_users() {
        0 => String::new(),
        n => format!("· {n} kept "),
    };
    let filter = if u.typing || !u.filter.is_empty() {
        format!("· /{}{} ", u.filter, if u.typing { "▏" } else { "" })
    } else {
        String::new()
    };
    // The filter and the counts always show; words go first when the pane is narrow.
    let title = longest_fitting(
        &[
            format!(" Users {shown}/{total} · sort {sort} {kept}{filter}"),
            format!(" Users {shown}/{total} {kept}{filter}"),
            format!(" {shown}/{total} {kept}{filter}"),
        ],
        usize::from(area.width.saturating_sub(2)),
    );
    let focused = x.focus == Pane::Users;
    let block = theme.block(title, focused);
    let inner = usize::from(area.width.saturating_sub(2));
    // The occupation column only where it has room to say something.
    let occ = inner.saturating_sub(6 + 1 + 2 + 1 + 8 + 1 + 1 + 5);
    let occ_cell = |text: &str| {
        if occ >= 6 {
            format!("{} ", fit(text, occ))
        } else {
            " ".repeat(occ + 1)
        }
    };
    let mut lines = Vec::with_capacity(rows + 1);
    lines.push(Line::from(Span::styled(
        format!(
            "{:>6} {} {} {}{:>5}",
            "id",
            "g ",
            fit("age", 8),
            occ_cell("occupation"),
            "likes"
        ),
        theme.dim().add_modifier(Modifier::BOLD),
    )));
    for i in u.cursor.visible(u.view.len(), rows) {
        let Some(r) = u.row(i) else { continue };
        let text = format!(
            "{:>6} {} {} {}{:>5}",
            r.id,
            fit(&r.gender, 2),
            fit(&r.age, 8),
            occ_cell(&r.occupation),
            r.likes
        );
        let style = if i == u.cursor.selected {
            theme.selected(focused)
        } else {
            Default::default()
        };
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn draw_history(
    frame: &mut Frame,
    area: Rect,
    engine: &Engine,
    x: &Explore,
    v: &UserView,
    theme: &Theme,
) {
    let focused = x.focus == Pane::History;
    let (liked, off, below) = (
        v.profile.likes.len() - v.removed.len().min(v.profile.likes.len()),
        v.removed.len(),
        v.seen.len(),
    );
    let star = crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
    let typing = x.field == Some(Field::HistoryFilter);
    // The filter and its count always show: the counts' words go first when narrow.
    let (filter, short_filter) = if typing || !x.history_filter.is_empty() {
        let cursor = if typing { "▏" } else { "" };
        let n = v.rows.len();
        let matches = if n == 1 {
            "1 match".to_string()
        } else {
            format!("{n} matches")
        };
        (
            format!("· /{}{cursor} {matches} ", x.history_filter),
            format!("/{}{cursor} {n} ", x.history_filter),
        )
    } else {
        (String::new(), String::new())
    };
    let title = longest_fitting(
        &[
            format!(" History · {liked}♥ {off}✗ · {below} below ★{star} {filter}"),
            format!(" History {liked}♥ {off}✗ {below}<★{star} {filter}"),
            format!(" {liked}♥ {off}✗ {below}<★{star} {short_filter}"),
            format!(" {short_filter}"),
        ],
        usize::from(area.width.saturating_sub(2)),
    );
    let rows = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = Vec::with_capacity(rows);
    let user = v.profile.user;
    for row in v.history.visible(v.rows.len(), rows) {
        let Some((item, liked)) = v.history_item(row) else {
            continue;
        };
        let off = v.removed.contains(&item);
        let mark = match (liked, off) {
            (true, true) => "✗",
            (true, false) => "♥",
            (false, _) => " ",
        };
        let stars = match user {
            Some(u) => engine.stars_of(u, item),
            None => v.seen.iter().find(|s| s.0 == item).map(|s| s.1),
        }
        .map_or(String::new(), |s| format!("★{s} "));
        let text = movie_row(
            &format!("{mark} {stars}{} ", engine.dataset.item_id(item)),
            engine.title(item),
            &engine.dataset.genre_label(item),
            width,
        );
        let mut style = if off {
            theme.negative().add_modifier(Modifier::CROSSED_OUT)
        } else if !liked {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Default::default()
        };
        if row == v.history.selected {
            style = style.patch(theme.selected(focused));
        }
        lines.push(Line::from(Span::styled(text, style)));
    }
    if v.rows.is_empty() {
        lines.push(Line::from(Span::styled(
            "No title in the history matches the filter (Esc clears it).",
            theme.dim(),
        )));
    }
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(title, focused)),
        area,
    );
}

/// The What-if pane: the minimal set (with `a` to apply it), or the what-if's sentence and the
/// retrain's check; scrolled with ↑/↓ when focused, `z` zooms it.
fn draw_whatif(
    frame: &mut Frame,
    area: Rect,
    engine: &Engine,
    x: &Explore,
    v: &UserView,
    theme: &Theme,
) {
    let focused = x.focus == Pane::WhatIf;
    let title = if focused {
        " What if I hadn't liked … · ↑↓ scroll · z zoom "
    } else {
        " What if I hadn't liked … "
    };
    let block = theme.block(title, focused);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut text: Vec<Line> = Vec::new();
    let mut gauge = None;
    if let Some(note) = x.field.as_ref().and_then(|f| match f {
        Field::Note(t) => Some(t),
        _ => None,
    }) {
        text.push(Line::from(Span::styled(
            format!("Note (Enter saves, Esc drops): {note}▏"),
            theme.accent(),
        )));
    }
    if let Some(m) = &v.minimal {
        let apply = if m.removed.is_empty() {
            ""
        } else {
            " — a applies it as the what-if"
        };
        text.push(Line::from(Span::styled(
            format!(
                "Minimal set for {}: {}{apply}",
                strip_year(engine.title(m.item)),
                m.sentence
            ),
            theme.warn(),
        )));
    } else if let Some(sentence) = v.whatif_sentence() {
        // One answer at a time: once the retrain replaced the instant answer, its sentence.
        text.push(Line::from(Span::styled(
            sentence.to_string(),
            theme.accent(),
        )));
        match &v.retrain {
            _ if v.built.is_some() => text.push(Line::from(Span::styled(
                "A built user is not in the training data: this refold is the model's own answer, \
                 nothing to retrain.",
                theme.dim(),
            ))),
            Retrain::Running {
                fraction,
                label,
                started,
                ..
            } => {
                let label = if *started {
                    format!("retraining: {label}")
                } else {
                    "retrain queued".into()
                };
                gauge = Some((f64::from(fraction.clamp(0.0, 1.0)), label));
            }
            Retrain::Done { result, .. } => {
                text.push(Line::from(Span::styled(
                    retrain_summary(result),
                    theme.positive(),
                )));
            }
            Retrain::Failed(e) => text.push(Line::from(Span::styled(
                format!("retrain failed: {e}"),
                theme.negative(),
            ))),
            Retrain::Idle => {}
        }
    } else {
        text.push(Line::from(Span::styled(
            "Select a like in History (or a \"Because you liked\" row) and press space: \"what \
             if I hadn't liked it?\" · m: minimal set · y: the same in the shell",
            theme.dim(),
        )));
    }
    let [body, bottom] = Layout::vertical([
        Constraint::Min(0),
        Constraint::Length(u16::from(gauge.is_some())),
    ])
    .areas(inner);
    // Lines after wrapping, to keep the scroll within the text.
    let width = usize::from(body.width.max(1));
    let wrapped: usize = text.iter().map(|l| l.width().div_ceil(width).max(1)).sum();
    let max = wrapped.saturating_sub(usize::from(body.height));
    let scroll = usize::from(x.whatif_scroll).min(max) as u16;
    frame.render_widget(
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .scroll((scroll, 0)),
        body,
    );
    if max > usize::from(scroll) {
        let more = Line::from(Span::styled(" ↓ more ", theme.dim()));
        frame.render_widget(
            Paragraph::new(more).alignment(ratatui::layout::Alignment::Right),
            Rect::new(
                area.x,
                area.bottom().saturating_sub(1),
                area.width.saturating_sub(1),
                1,
            ),
        );
    }
    if let Some((ratio, label)) = gauge {
        let g = Gauge::default()
            .gauge_style(theme.positive())
            .ratio(ratio)
            .label(label);
        frame.render_widget(g, bottom);
    }
}

/// The retrain's agreement with the instant answer, and by how much each answer preferred its
/// own film where they differ.
fn retrain_summary(result: &crate::tui::adapter::RetrainView) -> String {
    let mut text = format!(
        "Retrain ({}) shown; the instant answer agreed in {}/10 places, {}/10 films, τ {:.2}.",
        sweeps_label(result.sweeps),
        result.same_places,
        result.overlap,
        result.kendall_tau
    );
    // A place whose films each answer prefers over the other's (the rest follow from these, e.g.
    // the lower half of a swap).
    let shown: Vec<String> = result
        .differences
        .iter()
        .filter(|d| d.instant_gap >= 0.0 && d.retrain_gap >= 0.0)
        .map(|d| format!("#{} {:+.3}/{:+.3}", d.rank, d.instant_gap, d.retrain_gap))
        .collect();
    if !shown.is_empty() {
        text.push_str(&format!(
            " Each led by (instant/retrain): {}",
            shown.join(", ")
        ));
    }
    text
}

/// "1 sweep", "3 sweeps".
fn sweeps_label(sweeps: usize) -> String {
    if sweeps == 1 {
        "1 sweep".into()
    } else {
        format!("{sweeps} sweeps")
    }
}
