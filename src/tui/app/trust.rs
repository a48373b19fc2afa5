//! The app's side of the Trust and Fairness tabs: starting their computations and taking their
//! events.

use super::{App, Banner, Tab};
use crate::tui::action::Action;
use crate::tui::adapter::{FairnessRun, SeedStability, TrustResults};
use crate::tui::trust::{Computation, JobProgress, TRUST_ROWS};
use crate::tui::worker::{JobEvent, JobEventKind};

impl App {
    /// Starts the trust metrics on their worker (once; again after a cancel or failure).
    pub(crate) fn start_trust(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        if matches!(
            self.trust.results,
            Computation::Running(_) | Computation::Done(_)
        ) {
            return;
        }
        let job = self.jobs.trust.submit(Box::new(move |ctx| {
            engine.trust_metrics(&mut |f, l| ctx.progress(f, l), ctx.cancel_flag())
        }));
        self.trust.results = Computation::Running(JobProgress::new(job));
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
        let results = results.clone();
        let job = self.jobs.seed.submit(Box::new(move |ctx| {
            engine.seed_stability(&results, &mut |f, l| ctx.progress(f, l), ctx.cancel_flag())
        }));
        self.trust.seed = Computation::Running(JobProgress::new(job));
    }

    /// Starts the fairness audit on its worker (quick rating side; once unless asked again).
    pub(crate) fn start_fairness(&mut self, quick_rating: bool) {
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
        let job = self.jobs.fairness.submit(Box::new(move |ctx| {
            engine.fairness_audit(
                quick_rating,
                &mut |f, l| ctx.progress(f, l),
                ctx.cancel_flag(),
            )
        }));
        self.fairness.audit = Computation::Running(JobProgress::new(job));
    }

    /// Esc on the Trust or Fairness tab while it computes: cancels. True when it did.
    pub(crate) fn cancel_computation(&mut self) -> bool {
        match self.tab {
            Tab::Trust if self.trust.seed.running().is_some() => {
                self.jobs.seed.cancel();
                self.trust.seed = Computation::Cancelled;
            }
            Tab::Trust if self.trust.results.running().is_some() => {
                self.jobs.trust.cancel();
                self.trust.results = Computation::Cancelled;
            }
            Tab::Fairness if self.fairness.audit.running().is_some() => {
                self.jobs.fairness.cancel();
                self.fairness.audit = Computation::Cancelled;
            }
            _ => return false,
        }
        true
    }

    pub(crate) fn trust_update(&mut self, action: Action) {
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

    pub(crate) fn fairness_update(&mut self, action: Action) {
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

    /// Events of the trust metrics' job.
    pub(crate) fn on_trust_event(&mut self, JobEvent { id, kind }: JobEvent<TrustResults>) {
        if let JobEventKind::Panicked(m) = &kind {
            self.worker_panicked("trust", m);
        }
        self.trust.results.on_event(id, kind);
    }

    /// Events of the seed-stability job; its result joins the trust metrics.
    pub(crate) fn on_seed_event(&mut self, JobEvent { id, kind }: JobEvent<SeedStability>) {
        if let JobEventKind::Panicked(m) = &kind {
            self.worker_panicked("seed-stability", m);
        }
        self.trust.seed.on_event(id, kind);
        if let (Computation::Done(s), Computation::Done(r)) =
            (&self.trust.seed, &mut self.trust.results)
        {
            if !r.seed_stability {
                r.add_seed_stability(s.clone());
            }
        }
    }

    /// Events of the fairness audit's job.
    pub(crate) fn on_fairness_event(&mut self, JobEvent { id, kind }: JobEvent<FairnessRun>) {
        if let JobEventKind::Panicked(m) = &kind {
            self.worker_panicked("fairness", m);
        }
        self.fairness.audit.on_event(id, kind);
    }
}
