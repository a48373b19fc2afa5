//! Tests of `rank.rs`.

use super::*;

mod one_pass_ranks {
    use super::super::*;
    use proptest::prelude::*;

    proptest! {
        /// One pass gives each item's rank as counting the candidates ahead of it one by
        /// one, with ties (and NaN) broken as the lists break them.
        #[test]
        fn ranks_in_one_pass_are_the_counted_ranks(
            scores in proptest::collection::vec(
                prop_oneof![(-3i8..3).prop_map(f32::from), Just(f32::NAN)],
                1..60,
            ),
            allowed in proptest::collection::vec(any::<bool>(), 60),
            queries in proptest::collection::vec(0u32..70, 0..12),
        ) {
            let allowed = &allowed[..scores.len()];
            let counted = |item: u32| -> Option<usize> {
                let i = item as usize;
                if !*allowed.get(i)? {
                    return None;
                }
                let me = (item, scores[i]);
                Some(1 + (0..scores.len())
                    .filter(|&j| allowed[j] && by_rank((j as u32, scores[j]), me).is_lt())
                    .count())
            };
            let fast = ranks_among(&scores, allowed, &queries);
            let want: Vec<Option<usize>> = queries.iter().map(|&i| counted(i)).collect();
            prop_assert_eq!(fast, want);
        }
    }
}

fn seen(rows: &[&[u32]], n_items: usize) -> Csr {
    let (mut u, mut i) = (Vec::new(), Vec::new());
    for (r, items) in rows.iter().enumerate() {
        for &x in *items {
            u.push(r as u32);
            i.push(x);
        }
    }
    binary(rows.len(), n_items, &u, &i)
}

#[test]
fn top_k_breaks_ties_by_index_and_ranks_nan_last() {
    let s = [1.0, 3.0, 3.0, f32::NAN, 3.0];
    let all = [true; 5];
    assert_eq!(top_k_allowed(&s, 2, &all), vec![(1, 3.0), (2, 3.0)]);
    let ids: Vec<u32> = top_k_allowed(&s, 10, &all).iter().map(|p| p.0).collect();
    assert_eq!(ids, vec![1, 2, 4, 0, 3]);
    assert!(top_k_allowed(&s, 0, &all).is_empty());
    assert_eq!(rank_among(&s, &all, 4), Some(3));
    assert_eq!(rank_among(&s, &all, 3), Some(5));
}

#[test]
fn the_scan_gives_the_selection_s_list() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    for case in 0..300 {
        let n = rng.gen_range(0..400);
        // Few distinct values (ties), some NaN and infinities.
        let scores: Vec<f32> = (0..n)
            .map(|_| match rng.gen_range(0..20) {
                0 => f32::NAN,
                1 => f32::NEG_INFINITY,
                2 => f32::INFINITY,
                _ => rng.gen_range(0..12) as f32 / 4.0,
            })
            .collect();
        let allowed: Vec<bool> = (0..n).map(|_| rng.gen_bool(0.7)).collect();
        // NaN ≠ NaN: compare ids and score bits.
        let bits = |l: Vec<(u32, f32)>| -> Vec<(u32, u32)> {
            l.into_iter().map(|(i, s)| (i, s.to_bits())).collect()
        };
        for k in [1, 3, 10, 64] {
            assert_eq!(
                bits(top_k_allowed(&scores, k, &allowed)),
                bits(top_k_by_selection(&scores, k, &allowed)),
                "case {case}, k {k}"
            );
        }
    }
}

#[test]
fn a_top_list_holds_k_not_the_catalog() {
    // Kept for every user: a list of 10 must not keep the room of 100,000 candidates, also
    // once mapped to ids (`into_iter().map(..).collect()` reuses the allocation).
    let scores: Vec<f32> = (0..100_000).map(|i| (i % 977) as f32).collect();
    let allowed = vec![true; scores.len()];
    let top = top_k_allowed(&scores, 10, &allowed);
    assert_eq!(top.len(), 10);
    assert!(top.capacity() < 64, "capacity {}", top.capacity());
    let ids: Vec<u32> = top.into_iter().map(|c| c.0).collect();
    assert!(ids.capacity() < 128, "capacity {}", ids.capacity());
}

#[test]
fn seen_items_their_twins_and_lower_scoring_twins_are_not_candidates() {
    // items 0..6; twins {1, 4} and {2, 5}; item 6 outside the catalog.
    let twins = Twins::from_keys(&[None, Some(1), Some(2), None, Some(1), Some(2), None]);
    let c = Candidates::new(
        &[0, 1, 2, 3, 4, 5],
        twins,
        seen(&[&[1], &[]], 7),
        CandidateRule::Served,
    );
    let s = [0.1, 0.9, 0.5, 0.2, 0.8, 0.7, 5.0];
    // user 0 rated 1: its twin 4 goes too; of {2, 5} the better (5) stays.
    let ids: Vec<u32> = c.top_k(&s, 10, Some(0), &[]).iter().map(|p| p.0).collect();
    assert_eq!(ids, vec![5, 3, 0]);
    // user 1 rated nothing: one of each twin pair, the better one.
    let ids: Vec<u32> = c.top_k(&s, 10, Some(1), &[]).iter().map(|p| p.0).collect();
    assert_eq!(ids, vec![1, 5, 3, 0]);
    // extra items count as seen, with their twins.
    let ids: Vec<u32> = c.top_k(&s, 10, None, &[5]).iter().map(|p| p.0).collect();
    assert_eq!(ids, vec![1, 3, 0]);
    assert!(c.is_seen(Some(0), &[], 4) && !c.is_seen(Some(1), &[], 4));
}
