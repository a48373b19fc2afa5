//! `M`: the explored model. The app keeps the engine of every model explored so far (their data
//! shared), so coming back to one is instant; a model not yet explored is loaded from the model
//! cache or trained on a gauge (the status bar shows it) on its own worker, and pressing `M`
//! again meanwhile moves on to the next one (the newest request wins). Once the engine arrives,
//! every tab is asked again of it: the Explore user keeps their what-if (refolded and retrained
//! under the new model), Build-a-user keeps its likes, Compare sets the new model beside the
//! others, and Trust and Fairness measure it.

use std::sync::Arc;

use super::{settled, App, Banner, Parked, Switching};
use crate::engine::ModelSpec;
use crate::tui::adapter::Engine;
use crate::tui::startup::explore_model;
use crate::tui::tabs::fairness::FairnessTab;
use crate::tui::tabs::trust::TrustTab;
use crate::tui::worker::JobEventKind;

impl App {
    /// The model the screens show.
    pub fn explored_spec(&self) -> Option<ModelSpec> {
        self.engine.as_ref().map(|e| e.spec())
    }

    /// `M`: the next model after the one shown (or after the one still loading).
    pub(crate) fn next_model(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let from = self.switching.as_ref().map_or(engine.spec(), |s| s.spec);
        let next = from.next_factor();
        if let Some(known) = self.explored.iter().find(|e| e.spec() == next).cloned() {
            if self.switching.take().is_some() {
                self.jobs.model.cancel();
            }
            self.switch_to(known);
            return;
        }
        let options = self.options.clone();
        let job = self.jobs.model.submit(Box::new(move |ctx| {
            explore_model(&engine, &options, next, ctx)
        }));
        self.switching = Some(Switching {
            job,
            spec: next,
            fraction: 0.0,
            label: format!("{next}: from the cache or trained"),
        });
    }

    pub(crate) fn on_model_event(&mut self, id: u64, kind: JobEventKind<Engine>) {
        let Some(s) = self.switching.as_mut().filter(|s| s.job == id) else {
            return;
        };
        match kind {
            JobEventKind::Progress(fraction, label) => {
                s.fraction = fraction;
                s.label = label;
            }
            JobEventKind::Note(line) => self.startup_log.push(line),
            JobEventKind::Finished(Ok(engine)) => {
                self.switching = None;
                self.switch_to(Arc::new(engine));
            }
            JobEventKind::Started => {}
            JobEventKind::Finished(Err(e)) => {
                let spec = s.spec;
                self.switching = None;
                self.banner = Some(Banner {
                    text: format!("could not explore {spec}: {e}"),
                    error: true,
                });
            }
            JobEventKind::Panicked(m) => {
                let spec = s.spec;
                self.switching = None;
                self.banner = Some(Banner {
                    text: format!("loading {spec} panicked: {m} (the model shown stays)"),
                    error: true,
                });
            }
            JobEventKind::Cancelled | JobEventKind::Dropped => self.switching = None,
        }
    }

    /// Shows `engine`'s model on every tab.
    fn switch_to(&mut self, engine: Arc<Engine>) {
        if !self.explored.iter().any(|e| e.spec() == engine.spec()) {
            self.explored.push(engine.clone());
        }
        self.jobs.cancel_model_work();
        // Trust and Fairness keep what they measured per model; a computation cut short by the
        // switch starts again when its tab is opened under that model.
        let trust = std::mem::take(&mut self.trust);
        let fairness = std::mem::take(&mut self.fairness);
        if let Some(old) = self.explored_spec() {
            self.parked.retain(|p| p.spec != old);
            self.parked.push(Parked {
                spec: old,
                trust: TrustTab {
                    results: settled(trust.results),
                    seed: settled(trust.seed),
                    ..trust
                },
                fairness: FairnessTab {
                    audit: settled(fairness.audit),
                    ..fairness
                },
            });
        }
        if let Some(n) = self.parked.iter().position(|p| p.spec == engine.spec()) {
            let back = self.parked.swap_remove(n);
            self.trust = back.trust;
            self.fairness = back.fairness;
        }
        self.compare = Default::default();
        self.engine = Some(engine.clone());
        let effects = match self.explore.as_mut() {
            Some(x) => x.switch_model(&engine),
            None => Vec::new(),
        };
        if let Some(b) = self.build.as_mut() {
            b.switch_model(&engine);
        }
        self.apply(effects);
        self.tab_opened();
        self.sync_compare();
    }
}
