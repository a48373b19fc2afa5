//! The guided tour (`whyrec --tour`, or `t`): a presenter's story on real data in
//! [`TOUR_STEPS`] steps — pick a user, why this movie, the like that mattered, what if not, the
//! retrain's check, the minimal set, applying it, trust, fairness. Each step puts the screen in
//! its state (so ← and → can go back and forth in any order) and the caption line says what is on
//! screen, read from the state each frame (a retrain or a search that lands later updates it).
//! Only → and ← belong to the tour; every other key does what it always does.

use super::{App, Tab};
use crate::tui::tabs::explore::Retrain;
use crate::tui::ui::layout::Pane;
use crate::tui::ui::widgets::strip_year;

/// Steps of the tour.
pub const TOUR_STEPS: usize = 9;

/// The tour's position and what its first steps chose.
#[derive(Debug, Clone, PartialEq)]
pub struct Tour {
    pub step: usize,
    /// The dense user the tour follows.
    pub user: Option<u32>,
    /// The recommendation it explains (dense item).
    pub item: Option<u32>,
    /// The like that pushes that item most.
    pub like: Option<u32>,
}

impl App {
    /// `t`: starts the tour at its first step, or ends it.
    pub fn toggle_tour(&mut self) {
        if self.tour.take().is_some() {
            return;
        }
        let user = self.explore.as_ref().and_then(|x| x.users.selected_user());
        self.tour = Some(Tour {
            step: 0,
            user,
            item: None,
            like: None,
        });
        self.enter_step();
    }

    /// → / ←: the next or previous step (the last → ends the tour).
    pub(super) fn tour_step(&mut self, by: isize) {
        let Some(t) = self.tour.as_mut() else { return };
        let next = t.step as isize + by;
        if next >= TOUR_STEPS as isize {
            self.tour = None;
            return;
        }
        t.step = next.max(0) as usize;
        self.enter_step();
    }

    /// Puts the screen in the state of the current step.
    fn enter_step(&mut self) {
        let (Some(engine), Some(t)) = (self.engine.clone(), self.tour.clone()) else {
            return;
        };
        self.help = false;
        self.zoom = None;
        if t.step < 7 && self.tab != Tab::Explore {
            self.go_tab(Tab::Explore.index());
        }
        let rows = self.rows(Pane::Users);
        let Some(x) = self.explore.as_mut() else {
            return;
        };
        let mut effects = Vec::new();
        if let Some(u) = t.user {
            effects.extend(x.show_user(&engine, u, rows));
        }
        match t.step {
            0 => {
                effects.extend(x.set_what_if(&engine, Vec::new()));
                x.focus = Pane::Users;
            }
            1 | 2 => {
                effects.extend(x.set_what_if(&engine, Vec::new()));
                x.focus = if t.step == 1 {
                    Pane::Recs
                } else {
                    Pane::Influence
                };
                if let Some(v) = x.view.as_mut() {
                    v.recs = Default::default();
                    v.because = Default::default();
                }
                x.refresh_detail(&engine);
                let view = x.view.as_ref();
                let item = view.and_then(|v| v.selected_item());
                let like = view.and_then(|v| v.because_item());
                if let Some(tour) = self.tour.as_mut() {
                    tour.item = item;
                    tour.like = like;
                }
            }
            3 | 4 => {
                if let Some(like) = t.like {
                    effects.extend(x.set_what_if(&engine, vec![like]));
                }
                x.focus = Pane::WhatIf;
            }
            5 => {
                effects.extend(x.set_what_if(&engine, Vec::new()));
                x.focus = Pane::Recs;
                if let Some(v) = x.view.as_mut() {
                    let at = t
                        .item
                        .and_then(|i| v.shown().recs.iter().position(|r| r.item == i))
                        .unwrap_or(0);
                    let len = v.shown().recs.len();
                    v.recs.select(at, len, len.max(1));
                }
                x.refresh_detail(&engine);
                effects.extend(x.minimal_set());
            }
            6 => {
                x.focus = Pane::Recs;
                if let Some(e) = x.apply_minimal(&engine) {
                    effects.extend(e);
                }
            }
            7 => self.go_tab(Tab::Trust.index()),
            _ => self.go_tab(Tab::Fairness.index()),
        }
        self.apply(effects);
    }

    /// The caption of the current step, from what the screen shows now.
    pub fn tour_caption(&self) -> Option<String> {
        let t = self.tour.as_ref()?;
        let engine = self.engine.as_deref()?;
        let x = self.explore.as_ref()?;
        let v = x.view.as_ref();
        let title =
            |i: Option<u32>| i.map_or("-".to_string(), |i| strip_year(engine.title(i)).to_string());
        let item = title(t.item);
        let like = title(t.like);
        let body = match t.step {
            0 => {
                let user = v
                    .and_then(|v| v.profile.user)
                    .map_or(0, |u| engine.dataset.user_id(u));
                let likes = match v.map_or(0, |v| v.profile.likes.len()) {
                    1 => "1 movie".to_string(),
                    n => format!("{n} movies"),
                };
                format!(
                    "Pick a user: user {user} liked {likes} (History); the top-10 on the \
                     right is {} for them, none of it rated by them.",
                    engine.spec().name()
                )
            }
            1 => {
                let d = v.and_then(|v| v.detail.as_ref());
                let part = d
                    .and_then(|d| d.attribution.parts.first())
                    .map_or(String::new(), |(n, p)| {
                        format!(", the largest part {n} {p:+.3}")
                    });
                format!(
                    "Why {item}? Its score {:.3} splits exactly into named parts (Why pane){part}.",
                    d.map_or(0.0, |d| d.attribution.score)
                )
            }
            2 => {
                let drop = v
                    .and_then(|v| v.detail.as_ref())
                    .and_then(|d| d.influences.items.first())
                    .map_or(0.0, |p| p.1);
                format!(
                    "The like that mattered: without {like} the score of {item} drops by \
                     {drop:.3} (measured by refolding the user without it)."
                )
            }
            3 => format!(
                "What if they hadn't liked {like}? {}",
                v.and_then(|v| v.whatif_sentence()).unwrap_or("-")
            ),
            4 => match v.map(|v| &v.retrain) {
                Some(Retrain::Done { result, .. }) => format!(
                    "The incremental retrain checks the instant answer: {}/10 places agree, {}/10 \
                     films shared, τ {:.2}; the list shown is the retrained one.",
                    result.same_places, result.overlap, result.kendall_tau
                ),
                Some(Retrain::Failed(e)) => format!("The retrain failed: {e}"),
                _ => "The incremental retrain is checking the instant answer… (the caption \
                      updates when it lands)"
                    .into(),
            },
            5 => match v.and_then(|v| v.minimal.as_ref()) {
                Some(m) if v.is_some_and(|v| v.minimal_job.is_some()) => {
                    format!("The minimal set for {}: searching…", title(Some(m.item)))
                }
                Some(m) => format!("The minimal set: {}", m.sentence),
                None => "The minimal set: select a recommendation and press m.".into(),
            },
            6 => match v.and_then(|v| v.whatif_sentence()) {
                Some(sentence) => format!("Applied as a what-if (a): {sentence}"),
                None => {
                    "No minimal set to apply yet: ← to wait for the search, then → again.".into()
                }
            },
            7 => format!(
                "Trust: coverage, novelty, diversity, stability and calibration of {} on the \
                 protocol's split.",
                engine.spec().name()
            ),
            _ => "Fairness: ranking and rating quality by gender, age and occupation, with the \
                  gaps between groups."
                .into(),
        };
        Some(format!(
            "Tour {}/{TOUR_STEPS} · {body}  (→ next · ← back · t ends)",
            t.step + 1
        ))
    }
}
