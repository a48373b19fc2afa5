//! State tests of the Fairness tab without a terminal (synthetic fixture): its report is
//! `run_fairness`'s on the same split and the request `whyrec fairness` makes by default
//! (`FairnessRequest::standard`, the whole rating line-up), its keys move attribute, model and
//! scroll, the RMSE column is labelled with its rating model, and a dataset without demographics
//! shows the report's note.

use crate::tui_support;

use std::sync::atomic::AtomicBool;

use tui_support::Rig;
use whyrec::data::{load_dir, LoadOptions};
use whyrec::engine::HybridAls;
use whyrec::engine::ModelSpec;
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::knob::KnobPath;
use whyrec::tui::action::Action;
use whyrec::tui::adapter::Engine;
use whyrec::tui::Tab;

#[test]
fn fairness_tab_is_the_audit_and_its_keys_move_attribute_model_and_scroll() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let engine = rig.app.engine.clone().unwrap();
    rig.press(Action::GoTab(2));
    assert_eq!(rig.app.tab, Tab::Fairness);
    rig.wait_for("the audit", |a| a.fairness.audit.done().is_some());
    let run = rig.app.fairness.audit.done().unwrap();
    let seed = engine.settings().seed;
    let data = EvalData::holdout(&engine.dataset, seed);
    let request = whyrec::metrics::fairness::FairnessRequest {
        models: vec![ModelSpec::Popularity, engine.spec()],
        settings: engine.settings().clone(),
        knob: Some((KnobPath::default(), 0.5)),
        rating_specs: whyrec::engine::rating::RatingSpec::all_defaults(),
        min_group_users: 1,
    };
    let direct =
        whyrec::metrics::fairness::run_fairness(&engine.dataset, &data, seed, &request, |_| {})
            .unwrap();
    assert_eq!(run.report, direct);
    let names: Vec<&str> = direct
        .attributes
        .iter()
        .map(|a| a.attribute.as_str())
        .collect();
    assert_eq!(names, ["gender", "age", "occupation"]);

    assert_eq!(rig.app.fairness.model, 1, "hybrid-als first");
    let screen = rig.screen();
    let rating = &direct.rating.model;
    assert!(
        screen.contains(&format!("gender groups · hybrid-als · RMSE {rating}")),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("RMSE column: {rating}")),
        "{screen}"
    );
    rig.press(Action::Right);
    assert_eq!(rig.app.fairness.attribute, 1);
    rig.press_all(&[Action::Left, Action::Left]);
    assert_eq!(rig.app.fairness.attribute, 2, "wraps around");
    rig.press(Action::MinimalSet);
    assert_eq!(rig.app.fairness.model, 2);
    let groups = direct.attributes[2].groups.len();
    rig.press(Action::End);
    assert_eq!(rig.app.fairness.scroll, groups - 1);
    rig.press(Action::ScrollUp { column: 5, row: 10 });
    assert_eq!(rig.app.fairness.scroll, groups - 4);
    let screen = rig.screen();
    assert!(
        screen.contains("occupation groups · hybrid-als+knob t=0.5"),
        "{screen}"
    );
    assert!(screen.contains(&direct.attributes[2].groups[groups - 1].group));
    // Under popularity the RMSE column still says whose it is.
    rig.press(Action::MinimalSet);
    assert_eq!(rig.app.fairness.model, 0, "wraps around to popularity");
    let screen = rig.screen();
    assert!(
        screen.contains(&format!("occupation groups · popularity · RMSE {rating}")),
        "{screen}"
    );
}

#[test]
fn a_dataset_without_demographics_shows_the_reports_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut data = load_dir(
        &tui_support::write_fixture(dir.path()),
        LoadOptions::default(),
    )
    .unwrap();
    data.users.demographics = None;
    let positives = whyrec::data::Positives::from_dataset(&data, 4.0);
    let items = whyrec::data::interactions::item_genre_features(&data);
    let model = HybridAls::fit(
        &positives,
        Some(&items),
        None,
        &tui_support::config(),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let mut rig = Rig::new(tui_support::options(dir.path(), "synth-fixture"), 120, 40);
    rig.app.ready(Engine::new(data, model).unwrap());
    rig.press(Action::GoTab(2));
    rig.wait_for("the audit", |a| a.fairness.audit.done().is_some());
    let report = &rig.app.fairness.audit.done().unwrap().report;
    assert!(report.attributes.is_empty());
    let note = report.note.clone().unwrap();
    let screen = rig.screen();
    assert!(
        screen.contains("records no user demographics"),
        "{note}\n{screen}"
    );
    assert!(screen.contains("Exposure"), "the item side stays: {screen}");
    rig.press_all(&[Action::Right, Action::MinimalSet, Action::Down]);
    let _ = rig.screen();
}
