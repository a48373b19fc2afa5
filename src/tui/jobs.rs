//! The app's workers: one newest-wins lane per kind of job, each typed by what its job hands
//! back, and [`JobUpdate`], the one event type they all arrive as (a variant per lane, so an
//! event can only be taken by the code that asked for it). The app's side (what it starts, what
//! it does with the events) is in `app/jobs.rs`.

use std::sync::mpsc::Sender;

use super::adapter::{Engine, FairnessRun, MinimalSet, RetrainView, SeedStability, TrustResults};
use super::worker::{JobEvent, Outbox, SingleJob};
use crate::data::eda::EdaReport;

/// The Compare tab's line-up: (name, model) beside the explored one.
pub type ComparedModels = Vec<(String, crate::engine::Trained)>;

/// An event of one of the app's jobs.
pub enum JobUpdate {
    /// Opening the data and the first model.
    Startup(JobEvent<Engine>),
    /// The what-if retrain.
    Retrain(JobEvent<RetrainView>),
    /// The Compare tab's models.
    Compare(JobEvent<ComparedModels>),
    /// The Dataset tab's statistics.
    Dataset(JobEvent<EdaReport>),
    /// The minimal counterfactual set asked with `m`.
    Minimal(JobEvent<MinimalSet>),
    /// The Trust tab's metrics.
    Trust(JobEvent<TrustResults>),
    /// The Trust tab's seed stability (`s`).
    Seed(JobEvent<SeedStability>),
    /// The Fairness tab's audit.
    Fairness(JobEvent<FairnessRun>),
    /// Loading or training the model `M` switches to.
    Model(JobEvent<Engine>),
}

impl std::fmt::Debug for JobUpdate {
    /// The lane, the job id and the kind of event (results are not printed).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (lane, id, kind) = match self {
            JobUpdate::Startup(e) => ("startup", e.id, e.kind.name()),
            JobUpdate::Retrain(e) => ("retrain", e.id, e.kind.name()),
            JobUpdate::Compare(e) => ("compare", e.id, e.kind.name()),
            JobUpdate::Dataset(e) => ("dataset", e.id, e.kind.name()),
            JobUpdate::Minimal(e) => ("minimal", e.id, e.kind.name()),
            JobUpdate::Trust(e) => ("trust", e.id, e.kind.name()),
            JobUpdate::Seed(e) => ("seed", e.id, e.kind.name()),
            JobUpdate::Fairness(e) => ("fairness", e.id, e.kind.name()),
            JobUpdate::Model(e) => ("model", e.id, e.kind.name()),
        };
        write!(f, "{lane} job {id}: {kind}")
    }
}

/// One worker per kind of job; jobs of one lane replace each other, lanes run side by side.
pub struct Jobs {
    pub startup: SingleJob<Engine>,
    pub retrain: SingleJob<RetrainView>,
    pub compare: SingleJob<ComparedModels>,
    pub dataset: SingleJob<EdaReport>,
    pub minimal: SingleJob<MinimalSet>,
    pub trust: SingleJob<TrustResults>,
    pub seed: SingleJob<SeedStability>,
    pub fairness: SingleJob<FairnessRun>,
    pub model: SingleJob<Engine>,
}

impl Jobs {
    /// Starts every lane; their events arrive on `events`.
    pub fn new(events: Sender<JobUpdate>) -> Jobs {
        let e = || events.clone();
        Jobs {
            startup: SingleJob::new("startup", Outbox::mapped(e(), JobUpdate::Startup)),
            retrain: SingleJob::new("retrain", Outbox::mapped(e(), JobUpdate::Retrain)),
            compare: SingleJob::new("compare", Outbox::mapped(e(), JobUpdate::Compare)),
            dataset: SingleJob::new("dataset", Outbox::mapped(e(), JobUpdate::Dataset)),
            minimal: SingleJob::new("minimal", Outbox::mapped(e(), JobUpdate::Minimal)),
            trust: SingleJob::new("trust", Outbox::mapped(e(), JobUpdate::Trust)),
            seed: SingleJob::new("seed", Outbox::mapped(e(), JobUpdate::Seed)),
            fairness: SingleJob::new("fairness", Outbox::mapped(e(), JobUpdate::Fairness)),
            model: SingleJob::new("model", Outbox::mapped(e(), JobUpdate::Model)),
        }
    }

    /// Cancels every lane that works for the explored model (all but start-up and `M`'s own).
    pub fn cancel_model_work(&self) {
        self.retrain.cancel();
        self.minimal.cancel();
        self.trust.cancel();
        self.seed.cancel();
        self.fairness.cancel();
        self.compare.cancel();
    }

    /// True while any lane runs or holds a job.
    pub fn busy(&self) -> bool {
        [
            self.startup.is_busy(),
            self.retrain.is_busy(),
            self.compare.is_busy(),
            self.dataset.is_busy(),
            self.minimal.is_busy(),
            self.trust.is_busy(),
            self.seed.is_busy(),
            self.fairness.is_busy(),
            self.model.is_busy(),
        ]
        .contains(&true)
    }
}
