//! The Build-a-user tab's state: search movies by title, like a handful, and get recommendations
//! with their explanations at once (a fold-in of the likes, no demographics).

mod input;

use crate::tui::adapter::{Engine, ListView, Profile};
use crate::tui::cursor::Cursor;
use crate::tui::tabs::explore::Detail;
use crate::tui::ui::layout::Pane;

/// Most search results listed.
pub const MAX_RESULTS: usize = 500;

/// The Build-a-user tab.
#[derive(Debug, Clone)]
pub struct Build {
    pub focus: Pane,
    pub query: String,
    pub typing: bool,
    /// Items matching the query, most liked first.
    pub results: Vec<u32>,
    pub results_cursor: Cursor,
    pub liked: Vec<u32>,
    pub liked_cursor: Cursor,
    pub recs: Option<ListView>,
    pub recs_cursor: Cursor,
    pub detail: Option<Detail>,
    titles: Vec<String>,
}

impl Build {
    pub fn new(engine: &Engine) -> Build {
        let mut b = Build {
            focus: Pane::Search,
            query: String::new(),
            typing: false,
            results: Vec::new(),
            results_cursor: Cursor::default(),
            liked: Vec::new(),
            liked_cursor: Cursor::default(),
            recs: None,
            recs_cursor: Cursor::default(),
            detail: None,
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
        hits.truncate(MAX_RESULTS);
        self.results = hits;
        self.results_cursor = Cursor::default();
    }

    pub fn profile(&self, engine: &Engine) -> Profile {
        engine.profile_from_likes(&self.liked)
    }

    /// Likes the selected search result, or unlikes the selected like; then recommends again.
    pub fn toggle(&mut self, engine: &Engine) {
        let item = match self.focus {
            Pane::Search => self.results.get(self.results_cursor.selected).copied(),
            Pane::Liked => self.liked.get(self.liked_cursor.selected).copied(),
            _ => None,
        };
        let Some(item) = item else { return };
        match self.liked.iter().position(|&i| i == item) {
            Some(p) => {
                self.liked.remove(p);
            }
            None => self.liked.push(item),
        }
        let len = self.liked.len();
        self.liked_cursor.select(self.liked_cursor.selected, len, 1);
        self.recommend(engine);
    }

    /// `r`: forget every like.
    pub fn reset(&mut self, engine: &Engine) {
        self.liked.clear();
        self.liked_cursor = Cursor::default();
        self.recommend(engine);
    }

    /// The same likes under another explored model.
    pub fn switch_model(&mut self, engine: &Engine) {
        self.recommend(engine);
    }

    fn recommend(&mut self, engine: &Engine) {
        self.recs = (!self.liked.is_empty()).then(|| engine.top(&self.profile(engine)));
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
            Pane::Liked => self.liked_cursor.step(delta, self.liked.len(), rows),
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
            Pane::Liked => self.liked_cursor,
            Pane::BuildRecs => self.recs_cursor,
            _ => return,
        };
        let target = current.offset + index;
        self.step(engine, target as isize - current.selected as isize, rows);
    }
}
