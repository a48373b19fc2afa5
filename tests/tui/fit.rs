//! No value cut mid-number, at any size from the smallest supported terminal (80×24) up: every tab
//! in several states (a what-if retrained, a minimal set, the zooms, the knob, every Fairness
//! attribute, Build-a-user with demographics and ratings) is drawn into ratatui's
//! `TestBackend` at 80×24, 100×30, 120×40 and 160×48, on the real ML-100K and on the synthetic
//! fixture. The fixture's frames at 80×24 and 160×48 are also kept as snapshots
//! (`tests/snapshots/fit_*`).
//!
//! The check: the same state is drawn again 400 columns wide at the same height, where nothing
//! needs cutting. Every number on the small screen must be a number of the wide one, its word
//! must not end in `…` right after a digit, and when it touches a pane's border it must not be,
//! after the same word, the start of a longer number of the wide screen. A cut "+0.60" of "+0.603", "q99 36" of "q99 368",
//! "(id 4" of "(id 475)" or "(199…" fails.

use std::collections::{HashMap, HashSet};

use crate::tui_support::{assert_snapshot, Rig};
use whyrec::tui::action::Action;
use whyrec::tui::tabs::explore::Retrain;
use whyrec::tui::{App, Tab};

const SIZES: [(u16, u16); 4] = [(80, 24), (100, 30), (120, 40), (160, 48)];
const WIDE: u16 = 400;

/// The numbers in a word: maximal runs of digits with inner `.`.
fn runs(word: &str) -> impl Iterator<Item = String> + '_ {
    let chars: Vec<char> = word.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len()
            && (chars[i].is_ascii_digit()
                || (i > start
                    && chars[i] == '.'
                    && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
        {
            i += 1;
        }
        if i > start {
            out.push(chars[start..i].iter().collect());
        } else {
            i += 1;
        }
    }
    out.into_iter()
}

fn is_box(c: char) -> bool {
    ('\u{2500}'..='\u{257f}').contains(&c)
}

/// The words of every pane segment of a screen: a row split at box-drawing characters, each
/// piece split at spaces; with whether the word touches the border after it.
fn segments(screen: &str) -> Vec<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for row in screen.lines() {
        let chars: Vec<char> = row.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let start = i;
            while i < chars.len() && !is_box(chars[i]) {
                i += 1;
            }
            let piece: String = chars[start..i].iter().collect();
            let touches = i < chars.len();
            let words: Vec<&str> = piece.split_whitespace().collect();
            let ends_in_word = !piece.ends_with(' ');
            let n = words.len();
            out.push(
                words
                    .iter()
                    .enumerate()
                    .map(|(k, w)| (w.to_string(), k + 1 == n && touches && ends_in_word))
                    .collect(),
            );
            i += 1;
        }
    }
    out
}

/// The cut numbers of `small` (one frame) against `wide` (the same state 400 columns wide): each
/// number of a word must be a number of the wide screen, the word must not end in `…` right after a
/// digit, and when it touches a border it must not be, after the same word, the start of a longer
/// number of the wide screen.
fn cut_numbers(small: &str, wide: &str) -> Vec<String> {
    let wide = segments(wide);
    let numbers: HashSet<String> = wide.iter().flatten().flat_map(|w| runs(&w.0)).collect();
    let mut after: HashMap<&str, HashSet<&str>> = HashMap::new();
    for s in &wide {
        for p in s.windows(2) {
            after
                .entry(p[0].0.as_str())
                .or_default()
                .insert(p[1].0.as_str());
        }
    }
    let mut cut = Vec::new();
    for segment in segments(small) {
        for (k, (word, touches)) in segment.iter().enumerate() {
            if !word.chars().any(|c| c.is_ascii_digit()) {
                continue;
            }
            let ellipsis = word
                .strip_suffix('…')
                .is_some_and(|w| w.ends_with(|c: char| c.is_ascii_digit()));
            // Touching a border after the same word that, wide, is followed by a longer number
            // starting with this one.
            let followers = k
                .checked_sub(1)
                .filter(|_| *touches)
                .and_then(|p| after.get(segment[p].0.as_str()));
            let unpaired = followers.is_some_and(|f| {
                !f.contains(word.as_str())
                    && f.iter()
                        .any(|w| w.len() > word.len() && w.starts_with(word.as_str()))
            });
            let unknown = runs(word).any(|n| !numbers.contains(&n));
            if ellipsis || unknown || unpaired {
                let line: Vec<&str> = segment.iter().map(|w| w.0.as_str()).collect();
                cut.push(format!("{word:?} in {:?}", line.join(" ")));
            }
        }
    }
    cut
}

/// The frames of one state: (size, screen text).
type Frames = Vec<((u16, u16), String)>;

/// Draws the current state at every size and checks it; returns the frames by size.
fn check(rig: &mut Rig, what: &str) -> Frames {
    let mut frames = Vec::new();
    for (w, h) in SIZES {
        rig.press(Action::Resize {
            width: WIDE,
            height: h,
        });
        let wide = rig.screen();
        rig.press(Action::Resize {
            width: w,
            height: h,
        });
        let small = rig.screen();
        let cut = cut_numbers(&small, &wide);
        assert!(
            cut.is_empty(),
            "{what} at {w}×{h}: numbers cut:\n{}\n--- screen\n{small}--- wide\n{wide}",
            cut.join("\n")
        );
        frames.push(((w, h), small));
    }
    frames
}

fn view_done(app: &App) -> bool {
    let v = app.explore.as_ref().and_then(|x| x.view.as_ref());
    v.is_some_and(|v| !matches!(v.retrain, Retrain::Running { .. }) && v.minimal_job.is_none())
}

/// Walks every tab through its states, checking each; `keep` receives (state name, frames).
fn walk(rig: &mut Rig, keep: &mut dyn FnMut(&str, Frames)) {
    let mut step = |rig: &mut Rig, name: &str| {
        let frames = check(rig, name);
        keep(name, frames);
    };
    step(rig, "explore");
    // A what-if on the second like, retrained.
    rig.press_all(&[Action::Right, Action::Down, Action::Toggle]);
    rig.wait_for("the retrain", |a| {
        view_done(a)
            && a.explore
                .as_ref()
                .and_then(|x| x.view.as_ref())
                .is_some_and(|v| matches!(v.retrain, Retrain::Done { .. }))
    });
    step(rig, "explore_whatif");
    // The minimal set of the first item (the what-if reset first), then the Because pane.
    rig.press_all(&[Action::Right, Action::Reset, Action::MinimalSet]);
    rig.wait_for("the minimal set", view_done);
    step(rig, "explore_minimal_set");
    rig.press(Action::Right);
    step(rig, "explore_why");
    rig.press(Action::Zoom);
    step(rig, "explore_zoom_why");
    rig.press_all(&[Action::Zoom, Action::Right]);
    step(rig, "explore_because");
    rig.press(Action::Zoom);
    step(rig, "explore_zoom_because");
    rig.press_all(&[Action::Zoom, Action::Right, Action::Zoom]);
    step(rig, "explore_zoom_whatif");
    rig.press(Action::Zoom);
    rig.press(Action::GoTab(1));
    rig.wait_for("the trust metrics", |a| a.trust.results.done().is_some());
    step(rig, "trust");
    rig.press_all(&[Action::KnobUp; 4]);
    step(rig, "trust_knob");
    rig.press(Action::GoTab(0));
    step(rig, "explore_knob");
    rig.press(Action::KnobReset);
    rig.press(Action::GoTab(2));
    rig.wait_for("the fairness audit", |a| a.fairness.audit.done().is_some());
    step(rig, "fairness");
    rig.press_all(&[Action::Right, Action::MinimalSet]);
    step(rig, "fairness_age");
    rig.press(Action::Right);
    step(rig, "fairness_occupation");
    rig.wait_for("the dataset statistics", |a| a.dataset.report.is_some());
    rig.press(Action::GoTab(3));
    step(rig, "dataset");
    rig.press(Action::GoTab(4));
    rig.wait_for("the compared models", |a| a.compare.lists.is_some());
    step(rig, "compare");
    rig.press(Action::GoTab(5));
    step(rig, "build_empty");
    rig.press(Action::Search);
    rig.press_all(&"the".chars().map(Action::Type).collect::<Vec<_>>());
    rig.press_all(&[
        Action::Enter,
        Action::Toggle,
        Action::Down,
        Action::Toggle,
        Action::Down,
        Action::Toggle,
        Action::Right,
        Action::Toggle,
        Action::Down,
        Action::Toggle,
        Action::Right,
    ]);
    step(rig, "build");
    assert_eq!(rig.app.tab, Tab::Build);
}

#[test]
fn fixture_every_tab_at_every_size_keeps_numbers_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 160, 48);
    let mut states = 0;
    walk(&mut rig, &mut |name, frames| {
        states += 1;
        for ((w, h), frame) in frames {
            if (w, h) == (80, 24) || (w, h) == (160, 48) {
                assert_snapshot(&format!("fit_{name}_{w}x{h}"), &frame);
            }
        }
    });
    assert_eq!(states, 18);
}

#[test]
fn ml100k_every_tab_at_every_size_keeps_numbers_whole() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ml100k(dir.path(), 160, 48);
    let mut states = 0;
    walk(&mut rig, &mut |_, _| states += 1);
    assert_eq!(states, 18);
}

#[test]
fn the_check_finds_cut_numbers() {
    let wide = "│q99 368 · max 737│\n│Under 18 36│\n┌ Why Trainspotting (id 475) ┐";
    assert_eq!(cut_numbers("│q99 36│", wide).len(), 1);
    assert_eq!(cut_numbers("│max 7…│", wide).len(), 1);
    assert_eq!(cut_numbers("│q99 368 · max 737│", wide).len(), 0);
    assert_eq!(cut_numbers("│q99 368 · max 7│", wide).len(), 1);
    assert_eq!(cut_numbers("│Under 18 36│", wide).len(), 0);
    assert_eq!(cut_numbers("┌ Why Trainspotting (id 4┐", wide).len(), 1);
    assert_eq!(cut_numbers("┌ Why Trainsp… (id 475) ┐", wide).len(), 0);
    assert_eq!(cut_numbers("│+0.60│", "│+0.603│").len(), 1);
}

/// Titles in the top-10 are whole or visibly cut ("…"), at every size, on ML-100K's long titles.
#[test]
fn top10_titles_are_whole_or_end_in_an_ellipsis() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ml100k(dir.path(), 160, 48);
    let engine = rig.app.engine.clone().unwrap();
    let mut checked = 0;
    // Users 1..=40, whose lists hold long titles ("Dr. Strangelove or: …").
    for _ in 0..40 {
        for (w, h) in SIZES {
            rig.press(Action::Resize {
                width: w,
                height: h,
            });
            let screen = rig.screen();
            let recs = rig.app.regions().pane(whyrec::tui::ui::layout::Pane::Recs);
            let rows: Vec<&str> = screen.lines().collect();
            let v = rig.app.explore.as_ref().unwrap().view.as_ref().unwrap();
            for (n, r) in v.shown().recs.iter().enumerate() {
                let row: String = rows[usize::from(recs.y) + 2 + n]
                    .chars()
                    .skip(usize::from(recs.x))
                    .take(usize::from(recs.width))
                    .collect();
                let title = whyrec::tui::ui::widgets::strip_year(engine.title(r.item));
                let chars: Vec<char> = title.chars().collect();
                let cut = (1..chars.len()).any(|k| {
                    let prefix: String = chars[..k].iter().collect();
                    row.contains(&format!("{}…", prefix.trim_end()))
                });
                assert!(
                    row.contains(title) || cut,
                    "{w}×{h}: {title:?} neither whole nor cut with …: {row:?}"
                );
                checked += 1;
            }
        }
        rig.press(Action::Down);
    }
    assert_eq!(checked, 40 * SIZES.len() * 10);
}
