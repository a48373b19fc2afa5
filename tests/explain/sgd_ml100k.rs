//! The explain layer on a `warp` model of real ML-100K: the update attribution of the SGD fold-in
//! adds up (credits to the own embedding, influences to the folded score, for every user × top-10),
//! attributions sum to the score, the attribution is faithful (removing the likes it ranks highest
//! lowers the score more than removing the lowest, measured by refolding), and the explainer
//! compares refolds with refolds.

use crate::common;
use whyrec::engine::Scorer;

use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{Dataset, Positives};
use whyrec::engine::{FactorModel, SgdConfig, SgdModel};
use whyrec::explain::{assign_terms, Explainer, ListSource, PartKind, RetrainKind, WhatIf};

struct Fixture {
    data: Dataset,
    explainer: Explainer<SgdModel>,
}

/// The tuned WARP defaults on every positive (about 4 s).
fn warp() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let data = common::load_ml100k();
        let positives = Positives::from_dataset(&data, 4.0);
        let model = SgdModel::fit(
            &positives,
            Some(&item_genre_features(&data)),
            user_demographic_features(&data).as_ref(),
            &SgdConfig::warp(),
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .expect("fit");
        let explainer = Explainer::from_dataset(model, &data).expect("explainer");
        Fixture { data, explainer }
    })
}

/// |a − b| against the size of the terms that were added (the score can be near 0).
fn gap(sum: f64, score: f32, scale: f64) -> f64 {
    (sum - f64::from(score)).abs() / scale.max(f64::from(score).abs()).max(1e-6)
}

#[test]
fn credits_add_up_to_the_fold_in_and_influences_to_the_score_for_every_user_and_top10() {
    let f = warp();
    let e = &f.explainer;
    let m = e.model();
    let (mut worst_own, mut worst_score) = (0.0f64, 0.0f64);
    let mut scores = vec![0.0; m.n_items()];
    for u in 0..f.data.n_users() as u32 {
        let likes = e.likes(u).unwrap();
        let features = m.user_features_of(u);
        let a = m.fold_in_attributed(likes, features);
        assert_eq!(
            a.folded,
            m.fold_in(likes, features),
            "bit-identical fold-in"
        );
        for (s, &own) in a.credit_sum().iter().zip(&a.folded.own) {
            let g = (s - f64::from(own)).abs() / (1.0 + f64::from(own).abs());
            worst_own = worst_own.max(g);
        }
        m.score_folded(&a.folded, &mut scores);
        let top = e.recommend(u).unwrap();
        let items: Vec<u32> = top.item_ids();
        let influences = m.influences_of(likes, features, &items).unwrap();
        for (inf, &item) in influences.iter().zip(&items) {
            assert_eq!(inf.per_item.len(), likes.len());
            assert!(inf.per_item.iter().map(|p| p.0).eq(likes.iter().copied()));
            assert_eq!(inf.bias, m.sides().item_biases().unwrap()[item as usize]);
            let parts: Vec<f64> = inf
                .per_item
                .iter()
                .map(|p| f64::from(p.1))
                .chain([f64::from(inf.demographic), f64::from(inf.bias)])
                .collect();
            let scale = parts.iter().map(|v| v.abs()).sum::<f64>();
            let score = scores[item as usize];
            let g = gap(parts.iter().sum(), score, scale);
            worst_score = worst_score.max(g);
            assert!(g <= 1e-5, "user {u} item {item}: {inf:?} vs {score}");
            assert!((inf.total - score).abs() <= 1e-5 * (1.0 + score.abs()));
            // The trait gives the same numbers (checked on a sample: it refolds per item).
            if u % 13 == 0 {
                assert_eq!(&FactorModel::influences(m, likes, features, item), inf);
            }
        }
    }
    println!("worst credit-sum gap {worst_own:e}, worst influence-sum gap {worst_score:e}");
    assert!(worst_own <= 1e-9, "credits vs own embedding: {worst_own}");
}

#[test]
fn attribution_parts_sum_to_the_score_for_every_user_and_top10_item() {
    let f = warp();
    let e = &f.explainer;
    let m = e.model();
    let mut worst = 0.0f64;
    let mut scores = vec![0.0; m.n_items()];
    for u in 0..f.data.n_users() as u32 {
        let top = e.recommend(u).unwrap();
        assert_eq!(
            top.source == ListSource::Model,
            !e.likes(u).unwrap().is_empty()
        );
        // One refold per user, its terms assigned as `Explainer::attribute` does (checked below on
        // a sample of users).
        let folded = FactorModel::fold_in(m, e.likes(u).unwrap(), m.user_features_of(u));
        m.score_folded(&folded, &mut scores);
        let n_demo = m.user_features_of(u).len();
        for r in &top.items {
            let score = scores[r.item as usize];
            let parts = assign_terms(&FactorModel::decompose_folded(m, &folded, r.item), score);
            if u % 13 == 0 {
                let a = e.attribute(u, r.item).unwrap();
                assert_eq!((a.score, &a.parts), (score, &parts));
            }
            if top.source == ListSource::Model {
                assert_eq!(score, r.score, "the attributed score is the ranked score");
            }
            let sum: f64 = parts.iter().map(|p| f64::from(p.value)).sum();
            let scale = parts.iter().map(|p| f64::from(p.value).abs()).sum();
            let g = gap(sum, score, scale);
            worst = worst.max(g);
            assert!(g <= 1e-5, "user {u} item {}: {parts:?}", r.item);
            let n_genres = m.sides().item_features_of(r.item).len();
            // collaborative, each genre, each demographic, and the item bias (own + genres).
            assert_eq!(parts.len(), 1 + n_genres + n_demo + 1, "{parts:?}");
            let bias: Vec<_> = parts.iter().filter(|p| p.kind == PartKind::Bias).collect();
            assert_eq!(bias.len(), 1);
            assert_eq!(bias[0].name, "bias:item");
            let b = m.sides().item_biases().unwrap()[r.item as usize];
            assert!((bias[0].value - b).abs() <= 1e-6 * (1.0 + b.abs()));
        }
    }
    println!("worst relative gap {worst:e}");
}

#[test]
fn removing_the_likes_with_the_largest_attribution_lowers_the_score_most() {
    let f = warp();
    let e = &f.explainer;
    let m = e.model();
    let score_without = |likes: &[u32], features: &[u32], removed: &[u32], item: u32| {
        let rest: Vec<u32> = likes
            .iter()
            .copied()
            .filter(|h| !removed.contains(h))
            .collect();
        let mut s = vec![0.0; m.n_items()];
        m.score_folded(&m.fold_in(&rest, features), &mut s);
        s[item as usize]
    };
    let (mut users, mut wins) = (0usize, 0usize);
    let (mut top_drop, mut bottom_drop, mut random_drop) = (0.0f64, 0.0f64, 0.0f64);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    for u in (0..f.data.n_users() as u32).step_by(9) {
        let likes = e.likes(u).unwrap();
        if likes.len() < 20 {
            continue;
        }
        let features = m.user_features_of(u);
        let top = e.recommend(u).unwrap();
        for item in [top.items[0].item, top.items[9].item] {
            let inf = m.influences(likes, features, item);
            let mut order = inf.per_item.clone();
            order.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
            let n = 5;
            let first: Vec<u32> = order[..n].iter().map(|p| p.0).collect();
            let last: Vec<u32> = order[order.len() - n..].iter().map(|p| p.0).collect();
            let random: Vec<u32> = likes.choose_multiple(&mut rng, n).copied().collect();
            let score = inf.total;
            let d_top = f64::from(score - score_without(likes, features, &first, item));
            let d_bottom = f64::from(score - score_without(likes, features, &last, item));
            let d_random = f64::from(score - score_without(likes, features, &random, item));
            top_drop += d_top;
            bottom_drop += d_bottom;
            random_drop += d_random;
            wins += usize::from(d_top > d_bottom);
            users += 1;
        }
    }
    let mean = |x: f64| x / users as f64;
    println!(
        "{users} (user, item) pairs: removing the 5 largest credits drops the score by {:.4} on \
         average, 5 random likes by {:.4}, the 5 smallest by {:.4}; largest beats smallest in {wins}",
        mean(top_drop),
        mean(random_drop),
        mean(bottom_drop)
    );
    assert!(users >= 100, "{users} pairs");
    assert!(mean(top_drop) > 0.0);
    assert!(top_drop > random_drop && random_drop > bottom_drop);
    assert!(
        wins * 10 >= users * 8,
        "largest beat smallest in {wins} of {users}"
    );
}

#[test]
fn the_explainer_compares_refolds_with_refolds() {
    let f = warp();
    let e = &f.explainer;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    for u in (0..f.data.n_users() as u32).step_by(101) {
        let likes = e.likes(u).unwrap().to_vec();
        let m = e.model();
        let folded = m.fold_in(&likes, m.user_features_of(u));
        let mut scores = vec![0.0; m.n_items()];
        m.score_folded(&folded, &mut scores);
        // The refold's scores over the served candidates (no rated movie, no twin, one title once).
        let expected: Vec<u32> = e
            .candidates()
            .top_k(&scores, 10, Some(u), &[])
            .iter()
            .map(|p| p.0)
            .collect();
        let before = e.recommend(u).unwrap();
        assert_eq!(
            before.item_ids(),
            expected,
            "the list explained is the refold's"
        );
        let x = e.explain(u, before.items[0].item).unwrap();
        assert_eq!(x.influence.rank, Some(1));
        assert!(x.influence.method.starts_with("update attribution"));
        let sum: f64 = x
            .influence
            .likes
            .iter()
            .map(|l| f64::from(l.value))
            .sum::<f64>()
            + f64::from(x.influence.demographic + x.influence.bias);
        assert!((sum - f64::from(x.influence.score)).abs() <= 1e-5 * (1.0 + sum.abs()));
        let w = WhatIf::without(u, vec![*likes.choose(&mut rng).unwrap()]);
        let instant = e.what_if(&w).unwrap();
        assert_eq!(
            instant.before, before,
            "the what-if starts from the same refold"
        );
        let retrained = e
            .retrain_incremental(&w, 1, &mut |_| {}, &AtomicBool::new(false))
            .unwrap();
        assert_eq!(retrained.kind, RetrainKind::Incremental);
        assert_eq!(retrained.outcome.before, before);
        assert_eq!(retrained.outcome.after.len(), 10);
    }
}
