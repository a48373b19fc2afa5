//! The Compare tab: the Explore tab's user's top-10 from each model side by side, every row marked
//! with the other lists that also hold it, and the pairwise overlaps.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Gauge, Paragraph};
use ratatui::Frame;

use super::widgets::{dotted_lines, fit, strip_year, Theme};
use crate::tui::adapter::{overlaps, ListView};
use crate::tui::app::App;
use crate::tui::tabs::compare::ListsFor;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(engine) = app.engine.as_deref() else {
        return;
    };
    let c = &app.compare;
    let Some((whose, lists)) = c.lists.as_ref() else {
        let block = theme.block(" Compare ", false);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        if let Some(e) = &c.error {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    format!("could not train the models: {e}"),
                    theme.negative(),
                )),
                inner,
            );
        } else {
            let [text, gauge, _] = Layout::vertical([
                Constraint::Length(2),
                Constraint::Length(1),
                Constraint::Min(0),
            ])
            .areas(inner);
            frame.render_widget(
                Paragraph::new(
                    "Training the models to compare on every positive (once per session)…",
                ),
                text,
            );
            let g = Gauge::default()
                .gauge_style(theme.positive())
                .ratio(f64::from(c.fraction.clamp(0.0, 1.0)))
                .label(c.label.clone());
            frame.render_widget(g, gauge);
        }
        return;
    };
    let refs: Vec<&ListView> = lists.iter().map(|l| &l.1).collect();
    let shared = overlaps(&refs);
    let mut pairs = Vec::new();
    for a in 0..lists.len() {
        for b in a + 1..lists.len() {
            pairs.push(format!(
                "{} ∩ {}: {}/10",
                lists[a].0, lists[b].0, shared[a][b]
            ));
        }
    }
    let who = match *whose {
        ListsFor::User(u) => format!("User {}", engine.dataset.user_id(u)),
        ListsFor::Built { number, .. } => format!("Built user {number}"),
    };
    // The lists here are the models' own: a what-if tried in Explore is not in them.
    let whatif = app
        .explore
        .as_ref()
        .and_then(|x| x.view.as_ref())
        .is_some_and(|v| v.whatif.is_some());
    let note = if whatif {
        " · without the Explore what-if"
    } else {
        " (pick the user in Explore)"
    };
    let width = usize::from(area.width);
    let mut head_text = vec![Line::from(Span::styled(
        format!("{who}'s top-10 by model{note}"),
        theme.accent(),
    ))];
    let mut overlaps_line = vec![format!(
        "Overlaps: {}",
        pairs.first().cloned().unwrap_or_default()
    )];
    overlaps_line.extend(pairs.iter().skip(1).cloned());
    head_text.extend(
        dotted_lines(&overlaps_line, width, "")
            .into_iter()
            .map(Line::from),
    );
    head_text.push(Line::from(Span::styled(
        "Letters after a title name the other lists that hold it too.",
        theme.dim(),
    )));
    let [head, body] = Layout::vertical([
        Constraint::Length(head_text.len() as u16 + 1),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(head_text), head);
    let columns = Layout::horizontal(vec![
        Constraint::Ratio(1, lists.len().max(1) as u32);
        lists.len()
    ])
    .split(body);
    for (n, ((name, list), rect)) in lists.iter().zip(columns.iter()).enumerate() {
        let width = usize::from(rect.width.saturating_sub(2));
        let lines: Vec<Line> = list
            .recs
            .iter()
            .map(|r| {
                let marks: String = lists
                    .iter()
                    .enumerate()
                    .filter(|(m, l)| *m != n && l.1.recs.iter().any(|o| o.item == r.item))
                    .map(|(_, l)| l.0.chars().next().unwrap_or('?').to_ascii_uppercase())
                    .collect();
                let title = fit(
                    &format!("{:>2}. {}", r.rank, strip_year(engine.title(r.item))),
                    width.saturating_sub(4),
                );
                let style = if marks.is_empty() {
                    Default::default()
                } else {
                    theme.positive()
                };
                Line::from(vec![
                    Span::raw(title),
                    Span::styled(format!(" {marks:<3}"), style),
                ])
            })
            .collect();
        frame.render_widget(
            Paragraph::new(lines).block(theme.block(format!(" {name} "), false)),
            *rect,
        );
    }
}
