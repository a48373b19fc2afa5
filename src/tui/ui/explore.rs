//! The Explore tab: users, history with "hadn't liked" toggles, the ranked top-10 with its moves,
//! attribution bars, "because you liked" influence bars, and the what-if line with the retrain
//! gauge.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph, Wrap};
use ratatui::Frame;

use super::layout::{Pane, Regions};
use super::widgets::{draw_recs, fit, signed_bar, strip_year, Theme};
use crate::tui::adapter::Engine;
use crate::tui::app::App;
use crate::tui::tabs::explore::{Detail, Explore, Retrain, UserView};

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
    let user_id = v.profile.user.map_or(0, |u| engine.dataset.user_id(u));
    let state = match (&v.retrain, whatif) {
        (_, false) if v.shown().popularity_fallback => "popularity fallback".to_string(),
        (_, false) => engine.spec().name().to_string(),
        (Retrain::Done { result, .. }, true) => {
            format!(
                "after incremental retrain ({})",
                sweeps_label(result.sweeps)
            )
        }
        (Retrain::Running { fraction, .. }, true) => {
            format!("instant refold · retraining {:.0}%", fraction * 100.0)
        }
        (_, true) => "instant refold".to_string(),
    };
    // The knob re-ranks model scores; a popularity fallback list stays as it is.
    let knob = match &v.knob {
        Some(k) if k.base_scores.is_some() || k.whatif_scores.is_some() => {
            format!(" · knob t={:.2}", k.strength)
        }
        _ => String::new(),
    };
    let title = format!(" Top-10 for user {user_id} — {state}{knob} ");
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
        block = block.title_bottom(Line::from(Span::styled(
            format!(" left: {} ", gone.join(", ")),
            theme.negative(),
        )));
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
        theme,
    );
    draw_whatif(frame, regions.pane(Pane::WhatIf), engine, v, theme);
}

fn draw_users(frame: &mut Frame, area: Rect, rows: usize, x: &Explore, theme: &Theme) {
    let u = &x.users;
    let sort = u.sort.map_or("id", |s| s.label());
    let mut title = format!(" Users {}/{} · sort {sort} ", u.view.len(), u.total());
    if u.typing || !u.filter.is_empty() {
        title.push_str(&format!(
            "· /{}{} ",
            u.filter,
            if u.typing { "▏" } else { "" }
        ));
    }
    let focused = x.focus == Pane::Users;
    let block = theme.block(title, focused);
    let inner = usize::from(area.width.saturating_sub(2));
    let occ = inner.saturating_sub(6 + 1 + 2 + 1 + 8 + 1 + 1 + 5);
    let mut lines = Vec::with_capacity(rows + 1);
    lines.push(Line::from(Span::styled(
        format!(
            "{:>6} {} {} {} {:>5}",
            "id",
            "g ",
            fit("age", 8),
            fit("occupation", occ),
            "likes"
        ),
        theme.dim().add_modifier(Modifier::BOLD),
    )));
    for i in u.cursor.visible(u.view.len(), rows) {
        let Some(r) = u.row(i) else { continue };
        let text = format!(
            "{:>6} {} {} {} {:>5}",
            r.id,
            fit(&r.gender, 2),
            fit(&r.age, 8),
            fit(&r.occupation, occ),
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
    let title = format!(
        " History · {}♥ {}✗ · {} below ★{} ",
        v.profile.likes.len() - v.removed.len().min(v.profile.likes.len()),
        v.removed.len(),
        v.seen.len(),
        crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD
    );
    let rows = usize::from(area.height.saturating_sub(2));
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = Vec::with_capacity(rows);
    let n_likes = v.profile.likes.len();
    let user = v.profile.user;
    for i in v.history.visible(n_likes + v.seen.len(), rows) {
        let (item, liked) = match v.profile.likes.get(i) {
            Some(&item) => (item, true),
            None => (v.seen[i - n_likes].0, false),
        };
        let off = v.removed.contains(&item);
        let mark = match (liked, off) {
            (true, true) => "✗",
            (true, false) => "♥",
            (false, _) => " ",
        };
        let stars = user
            .and_then(|u| engine.stars_of(u, item))
            .map_or(String::new(), |s| format!("★{s} "));
        let text = fit(
            &format!(
                "{mark} {stars}{}  {}",
                engine.title(item),
                engine.dataset.genre_label(item)
            ),
            width,
        );
        let mut style = if off {
            theme.negative().add_modifier(Modifier::CROSSED_OUT)
        } else if !liked {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Default::default()
        };
        if i == v.history.selected {
            style = style.patch(theme.selected(focused));
        }
        lines.push(Line::from(Span::styled(text, style)));
    }
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(title, focused)),
        area,
    );
}

/// One labelled signed bar: `label  ▒▒│██  +0.123`.
fn bar_line(
    label: &str,
    value: f32,
    max: f32,
    (width, label_w): (usize, usize),
    theme: &Theme,
) -> Line<'static> {
    let bar_w = width.saturating_sub(label_w + 9).max(3);
    let mut spans = vec![Span::raw(fit(label, label_w))];
    spans.extend(signed_bar(value, max, bar_w, theme));
    let style = if value < 0.0 {
        theme.negative()
    } else {
        theme.positive()
    };
    spans.push(Span::styled(format!(" {value:>+7.3}"), style));
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
    let title = format!(" Why {} ", strip_year(engine.title(d.item)));
    let width = usize::from(area.width.saturating_sub(2));
    let max = a.parts.iter().map(|p| p.1.abs()).fold(0.0f32, f32::max);
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
                (width, (width / 3).clamp(14, 18)),
                theme,
            )
        })
        .collect();
    let shown: usize = lines.len();
    let more = a.parts.len() - shown;
    let sum = format!(
        "{}= {:.3}{}",
        fit("sum", (width / 3).clamp(8, 24)),
        a.score,
        if more > 0 {
            format!(" ({more} more parts)")
        } else {
            String::new()
        }
    );
    lines.push(Line::from(Span::styled(sum, theme.accent())));
    frame.render_widget(Paragraph::new(lines).block(theme.block(title, false)), area);
}

pub fn draw_influence(
    frame: &mut Frame,
    area: Rect,
    engine: &Engine,
    detail: Option<&Detail>,
    theme: &Theme,
) {
    let block = theme.block(" Because you liked · drop if removed ", false);
    let Some(d) = detail else {
        frame.render_widget(Paragraph::new("").block(block), area);
        return;
    };
    let inf = &d.influences;
    let width = usize::from(area.width.saturating_sub(2));
    let sentence = if inf.sentence.is_empty() {
        "No single like pushes this score up.".to_string()
    } else {
        inf.sentence.clone()
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // How the measured drops relate to the exact additive parts (which the Why panel splits by
    // feature instead of by like).
    let shares: f32 = inf.items.iter().map(|p| p.2).sum();
    let note = format!(
        "drop: score lost on a refold without it · exact parts: likes {:+.3} + prior {:+.3} = {:.3}",
        shares, inf.demographic, inf.score
    );
    let note_rows = note.chars().count().div_ceil(width.max(1)).clamp(1, 3) as u16;
    let [top, rest, foot] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Min(0),
        Constraint::Length(note_rows),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(Span::styled(sentence, theme.accent())).wrap(Wrap { trim: true }),
        top,
    );
    let rows = usize::from(rest.height);
    let max = inf
        .items
        .iter()
        .map(|p| p.1.abs())
        .filter(|v| v.is_finite())
        .fold(0.0, f32::max);
    let cols = (width, (width / 2).clamp(8, 30));
    let lines: Vec<Line> = inf
        .items
        .iter()
        .take(rows)
        .map(|&(item, drop, _share)| {
            // The measured rank after removing this like, where the explain layer ranked it.
            let suffix = match inf.measured.iter().find(|m| m.0 == item) {
                Some((_, Some(rank))) => format!(" →#{rank}"),
                Some((_, None)) => " →out".to_string(),
                None => String::new(),
            };
            let room = cols.1.saturating_sub(suffix.chars().count() + 1);
            let label = format!(
                "{}{suffix}",
                fit(strip_year(engine.title(item)), room).trim_end()
            );
            bar_line(&label, drop, max, cols, theme)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rest);
    frame.render_widget(
        Paragraph::new(Span::styled(note, theme.dim())).wrap(Wrap { trim: true }),
        foot,
    );
}

fn draw_whatif(frame: &mut Frame, area: Rect, engine: &Engine, v: &UserView, theme: &Theme) {
    let block = theme.block(" What if I hadn't liked … ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [first, second] =
        Layout::vertical([Constraint::Length(2), Constraint::Length(2)]).areas(inner);
    if let Some(m) = &v.minimal {
        let text = format!(
            "Minimal set for {}: {}",
            strip_year(engine.title(m.item)),
            m.sentence
        );
        frame.render_widget(
            Paragraph::new(Span::styled(text, theme.warn())).wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let Some(w) = &v.whatif else {
        let hint = "Select a like in History and press space: \"what if I hadn't liked it?\" (m: minimal set)";
        frame.render_widget(Paragraph::new(Span::styled(hint, theme.dim())), first);
        return;
    };
    // One answer at a time: once the retrain replaced the instant answer, its sentence.
    let sentence = match &v.retrain {
        Retrain::Done { result, .. } => result.sentence.as_str(),
        _ => w.sentence.as_str(),
    };
    frame.render_widget(
        Paragraph::new(Span::styled(sentence, theme.accent())).wrap(Wrap { trim: true }),
        first,
    );
    match &v.retrain {
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
            let g = Gauge::default()
                .gauge_style(theme.positive())
                .ratio(f64::from(fraction.clamp(0.0, 1.0)))
                .label(label);
            frame.render_widget(g, second);
        }
        Retrain::Done { result, .. } => {
            let mut text = format!(
                "Retrain ({}) shown; the instant answer agreed in {}/10 places, τ {:.2}.",
                sweeps_label(result.sweeps),
                result.same_places,
                result.kendall_tau
            );
            // Which places of the list shown differ from the instant answer, and by how much each
            // answer preferred its own film there (near-ties have small gaps).
            let shown: Vec<String> = result
                .differences
                .iter()
                // A place whose films each answer prefers over the other's (the rest follow from
                // these, e.g. the lower half of a swap).
                .filter(|d| d.instant_gap >= 0.0 && d.retrain_gap >= 0.0)
                .take(2)
                .map(|d| format!("#{} {:+.3}/{:+.3}", d.rank, d.instant_gap, d.retrain_gap))
                .collect();
            if !shown.is_empty() {
                let more = result.differences.len().saturating_sub(shown.len());
                text.push_str(&format!(
                    " Each led by (instant/retrain): {}{}",
                    shown.join(", "),
                    if more > 0 {
                        format!(" (+{more} more)")
                    } else {
                        String::new()
                    }
                ));
            }
            frame.render_widget(
                Paragraph::new(Span::styled(text, theme.positive())).wrap(Wrap { trim: true }),
                second,
            );
        }
        Retrain::Failed(e) => {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    format!("retrain failed: {e}"),
                    theme.negative(),
                )),
                second,
            );
        }
        Retrain::Idle => {}
    }
}

/// "1 sweep", "3 sweeps".
fn sweeps_label(sweeps: usize) -> String {
    if sweeps == 1 {
        "1 sweep".into()
    } else {
        format!("{sweeps} sweeps")
    }
}
