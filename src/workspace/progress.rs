//! What a long step of the service layer tells its front end. Every method has a quiet default,
//! so a front end implements only what it shows.

use std::sync::atomic::AtomicBool;

use crate::data::download::ByteProgress;
use crate::data::DatasetKind;
use crate::engine::{ModelSpec, TrainProgress};

/// The listener of one service call.
pub trait Progress {
    /// A line of what happened (where the data came from, a cache hit, a retrain and why).
    fn note(&self, _line: &str) {}
    /// A load or a training is about to start: `what` says which (`loading ml-100k from …`,
    /// `training warp`).
    fn stage(&self, _what: &str) {}
    /// One sweep (ALS) or epoch (SGD) of a training finished.
    fn training(&self, _spec: ModelSpec, _progress: &TrainProgress) {}
    /// Listener of a download's bytes; `None` lets the download draw its own terminal bar.
    fn download_listener(&self, _kind: DatasetKind) -> Option<ByteProgress> {
        None
    }
    /// Set when the user asked to stop; checked between sweeps and between steps.
    fn cancel_flag(&self) -> &AtomicBool;
}

/// A listener that shows nothing and never cancels (tests, benchmarks).
#[derive(Debug, Default)]
pub struct Silent(AtomicBool);

impl Progress for Silent {
    fn cancel_flag(&self) -> &AtomicBool {
        &self.0
    }
}
