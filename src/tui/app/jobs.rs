//! The app's side of the workers: which jobs it starts (start-up, the what-if retrain, the Compare
//! tab's models, the Dataset tab's statistics) and what it does with their events. Events of a job
//! the app no longer waits for (an older what-if) are ignored: the newest request wins.

use std::sync::Arc;

use super::{App, Banner, Phase, Starting, Tab};
use crate::data::eda::EdaReport;
use crate::tui::adapter::knob_strength;
use crate::tui::adapter::LIST_LENGTH;
use crate::tui::adapter::{Engine, MinimalSet, RetrainView};
use crate::tui::gauge::Gauge;
use crate::tui::jobs::{ComparedModels, JobUpdate};
use crate::tui::startup::start_up;
use crate::tui::tabs::build::Build;
use crate::tui::tabs::compare::ListsFor;
use crate::tui::tabs::explore::{Effect, Explore, RetrainRequest};
use crate::tui::worker::{Job, JobEvent, JobEventKind};

impl App {
    /// Starts loading the data and the model on the start-up worker.
    pub fn start(&mut self) {
        let options = self.options.clone();
        self.phase = Phase::Starting(Starting {
            label: format!("opening {}", options.dataset),
            ..Starting::default()
        });
        self.jobs
            .startup
            .submit(Box::new(move |ctx| start_up(&options, ctx)));
    }

    /// Enters the ready phase with `engine`, and computes the Dataset tab's statistics on a worker.
    pub fn ready(&mut self, engine: Engine) {
        let engine = Arc::new(engine);
        self.explored = vec![engine.clone()];
        self.explore = Some(Explore::new(&engine));
        self.build = Some(Build::new(&engine));
        self.session = crate::tui::session::Session::start(
            &self.options.dataset,
            &engine.dataset,
            &self.options.settings,
        );
        self.phase = Phase::Ready;
        let e = engine.clone();
        self.jobs.dataset.submit(Box::new(move |_| {
            crate::data::eda::analyse(&e.dataset).map_err(|err| err.to_string())
        }));
        self.engine = Some(engine);
        if self.options.tour {
            self.toggle_tour();
        }
    }

    /// Carries out what the Explore tab asked for.
    pub(crate) fn apply(&mut self, effects: Vec<Effect>) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        for effect in effects {
            match effect {
                Effect::Retrain(request) => {
                    let RetrainRequest {
                        profile,
                        removed,
                        before,
                        instant,
                    } = *request;
                    let e = engine.clone();
                    let job = self.jobs.retrain.submit(Box::new(move |ctx| {
                        // Keys come in bursts (space pressed on several likes): the retrain of
                        // a what-if the next key replaces never starts copying the model.
                        if settle(ctx.cancel_flag()) {
                            return Err("cancelled".into());
                        }
                        ctx.progress(0.0, "warm start from the trained model");
                        e.retrain(
                            &profile,
                            &removed,
                            &before,
                            &instant,
                            &mut |p| ctx.progress(p.fraction(), p.label()),
                            ctx.cancel_flag(),
                        )
                    }));
                    if let Some(x) = self.explore.as_mut() {
                        x.retrain_submitted(job);
                    }
                }
                Effect::CancelRetrain => self.jobs.retrain.cancel(),
                Effect::Minimal { profile, item } => {
                    let e = engine.clone();
                    let job = self
                        .jobs
                        .minimal
                        .submit(Box::new(move |_| Ok(e.minimal_set(&profile, item))));
                    if let Some(x) = self.explore.as_mut() {
                        x.minimal_submitted(job);
                    }
                }
                Effect::Tried => self.log_tried(&engine),
                Effect::Note { user, item, text } => {
                    self.session.note(&engine, user, item, text);
                    self.banner = Some(Banner {
                        text: format!(
                            "note added to the session record ({}; e exports it)",
                            self.session.summary()
                        ),
                        error: false,
                    });
                }
            }
        }
    }

    /// Runs `job` as the what-if retrain the Explore tab waits for (tests and benchmarks use it to
    /// stand in for the real retrain).
    pub fn submit_retrain_job(&mut self, job: Job<RetrainView>) -> u64 {
        let id = self.jobs.retrain.submit(job);
        if let Some(x) = self.explore.as_mut() {
            x.retrain_submitted(id);
        }
        id
    }

    /// Starts training the Compare tab's models (once).
    pub(crate) fn start_compare(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        if self.compare.job.is_some() || !self.compare.models.is_empty() {
            return;
        }
        self.compare.error = None;
        self.compare.label = "starting".into();
        let models_dir = self.options.models_dir.clone();
        let id = self.jobs.compare.submit(Box::new(move |ctx| {
            engine
                .comparison_models(Some(&models_dir), &Gauge::new(ctx, 0.0, 1.0))
                .map_err(|e| e.to_string())
        }));
        self.compare.job = Some(id);
    }

    /// Recomputes the Compare lists when the Explore user changed.
    pub(crate) fn sync_compare(&mut self) {
        let (Some(engine), Some(x)) = (self.engine.as_ref(), self.explore.as_ref()) else {
            return;
        };
        if self.tab != Tab::Compare || self.compare.models.is_empty() {
            return;
        }
        let view = x.view.as_ref();
        let whose = match view.and_then(|v| v.built) {
            Some((number, version)) => ListsFor::Built { number, version },
            None => match x.users.selected_user() {
                Some(u) => ListsFor::User(u),
                None => return,
            },
        };
        let knob = knob_strength(self.knob);
        if self.compare.lists.as_ref().is_some_and(|l| l.0 == whose) && self.compare.knob == knob {
            return;
        }
        // The knob re-ranks the explored model (its knob is the engine's), as in the Explore tab.
        let explored = engine.spec().name();
        let lists = self
            .compare
            .models
            .iter()
            .filter_map(|(name, m)| match (whose, view) {
                (ListsFor::Built { .. }, Some(v)) => {
                    let seen: Vec<u32> = v.seen.iter().map(|s| s.0).collect();
                    Some((name.clone(), engine.top_for_profile(m, &v.profile, &seen)))
                }
                (ListsFor::User(user), _) if name == explored && knob > 0.0 => Some((
                    format!("{name} · knob {knob:.2}"),
                    engine.top_by_knob(m.scorer(), user, knob),
                )),
                (ListsFor::User(user), _) => {
                    Some((name.clone(), engine.top_by(m.scorer(), user, LIST_LENGTH)))
                }
                (ListsFor::Built { .. }, None) => None,
            })
            .collect();
        self.compare.lists = Some((whose, lists));
        self.compare.knob = knob;
    }

    /// Takes one worker event: each lane's events go to the code that asked for its job.
    pub fn on_job_event(&mut self, update: JobUpdate) {
        match update {
            JobUpdate::Startup(e) => self.on_startup(e.kind),
            JobUpdate::Retrain(e) => self.on_retrain(e.id, e.kind),
            JobUpdate::Model(e) => self.on_model_event(e.id, e.kind),
            JobUpdate::Trust(e) => self.on_trust_event(e),
            JobUpdate::Seed(e) => self.on_seed_event(e),
            JobUpdate::Fairness(e) => self.on_fairness_event(e),
            JobUpdate::Compare(e) => self.on_compare(e),
            JobUpdate::Dataset(e) => self.on_dataset(e.kind),
            JobUpdate::Minimal(e) => self.on_minimal(e),
        }
    }

    fn on_startup(&mut self, kind: JobEventKind<Engine>) {
        match kind {
            JobEventKind::Progress(fraction, label) => {
                if let Phase::Starting(s) = &mut self.phase {
                    s.fraction = fraction;
                    s.label = label;
                }
            }
            JobEventKind::Note(line) => {
                if let Phase::Starting(s) = &mut self.phase {
                    s.log.push(line.clone());
                }
                self.startup_log.push(line);
            }
            JobEventKind::Finished(Ok(engine)) => self.ready(engine),
            JobEventKind::Finished(Err(e)) => self.phase = Phase::Failed(e),
            JobEventKind::Panicked(m) => {
                self.phase = Phase::Failed(format!("start-up panicked: {m}"))
            }
            // Start-up is submitted once and only cancelled when the app closes.
            JobEventKind::Started | JobEventKind::Cancelled | JobEventKind::Dropped => {}
        }
    }

    fn on_compare(&mut self, JobEvent { id, kind }: JobEvent<ComparedModels>) {
        if self.compare.job != Some(id) {
            return;
        }
        match kind {
            JobEventKind::Progress(f, l) => {
                self.compare.fraction = f;
                self.compare.label = l;
            }
            JobEventKind::Finished(result) => {
                self.compare.job = None;
                match result {
                    Ok(models) => self.compare.models = models,
                    Err(e) => self.compare.error = Some(e),
                }
                self.sync_compare();
            }
            JobEventKind::Panicked(m) => {
                self.compare.job = None;
                self.compare.error = Some(format!("the worker panicked: {m}"));
                self.worker_panicked("compare", &m);
            }
            JobEventKind::Cancelled | JobEventKind::Dropped => self.compare.job = None,
            JobEventKind::Started | JobEventKind::Note(_) => {}
        }
    }

    fn on_dataset(&mut self, kind: JobEventKind<EdaReport>) {
        match kind {
            JobEventKind::Finished(Ok(report)) => self.dataset.report = Some(report),
            JobEventKind::Finished(Err(e)) => self.dataset.error = Some(e),
            JobEventKind::Panicked(m) => {
                self.dataset.error = Some(format!("the worker panicked: {m}"));
                self.worker_panicked("dataset", &m);
            }
            JobEventKind::Started
            | JobEventKind::Progress(..)
            | JobEventKind::Note(_)
            | JobEventKind::Cancelled
            | JobEventKind::Dropped => {}
        }
    }

    fn on_minimal(&mut self, JobEvent { id, kind }: JobEvent<MinimalSet>) {
        let Some(x) = self.explore.as_mut() else {
            return;
        };
        match kind {
            JobEventKind::Finished(Ok(set)) => {
                let user = x.view.as_ref().and_then(|v| v.profile.user);
                let logged = set.clone();
                if x.minimal_finished(id, set) {
                    if let (Some(user), Some(engine)) = (user, self.engine.clone()) {
                        self.session.minimal_found(&engine, user, &logged);
                    }
                }
            }
            JobEventKind::Finished(Err(e)) => x.minimal_failed(id, e),
            JobEventKind::Panicked(m) => {
                x.minimal_failed(id, format!("the worker panicked: {m}"));
                self.worker_panicked("minimal-set", &m);
            }
            JobEventKind::Started
            | JobEventKind::Progress(..)
            | JobEventKind::Note(_)
            | JobEventKind::Cancelled
            | JobEventKind::Dropped => {}
        }
    }

    /// The banner after a worker's job panicked (the worker lives on).
    pub(crate) fn worker_panicked(&mut self, worker: &str, message: &str) {
        self.banner = Some(Banner {
            text: format!("the {worker} worker panicked: {message} (the rest keeps running)"),
            error: true,
        });
    }

    fn on_retrain(&mut self, id: u64, kind: JobEventKind<RetrainView>) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        let Some(x) = self.explore.as_mut() else {
            return;
        };
        if x.awaited_job() != Some(id) {
            return;
        }
        match kind {
            JobEventKind::Started => x.retrain_progress(id, 0.0, "started".into()),
            JobEventKind::Progress(f, l) => x.retrain_progress(id, f, l),
            JobEventKind::Finished(Ok(r)) => {
                let user = x.view.as_ref().and_then(|v| v.profile.user);
                if let Some(user) = user {
                    self.session.retrained(&engine, user, &r);
                }
                x.retrain_finished(&engine, id, Ok(r));
            }
            JobEventKind::Finished(Err(e)) => x.retrain_finished(&engine, id, Err(e)),
            JobEventKind::Panicked(m) => {
                x.retrain_finished(&engine, id, Err(format!("the retrain panicked: {m}")));
                self.banner = Some(Banner {
                    text: format!("the retrain worker panicked: {m} (the instant refold stays; the UI keeps running)"),
                    error: true,
                });
            }
            JobEventKind::Cancelled | JobEventKind::Dropped | JobEventKind::Note(_) => {}
        }
    }
}

/// How long a retrain waits for a newer what-if before it starts.
const RETRAIN_SETTLE: std::time::Duration = std::time::Duration::from_millis(150);

/// Waits [`RETRAIN_SETTLE`] unless `cancel` is raised first (then true).
fn settle(cancel: &std::sync::atomic::AtomicBool) -> bool {
    let until = std::time::Instant::now() + RETRAIN_SETTLE;
    while std::time::Instant::now() < until {
        if cancel.load(std::sync::atomic::Ordering::SeqCst) {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    cancel.load(std::sync::atomic::Ordering::SeqCst)
}
