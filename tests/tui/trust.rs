//! State tests of the Trust tab and the accuracy–coverage knob, without a terminal (synthetic
//! fixture): the knob re-ranks the Explore list (without what-if, under the instant refold and
//! after the retrain) and Compare's hybrid-als column exactly as the library's reranker orders
//! the model's scores, and 0 gives the model's own lists back; the Trust tab's numbers are those
//! of `model_trust` / `sweep_split` run directly, computed once per session, seed stability on
//! request; Esc cancels a Trust or Fairness computation and Enter restarts it.

use crate::tui_support;

use tui_support::Rig;
use whyrec::engine::ModelSpec;
use whyrec::engine::{AnyFactorModel, FactorModel, HybridAls, Scorer};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::knob::{default_strengths, popularity, sweep_split, KnobPath, Reranker};
use whyrec::metrics::trust::{model_trust, TrustConfig};
use whyrec::tui::action::Action;
use whyrec::tui::tabs::computation::Computation;
use whyrec::tui::tabs::explore::{Retrain, UserView};
use whyrec::tui::ui::layout::Pane;
use whyrec::tui::App;

fn view(app: &App) -> &UserView {
    app.explore.as_ref().unwrap().view.as_ref().unwrap()
}

fn items(app: &App) -> Vec<u32> {
    view(app).shown().recs.iter().map(|r| r.item).collect()
}

/// The top-10 the library's reranker gives at `t` for the selected user's `likes` folded into
/// `model`, excluding `exclude`.
fn expected(app: &App, model: &AnyFactorModel, t: f64, likes: &[u32], exclude: &[u32]) -> Vec<u32> {
    let engine = app.engine.as_ref().unwrap();
    let folded = model.fold_in(likes, &view(app).profile.features);
    let mut scores = vec![0.0; model.n_items()];
    model.score_folded(&folded, &mut scores);
    let reranker = Reranker::for_model(model, &popularity(engine.positives()), KnobPath::default());
    reranker.weights(t).apply(&mut scores);
    let user = view(app).profile.user;
    engine
        .explainer
        .candidates()
        .top_k(&scores, 10, user, exclude)
        .into_iter()
        .map(|p| p.0)
        .collect()
}

#[test]
fn the_knob_reranks_explore_as_the_library_does_and_zero_is_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let engine = rig.app.engine.clone().unwrap();
    let plain = items(&rig.app);
    let likes = view(&rig.app).profile.likes.clone();
    rig.press(Action::KnobDown);
    assert_eq!(rig.app.knob, 0, "the knob stops at 0");
    assert_eq!(items(&rig.app), plain);
    let mut changed = false;
    for steps in 1..=10u32 {
        rig.press(Action::KnobUp);
        let t = default_strengths()[steps as usize];
        assert_eq!(rig.app.knob_strength(), t);
        let v = view(&rig.app);
        assert_eq!(v.knob.as_ref().map(|k| k.strength), Some(t));
        let shown = items(&rig.app);
        assert_eq!(
            shown,
            expected(&rig.app, engine.model(), t, &likes, &likes),
            "t = {t}"
        );
        changed |= shown != plain;
        // The rows keep the model's scores: the explanation still adds up to them.
        let d = v.detail.as_ref().unwrap();
        let sum: f32 = d.attribution.parts.iter().map(|p| p.1).sum();
        assert!((sum - v.shown().recs[v.recs.selected].score).abs() < 1e-3);
        assert_eq!(d.item, v.shown().recs[v.recs.selected].item);
        // ... and the re-ranked score the list is sorted by, which is the knob's formula.
        let reranker = Reranker::for_model(
            engine.model(),
            &popularity(engine.positives()),
            KnobPath::default(),
        );
        let weights = reranker.weights(t);
        let recs = &v.shown().recs;
        for r in recs {
            let i = r.item as usize;
            let k = r
                .knob_score
                .expect("through the knob every row carries its re-ranked score");
            assert!((k - (r.score * weights.scale[i] - weights.offset[i])).abs() < 1e-5);
        }
        assert!(recs.windows(2).all(|w| w[0].knob_score >= w[1].knob_score));
    }
    assert!(
        rig.screen().contains("knob"),
        "the knob column is on screen"
    );
    assert!(
        changed,
        "some strength up to 0.5 changes the fixture's list"
    );
    let screen = rig.screen();
    assert!(screen.contains("knob t=0.50"), "{screen}");
    rig.press(Action::KnobReset);
    assert_eq!(rig.app.knob, 0);
    assert!(view(&rig.app).knob.is_none());
    assert_eq!(items(&rig.app), plain, "0 is the model's own list");
    assert_eq!(view(&rig.app).shown(), &view(&rig.app).base);
    for _ in 0..40 {
        rig.press(Action::KnobUp);
    }
    assert_eq!(
        rig.app.knob_strength(),
        *default_strengths().last().unwrap()
    );
    // Another user: the knob stays and applies to the new list at once.
    rig.press(Action::Down);
    let v = view(&rig.app);
    let (t, likes) = (rig.app.knob_strength(), v.profile.likes.clone());
    let features = engine
        .model()
        .user_features_of(v.profile.user.unwrap())
        .to_vec();
    let model = engine.model();
    let folded = model.fold_in(&likes, &features);
    let mut scores = vec![0.0; model.n_items()];
    model.score_folded(&folded, &mut scores);
    engine.knob.apply(t, &mut scores);
    let want: Vec<u32> = engine
        .explainer
        .candidates()
        .top_k(&scores, 10, v.profile.user, &likes)
        .into_iter()
        .map(|p| p.0)
        .collect();
    assert_eq!(items(&rig.app), want);
}

#[test]
fn the_knob_applies_under_a_what_if_after_the_retrain_and_in_compare() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let engine = rig.app.engine.clone().unwrap();
    for _ in 0..8 {
        rig.press(Action::KnobUp);
    }
    let t = rig.app.knob_strength();
    let x = rig.app.explore.as_mut().unwrap();
    x.focus = Pane::History;
    rig.press(Action::Toggle);
    let v = view(&rig.app);
    let likes = v.profile.likes.clone();
    let kept: Vec<u32> = likes
        .iter()
        .copied()
        .filter(|i| !v.removed.contains(i))
        .collect();
    assert_eq!(
        items(&rig.app),
        expected(&rig.app, engine.model(), t, &kept, &likes),
        "the instant refold through the knob"
    );
    let k = v.knob.as_ref().unwrap();
    let base: Vec<u32> = k.base.recs.iter().map(|r| r.item).collect();
    assert_eq!(base, expected(&rig.app, engine.model(), t, &likes, &likes));
    for r in &k.shown.recs {
        assert_eq!(
            r.previous_rank,
            k.base
                .recs
                .iter()
                .find(|b| b.item == r.item)
                .map(|b| b.rank),
            "moves are against the knob's list without what-if"
        );
    }
    rig.wait_for("the retrain", |a| {
        matches!(view(a).retrain, Retrain::Done { .. } | Retrain::Failed(_))
    });
    let Retrain::Done { result, .. } = &view(&rig.app).retrain else {
        panic!("{:?}", view(&rig.app).retrain)
    };
    let retrained = result.explainer.model().clone();
    let after = result.after.clone();
    assert_eq!(
        items(&rig.app),
        expected(&rig.app, &retrained, t, &kept, &likes),
        "the retrained model's scores through its own knob"
    );
    rig.press(Action::KnobReset);
    let v = view(&rig.app);
    assert_eq!(v.shown(), &after, "0: the retrain's own list");

    // Compare: hybrid-als (the engine's model) through the knob, the other columns unchanged.
    rig.press(Action::GoTab(4));
    rig.wait_for("the compared models", |a| a.compare.lists.is_some());
    let before = rig.app.compare.lists.clone().unwrap().1;
    rig.press_all(&[
        Action::KnobUp,
        Action::KnobUp,
        Action::KnobUp,
        Action::KnobUp,
    ]);
    let (whose, after) = rig.app.compare.lists.clone().unwrap();
    let whyrec::tui::tabs::compare::ListsFor::User(user) = whose else {
        panic!("the Compare tab shows the Explore tab's dataset user")
    };
    let t = rig.app.knob_strength();
    let mut scores = vec![0.0; engine.model().n_items()];
    whyrec::engine::Scorer::score_items(engine.model(), user, &mut scores);
    engine.knob.apply(t, &mut scores);
    let want: Vec<u32> = engine
        .explainer
        .candidates()
        .top_k(&scores, 10, Some(user), &[])
        .into_iter()
        .map(|p| p.0)
        .collect();
    for ((name, list), (old_name, old)) in after.iter().zip(&before) {
        let got: Vec<u32> = list.recs.iter().map(|r| r.item).collect();
        if old_name == HybridAls::NAME {
            assert_eq!(name, &format!("hybrid-als · knob {t:.2}"));
            assert_eq!(got, want);
        } else {
            assert_eq!((name, list), (old_name, old), "only hybrid-als moves");
        }
    }
}

#[test]
fn trust_tab_numbers_are_the_librarys_computed_once_with_seed_stability_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    let engine = rig.app.engine.clone().unwrap();
    rig.press(Action::GoTab(1));
    assert!(
        rig.app.trust.results.running().is_some(),
        "started on opening"
    );
    assert!(rig.screen().contains("Measuring trust"));
    rig.wait_for("the trust metrics", |a| a.trust.results.done().is_some());
    let r = rig.app.trust.results.done().unwrap().clone();

    let seed = engine.settings().seed;
    let data = EvalData::holdout(&engine.dataset, seed);
    let config = TrustConfig {
        seed_stability: false,
        ..TrustConfig::default()
    };
    let als = engine.spec();
    let settings = engine.settings().clone();
    let (direct, fitted) = model_trust(als, &settings, &data, seed, &config).unwrap();
    assert_eq!(r.models[1].summary, direct.summary);
    assert_eq!(r.models[1].users, direct.users);
    let (pop, _) = model_trust(ModelSpec::Popularity, &settings, &data, seed, &config).unwrap();
    assert_eq!(r.models[0].summary, pop.summary);
    let points = sweep_split(
        fitted.factor().unwrap(),
        &data,
        KnobPath::default(),
        &default_strengths(),
    );
    assert_eq!(r.curve.points, points);
    // The Explore user's own values.
    let user = rig
        .app
        .explore
        .as_ref()
        .unwrap()
        .users
        .selected_user()
        .unwrap();
    assert_eq!(
        r.user(1, user),
        direct.users.iter().find(|u| u.user == user)
    );

    // The wheel and the arrows scroll the metrics table (within its rows).
    rig.press(Action::ScrollDown {
        column: 10,
        row: 10,
    });
    assert_eq!(rig.app.trust.scroll, 3);
    rig.press(Action::End);
    assert_eq!(
        rig.app.trust.scroll,
        whyrec::tui::tabs::trust::TRUST_ROWS - 1
    );
    rig.press(Action::Home);
    assert_eq!(rig.app.trust.scroll, 0);
    // Cached: away and back starts nothing.
    rig.press_all(&[Action::GoTab(0), Action::GoTab(1)]);
    assert!(rig.app.trust.results.done().is_some());
    assert!(!rig.app.waiting());
    // The knob moves the curve's point.
    rig.press_all(&[Action::KnobUp, Action::KnobUp]);
    assert_eq!(r.point_at(rig.app.knob_strength()).unwrap().strength, 0.1);
    assert!(rig.screen().contains("Knob t = 0.10"));

    rig.press(Action::Sort);
    assert!(rig.app.trust.seed.running().is_some());
    rig.wait_for("seed stability", |a| {
        a.trust.results.done().is_some_and(|r| r.seed_stability)
    });
    let r = rig.app.trust.results.done().unwrap();
    let with_seed = TrustConfig {
        refold: false,
        retrain: false,
        seed_stability: true,
        ..TrustConfig::default()
    };
    let (seeded, _) = model_trust(als, &settings, &data, seed, &with_seed).unwrap();
    assert_eq!(
        r.models[1].summary.seed_stability,
        seeded.summary.seed_stability
    );
    assert!(r.models[1].summary.stability_refold.is_some(), "kept");
    assert!(r.models[0].summary.seed_stability.is_some());
    assert!(!rig.screen().contains("s computes"));
}

#[test]
fn esc_cancels_a_computation_and_enter_starts_it_again() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 120, 40);
    rig.press(Action::GoTab(1));
    rig.press(Action::Back);
    assert!(!rig.app.quit, "Esc cancels instead of quitting");
    assert!(matches!(rig.app.trust.results, Computation::Cancelled));
    assert!(rig.screen().contains("Cancelled"));
    // Late events of the cancelled job change nothing.
    std::thread::sleep(std::time::Duration::from_millis(200));
    rig.drain();
    assert!(matches!(rig.app.trust.results, Computation::Cancelled));
    rig.press(Action::Enter);
    rig.wait_for("the trust metrics", |a| a.trust.results.done().is_some());

    rig.press(Action::GoTab(2));
    rig.press(Action::Back);
    assert!(matches!(rig.app.fairness.audit, Computation::Cancelled));
    rig.press(Action::Enter);
    rig.wait_for("the audit", |a| a.fairness.audit.done().is_some());
    rig.press(Action::Back);
    assert!(!rig.app.quit, "with nothing running, Esc never quits");
}

/// On data past the tab's retrain limit (here the limit is lowered to 0 on the fixture), the
/// Trust tab's job measures refold stability only, says that `s` adds retrain stability, and `s`
/// brings it with seed stability: the library's numbers for the retrained variant.
#[test]
fn past_the_limit_retrain_stability_comes_with_s() {
    let dir = tempfile::tempdir().unwrap();
    let mut rig = Rig::ready(dir.path(), 160, 48);
    let engine = rig.app.engine.clone().unwrap();
    let mut large = engine.with_model(engine.model().clone()).unwrap();
    large.retrain_with_tab_up_to = 0;
    let large = std::sync::Arc::new(large);
    rig.app.engine = Some(large.clone());
    rig.press(Action::GoTab(1));
    assert!(
        rig.screen().contains("retrain with seed stability on s"),
        "{}",
        rig.screen()
    );
    rig.wait_for("the trust metrics", |a| a.trust.results.done().is_some());
    let r = rig.app.trust.results.done().unwrap().clone();
    assert!(!r.retrain_stability);
    assert!(r
        .models
        .iter()
        .all(|m| m.summary.stability_retrain.is_none() && m.summary.stability_refold.is_some()));
    let screen = rig.screen();
    let retrain_row = screen
        .lines()
        .find(|l| l.contains("stab. retrain"))
        .expect("the retrain row");
    assert!(retrain_row.contains("s computes"), "{retrain_row}");

    rig.press(Action::Sort);
    rig.wait_for("seed and retrain stability", |a| {
        a.trust
            .results
            .done()
            .is_some_and(|r| r.seed_stability && r.retrain_stability)
    });
    let r = rig.app.trust.results.done().unwrap();
    let seed = large.settings().seed;
    let data = EvalData::holdout(&large.dataset, seed);
    let retrain = TrustConfig {
        refold: false,
        retrain: true,
        seed_stability: false,
        ..TrustConfig::default()
    };
    let (direct, _) = model_trust(large.spec(), large.settings(), &data, seed, &retrain).unwrap();
    assert_eq!(
        r.models[1].summary.stability_retrain,
        direct.summary.stability_retrain
    );
    assert!(r.models[1]
        .users
        .iter()
        .all(|u| u.stability_retrain.is_some()));
    assert!(!rig.screen().contains("s computes"));
}
