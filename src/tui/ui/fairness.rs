//! The Fairness tab: for the selected attribute, the groups' sizes, ranking metrics of the
//! selected model and RMSE, bars of P@10 per group, the best–worst gaps, and the item side
//! (exposure by popularity decile for every model). Every number comes from the
//! [`FairnessReport`] the worker computed.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::widgets::{bar, fit, longest_fitting, progress_lines, Theme};
use crate::metrics::fairness::{AttributeAudit, FairnessReport};
use crate::tui::adapter::{FairnessRun, FAIRNESS_KNOB};
use crate::tui::app::App;
use crate::tui::tabs::computation::Computation;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let f = &app.fairness;
    let Some(run) = f.audit.done() else {
        let block = theme.block(" Fairness audit ", false);
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let text = match &f.audit {
            Computation::Failed(e) => Line::from(Span::styled(
                format!("The fairness audit failed: {e}. Enter tries again."),
                theme.negative(),
            )),
            Computation::Cancelled => Line::from(Span::styled(
                "Cancelled. Enter starts the fairness audit again.",
                theme.warn(),
            )),
            _ => {
                let model = app
                    .explored_spec()
                    .map_or("the explored model", |s| s.name());
                Line::from(format!(
                    "Auditing by gender, age and occupation on PROTOCOL.md's holdout-20 split: \
                     popularity, {model} and {model} through the knob at t={FAIRNESS_KNOB} refit \
                     on its train part; RMSE by group of the best rating model on the rating \
                     splits (what `whyrec fairness` reports). Once per model."
                ))
            }
        };
        progress_lines(frame, inner, vec![text], f.audit.running(), theme);
        return;
    };
    let r = &run.report;
    let model = f.model.min(r.overall.len().saturating_sub(1));
    let [head, middle, bottom] = Layout::vertical([
        Constraint::Length(5),
        Constraint::Min(4),
        Constraint::Length(if area.height >= 32 {
            13
        } else {
            area.height * 2 / 5
        }),
    ])
    .areas(area);
    draw_head(frame, head, run, (f.attribute, model), theme);
    let split = if area.width >= 110 { 58 } else { 64 };
    let [left, right] = Layout::horizontal([
        Constraint::Percentage(split),
        Constraint::Percentage(100 - split),
    ])
    .areas(middle);
    let narrow = area.width < 110;
    let [gaps, exposure] = Layout::horizontal(if narrow {
        [Constraint::Percentage(56), Constraint::Percentage(44)]
    } else {
        [Constraint::Percentage(48), Constraint::Percentage(52)]
    })
    .areas(bottom);
    match r.attributes.get(f.attribute) {
        Some(a) => {
            let visible = usize::from(left.height.saturating_sub(3));
            let skip = f.scroll.min(a.groups.len().saturating_sub(visible));
            draw_groups(frame, left, a, (model, &r.rating.model), skip, theme);
            draw_bars(frame, right, a, model, skip, theme);
            draw_gaps(frame, gaps, a, r, model, theme);
        }
        None => {
            let note = r.note.clone().unwrap_or_else(|| "No user groups.".into());
            let p = Paragraph::new(vec![
                Line::from(Span::styled(note, theme.warn())),
                Line::from(""),
                Line::from("The overall numbers are above, the item side (exposure by popularity decile) below."),
            ])
            .wrap(Wrap { trim: true })
            .block(theme.block(" Groups ", false));
            frame.render_widget(p, middle);
            frame.render_widget(
                Paragraph::new("No groups, no gaps.")
                    .block(theme.block(" Best–worst gaps ", false)),
                gaps,
            );
        }
    }
    draw_exposure(frame, exposure, r, narrow, theme);
}

fn draw_head(
    frame: &mut Frame,
    area: Rect,
    run: &FairnessRun,
    (attribute, model): (usize, usize),
    theme: &Theme,
) {
    let r = &run.report;
    let rating = &r.rating;
    let width = usize::from(area.width.saturating_sub(2));
    let wide = width >= 100;
    let cell = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.4}"));
    let pick = |selected: bool| {
        if selected {
            theme.accent().add_modifier(Modifier::REVERSED)
        } else {
            theme.dim()
        }
    };
    let mut selector = Vec::new();
    if wide && !r.attributes.is_empty() {
        selector.push(Span::raw("attribute (←/→): "));
    }
    for (n, a) in r.attributes.iter().enumerate() {
        selector.push(Span::styled(
            format!(" {} ", a.attribute),
            pick(n == attribute),
        ));
        selector.push(Span::raw(" "));
    }
    selector.push(Span::raw(match (wide, r.attributes.is_empty()) {
        (true, false) => "   model (m): ",
        (true, true) => "model (m): ",
        (false, false) => "│ ",
        (false, true) => "",
    }));
    for (n, m) in r.overall.iter().enumerate() {
        selector.push(Span::styled(
            format!(" {} ", short(&m.model, !wide)),
            pick(n == model),
        ));
        selector.push(Span::raw(" "));
    }
    let overall: Vec<String> = r
        .overall
        .iter()
        .map(|m| format!("{} {:.4}", short(&m.model, !wide), m.metrics.precision))
        .collect();
    // The RMSE column is the rating model's, whichever ranking model is picked: say so.
    let (splits, mean, global) = (
        rating.splits.join(", "),
        cell(rating.mean_rmse),
        cell(rating.global_mean_rmse),
    );
    let rmse = longest_fitting(
        &[
            format!(
                "RMSE column: {} (best rating model, any ranking model) on {splits}: {mean} \
                 (global mean {global})",
                rating.model
            ),
            format!(
                "RMSE column: {} on {splits}: {mean} (global mean {global})",
                rating.model
            ),
            format!("RMSE: {} {mean} (global mean {global})", rating.model),
        ],
        width,
    );
    let lines = vec![
        Line::from(selector),
        Line::from(format!("overall P@10: {}", overall.join(" · "))),
        Line::from(Span::styled(rmse, theme.dim())),
    ];
    let title = if r.users.is_sample() {
        format!(
            " Fairness audit · {} · {} · {} ",
            r.dataset,
            r.split,
            r.users.title()
        )
    } else {
        format!(" Fairness audit · {} · {} ", r.dataset, r.split)
    };
    frame.render_widget(Paragraph::new(lines).block(theme.block(title, false)), area);
}

fn draw_groups(
    frame: &mut Frame,
    area: Rect,
    a: &AttributeAudit,
    (model, rating_model): (usize, &str),
    skip: usize,
    theme: &Theme,
) {
    let header = Row::new(["group", "users", "eval", "P@10", "NDCG@10", "AUC", "RMSE"])
        .style(theme.dim().add_modifier(Modifier::BOLD));
    let cell = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.4}"));
    let rows = a.groups.iter().skip(skip).map(|g| {
        let m = g.ranking.get(model).map(|x| &x.metrics);
        Row::new(vec![
            g.group.clone(),
            g.users.to_string(),
            g.evaluated.to_string(),
            cell(m.map(|m| m.precision)),
            cell(m.map(|m| m.ndcg)),
            cell(m.map(|m| m.auc)),
            cell(g.rmse),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Length(6),
    ];
    let model_name = a
        .groups
        .first()
        .and_then(|g| g.ranking.get(model))
        .map_or("", |x| x.model.as_str());
    let rating = a
        .groups
        .iter()
        .find(|g| g.rmse.is_some())
        .map_or(String::new(), |_| format!("· RMSE {rating_model} "));
    let title = format!(" {} groups · {model_name} {rating}", a.attribute);
    let mut block = theme.block(title, false);
    let visible = usize::from(area.height.saturating_sub(3));
    if a.groups.len() > visible {
        block = block.title_bottom(Line::from(Span::styled(
            format!(
                " {}–{} of {} · ↑↓ scroll ",
                skip + 1,
                (skip + visible).min(a.groups.len()),
                a.groups.len()
            ),
            theme.dim(),
        )));
    }
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
}

fn draw_bars(
    frame: &mut Frame,
    area: Rect,
    a: &AttributeAudit,
    model: usize,
    skip: usize,
    theme: &Theme,
) {
    let value = |g: &crate::metrics::fairness::GroupAudit| {
        g.ranking.get(model).map_or(0.0, |x| x.metrics.precision)
    };
    let max = a.groups.iter().map(value).fold(0.0, f64::max);
    let width = usize::from(area.width.saturating_sub(2));
    let label = (width / 3).clamp(6, 14);
    let bar_width = width.saturating_sub(label + 8).max(3);
    let mut lines = vec![Line::from(Span::styled(
        format!("{}0 … {max:.4}", " ".repeat(label + 1)),
        theme.dim(),
    ))];
    lines.extend(a.groups.iter().skip(skip).map(|g| {
        let v = value(g);
        Line::from(vec![
            Span::raw(format!("{} ", fit(&g.group, label))),
            Span::styled(
                bar(if max > 0.0 { v / max } else { 0.0 }, bar_width),
                theme.positive(),
            ),
            Span::raw(format!(" {v:.4}")),
        ])
    }));
    frame.render_widget(
        Paragraph::new(lines).block(theme.block(" P@10 by group ", false)),
        area,
    );
}

fn draw_gaps(
    frame: &mut Frame,
    area: Rect,
    a: &AttributeAudit,
    r: &FairnessReport,
    model: usize,
    theme: &Theme,
) {
    let name = r.overall.get(model).map_or("", |m| m.model.as_str());
    let header = Row::new(["metric", "best", "worst", "diff", "ratio"])
        .style(theme.dim().add_modifier(Modifier::BOLD));
    let rows = a
        .gaps
        .iter()
        .filter(|g| g.model == name || g.metric == "rmse")
        .map(|g| {
            Row::new(vec![
                g.metric.clone(),
                format!("{:.3} {}", g.best, g.best_group),
                format!("{:.3} {}", g.worst, g.worst_group),
                format!("{:.4}", g.difference),
                g.ratio.map_or("-".into(), |v| format!("{v:.3}")),
            ])
        });
    let widths = [
        Constraint::Length(7),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(6),
        Constraint::Length(5),
    ];
    let title = format!(" Best–worst gaps · {} ", a.attribute);
    let table = Table::new(rows, widths)
        .header(header)
        .block(theme.block(title, false))
        .column_spacing(1);
    frame.render_widget(table, area);
}

/// A model's name for a column or a selector (shorter when `narrow`).
fn short(model: &str, narrow: bool) -> String {
    match (model.split_once("+knob"), narrow) {
        (Some((_, t)), _) => format!("+knob {}", t.trim_start_matches(" t=")),
        (None, true) if model == "popularity" => "pop.".into(),
        _ => model.to_string(),
    }
}

fn draw_exposure(frame: &mut Frame, area: Rect, r: &FairnessReport, narrow: bool, theme: &Theme) {
    // Items and popularity range only where there is room.
    let mut names = vec!["decile".to_string()];
    if !narrow {
        names.extend(["items".into(), "pop.".into()]);
    }
    names.push("train".into());
    names.extend(r.item_exposure.iter().map(|m| short(&m.model, narrow)));
    let header = Row::new(names).style(theme.dim().add_modifier(Modifier::BOLD));
    let rows = r.item_exposure.first().map_or(Vec::new(), |first| {
        first
            .deciles
            .iter()
            .enumerate()
            .map(|(k, d)| {
                let mut cells = vec![d.decile.to_string()];
                if !narrow {
                    cells.push(d.items.to_string());
                    cells.push(format!("{}–{}", d.min_popularity, d.max_popularity));
                }
                cells.push(format!("{:.3}", d.train_share));
                cells.extend(r.item_exposure.iter().map(|m| {
                    m.deciles
                        .get(k)
                        .map_or("-".into(), |d| format!("{:.3}", d.exposure_share))
                }));
                Row::new(cells)
            })
            .collect()
    });
    let mut widths = vec![Constraint::Length(6)];
    if !narrow {
        widths.extend([Constraint::Length(5), Constraint::Length(7)]);
    }
    widths.push(Constraint::Length(5));
    widths.extend(r.item_exposure.iter().map(|_| Constraint::Fill(1)));
    let title = if narrow {
        " Exposure by popularity decile "
    } else {
        " Exposure: top-10 slots by popularity decile (1 = head) "
    };
    let table = Table::new(rows, widths)
        .header(header)
        .block(theme.block(title, false))
        .column_spacing(1);
    frame.render_widget(table, area);
}
