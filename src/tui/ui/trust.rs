//! The Trust tab: trust metrics of popularity and hybrid-als overall and for the Explore tab's
//! user, the accuracy–coverage curve with the knob's point, the knob's panel and the user's
//! top-10 through the knob. Every number comes from the [`TrustResults`] the worker computed.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span, Text};
use ratatui::widgets::{Cell, Paragraph, Row, Table};
use ratatui::Frame;

use super::knob::{draw_curve, draw_knob};
use super::layout::TOP_K;
use super::widgets::{fit, movement, progress_lines, strip_year, Theme};
use crate::metrics::trust::stability::Stability;
use crate::metrics::trust::{TrustSummary, UserTrust};
use crate::tui::adapter::TrustResults;
use crate::tui::app::App;
use crate::tui::tabs::computation::Computation;
use crate::tui::tabs::trust::TRUST_ROWS;

/// The tab's rectangles: metrics table, knob panel, curve and (on wide screens) the user's list.
fn panes(area: Rect) -> (Rect, Rect, Rect, Option<Rect>) {
    let top_height = (TRUST_ROWS as u16 + 4).min(area.height * 3 / 5);
    if area.width >= 110 {
        let [left, right] =
            Layout::horizontal([Constraint::Percentage(57), Constraint::Percentage(43)])
                .areas(area);
        let [table, knob] =
            Layout::vertical([Constraint::Length(top_height), Constraint::Min(0)]).areas(left);
        let list_height = (TOP_K as u16 + 2).min(area.height / 3);
        let [chart, list] =
            Layout::vertical([Constraint::Min(0), Constraint::Length(list_height)]).areas(right);
        (table, knob, chart, Some(list))
    } else {
        let [table, bottom] =
            Layout::vertical([Constraint::Length(top_height), Constraint::Min(0)]).areas(area);
        let [knob, chart] =
            Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)])
                .areas(bottom);
        (table, knob, chart, None)
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (table, knob, chart, list) = panes(area);
    let results = app.trust.results.done();
    match results {
        Some(r) => draw_metrics(frame, table, app, r, theme),
        None => draw_pending(frame, table, app, theme),
    }
    draw_knob(frame, knob, app, results, theme);
    draw_curve(frame, chart, app, results, theme);
    if let Some(list) = list {
        draw_user_list(frame, list, app, theme);
    }
}

fn draw_pending(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = theme.block(" Trust metrics ", false);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let model = app
        .explored_spec()
        .map_or("the explored model", |s| s.name());
    let stability = if app
        .engine
        .as_deref()
        .is_some_and(|e| !e.trust_retrains_with_tab())
    {
        "refold; retrain with seed stability on s"
    } else {
        "refold and retrain"
    };
    let intro = format!(
        "Measuring trust on PROTOCOL.md's holdout-20 split: popularity and {model} (the explored \
         model, its settings) refit on its train part, per-user and overall metrics, stability \
         under a 10% drop ({stability}) and the knob's sweep. Once per model."
    );
    let lines = match &app.trust.results {
        Computation::Failed(e) => vec![Line::from(Span::styled(
            format!("The trust metrics failed: {e}. Enter tries again."),
            theme.negative(),
        ))],
        Computation::Cancelled => vec![Line::from(Span::styled(
            "Cancelled. Enter starts the trust metrics again.",
            theme.warn(),
        ))],
        _ => vec![Line::from(intro)],
    };
    progress_lines(frame, inner, lines, app.trust.results.running(), theme);
}

/// A stability cell: `mean / p10`.
fn stability(s: &Option<Stability>) -> String {
    s.as_ref()
        .map_or("-".into(), |s| format!("{:.3} / {:.3}", s.mean, s.p10))
}

fn user_value(v: Option<f64>, decimals: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.decimals$}"))
}

type Overall = fn(&TrustSummary) -> String;
type PerUser = fn(&UserTrust) -> Option<f64>;

/// The rows of the metrics table: label, overall value, the user's value (and its decimals).
const ROWS: [(&str, Overall, PerUser, usize); TRUST_ROWS] = [
    (
        "P@10",
        |s| format!("{:.4}", s.precision),
        |u| Some(u.precision),
        2,
    ),
    ("NDCG@10", |s| format!("{:.4}", s.ndcg), |_| None, 0),
    ("coverage@10", |s| format!("{:.4}", s.coverage), |_| None, 0),
    (
        "novelty@10",
        |s| format!("{:.3}", s.novelty),
        |u| Some(u.novelty),
        2,
    ),
    ("ILD@10", |s| format!("{:.4}", s.ild), |u| Some(u.ild), 3),
    ("ARP", |s| format!("{:.1}", s.lists.arp), |u| Some(u.arp), 1),
    (
        "Gini (exposure)",
        |s| format!("{:.4}", s.lists.gini),
        |_| None,
        0,
    ),
    (
        "calibration KL",
        |s| format!("{:.4}", s.lists.calibration_kl),
        |u| u.calibration_kl,
        3,
    ),
    (
        "stab. refold",
        |s| stability(&s.stability_refold),
        |u| u.stability_refold,
        2,
    ),
    (
        "stab. retrain",
        |s| stability(&s.stability_retrain),
        |u| u.stability_retrain,
        2,
    ),
    (
        "seed stability",
        |s| stability(&s.seed_stability),
        |u| u.seed_stability,
        2,
    ),
];

fn draw_metrics(frame: &mut Frame, area: Rect, app: &App, r: &TrustResults, theme: &Theme) {
    let user = app.explore.as_ref().and_then(|x| x.users.selected_user());
    let user_id = match (user, app.engine.as_deref()) {
        (Some(u), Some(e)) => e.dataset.user_id(u).to_string(),
        _ => "-".into(),
    };
    let per_user: Vec<Option<&UserTrust>> = (0..r.models.len())
        .map(|m| user.and_then(|u| r.user(m, u)))
        .collect();
    let two = |a: &str, b: &str| {
        Cell::from(Text::from(vec![
            Line::from(a.to_string()),
            Line::from(b.to_string()),
        ]))
    };
    let mut header = vec![two("", "")];
    header.extend(r.models.iter().map(|m| two("overall", &m.model)));
    header.extend(
        r.models
            .iter()
            .map(|m| two(&format!("user {user_id}"), &m.model)),
    );
    let header = Row::new(header)
        .height(2)
        .style(theme.dim().add_modifier(Modifier::BOLD));
    let visible = usize::from(area.height.saturating_sub(4));
    let skip = app.trust.scroll.min(TRUST_ROWS.saturating_sub(visible));
    // Rows `s` computes: seed stability, and retrain stability when the job left it out.
    let pending = |label: &str| {
        (label == "seed stability" && !r.seed_stability)
            || (label == "stab. retrain" && !r.retrain_stability)
    };
    let rows = ROWS.iter().skip(skip).map(|(label, overall, mine, d)| {
        let mut cells = vec![Cell::from(*label)];
        let waiting = pending(label);
        for m in &r.models {
            let text = if waiting {
                match app.trust.seed.running() {
                    Some(p) => format!("… {:.0}%", p.fraction * 100.0),
                    None => "s computes".into(),
                }
            } else {
                overall(&m.summary)
            };
            let style = if waiting { theme.dim() } else { theme.accent() };
            cells.push(Cell::from(Span::styled(text, style)));
        }
        for u in &per_user {
            cells.push(Cell::from(user_value(u.and_then(mine), *d)));
        }
        Row::new(cells)
    });
    let widths = [
        Constraint::Length(15),
        Constraint::Length(13),
        Constraint::Length(13),
        Constraint::Length(10),
        Constraint::Length(10),
    ];
    let title = format!(
        " Trust metrics · {} · {} ",
        r.data.split,
        r.data.users.title(),
    );
    let mut block = theme.block(title, false);
    if user.is_some() && per_user.iter().all(Option::is_none) {
        block = block.title_bottom(Line::from(Span::styled(
            format!(" user {user_id}: no test positive in this split, not evaluated "),
            theme.dim(),
        )));
    } else if skip > 0 || visible < TRUST_ROWS {
        block = block.title_bottom(Line::from(Span::styled(" ↑↓ scroll ", theme.dim())));
    }
    let table = Table::new(rows, widths)
        .header(header)
        .block(block)
        .column_spacing(1);
    frame.render_widget(table, area);
}

fn draw_user_list(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let (Some(engine), Some(v)) = (
        app.engine.as_deref(),
        app.explore.as_ref().and_then(|x| x.view.as_ref()),
    ) else {
        frame.render_widget(
            Paragraph::new("No user selected.").block(theme.block(" Top-10 ", false)),
            area,
        );
        return;
    };
    let user_id = v.profile.user.map_or(0, |u| engine.dataset.user_id(u));
    let title = format!(
        " User {user_id}'s top-10 at t={:.2} (Explore) ",
        app.knob_strength()
    );
    let width = usize::from(area.width.saturating_sub(2));
    let moved = v.knob.is_some() || v.whatif.is_some();
    let lines: Vec<Line> = v
        .shown()
        .recs
        .iter()
        .map(|r| {
            let (chg, dir) = movement(r.rank, r.previous_rank, moved);
            let style = match dir {
                1 => theme.positive(),
                -1 => theme.negative(),
                _ => Default::default(),
            };
            let title = fit(strip_year(engine.title(r.item)), width.saturating_sub(14));
            Line::from(vec![
                Span::raw(format!("{:>2} ", r.rank)),
                Span::styled(format!("{chg:<4} "), style),
                Span::raw(title),
                Span::styled(format!(" {:>5}", r.popularity), theme.dim()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(theme.block(title, false)), area);
}
