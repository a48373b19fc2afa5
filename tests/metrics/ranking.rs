//! Ranking metrics against values computed by hand on a tiny fixture: ties in scores, a user
//! without test positives, a test positive that is also a train positive, NaN scores, k larger
//! than the candidate list, and AUC against the brute-force pair count.

use proptest::prelude::*;
use whyrec::data::Positives;
use whyrec::engine::Scorer;
use whyrec::metrics::ranking::{auc, genre_distance};
use whyrec::metrics::{evaluate_ranking, RankingMetrics};

struct Fixed(Vec<Vec<f32>>);

impl Scorer for Fixed {
    fn name(&self) -> &str {
        "fixed"
    }
    fn n_items(&self) -> usize {
        6
    }
    fn score_items(&self, user: u32, out: &mut [f32]) {
        out.copy_from_slice(&self.0[user as usize]);
    }
}

fn positives(pairs: &[(u32, u32)]) -> Positives {
    let users: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    let items: Vec<u32> = pairs.iter().map(|p| p.1).collect();
    Positives::from_pairs(4, 6, &users, &items, 4.0)
}

/// Items 0..6, catalog 0..5 (item 5 was never rated). User 1 has no test positive; user 2's test
/// positive 3 is also in train; user 3 scores item 0 with NaN.
fn fixture() -> (Fixed, Positives, Positives, Vec<u32>, Vec<Vec<u16>>) {
    let nan = f32::NAN;
    let scorer = Fixed(vec![
        vec![5.0, 3.0, 3.0, 1.0, 3.0, 9.0],
        vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        vec![0.0, 0.0, 0.0, 7.0, 0.0, 0.0],
        vec![nan, 2.0, 1.0, 1.0, 1.0, 0.0],
    ]);
    let train = positives(&[(0, 0), (1, 1), (1, 2), (2, 3)]);
    let test = positives(&[(0, 2), (0, 4), (2, 3), (2, 0), (3, 1)]);
    let catalog = vec![4, 0, 1, 2, 3];
    let genres = vec![vec![0, 1], vec![1], vec![], vec![2], vec![2, 1, 0], vec![0]];
    (scorer, train, test, catalog, genres)
}

fn close(a: f64, b: f64) {
    assert!((a - b).abs() < 1e-9, "{a} != {b}");
}

/// −log2((1 + 1) / (4 train positives + 5 catalog items)).
const INFO_POP1: f64 = 2.169_925_001_442_312;
const INFO_POP0: f64 = 3.169_925_001_442_312;

#[test]
fn hand_computed_k2() {
    let (scorer, train, test, catalog, genres) = fixture();
    let report = evaluate_ranking(&scorer, &train, &test, &catalog, &genres, 2);
    assert_eq!(report.model, "fixed");
    assert_eq!(report.catalog_size, 5);
    let users: Vec<u32> = report.users.iter().map(|u| u.user).collect();
    assert_eq!(users, vec![0, 2, 3], "user 1 has no test positive");
    let l3 = 1.0 / 3f64.log2();

    // User 0: candidates 1, 2, 3, 4 (0 in train, 5 outside the catalog); 1, 2 and 4 tie at 3.
    let u0 = &report.users[0];
    assert_eq!(u0.top, vec![1, 2]);
    assert_eq!((u0.hits, u0.n_test), (1, 2));
    close(u0.p, 0.5);
    close(u0.r, 0.5);
    close(u0.ndcg, l3 / (1.0 + l3));
    close(u0.map, 0.25);
    close(u0.auc, 0.75);
    close(u0.novelty, INFO_POP1);
    close(u0.ild, 1.0);

    // User 2: every candidate scores 0, so the top is by index; test positive 3 is unreachable.
    let u2 = &report.users[1];
    assert_eq!(u2.top, vec![0, 1]);
    assert_eq!((u2.hits, u2.n_test), (1, 2));
    close(u2.p, 0.5);
    close(u2.r, 0.5);
    close(u2.ndcg, 1.0 / (1.0 + l3));
    close(u2.map, 0.5);
    close(u2.auc, 0.5);
    close(u2.ild, 0.5);

    // User 3: NaN ranks last; one test positive, so the ideal DCG has one term.
    let u3 = &report.users[2];
    assert_eq!(u3.top, vec![1, 2]);
    close(u3.p, 0.5);
    close(u3.r, 1.0);
    close(u3.ndcg, 1.0);
    close(u3.map, 1.0);
    close(u3.auc, 1.0);

    let m = &report.metrics;
    assert_eq!(m.n_users, 3);
    close(m.precision, 0.5);
    close(m.recall, 2.0 / 3.0);
    close(m.ndcg, 2.0 / 3.0);
    close(m.map, 1.75 / 3.0);
    close(m.auc, 0.75);
    close(m.coverage, 3.0 / 5.0);
    close(m.novelty, INFO_POP1);
    close(m.ild, 2.5 / 3.0);
}

#[test]
fn k_larger_than_candidates() {
    let (scorer, train, test, catalog, genres) = fixture();
    let report = evaluate_ranking(&scorer, &train, &test, &catalog, &genres, 10);
    let u0 = &report.users[0];
    assert_eq!(u0.top, vec![1, 2, 4, 3]);
    close(u0.p, 0.2);
    close(u0.r, 1.0);
    let l3 = 1.0 / 3f64.log2();
    close(u0.ndcg, (l3 + 0.5) / (1.0 + l3));
    close(u0.map, (0.5 + 2.0 / 3.0) / 2.0);
    let u3 = &report.users[2];
    assert_eq!(u3.top, vec![1, 2, 3, 4, 0]);
    close(u3.p, 0.1);
    close(u3.ndcg, 1.0);
    close(u3.map, 1.0);
    close(u3.novelty, (4.0 * INFO_POP1 + INFO_POP0) / 5.0);
    let pairs = [
        1.0,
        1.0,
        2.0 / 3.0,
        0.5,
        1.0,
        1.0,
        1.0,
        2.0 / 3.0,
        1.0,
        1.0 / 3.0,
    ];
    close(u3.ild, pairs.iter().sum::<f64>() / 10.0);
    close(report.metrics.coverage, 1.0);
}

#[test]
fn same_result_on_any_thread_count() {
    let (scorer, train, test, catalog, genres) = fixture();
    let run = |threads| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| evaluate_ranking(&scorer, &train, &test, &catalog, &genres, 3))
    };
    let one = run(1);
    assert_eq!(one, run(4));
    let json = serde_json::to_string(&one).unwrap();
    assert!(json.contains("\"precision\""));
    let back: whyrec::metrics::RankingReport = serde_json::from_str(&json).unwrap();
    assert_eq!(back.users, one.users);
}

#[test]
fn aggregate_of_a_group() {
    let (scorer, train, test, catalog, genres) = fixture();
    let report = evaluate_ranking(&scorer, &train, &test, &catalog, &genres, 2);
    let group = RankingMetrics::aggregate(report.users.iter().filter(|u| u.user != 2), 5);
    assert_eq!(group.n_users, 2);
    close(group.recall, 0.75);
    close(group.coverage, 2.0 / 5.0);
    assert_eq!(RankingMetrics::aggregate([], 5), RankingMetrics::default());
}

#[test]
fn genre_distances() {
    close(genre_distance(&[], &[]), 0.0);
    close(genre_distance(&[3], &[]), 1.0);
    close(genre_distance(&[1, 2], &[2, 5]), 1.0 - 1.0 / 3.0);
    close(genre_distance(&[4], &[4]), 0.0);
}

proptest! {
    #[test]
    fn auc_matches_brute_force(
        pos in proptest::collection::vec(0u8..6, 1..120),
        neg in proptest::collection::vec(0u8..6, 1..30),
    ) {
        let pos: Vec<f32> = pos.into_iter().map(f32::from).collect();
        let mut neg: Vec<f32> = neg.into_iter().map(f32::from).collect();
        let mut wins = 0.0;
        for &p in &pos {
            for &n in &neg {
                wins += if p > n { 1.0 } else if p == n { 0.5 } else { 0.0 };
            }
        }
        let expected = wins / (pos.len() * neg.len()) as f64;
        prop_assert!((auc(&pos, &mut neg) - expected).abs() < 1e-12);
    }
}
