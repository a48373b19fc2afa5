//! The application: [`App::update`] handles the app-wide keys (quit, help, tabs, export, zoom,
//! the tour, `M`, the knob) and routes every other action to the shown tab's [`Component`], then
//! carries out the [`Command`]s it answers; [`App::on_job_event`] (`jobs.rs`) routes what the
//! workers report. `models.rs` switches the explored model, `trust.rs` starts the Trust and
//! Fairness jobs, `knob.rs` moves the knob, `record.rs` keeps the session record (export, the
//! quit prompt, autosave, `y`), `tour.rs` runs the guided tour. Nothing here draws, so all of it
//! runs in tests without a terminal.
//!
//! Presenter-safe: Esc only ever closes the innermost thing (help, prompt, zoom, text field,
//! banner, a tab's minimal set or filter, the tour) and never quits; `q` quits, asking first
//! when the session holds something not exported; every quit autosaves the session.

mod jobs;
mod knob;
mod models;
mod record;
mod tour;
mod trust;

pub use record::Prompt;
pub use tour::{Tour, TOUR_STEPS};

use std::sync::mpsc::Sender;
use std::sync::Arc;

use ratatui::layout::Rect;

use crate::engine::ModelSpec;
use crate::tui::action::Action;
use crate::tui::adapter::Engine;
use crate::tui::jobs::{JobUpdate, Jobs};
use crate::tui::session::Session;
use crate::tui::startup::TuiOptions;
pub use crate::tui::tab::Tab;
use crate::tui::tabs::build::Build;
use crate::tui::tabs::compare::CompareTab;
use crate::tui::tabs::computation::Computation;
use crate::tui::tabs::dataset::DatasetTab;
use crate::tui::tabs::explore::{Explore, Retrain};
use crate::tui::tabs::fairness::FairnessTab;
use crate::tui::tabs::trust::TrustTab;
use crate::tui::tabs::{Command, Component, TabContext};
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
    /// Lines the help overlay is scrolled by (↑/↓ while it is shown).
    pub help_scroll: u16,
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
    /// A question shown over everything (the quit prompt).
    pub prompt: Option<Prompt>,
    /// The pane zoomed to the whole body (`z`).
    pub zoom: Option<Pane>,
    /// The guided tour, while it runs.
    pub tour: Option<Tour>,
    /// The Build-a-user version last copied into the session.
    pub(super) built_logged: u64,
    /// Where the session was autosaved on quit (or why it could not be).
    pub autosaved: Option<Result<String, String>>,
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
            help_scroll: 0,
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
            prompt: None,
            zoom: None,
            tour: None,
            autosaved: None,
            built_logged: 0,
            jobs: Jobs::new(events),
        }
    }

    /// The layout of the current frame.
    pub fn regions(&self) -> Regions {
        let caption = if self.tour.is_some() { 2 } else { 0 };
        let r =
            layout::regions_with(self.size, self.tab, caption).compact_bottom(self.compact_alone());
        match self.zoom {
            Some(pane) => r.zoomed(pane),
            None => r,
        }
    }

    /// In the compact Explore layout, the pane that takes the bottom rows alone: "Because you
    /// liked" while it has the focus; the What-if pane while it has the focus, while a note is
    /// typed, or while a what-if, a minimal set or its search is on (unless Why has the focus);
    /// else none (Why and Because side by side).
    fn compact_alone(&self) -> Option<Pane> {
        let x = self.explore.as_ref()?;
        let active = x
            .view
            .as_ref()
            .is_some_and(|v| v.whatif.is_some() || v.minimal.is_some() || v.minimal_job.is_some());
        // A note being typed shows in the What-if pane.
        let noting = matches!(x.field, Some(crate::tui::tabs::explore::Field::Note(_)));
        match x.focus {
            _ if noting => Some(Pane::WhatIf),
            Pane::Attribution => None,
            Pane::Influence => Some(Pane::Influence),
            Pane::WhatIf => Some(Pane::WhatIf),
            _ if active => Some(Pane::WhatIf),
            _ => None,
        }
    }

    /// The pane that has the focus on the shown tab.
    pub fn focused_pane(&self) -> Pane {
        match self.tab {
            Tab::Explore => self.explore.as_ref().map_or(Pane::Body, |x| x.focus),
            Tab::Build => self.build.as_ref().map_or(Pane::Body, |b| b.focus),
            _ => Pane::Body,
        }
    }

    /// True while a text field has the keyboard.
    pub fn typing(&self) -> bool {
        match self.tab {
            Tab::Explore => self.explore.as_ref().is_some_and(|e| e.typing()),
            Tab::Build => self.build.as_ref().is_some_and(|b| b.typing()),
            _ => false,
        }
    }

    /// The shown tab's state (`None` before start-up is done).
    fn component(&mut self) -> Option<&mut dyn Component> {
        match self.tab {
            Tab::Explore => self.explore.as_mut().map(|c| c as &mut dyn Component),
            Tab::Build => self.build.as_mut().map(|c| c as &mut dyn Component),
            Tab::Trust => Some(&mut self.trust),
            Tab::Fairness => Some(&mut self.fairness),
            Tab::Dataset => Some(&mut self.dataset),
            Tab::Compare => Some(&mut self.compare),
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
            Action::ForceQuit => {
                self.finish();
                return;
            }
            Action::Resize { width, height } => {
                self.size = Rect::new(0, 0, width, height);
                return;
            }
            _ => {}
        }
        if let Some(prompt) = self.prompt {
            self.answer(prompt, action);
            return;
        }
        if self.help {
            let page = self.size.height.saturating_sub(4).max(1) as i32;
            let by = match action {
                Action::Up | Action::ScrollUp { .. } => -1,
                Action::Down | Action::ScrollDown { .. } => 1,
                Action::PageUp => -page,
                Action::PageDown => page,
                Action::Home => -10_000,
                Action::End => 10_000,
                _ => 0,
            };
            // Clamped when drawn (the overlay knows how many lines fit).
            self.help_scroll = (i32::from(self.help_scroll) + by).clamp(0, 500) as u16;
            if matches!(action, Action::Help | Action::Back | Action::Click { .. }) {
                self.help = false;
            }
            return;
        }
        if self.phase != Phase::Ready {
            // The failed screen has nothing to lose: Esc quits there as it says.
            match action {
                Action::Quit => self.quit = true,
                Action::Back if matches!(self.phase, Phase::Failed(_)) => self.quit = true,
                Action::Back => self.hint_quit(),
                _ => {}
            }
            return;
        }
        if self.tour.is_some() && !self.typing() {
            match action {
                Action::Right => return self.tour_step(1),
                Action::Left => return self.tour_step(-1),
                _ => {}
            }
        }
        match action {
            Action::Quit if !self.typing() => self.ask_quit(),
            Action::Help => {
                self.help = true;
                self.help_scroll = 0;
            }
            Action::Back if self.typing() => self.tab_update(action),
            Action::Back => self.back(),
            Action::NextTab => self.go_tab((self.tab.index() + 1) % Tab::ALL.len()),
            Action::PrevTab => {
                self.go_tab((self.tab.index() + Tab::ALL.len() - 1) % Tab::ALL.len())
            }
            Action::GoTab(n) if n < Tab::ALL.len() => self.go_tab(n),
            Action::Export => {
                self.export();
            }
            Action::Zoom => self.toggle_zoom(),
            Action::ShowCommand => self.show_command(),
            Action::Tour => self.toggle_tour(),
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
            _ => {
                if matches!(action, Action::Toggle)
                    && self.tab == Tab::Explore
                    && self
                        .explore
                        .as_ref()
                        .is_some_and(|x| x.toggle_replaces_retrain())
                {
                    // The toggle replaces the running retrain anyway: stopped before the instant
                    // answer is computed, so the two do not share the cores meanwhile.
                    self.jobs.retrain.cancel();
                }
                self.tab_update(action)
            }
        }
        self.sync_built();
        // A zoom follows the focus (← / → move it to the next pane).
        if self.zoom.is_some() {
            self.zoom = Some(self.focused_pane()).filter(|&p| p != Pane::Body);
        }
        self.sync_compare();
    }

    /// Esc: closes the innermost thing — the zoom, the banner, what the tab shows (a minimal
    /// set, a filter, a computation), then the tour. Never quits: with nothing to close it says
    /// how to quit.
    fn back(&mut self) {
        if self.zoom.take().is_some() || self.banner.take().is_some() {
            return;
        }
        if let Some(commands) = self.component().and_then(|c| c.cancel()) {
            self.run(commands);
            return;
        }
        if self.tour.take().is_some() {
            return;
        }
        self.hint_quit();
    }

    fn hint_quit(&mut self) {
        self.banner = Some(Banner {
            text: "nothing to close · q quits (asks first when the session is not exported)".into(),
            error: false,
        });
    }

    /// `z`: the focused pane over the whole body, or back.
    fn toggle_zoom(&mut self) {
        if self.zoom.take().is_some() {
            return;
        }
        let pane = self.focused_pane();
        if pane == Pane::Body {
            self.banner = Some(Banner {
                text: "this tab is one pane already: z zooms a pane of Explore or Build-a-user"
                    .into(),
                error: false,
            });
        } else {
            self.zoom = Some(pane);
        }
    }

    pub(crate) fn go_tab(&mut self, n: usize) {
        self.zoom = None;
        self.tab = Tab::ALL[n];
        self.tab_opened();
    }

    /// Tells the shown tab it is shown (it may start its computation).
    pub(crate) fn tab_opened(&mut self) {
        let commands = self.component().map(|c| c.opened()).unwrap_or_default();
        self.run(commands);
    }

    /// Page height of a pane in rows.
    pub fn rows(&self, pane: Pane) -> usize {
        self.regions().rows_of(pane).max(1)
    }

    /// Routes an action to the shown tab and carries out what it asks.
    fn tab_update(&mut self, action: Action) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let regions = self.regions();
        let ctx = TabContext {
            engine: &engine,
            regions: &regions,
        };
        let commands = match self.component() {
            Some(c) => c.update(action, &ctx),
            None => return,
        };
        self.run(commands);
    }

    /// Carries out the tabs' commands.
    pub(crate) fn run(&mut self, commands: Vec<Command>) {
        for command in commands {
            match command {
                Command::Explore(effect) => self.apply(vec![effect]),
                Command::Banner { text, error } => self.banner = Some(Banner { text, error }),
                Command::ClearHint => {
                    if self.banner.as_ref().is_some_and(|b| !b.error) {
                        self.banner = None;
                    }
                }
                Command::StartTrust => self.start_trust(),
                Command::StartSeedStability => self.start_seed_stability(),
                Command::StartFairness => self.start_fairness(),
                Command::StartCompare => self.start_compare(),
                Command::OpenBuilt => self.open_built(),
                Command::CancelTrust => self.jobs.trust.cancel(),
                Command::CancelSeedStability => self.jobs.seed.cancel(),
                Command::CancelFairness => self.jobs.fairness.cancel(),
            }
        }
    }
}
