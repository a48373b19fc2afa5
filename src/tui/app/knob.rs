//! The accuracy–coverage knob in the app: `+`/`-` move it by 0.05 between 0 and the end of the
//! Trust tab's curve, `0` resets it. It re-ranks the Explore tab's lists (without and under a
//! what-if) from the scores cached in the view, and the Compare tab's hybrid-als column; at 0
//! every list is the model's own.

use super::App;
use crate::tui::action::Action;
use crate::tui::adapter::{knob_strength, Engine, KNOB_MAX_STEPS};
use crate::tui::explore::{Explore, Retrain};

impl App {
    /// The knob's strength.
    pub fn knob_strength(&self) -> f64 {
        knob_strength(self.knob)
    }

    pub(crate) fn move_knob(&mut self, action: Action) {
        self.knob = match action {
            Action::KnobUp => (self.knob + 1).min(KNOB_MAX_STEPS),
            Action::KnobDown => self.knob.saturating_sub(1),
            _ => 0,
        };
        let strength = self.knob_strength();
        if let (Some(engine), Some(x)) = (self.engine.clone(), self.explore.as_mut()) {
            x.set_knob(&engine, strength);
        }
    }
}

impl Explore {
    /// Moves the knob to `strength`: the lists are re-ranked from the cached scores.
    pub fn set_knob(&mut self, engine: &Engine, strength: f64) {
        if self.knob == strength {
            return;
        }
        self.knob = strength;
        self.refresh_knob(engine, false);
        self.refresh_detail(engine);
    }

    /// Recomputes the view's lists through the knob; `changed`: the user, the what-if or the
    /// retrain changed, so the what-if's scores must be asked again.
    pub(crate) fn refresh_knob(&mut self, engine: &Engine, changed: bool) {
        let strength = self.knob;
        let Some(v) = self.view.as_mut() else {
            return;
        };
        let cached = v.knob.take();
        if strength <= 0.0 {
            return;
        }
        let whatif = v.whatif.as_ref().map(|_| {
            let (x, knob) = match &v.retrain {
                Retrain::Done { result, .. } => (result.explainer.as_ref(), &result.knob),
                _ => (engine.explainer.as_ref(), &engine.knob),
            };
            (v.removed.as_slice(), x, knob, v.model_list())
        });
        let lists = engine.knob_lists(&v.profile, &v.base, strength, whatif, cached, !changed);
        v.knob = Some(lists);
    }
}
