//! The session log for qualitative-study notes: every what-if tried (user, likes removed, the
//! instant top-10 with its moves and sentence, and the retrain's agreement once it came back),
//! exported with `e` to `session-<n>.json` and `session-<n>.md` in the reports folder.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::adapter::{Engine, ListView, RetrainView, WhatIfView};

/// A movie as the notes name it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Movie {
    pub movie_id: u32,
    pub title: String,
}

/// One row of a logged list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRec {
    pub rank: usize,
    pub movie_id: u32,
    pub title: String,
    pub score: f32,
    /// Rank without the what-if (`None`: new in the list).
    pub previous_rank: Option<usize>,
}

/// The retrain's result for a logged what-if.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedRetrain {
    pub sweeps: usize,
    pub same_places: usize,
    pub overlap: usize,
    /// The retrained list's sentence (what the screen showed once the retrain arrived).
    pub sentence: String,
    /// Every place where the retrained list and the instant answer differ, with the score gaps.
    pub differences: Vec<LoggedDifference>,
    pub top: Vec<LoggedRec>,
}

/// A place where the retrain and the instant answer differ (see `adapter::PlaceDifference`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoggedDifference {
    pub rank: usize,
    pub instant: Movie,
    pub retrained: Movie,
    /// How far the instant answer preferred its film over the retrain's (instant scores).
    pub instant_gap: f32,
    /// How far the retrain preferred its film over the instant's (retrained scores).
    pub retrain_gap: f32,
}

/// One what-if tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Entry {
    /// The model explored when the what-if was tried (`M` switches it).
    pub model: String,
    pub user_id: u32,
    pub removed: Vec<Movie>,
    pub sentence: String,
    pub instant: Vec<LoggedRec>,
    pub retrain: Option<LoggedRetrain>,
}

/// Every what-if of the session, in order.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Session {
    pub dataset: String,
    pub entries: Vec<Entry>,
}

fn movie(engine: &Engine, item: u32) -> Movie {
    Movie {
        movie_id: engine.dataset.item_id(item),
        title: engine.title(item).to_string(),
    }
}

fn logged(engine: &Engine, list: &ListView) -> Vec<LoggedRec> {
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

impl Session {
    /// Logs an instant what-if of dataset user `user`.
    pub fn tried(&mut self, engine: &Engine, user: u32, whatif: &WhatIfView) {
        self.dataset = engine.dataset.name.clone();
        self.entries.push(Entry {
            model: engine.spec().name().to_string(),
            user_id: engine.dataset.user_id(user),
            removed: whatif.removed.iter().map(|&i| movie(engine, i)).collect(),
            sentence: whatif.sentence.clone(),
            instant: logged(engine, &whatif.after),
            retrain: None,
        });
    }

    /// Adds a retrain's result to the latest entry of the same user and removals.
    pub fn retrained(&mut self, engine: &Engine, user: u32, result: &RetrainView) {
        let user_id = engine.dataset.user_id(user);
        let removed: Vec<u32> = result
            .removed
            .iter()
            .map(|&i| engine.dataset.item_id(i))
            .collect();
        let model = engine.spec().name();
        let entry = self.entries.iter_mut().rev().find(|e| {
            e.model == model
                && e.user_id == user_id
                && e.removed
                    .iter()
                    .map(|m| m.movie_id)
                    .eq(removed.iter().copied())
        });
        if let Some(e) = entry {
            e.retrain = Some(LoggedRetrain {
                sweeps: result.sweeps,
                same_places: result.same_places,
                overlap: result.overlap,
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
            });
        }
    }

    /// The notes as Markdown.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "# whyrec session on {}\n\n{} what-if{} tried.\n",
            self.dataset,
            self.entries.len(),
            if self.entries.len() == 1 { "" } else { "s" }
        );
        for (n, e) in self.entries.iter().enumerate() {
            let removed: Vec<&str> = e.removed.iter().map(|m| m.title.as_str()).collect();
            s.push_str(&format!(
                "\n## {}. User {} without {} ({})\n\n{}\n\n| rank | title | before |\n|---|---|---|\n",
                n + 1,
                e.user_id,
                removed.join(", "),
                e.model,
                e.sentence
            ));
            for r in &e.instant {
                let before = r
                    .previous_rank
                    .map_or("new".to_string(), |p| format!("#{p}"));
                s.push_str(&format!("| {} | {} | {} |\n", r.rank, r.title, before));
            }
            match &e.retrain {
                Some(t) => {
                    s.push_str(&format!(
                        "\nIncremental retrain ({} sweep{}): {}/10 places agree with the instant refold, {}/10 films shared. {}\n",
                        t.sweeps,
                        if t.sweeps == 1 { "" } else { "s" }, t.same_places, t.overlap, t.sentence
                    ));
                    for d in &t.differences {
                        s.push_str(&format!(
                            "- #{}: instant {} (led by {:+.4}), retrain {} (led by {:+.4})\n",
                            d.rank,
                            d.instant.title,
                            d.instant_gap,
                            d.retrained.title,
                            d.retrain_gap
                        ));
                    }
                }
                None => s.push_str("\nIncremental retrain: not finished when exported.\n"),
            }
        }
        s
    }

    /// Writes `session-<n>.json` and `.md` into `dir` (the first free `n`), returning both paths.
    pub fn export(&self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let n = (1..)
            .find(|n| !dir.join(format!("session-{n}.json")).exists())
            .unwrap_or(1);
        let json = dir.join(format!("session-{n}.json"));
        let md = dir.join(format!("session-{n}.md"));
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let write = |path: &Path, text: &str| {
            crate::workspace::write_text(path, text).map_err(std::io::Error::other)
        };
        write(&json, &text)?;
        write(&md, self.markdown().trim_end())?;
        Ok((json, md))
    }
}
