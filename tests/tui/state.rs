//! State tests of the TUI without a terminal: a toggle gives the instant refold in the same
//! update, the worker's retrain then replaces it, the newest request wins, reset cancels, a
//! panicking worker leaves an error banner and a running UI; explanations add up to the scores
//! shown; filter, sort, Build-a-user, export and start-up from a folder.

use crate::tui_support;

use tui_support::Rig;
use whyrec::engine::{FactorModel, Scorer};
use whyrec::tui::action::Action;
use whyrec::tui::adapter::RetrainView;
use whyrec::tui::tabs::explore::{Retrain, UserView};
use whyrec::tui::ui::layout::Pane;
use whyrec::tui::{App, Phase};

fn view(app: &App) -> &UserView {
    app.explore.as_ref().unwrap().view.as_ref().unwrap()
}

fn done(app: &App) -> bool {
    matches!(view(app).retrain, Retrain::Done { .. } | Retrain::Failed(_))
}

/// Focuses the history pane and toggles the like in row `row`.
fn toggle_row(rig: &mut Rig, row: usize) {
    let x = rig.app.explore.as_mut().unwrap();
    x.focus = Pane::History;
    let len = x.view.as_ref().unwrap().profile.likes.len();
    x.view.as_mut().unwrap().history.select(row, len, 10);
    rig.press(Action::Toggle);
}

#[test]
fn toggle_shows_the_instant_refold_then_the_retrain_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let engine = rig.app.engine.clone().unwrap();
    let base = view(&rig.app).base.clone();
    toggle_row(&mut rig, 0);
    let v = view(&rig.app);
    let removed = v.removed.clone();
    assert_eq!(removed.len(), 1);
    // The instant result is there before any worker event was handled.
    let w = v.whatif.as_ref().expect("instant what-if");
    // The refold's scores are the model's for the history without the removed like, and no
    // original like (the removed one included) is recommended.
    let kept: Vec<u32> = v
        .profile
        .likes
        .iter()
        .copied()
        .filter(|i| !removed.contains(i))
        .collect();
    let folded = engine.model().fold_in(&kept, &v.profile.features);
    let mut scores = vec![0.0; engine.model().n_items()];
    engine.model().score_folded(&folded, &mut scores);
    assert_eq!(w.after.recs.len(), 10);
    for r in &w.after.recs {
        assert!((scores[r.item as usize] - r.score).abs() < 1e-5);
        assert!(!v.profile.likes.contains(&r.item));
        assert_eq!(
            r.previous_rank,
            base.recs.iter().find(|b| b.item == r.item).map(|b| b.rank)
        );
    }
    assert!(
        w.sentence.starts_with("If you hadn't liked"),
        "{}",
        w.sentence
    );
    assert_eq!(v.shown(), &w.after);
    let instant: Vec<u32> = w.after.recs.iter().map(|r| r.item).collect();
    let job = rig
        .app
        .explore
        .as_ref()
        .unwrap()
        .awaited_job()
        .expect("retrain submitted");
    assert_eq!(rig.app.session.entries.len(), 1);

    rig.wait_for("the retrain", done);
    let v = view(&rig.app);
    let Retrain::Done {
        job: finished,
        result,
    } = &v.retrain
    else {
        panic!("retrain failed: {:?}", v.retrain)
    };
    assert_eq!(*finished, job);
    assert_eq!(result.removed, removed);
    assert_eq!(v.shown(), &result.after);
    assert!(result.same_places <= result.overlap && result.overlap <= 10);
    // Every place the two answers disagree on is listed, with the gaps that decide it.
    let retrained: Vec<u32> = result.after.recs.iter().map(|r| r.item).collect();
    let differing: Vec<usize> = (0..instant.len().min(retrained.len()))
        .filter(|&p| instant[p] != retrained[p])
        .map(|p| p + 1)
        .collect();
    assert_eq!(
        result
            .differences
            .iter()
            .map(|d| d.rank)
            .collect::<Vec<_>>(),
        differing
    );
    assert_eq!(result.same_places, 10 - differing.len());
    for d in &result.differences {
        assert_eq!(
            (instant[d.rank - 1], retrained[d.rank - 1]),
            (d.instant, d.retrained)
        );
        assert!(d.instant_gap.is_finite() && d.retrain_gap.is_finite());
    }
    // The retrained list follows the served rule like every other list: no movie the user rated
    // (at any stars) or its twin, the same candidates as the engine's.
    let engine = rig.app.engine.clone().unwrap();
    let user = v.profile.user.unwrap();
    let candidates = engine.explainer.candidates();
    assert!(!candidates.seen(user).is_empty());
    for r in &result.after.recs {
        assert!(
            !candidates.is_seen(Some(user), &[], r.item),
            "retrained list holds rated movie {}",
            r.item
        );
    }
    assert_eq!(
        result.explainer.candidates().seen(user),
        candidates.seen(user),
        "the retrained explainer keeps the served candidates"
    );
    // One answer on screen: the sentence and the leaving items describe the retrained list.
    let base: Vec<u32> = v.base.recs.iter().map(|r| r.item).collect();
    let after: Vec<u32> = result.after.recs.iter().map(|r| r.item).collect();
    let entering: Vec<&str> = after
        .iter()
        .filter(|i| !base.contains(i))
        .map(|&i| engine.title(i))
        .collect();
    if !entering.is_empty() {
        assert!(
            entering.iter().any(|t| result.sentence.contains(t)),
            "{:?} names none of {entering:?}",
            result.sentence
        );
    }
    for &(item, rank) in &result.leaving {
        assert!(!after.contains(&item) && base.get(rank - 1) == Some(&item));
    }

    let logged = rig.app.session.entries[0]
        .retrain
        .as_ref()
        .expect("retrain logged");
    assert_eq!(logged.same_places, result.same_places);
    assert_eq!(logged.sentence, result.sentence);
    assert_eq!(
        logged
            .differences
            .iter()
            .map(|d| d.rank)
            .collect::<Vec<_>>(),
        result
            .differences
            .iter()
            .map(|d| d.rank)
            .collect::<Vec<_>>()
    );
    let notes = rig.app.session.markdown();
    for d in &logged.differences {
        assert!(
            notes.contains(&format!("- #{}: instant {}", d.rank, d.instant.title)),
            "{notes}"
        );
    }
    // Explanations of the retrained list add up to its scores.
    let d = v.detail.as_ref().unwrap();
    let shown = v.shown().recs[v.recs.selected].score;
    let sum: f32 = d.attribution.parts.iter().map(|p| p.1).sum();
    assert!((sum - shown).abs() < 1e-3, "{sum} vs {shown}");
    let screen = rig.screen();
    assert!(screen.contains("the instant answer agreed"), "{screen}");
}

#[test]
fn space_outside_the_history_hints_and_the_hint_goes_once_used() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    rig.app.explore.as_mut().unwrap().focus = Pane::Users;
    rig.press(Action::Toggle);
    let hint = rig.app.banner.clone().expect("a hint");
    assert!(!hint.error && hint.text.contains("History"), "{hint:?}");
    assert!(view(&rig.app).removed.is_empty(), "nothing toggled");
    toggle_row(&mut rig, 0);
    assert!(rig.app.banner.is_none(), "{:?}", rig.app.banner);
    assert_eq!(view(&rig.app).removed.len(), 1);
}

#[test]
fn newest_toggle_wins_and_reset_cancels() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let mut jobs = Vec::new();
    for row in 0..5 {
        toggle_row(&mut rig, row);
        jobs.push(rig.app.explore.as_ref().unwrap().awaited_job().unwrap());
    }
    assert!(jobs.windows(2).all(|w| w[0] < w[1]), "{jobs:?}");
    let last_removed = view(&rig.app).removed.clone();
    assert_eq!(last_removed.len(), 5);
    rig.wait_for("the newest retrain", done);
    let Retrain::Done { job, result } = &view(&rig.app).retrain else {
        panic!("{:?}", view(&rig.app).retrain)
    };
    assert_eq!(
        *job,
        *jobs.last().unwrap(),
        "only the newest job's result is shown"
    );
    assert_eq!(result.removed, last_removed);
    // Events of older jobs that still arrive change nothing.
    std::thread::sleep(std::time::Duration::from_millis(50));
    rig.drain();
    assert!(
        matches!(&view(&rig.app).retrain, Retrain::Done { job: j, .. } if j == jobs.last().unwrap())
    );

    toggle_row(&mut rig, 7);
    assert!(rig.app.explore.as_ref().unwrap().awaited_job().is_some());
    rig.press(Action::Reset);
    let v = view(&rig.app);
    assert!(v.removed.is_empty() && v.whatif.is_none());
    assert_eq!(v.retrain, Retrain::Idle);
    assert_eq!(v.shown(), &v.base);
    std::thread::sleep(std::time::Duration::from_millis(100));
    rig.drain();
    assert_eq!(
        view(&rig.app).retrain,
        Retrain::Idle,
        "a cancelled retrain never lands"
    );
}

#[test]
fn a_panicking_worker_shows_a_banner_and_the_ui_keeps_running() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    toggle_row(&mut rig, 0);
    rig.app
        .submit_retrain_job(Box::new(|_| -> Result<RetrainView, String> {
            panic!("injected failure")
        }));
    rig.wait_for("the panic", done);
    let banner = rig.app.banner.clone().expect("banner");
    assert!(
        banner.error && banner.text.contains("injected failure"),
        "{banner:?}"
    );
    assert!(matches!(&view(&rig.app).retrain, Retrain::Failed(m) if m.contains("injected")));
    let screen = rig.screen();
    assert!(screen.contains("injected failure"), "{screen}");
    // The worker lives on: the next toggle retrains normally.
    rig.press(Action::Back);
    assert!(rig.app.banner.is_none() && !rig.app.quit);
    toggle_row(&mut rig, 1);
    rig.wait_for("the next retrain", done);
    assert!(matches!(view(&rig.app).retrain, Retrain::Done { .. }));
}

#[test]
fn explanations_add_up_and_the_minimal_set_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let engine = rig.app.engine.clone().unwrap();
    for user in [0u32, 5, 17, 60] {
        let profile = engine.profile_of(user);
        let top = engine.top(&profile);
        for r in &top.recs {
            let a = engine.attribution(&profile, &[], r.item);
            let sum: f32 = a.parts.iter().map(|p| p.1).sum();
            assert!(
                (sum - r.score).abs() < 1e-3,
                "user {user} item {}: {sum} vs {}",
                r.item,
                r.score
            );
            assert!(a.parts.iter().any(|p| p.0 == "collaborative"));
            let i = engine.influences(&profile, &[], r.item);
            // The exact shares (third field) add up to the score; the bars are measured drops.
            let total: f32 = i.items.iter().map(|p| p.2).sum::<f32>() + i.demographic;
            assert!((total - r.score).abs() < 1e-3, "{total} vs {}", r.score);
            assert!(
                i.items.windows(2).all(|w| w[0].1 >= w[1].1),
                "largest drop first"
            );
        }
        let item = top.recs[0].item;
        let set = engine.minimal_set(&profile, item);
        assert!(!set.sentence.is_empty());
        if !set.removed.is_empty() {
            let after = engine.what_if(&profile, &top, &set.removed).after;
            assert!(
                after.recs.iter().all(|r| r.item != item),
                "the set removes the item"
            );
        }
    }
    rig.press_all(&[Action::Right, Action::Right, Action::MinimalSet]);
    assert!(view(&rig.app).minimal_job.is_some(), "searched on a worker");
    rig.wait_for("the minimal set", |a| view(a).minimal_job.is_none());
    let m = view(&rig.app).minimal.clone().expect("a minimal set");
    assert_eq!(m, engine.minimal_set(&view(&rig.app).profile, m.item));
    assert_ne!(m.sentence, "searching…");
    rig.press(Action::Back);
    assert!(
        view(&rig.app).minimal.is_none() && !rig.app.quit,
        "Esc closes the set first"
    );
    rig.press(Action::Back);
    assert!(
        !rig.app.quit
            && rig
                .app
                .banner
                .as_ref()
                .is_some_and(|b| b.text.contains("q quits")),
        "then Esc has nothing to close: it says how to quit and never quits"
    );
}

#[test]
fn users_filter_sort_build_a_user_and_export() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    rig.press_all(&[Action::Search, Action::Type('f')]);
    let users = &rig.app.explore.as_ref().unwrap().users;
    assert!(!users.view.is_empty() && users.view.len() < users.total());
    assert!((0..users.view.len()).all(|i| users.row(i).unwrap().gender == "F"));
    rig.press_all(&[Action::Back, Action::Sort]);
    let users = &rig.app.explore.as_ref().unwrap().users;
    assert_eq!(users.view.len(), users.total(), "Esc clears the filter");
    let likes: Vec<usize> = (0..users.view.len())
        .map(|i| users.row(i).unwrap().likes)
        .collect();
    assert!(likes.windows(2).all(|w| w[0] >= w[1]), "sorted by likes");
    assert_eq!(
        (users.cursor.selected, users.cursor.offset),
        (0, 0),
        "a new order shows from its top: the user with the most likes first and selected"
    );
    assert_eq!(users.row(0).unwrap().likes, *likes.iter().max().unwrap());
    let first = users.selected_user();
    assert_eq!(view(&rig.app).profile.user, first);

    rig.press(Action::GoTab(5));
    rig.press_all(&[
        Action::Toggle,
        Action::Down,
        Action::Toggle,
        Action::Down,
        Action::Toggle,
    ]);
    let b = rig.app.build.as_ref().unwrap();
    assert_eq!(b.likes().len(), 3);
    let recs = b.recs.as_ref().expect("recommendations at once");
    assert_eq!(recs.recs.len(), 10);
    assert!(recs.recs.iter().all(|r| !b.likes().contains(&r.item)));
    assert!(b.detail.is_some());
    rig.press(Action::Reset);
    assert!(rig.app.build.as_ref().unwrap().recs.is_none());

    rig.press(Action::GoTab(0));
    toggle_row(&mut rig, 2);
    rig.wait_for("the retrain", done);
    rig.press(Action::Export);
    let banner = rig.app.banner.clone().unwrap();
    assert!(!banner.error, "{}", banner.text);
    let json = std::fs::read_to_string(dir.path().join("reports/session-1.json")).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed["entries"].as_array().unwrap().len(), 1);
    assert!(parsed["entries"][0]["retrain"]["same_places"].is_u64());
    let md = std::fs::read_to_string(dir.path().join("reports/session-1.md")).unwrap();
    assert!(
        md.contains("## 1. User") && md.contains("places agree"),
        "{md}"
    );
}

#[test]
fn start_up_trains_then_reuses_the_cached_model() {
    let dir = tempfile::tempdir().unwrap();
    let folder = tui_support::write_fixture(dir.path());
    let options = tui_support::options(dir.path(), folder.to_str().unwrap());
    for expected in ["trained hybrid-als in", "(same data and settings"] {
        let mut rig = Rig::new(options.clone(), 120, 40);
        rig.app.start();
        rig.wait_for("start-up", |a| !matches!(a.phase, Phase::Starting(_)));
        if let Phase::Failed(e) = &rig.app.phase {
            panic!("start-up failed: {e}");
        }
        let log = rig.app.startup_log.join("\n");
        assert!(log.contains(expected), "{log}");
        assert!(
            log.contains("loaded synth-fixture: 120 users, 150 movies, 6000 ratings"),
            "{log}"
        );
        let screen = rig.screen();
        assert!(screen.contains("Top-10 for user 1"), "{screen}");
    }
}

#[test]
fn start_up_failure_is_a_screen_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-dataset");
    std::fs::create_dir_all(&missing).unwrap();
    let mut rig = Rig::new(
        tui_support::options(dir.path(), missing.to_str().unwrap()),
        120,
        40,
    );
    rig.app.start();
    rig.wait_for("start-up", |a| !matches!(a.phase, Phase::Starting(_)));
    assert!(matches!(rig.app.phase, Phase::Failed(_)));
    let screen = rig.screen();
    assert!(
        screen.contains("whyrec could not start") && screen.contains("--data-dir"),
        "{screen}"
    );
    rig.press(Action::Down);
    assert!(!rig.app.quit);
    rig.press(Action::Back);
    assert!(rig.app.quit);
}

#[test]
fn compare_keeps_warp_in_the_model_cache_and_reuses_it() {
    let dir = tempfile::tempdir().unwrap();
    let warp_files = || -> Vec<std::path::PathBuf> {
        std::fs::read_dir(dir.path().join("models"))
            .map(|rd| {
                rd.map(|e| e.unwrap().path())
                    .filter(|p| p.to_string_lossy().ends_with("-warp.whyrec"))
                    .collect()
            })
            .unwrap_or_default()
    };
    let lists = |rig: &mut Rig| {
        rig.press(Action::GoTab(4));
        rig.wait_for("the compared models", |a| a.compare.lists.is_some());
        format!("{:?}", rig.app.compare.lists)
    };
    let first = lists(&mut Rig::ready(dir.path(), 120, 40));
    let saved = warp_files();
    assert_eq!(saved.len(), 1, "{saved:?}");
    let written = std::fs::metadata(&saved[0]).unwrap().modified().unwrap();
    let second = lists(&mut Rig::ready(dir.path(), 120, 40));
    assert_eq!(first, second);
    assert_eq!(
        std::fs::metadata(&saved[0]).unwrap().modified().unwrap(),
        written,
        "the second start loads warp instead of retraining it"
    );
}
