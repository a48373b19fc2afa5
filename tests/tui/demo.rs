//! The demo walk-through on the real release binary in tmux (160×48, ML-100K from
//! ../shared/datasets, a tempdir as working folder), one running explorer for items 1–7 and 9
//! and a second start (same folder, cached model) for the tour:
//!
//! 1. Esc on the opening Explore screen does not quit;
//! 2. `q` with an unexported what-if asks first, and Esc cancels that prompt;
//! 3. a what-if survives moving the user selection away and back;
//! 4. space on a "Because you liked" row toggles that like;
//! 5. `m` then `a` applies a minimal counterfactual set and the item leaves the top-10;
//! 6. `e` writes `reports/session-N.json` with model, seed, knob, a retrained table and a
//!    minimal set;
//! 7. `whyrec session replay` of that record exits 0 and says every number matches;
//! 8. `whyrec --tour` steps through at least six distinct captions;
//! 9. `q` finally quits.
//!
//! Without tmux the test is skipped with a message (`.ci/run` installs it).

use crate::common;
use crate::tui_support::tmux::{quoted, Tmux, BIN};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

/// The inner lines of the boxed pane whose top border holds `title` (its `└` line excluded).
fn pane(screen: &str, title: &str) -> Vec<String> {
    let (top, line) = screen
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(title))
        .unwrap_or_else(|| panic!("no pane {title:?} on the screen:\n{screen}"));
    let at = line.split(title).next().unwrap().chars().count();
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let head = &lines[top];
    let left = (0..=at)
        .rev()
        .find(|&c| head[c] == '┌')
        .expect("a top-left corner");
    let right = (at..head.len())
        .find(|&c| head[c] == '┐')
        .expect("a top-right corner");
    lines[top + 1..]
        .iter()
        .take_while(|l| l.get(left).is_some_and(|&c| c != '└'))
        .map(|l| {
            l.get(left + 1..right.min(l.len()))
                .unwrap_or(&[])
                .iter()
                .collect()
        })
        .collect()
}

/// A pane's text as one line (wrapped lines joined, runs of spaces collapsed).
fn joined(lines: &[String]) -> String {
    lines
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The movie ids of the Top-10 table.
fn top10_ids(screen: &str) -> Vec<String> {
    pane(screen, "Top-10 for user")
        .iter()
        .filter_map(|l| {
            let mut t = l.split_whitespace();
            t.next()?.parse::<usize>().ok()?;
            t.next().map(str::to_string)
        })
        .collect()
}

/// The selected recommendation's title and movie id, from the Why pane's title.
fn why(screen: &str) -> Option<(String, String)> {
    let head = screen.lines().find_map(|l| l.split("┌ Why ").nth(1))?;
    let (title, rest) = head.split_once(" (id ")?;
    Some((title.to_string(), rest.split(')').next()?.to_string()))
}

/// The History pane's title count of toggled likes ("163♥ 0✗" → 0).
fn crossed(screen: &str) -> usize {
    let line = screen
        .lines()
        .find(|l| l.contains("┌ History · "))
        .expect("History");
    let before = line.split('✗').next().unwrap();
    before
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .expect("a ✗ count")
}

#[test]
fn demo_walk_through_on_ml100k() {
    let data_dir = common::shared_dataset("ml-100k")
        .parent()
        .unwrap()
        .to_path_buf();
    let work = tempfile::tempdir().unwrap();
    let exe = quoted(Path::new(BIN));
    let data = quoted(&data_dir);
    // `exec` so the tmux session ends when whyrec does.
    let command = format!("exec {exe} --dataset ml-100k --data-dir {data}");
    let Some(tmux) = Tmux::start("demo", work.path(), &command, (160, 48)) else {
        return;
    };
    // The first start trains (a gauge), then Explore shows user 1, the Users pane focused.
    tmux.wait_for("Top-10 for user 1 ", 600);

    // 1. Esc on the opening screen does not quit.
    tmux.keys(&["Escape"]);
    std::thread::sleep(Duration::from_secs(1));
    assert!(tmux.alive(), "Esc on the opening Explore screen quit");
    let screen = tmux.screen();
    assert!(screen.contains("Top-10 for user 1 "), "{screen}");

    // 3. A what-if survives moving the user selection away and back.
    tmux.keys(&["l", "Space"]);
    let screen = tmux.wait_for("If you hadn't liked", 60);
    assert_eq!(crossed(&screen), 1, "{screen}");
    let row = pane(&screen, "┌ History · ")
        .into_iter()
        .find(|l| l.starts_with('✗'))
        .unwrap_or_else(|| panic!("no ✗ row in History:\n{screen}"));
    // "✗ ★5 1 Toy Story (1995)  Animation|…": the title after the stars and the id.
    let toggled = row
        .splitn(4, ' ')
        .nth(3)
        .unwrap()
        .split("  ")
        .next()
        .unwrap();
    let toggled = toggled.trim_end_matches('…').to_string();
    tmux.keys(&["h", "j"]);
    let screen = tmux.wait_for("Top-10 for user 2 ", 30);
    assert_eq!(
        crossed(&screen),
        0,
        "user 2 has no what-if of their own:\n{screen}"
    );
    tmux.keys(&["k"]);
    let screen = tmux.wait_for("Top-10 for user 1 — after incremental retrain", 600);
    assert_eq!(crossed(&screen), 1, "the what-if was lost:\n{screen}");
    assert!(
        pane(&screen, "┌ History · ")
            .iter()
            .any(|l| l.starts_with('✗') && l.contains(&toggled)),
        "{toggled} is no longer marked ✗:\n{screen}"
    );
    let whatif = joined(&pane(&screen, "What if I hadn't liked"));
    assert!(
        whatif.contains(&format!("If you hadn't liked {toggled}")),
        "{whatif}"
    );

    // 4. Space on a "Because you liked" row toggles that like (Users → History → Recs → Why → Because).
    tmux.keys(&["l", "l", "l", "l"]);
    let screen = tmux.wait_for("Because you liked · space: what if not", 30);
    let rows: Vec<String> = pane(&screen, "Because you liked ·")
        .iter()
        .filter(|l| l.contains('│'))
        .map(|l| {
            let name = l.split('│').next().unwrap().split(" →").next().unwrap();
            name.trim().trim_end_matches('…').to_string()
        })
        .collect();
    assert!(rows.len() >= 2, "Because rows {rows:?}:\n{screen}");
    let because = rows[1].clone();
    tmux.keys(&["j", "Space"]);
    let screen = tmux.wait_until("a second ✗ in History", 60, |s| crossed(s) == 2);
    let whatif = joined(&pane(&screen, "What if I hadn't liked"));
    assert!(
        whatif.contains(&toggled) && whatif.contains(&because),
        "the what-if should be about {toggled} and {because}: {whatif}"
    );

    // 2. q with an unexported what-if asks first; Esc cancels the prompt.
    tmux.keys(&["q"]);
    let screen = tmux.wait_for("Unexported session", 30);
    assert!(
        screen.contains("e export and quit") && screen.contains("Esc cancel"),
        "{screen}"
    );
    std::thread::sleep(Duration::from_millis(500));
    assert!(tmux.alive(), "q quit without asking");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the quit prompt to close", 30, |s| {
        !s.contains("Unexported session")
    });
    assert!(tmux.alive(), "Esc on the quit prompt quit");

    // 5. m on the last top-10 item finds a minimal set; a applies it and the item leaves. The
    //    minimal set is about the model's own list: with the what-if on, m says to reset first.
    //    (Because → Why → top-10.)
    tmux.keys(&["h", "h", "G", "m"]);
    tmux.wait_for("r clears the what-if first", 30);
    tmux.keys(&["r"]);
    let screen = tmux.wait_until("the Why pane on #10", 30, |s| {
        why(s).is_some_and(|(_, id)| top10_ids(s).last() == Some(&id))
    });
    let (title, id) = why(&screen).unwrap();
    let title: String = title.trim_end_matches('…').chars().take(16).collect();
    tmux.keys(&["m"]);
    // The sentence wraps where its film titles put it: read the pane's lines joined.
    tmux.wait_until("\"a applies it as the what-if\"", 600, |s| {
        s.contains("What if I hadn't liked")
            && joined(&pane(s, "What if I hadn't liked")).contains("a applies it as the what-if")
    });
    tmux.keys(&["a"]);
    let screen = tmux.wait_until(&format!("\"left: … {title}\""), 60, |s| {
        s.lines()
            .any(|l| l.contains("└ left: ") && l.contains(&title))
    });
    let ids = top10_ids(&screen);
    assert_eq!(ids.len(), 10, "{screen}");
    assert!(
        !ids.contains(&id),
        "{title} (id {id}) is still listed:\n{screen}"
    );

    // 6. Export once the retrain of the applied set is on screen.
    let screen = tmux.wait_for("Top-10 for user 1 — after incremental retrain", 600);
    assert!(!top10_ids(&screen).contains(&id), "{screen}");
    tmux.keys(&["e"]);
    let screen = tmux.wait_for("exported the session", 60);
    let name = screen
        .split_whitespace()
        .filter_map(|w| w.rsplit('/').next())
        .find(|w| w.starts_with("session-") && w.ends_with(".json"))
        .unwrap_or_else(|| panic!("no reports/session-N.json named:\n{screen}"));
    let json = work.path().join("reports").join(name);
    let text = std::fs::read_to_string(&json).unwrap();
    let record: serde_json::Value = serde_json::from_str(&text).unwrap();
    let seed = &record["settings"]["seed"];
    assert!(seed.is_u64(), "no seed: {text}");
    let entries = record["entries"].as_array().expect("entries");
    assert!(!entries.is_empty(), "no what-if: {text}");
    for e in entries {
        assert!(
            e["model"].as_str().is_some_and(|m| !m.is_empty()),
            "model: {e}"
        );
        assert!(e["knob"].is_number(), "knob: {e}");
        assert!(
            e["instant"]["top"]
                .as_array()
                .is_some_and(|t| !t.is_empty()),
            "{e}"
        );
    }
    assert!(
        entries.iter().any(|e| e["retrain"]["top"]
            .as_array()
            .is_some_and(|t| t.len() == 10)),
        "no retrained table: {text}"
    );
    let sets = record["minimal_sets"].as_array().expect("minimal_sets");
    assert!(
        sets.iter()
            .any(|m| m["movie"]["movie_id"].as_u64() == id.parse().ok()
                && m["model"].as_str().is_some_and(|s| !s.is_empty())
                && m["removed"].as_array().is_some_and(|r| !r.is_empty())),
        "no minimal set for {id}: {text}"
    );

    // 7. The replay asks the same questions again and every number matches.
    let out = Command::new(BIN)
        .args(["--dataset", "ml-100k", "--data-dir"])
        .arg(&data_dir)
        .args(["session", "replay"])
        .arg(&json)
        .current_dir(work.path())
        .output()
        .expect("replay runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "replay failed:\n{stdout}\n{stderr}");
    assert!(
        stdout.contains("Every number matches the record.") && !stdout.contains("DIFFERS"),
        "{stdout}"
    );
    assert!(stdout.contains("match    minimal set 1"), "{stdout}");

    // 9. Everything is exported: q quits at once.
    tmux.keys(&["q"]);
    tmux.wait_gone(30);
    drop(tmux);

    // 8. The tour (same folder: the model is cached): → through every step.
    let command = format!("exec {exe} --dataset ml-100k --data-dir {data} --tour");
    let tour =
        Tmux::start("tour", work.path(), &command, (160, 48)).expect("tmux ran a moment ago");
    let screen = tour.wait_for("Tour 1/", 600);
    let caption = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("Tour "))
            .map(str::to_string)
    };
    let total: usize = caption(&screen).unwrap()["Tour 1/".len()..]
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .expect("Tour 1/N");
    let mut captions = BTreeMap::new();
    for step in 1..=total {
        let at = format!("Tour {step}/{total} · ");
        let screen = tour.wait_until(&format!("{at:?}"), 600, |s| {
            caption(s).is_some_and(|c| c.starts_with(&at))
        });
        // A retrain or search landing later rewrites the caption: keep the settled one.
        let (mut last, mut since) = (caption(&screen).unwrap(), Instant::now());
        let end = Instant::now() + Duration::from_secs(60);
        while since.elapsed() < Duration::from_secs(1) && Instant::now() < end {
            std::thread::sleep(Duration::from_millis(200));
            let now = caption(&tour.screen()).unwrap_or_default();
            if now != last {
                (last, since) = (now, Instant::now());
            }
        }
        captions.insert(step, last.strip_prefix(&at).unwrap_or(&last).to_string());
        if step < total {
            tour.keys(&["Right"]);
        }
    }
    let distinct: std::collections::BTreeSet<&String> = captions.values().collect();
    assert!(
        distinct.len() >= 6,
        "fewer than six distinct captions: {captions:#?}"
    );
}
