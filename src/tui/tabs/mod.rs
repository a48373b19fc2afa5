//! The tabs' own state, one module per tab, each a [`Component`]: it takes the actions routed
//! to it and answers with the [`Command`]s the app must carry out (start or cancel a job, show a
//! banner). A tab never reaches into another tab, the workers or the terminal; the app routes
//! (`app/`), the drawing layer draws (`ui/`), and the adapter does the maths (`adapter/`).
//!
//! * [`explore`] — users, history with what-if toggles, the top-10, attribution and influences;
//! * [`build`] — Build-a-user: search, liked movies, live recommendations;
//! * [`trust`], [`fairness`] — computed once per model on their workers ([`computation`]);
//! * [`dataset`], [`compare`] — the EDA report, and every model's list for the Explore user.

pub mod build;
pub mod compare;
pub mod computation;
pub mod dataset;
pub mod explore;
pub mod fairness;
pub mod trust;

use std::sync::Arc;

use super::action::Action;
use super::adapter::Engine;
use super::ui::layout::Regions;
use explore::Effect;

/// What the app hands a tab with each action.
pub struct TabContext<'a> {
    /// The explored model's engine.
    pub engine: &'a Arc<Engine>,
    /// The layout of the current frame (pane sizes, where a click landed).
    pub regions: &'a Regions,
}

/// What a tab asks of the app.
#[derive(Debug)]
pub enum Command {
    /// Something the Explore tab asked for (a retrain, a minimal set, a session entry).
    Explore(Effect),
    /// A one-line message over the status bar.
    Banner {
        text: String,
        error: bool,
    },
    /// Drop a hint banner (not an error) the user has acted on.
    ClearHint,
    /// Compute the trust metrics (once per model).
    StartTrust,
    /// Add seed stability to the trust metrics.
    StartSeedStability,
    /// Run the fairness audit (once per model; again after a failure or a cancel).
    StartFairness,
    /// Train or load the Compare tab's models.
    StartCompare,
    /// Show the built user of Build-a-user in Explore and Compare.
    OpenBuilt,
    CancelTrust,
    CancelSeedStability,
    CancelFairness,
}

impl Command {
    /// A hint (not an error).
    pub fn hint(text: impl Into<String>) -> Command {
        Command::Banner {
            text: text.into(),
            error: false,
        }
    }
}

/// One tab's state as the app routes to it.
pub trait Component {
    /// Takes an action the app did not handle itself.
    fn update(&mut self, action: Action, ctx: &TabContext) -> Vec<Command>;
    /// The tab was opened (switched to).
    fn opened(&mut self) -> Vec<Command> {
        Vec::new()
    }
    /// True while a text field of the tab has the keyboard (Esc and letters go to it).
    fn typing(&self) -> bool {
        false
    }
    /// Esc: stops what the tab computes or closes what it shows; `None` when there is nothing,
    /// so Esc means "back" to the app.
    fn cancel(&mut self) -> Option<Vec<Command>> {
        None
    }
}

/// Rows an action moves a cursor by, for a pane of `rows` rows.
pub fn delta(action: Action, rows: usize) -> Option<isize> {
    let page = rows.max(1) as isize;
    Some(match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -page,
        Action::PageDown => page,
        Action::Home => isize::MIN / 2,
        Action::End => isize::MAX / 2,
        Action::ScrollUp { .. } => -3,
        Action::ScrollDown { .. } => 3,
        _ => return None,
    })
}
