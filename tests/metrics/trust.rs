//! Trust metrics against values computed by hand on a tiny fixture — ties in scores, a user
//! without test positives, an item without genres, a user with a single train positive, an item
//! outside the catalog — plus the list measures (Jaccard, Gini, ARP, Steck's KL, percentiles)
//! on their own and stability = 1 when nothing changes.

use whyrec::data::twins::Twins;
use whyrec::data::{Csr, FeatureMatrix, Positives};
use whyrec::engine::{CandidateRule, Candidates};
use whyrec::engine::{ModelSpec, Settings};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::trust::lists::{
    average_popularity, calibration_kl, exposure, exposure_gini, genre_distribution, gini, jaccard,
    percentile, CALIBRATION_ALPHA,
};
use whyrec::metrics::trust::model_trust;
use whyrec::metrics::trust::stability::{drop_count, top_of, Perturbation};
use whyrec::metrics::trust::TrustConfig;

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-12, "{a} != {b}");
}

fn positives(n_users: usize, n_items: usize, pairs: &[(u32, u32)]) -> Positives {
    let users: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    let items: Vec<u32> = pairs.iter().map(|p| p.1).collect();
    Positives::from_pairs(n_users, n_items, &users, &items, 4.0)
}

fn features(n_rows: usize, rows: &[Vec<u16>], n_cols: usize) -> FeatureMatrix {
    let (mut r, mut c) = (Vec::new(), Vec::new());
    for (i, row) in rows.iter().enumerate() {
        for &g in row {
            r.push(i as u32);
            c.push(u32::from(g));
        }
    }
    let ones = vec![1.0; r.len()];
    FeatureMatrix {
        matrix: Csr::from_triplets(n_rows, n_cols, &r, &c, &ones),
        names: (0..n_cols).map(|g| format!("genre:{g}")).collect(),
    }
}

/// 4 users, 6 items, catalog 0..5 (item 5 never rated). Item 2 has no genre. User 2 has a single
/// train positive, user 3 no test positive. Train popularity: [3, 3, 1, 2, 1, 0].
fn fixture() -> EvalData {
    let genres = vec![vec![0, 1], vec![1], vec![], vec![2], vec![0], vec![0]];
    let train = positives(
        4,
        6,
        &[
            (0, 0),
            (0, 1),
            (0, 2),
            (1, 0),
            (1, 3),
            (2, 1),
            (3, 0),
            (3, 1),
            (3, 3),
            (3, 4),
        ],
    );
    let catalog = vec![0, 1, 2, 3, 4];
    EvalData {
        split: "fixture".into(),
        n_users: 4,
        n_items: 6,
        candidates: Candidates::new(
            &catalog,
            Twins::none(6),
            train.by_user.clone(),
            CandidateRule::Served,
        ),
        train,
        test: positives(4, 6, &[(0, 3), (1, 1), (2, 4)]),
        catalog,
        item_features: features(6, &genres, 3),
        item_genres: genres,
        n_genres: 3,
        user_features: None,
        users: whyrec::metrics::sample::UserSample::draw(
            vec![0, 1, 2],
            whyrec::metrics::sample::Population::All,
            0,
        ),
    }
}

#[test]
fn popularity_trust_by_hand() {
    let data = fixture();
    let (trust, _) = model_trust(
        ModelSpec::Popularity,
        &Settings::default(),
        &data,
        7,
        &TrustConfig::default(),
    )
    .unwrap();
    assert_eq!(trust.model, "popularity");
    // Lists (every candidate, fewer than 10): ties 0/1 and 2/4 go to the lower index.
    let tops: Vec<&[u32]> = trust.users.iter().map(|u| u.top.as_slice()).collect();
    assert_eq!(tops, [&[3, 4][..], &[1, 2, 4], &[0, 3, 2, 4]]);
    assert_eq!(
        trust.users.iter().map(|u| u.user).collect::<Vec<_>>(),
        [0, 1, 2],
        "user 3 has no test positive"
    );
    let s = &trust.summary;
    assert_eq!(s.users, 3);
    close(s.coverage, 1.0);
    // ARP: (2+1)/2, (3+1+1)/3, (3+2+1+1)/4.
    close(trust.users[0].arp, 1.5);
    close(trust.users[1].arp, 5.0 / 3.0);
    close(trust.users[2].arp, 1.75);
    close(s.lists.arp, 1.638_888_888_888_889);
    // Exposure [1, 1, 2, 2, 3] over the 5 catalog items: 10 / (5 · 9).
    close(s.lists.gini, 10.0 / 45.0);
    // Steck KL per user (see the test below for the distributions).
    let kl: Vec<f64> = trust
        .users
        .iter()
        .map(|u| u.calibration_kl.unwrap())
        .collect();
    close(kl[0], 3.281_843_979_806_968_7);
    close(kl[1], 1.958_517_773_625_845_2);
    close(kl[2], 1.742_969_305_058_623);
    close(s.lists.calibration_kl, 2.327_777_019_497_146);
    assert_eq!(s.lists.calibration_users, 3);
    // Popularity ignores the history (refold) and the seed.
    let refold = s.stability_refold.as_ref().unwrap();
    close(refold.mean, 1.0);
    close(refold.p10, 1.0);
    assert_eq!(refold.emptied, 1, "user 2 loses its only train positive");
    close(s.seed_stability.as_ref().unwrap().mean, 1.0);
    assert_eq!(trust.users[2].dropped, 1);
    // Retrain: popularity recounted without the dropped positives, same candidates as before.
    let p = Perturbation::draw(&data.train, 0.1, 7);
    let mut counts = [0f32; 6];
    for row in &p.kept {
        for &i in row {
            counts[i as usize] += 1.0;
        }
    }
    for (k, u) in trust.users.iter().enumerate() {
        let after = top_of(&counts, &data.catalog, data.train_of(u.user), 10);
        close(u.stability_retrain.unwrap(), jaccard(&after, tops[k]));
    }
}

#[test]
fn genre_distributions_and_kl() {
    let data = fixture();
    let g = |items: &[u32]| genre_distribution(items, &data.item_genres, 3);
    // Item 0 shares its weight between genres 0 and 1; item 2 (no genre) is left out.
    assert_eq!(g(&[0, 1, 2]).unwrap(), vec![0.25, 0.75, 0.0]);
    assert_eq!(g(&[0, 3]).unwrap(), vec![0.25, 0.25, 0.5]);
    assert_eq!(g(&[2]), None, "no genre-bearing item, no distribution");
    let p = vec![0.2, 0.3, 0.5];
    close(calibration_kl(&p, Some(&p), CALIBRATION_ALPHA), 0.0);
    close(
        calibration_kl(&[0.5, 0.5], Some(&[1.0, 0.0]), CALIBRATION_ALPHA),
        1.958_517_773_625_845_2,
    );
    // A top list without genres counts as q = 0: KL = ln(1/α).
    close(
        calibration_kl(&p, None, CALIBRATION_ALPHA),
        (1.0f64 / CALIBRATION_ALPHA).ln(),
    );
}

#[test]
fn gini_jaccard_arp_percentile() {
    close(gini(&[4.0; 7]), 0.0);
    close(gini(&[0.0; 5]), 0.0);
    close(gini(&[0.0, 0.0, 0.0, 9.0]), 0.75);
    close(gini(&[0.0, 3.0, 0.0, 1.0]), 0.625);
    let shown = exposure([&[2u32, 0][..], &[2, 9]], 4);
    assert_eq!(shown, [1, 0, 2, 0], "item 9 is out of range");
    close(exposure_gini(&shown, &[0, 1, 2]), 4.0 / 9.0);
    close(exposure_gini(&[0, 0, 5], &[2]), 0.0);
    close(jaccard(&[1, 2, 3], &[3, 2, 1]), 1.0);
    close(jaccard(&[1, 2, 3], &[4]), 0.0);
    close(jaccard(&[1, 2, 3], &[2, 3, 4]), 0.5);
    close(jaccard(&[], &[]), 1.0);
    close(average_popularity(&[0, 2], &[4, 0, 1]), 2.5);
    close(average_popularity(&[], &[4]), 0.0);
    let v: Vec<f64> = (1..=20).map(f64::from).collect();
    close(percentile(&v, 0.1), 2.0);
    close(percentile(&v[..5], 0.1), 1.0);
    assert!(percentile(&[], 0.1).is_nan());
}

#[test]
fn perturbation_drops_ten_percent_at_least_one() {
    assert_eq!(
        [0, 1, 4, 10, 15, 25, 26].map(|n| drop_count(n, 0.1)),
        [0, 1, 1, 1, 2, 3, 3]
    );
    assert_eq!(drop_count(30, 0.0), 0);
    let pairs: Vec<(u32, u32)> = (0..40u32).map(|i| (i % 3, i)).collect();
    let train = positives(4, 40, &pairs);
    let a = Perturbation::draw(&train, 0.1, 3);
    assert_eq!(a.dropped, Perturbation::draw(&train, 0.1, 3).dropped);
    assert_ne!(a.dropped, Perturbation::draw(&train, 0.1, 4).dropped);
    for u in 0..4 {
        let row = train.by_user.row(u);
        assert_eq!(a.dropped[u].len(), drop_count(row.len(), 0.1));
        let mut all = [a.dropped[u].clone(), a.kept[u].clone()].concat();
        all.sort_unstable();
        assert_eq!(all, row);
    }
    assert!(a.dropped[3].is_empty() && a.kept[3].is_empty());
    assert_eq!(a.kept_positives(&train).by_user.nnz(), 40 - 3);
}

#[test]
fn top_of_ties_nan_and_exclusions() {
    let s = [1.0, 3.0, f32::NAN, 3.0, 2.0, 9.0];
    assert_eq!(top_of(&s, &[0, 1, 2, 3, 4], &[], 3), [1, 3, 4]);
    assert_eq!(top_of(&s, &[0, 1, 2, 3, 4], &[1], 10), [3, 4, 0, 2]);
}

#[test]
fn stability_is_one_when_nothing_changes() {
    // A factor model: dropping nothing, refolding gives back each user's row bit for bit and
    // retraining on the same data with the same seed gives the same model; an offset of 0 makes
    // the "second seed" the same seed.
    let data = fixture();
    let config = TrustConfig {
        drop_fraction: 0.0,
        second_seed_offset: 0,
        ..TrustConfig::default()
    };
    let small = Settings {
        factors: Some(3),
        iterations: Some(3),
        ..Settings::seeded(1)
    };
    let (trust, _) = model_trust(ModelSpec::HybridAls, &small, &data, 5, &config).unwrap();
    let s = &trust.summary;
    for st in [&s.stability_refold, &s.stability_retrain, &s.seed_stability] {
        let st = st.as_ref().unwrap();
        close(st.mean, 1.0);
        close(st.p10, 1.0);
        assert_eq!(st.emptied, 0);
    }
    assert!(trust.users.iter().all(|u| u.dropped == 0));
}
