//! The Compare tab's state: popularity, the explored model and the other registered models, each
//! with its top-10 for the Explore tab's user (the models train or load on a worker the first
//! time the tab is opened under a model; the lists follow the Explore user and the knob).

use super::{Command, Component, TabContext};
use crate::engine::Trained;
use crate::tui::action::Action;
use crate::tui::adapter::ListView;

/// The Compare tab's models and the lists of the Explore tab's user.
#[derive(Default)]
pub struct CompareTab {
    /// Job id while the models train.
    pub job: Option<u64>,
    pub fraction: f32,
    pub label: String,
    pub error: Option<String>,
    pub models: Vec<(String, Trained)>,
    /// (whose lists, one list per model).
    pub lists: Option<(ListsFor, Vec<(String, ListView)>)>,
    /// The knob strength the lists were made at.
    pub knob: f64,
}

/// Whose lists the Compare tab shows: the Explore tab's dataset user, or the built user opened
/// there (a new version at every change in Build-a-user).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListsFor {
    /// A dense dataset user.
    User(u32),
    Built {
        number: usize,
        version: u64,
    },
}

impl Component for CompareTab {
    fn update(&mut self, _action: Action, _ctx: &TabContext) -> Vec<Command> {
        Vec::new()
    }

    fn opened(&mut self) -> Vec<Command> {
        vec![Command::StartCompare]
    }
}
