//! The session record and Build-a-user as a study uses them (synthetic fixture, no terminal):
//! toggling one like off, on and off again leaves one entry; a note typed with `n` is kept with
//! its user and film; `/` in History filters by title; `y` names the like's movie id in a
//! `whyrec whatif` command; a built user with demographics and star ratings opens in Explore and
//! Compare with the same top-10 and is exported with all of it.

use crate::tui_support::Rig;
use whyrec::tui::action::Action;
use whyrec::tui::tabs::explore::UserView;
use whyrec::tui::ui::layout::Pane;
use whyrec::tui::{App, Tab};

fn view(app: &App) -> &UserView {
    app.explore.as_ref().unwrap().view.as_ref().unwrap()
}

#[test]
fn one_entry_per_what_if_notes_history_filter_and_the_shell_command() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 160, 48);
    let engine = rig.app.engine.clone().unwrap();
    rig.app.explore.as_mut().unwrap().focus = Pane::History;
    let like = view(&rig.app).history_item(0).unwrap().0;
    rig.press_all(&[Action::Toggle, Action::Toggle, Action::Toggle]);
    assert_eq!(view(&rig.app).removed, vec![like]);
    assert_eq!(rig.app.session.entries.len(), 1, "no repeated entries");

    // y: the same what-if as a command naming the like's movie id.
    rig.press(Action::ShowCommand);
    let banner = rig.app.banner.clone().unwrap().text;
    let id = engine.dataset.item_id(like);
    assert!(
        banner.contains("whatif --user 1 ") && banner.contains(&format!("--without {id}")),
        "{banner}"
    );

    // n: a note about the user and the selected film, kept in the record.
    rig.press(Action::Note);
    rig.press_all(&"surprising".chars().map(Action::Type).collect::<Vec<_>>());
    rig.press(Action::Enter);
    let note = rig.app.session.notes.last().expect("the note").clone();
    assert_eq!(note.text, "surprising");
    assert_eq!(note.user_id, Some(1));

    // / in History: only titles holding the text stay.
    let title = engine.title(like).to_lowercase();
    let word: String = title.split_whitespace().last().unwrap().to_string();
    rig.press(Action::Search);
    rig.press_all(&word.chars().map(Action::Type).collect::<Vec<_>>());
    rig.press(Action::Enter);
    let v = view(&rig.app);
    assert!(!v.rows.is_empty());
    for row in 0..v.rows.len() {
        let (item, _) = v.history_item(row).unwrap();
        assert!(engine.title(item).to_lowercase().contains(&word));
    }
    let screen = rig.screen();
    assert!(screen.contains(&format!("/{word}")), "{screen}");
}

#[test]
fn a_built_user_with_demographics_and_stars_opens_in_explore_and_compare_and_is_exported() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 160, 48);
    rig.press(Action::GoTab(5));
    // Like the first result, rate the second down to ★2.
    rig.press_all(&[Action::Toggle, Action::Down, Action::Toggle]);
    rig.press_all(&[Action::Right, Action::Right]);
    assert_eq!(rig.app.build.as_ref().unwrap().focus, Pane::Liked);
    rig.press_all(&[
        Action::Down,
        Action::KnobDown,
        Action::KnobDown,
        Action::KnobDown,
    ]);
    // Gender and age bucket.
    rig.press(Action::Left);
    assert_eq!(rig.app.build.as_ref().unwrap().focus, Pane::BuildProfile);
    rig.press_all(&[Action::Toggle, Action::Down, Action::Toggle, Action::Toggle]);
    let b = rig.app.build.as_ref().unwrap();
    let (gender, age) = (
        b.value(0).map(str::to_string),
        b.value(1).map(str::to_string),
    );
    assert!(gender.is_some() && age.is_some(), "{gender:?} {age:?}");
    let stars: Vec<f32> = b.rated.iter().map(|r| r.1).collect();
    assert_eq!(stars, vec![5.0, 2.0], "a like and a low rating");
    let recs: Vec<u32> = b
        .recs
        .as_ref()
        .unwrap()
        .recs
        .iter()
        .map(|r| r.item)
        .collect();
    let detail = b.detail.as_ref().expect("explained");
    assert!(
        detail
            .attribution
            .parts
            .iter()
            .any(|p| p.0.starts_with("gender:") || p.0.starts_with("age:")),
        "demographic attribution: {:?}",
        detail.attribution.parts
    );

    // o: the same user in Explore (same top-10) and in Compare.
    rig.press(Action::Open);
    assert_eq!(rig.app.tab, Tab::Explore);
    let v = view(&rig.app);
    assert!(v.built.is_some());
    let shown: Vec<u32> = v.shown().recs.iter().map(|r| r.item).collect();
    assert_eq!(shown, recs);
    rig.press(Action::GoTab(4));
    rig.wait_for("the compared models", |a| a.compare.lists.is_some());
    let screen = rig.screen();
    assert!(screen.contains("Built user 1's top-10"), "{screen}");

    rig.press(Action::Export);
    let record: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("reports/session-1.json")).unwrap(),
    )
    .unwrap();
    let built = &record["built_users"][0];
    assert_eq!(built["gender"].as_str(), gender.as_deref());
    assert_eq!(built["age"].as_str(), age.as_deref());
    assert_eq!(built["ratings"].as_array().unwrap().len(), 2);
    assert_eq!(built["top"].as_array().unwrap().len(), 10);
}
