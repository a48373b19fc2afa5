//! Snapshot tests of every TUI screen, drawn into ratatui's `TestBackend` from a generated
//! synthetic fixture (no MovieLens data): the screen text must match `tests/snapshots/*.txt`
//! (`UPDATE_SNAPSHOTS=1 cargo test --release --test tui snapshots::` rewrites them after a
//! deliberate change).

use crate::tui_support;

use tui_support::{assert_snapshot, Rig};
use whyrec::tui::action::Action;
use whyrec::tui::tabs::explore::Retrain;
use whyrec::tui::{Phase, Tab};

const W: u16 = 120;
const H: u16 = 40;

fn retrain_done(app: &whyrec::tui::App) -> bool {
    matches!(
        app.explore
            .as_ref()
            .and_then(|x| x.view.as_ref())
            .map(|v| &v.retrain),
        Some(Retrain::Done { .. })
    )
}

#[test]
fn explore_tab_before_during_and_after_a_what_if() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), W, H);
    rig.press_all(&[Action::Down, Action::Down]);
    assert_snapshot("explore", &rig.screen());
    // Focus the history, pick the third like and toggle it: the instant refold is on the very next
    // frame, with the retrain queued.
    rig.press_all(&[Action::Right, Action::Down, Action::Down, Action::Toggle]);
    assert_snapshot("explore_whatif_instant", &rig.screen());
    rig.wait_for("the retrain", retrain_done);
    assert_snapshot("explore_whatif_retrained", &rig.screen());
    // m answers for the model's own list: with the what-if on it says so; r clears it first.
    rig.press_all(&[Action::Right, Action::MinimalSet]);
    assert!(rig
        .app
        .banner
        .as_ref()
        .is_some_and(|b| b.text.contains("r clears the what-if")));
    rig.press_all(&[Action::Reset, Action::MinimalSet]);
    let searching = rig.screen();
    assert!(searching.contains("searching…"), "{searching}");
    rig.wait_for("the minimal set", |a| {
        a.explore
            .as_ref()
            .and_then(|x| x.view.as_ref())
            .is_some_and(|v| v.minimal_job.is_none())
    });
    assert_snapshot("explore_minimal_set", &rig.screen());
}

#[test]
fn users_filter_and_sort() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), W, H);
    rig.press_all(&[
        Action::Search,
        Action::Type('F'),
        Action::Enter,
        Action::Sort,
    ]);
    assert_snapshot("explore_filtered_sorted", &rig.screen());
}

#[test]
fn every_other_tab() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), W, H);
    rig.wait_for("the dataset statistics", |a| a.dataset.report.is_some());
    rig.press(Action::GoTab(3));
    assert_snapshot("dataset", &rig.screen());
    rig.press(Action::GoTab(4));
    assert_eq!(rig.app.tab, Tab::Compare);
    rig.wait_for("the compared models", |a| a.compare.lists.is_some());
    assert_snapshot("compare", &rig.screen());
    rig.press(Action::GoTab(5));
    let search: Vec<Action> = "the".chars().map(Action::Type).collect();
    rig.press(Action::Search);
    rig.press_all(&search);
    rig.press_all(&[
        Action::Enter,
        Action::Toggle,
        Action::Down,
        Action::Down,
        Action::Toggle,
    ]);
    rig.press_all(&[Action::Right, Action::Right]);
    assert_snapshot("build", &rig.screen());
}

#[test]
fn trust_and_fairness_tabs_loading_then_loaded_and_the_knob() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), W, H);
    // Opening the tab starts the work; the very next frame shows the queued gauge.
    rig.press(Action::GoTab(1));
    assert_snapshot("trust_loading", &rig.screen());
    rig.wait_for("the trust metrics", |a| a.trust.results.done().is_some());
    assert_snapshot("trust", &rig.screen());
    rig.press_all(&[Action::KnobUp; 6]);
    assert_snapshot("trust_knob", &rig.screen());
    rig.press(Action::Resize {
        width: 80,
        height: 24,
    });
    assert_snapshot("trust_small", &rig.screen());
    rig.press(Action::Resize {
        width: W,
        height: H,
    });
    rig.press(Action::GoTab(0));
    assert_snapshot("explore_knob", &rig.screen());
    rig.press(Action::GoTab(2));
    assert_snapshot("fairness_loading", &rig.screen());
    rig.wait_for("the fairness audit", |a| a.fairness.audit.done().is_some());
    assert_snapshot("fairness", &rig.screen());
    rig.press_all(&[Action::Right, Action::Right, Action::MinimalSet]);
    assert_snapshot("fairness_occupation", &rig.screen());
    rig.press(Action::Resize {
        width: 80,
        height: 24,
    });
    assert_snapshot("fairness_small", &rig.screen());
}

#[test]
fn help_small_terminal_and_start_screens() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), W, H);
    rig.press(Action::Help);
    assert_snapshot("help", &rig.screen());
    // The whole list fits the smallest terminal too.
    rig.press(Action::Resize {
        width: 80,
        height: 24,
    });
    let small = rig.screen();
    assert!(small.contains("↓") && small.contains("more"), "{small}");
    assert_snapshot("help_small", &small);
    // Scrolled to the end, the last keys show.
    rig.press(Action::End);
    let end = rig.screen();
    assert!(
        end.contains("open the built user") && end.contains("↑"),
        "{end}"
    );
    rig.press(Action::Resize {
        width: 60,
        height: 20,
    });
    assert_snapshot("too_small", &rig.screen());

    let mut rig = Rig::new(tui_support::options(dir.path(), "ml-100k"), W, H);
    if let Phase::Starting(s) = &mut rig.app.phase {
        s.label = "training hybrid-als: sweep 3 of 15".into();
        s.fraction = 0.55;
        s.log = vec![
            "data folder: /data (from --data-dir)".into(),
            "loaded ml-100k".into(),
        ];
    }
    assert_snapshot("starting", &rig.screen());
    rig.app.phase = Phase::Failed("could not download ml-100k: connection refused".into());
    assert_snapshot("failed", &rig.screen());
}
