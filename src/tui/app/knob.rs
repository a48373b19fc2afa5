//! The accuracy–coverage knob in the app: `+`/`-` move it by 0.05 between 0 and the end of the
//! Trust tab's curve, `0` resets it. It re-ranks the Explore tab's lists (without and under a
//! what-if) from the scores cached in the view, and the Compare tab's hybrid-als column; at 0
//! every list is the model's own.

use super::App;
use crate::tui::action::Action;
use crate::tui::adapter::{knob_strength, KNOB_MAX_STEPS};

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
