//! The Build-a-user tab's state: search movies by title, rate a handful (space likes at 5★,
//! `+`/`-` change the stars of a rated movie; below ★4 a rating is seen, not liked), give a gender,
//! an age bucket and an occupation where the dataset has them (so demographic attribution
//! appears), and get recommendations with their explanations at once — a fold-in of the likes
//! and the demographics. `o` opens the built user in Explore and Compare; the session record
//! keeps every built user. The rule of served lists holds: no rated movie (liked or not) is
//! recommended.

mod input;

use crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
use crate::tui::adapter::{Engine, ListView, Profile};
use crate::tui::cursor::Cursor;
use crate::tui::tabs::explore::Detail;
use crate::tui::ui::layout::Pane;

/// Most search results listed.
pub const MAX_RESULTS: usize = 500;

/// Stars a like from the search gets.
pub const LIKE_STARS: f32 = 5.0;

/// The demographic fields, in the Profile pane's order.
pub const FIELDS: [&str; 3] = ["gender", "age", "occupation"];

/// The Build-a-user tab.
#[derive(Debug, Clone)]
pub struct Build {
    pub focus: Pane,
    pub query: String,
    pub typing: bool,
    /// Items matching the query, most liked first (at most [`MAX_RESULTS`]).
    pub results: Vec<u32>,
    /// How many films match the query (twins once), before the cut to [`MAX_RESULTS`].
    pub matched: usize,
    pub results_cursor: Cursor,
    /// Rated movies with their stars, in rating order.
    pub rated: Vec<(u32, f32)>,
    pub rated_cursor: Cursor,
    /// The choices of each demographic field (empty without demographics).
    pub options: [Vec<String>; 3],
    /// The chosen value of each field (`None`: not given).
    pub chosen: [Option<usize>; 3],
    pub profile_cursor: Cursor,
    pub recs: Option<ListView>,
    pub recs_cursor: Cursor,
    pub detail: Option<Detail>,
    /// 1, 2, …: `r` starts the next built user.
    pub number: usize,
    /// Bumped at every change (what Explore and Compare compare to follow the built user).
    pub version: u64,
    titles: Vec<String>,
}

impl Build {
    pub fn new(engine: &Engine) -> Build {
        let mut b = Build {
            focus: Pane::Search,
            query: String::new(),
            typing: false,
            results: Vec::new(),
            matched: 0,
            results_cursor: Cursor::default(),
            rated: Vec::new(),
            rated_cursor: Cursor::default(),
            options: engine.demographic_options(),
            chosen: [None; 3],
            profile_cursor: Cursor::default(),
            recs: None,
            recs_cursor: Cursor::default(),
            detail: None,
            number: 1,
            version: 0,
            titles: engine
                .dataset
                .items
                .titles
                .iter()
                .map(|t| t.to_lowercase())
                .collect(),
        };
        b.search(engine);
        b
    }

    /// Re-runs the title search for the current query (every word must appear); twins show once.
    pub fn search(&mut self, engine: &Engine) {
        let words: Vec<String> = self
            .query
            .split_whitespace()
            .map(str::to_lowercase)
            .collect();
        let mut hits: Vec<u32> = (0..self.titles.len() as u32)
            .filter(|&i| {
                words
                    .iter()
                    .all(|w| self.titles[i as usize].contains(w.as_str()))
            })
            .collect();
        hits.sort_by_key(|&i| (std::cmp::Reverse(engine.popularity(i)), i));
        // A film listed under two ids (twins) is one row: its more-liked id (ties: lower id).
        let twins = engine.explainer.candidates().twins();
        let mut shown_groups = std::collections::HashSet::new();
        hits.retain(|&i| shown_groups.insert(twins.representative(i)));
        self.matched = hits.len();
        hits.truncate(MAX_RESULTS);
        self.results = hits;
        self.results_cursor = Cursor::default();
    }

    /// The liked movies (rated ★4 or more).
    pub fn likes(&self) -> Vec<u32> {
        self.rated
            .iter()
            .filter(|r| r.1 >= DEFAULT_POSITIVE_THRESHOLD)
            .map(|r| r.0)
            .collect()
    }

    /// The rated movies that are not likes.
    pub fn seen(&self) -> Vec<u32> {
        self.rated
            .iter()
            .filter(|r| r.1 < DEFAULT_POSITIVE_THRESHOLD)
            .map(|r| r.0)
            .collect()
    }

    pub fn profile(&self, engine: &Engine) -> Profile {
        engine.built_user_profile(&self.likes(), self.chosen)
    }

    /// True when the built user has anything to recommend from (a rating or a demographic).
    pub fn is_empty(&self) -> bool {
        self.rated.is_empty() && self.chosen.iter().all(Option::is_none)
    }

    /// Space on a search result: rates it 5★ (or forgets it when rated); on a rated movie:
    /// forgets it; on a demographic field: its next value.
    pub fn toggle(&mut self, engine: &Engine) {
        if self.focus == Pane::BuildProfile {
            return self.cycle(engine, 1);
        }
        let item = match self.focus {
            Pane::Search => self.results.get(self.results_cursor.selected).copied(),
            Pane::Liked => self.rated.get(self.rated_cursor.selected).map(|r| r.0),
            _ => None,
        };
        let Some(item) = item else { return };
        match self.rated.iter().position(|r| r.0 == item) {
            Some(p) => {
                self.rated.remove(p);
            }
            None => self.rated.push((item, LIKE_STARS)),
        }
        let len = self.rated.len();
        self.rated_cursor.select(self.rated_cursor.selected, len, 1);
        self.recommend(engine);
    }

    /// `+` / `-`: the stars of the selected rated movie (1–5), or the next / previous value of
    /// the selected demographic field.
    pub fn adjust(&mut self, engine: &Engine, by: i32) {
        match self.focus {
            Pane::BuildProfile => self.cycle(engine, by),
            Pane::Liked => {
                let Some(r) = self.rated.get_mut(self.rated_cursor.selected) else {
                    return;
                };
                let (lo, hi) = (1.0, 5.0);
                r.1 = (r.1 + by as f32).clamp(lo, hi);
                self.recommend(engine);
            }
            _ => {}
        }
    }

    /// The selected field's value moved by `by` (through "not given").
    fn cycle(&mut self, engine: &Engine, by: i32) {
        let f = self.profile_cursor.selected.min(2);
        let n = self.options[f].len() as i64;
        if n == 0 {
            return;
        }
        // Positions 0..n are the values, n is "not given".
        let at = self.chosen[f].map_or(n, |v| v as i64);
        let next = (at + i64::from(by)).rem_euclid(n + 1);
        self.chosen[f] = (next < n).then_some(next as usize);
        self.recommend(engine);
    }

    /// `r`: a new built user (the previous one stays in the session record).
    pub fn reset(&mut self, engine: &Engine) {
        if !self.is_empty() {
            self.number += 1;
        }
        self.rated.clear();
        self.chosen = [None; 3];
        self.rated_cursor = Cursor::default();
        self.recommend(engine);
    }

    /// The same ratings under another explored model.
    pub fn switch_model(&mut self, engine: &Engine) {
        self.recommend(engine);
    }

    fn recommend(&mut self, engine: &Engine) {
        self.version += 1;
        self.recs =
            (!self.is_empty()).then(|| engine.built_top(&self.profile(engine), &self.seen()));
        self.recs_cursor = Cursor::default();
        self.refresh_detail(engine);
    }

    /// Recomputes the explanation of the selected recommendation.
    pub fn refresh_detail(&mut self, engine: &Engine) {
        let profile = self.profile(engine);
        self.detail = self
            .recs
            .as_ref()
            .and_then(|l| l.recs.get(self.recs_cursor.selected))
            .map(|r| Detail {
                item: r.item,
                attribution: engine.attribution(&profile, &[], r.item),
                influences: engine.influences(&profile, &[], r.item),
            });
    }

    /// Moves the cursor of the focused pane.
    pub fn step(&mut self, engine: &Engine, delta: isize, rows: usize) {
        match self.focus {
            Pane::Search => self.results_cursor.step(delta, self.results.len(), rows),
            Pane::Liked => self.rated_cursor.step(delta, self.rated.len(), rows),
            Pane::BuildProfile => self.profile_cursor.step(delta, FIELDS.len(), FIELDS.len()),
            Pane::BuildRecs => {
                let len = self.recs.as_ref().map_or(0, |l| l.recs.len());
                self.recs_cursor.step(delta, len, rows);
                self.refresh_detail(engine);
            }
            _ => {}
        }
    }

    /// Selects content row `index` of `pane` (a click), focusing it.
    pub fn click(&mut self, engine: &Engine, pane: Pane, index: usize, rows: usize) {
        self.focus = pane;
        let current = match pane {
            Pane::Search => self.results_cursor,
            Pane::Liked => self.rated_cursor,
            Pane::BuildProfile => self.profile_cursor,
            Pane::BuildRecs => self.recs_cursor,
            _ => return,
        };
        let target = current.offset + index;
        self.step(engine, target as isize - current.selected as isize, rows);
    }

    /// The label of field `f`'s value.
    pub fn value(&self, f: usize) -> Option<&str> {
        self.chosen[f]
            .and_then(|v| self.options[f].get(v))
            .map(String::as_str)
    }
}
