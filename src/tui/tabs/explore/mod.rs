//! The Explore tab's state: the users pane, and for the selected user the history with its
//! "hadn't liked" toggles, the top-10 (as it is, under the instant refold, then after the
//! incremental retrain), and the attribution and influences of the selected recommendation.
//! Methods change state and return the [`Effect`]s the app must carry out (jobs to run); nothing
//! here draws or touches a terminal. Its input is in `input.rs`, the what-if operations in
//! `whatif.rs`, the users pane in `users.rs`.
//!
//! What-ifs are kept per user: moving the selection to another user parks the view (its likes
//! removed, minimal set, cursors, the finished retrain) and coming back restores it; a retrain
//! that was still running is asked again.

mod input;
mod knob;
pub mod users;
mod whatif;

use std::collections::HashMap;

use crate::engine::ModelSpec;
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
    /// The History rows shown: indices into likes followed by `seen`, those whose title passes
    /// the History filter.
    pub rows: Vec<usize>,
    pub history: Cursor,
    /// The selected row of the "Because you liked" pane.
    pub because: Cursor,
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
    /// A user built in Build-a-user (number, version) instead of a dataset user.
    pub built: Option<(usize, u64)>,
}

impl UserView {
    /// The view of a user (or of built user `built`) with no what-if yet, nothing selected.
    fn new(
        profile: Profile,
        seen: Vec<(u32, f32)>,
        base: ListView,
        built: Option<(usize, u64)>,
    ) -> UserView {
        UserView {
            seen,
            profile,
            rows: Vec::new(),
            history: Cursor::default(),
            because: Cursor::default(),
            recs: Cursor::default(),
            removed: Vec::new(),
            base,
            whatif: None,
            retrain: Retrain::Idle,
            detail: None,
            minimal: None,
            minimal_job: None,
            knob: None,
            built,
        }
    }

    /// The list on screen: [`Self::model_list`], through the knob when it is not at 0.
    pub fn shown(&self) -> &ListView {
        match &self.knob {
            Some(k) => &k.shown,
            None => self.model_list(),
        }
    }

    /// The what-if's sentence as the screen shows it: the retrained answer's once it landed (it
    /// describes the list shown then), else the instant one's.
    pub fn whatif_sentence(&self) -> Option<&str> {
        let w = self.whatif.as_ref()?;
        Some(match &self.retrain {
            Retrain::Done { result, .. } => result.sentence.as_str(),
            _ => w.sentence.as_str(),
        })
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

    /// History row `row` (of the filtered rows): the movie and whether it is a like.
    pub fn history_item(&self, row: usize) -> Option<(u32, bool)> {
        let i = *self.rows.get(row)?;
        match self.profile.likes.get(i) {
            Some(&item) => Some((item, true)),
            None => self
                .seen
                .get(i - self.profile.likes.len())
                .map(|s| (s.0, false)),
        }
    }

    /// The like on the selected "Because you liked" row.
    pub fn because_item(&self) -> Option<u32> {
        let d = self.detail.as_ref()?;
        d.influences.items.get(self.because.selected).map(|p| p.0)
    }
}

/// A parked view and the model it was computed under.
#[derive(Debug, Clone)]
struct Kept {
    spec: ModelSpec,
    view: UserView,
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
    /// A note typed with `n` about `user` (dense index) and the selected recommendation.
    Note {
        user: Option<u32>,
        item: Option<u32>,
        text: String,
    },
}

/// The text field of the Explore tab that has the keyboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Field {
    /// The History filter (`/` with History focused).
    HistoryFilter,
    /// A note (`n`): the text typed so far.
    Note(String),
}

/// The Explore tab.
#[derive(Debug, Clone)]
pub struct Explore {
    pub focus: Pane,
    pub users: UsersPane,
    pub view: Option<UserView>,
    /// The accuracy–coverage knob's strength (0: the model's own lists).
    pub knob: f64,
    /// Lower-case title filter of the History pane (kept across users).
    pub history_filter: String,
    /// The text field being typed in, if any (the users filter is `users.typing`).
    pub field: Option<Field>,
    /// Lines the What-if pane is scrolled by.
    pub whatif_scroll: u16,
    /// Views of other users that hold a what-if or a minimal set, by dense user index.
    kept: HashMap<u32, Kept>,
    /// The model the shown view was computed under.
    spec: Option<ModelSpec>,
}

impl Explore {
    pub fn new(engine: &Engine) -> Explore {
        let mut e = Explore {
            focus: Pane::Users,
            users: UsersPane::new(engine),
            view: None,
            knob: 0.0,
            history_filter: String::new(),
            field: None,
            whatif_scroll: 0,
            kept: HashMap::new(),
            spec: Some(engine.spec()),
        };
        e.select_user(engine);
        e
    }

    /// Selects dense user `user` in the users pane (clearing a filter that hides them).
    pub fn show_user(&mut self, engine: &Engine, user: u32, rows: usize) -> Vec<Effect> {
        if !self.users.contains(user) {
            self.users.filter.clear();
            self.users.refresh(rows);
        }
        self.users.select(user, rows);
        self.select_user(engine)
    }

    /// Users other than the selected one whose what-ifs are kept.
    pub fn kept_users(&self) -> usize {
        self.kept.len()
    }

    /// A fresh view of dense user `u`.
    fn fresh_view(&self, engine: &Engine, u: u32) -> UserView {
        let profile = engine.profile_of(u);
        let base = engine.top(&profile);
        let mut v = UserView::new(profile, engine.seen_not_liked(u), base, None);
        filter_rows(engine, &mut v, &self.history_filter);
        v
    }

    /// `o` in Build-a-user: shows built user `number` (likes and demographics in `profile`, low
    /// ratings in `seen`) instead of the selected dataset user, whose view is parked. Moving in
    /// the users pane goes back to dataset users.
    pub fn open_built(
        &mut self,
        engine: &Engine,
        profile: Profile,
        seen: Vec<(u32, f32)>,
        built: (usize, u64),
    ) -> Vec<Effect> {
        let effects = self.park();
        let base = {
            let ids: Vec<u32> = seen.iter().map(|s| s.0).collect();
            engine.built_top(&profile, &ids)
        };
        let mut v = UserView::new(profile, seen, base, Some(built));
        filter_rows(engine, &mut v, &self.history_filter);
        self.view = Some(v);
        self.focus = Pane::Recs;
        self.refresh_knob(engine, true);
        self.refresh_detail(engine);
        effects
    }

    /// Takes the shown view away, keeping it when it holds a what-if of a dataset user; the
    /// effects stop its retrain.
    fn park(&mut self) -> Vec<Effect> {
        let mut effects = Vec::new();
        if let Some(mut old) = self.view.take() {
            if matches!(old.retrain, Retrain::Running { .. }) {
                effects.push(Effect::CancelRetrain);
            }
            // A search still running answers a view that is gone: ask again on return.
            if old.minimal_job.take().is_some() {
                old.minimal = None;
            }
            if let Some(u) = old.profile.user.filter(|_| !old.removed.is_empty()) {
                let spec = self.spec.unwrap_or(ModelSpec::HybridAls);
                self.kept.insert(u, Kept { spec, view: old });
            }
        }
        self.whatif_scroll = 0;
        effects
    }

    /// Applies the History filter to the shown view's rows (the selection moves to the top).
    pub fn refilter_history(&mut self, engine: &Engine) {
        let filter = self.history_filter.clone();
        if let Some(v) = self.view.as_mut() {
            filter_rows(engine, v, &filter);
            v.history = Cursor::default();
        }
    }

    /// Loads the view of the user under the users cursor (keeps it when it is the same user):
    /// the previous view is parked when it holds a what-if, and a parked view of the new user is
    /// restored (asked again under the explored model when it was computed under another).
    /// Returns the effects: cancel the previous user's retrain, ask the restored one's.
    pub fn select_user(&mut self, engine: &Engine) -> Vec<Effect> {
        let user = self.users.selected_user();
        let same = matches!((&self.view, user), (Some(v), Some(u)) if v.profile.user == Some(u));
        if same {
            return Vec::new();
        }
        self.spec = Some(engine.spec());
        let mut effects = self.park();
        let kept = user.and_then(|u| self.kept.remove(&u));
        match (user, kept) {
            (_, Some(k)) if k.spec == engine.spec() => {
                let mut v = k.view;
                filter_rows(engine, &mut v, &self.history_filter);
                let rerun = matches!(v.retrain, Retrain::Running { .. } | Retrain::Idle);
                self.view = Some(v);
                if rerun {
                    effects.extend(self.rerun(engine, false));
                    return effects;
                }
            }
            (Some(u), Some(k)) => {
                let mut v = self.fresh_view(engine, u);
                v.removed = k.view.removed;
                v.history = k.view.history;
                v.recs = k.view.recs;
                self.view = Some(v);
                // Under another model it is a new what-if for the record.
                effects.extend(self.rerun(engine, true));
                return effects;
            }
            (Some(u), None) => self.view = Some(self.fresh_view(engine, u)),
            (None, _) => self.view = None,
        }
        self.refresh_knob(engine, true);
        self.refresh_detail(engine);
        effects
    }

    /// The same user, what-if and cursors under another explored model: every list and
    /// explanation is asked again of `engine`; a kept what-if is refolded under it and its
    /// retrain asked for (the returned effects). Parked views of other users are asked again
    /// when they are shown.
    pub fn switch_model(&mut self, engine: &Engine) -> Vec<Effect> {
        self.spec = Some(engine.spec());
        let Some(old) = self.view.take() else {
            return self.select_user(engine);
        };
        let Some(u) = old.profile.user else {
            return self.select_user(engine);
        };
        let mut v = self.fresh_view(engine, u);
        v.history = old.history;
        v.recs = old.recs;
        v.because = old.because;
        v.removed = old.removed;
        self.view = Some(v);
        if self.view.as_ref().is_some_and(|v| v.removed.is_empty()) {
            self.refresh_knob(engine, true);
            self.refresh_detail(engine);
            return Vec::new();
        }
        // The same what-if under the new model: its own entry in the session record.
        self.rerun(engine, true)
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
        let n = v.detail.as_ref().map_or(0, |d| d.influences.items.len());
        v.because.select(v.because.selected, n, n.max(1));
        if v.minimal.as_ref().map(|m| m.item) != v.detail.as_ref().map(|d| d.item) {
            v.minimal = None;
            v.minimal_job = None;
        }
    }

    /// Moves the cursor of the focused pane; `rows` is the pane's visible height.
    pub fn step(&mut self, engine: &Engine, delta: isize, rows: usize) -> Vec<Effect> {
        match self.focus {
            Pane::Users => {
                let len = self.users.view.len();
                self.users.cursor.step(delta, len, rows);
                self.select_user(engine)
            }
            Pane::History => {
                if let Some(v) = self.view.as_mut() {
                    v.history.step(delta, v.rows.len(), rows);
                }
                Vec::new()
            }
            Pane::Influence => {
                if let Some(v) = self.view.as_mut() {
                    let len = v.detail.as_ref().map_or(0, |d| d.influences.items.len());
                    v.because.step(delta, len, rows);
                }
                Vec::new()
            }
            Pane::WhatIf => {
                let scrolled = i64::from(self.whatif_scroll) + delta.clamp(-50, 50) as i64;
                self.whatif_scroll = scrolled.clamp(0, 200) as u16;
                Vec::new()
            }
            Pane::Recs => {
                if let Some(v) = self.view.as_mut() {
                    let len = v.shown().recs.len();
                    v.recs.step(delta, len, rows);
                }
                self.refresh_detail(engine);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Selects content row `index` (a click) in `pane`, focusing it.
    pub fn click(&mut self, engine: &Engine, pane: Pane, index: usize, rows: usize) -> Vec<Effect> {
        self.focus = pane;
        let current = match (pane, self.view.as_ref()) {
            (Pane::Users, _) => self.users.cursor,
            (Pane::History, Some(v)) => v.history,
            (Pane::Recs, Some(v)) => v.recs,
            (Pane::Influence, Some(v)) => v.because,
            _ => return Vec::new(),
        };
        let target = current.offset + index;
        self.step(engine, target as isize - current.selected as isize, rows)
    }
}

/// The History rows of `v` whose title contains `filter` (lower case; all rows when empty).
fn filter_rows(engine: &Engine, v: &mut UserView, filter: &str) {
    let n = v.profile.likes.len() + v.seen.len();
    let needle = filter.to_lowercase();
    v.rows = (0..n)
        .filter(|&i| {
            needle.is_empty() || {
                let item = match v.profile.likes.get(i) {
                    Some(&item) => item,
                    None => v.seen[i - v.profile.likes.len()].0,
                };
                engine.title(item).to_lowercase().contains(&needle)
            }
        })
        .collect();
    let len = v.rows.len();
    v.history.select(v.history.selected, len, len.max(1));
}
