//! The Trust and Fairness tabs' state: each computes its numbers on its own worker lane the first
//! time the tab is opened (a gauge meanwhile; Esc cancels, Enter starts again) and keeps them for
//! the session. Trust: `s` adds seed stability, ↑↓ and the wheel scroll the metrics table.
//! Fairness: ←/→ pick the attribute, `m` the model, ↑↓ and the wheel scroll the groups, Enter
//! re-runs the audit with the whole rating line-up.

use super::adapter::{FairnessRun, SeedStability, TrustResults};
use super::worker::JobEventKind;

/// A running job as the screen shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct JobProgress {
    pub job: u64,
    pub fraction: f32,
    pub label: String,
}

impl JobProgress {
    pub(crate) fn new(job: u64) -> JobProgress {
        JobProgress {
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
    Running(JobProgress),
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

    pub fn running(&self) -> Option<&JobProgress> {
        match self {
            Computation::Running(p) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn job(&self) -> Option<u64> {
        self.running().map(|p| p.job)
    }

    /// Takes a worker event of job `id` (events of other jobs change nothing).
    pub(crate) fn on_event(&mut self, id: u64, kind: JobEventKind<T>) {
        if self.job() != Some(id) {
            return;
        }
        match kind {
            JobEventKind::Started => {}
            JobEventKind::Progress(fraction, label) => {
                *self = Computation::Running(JobProgress {
                    job: id,
                    fraction,
                    label,
                })
            }
            JobEventKind::Finished(Ok(t)) => *self = Computation::Done(t),
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
    pub results: Computation<TrustResults>,
    /// Seed stability, once asked with `s` (its result is also merged into `results`).
    pub seed: Computation<SeedStability>,
    /// First row of the metrics table shown.
    pub scroll: usize,
}

/// The Fairness tab.
#[derive(Debug)]
pub struct FairnessTab {
    pub audit: Computation<FairnessRun>,
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
