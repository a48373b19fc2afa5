//! A tab's long computation on its worker: idle, running (with the gauge's fraction and label),
//! done, failed or cancelled, and how worker events move it along.

use crate::tui::worker::JobEventKind;

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
