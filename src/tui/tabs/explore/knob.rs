//! The accuracy–coverage knob in the Explore tab: the lists (without and under a what-if) are
//! re-ranked from the scores cached in the view; at 0 every list is the model's own.

use super::{Explore, Retrain};
use crate::tui::adapter::Engine;

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
