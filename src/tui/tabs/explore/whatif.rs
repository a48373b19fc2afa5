//! The what-if operations of the Explore tab: toggling "hadn't liked" (from History or from a
//! "Because you liked" row), `r` to reset, `m` to search the minimal counterfactual set and `a`
//! to apply it, and the incremental retrain's job events.

use super::{Effect, Explore, Retrain, RetrainRequest};
use crate::tui::adapter::{Engine, MinimalSet, RetrainView};
use crate::tui::ui::layout::Pane;

impl Explore {
    /// Space on the history pane: toggles "hadn't liked" on the selected like, shows the instant
    /// refold and asks for the retrain. A row rated below the like threshold is not a like: the
    /// answer is a hint instead.
    pub fn toggle(&mut self, engine: &Engine) -> Result<Vec<Effect>, String> {
        let Some(v) = self.view.as_ref() else {
            return Ok(Vec::new());
        };
        match v.history_item(v.history.selected) {
            Some((item, true)) => Ok(self.toggle_item(engine, item)),
            Some((_, false)) => Err(
                "that movie is rated below the like threshold: only likes take part in what-ifs"
                    .into(),
            ),
            None => Ok(Vec::new()),
        }
    }

    /// Whether space now changes a dataset user's what-if (a like selected in History, a row in
    /// "Because you liked"), so that it will ask for a new retrain.
    pub fn toggle_replaces_retrain(&self) -> bool {
        if self.users.typing || self.field.is_some() {
            return false;
        }
        let Some(v) = self.view.as_ref().filter(|v| v.profile.user.is_some()) else {
            return false;
        };
        match self.focus {
            Pane::History => matches!(v.history_item(v.history.selected), Some((_, true))),
            Pane::Influence => v.because_item().is_some(),
            _ => false,
        }
    }

    /// Space on a "Because you liked" row: that like is removed (the what-if the row's drop
    /// measured).
    pub fn toggle_because(&mut self, engine: &Engine) -> Vec<Effect> {
        match self.view.as_ref().and_then(|v| v.because_item()) {
            Some(item) => self.toggle_item(engine, item),
            None => Vec::new(),
        }
    }

    /// Toggles "hadn't liked" on like `item` and on its twins the user also liked (the same film
    /// under another id: "hadn't liked" it means neither id).
    pub fn toggle_item(&mut self, engine: &Engine, item: u32) -> Vec<Effect> {
        let Some(v) = self.view.as_mut() else {
            return Vec::new();
        };
        if !v.profile.likes.contains(&item) {
            return Vec::new();
        }
        let twins = engine.explainer.candidates().twins();
        let film = twins.representative(item);
        let ids: Vec<u32> = v
            .profile
            .likes
            .iter()
            .copied()
            .filter(|&l| l == item || twins.representative(l) == film)
            .collect();
        if v.removed.contains(&item) {
            v.removed.retain(|i| !ids.contains(i));
        } else {
            for i in ids {
                if !v.removed.contains(&i) {
                    v.removed.push(i);
                }
            }
        }
        self.rerun(engine, true)
    }

    /// The what-if "hadn't liked `removed`" (the tour sets it; likes only).
    pub fn set_what_if(&mut self, engine: &Engine, removed: Vec<u32>) -> Vec<Effect> {
        let Some(v) = self.view.as_mut() else {
            return Vec::new();
        };
        let mut removed = removed;
        removed.retain(|i| v.profile.likes.contains(i));
        if v.removed == removed {
            return Vec::new();
        }
        v.removed = removed;
        self.rerun(engine, true)
    }

    /// `r`: back to the list without what-if.
    pub fn reset(&mut self, engine: &Engine) -> Vec<Effect> {
        match self.view.as_mut() {
            Some(v) if !v.removed.is_empty() => {
                v.removed.clear();
                self.rerun(engine, true)
            }
            _ => Vec::new(),
        }
    }

    /// `a`: the minimal set found for the selected recommendation becomes the what-if (the likes
    /// removed are exactly the set's), so the item is seen leaving the list. `None` when no set
    /// was found (or none asked).
    pub fn apply_minimal(&mut self, engine: &Engine) -> Option<Vec<Effect>> {
        let v = self.view.as_mut()?;
        let set = v.minimal.as_ref().filter(|m| !m.removed.is_empty())?;
        v.removed = set.removed.clone();
        Some(self.rerun(engine, true))
    }

    /// The what-if of the view changed: the instant refold, the retrain request and (`log`) the
    /// session entry.
    pub(super) fn rerun(&mut self, engine: &Engine, log: bool) -> Vec<Effect> {
        let Some(v) = self.view.as_mut() else {
            return Vec::new();
        };
        v.minimal = None;
        v.minimal_job = None;
        self.whatif_scroll = 0;
        let effects = if v.removed.is_empty() {
            v.whatif = None;
            v.retrain = Retrain::Idle;
            vec![Effect::CancelRetrain]
        } else if v.profile.user.is_none() {
            // A built user: the refold is the model's own answer, nothing to retrain or log
            // (the session keeps built users whole).
            let seen: Vec<u32> = v.seen.iter().map(|s| s.0).collect();
            v.whatif = Some(engine.built_what_if(&v.profile, &seen, &v.base, &v.removed));
            v.retrain = Retrain::Idle;
            Vec::new()
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
            let mut e = vec![effect];
            if log {
                e.push(Effect::Tried);
            }
            e
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

    /// The minimal set found by job `job`, if this view still waits for it (then true).
    pub fn minimal_finished(&mut self, job: u64, set: MinimalSet) -> bool {
        if let Some(v) = self.view.as_mut().filter(|v| v.minimal_job == Some(job)) {
            v.minimal_job = None;
            if v.minimal.as_ref().is_some_and(|m| m.item == set.item) {
                v.minimal = Some(set);
                return true;
            }
        }
        false
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
