//! The app's side of the Trust and Fairness tabs: starting their computations and taking their
//! events.

use super::{App, Banner};
use crate::tui::adapter::{FairnessRun, SeedStability, TrustResults};
use crate::tui::tabs::computation::{Computation, JobProgress};
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

    pub(crate) fn start_seed_stability(&mut self) {
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

    /// Starts the fairness audit on its worker (once per model, again after a failure or a
    /// cancel).
    pub(crate) fn start_fairness(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let idle = matches!(
            self.fairness.audit,
            Computation::Idle | Computation::Failed(_) | Computation::Cancelled
        );
        if !idle {
            return;
        }
        // The Trust tab's split and fitted models, when computed, serve the audit too (one copy
        // in memory, no second fit).
        let split = self.trust.results.done().map(|r| r.share());
        let job = self.jobs.fairness.submit(Box::new(move |ctx| {
            engine.fairness_audit_on(split, &mut |f, l| ctx.progress(f, l), ctx.cancel_flag())
        }));
        self.fairness.audit = Computation::Running(JobProgress::new(job));
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
