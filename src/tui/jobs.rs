//! The app's side of the workers: which jobs it starts (start-up, the what-if retrain, the Compare
//! tab's models, the Dataset tab's statistics) and what it does with their events. Events of a job
//! the app no longer waits for (an older what-if) are ignored: the newest request wins.

use std::sync::mpsc::Sender;
use std::sync::Arc;

use super::adapter::knob_strength;
use super::adapter::LIST_LENGTH;
use super::adapter::{Engine, FairnessRun, MinimalSet, Retrained, SeedStability, TrustResults};
use super::app::{App, Banner, Phase, Starting, Tab};
use super::builder::Build;
use super::explore::{Effect, Explore, RetrainRequest};
use super::gauge::Gauge;
use super::startup::start_up;
use super::worker::{Job, JobEvent, JobEventKind, Lane, SingleJob};
use crate::data::eda::EdaReport;
use crate::engine::Scorer;

/// What a job hands back.
pub enum Output {
    Engine(Box<Engine>),
    Retrained(Box<Retrained>),
    Models(Vec<(String, Box<dyn Scorer>)>),
    Eda(Box<EdaReport>),
    Minimal(Box<MinimalSet>),
    Trust(Box<TrustResults>),
    Seed(Box<SeedStability>),
    Fairness(Box<FairnessRun>),
    /// The engine of the model `M` switched to.
    Explored(Box<Engine>),
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Output::Engine(_) => "Engine",
            Output::Retrained(_) => "Retrained",
            Output::Models(_) => "Models",
            Output::Eda(_) => "Eda",
            Output::Minimal(_) => "Minimal",
            Output::Trust(_) => "Trust",
            Output::Seed(_) => "Seed",
            Output::Fairness(_) => "Fairness",
            Output::Explored(_) => "Explored",
        })
    }
}

/// One worker per lane.
pub struct Jobs {
    startup: SingleJob<Output>,
    retrain: SingleJob<Output>,
    compare: SingleJob<Output>,
    dataset: SingleJob<Output>,
    minimal: SingleJob<Output>,
    trust: SingleJob<Output>,
    fairness: SingleJob<Output>,
    model: SingleJob<Output>,
}

/// Every lane.
const LANES: [Lane; 8] = [
    Lane::Startup,
    Lane::Retrain,
    Lane::Compare,
    Lane::Dataset,
    Lane::Minimal,
    Lane::Trust,
    Lane::Fairness,
    Lane::Model,
];

impl Jobs {
    pub fn new(events: Sender<JobEvent<Output>>) -> Jobs {
        Jobs {
            startup: SingleJob::new(Lane::Startup, events.clone()),
            retrain: SingleJob::new(Lane::Retrain, events.clone()),
            compare: SingleJob::new(Lane::Compare, events.clone()),
            dataset: SingleJob::new(Lane::Dataset, events.clone()),
            minimal: SingleJob::new(Lane::Minimal, events.clone()),
            trust: SingleJob::new(Lane::Trust, events.clone()),
            fairness: SingleJob::new(Lane::Fairness, events.clone()),
            model: SingleJob::new(Lane::Model, events),
        }
    }

    fn lane(&self, lane: Lane) -> &SingleJob<Output> {
        match lane {
            Lane::Startup => &self.startup,
            Lane::Retrain => &self.retrain,
            Lane::Compare => &self.compare,
            Lane::Dataset => &self.dataset,
            Lane::Minimal => &self.minimal,
            Lane::Trust => &self.trust,
            Lane::Fairness => &self.fairness,
            Lane::Model => &self.model,
        }
    }

    /// Cancels the lane's running job and drops its pending one.
    pub fn cancel(&self, lane: Lane) {
        self.lane(lane).cancel()
    }

    pub fn submit(&mut self, lane: Lane, job: Job<Output>) -> u64 {
        self.lane(lane).submit(job)
    }

    /// True while any lane runs or holds a job.
    pub fn busy(&self) -> bool {
        LANES.into_iter().any(|l| self.lane(l).is_busy())
    }
}

impl App {
    /// Starts loading the data and the model on the start-up worker.
    pub fn start(&mut self) {
        let options = self.options.clone();
        self.phase = Phase::Starting(Starting {
            label: format!("opening {}", options.dataset),
            ..Starting::default()
        });
        self.jobs.submit(
            Lane::Startup,
            Box::new(move |ctx| start_up(&options, ctx).map(|e| Output::Engine(Box::new(e)))),
        );
    }

    /// Enters the ready phase with `engine`, and computes the Dataset tab's statistics on a worker.
    pub fn ready(&mut self, engine: Engine) {
        let engine = Arc::new(engine);
        self.explored = vec![engine.clone()];
        self.explore = Some(Explore::new(&engine));
        self.build = Some(Build::new(&engine));
        self.session.dataset = engine.dataset.name.clone();
        self.phase = Phase::Ready;
        let e = engine.clone();
        self.jobs.submit(
            Lane::Dataset,
            Box::new(move |_| {
                crate::data::eda::analyse(&e.dataset)
                    .map(|r| Output::Eda(Box::new(r)))
                    .map_err(|err| err.to_string())
            }),
        );
        self.engine = Some(engine);
    }

    /// Carries out what the Explore tab asked for.
    pub(super) fn apply(&mut self, effects: Vec<Effect>) {
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
                    let job = self.jobs.submit(
                        Lane::Retrain,
                        Box::new(move |ctx| {
                            ctx.progress(0.0, "warm start from the trained model");
                            e.retrain(
                                &profile,
                                &removed,
                                &before,
                                &instant,
                                &mut |p| ctx.progress(p.fraction(), p.label()),
                                ctx.cancel_flag(),
                            )
                            .map(|r| Output::Retrained(Box::new(r)))
                        }),
                    );
                    if let Some(x) = self.explore.as_mut() {
                        x.retrain_submitted(job);
                    }
                }
                Effect::CancelRetrain => self.jobs.retrain.cancel(),
                Effect::Minimal { profile, item } => {
                    let e = engine.clone();
                    let job = self.jobs.submit(
                        Lane::Minimal,
                        Box::new(move |_| {
                            Ok(Output::Minimal(Box::new(e.minimal_set(&profile, item))))
                        }),
                    );
                    if let Some(x) = self.explore.as_mut() {
                        x.minimal_submitted(job);
                    }
                }
                Effect::Tried => {
                    let view = self.explore.as_ref().and_then(|x| x.view.as_ref());
                    if let Some((user, w)) =
                        view.and_then(|v| Some((v.profile.user?, v.whatif.as_ref()?)))
                    {
                        self.session.tried(&engine, user, w);
                    }
                }
            }
        }
    }

    /// Runs `job` as the what-if retrain the Explore tab waits for (tests and benchmarks use it to
    /// stand in for the real retrain).
    pub fn submit_retrain_job(&mut self, job: Job<Output>) -> u64 {
        let id = self.jobs.submit(Lane::Retrain, job);
        if let Some(x) = self.explore.as_mut() {
            x.retrain_submitted(id);
        }
        id
    }

    /// Starts training the Compare tab's models (once).
    pub(super) fn start_compare(&mut self) {
        let Some(engine) = self.engine.clone() else {
            return;
        };
        if self.compare.job.is_some() || !self.compare.models.is_empty() {
            return;
        }
        self.compare.error = None;
        self.compare.label = "starting".into();
        let models_dir = self.options.models_dir.clone();
        let id = self.jobs.submit(
            Lane::Compare,
            Box::new(move |ctx| {
                engine
                    .comparison_models(Some(&models_dir), &Gauge::new(ctx, 0.0, 1.0))
                    .map(Output::Models)
                    .map_err(|e| e.to_string())
            }),
        );
        self.compare.job = Some(id);
    }

    /// Recomputes the Compare lists when the Explore user changed.
    pub(super) fn sync_compare(&mut self) {
        let (Some(engine), Some(x)) = (self.engine.as_ref(), self.explore.as_ref()) else {
            return;
        };
        if self.tab != Tab::Compare || self.compare.models.is_empty() {
            return;
        }
        let Some(user) = x.users.selected_user() else {
            return;
        };
        let knob = knob_strength(self.knob);
        if self.compare.lists.as_ref().is_some_and(|l| l.0 == user) && self.compare.knob == knob {
            return;
        }
        // The knob re-ranks the explored model (its knob is the engine's), as in the Explore tab.
        let explored = engine.spec().name();
        let lists = self
            .compare
            .models
            .iter()
            .map(|(name, m)| match name.as_str() {
                n if n == explored && knob > 0.0 => (
                    format!("{name} · knob {knob:.2}"),
                    engine.top_by_knob(m.as_ref(), user, knob),
                ),
                _ => (name.clone(), engine.top_by(m.as_ref(), user, LIST_LENGTH)),
            })
            .collect();
        self.compare.lists = Some((user, lists));
        self.compare.knob = knob;
    }

    /// Takes one worker event.
    pub fn on_job_event(&mut self, event: JobEvent<Output>) {
        let JobEvent { lane, id, kind } = event;
        match (lane, kind) {
            (Lane::Startup, JobEventKind::Progress(fraction, label)) => {
                if let Phase::Starting(s) = &mut self.phase {
                    s.fraction = fraction;
                    s.label = label;
                }
            }
            (Lane::Startup, JobEventKind::Note(line)) => {
                if let Phase::Starting(s) = &mut self.phase {
                    s.log.push(line.clone());
                }
                self.startup_log.push(line);
            }
            (Lane::Startup, JobEventKind::Finished(Ok(Output::Engine(engine)))) => {
                self.ready(*engine)
            }
            (Lane::Startup, JobEventKind::Finished(Err(e))) => self.phase = Phase::Failed(e),
            (Lane::Startup, JobEventKind::Panicked(m)) => {
                self.phase = Phase::Failed(format!("start-up panicked: {m}"))
            }
            (Lane::Retrain, kind) => self.on_retrain(id, kind),
            (Lane::Model, kind) => self.on_model_event(id, kind),
            (Lane::Trust, kind) => self.on_trust_event(JobEvent { lane, id, kind }),
            (Lane::Fairness, kind) => self.on_fairness_event(JobEvent { lane, id, kind }),
            (Lane::Compare, JobEventKind::Progress(f, l)) if self.compare.job == Some(id) => {
                self.compare.fraction = f;
                self.compare.label = l;
            }
            (Lane::Compare, JobEventKind::Finished(r)) if self.compare.job == Some(id) => {
                self.compare.job = None;
                match r {
                    Ok(Output::Models(models)) => self.compare.models = models,
                    Ok(_) => {}
                    Err(e) => self.compare.error = Some(e),
                }
                self.sync_compare();
            }
            (Lane::Dataset, JobEventKind::Finished(Ok(Output::Eda(report)))) => {
                self.dataset.report = Some(*report)
            }
            (Lane::Dataset, JobEventKind::Finished(Err(e))) => self.dataset.error = Some(e),
            (Lane::Minimal, JobEventKind::Finished(Ok(Output::Minimal(set)))) => {
                if let Some(x) = self.explore.as_mut() {
                    x.minimal_finished(id, *set);
                }
            }
            (lane, JobEventKind::Panicked(m)) => {
                if lane == Lane::Compare {
                    self.compare.job = None;
                    self.compare.error = Some(format!("the worker panicked: {m}"));
                }
                if lane == Lane::Dataset {
                    self.dataset.error = Some(format!("the worker panicked: {m}"));
                }
                self.banner = Some(Banner {
                    text: format!("{lane:?} worker panicked: {m} (the rest keeps running)"),
                    error: true,
                });
            }
            _ => {}
        }
    }

    fn on_retrain(&mut self, id: u64, kind: JobEventKind<Output>) {
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
            JobEventKind::Finished(Ok(Output::Retrained(r))) => {
                let user = x.view.as_ref().and_then(|v| v.profile.user);
                if let Some(user) = user {
                    self.session.retrained(&engine, user, &r);
                }
                x.retrain_finished(&engine, id, Ok(*r));
            }
            JobEventKind::Finished(Ok(_)) => {}
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
