//! The explain layer on real ML-100K: attributions sum to the score for every user × top-10,
//! influences sum and their measured removals agree with the what-if, what-if bookkeeping, a small
//! seeded sample of incremental retrains against the instant refold, and bad input.

use crate::common;
use whyrec::engine::{FactorModel, Scorer};

use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{Dataset, Positives};
use whyrec::engine::{AlsConfig, EngineError, HybridAls};
use whyrec::explain::reports::{
    counterfactual_report, feature_report, ReportOptions, COUNTERFACTUAL_REPORT_FILE,
    FEATURE_REPORT_FILE,
};
use whyrec::explain::{
    ExplainError, Explainer, Fidelity, ListSource, PartKind, RetrainKind, SearchOptions,
    SetGuarantee, WhatIf,
};
use whyrec::workspace::write_json as write_report;

struct Fixture {
    data: Dataset,
    explainer: Explainer,
}

fn ml100k() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let data = common::load_ml100k();
        let positives = Positives::from_dataset(&data, 4.0);
        let model = HybridAls::fit(
            &positives,
            Some(&item_genre_features(&data)),
            user_demographic_features(&data).as_ref(),
            &AlsConfig::default(),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("fit");
        let explainer = Explainer::from_dataset(model, &data).expect("explainer");
        Fixture { data, explainer }
    })
}

fn relative_gap(sum: f64, score: f32) -> f64 {
    (sum - f64::from(score)).abs() / f64::from(score).abs().max(1e-12)
}

#[test]
fn attribution_parts_sum_to_the_score_for_every_user_and_top10_item() {
    let f = ml100k();
    let e = &f.explainer;
    let mut worst = 0.0f64;
    let mut fallback = 0;
    for u in 0..f.data.n_users() as u32 {
        let top = e.recommend(u).unwrap();
        assert_eq!(top.len(), 10);
        // A user without likes is shown the popularity fallback; the model's score of those items is
        // still attributed.
        let personal = top.source == ListSource::Model;
        assert_eq!(personal, !e.likes(u).unwrap().is_empty());
        fallback += usize::from(!personal);
        let n_demo = e.model().user_features_of(u).len();
        for r in &top.items {
            let a = e.attribute(u, r.item).unwrap();
            if personal {
                assert_eq!(a.score, r.score, "the attributed score is the ranked score");
            }
            let gap = relative_gap(a.sum(), a.score);
            worst = worst.max(gap);
            assert!(gap <= 1e-5, "user {u} item {}: {a:?}", r.item);
            let n_genres = e.model().sides().item_features_of(r.item).len();
            assert_eq!(a.parts.len(), 1 + n_genres + n_demo);
            let kinds = |k: PartKind| a.parts.iter().filter(|p| p.kind == k).count();
            assert_eq!(kinds(PartKind::ItemFeature), n_genres);
            assert_eq!(kinds(PartKind::UserFeature), n_demo);
            assert!(a.parts.windows(2).all(|w| w[0].value >= w[1].value));
        }
    }
    assert!(fallback < 10, "{fallback} users without likes");
    println!("worst relative gap {worst:e}; {fallback} users on the popularity fallback");
}

#[test]
fn attribution_of_an_edited_history_sums_to_its_folded_score() {
    let f = ml100k();
    let e = &f.explainer;
    for u in (0..f.data.n_users() as u32).step_by(47) {
        let profile = e.profile(u).unwrap();
        let half: Vec<u32> = profile.likes.iter().copied().step_by(2).collect();
        let edited = profile.edited(&half, &[7, 100, 500]);
        let top = e.recommend_profile(&edited).unwrap();
        for r in &top.items {
            let a = e.attribute_profile(&edited, r.item).unwrap();
            assert_eq!(a.score, r.score);
            assert!(relative_gap(a.sum(), a.score) <= 1e-5, "user {u}: {a:?}");
        }
    }
}

#[test]
fn influences_sum_and_measured_removals_agree_with_the_what_if() {
    let f = ml100k();
    let e = &f.explainer;
    for u in (0..f.data.n_users() as u32).step_by(59) {
        let top = e.recommend(u).unwrap();
        let item = top.items[0].item;
        let x = e.explain(u, item).unwrap();
        let inf = &x.influence;
        assert_eq!(inf.likes.len(), e.likes(u).unwrap().len());
        assert_eq!(inf.rank, Some(1));
        let sum: f64 =
            inf.likes.iter().map(|l| f64::from(l.value)).sum::<f64>() + f64::from(inf.demographic);
        assert!(relative_gap(sum, inf.score) <= 1e-4, "user {u}");
        assert!(inf.likes.windows(2).all(|w| w[0].drop >= w[1].drop));
        assert_eq!(inf.measured.len(), 5.min(inf.likes.len()));
        assert!(inf.sentence.starts_with("Because you liked "));
        assert!(inf
            .sentence
            .contains(&f.data.items.titles[inf.because[0] as usize]));
        for m in &inf.measured {
            let out = e.what_if(&WhatIf::without(u, vec![m.like])).unwrap();
            let after = out.moves.iter().find(|c| c.item == item);
            let left = out.leaving.iter().find(|c| c.item == item);
            let change = after
                .or(left)
                .expect("the item is in one list or the other");
            assert_eq!(change.new_rank, m.new_rank, "user {u} without {}", m.like);
            assert_eq!(change.new_score, m.new_score);
            assert_eq!(m.still_recommended, after.is_some());
            // The measured drop is the score lost in that very refold.
            let like = inf.likes.iter().find(|l| l.like == m.like).unwrap();
            assert!(
                (like.drop - (inf.score - m.new_score)).abs() < 1e-4,
                "user {u}: {like:?} {m:?}"
            );
        }
    }
}

/// "Because you liked": for every ML-100K user's top-1, the named likes are the largest positive
/// drops in decreasing order, and each drop equals the score lost when the user is actually
/// refolded without that like.
#[test]
fn because_names_the_largest_measured_drops_for_every_users_top1() {
    use rayon::prelude::*;
    let f = ml100k();
    let e = &f.explainer;
    let worst = (0..f.data.n_users() as u32)
        .into_par_iter()
        .map(|u| {
            let top = e.recommend(u).unwrap();
            if top.source != whyrec::explain::ListSource::Model {
                return 0.0f64;
            }
            let item = top.items[0].item;
            let inf = e.explain_influence(u, item, 0).unwrap();
            let profile = e.profile(u).unwrap();
            let refold_score = |without: u32| {
                let p = profile.edited(&[without], &[]);
                let folded = e.model().fold_in(&p.likes, &p.features);
                let mut s = vec![0f32; e.model().n_items()];
                e.model().score_folded(&folded, &mut s);
                f64::from(s[item as usize])
            };
            let mut worst = 0.0f64;
            let drops: Vec<f32> = inf
                .because
                .iter()
                .map(|&j| {
                    let l = inf.likes.iter().find(|l| l.like == j).unwrap();
                    let d = (f64::from(inf.score) - refold_score(j) - f64::from(l.drop)).abs();
                    worst = worst.max(d);
                    assert!(d < 1e-4, "user {u}, like {j}: drop {} vs refold", l.drop);
                    l.drop
                })
                .collect();
            assert!(
                drops.windows(2).all(|w| w[0] >= w[1]),
                "user {u}: {drops:?}"
            );
            assert!(drops.iter().all(|&d| d > 0.0));
            // No like left out of the sentence drops the score more than the last one named.
            if let Some(&last) = drops.last() {
                let named = inf.because.len();
                assert!(
                    inf.likes[named..].iter().all(|l| l.drop <= last),
                    "user {u}"
                );
                assert_eq!(
                    inf.because,
                    inf.likes[..named]
                        .iter()
                        .map(|l| l.like)
                        .collect::<Vec<_>>()
                );
            }
            worst
        })
        .reduce(|| 0.0, f64::max);
    println!("largest |drop − (score − refolded score)| over the named likes: {worst:.2e}");
}

#[test]
fn what_if_bookkeeping_is_consistent() {
    let f = ml100k();
    let e = &f.explainer;
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    for u in (0..f.data.n_users() as u32).step_by(31) {
        let likes = e.likes(u).unwrap().to_vec();
        let remove: Vec<u32> = likes
            .choose_multiple(&mut rng, 2.min(likes.len() - 1))
            .copied()
            .collect();
        let before = e.recommend(u).unwrap();
        let out = e.what_if(&WhatIf::without(u, remove.clone())).unwrap();
        assert_eq!(out.before, before);
        assert_eq!(out.likes_after, likes.len() - remove.len());
        for (n, c) in out.moves.iter().enumerate() {
            assert_eq!(c.new_rank, Some(n + 1));
            assert_eq!(c.old_rank.map(|r| r <= 10), Some(before.contains(c.item)));
            assert!(
                !likes.contains(&c.item),
                "a removed like is not recommended back"
            );
        }
        assert_eq!(out.entering.len(), out.leaving.len());
        assert!(out.leaving.iter().all(|c| c.new_rank.unwrap() > 10));
        if let (Some(&y), Some(z)) = (out.entering.first(), out.leaving.first()) {
            let expected = format!(
                "the model would recommend {} (instead of {})",
                f.data.items.titles[y as usize], f.data.items.titles[z.item as usize]
            );
            assert!(out.sentence.contains(&expected), "{}", out.sentence);
        }
        assert!(out.sentence.starts_with("If you hadn't liked "));
    }
}

#[test]
fn a_small_sample_of_incremental_retrains_agrees_with_the_instant_refold() {
    // The full measurement (200 what-ifs, and full retrains) is the `whatif_fidelity` example; this
    // checks a small seeded sample against a loose floor.
    let f = ml100k();
    let e = &f.explainer;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let users: Vec<u32> = (0..f.data.n_users() as u32).collect();
    let mut overlaps = Vec::new();
    for &u in users.choose_multiple(&mut rng, 8) {
        let likes = e.likes(u).unwrap();
        if likes.len() < 2 {
            continue;
        }
        let w = WhatIf::without(u, vec![*likes.choose(&mut rng).unwrap()]);
        let instant = e.what_if(&w).unwrap();
        let mut sweeps = Vec::new();
        let b = e
            .retrain_incremental(
                &w,
                2,
                &mut |p| sweeps.push(p.sweep),
                &AtomicBool::new(false),
            )
            .unwrap();
        assert_eq!(sweeps, vec![1, 2]);
        assert_eq!(b.kind, RetrainKind::Incremental);
        assert_eq!(b.outcome.before, instant.before);
        let fid = Fidelity::between(&instant.after, Some(&b.outcome.after), None);
        overlaps.push(fid.instant_vs_incremental.unwrap().overlap);
    }
    let mean = overlaps.iter().sum::<usize>() as f64 / overlaps.len() as f64;
    assert!(mean >= 8.0, "mean overlap {mean} over {overlaps:?}");
}

#[test]
fn cancelled_retrain_and_bad_input_give_clear_errors() {
    let f = ml100k();
    let e = &f.explainer;
    let c = e.catalog();
    fn err<T: std::fmt::Debug>(r: Result<T, ExplainError>) -> String {
        r.unwrap_err().to_string()
    }
    assert_eq!(
        err(c.user_index(99_999)),
        "unknown user id 99999 in ml-100k"
    );
    assert_eq!(
        err(c.item_index(77_777)),
        "unknown movie id 77777 in ml-100k"
    );
    assert!(err(e.explain(943, 0)).contains("user index 943 is out of range"));
    assert!(err(e.attribute(0, 1682)).contains("item index 1682 is out of range"));
    let u = c.user_index(1).unwrap();
    let never = (0..1682u32)
        .find(|i| !e.likes(u).unwrap().contains(i))
        .unwrap();
    let msg = err(e.what_if(&WhatIf::without(u, vec![never])));
    assert!(
        msg.starts_with("user 1 never liked ")
            && msg.contains(&f.data.items.titles[never as usize]),
        "{msg}"
    );
    let liked = e.likes(u).unwrap()[0];
    let msg = err(e.what_if(&WhatIf::without(u, vec![]).adding(vec![liked])));
    assert!(msg.contains("already likes"), "{msg}");
    assert!(err(e.what_if(&WhatIf::without(u, vec![]))).contains("nothing to change"));
    let w = WhatIf::without(u, vec![liked]);
    let cancelled = e.retrain_incremental(&w, 2, &mut |_| {}, &AtomicBool::new(true));
    assert!(matches!(
        &cancelled,
        Err(ExplainError::Engine(EngineError::Cancelled))
    ));
    assert_eq!(err(cancelled), "training was cancelled");
}

#[test]
fn removing_every_like_falls_back_to_popularity_clearly_labelled() {
    let f = ml100k();
    let e = &f.explainer;
    let u = 5;
    let all = e.likes(u).unwrap().to_vec();
    let out = e.what_if(&WhatIf::without(u, all.clone())).unwrap();
    assert_eq!(out.likes_after, 0);
    assert_eq!(out.before.source, ListSource::Model);
    assert_eq!(out.after.source, ListSource::PopularityFallback);
    assert!(out.sentence.contains("no likes left") && out.sentence.contains("not a personal"));
    // The fallback ranks by likes of the changed interactions, never recommending the user's likes.
    let changed = e.positives_after(&WhatIf::without(u, all.clone())).unwrap();
    let counts: Vec<usize> = out
        .after
        .items
        .iter()
        .map(|r| changed.by_item.row_len(r.item as usize))
        .collect();
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    assert!(out.after.items.iter().all(|r| !all.contains(&r.item)));
    assert_eq!(changed.by_user.row_len(u as usize), 0);
    assert_eq!(
        changed.by_user.nnz(),
        e.positives().by_user.nnz() - all.len()
    );
    let b = e
        .retrain_incremental(
            &WhatIf::without(u, all),
            1,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
    assert_eq!(b.outcome.after.source, ListSource::PopularityFallback);
    assert_eq!(b.outcome.after, out.after);
}

#[test]
fn reports_are_byte_identical_for_the_same_seed_whatever_the_thread_count() {
    let f = ml100k();
    let e = &f.explainer;
    let options = ReportOptions {
        users: 3,
        whatifs: 3,
        full_retrains: 1,
        ..ReportOptions::default()
    };
    let build = |threads: usize, options: &ReportOptions| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let a = feature_report(e, options, &mut |_, _| {}).unwrap();
            let b = counterfactual_report(e, options, &mut |_, _| {}).unwrap();
            let dir = tempfile::tempdir().unwrap();
            write_report(&dir.path().join(FEATURE_REPORT_FILE), &a).unwrap();
            write_report(&dir.path().join(COUNTERFACTUAL_REPORT_FILE), &b).unwrap();
            let read = |n: &str| std::fs::read(dir.path().join(n)).unwrap();
            (
                a,
                b,
                read(FEATURE_REPORT_FILE),
                read(COUNTERFACTUAL_REPORT_FILE),
            )
        })
    };
    let (features, counterfactuals, fa, ca) = build(1, &options);
    let (_, _, fb, cb) = build(2, &options);
    assert!(fa == fb && ca == cb, "same seed, different bytes");
    assert_eq!(features.users.len(), 3);
    for user in &features.users {
        assert_eq!(user.recommendations.len(), 10);
        for r in &user.recommendations {
            let sum: f64 = r.attribution.iter().map(|p| f64::from(p.value)).sum();
            assert!(relative_gap(sum, r.model_score) <= 1e-5);
            assert_eq!(r.influences.len(), user.likes);
            assert!(r.sentence.starts_with("Because you liked"));
        }
    }
    assert_eq!(counterfactuals.whatifs.len(), 3);
    assert_eq!(counterfactuals.summary.full_retrains, 1);
    assert!(counterfactuals.whatifs[0].full.is_some() && counterfactuals.whatifs[1].full.is_none());
    assert!(counterfactuals.whatifs[0]
        .fidelity
        .instant_vs_full
        .is_some());
    for w in &counterfactuals.whatifs {
        assert!(w.instant.sentence.starts_with("If you hadn't liked"));
        assert_eq!(w.removed.len(), 1);
    }
    assert_eq!(counterfactuals.minimal_sets.len(), 3);
    let text = String::from_utf8(ca).unwrap();
    assert!(text.contains("\"fidelity_definition\"") && text.ends_with("}\n"));
    let other = ReportOptions { seed: 2, ..options };
    let (_, _, fc, _) = build(
        2,
        &ReportOptions {
            full_retrains: 0,
            whatifs: 0,
            ..other
        },
    );
    assert_ne!(fa, fc, "another seed samples other users");
    let err =
        write_report(std::path::Path::new("/proc/no/such/dir/x.json"), &features).unwrap_err();
    assert!(
        err.to_string()
            .starts_with("writing /proc/no/such/dir/x.json"),
        "{err}"
    );
}

#[test]
fn minimal_sets_keep_their_size_guarantee() {
    // Checked by brute force with the what-if: the set works, putting back any one like brings the
    // item back, and no single like (nor pair, for greedy sets) among the candidates works. For
    // users with at most m likes the candidates are all their likes, so "smallest" is global there.
    let f = ml100k();
    let e = &f.explainer;
    let options = SearchOptions::default();
    let m = options.candidates;
    let works = |u: u32, set: &[u32], item: u32| {
        !e.what_if(&WhatIf::without(u, set.to_vec()))
            .unwrap()
            .after
            .contains(item)
    };
    let (mut small_users, mut kinds) = (0, [0usize; 4]);
    for u in (0..f.data.n_users() as u32).step_by(23) {
        let likes = e.likes(u).unwrap().to_vec();
        if likes.len() < 2 {
            continue;
        }
        let top = e.recommend(u).unwrap();
        for item in [top.items[0].item, top.items[9].item] {
            let set = e.minimal_counterfactual(u, item, &options).unwrap();
            assert_eq!(set.candidates.len(), m.min(likes.len()));
            if likes.len() <= m {
                small_users += 1;
                let mut all = set.candidates.clone();
                all.sort_unstable();
                assert_eq!(all, likes);
            }
            let singles_fail = || set.candidates.iter().all(|&j| !works(u, &[j], item));
            let pairs_fail = || {
                set.candidates.iter().enumerate().all(|(a, &x)| {
                    set.candidates[a + 1..]
                        .iter()
                        .all(|&y| likes.len() == 2 || !works(u, &[x, y], item))
                })
            };
            match set.guarantee {
                SetGuarantee::Smallest => {
                    kinds[0] += 1;
                    assert_eq!(set.removed.len(), 1);
                }
                SetGuarantee::NoSingleAmongTop { .. } => {
                    kinds[1] += 1;
                    assert_eq!(set.removed.len(), 2);
                    assert!(singles_fail(), "user {u}: a single like works");
                }
                SetGuarantee::Irreducible { .. } => {
                    kinds[2] += 1;
                    assert!(
                        singles_fail() && pairs_fail(),
                        "user {u}: a smaller set works"
                    );
                }
                SetGuarantee::NotFound { .. } => {
                    kinds[3] += 1;
                    assert!(set.removed.is_empty());
                    assert!(singles_fail());
                    continue;
                }
            }
            assert!(works(u, &set.removed, item), "user {u}: {}", set.sentence);
            assert!(set.rank_after.unwrap() > 10);
            if set.removed.len() > 1 {
                for n in 0..set.removed.len() {
                    let mut back = set.removed.clone();
                    back.remove(n);
                    assert!(
                        !works(u, &back, item),
                        "user {u}: {:?} is reducible",
                        set.removed
                    );
                }
            }
        }
    }
    println!(
        "guarantees (smallest, pair, irreducible, not found): {kinds:?}; {small_users} small users"
    );
    assert!(kinds[0] > 0 && kinds[2] > 0, "{kinds:?}");
}
