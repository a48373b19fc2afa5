//! The Trust and Fairness tabs' state: each computes its numbers on its own worker lane the first
//! time the tab is opened (a gauge meanwhile; Esc cancels, Enter starts again) and keeps them for
//! the session. Trust: `s` adds seed stability, ↑↓ and the wheel scroll the metrics table.
//! Fairness: ←/→ pick the attribute, `m` the model, ↑↓ and the wheel scroll the groups, Enter
//! re-runs the audit with the whole rating line-up.

use super::action::Action;
use super::adapter::{FairnessRun, SeedStability, TrustResults};
use super::app::{App, Banner, Tab};
use super::jobs::Output;
use super::worker::{JobEvent, JobEventKind, Lane};

/// A running job as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub job: u64,
    pub fraction: f32,
    pub label: String,
}

impl Progress {
    fn new(job: u64) -> Progress {
        Progress {
            job,
            fraction: 0.0,
            label: "queued".into(),
        }
    }
}

/// A long computation of a tab.
#[derive(Debug, Clone, Default)]
pub enum Computation<T> {
    /// Not asked yet.
    #[default]
    Idle,
    Running(Progress),
    Done(T),
    Failed(String),
    /// Stopped with Esc.
    Cancelled,
}

impl<T> Computation<T> {
    pub fn done(&self) -> Option<&T> {
        match self {
            Computation::Done(t) => Some(t),
            _ => None,
        }
    }

    pub fn running(&self) -> Option<&Progress> {
        match self {
            Computation::Running(p) => Some(p),
            _ => None,
        }
    }

    fn job(&self) -> Option<u64> {
        self.running().map(|p| p.job)
    }

    /// Takes a worker event of job `id` (events of other jobs change nothing).
    fn on_event(&mut self, id: u64, kind: JobEventKind<Output>, take: fn(Output) -> Option<T>) {
        if self.job() != Some(id) {
            return;
        }
        match kind {
            JobEventKind::Started => {}
            JobEventKind::Progress(fraction, label) => {
                *self = Computation::Running(Progress {
                    job: id,
                    fraction,
                    label,
                })
            }
            JobEventKind::Finished(Ok(out)) => {
                *self = match take(out) {
                    Some(t) => Computation::Done(t),
                    None => Computation::Failed("the worker returned something else".into()),
                }
            }
            JobEventKind::Finished(Err(e)) => *self = Computation::Failed(e),
            JobEventKind::Panicked(m) => *self = Computation::Failed(format!("panicked: {m}")),
            JobEventKind::Cancelled | JobEventKind::Dropped => *self = Computation::Cancelled,
            JobEventKind::Note(_) => {}
        }
    }
}

/// The Trust tab.
#[derive(Debug, Default)]
pub struct TrustTab {
    pub results: Computation<Box<TrustResults>>,
    /// Seed stability, once asked with `s` (its result is also merged into `results`).
    pub seed: Computation<Box<SeedStability>>,
    /// First row of the metrics table shown.
    pub scroll: usize,
}

/// The Fairness tab.
#[derive(Debug)]
pub struct FairnessTab {
    pub audit: Computation<Box<FairnessRun>>,
    /// Selected attribute (gender, age, occupation).
    pub attribute: usize,
    /// Selected model of the report (index into its `overall`); hybrid-als first shown.
    pub model: usize,
    /// First group row shown.
    pub scroll: usize,
}

impl Default for FairnessTab {
    fn default() -> Self {
        FairnessTab {
            audit: Computation::Idle,
            attribute: 0,
            model: 1,
            scroll: 0,
        }
    }
}

/// Rows of the Trust tab's metrics table.
pub const TRUST_ROWS: usize = 11;

impl App {
    /// Starts the trust metrics on their worker (once; again after a cancel or failure).
    pub(super) fn start_trust(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        if matches!(
            self.trust.results,
            Computation::Running(_) | Computation::Done(_)
        ) {
            return;
        }
        let job = self.jobs.submit(
            Lane::Trust,
            Box::new(move |ctx| {
                engine
                    .trust_metrics(&mut |f, l| ctx.progress(f, l), ctx.cancel_flag())
                    .map(|r| Output::Trust(Box::new(r)))
            }),
        );
        self.trust.results = Computation::Running(Progress::new(job));
    }

    fn start_seed_stability(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let Some(results) = self.trust.results.done() else {
            self.banner = Some(Banner {
                text: "seed stability needs the trust metrics first (they are on their way)".into(),
                error: false,
            });
            return;
        };
        if results.seed_stability || self.trust.seed.running().is_some() {
            return;
        }
        let results = results.as_ref().clone();
        let job = self.jobs.submit(
            Lane::Trust,
            Box::new(move |ctx| {
                engine
                    .seed_stability(&results, &mut |f, l| ctx.progress(f, l), ctx.cancel_flag())
                    .map(|s| Output::Seed(Box::new(s)))
            }),
        );
        self.trust.seed = Computation::Running(Progress::new(job));
    }

    /// Starts the fairness audit on its worker (quick rating side; once unless asked again).
    pub(super) fn start_fairness(&mut self, quick_rating: bool) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let again = !quick_rating
            && self
                .fairness
                .audit
                .done()
                .is_some_and(|run| run.quick_rating);
        let idle = matches!(
            self.fairness.audit,
            Computation::Idle | Computation::Failed(_) | Computation::Cancelled
        );
        if !idle && !again {
            return;
        }
        let job = self.jobs.submit(
            Lane::Fairness,
            Box::new(move |ctx| {
                engine
                    .fairness_audit(
                        quick_rating,
                        &mut |f, l| ctx.progress(f, l),
                        ctx.cancel_flag(),
                    )
                    .map(|r| Output::Fairness(Box::new(r)))
            }),
        );
        self.fairness.audit = Computation::Running(Progress::new(job));
    }

    /// Esc on the Trust or Fairness tab while it computes: cancels. True when it did.
    pub(super) fn cancel_computation(&mut self) -> bool {
        match self.tab {
            Tab::Trust if self.trust.seed.running().is_some() => {
                self.jobs.cancel(Lane::Trust);
                self.trust.seed = Computation::Cancelled;
            }
            Tab::Trust if self.trust.results.running().is_some() => {
                self.jobs.cancel(Lane::Trust);
                self.trust.results = Computation::Cancelled;
            }
            Tab::Fairness if self.fairness.audit.running().is_some() => {
                self.jobs.cancel(Lane::Fairness);
                self.fairness.audit = Computation::Cancelled;
            }
            _ => return false,
        }
        true
    }

    pub(super) fn trust_update(&mut self, action: Action) {
        match action {
            Action::Sort => self.start_seed_stability(),
            Action::Enter => self.start_trust(),
            other => {
                if let Some(d) = App::delta(other, 5) {
                    let max = TRUST_ROWS.saturating_sub(1) as isize;
                    self.trust.scroll = (self.trust.scroll as isize + d).clamp(0, max) as usize;
                }
            }
        }
    }

    pub(super) fn fairness_update(&mut self, action: Action) {
        let Some(run) = self.fairness.audit.done() else {
            if action == Action::Enter {
                self.start_fairness(true);
            }
            return;
        };
        let r = &run.report;
        let (attributes, models) = (r.attributes.len().max(1), r.overall.len().max(1));
        let groups = r
            .attributes
            .get(self.fairness.attribute)
            .map_or(0, |a| a.groups.len());
        let f = &mut self.fairness;
        match action {
            Action::Left => f.attribute = (f.attribute + attributes - 1) % attributes,
            Action::Right => f.attribute = (f.attribute + 1) % attributes,
            Action::MinimalSet => f.model = (f.model + 1) % models,
            Action::Enter => return self.start_fairness(false),
            other => {
                if let Some(d) = App::delta(other, 10) {
                    let max = groups.saturating_sub(1) as isize;
                    f.scroll = (f.scroll as isize + d).clamp(0, max) as usize;
                }
                return;
            }
        }
        f.scroll = 0;
    }

    /// Events of the Trust lane (the metrics or seed stability).
    pub(super) fn on_trust_event(&mut self, event: JobEvent<Output>) {
        let JobEvent { id, kind, .. } = event;
        if let JobEventKind::Panicked(m) = &kind {
            self.banner = Some(Banner {
                text: format!("the trust worker panicked: {m} (the rest keeps running)"),
                error: true,
            });
        }
        if self.trust.seed.job() == Some(id) {
            self.trust.seed.on_event(id, kind, |o| match o {
                Output::Seed(s) => Some(s),
                _ => None,
            });
            if let (Computation::Done(s), Computation::Done(r)) =
                (&self.trust.seed, &mut self.trust.results)
            {
                if !r.seed_stability {
                    r.add_seed_stability(s.as_ref().clone());
                }
            }
            return;
        }
        self.trust.results.on_event(id, kind, |o| match o {
            Output::Trust(r) => Some(r),
            _ => None,
        });
    }

    /// Events of the Fairness lane.
    pub(super) fn on_fairness_event(&mut self, event: JobEvent<Output>) {
        let JobEvent { id, kind, .. } = event;
        if let JobEventKind::Panicked(m) = &kind {
            self.banner = Some(Banner {
                text: format!("the fairness worker panicked: {m} (the rest keeps running)"),
                error: true,
            });
        }
        self.fairness.audit.on_event(id, kind, |o| match o {
            Output::Fairness(r) => Some(r),
            _ => None,
        });
    }
}
