//! The application state and its update function: [`App::update`] takes an [`Action`], changes
//! state and starts jobs; [`App::on_job_event`] (in `jobs.rs`) takes what the workers report.
//! Nothing here draws, so all of it runs in tests without a terminal.

mod input;
mod jobs;
mod knob;
mod models;
mod trust;

use std::sync::mpsc::Sender;
use std::sync::Arc;

use ratatui::layout::Rect;

use crate::data::eda::EdaReport;
use crate::engine::ModelSpec;
use crate::engine::Scorer;
use crate::tui::action::Action;
use crate::tui::adapter::{Engine, ListView};
use crate::tui::builder::Build;
use crate::tui::explore::{Explore, Retrain};
use crate::tui::jobs::{JobUpdate, Jobs};
use crate::tui::session::Session;
use crate::tui::startup::TuiOptions;
pub use crate::tui::tab::Tab;
use crate::tui::trust::{Computation, FairnessTab, TrustTab};
use crate::tui::ui::layout::{self, Pane, Regions};

/// The model `M` is loading or training.
#[derive(Debug, Clone, PartialEq)]
pub struct Switching {
    pub job: u64,
    pub spec: ModelSpec,
    pub fraction: f32,
    pub label: String,
}

/// The Trust and Fairness tabs of a model not shown now.
#[derive(Debug)]
pub struct Parked {
    pub spec: ModelSpec,
    pub trust: TrustTab,
    pub fairness: FairnessTab,
}

/// A computation as it is kept while its model is not shown: a running one is dropped.
pub(crate) fn settled<T>(c: Computation<T>) -> Computation<T> {
    match c {
        Computation::Running(_) => Computation::Idle,
        other => other,
    }
}

/// Start-up progress as the start screen shows it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Starting {
    pub label: String,
    pub fraction: f32,
    pub log: Vec<String>,
}

/// Where the app is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Starting(Starting),
    /// Start-up failed; the message (the screen adds how to point at local data).
    Failed(String),
    Ready,
}

/// A one-line message over the status bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Banner {
    pub text: String,
    pub error: bool,
}

/// The Dataset tab: the EDA report, computed on a worker after start-up.
#[derive(Debug, Clone, Default)]
pub struct DatasetTab {
    pub report: Option<EdaReport>,
    pub error: Option<String>,
    pub scroll: u16,
}

/// The Compare tab's models and the lists of the Explore tab's user.
#[derive(Default)]
pub struct CompareTab {
    /// Job id while the models train.
    pub job: Option<u64>,
    pub fraction: f32,
    pub label: String,
    pub error: Option<String>,
    pub models: Vec<(String, Box<dyn Scorer>)>,
    /// (user, one list per model).
    pub lists: Option<(u32, Vec<(String, ListView)>)>,
    /// The knob strength the lists were made at.
    pub knob: f64,
}

/// The whole state of the TUI.
pub struct App {
    pub options: TuiOptions,
    pub phase: Phase,
    /// The engine of the explored model (`M` switches it).
    pub engine: Option<Arc<Engine>>,
    /// The engines of every model explored so far, the one shown among them.
    pub explored: Vec<Arc<Engine>>,
    /// The model `M` is loading or training.
    pub switching: Option<Switching>,
    /// The Trust and Fairness tabs of the explored models not shown now.
    pub parked: Vec<Parked>,
    pub tab: Tab,
    pub help: bool,
    /// Terminal size (updated on resize).
    pub size: Rect,
    pub explore: Option<Explore>,
    pub build: Option<Build>,
    pub dataset: DatasetTab,
    pub compare: CompareTab,
    pub trust: TrustTab,
    pub fairness: FairnessTab,
    /// The accuracy–coverage knob's position (`+`/`-`: steps of 0.05, `0` resets).
    pub knob: u32,
    pub session: Session,
    pub banner: Option<Banner>,
    /// Every line the start-up logged (kept after start-up).
    pub startup_log: Vec<String>,
    pub quit: bool,
    pub(super) jobs: Jobs,
}

impl App {
    /// A new app in the start-up phase; job events go to `events`. Call [`App::start`] to begin
    /// loading, or [`App::ready`] with an engine already built.
    pub fn new(options: TuiOptions, size: Rect, events: Sender<JobUpdate>) -> App {
        App {
            options,
            phase: Phase::Starting(Starting::default()),
            engine: None,
            explored: Vec::new(),
            switching: None,
            parked: Vec::new(),
            tab: Tab::Explore,
            help: false,
            size,
            explore: None,
            build: None,
            dataset: DatasetTab::default(),
            compare: CompareTab::default(),
            trust: TrustTab::default(),
            fairness: FairnessTab::default(),
            knob: 0,
            session: Session::default(),
            banner: None,
            startup_log: Vec::new(),
            quit: false,
            jobs: Jobs::new(events),
        }
    }

    /// The layout of the current frame.
    pub fn regions(&self) -> Regions {
        layout::regions(self.size, self.tab)
    }

    /// True while a text field has the keyboard.
    pub fn typing(&self) -> bool {
        match self.tab {
            Tab::Explore => self.explore.as_ref().is_some_and(|e| e.users.typing),
            Tab::Build => self.build.as_ref().is_some_and(|b| b.typing),
            _ => false,
        }
    }

    /// True while some job runs (the event loop then polls more often).
    pub fn busy(&self) -> bool {
        self.jobs.busy()
    }

    /// True while the user waits for a job the screen shows (a retrain, the Compare models);
    /// drawn as "working…" in the status bar.
    pub fn waiting(&self) -> bool {
        let view = self.explore.as_ref().and_then(|x| x.view.as_ref());
        let retraining = view.is_some_and(|v| matches!(v.retrain, Retrain::Running { .. }));
        let searching = view.is_some_and(|v| v.minimal_job.is_some());
        let auditing = (self.tab == Tab::Trust
            && (self.trust.results.running().is_some() || self.trust.seed.running().is_some()))
            || (self.tab == Tab::Fairness && self.fairness.audit.running().is_some());
        retraining
            || searching
            || auditing
            || self.compare.job.is_some()
            || self.switching.is_some()
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => {
                self.quit = true;
                return;
            }
            Action::Resize { width, height } => {
                self.size = Rect::new(0, 0, width, height);
                return;
            }
            _ => {}
        }
        if self.help {
            if matches!(action, Action::Help | Action::Back | Action::Click { .. }) {
                self.help = false;
            }
            return;
        }
        if self.phase != Phase::Ready {
            if action == Action::Back {
                self.quit = true;
            }
            return;
        }
        match action {
            Action::Help => self.help = true,
            Action::Back if self.typing() => self.tab_update(action),
            Action::Back => self.back(),
            Action::NextTab => self.go_tab((self.tab.index() + 1) % Tab::ALL.len()),
            Action::PrevTab => {
                self.go_tab((self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len())
            }
            Action::GoTab(n) if n < Tab::ALL.len() => self.go_tab(n),
            Action::Export => self.export(),
            Action::NextModel => self.next_model(),
            Action::KnobUp | Action::KnobDown | Action::KnobReset
                if matches!(self.tab, Tab::Explore | Tab::Trust | Tab::Compare) =>
            {
                self.move_knob(action)
            }
            Action::Click { column, row } if row == self.regions().tabs.y => {
                if let Some(n) = layout::tab_at(column) {
                    self.go_tab(n);
                }
            }
            _ => self.tab_update(action),
        }
        self.sync_compare();
    }

    fn back(&mut self) {
        if self.banner.take().is_some() || self.cancel_computation() {
            return;
        }
        let minimal = self
            .explore
            .as_mut()
            .and_then(|e| e.view.as_mut())
            .and_then(|v| v.minimal.take());
        if minimal.is_none() || self.tab != Tab::Explore {
            self.quit = true;
        }
    }

    fn go_tab(&mut self, n: usize) {
        self.tab = Tab::ALL[n];
        match self.tab {
            Tab::Compare => self.start_compare(),
            Tab::Trust => self.start_trust(),
            Tab::Fairness => self.start_fairness(true),
            _ => {}
        }
    }

    fn export(&mut self) {
        self.banner = Some(match self.session.export(&self.options.reports_dir) {
            Ok((json, md)) => Banner {
                text: format!(
                    "exported {} what-if{} to {} and {}",
                    self.session.entries.len(),
                    if self.session.entries.len() == 1 {
                        ""
                    } else {
                        "s"
                    },
                    json.display(),
                    md.display()
                ),
                error: false,
            },
            Err(e) => Banner {
                text: format!(
                    "could not export the session to {}: {e}",
                    self.options.reports_dir.display()
                ),
                error: true,
            },
        });
    }

    /// Page height of a pane in rows.
    pub fn rows(&self, pane: Pane) -> usize {
        self.regions().rows_of(pane).max(1)
    }

    fn tab_update(&mut self, action: Action) {
        match self.tab {
            Tab::Explore => self.explore_update(action),
            Tab::Build => self.build_update(action),
            Tab::Trust => self.trust_update(action),
            Tab::Fairness => self.fairness_update(action),
            Tab::Dataset => {
                let s = &mut self.dataset.scroll;
                match action {
                    Action::Up | Action::ScrollUp { .. } => *s = s.saturating_sub(1),
                    Action::Down | Action::ScrollDown { .. } => *s = s.saturating_add(1).min(200),
                    Action::PageUp => *s = s.saturating_sub(10),
                    Action::PageDown => *s = s.saturating_add(10).min(200),
                    Action::Home => *s = 0,
                    _ => {}
                }
            }
            _ => {}
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
}
