//! The session record for qualitative studies: what a presenter or an analyst did in the
//! explorer, in a form a study can cite and `whyrec session replay` can check.
//!
//! * the header: whyrec version, dataset (as asked and as loaded) with its data fingerprint, the
//!   settings every model was trained with (seed, factors, iterations), start and export times;
//! * one [`Entry`] per distinct what-if (model, user, set of likes removed — trying the same one
//!   again updates its entry instead of adding a copy): the knob, the equivalent `whyrec`
//!   command, the instant top-10 and its sentence, the retrained top-10 with its agreement
//!   figures (same places, overlap, Kendall τ-b) and sentence, and the Why and Because panels of
//!   the item selected when it was tried;
//! * every minimal counterfactual set found, the users built in Build-a-user, and the notes typed
//!   with `n`.
//!
//! `e` exports it to `session-<n>.json` and `.md` (`markdown.rs`) in the reports folder; quitting
//! autosaves it to `session-autosave-<n>.json` and `.md` (a new `n` each time; the explorer
//! prints where on leaving). Nothing here draws or computes: the record
//! copies what the adapter already computed.

pub mod log;
mod markdown;
pub mod replay;

pub use log::Tried;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::engine::Settings;

/// Format of the record (bumped when fields change meaning).
pub const FORMAT: u32 = 1;

/// A movie as the record names it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Movie {
    pub movie_id: u32,
    pub title: String,
}

/// One row of a logged list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRec {
    pub rank: usize,
    pub movie_id: u32,
    pub title: String,
    pub score: f32,
    /// Rank without the what-if (`None`: new in the list).
    pub previous_rank: Option<usize>,
}

/// The instant answer of a what-if: the user refolded without the likes, the model unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedInstant {
    pub sentence: String,
    pub top: Vec<LoggedRec>,
}

/// The incremental retrain's result for a logged what-if.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRetrain {
    pub sweeps: usize,
    /// Places of the top-10 where the instant answer and the retrain hold the same film.
    pub same_places: usize,
    /// Films the two top-10s share.
    pub overlap: usize,
    /// Kendall τ-b over the union of the two lists (missing = rank 11).
    pub kendall_tau: f64,
    /// The retrained list's sentence (what the screen showed once the retrain arrived).
    pub sentence: String,
    /// Every place where the retrained list and the instant answer differ, with the score gaps.
    pub differences: Vec<LoggedDifference>,
    pub top: Vec<LoggedRec>,
}

/// A place where the retrain and the instant answer differ (see `adapter::PlaceDifference`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedDifference {
    pub rank: usize,
    pub instant: Movie,
    pub retrained: Movie,
    /// How far the instant answer preferred its film over the retrain's (instant scores).
    pub instant_gap: f32,
    /// How far the retrain preferred its film over the instant's (retrained scores).
    pub retrain_gap: f32,
}

/// One like's push on the selected item's score (the Because panel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedInfluence {
    pub movie: Movie,
    /// Measured: the score lost on a refold without this like.
    pub drop: f32,
    /// Exact: this like's additive share of the score.
    pub share: f32,
}

/// The Why and Because panels of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedDetail {
    pub movie: Movie,
    pub score: f32,
    /// Why: the exact additive parts of the score (name, value), largest first.
    pub why: Vec<(String, f32)>,
    /// Because: the likes, largest measured drop first.
    pub because: Vec<LoggedInfluence>,
    /// The exact part of the score that no like carries (demographics and the prior).
    pub prior: f32,
    pub because_sentence: String,
}

/// One distinct what-if tried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// The model explored when the what-if was tried (`M` switches it).
    pub model: String,
    pub user_id: u32,
    pub removed: Vec<Movie>,
    /// The accuracy–coverage knob's strength on screen (the logged lists are the model's own).
    pub knob: f64,
    /// The `whyrec` command printing the same what-if.
    pub command: String,
    pub first_tried: String,
    pub last_tried: String,
    pub instant: LoggedInstant,
    pub retrain: Option<LoggedRetrain>,
    /// The Why and Because panels of the recommendation selected when it was tried.
    pub selected: Option<LoggedDetail>,
}

/// A minimal counterfactual set found with `m`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedMinimalSet {
    pub model: String,
    pub user_id: u32,
    pub movie: Movie,
    /// The likes whose removal drops the movie out of the top-10 (empty: none found).
    pub removed: Vec<Movie>,
    pub sentence: String,
    pub found: String,
}

/// A rating of a built user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRating {
    pub movie: Movie,
    pub stars: f32,
}

/// A user made in Build-a-user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BuiltUser {
    /// 1, 2, … in the order they were built.
    pub number: usize,
    pub model: String,
    pub gender: Option<String>,
    pub age: Option<String>,
    pub occupation: Option<String>,
    pub ratings: Vec<LoggedRating>,
    pub top: Vec<LoggedRec>,
    pub updated: String,
}

/// A note typed with `n`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub user_id: Option<u32>,
    pub movie: Option<Movie>,
    pub text: String,
    pub at: String,
}

/// The whole record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Session {
    pub format: u32,
    pub whyrec_version: String,
    /// The dataset as asked for (`--dataset`: a variant name or a folder).
    pub dataset_arg: String,
    /// The dataset's name as loaded.
    pub dataset: String,
    /// `Dataset::fingerprint` of the data every number came from.
    pub data_fingerprint: String,
    /// The settings every model of the session was trained with (seed, factors, iterations).
    pub settings: Option<Settings>,
    pub started: String,
    /// When `e` wrote this record (`None` in an autosave of a session never exported).
    pub exported: Option<String>,
    /// When quitting wrote this record as an autosave (`None` in an export).
    #[serde(default)]
    pub autosaved: Option<String>,
    pub entries: Vec<Entry>,
    pub minimal_sets: Vec<LoggedMinimalSet>,
    pub built_users: Vec<BuiltUser>,
    pub notes: Vec<Note>,
    /// True when something changed since the last export (not written).
    #[serde(skip)]
    pub unexported: bool,
}

/// Now, UTC, to the second (RFC 3339).
pub fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

impl Session {
    /// An empty record of a session on `dataset` (its fingerprint computed once here).
    pub fn start(
        dataset_arg: &str,
        dataset: &crate::data::Dataset,
        settings: &Settings,
    ) -> Session {
        Session {
            format: FORMAT,
            whyrec_version: env!("CARGO_PKG_VERSION").into(),
            dataset_arg: dataset_arg.into(),
            dataset: dataset.name.clone(),
            data_fingerprint: dataset.fingerprint(),
            settings: Some(settings.clone()),
            started: now(),
            ..Session::default()
        }
    }

    /// True when the record holds anything (what-if, minimal set, built user or note).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
            && self.minimal_sets.is_empty()
            && self.built_users.is_empty()
            && self.notes.is_empty()
    }

    /// "2 what-ifs, 1 minimal set, 1 note".
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            (self.entries.len(), "what-if", "what-ifs"),
            (self.minimal_sets.len(), "minimal set", "minimal sets"),
            (self.built_users.len(), "built user", "built users"),
            (self.notes.len(), "note", "notes"),
        ]
        .into_iter()
        .filter(|p| p.0 > 0)
        .map(|(n, one, many)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
        if parts.is_empty() {
            "nothing yet".into()
        } else {
            parts.join(", ")
        }
    }

    fn write(&self, json: &Path, md: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        let write = |path: &Path, text: &str| {
            crate::workspace::write_text(path, text).map_err(std::io::Error::other)
        };
        write(json, &text)?;
        write(md, self.markdown().trim_end())
    }

    /// Writes `session-<n>.json` and `.md` into `dir` (the first free `n`), returning both paths;
    /// the record then counts as exported.
    pub fn export(&mut self, dir: &Path) -> std::io::Result<(PathBuf, PathBuf)> {
        std::fs::create_dir_all(dir)?;
        let n = (1..100_000)
            .find(|n| !dir.join(format!("session-{n}.json")).exists())
            .ok_or_else(|| std::io::Error::other("100000 session records exist already"))?;
        let json = dir.join(format!("session-{n}.json"));
        let md = dir.join(format!("session-{n}.md"));
        self.exported = Some(now());
        self.autosaved = None;
        self.write(&json, &md)?;
        self.unexported = false;
        Ok((json, md))
    }

    /// Writes `session-autosave-<n>.json` and `.md` into `dir` (the first free `n`, so an
    /// autosave never replaces another session's) when the record holds anything.
    pub fn autosave(&mut self, dir: &Path) -> std::io::Result<Option<PathBuf>> {
        if self.is_empty() {
            return Ok(None);
        }
        std::fs::create_dir_all(dir)?;
        let n = (1..100_000)
            .find(|n| !dir.join(format!("session-autosave-{n}.json")).exists())
            .ok_or_else(|| std::io::Error::other("100000 autosaved records exist already"))?;
        let json = dir.join(format!("session-autosave-{n}.json"));
        self.autosaved = Some(now());
        self.write(&json, &dir.join(format!("session-autosave-{n}.md")))?;
        Ok(Some(json))
    }

    /// Reads a record written by [`Session::export`], checking its format.
    pub fn read(path: &Path) -> Result<Session, String> {
        let limit = 256 << 20;
        let meta = std::fs::metadata(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if meta.len() > limit {
            return Err(format!(
                "{}: {} bytes is more than a session record can be ({limit})",
                path.display(),
                meta.len()
            ));
        }
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let s: Session = serde_json::from_str(&text).map_err(|e| {
            format!(
                "{}: line {}, column {}: not a whyrec session record: {e}",
                path.display(),
                e.line(),
                e.column()
            )
        })?;
        if s.format != FORMAT {
            return Err(format!(
                "{}: session record format {} (this whyrec reads format {FORMAT})",
                path.display(),
                s.format
            ));
        }
        Ok(s)
    }
}
