//! The Trust tab's knob: its panel (position, the curve's point at this strength, and the sweep's
//! table with that row marked) and the accuracy–coverage chart (P@10 against coverage@10 per
//! strength, popularity for reference, the knob's point).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Chart, Dataset, GraphType, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use super::widgets::{bar, Theme};
use crate::metrics::knob::KnobPoint;
use crate::tui::adapter::{knob_strength, TrustResults, KNOB_MAX_STEPS};
use crate::tui::app::App;

pub fn draw_knob(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    r: Option<&TrustResults>,
    theme: &Theme,
) {
    let t = app.knob_strength();
    let max = knob_strength(KNOB_MAX_STEPS);
    let title = format!(" Knob t = {t:.2} · +/- 0.05 · 0 resets ");
    let narrow = area.width < 60;
    let model = app.explored_spec().map_or("model", |s| s.name());
    let note = if narrow {
        " re-ranks Explore and Compare live ".to_string()
    } else {
        format!(" re-ranks the Explore top-10 and Compare's {model} live ")
    };
    let block = theme
        .block(title, false)
        .title_bottom(Line::from(Span::styled(note, theme.dim())));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::from(vec![
        Span::styled(bar(t / max, width.saturating_sub(13).max(4)), theme.warn()),
        Span::raw(format!(" {t:.2} / {max:.2}")),
    ])];
    let Some((r, p, zero)) = r.and_then(|r| Some((r, r.point_at(t)?, r.curve.points.first()?)))
    else {
        lines.push(Line::from(Span::styled(
            "P@10 and coverage@10 of each strength: once the sweep is done. The lists move now.",
            theme.dim(),
        )));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
        return;
    };
    let zero_p = format!(" (t=0: {:.4})", zero.precision);
    let zero_c = format!(" (t=0: {:.4})", zero.coverage);
    let (zero_p, zero_c) = if narrow {
        (String::new(), String::new())
    } else {
        (zero_p, zero_c)
    };
    lines.push(Line::from(vec![
        Span::styled(format!("P@10 {:.4}", p.precision), theme.accent()),
        Span::raw(format!("{zero_p} · ")),
        Span::styled(format!("coverage@10 {:.4}", p.coverage), theme.accent()),
        Span::raw(zero_c),
    ]));
    let formula = if narrow {
        r.curve.formula.clone()
    } else {
        format!("{} · {}", r.curve.formula, r.data.split)
    };
    // The formula whole, on as many lines as it needs.
    let formula = super::widgets::wrap_words(&formula, width.max(1));
    let text_rows = (lines.len() + formula.len()) as u16;
    lines.extend(
        formula
            .into_iter()
            .map(|l| Line::from(Span::styled(l, theme.dim()))),
    );
    let [text, table] =
        Layout::vertical([Constraint::Length(text_rows), Constraint::Min(0)]).areas(inner);
    frame.render_widget(Paragraph::new(lines), text);
    let points = &r.curve.points;
    let current = points
        .iter()
        .position(|q| q.strength == p.strength)
        .unwrap_or(0);
    // Keep the knob's row in view: a window of the table's height around it.
    let rows = usize::from(table.height.saturating_sub(1)).max(1);
    let skip = current
        .saturating_sub(rows / 2)
        .min(points.len().saturating_sub(rows));
    // (header, width, value) per column; NDCG@10 and Gini only where there is room.
    type Column = (&'static str, u16, fn(&KnobPoint) -> String);
    let mut columns: Vec<Column> = vec![
        ("t", 4, |q| format!("{:.2}", q.strength)),
        ("P@10", 6, |q| format!("{:.4}", q.precision)),
        ("NDCG@10", 7, |q| format!("{:.4}", q.ndcg)),
        ("cov@10", 6, |q| format!("{:.4}", q.coverage)),
        ("novelty", 7, |q| format!("{:.3}", q.novelty)),
        ("ARP", 5, |q| format!("{:.1}", q.lists.arp)),
        ("Gini", 6, |q| format!("{:.4}", q.lists.gini)),
    ];
    if narrow {
        columns.retain(|c| c.0 != "NDCG@10" && c.0 != "Gini");
    }
    let header =
        Row::new(columns.iter().map(|c| c.0)).style(theme.dim().add_modifier(Modifier::BOLD));
    let body = points
        .iter()
        .enumerate()
        .skip(skip)
        .take(rows)
        .map(|(n, q)| {
            let row = Row::new(columns.iter().map(|c| (c.2)(q)));
            if n == current {
                row.style(theme.selected(true))
            } else {
                row
            }
        });
    let widths: Vec<Constraint> = columns.iter().map(|c| Constraint::Length(c.1)).collect();
    frame.render_widget(
        Table::new(body, widths).header(header).column_spacing(1),
        table,
    );
}

pub fn draw_curve(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    r: Option<&TrustResults>,
    theme: &Theme,
) {
    let Some(r) = r else {
        let block = theme.block(" Accuracy–coverage curve ", false);
        frame.render_widget(
            Paragraph::new(Span::styled(
                "P@10 against coverage@10 for every knob strength, once the sweep is done.",
                theme.dim(),
            ))
            .wrap(Wrap { trim: true })
            .block(block),
            area,
        );
        return;
    };
    let curve: Vec<(f64, f64)> = r
        .curve
        .points
        .iter()
        .map(|p| (p.coverage, p.precision))
        .collect();
    let here: Vec<(f64, f64)> = r
        .point_at(app.knob_strength())
        .map(|p| (p.coverage, p.precision))
        .into_iter()
        .collect();
    let popularity: Vec<(f64, f64)> = r
        .models
        .iter()
        .filter(|m| m.model == "popularity")
        .map(|m| (m.summary.coverage, m.summary.precision))
        .collect();
    // The data's range with a margin, within 0..=1 (both metrics are shares).
    let range = |values: Vec<f64>| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(0.0, f64::max);
        let pad = ((hi - lo) * 0.08).max(0.005);
        [(lo - pad).max(0.0), (hi + pad).min(1.0)]
    };
    let all: Vec<&(f64, f64)> = curve.iter().chain(&popularity).collect();
    let x = range(all.iter().map(|p| p.0).collect());
    let y = range(all.iter().map(|p| p.1).collect());
    let last = r.curve.points.last().map_or(0.0, |p| p.strength);
    let block = theme.block(" P@10 vs coverage@10 (knob sweep) ", false);
    // The legend goes under the chart, where it hides no point.
    let block = block.title_bottom(Line::from(vec![
        Span::styled(" ⣀ ", theme.positive()),
        Span::raw(format!("t 0…{last:.2}  ")),
        Span::styled("•", theme.accent()),
        Span::raw(" popularity  "),
        Span::styled("█", theme.warn()),
        Span::raw(format!(" t={:.2} ", app.knob_strength())),
    ]));
    let datasets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.positive())
            .data(&curve),
        Dataset::default()
            .marker(Marker::Dot)
            .graph_type(GraphType::Scatter)
            .style(theme.accent())
            .data(&popularity),
        Dataset::default()
            .marker(Marker::Block)
            .graph_type(GraphType::Scatter)
            .style(theme.warn())
            .data(&here),
    ];
    let labels = |[lo, hi]: [f64; 2]| {
        [lo, (lo + hi) / 2.0, hi]
            .map(|v| Span::styled(format!("{v:.2}"), theme.dim()))
            .to_vec()
    };
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .title(Span::styled("coverage@10", theme.dim()))
                .bounds(x)
                .labels(labels(x)),
        )
        .y_axis(
            Axis::default()
                .title(Span::styled("P@10", theme.dim()))
                .bounds(y)
                .labels(labels(y)),
        )
        .legend_position(None);
    frame.render_widget(chart, area);
}
