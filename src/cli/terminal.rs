//! The CLI's [`Progress`]: notes on standard error, a training bar (indicatif) while a model
//! trains, the download's own bar; no cancel but Ctrl-C.

use std::cell::RefCell;
use std::sync::atomic::AtomicBool;

use color_eyre::eyre::{eyre, Report};
use indicatif::{ProgressBar, ProgressStyle};

use super::GlobalArgs;
use crate::data::DataError;
use crate::engine::{ModelSpec, TrainProgress};
use crate::workspace::{DatasetRequest, Progress, WorkspaceError};

/// Standard error as a progress listener.
#[derive(Default)]
pub struct Terminal {
    bar: RefCell<Option<ProgressBar>>,
    cancel: AtomicBool,
}

impl Terminal {
    fn clear_bar(&self) {
        if let Some(bar) = self.bar.borrow_mut().take() {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Terminal {
    fn note(&self, line: &str) {
        self.clear_bar();
        eprintln!("{line}");
    }

    fn training(&self, spec: ModelSpec, p: &TrainProgress) {
        let mut slot = self.bar.borrow_mut();
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::new(p.sweeps as u64);
            bar.set_style(
                ProgressStyle::with_template(&format!(
                    "training {spec} {{bar:30}} sweep {{pos}}/{{len}} {{msg}}"
                ))
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar
        });
        bar.set_length(p.sweeps as u64);
        bar.set_position(p.sweep as u64);
        bar.set_message(p.detail());
    }

    fn cancel_flag(&self) -> &AtomicBool {
        &self.cancel
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.clear_bar();
    }
}

impl GlobalArgs {
    /// The dataset these options name.
    pub fn dataset_request(&self) -> DatasetRequest {
        DatasetRequest {
            dataset: self.dataset.clone(),
            data_dir: self.data_dir.clone(),
            lenient: self.lenient,
        }
    }
}

/// A service-layer error as the CLI reports it: a malformed line says how to skip such lines.
pub fn cli_error(e: WorkspaceError) -> Report {
    match e {
        WorkspaceError::Data(e @ DataError::Line { .. }) => eyre!(e).wrap_err(
            "the dataset has a malformed line (add --lenient to skip such lines and count them)",
        ),
        e => eyre!(e),
    }
}
