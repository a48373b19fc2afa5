//! A generated fixture with a planted answer: user P's only sci-fi like, S, is what brings the
//! sci-fi movie R into P's top-10 (everyone else who liked S liked R too). The influences must rank
//! S first, removing S must remove R, and the minimal counterfactual set must be {S}.

use std::sync::atomic::AtomicBool;

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use whyrec::data::{Csr, FeatureMatrix, Positives};
use whyrec::engine::{AlsConfig, HybridAls};
use whyrec::explain::{Catalog, Explainer, SearchOptions, SetGuarantee, WhatIf};

const DRAMA: std::ops::Range<u32> = 0..50;
const COMEDY: std::ops::Range<u32> = 50..100;
const SCIFI: std::ops::Range<u32> = 100..130;
const S: u32 = 100;
const R: u32 = 101;
const N_ITEMS: usize = 130;

struct Planted {
    explainer: Explainer,
    /// P: eight drama/comedy likes and S.
    target: u32,
    /// Q: eight drama/comedy likes, S and two more sci-fi films.
    wide: u32,
}

/// 150 drama/comedy fans, 50 sci-fi fans (who like S and R), and the target P: ten drama/comedy
/// likes and S.
fn planted() -> Planted {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut likes: Vec<Vec<u32>> = Vec::new();
    let pick = |rng: &mut ChaCha8Rng, pool: &[u32], n: usize| -> Vec<u32> {
        pool.choose_multiple(rng, n).copied().collect()
    };
    let mainstream: Vec<u32> = DRAMA.chain(COMEDY).collect();
    for _ in 0..150 {
        let n = rng.gen_range(6..11);
        likes.push(pick(&mut rng, &mainstream, n));
    }
    let others: Vec<u32> = SCIFI.filter(|&i| i != S && i != R).collect();
    for _ in 0..40 {
        let mut l = vec![S, R];
        l.extend(pick(&mut rng, &others, 2));
        l.extend(pick(&mut rng, &mainstream, 1));
        likes.push(l);
    }
    let mut target = pick(&mut rng, &mainstream, 8);
    target.push(S);
    likes.push(target);
    let mut wide = pick(&mut rng, &mainstream, 8);
    wide.push(S);
    wide.extend(pick(&mut rng, &others, 2));
    likes.push(wide);
    let (mut users, mut items) = (Vec::new(), Vec::new());
    for (u, l) in likes.iter().enumerate() {
        users.extend(std::iter::repeat_n(u as u32, l.len()));
        items.extend(l);
    }
    let positives = Positives::from_pairs(likes.len(), N_ITEMS, &users, &items, 4.0);
    let genre = |i: u32| {
        if DRAMA.contains(&i) {
            0
        } else if COMEDY.contains(&i) {
            1
        } else {
            2
        }
    };
    let rows: Vec<u32> = (0..N_ITEMS as u32).collect();
    let cols: Vec<u32> = rows.iter().map(|&i| genre(i)).collect();
    let genres = FeatureMatrix {
        matrix: Csr::from_triplets(N_ITEMS, 3, &rows, &cols, &vec![1.0; N_ITEMS]),
        names: vec![
            "genre:Drama".into(),
            "genre:Comedy".into(),
            "genre:Sci-Fi".into(),
        ],
    };
    let config = AlsConfig {
        factors: 8,
        ..AlsConfig::default()
    };
    let model = HybridAls::fit(
        &positives,
        Some(&genres),
        None,
        &config,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("fit");
    let titles = (0..N_ITEMS as u32)
        .map(|i| match genre(i) {
            0 => format!("Drama {i}"),
            1 => format!("Comedy {i}"),
            _ if i == S => "Space Saga".to_string(),
            _ if i == R => "Robot Return".to_string(),
            _ => format!("Sci-Fi {i}"),
        })
        .collect();
    let catalog = Catalog::numbered("planted", likes.len(), titles);
    Planted {
        explainer: Explainer::new(model, positives, catalog).expect("explainer"),
        target: (likes.len() - 2) as u32,
        wide: (likes.len() - 1) as u32,
    }
}

#[test]
fn the_only_scifi_like_drives_the_scifi_recommendation() {
    let p = planted();
    let e = &p.explainer;
    let top = e.recommend(p.target).unwrap();
    assert!(
        top.contains(R),
        "R must be recommended: {:?}",
        top.item_ids()
    );

    // Influence: S is the like that matters most for R, and the sentence names it first.
    let inf = e.explain_influence(p.target, R, 5).unwrap();
    assert_eq!(inf.likes[0].like, S, "{:?}", &inf.likes[..3]);
    assert!(inf.likes[0].value > 2.0 * inf.likes[1].value.max(0.0));
    assert!(
        inf.sentence.starts_with("Because you liked Space Saga"),
        "{}",
        inf.sentence
    );
    let sum: f64 =
        inf.likes.iter().map(|l| f64::from(l.value)).sum::<f64>() + f64::from(inf.demographic);
    assert!((sum - f64::from(inf.score)).abs() <= 1e-4 * f64::from(inf.score).abs().max(1e-2));
    // Measured: without S, R is out of the top-10; without the next like, it stays.
    assert_eq!(inf.measured[0].like, S);
    assert!(!inf.measured[0].still_recommended, "{:?}", inf.measured[0]);
    assert!(inf.measured[1].still_recommended, "{:?}", inf.measured[1]);

    // The instant what-if agrees, names R as leaving, and keeps R when a drama like goes instead.
    let out = e.what_if(&WhatIf::without(p.target, vec![S])).unwrap();
    assert!(out.leaving.iter().any(|c| c.item == R));
    assert!(out
        .sentence
        .starts_with("If you hadn't liked Space Saga, the model would recommend"));
    let drama_like = *e
        .likes(p.target)
        .unwrap()
        .iter()
        .find(|&&i| i != S)
        .unwrap();
    let control = e
        .what_if(&WhatIf::without(p.target, vec![drama_like]))
        .unwrap();
    assert!(control.after.contains(R), "{}", control.sentence);

    // The minimal counterfactual set is {S}, found as a smallest set.
    let set = e
        .minimal_counterfactual(p.target, R, &SearchOptions::default())
        .unwrap();
    assert_eq!(set.removed, vec![S], "{}", set.sentence);
    assert_eq!(set.guarantee, SetGuarantee::Smallest);
    assert!(set.rank_after.unwrap() > 10);
    // The margin influence must put S first: trying only the single most influential like suffices.
    let narrow = SearchOptions {
        candidates: 1,
        ..SearchOptions::default()
    };
    let first_only = e.minimal_counterfactual(p.target, R, &narrow).unwrap();
    assert_eq!(first_only.removed, vec![S]);
    assert_eq!(first_only.sets_checked, 1);
    assert!(
        set.sentence
            .contains("Robot Return would leave your top-10"),
        "{}",
        set.sentence
    );
}

#[test]
fn a_found_set_is_confirmed_and_irreducible() {
    // Q's sci-fi taste rests on three likes: whatever set the search returns for R must take R out
    // of the top-10 when refolded, and putting back any one of its likes must bring R back.
    let p = planted();
    let e = &p.explainer;
    let q = p.wide;
    let top = e.recommend(q).unwrap();
    let target = if top.contains(R) {
        R
    } else {
        top.items[0].item
    };
    let set = e
        .minimal_counterfactual(q, target, &SearchOptions::default())
        .unwrap();
    assert!(!set.removed.is_empty(), "{}", set.sentence);
    let out = e.what_if(&WhatIf::without(q, set.removed.clone())).unwrap();
    assert!(!out.after.contains(target), "{}", out.sentence);
    assert!(out.leaving.iter().any(|c| c.item == target));
    for n in 0..set.removed.len() {
        let mut back = set.removed.clone();
        back.remove(n);
        if back.is_empty() {
            assert!(e.recommend(q).unwrap().contains(target));
            continue;
        }
        let out = e.what_if(&WhatIf::without(q, back)).unwrap();
        assert!(
            out.after.contains(target),
            "set {:?} is reducible",
            set.removed
        );
    }
    match set.guarantee {
        SetGuarantee::Smallest => assert_eq!(set.removed.len(), 1),
        SetGuarantee::NoSingleAmongTop { .. } => assert_eq!(set.removed.len(), 2),
        SetGuarantee::Irreducible { .. } => {}
        SetGuarantee::NotFound { .. } => panic!("a found set cannot be NotFound"),
    }
    // An item that is not in the top-10 is refused with a clear error.
    let likes = e.likes(q).unwrap();
    let outside = (0..N_ITEMS as u32)
        .find(|i| !top.contains(*i) && !likes.contains(i))
        .unwrap();
    let err = e
        .minimal_counterfactual(q, outside, &SearchOptions::default())
        .unwrap_err();
    assert!(
        err.to_string().contains("is not in user 192's top-10"),
        "{err}"
    );
}
