//! The Trust and Fairness tabs. Their numbers come from the trust metrics and the fairness audit of
//! `src/metrics`; until those are part of this build the tabs say so instead of showing made-up
//! figures.

use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

use super::widgets::Theme;
use crate::tui::app::App;

const PENDING: &str = "The trust metrics (overall and per-user metrics, stability, popularity bias, \
    the accuracy–coverage curve and its knob) come from src/metrics; they are not part of this build yet.";

const PENDING_FAIRNESS: &str = "The fairness audit (group tables and bars by gender, age and \
    occupation) comes from src/metrics; it is not part of this build yet.";

pub fn draw_trust(frame: &mut Frame, area: Rect, _app: &App, theme: &Theme) {
    let p = Paragraph::new(PENDING)
        .wrap(Wrap { trim: true })
        .block(theme.block(" Trust ", false));
    frame.render_widget(p, area);
}

pub fn draw_fairness(frame: &mut Frame, area: Rect, _app: &App, theme: &Theme) {
    let p = Paragraph::new(PENDING_FAIRNESS)
        .wrap(Wrap { trim: true })
        .block(theme.block(" Fairness ", false));
    frame.render_widget(p, area);
}
