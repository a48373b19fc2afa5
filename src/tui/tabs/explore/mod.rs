//! The Explore tab's state: the users pane, and for the selected user the history with its
//! "hadn't liked" toggles, the top-10 (as it is, under the instant refold, then after the
//! incremental retrain), and the attribution and influences of the selected recommendation.
//! Methods change state and return the [`Effect`]s the app must carry out (jobs to run); nothing
//! here draws or touches a terminal. Its input is in `input.rs`, the users pane in `users.rs`.

mod input;
mod knob;
pub mod users;

use crate::tui::adapter::LIST_LENGTH;
use crate::tui::adapter::{
    Engine, Influences, KnobLists, ListView, MinimalSet, PartsView, Profile, RetrainView,
    WhatIfView,
};
use crate::tui::cursor::Cursor;
use crate::tui::ui::layout::Pane;
use users::UsersPane;

/// The incremental retrain of the current what-if.
#[derive(Debug, Clone, PartialEq)]
pub enum Retrain {
    /// No what-if, or nothing asked yet.
    Idle,
    /// Submitted as job `job`; `started` once the worker picked it up.
    Running {
        job: u64,
        started: bool,
        fraction: f32,
        label: String,
    },
    Done {
        job: u64,
        result: Box<RetrainView>,
    },
    Failed(String),
}

/// The selected recommendation's explanation.
#[derive(Debug, Clone, PartialEq)]
pub struct Detail {
    pub item: u32,
    pub attribution: PartsView,
    pub influences: Influences,
}

/// Everything shown for the selected user.
#[derive(Debug, Clone)]
pub struct UserView {
    pub profile: Profile,
    /// Movies the user rated below the like threshold, with their stars (History, dimmed).
    pub seen: Vec<(u32, f32)>,
    pub history: Cursor,
    pub recs: Cursor,
    /// Likes toggled to "hadn't liked", in toggle order.
    pub removed: Vec<u32>,
    /// The top-10 without any what-if.
    pub base: ListView,
    pub whatif: Option<WhatIfView>,
    pub retrain: Retrain,
    pub detail: Option<Detail>,
    /// The minimal counterfactual set asked with `m` ("searching…" while its job runs).
    pub minimal: Option<MinimalSet>,
    /// The job searching for it.
    pub minimal_job: Option<u64>,
    /// The lists through the accuracy–coverage knob, when it is not at 0.
    pub knob: Option<KnobLists>,
}

impl UserView {
    /// The list on screen: [`Self::model_list`], through the knob when it is not at 0.
    pub fn shown(&self) -> &ListView {
        match &self.knob {
            Some(k) => &k.shown,
            None => self.model_list(),
        }
    }

    /// The model's list: retrained if done, else the instant refold, else the base list.
    pub fn model_list(&self) -> &ListView {
        match (&self.retrain, &self.whatif) {
            (Retrain::Done { result, .. }, Some(_)) => &result.after,
            (_, Some(w)) => &w.after,
            _ => &self.base,
        }
    }

    pub fn selected_item(&self) -> Option<u32> {
        self.shown().recs.get(self.recs.selected).map(|r| r.item)
    }
}

/// A what-if to retrain: the user, the likes removed, the list without what-if and the instant
/// refold to compare with.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainRequest {
    pub profile: Profile,
    pub removed: Vec<u32>,
    pub before: ListView,
    pub instant: ListView,
}

/// What the app must do after an Explore change.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Run the incremental retrain of this what-if (newest wins).
    Retrain(Box<RetrainRequest>),
    /// Stop any retrain: the what-if was reset.
    CancelRetrain,
    /// A what-if was tried (for the session log).
    Tried,
    /// Search the minimal counterfactual set of `item` (newest wins).
    Minimal { profile: Profile, item: u32 },
}

/// The Explore tab.
#[derive(Debug, Clone)]
pub struct Explore {
    pub focus: Pane,
    pub users: UsersPane,
    pub view: Option<UserView>,
    /// The accuracy–coverage knob's strength (0: the model's own lists).
    pub knob: f64,
}

impl Explore {
    pub fn new(engine: &Engine) -> Explore {
        let mut e = Explore {
            focus: Pane::Users,
            users: UsersPane::new(engine),
            view: None,
            knob: 0.0,
        };
        e.select_user(engine);
        e
    }

    /// Loads the view of the user under the users cursor (keeps it when it is the same user).
    /// Returns `CancelRetrain` when a what-if of the previous user was dropped.
    pub fn select_user(&mut self, engine: &Engine) -> Option<Effect> {
        let user = self.users.selected_user();
        let same = matches!((&self.view, user), (Some(v), Some(u)) if v.profile.user == Some(u));
        if same {
            return None;
        }
        let had_whatif = self.view.as_ref().is_some_and(|v| !v.removed.is_empty());
        self.view = user.map(|u| {
            let profile = engine.profile_of(u);
            let base = engine.top(&profile);
            UserView {
                seen: engine.seen_not_liked(u),
                profile,
                history: Cursor::default(),
                recs: Cursor::default(),
                removed: Vec::new(),
                base,
                whatif: None,
                retrain: Retrain::Idle,
                detail: None,
                minimal: None,
                minimal_job: None,
                knob: None,
            }
        });
        self.refresh_knob(engine, true);
        self.refresh_detail(engine);
        had_whatif.then_some(Effect::CancelRetrain)
    }

    /// The same user, what-if and cursors under another explored model: every list and
    /// explanation is asked again of `engine`; a kept what-if is refolded under it and its
    /// retrain asked for (the returned effects).
    pub fn switch_model(&mut self, engine: &Engine) -> Vec<Effect> {
        let kept = self.view.take();
        self.select_user(engine);
        let (Some(old), Some(v)) = (kept, self.view.as_mut()) else {
            return Vec::new();
        };
        v.history = old.history;
        v.recs = old.recs;
        v.removed = old.removed;
        if v.removed.is_empty() {
            self.refresh_detail(engine);
            return Vec::new();
        }
        self.rerun(engine)
    }

    /// Recomputes the explanation of the selected recommendation.
    pub fn refresh_detail(&mut self, engine: &Engine) {
        let Some(v) = self.view.as_mut() else { return };
        let len = v.shown().recs.len();
        v.recs.select(v.recs.selected, len, LIST_LENGTH);
        let explainer = match &v.retrain {
            Retrain::Done { result, .. } => &result.explainer,
            _ => &engine.explainer,
        };
        v.detail = v.selected_item().map(|item| Detail {
            item,
            attribution: engine.attribution_in(explainer, &v.profile, &v.removed, item),
            influences: engine.influences_in(explainer, &v.profile, &v.removed, item),
        });
        if v.minimal.as_ref().map(|m| m.item) != v.detail.as_ref().map(|d| d.item) {
            v.minimal = None;
            v.minimal_job = None;
        }
    }

    /// Space on the history pane: toggles "hadn't liked" on the selected like, shows the instant
    /// refold and asks for the retrain.
    pub fn toggle(&mut self, engine: &Engine) -> Vec<Effect> {
        let Some(v) = self.view.as_mut() else {
            return Vec::new();
        };
        let Some(&item) = v.profile.likes.get(v.history.selected) else {
            return Vec::new();
        };
        match v.removed.iter().position(|&i| i == item) {
            Some(p) => {
                v.removed.remove(p);
            }
            None => v.removed.push(item),
        }
        self.rerun(engine)
    }

    /// `r`: back to the list without what-if.
    pub fn reset(&mut self, engine: &Engine) -> Vec<Effect> {
        match self.view.as_mut() {
            Some(v) if !v.removed.is_empty() => {
                v.removed.clear();
                self.rerun(engine)
            }
            _ => Vec::new(),
        }
    }

    fn rerun(&mut self, engine: &Engine) -> Vec<Effect> {
        let Some(v) = self.view.as_mut() else {
            return Vec::new();
        };
        v.minimal = None;
        let effects = if v.removed.is_empty() {
            v.whatif = None;
            v.retrain = Retrain::Idle;
            vec![Effect::CancelRetrain]
        } else {
            let w = engine.what_if(&v.profile, &v.base, &v.removed);
            let effect = Effect::Retrain(Box::new(RetrainRequest {
                profile: v.profile.clone(),
                removed: v.removed.clone(),
                before: v.base.clone(),
                instant: w.after.clone(),
            }));
            v.whatif = Some(w);
            v.retrain = Retrain::Idle;
            vec![effect, Effect::Tried]
        };
        self.refresh_knob(engine, true);
        self.refresh_detail(engine);
        effects
    }

    /// `m`: asks for the minimal counterfactual set of the selected recommendation (searched on a
    /// worker; "searching…" until it comes back).
    pub fn minimal_set(&mut self) -> Option<Effect> {
        let v = self.view.as_mut()?;
        let item = v.selected_item()?;
        v.minimal = Some(MinimalSet {
            item,
            removed: Vec::new(),
            sentence: "searching…".into(),
        });
        Some(Effect::Minimal {
            profile: v.profile.clone(),
            item,
        })
    }

    /// Records the id of the minimal-set job.
    pub fn minimal_submitted(&mut self, job: u64) {
        if let Some(v) = self.view.as_mut() {
            v.minimal_job = Some(job);
        }
    }

    /// The minimal set found by job `job`, if this view still waits for it.
    pub fn minimal_finished(&mut self, job: u64, set: MinimalSet) {
        if let Some(v) = self.view.as_mut().filter(|v| v.minimal_job == Some(job)) {
            v.minimal_job = None;
            if v.minimal.as_ref().is_some_and(|m| m.item == set.item) {
                v.minimal = Some(set);
            }
        }
    }

    /// The minimal-set job `job` failed (or panicked): the pane says why instead of searching on.
    pub fn minimal_failed(&mut self, job: u64, why: String) {
        if let Some(v) = self.view.as_mut().filter(|v| v.minimal_job == Some(job)) {
            v.minimal_job = None;
            if let Some(m) = v.minimal.as_mut() {
                m.removed.clear();
                m.sentence = format!("The search for a minimal set failed: {why}");
            }
        }
    }

    /// Moves the cursor of the focused pane; `rows` is the pane's visible height.
    pub fn step(&mut self, engine: &Engine, delta: isize, rows: usize) -> Option<Effect> {
        match self.focus {
            Pane::Users => {
                let len = self.users.view.len();
                self.users.cursor.step(delta, len, rows);
                self.select_user(engine)
            }
            Pane::History => {
                if let Some(v) = self.view.as_mut() {
                    let len = v.profile.likes.len() + v.seen.len();
                    v.history.step(delta, len, rows);
                }
                None
            }
            Pane::Recs => {
                if let Some(v) = self.view.as_mut() {
                    let len = v.shown().recs.len();
                    v.recs.step(delta, len, rows);
                }
                self.refresh_detail(engine);
                None
            }
            _ => None,
        }
    }

    /// Selects content row `index` (a click) in `pane`, focusing it.
    pub fn click(
        &mut self,
        engine: &Engine,
        pane: Pane,
        index: usize,
        rows: usize,
    ) -> Option<Effect> {
        self.focus = pane;
        let current = match (pane, self.view.as_ref()) {
            (Pane::Users, _) => self.users.cursor,
            (Pane::History, Some(v)) => v.history,
            (Pane::Recs, Some(v)) => v.recs,
            _ => return None,
        };
        let target = current.offset + index;
        self.step(engine, target as isize - current.selected as isize, rows)
    }

    /// Records a retrain job's id once submitted.
    pub fn retrain_submitted(&mut self, job: u64) {
        if let Some(v) = self.view.as_mut() {
            v.retrain = Retrain::Running {
                job,
                started: false,
                fraction: 0.0,
                label: "queued".into(),
            };
        }
    }

    /// The job id of the retrain this view waits for.
    pub fn awaited_job(&self) -> Option<u64> {
        match self.view.as_ref().map(|v| &v.retrain) {
            Some(Retrain::Running { job, .. }) => Some(*job),
            _ => None,
        }
    }

    /// Progress of the awaited retrain.
    pub fn retrain_progress(&mut self, job: u64, fraction: f32, label: String) {
        if let Some(Retrain::Running {
            job: j,
            started,
            fraction: f,
            label: l,
        }) = self.view.as_mut().map(|v| &mut v.retrain)
        {
            if *j == job {
                *started = true;
                *f = fraction;
                *l = label;
            }
        }
    }

    /// The retrain's result (or failure) replaces the instant refold.
    pub fn retrain_finished(
        &mut self,
        engine: &Engine,
        job: u64,
        result: Result<RetrainView, String>,
    ) {
        if self.awaited_job() != Some(job) {
            return;
        }
        if let Some(v) = self.view.as_mut() {
            v.retrain = match result {
                Ok(r) => Retrain::Done {
                    job,
                    result: Box::new(r),
                },
                Err(e) => Retrain::Failed(e),
            };
        }
        self.refresh_knob(engine, true);
        self.refresh_detail(engine);
    }
}
