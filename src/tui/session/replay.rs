//! `whyrec session replay FILE`: every what-if, retrain and minimal set of a session record asked
//! again of the same models on the same data, and whether the numbers still match.
//!
//! A list matches when it holds the same movies in the same order with every score within
//! [`SCORE_TOLERANCE`] (the record stores scores as decimal text); a retrain also needs the same
//! agreement figures (same places, overlap, τ within 1e-6); a minimal set the same movies. The
//! data must have the record's fingerprint, or nothing is compared.

use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::log::logged;
use super::{LoggedRec, Session};
use crate::tui::adapter::Engine;

/// Largest score difference two matching lists may have.
pub const SCORE_TOLERANCE: f32 = 1e-4;

/// One thing compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Check {
    /// "what-if 1: user 1 without 50, 181 (hybrid-als) — instant".
    pub what: String,
    pub matches: bool,
    /// Where it differs (empty when it matches).
    pub detail: String,
}

/// Every check of a replay.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReplayReport {
    pub checks: Vec<Check>,
}

impl ReplayReport {
    pub fn all_match(&self) -> bool {
        self.checks.iter().all(|c| c.matches)
    }

    pub fn mismatches(&self) -> usize {
        self.checks.iter().filter(|c| !c.matches).count()
    }
}

/// Where two lists differ, or `None` when they match.
pub fn list_difference(recorded: &[LoggedRec], now: &[LoggedRec]) -> Option<String> {
    if recorded.len() != now.len() {
        return Some(format!(
            "{} rows recorded, {} now",
            recorded.len(),
            now.len()
        ));
    }
    recorded.iter().zip(now).find_map(|(a, b)| {
        if a.movie_id != b.movie_id {
            Some(format!(
                "#{}: recorded {} ({}), now {} ({})",
                a.rank, a.title, a.movie_id, b.title, b.movie_id
            ))
        } else if (a.score - b.score).abs() > SCORE_TOLERANCE || !b.score.is_finite() {
            Some(format!(
                "#{} {}: score recorded {:.6}, now {:.6}",
                a.rank, a.title, a.score, b.score
            ))
        } else {
            None
        }
    })
}

fn check(what: String, difference: Option<String>) -> Check {
    Check {
        what,
        matches: difference.is_none(),
        detail: difference.unwrap_or_default(),
    }
}

/// Replays `record` with `engine_of(model name)` giving the engine of each model (loaded or
/// trained with the record's settings on data of the record's fingerprint).
pub fn replay(
    record: &Session,
    engine_of: &mut dyn FnMut(&str) -> Result<std::sync::Arc<Engine>, String>,
) -> ReplayReport {
    let mut report = ReplayReport::default();
    let never = AtomicBool::new(false);
    for (n, e) in record.entries.iter().enumerate() {
        let ids: Vec<String> = e.removed.iter().map(|m| m.movie_id.to_string()).collect();
        let name = format!(
            "what-if {}: user {} without {} ({})",
            n + 1,
            e.user_id,
            ids.join(", "),
            e.model
        );
        let engine = match engine_of(&e.model) {
            Ok(engine) => engine,
            Err(why) => {
                report.checks.push(check(name, Some(why)));
                continue;
            }
        };
        let d = &engine.dataset;
        let user = d.user_index(e.user_id);
        let removed: Option<Vec<u32>> =
            e.removed.iter().map(|m| d.item_index(m.movie_id)).collect();
        let (Some(user), Some(removed)) = (user, removed) else {
            report.checks.push(check(
                name,
                Some("the user or a movie is not in the dataset".into()),
            ));
            continue;
        };
        let profile = engine.profile_of(user);
        let base = engine.top(&profile);
        let w = engine.what_if(&profile, &base, &removed);
        let mut differs = list_difference(&e.instant.top, &logged(&engine, &w.after));
        if differs.is_none() && w.sentence != e.instant.sentence {
            differs = Some(format!("sentence now: {}", w.sentence));
        }
        report
            .checks
            .push(check(format!("{name} — instant"), differs));
        let Some(t) = &e.retrain else { continue };
        let r = engine.retrain(&profile, &removed, &base, &w.after, &mut |_| {}, &never);
        let differs = match r {
            Err(why) => Some(format!("retrain failed: {why}")),
            Ok(r) => list_difference(&t.top, &logged(&engine, &r.after)).or_else(|| {
                let same = (r.same_places, r.overlap, r.sweeps) == (t.same_places, t.overlap, t.sweeps)
                    && (r.kendall_tau - t.kendall_tau).abs() <= 1e-6;
                (!same).then(|| {
                    format!(
                        "agreement recorded {}/{}/τ {:.4} after {} sweeps, now {}/{}/τ {:.4} after {}",
                        t.same_places, t.overlap, t.kendall_tau, t.sweeps, r.same_places, r.overlap,
                        r.kendall_tau, r.sweeps
                    )
                })
            }),
        };
        report
            .checks
            .push(check(format!("{name} — retrain"), differs));
    }
    for (n, m) in record.minimal_sets.iter().enumerate() {
        let name = format!(
            "minimal set {}: user {}, {} ({}) ({})",
            n + 1,
            m.user_id,
            m.movie.title,
            m.movie.movie_id,
            m.model
        );
        let engine = match engine_of(&m.model) {
            Ok(engine) => engine,
            Err(why) => {
                report.checks.push(check(name, Some(why)));
                continue;
            }
        };
        let d = &engine.dataset;
        let (Some(user), Some(item)) = (d.user_index(m.user_id), d.item_index(m.movie.movie_id))
        else {
            report.checks.push(check(
                name,
                Some("the user or the movie is not in the dataset".into()),
            ));
            continue;
        };
        let found = engine.minimal_set(&engine.profile_of(user), item);
        let now: Vec<u32> = found.removed.iter().map(|&i| d.item_id(i)).collect();
        let recorded: Vec<u32> = m.removed.iter().map(|r| r.movie_id).collect();
        let differs = (now != recorded).then(|| format!("recorded {recorded:?}, now {now:?}"));
        report.checks.push(check(name, differs));
    }
    for b in &record.built_users {
        let name = format!("built user {} ({})", b.number, b.model);
        let differs = match engine_of(&b.model) {
            Err(why) => Some(why),
            Ok(engine) => match built_list(&engine, b) {
                Err(why) => Some(why),
                Ok(list) => list_difference(&b.top, &logged(&engine, &list)),
            },
        };
        report.checks.push(check(name, differs));
    }
    report
}

/// A built user's list asked again: its ratings and demographics mapped back to the dataset.
fn built_list(
    engine: &Engine,
    b: &super::BuiltUser,
) -> Result<crate::tui::adapter::ListView, String> {
    let d = &engine.dataset;
    let mut likes = Vec::new();
    let mut seen = Vec::new();
    for r in &b.ratings {
        let i = d
            .item_index(r.movie.movie_id)
            .ok_or_else(|| format!("movie {} is not in the dataset", r.movie.movie_id))?;
        if r.stars >= crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD {
            likes.push(i);
        } else {
            seen.push(i);
        }
    }
    let options = engine.demographic_options();
    let mut chosen = [None; 3];
    for (f, value) in [&b.gender, &b.age, &b.occupation].into_iter().enumerate() {
        if let Some(v) = value {
            chosen[f] = Some(
                options[f]
                    .iter()
                    .position(|o| o == v)
                    .ok_or_else(|| format!("\"{v}\" is not a value of the dataset"))?,
            );
        }
    }
    let profile = engine.built_user_profile(&likes, chosen);
    Ok(engine.built_top(&profile, &seen))
}
