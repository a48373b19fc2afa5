//! A worker job's gauge as the service layer's [`Progress`]: the call's work fills the stretch
//! `from..to` of the job's gauge (a download by bytes, a training by sweeps), its notes go to the
//! job's log, and the job's cancel flag stops it.

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::worker::JobContext;
use crate::data::download::ByteProgress;
use crate::data::DatasetKind;
use crate::engine::{ModelSpec, TrainProgress};
use crate::workspace::Progress;

/// The stretch `from..to` of a job's gauge.
pub struct Gauge<'a, T> {
    ctx: &'a JobContext<T>,
    from: f32,
    to: f32,
    /// Where the gauge is now (a stage starts there).
    at: Cell<f32>,
}

impl<'a, T: Send + 'static> Gauge<'a, T> {
    pub fn new(ctx: &'a JobContext<T>, from: f32, to: f32) -> Self {
        Gauge {
            ctx,
            from,
            to,
            at: Cell::new(from),
        }
    }

    fn within(&self, fraction: f32) -> f32 {
        self.from + (self.to - self.from) * fraction.clamp(0.0, 1.0)
    }
}

impl<T: Send + 'static> Progress for Gauge<'_, T> {
    fn note(&self, line: &str) {
        self.ctx.note(line);
    }

    fn stage(&self, what: &str) {
        self.ctx.progress(self.at.get(), what);
    }

    fn training(&self, spec: ModelSpec, p: &TrainProgress) {
        let at = self.within(p.fraction());
        self.at.set(at);
        self.ctx.progress(
            at,
            match p.detail() {
                d if d.is_empty() => format!("training {spec}: {}", p.label()),
                d => format!("training {spec}: {} ({d})", p.label()),
            },
        );
    }

    fn download_listener(&self, kind: DatasetKind) -> Option<ByteProgress> {
        let cancel = self.ctx.cancel_handle();
        let events = self.ctx.progress_fn();
        let (from, to) = (self.from, self.to);
        self.at.set(to);
        Some(ByteProgress(Arc::new(
            move |got: u64, total: Option<u64>| {
                let mib = |b: u64| b as f64 / (1 << 20) as f64;
                let (fraction, label) = match total {
                    Some(t) if t > 0 => (
                        from + (to - from) * got as f32 / t as f32,
                        format!("downloading {kind}: {:.1} of {:.1} MiB", mib(got), mib(t)),
                    ),
                    _ => (from, format!("downloading {kind}: {:.1} MiB", mib(got))),
                };
                events(fraction, label);
                !cancel.load(Ordering::SeqCst)
            },
        )))
    }

    fn cancel_flag(&self) -> &AtomicBool {
        self.ctx.cancel_flag()
    }
}
