//! The Explore tab's edges a presenter runs into, on the real ML-100K (trained in memory): a like
//! and its liked twin toggle together (every twin pair any user liked twice) and are told apart by
//! their ids in the "Because you liked" pane, a click on a
//! "Because you liked" row selects the row drawn there (scrolled, at 80×24 and 160×48), the
//! wheel over a pane that takes no focus scrolls nothing, `m` refuses while a what-if is on, and
//! each quit autosaves to a new file that says it is an autosave.

use crate::tui_support::Rig;
use whyrec::tui::action::Action;
use whyrec::tui::tabs::explore::UserView;
use whyrec::tui::ui::because_layout;
use whyrec::tui::ui::layout::Pane;
use whyrec::tui::App;

fn view(app: &App) -> &UserView {
    app.explore.as_ref().unwrap().view.as_ref().unwrap()
}

/// Shows dense user `user` in Explore as a user would: `/`, the id, Enter.
fn show(rig: &mut Rig, user: u32) {
    let id = rig.app.engine.as_ref().unwrap().dataset.user_id(user);
    // `/` filters the users from the Users pane (from History it filters titles).
    rig.press(Action::Back);
    rig.app.explore.as_mut().unwrap().focus = Pane::Users;
    rig.press(Action::Search);
    for _ in 0..8 {
        rig.press(Action::Backspace);
    }
    rig.press_all(&id.to_string().chars().map(Action::Type).collect::<Vec<_>>());
    rig.press(Action::Enter);
    assert_eq!(view(&rig.app).profile.user, Some(user));
}

/// Toggles like `item` on its History row.
fn toggle_like(rig: &mut Rig, item: u32) {
    let x = rig.app.explore.as_mut().unwrap();
    x.focus = Pane::History;
    let v = x.view.as_mut().unwrap();
    let row = (0..v.rows.len())
        .find(|&r| v.history_item(r) == Some((item, true)))
        .expect("the like's row");
    let len = v.rows.len();
    v.history.select(row, len, 10);
    rig.press(Action::Toggle);
}

#[test]
fn a_like_and_its_liked_twin_toggle_together() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ml100k(dir.path(), 160, 48);
    let engine = rig.app.engine.clone().unwrap();
    let twins = engine.explainer.candidates().twins();
    let mut pairs = 0;
    for user in 0..engine.dataset.n_users() as u32 {
        let likes: Vec<u32> = engine.positives().by_user.row(user as usize).to_vec();
        let Some((a, b)) = likes.iter().enumerate().find_map(|(n, &a)| {
            likes[n + 1..]
                .iter()
                .find(|&&b| twins.representative(b) == twins.representative(a))
                .map(|&b| (a, b))
        }) else {
            continue;
        };
        pairs += 1;
        show(&mut rig, user);
        toggle_like(&mut rig, b);
        let removed = &view(&rig.app).removed;
        assert!(
            removed.contains(&a) && removed.contains(&b),
            "user {}: hadn't liked {} means neither id: {removed:?}",
            engine.dataset.user_id(user),
            engine.title(a)
        );
        toggle_like(&mut rig, a);
        assert!(view(&rig.app).removed.is_empty(), "and back together");
    }
    assert!(pairs > 0, "ML-100K has users who liked both ids of a film");
}

#[test]
fn two_likes_of_one_film_are_told_apart_in_the_because_pane() {
    // User 1 liked "Chasing Amy" under both its ids: the pane names each row's id.
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ml100k(dir.path(), 160, 48);
    show(&mut rig, 0);
    let engine = rig.app.engine.clone().unwrap();
    let likes: Vec<u32> = view(&rig.app)
        .detail
        .as_ref()
        .unwrap()
        .influences
        .items
        .iter()
        .map(|p| p.0)
        .collect();
    let amy: Vec<u32> = likes
        .iter()
        .copied()
        .filter(|&i| engine.title(i).starts_with("Chasing Amy"))
        .collect();
    assert_eq!(amy.len(), 2, "both ids among user 1's likes");
    rig.app.explore.as_mut().unwrap().focus = Pane::Influence;
    let screen = rig.screen();
    for item in amy {
        let id = engine.dataset.item_id(item);
        for _ in 0..likes.len() {
            if rig.screen().contains(&format!("Chasing Amy (id {id})")) {
                break;
            }
            rig.press(Action::Down);
        }
        assert!(
            rig.screen().contains(&format!("Chasing Amy (id {id})")),
            "row of id {id}\n{screen}"
        );
    }
}

#[test]
fn a_click_on_a_because_row_selects_the_row_drawn_there() {
    for (width, height) in [(160, 48), (80, 24)] {
        let dir = tempfile::tempdir().unwrap();
        let mut rig = Rig::ml100k(dir.path(), width, height);
        // User 7 likes 274 movies: a long list to scroll.
        show(&mut rig, 6);
        rig.app.explore.as_mut().unwrap().focus = Pane::Influence;
        for _ in 0..30 {
            rig.press(Action::Down);
        }
        let screen = rig.screen();
        let area = rig.app.regions().pane(Pane::Influence);
        let list = because_layout(area, &view(&rig.app).detail.as_ref().unwrap().influences).list;
        assert!(
            list.height >= 2,
            "{width}×{height}: rows to click\n{screen}"
        );
        let row = list.y + list.height / 2;
        let drawn: String = screen
            .lines()
            .nth(usize::from(row))
            .unwrap()
            .chars()
            .skip(usize::from(list.x))
            .take(usize::from(list.width))
            .collect();
        rig.press(Action::Click {
            column: list.x + 2,
            row,
        });
        let engine = rig.app.engine.clone().unwrap();
        let item = view(&rig.app).because_item().expect("a selected like");
        let name: String = whyrec::tui::ui::widgets::strip_year(engine.title(item))
            .chars()
            .take(8)
            .collect();
        assert!(
            drawn.trim_start().starts_with(&name),
            "{width}×{height}: clicked {drawn:?}, selected {:?}\n{screen}",
            engine.title(item)
        );
    }
}

#[test]
fn the_wheel_over_a_pane_without_focus_scrolls_nothing_and_m_waits_for_no_what_if() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ml100k(dir.path(), 160, 48);
    let before = view(&rig.app).profile.user;
    let why = rig.app.regions().pane(Pane::WhatIf);
    // The tab bar and the status bar take no focus: the wheel there moves no list.
    let status = rig.app.regions().status;
    rig.press(Action::ScrollDown {
        column: 5,
        row: status.y,
    });
    assert_eq!(view(&rig.app).profile.user, before, "{why:?}");
    // A what-if on: m says to clear it first instead of answering for another list.
    let x = rig.app.explore.as_mut().unwrap();
    x.focus = Pane::History;
    rig.press(Action::Toggle);
    rig.app.explore.as_mut().unwrap().focus = Pane::Recs;
    rig.press(Action::MinimalSet);
    assert!(view(&rig.app).minimal.is_none());
    let banner = rig.app.banner.clone().expect("a hint");
    assert!(
        banner.text.contains("r clears the what-if"),
        "{}",
        banner.text
    );
    rig.press_all(&[Action::Reset, Action::MinimalSet]);
    assert!(view(&rig.app).minimal.is_some(), "then it searches");
}

#[test]
fn every_quit_autosaves_to_a_new_file_marked_as_an_autosave() {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for _ in 0..2 {
        let mut rig = Rig::ready(dir.path(), 120, 40);
        let x = rig.app.explore.as_mut().unwrap();
        x.focus = Pane::History;
        rig.press(Action::Toggle);
        rig.press(Action::ForceQuit);
        assert!(rig.app.quit);
        let path = match rig.app.autosaved.clone() {
            Some(Ok(p)) => p,
            other => panic!("no autosave: {other:?}"),
        };
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert!(record["autosaved"].is_string() && record["exported"].is_null());
        paths.push(path);
    }
    assert_ne!(
        paths[0], paths[1],
        "the second quit keeps the first autosave"
    );
}
