//! `M`: the explored model cycles hybrid-als → als → warp → bpr → hybrid-als, each loaded or
//! trained the first time (through the model cache) and every tab answering with it.

use crate::tui_support;

use tui_support::Rig;
use whyrec::data::Dataset;
use whyrec::engine::{FactorModel, ModelSpec, Scorer};
use whyrec::tui::action::Action;
use whyrec::tui::tabs::explore::{Retrain, UserView};
use whyrec::tui::ui::layout::Pane;
use whyrec::tui::{App, Tab};

fn view(app: &App) -> &UserView {
    app.explore.as_ref().unwrap().view.as_ref().unwrap()
}

/// Presses `M` and waits until the model shown is `spec`.
fn switch_to(rig: &mut Rig, spec: ModelSpec) {
    rig.press(Action::NextModel);
    rig.wait_for("the next model", |a| {
        a.switching.is_none() && a.explored_spec() == Some(spec)
    });
}

/// Checks the Explore tab against the model shown: every score of the list shown is the model's
/// score of the profile (without the removed likes), no rated movie is listed, and the
/// explanation of the selected row adds up to its score.
fn check_explore(app: &App, dataset: &Dataset) {
    let engine = app.engine.as_ref().unwrap();
    let model = engine.model();
    let v = view(app);
    let kept: Vec<u32> = v
        .profile
        .likes
        .iter()
        .copied()
        .filter(|i| !v.removed.contains(i))
        .collect();
    let folded = model.fold_in(&kept, &v.profile.features);
    let mut scores = vec![0.0; model.n_items()];
    model.score_folded(&folded, &mut scores);
    let user = v.profile.user.unwrap();
    let list = v.model_list();
    assert_eq!(list.recs.len(), 10, "{}", engine.spec());
    for r in &list.recs {
        assert!(
            (scores[r.item as usize] - r.score).abs() < 1e-4,
            "{}: listed score {} is not the model's {}",
            engine.spec(),
            r.score,
            scores[r.item as usize]
        );
        assert!(
            engine.stars_of(user, r.item).is_none(),
            "{} lists a movie the user rated",
            engine.spec()
        );
        assert!(r.item < dataset.n_items() as u32);
    }
    let d = v.detail.as_ref().expect("the selected row is explained");
    let sum: f32 = d.attribution.parts.iter().map(|p| p.1).sum();
    assert!(
        (sum - d.attribution.score).abs() < 1e-3,
        "{}: parts add up to {sum}, the score is {}",
        engine.spec(),
        d.attribution.score
    );
}

#[test]
fn m_cycles_every_factor_model_and_every_tab_answers_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let dataset = (*rig.app.engine.as_ref().unwrap().dataset).clone();
    assert_eq!(rig.app.explored_spec(), Some(ModelSpec::HybridAls));
    assert!(rig.screen().contains("model hybrid-als · M next"));
    // A what-if on hybrid-als, kept through every switch.
    let x = rig.app.explore.as_mut().unwrap();
    x.focus = Pane::History;
    rig.press(Action::Toggle);
    let removed = view(&rig.app).removed.clone();
    assert_eq!(removed.len(), 1);

    rig.press(Action::NextModel);
    let s = rig
        .app
        .switching
        .clone()
        .expect("als is trained on a worker");
    assert_eq!(s.spec, ModelSpec::Als);
    assert!(rig.screen().contains("M → als"), "{}", rig.screen());
    rig.wait_for("als", |a| a.switching.is_none());
    assert_eq!(rig.app.explored_spec(), Some(ModelSpec::Als));
    let screen = rig.screen();
    assert!(screen.contains("model als · M next"), "{screen}");
    assert_eq!(view(&rig.app).removed, removed, "the what-if is kept");
    assert!(view(&rig.app).whatif.is_some());
    check_explore(&rig.app, &dataset);
    // The retrain of the kept what-if runs under als.
    rig.wait_for("the retrain", |a| {
        matches!(view(a).retrain, Retrain::Done { .. } | Retrain::Failed(_))
    });
    assert!(matches!(view(&rig.app).retrain, Retrain::Done { .. }));

    switch_to(&mut rig, ModelSpec::Warp);
    check_explore(&rig.app, &dataset);
    // Minimal sets under warp.
    rig.press(Action::Reset);
    check_explore(&rig.app, &dataset);
    rig.app.explore.as_mut().unwrap().focus = Pane::Recs;
    rig.press(Action::MinimalSet);
    rig.wait_for("the minimal set", |a| view(a).minimal.is_some());
    assert!(!view(&rig.app).minimal.as_ref().unwrap().sentence.is_empty());
    // Trust under warp measures warp.
    rig.press(Action::GoTab(1));
    assert_eq!(rig.app.tab, Tab::Trust);
    rig.wait_for("trust of warp", |a| a.trust.results.done().is_some());
    let names: Vec<String> = (rig.app.trust.results.done().unwrap().models.iter())
        .map(|m| m.model.clone())
        .collect();
    assert_eq!(names, ["popularity", "warp"]);

    // Fairness under bpr audits bpr (switched while on the Fairness tab).
    rig.press(Action::GoTab(2));
    switch_to(&mut rig, ModelSpec::Bpr);
    rig.wait_for("fairness of bpr", |a| a.fairness.audit.done().is_some());
    let audited: Vec<String> = (rig.app.fairness.audit.done().unwrap().report.overall.iter())
        .map(|g| g.model.clone())
        .collect();
    assert!(audited.iter().any(|m| m == "bpr"), "{audited:?}");
    assert!(!audited.iter().any(|m| m == "hybrid-als"), "{audited:?}");
    rig.press(Action::GoTab(0));
    check_explore(&rig.app, &dataset);

    // Back to hybrid-als and on to als: both are explored already, so no worker runs.
    rig.press(Action::NextModel);
    assert!(rig.app.switching.is_none());
    assert_eq!(rig.app.explored_spec(), Some(ModelSpec::HybridAls));
    rig.press(Action::NextModel);
    rig.press(Action::NextModel);
    assert_eq!(rig.app.explored_spec(), Some(ModelSpec::Warp));
    // warp's Trust results were kept while other models were shown.
    assert!(rig.app.trust.results.done().is_some());
    check_explore(&rig.app, &dataset);

    // Every model M trained is in the cache, named by its spec.
    for name in ["als", "warp", "bpr"] {
        let file = dir
            .path()
            .join(format!("models/synth-fixture-{name}.whyrec"));
        assert!(file.is_file(), "{} is missing", file.display());
    }
}

#[test]
fn m_twice_while_loading_goes_on_to_the_next_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    rig.press(Action::NextModel);
    rig.press(Action::NextModel);
    assert_eq!(
        rig.app.switching.as_ref().map(|s| s.spec),
        Some(ModelSpec::Warp)
    );
    rig.wait_for("warp", |a| a.switching.is_none());
    assert_eq!(rig.app.explored_spec(), Some(ModelSpec::Warp));
    assert_eq!(rig.app.explored.len(), 2, "als was dropped, not explored");
}
