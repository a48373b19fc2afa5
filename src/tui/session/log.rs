//! Recording into the session: each function copies what the adapter computed into the record's
//! types (movie ids and titles instead of dense indices) and marks the record unexported.

use super::{
    now, BuiltUser, Entry, LoggedDetail, LoggedDifference, LoggedInfluence, LoggedInstant,
    LoggedMinimalSet, LoggedRec, LoggedRetrain, Movie, Note, Session,
};
use crate::tui::adapter::{
    Engine, Influences, ListView, MinimalSet, PartsView, RetrainView, WhatIfView,
};

/// Dense item `item` as the record names it.
pub fn movie(engine: &Engine, item: u32) -> Movie {
    Movie {
        movie_id: engine.dataset.item_id(item),
        title: engine.title(item).to_string(),
    }
}

/// The rows of a list as the record keeps them.
pub fn logged(engine: &Engine, list: &ListView) -> Vec<LoggedRec> {
    list.recs
        .iter()
        .map(|r| LoggedRec {
            rank: r.rank,
            movie_id: engine.dataset.item_id(r.item),
            title: engine.title(r.item).to_string(),
            score: r.score,
            previous_rank: r.previous_rank,
        })
        .collect()
}

/// The Why and Because panels of `item`.
pub fn detail(engine: &Engine, item: u32, why: &PartsView, because: &Influences) -> LoggedDetail {
    LoggedDetail {
        movie: movie(engine, item),
        score: why.score,
        why: why.parts.clone(),
        because: because
            .items
            .iter()
            .map(|&(like, drop, share)| LoggedInfluence {
                movie: movie(engine, like),
                drop,
                share,
            })
            .collect(),
        prior: because.demographic,
        because_sentence: because.sentence.clone(),
    }
}

/// The ids of `removed`, sorted: the key of a what-if.
fn key(removed: &[Movie]) -> Vec<u32> {
    let mut ids: Vec<u32> = removed.iter().map(|m| m.movie_id).collect();
    ids.sort_unstable();
    ids
}

/// What [`Session::tried`] records besides the what-if itself.
pub struct Tried<'a> {
    pub knob: f64,
    pub command: String,
    /// The selected recommendation and its Why and Because panels.
    pub selected: Option<(u32, &'a PartsView, &'a Influences)>,
}

impl Session {
    fn entry_mut(&mut self, model: &str, user_id: u32, ids: &[u32]) -> Option<&mut Entry> {
        self.entries
            .iter_mut()
            .find(|e| e.model == model && e.user_id == user_id && key(&e.removed) == ids)
    }

    /// Records an instant what-if of dense user `user`; the same what-if tried again (same
    /// model, user and set of likes) updates its entry.
    pub fn tried(&mut self, engine: &Engine, user: u32, whatif: &WhatIfView, t: Tried) {
        let model = engine.spec().name().to_string();
        let user_id = engine.dataset.user_id(user);
        let removed: Vec<Movie> = whatif.removed.iter().map(|&i| movie(engine, i)).collect();
        let at = now();
        let entry = Entry {
            model: model.clone(),
            user_id,
            knob: t.knob,
            command: t.command,
            first_tried: at.clone(),
            last_tried: at,
            instant: LoggedInstant {
                sentence: whatif.sentence.clone(),
                top: logged(engine, &whatif.after),
            },
            retrain: None,
            selected: t
                .selected
                .map(|(i, why, because)| detail(engine, i, why, because)),
            removed,
        };
        self.unexported = true;
        let ids = key(&entry.removed);
        match self.entry_mut(&model, user_id, &ids) {
            Some(e) => {
                let first = std::mem::take(&mut e.first_tried);
                let retrain = e.retrain.take();
                *e = Entry {
                    first_tried: first,
                    retrain,
                    ..entry
                };
            }
            None => self.entries.push(entry),
        }
    }

    /// Adds a retrain's result to the entry of the same model, user and likes removed.
    pub fn retrained(&mut self, engine: &Engine, user: u32, result: &RetrainView) {
        let user_id = engine.dataset.user_id(user);
        let mut ids: Vec<u32> = result
            .removed
            .iter()
            .map(|&i| engine.dataset.item_id(i))
            .collect();
        ids.sort_unstable();
        let retrain = LoggedRetrain {
            sweeps: result.sweeps,
            same_places: result.same_places,
            overlap: result.overlap,
            kendall_tau: result.kendall_tau,
            sentence: result.sentence.clone(),
            differences: result
                .differences
                .iter()
                .map(|d| LoggedDifference {
                    rank: d.rank,
                    instant: movie(engine, d.instant),
                    retrained: movie(engine, d.retrained),
                    instant_gap: d.instant_gap,
                    retrain_gap: d.retrain_gap,
                })
                .collect(),
            top: logged(engine, &result.after),
        };
        if let Some(e) = self.entry_mut(engine.spec().name(), user_id, &ids) {
            e.retrain = Some(retrain);
            self.unexported = true;
        }
    }

    /// Records a minimal set found for dense user `user` (once per model, user and movie).
    pub fn minimal_found(&mut self, engine: &Engine, user: u32, set: &MinimalSet) {
        let logged = LoggedMinimalSet {
            model: engine.spec().name().to_string(),
            user_id: engine.dataset.user_id(user),
            movie: movie(engine, set.item),
            removed: set.removed.iter().map(|&i| movie(engine, i)).collect(),
            sentence: set.sentence.clone(),
            found: now(),
        };
        let same = |m: &LoggedMinimalSet| {
            m.model == logged.model && m.user_id == logged.user_id && m.movie == logged.movie
        };
        match self.minimal_sets.iter_mut().find(|m| same(m)) {
            Some(m) => *m = logged,
            None => self.minimal_sets.push(logged),
        }
        self.unexported = true;
    }

    /// Records (or updates, by its number) a user built in Build-a-user.
    pub fn built(&mut self, user: BuiltUser) {
        match self
            .built_users
            .iter_mut()
            .find(|b| b.number == user.number)
        {
            Some(b) => *b = user,
            None => self.built_users.push(user),
        }
        self.unexported = true;
    }

    /// Records a note about dense user `user` and item `item`.
    pub fn note(&mut self, engine: &Engine, user: Option<u32>, item: Option<u32>, text: String) {
        self.notes.push(Note {
            user_id: user.map(|u| engine.dataset.user_id(u)),
            movie: item.map(|i| movie(engine, i)),
            text,
            at: now(),
        });
        self.unexported = true;
    }
}
