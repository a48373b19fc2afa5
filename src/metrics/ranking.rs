//! Top-k ranking metrics of PROTOCOL.md (implicit feedback): P@k, R@k, NDCG@k, MAP@k, AUC,
//! coverage@k, novelty@k and intra-list diversity, macro-averaged over the evaluated users.
//!
//! Conventions beyond the protocol's text, all of which only matter for data a valid split never
//! produces or for degenerate scorers:
//! - a NaN score ranks below every number (it is read as −∞);
//! - candidates are those of [`Candidates`] (`engine::rank`, PROTOCOL.md rule 4: under the served
//!   rule the catalog minus train positives, ratings below the threshold and their twins, one item
//!   per twin group; under `positives` the catalog minus train positives);
//! - a test positive that is not a candidate (also a train positive, the twin of a seen movie, the
//!   lower-scoring twin of another candidate, or outside the catalog) can never be recommended: it still counts in |test_u| (recall, ideal DCG, MAP), but takes no
//!   part in AUC, whose pairs are pairs of candidates;
//! - AUC of a user without any pair (no reachable test positive, or no candidate that is not a test
//!   positive) is 0.5;
//! - when fewer than k candidates remain, the top list is shorter, P@k is still hits / k, and
//!   novelty and ILD are means over the list actually recommended (0 for lists too short to have
//!   an item or a pair).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::data::twins::Twins;
use crate::data::Positives;
use crate::engine::rank::top_k_allowed;
use crate::engine::{CandidateRule, Candidates, Scorer};

/// PROTOCOL.md's cut-off.
pub const K: usize = 10;

/// One evaluated user's metrics and top list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRanking {
    pub user: u32,
    /// P@k.
    pub p: f64,
    /// R@k.
    pub r: f64,
    pub ndcg: f64,
    pub map: f64,
    pub auc: f64,
    /// Mean self-information of the top list, −log2 of the smoothed popularity share.
    pub novelty: f64,
    /// Mean genre distance (1 − Jaccard) over the pairs of the top list.
    pub ild: f64,
    /// Test positives in the top list.
    pub hits: usize,
    /// |test_u|, the user's test positives.
    pub n_test: usize,
    /// The top list, best first.
    pub top: Vec<u32>,
}

/// Macro averages over a set of evaluated users.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RankingMetrics {
    /// Number of users averaged.
    pub n_users: usize,
    pub precision: f64,
    pub recall: f64,
    pub ndcg: f64,
    pub map: f64,
    pub auc: f64,
    /// |union of the users' top lists| / |catalog|.
    pub coverage: f64,
    pub novelty: f64,
    pub ild: f64,
}

impl RankingMetrics {
    /// Means over `users`, summed in the order given (so results are reproducible bit for bit),
    /// and the coverage of their top lists over a catalog of `catalog_size` items. Serves the whole
    /// population as well as any group of it (fairness reports).
    pub fn aggregate<'a>(
        users: impl IntoIterator<Item = &'a UserRanking>,
        catalog_size: usize,
    ) -> RankingMetrics {
        let mut m = RankingMetrics::default();
        let mut shown: Vec<u32> = Vec::new();
        for u in users {
            m.n_users += 1;
            m.precision += u.p;
            m.recall += u.r;
            m.ndcg += u.ndcg;
            m.map += u.map;
            m.auc += u.auc;
            m.novelty += u.novelty;
            m.ild += u.ild;
            shown.extend_from_slice(&u.top);
        }
        if m.n_users > 0 {
            let n = m.n_users as f64;
            for v in [
                &mut m.precision,
                &mut m.recall,
                &mut m.ndcg,
                &mut m.map,
                &mut m.auc,
                &mut m.novelty,
                &mut m.ild,
            ] {
                *v /= n;
            }
        }
        shown.sort_unstable();
        shown.dedup();
        if catalog_size > 0 {
            m.coverage = shown.len() as f64 / catalog_size as f64;
        }
        m
    }
}

/// Result of [`evaluate_ranking`]: the macro averages and every evaluated user's values, in
/// ascending user order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankingReport {
    pub model: String,
    /// The candidate rule (`served` or `positives`).
    pub protocol: String,
    pub k: usize,
    pub catalog_size: usize,
    #[serde(flatten)]
    pub metrics: RankingMetrics,
    pub users: Vec<UserRanking>,
}

/// [`evaluate_ranking_with`] under the `positives` rule over `catalog`: candidates are the catalog
/// minus the user's train positives (fixtures, and numbers measured before PROTOCOL.md rule 4).
pub fn evaluate_ranking(
    scorer: &dyn Scorer,
    train: &Positives,
    test: &Positives,
    catalog: &[u32],
    item_genres: &[Vec<u16>],
    k: usize,
) -> RankingReport {
    let n_items = scorer.n_items();
    assert!(
        catalog.iter().all(|&i| (i as usize) < n_items),
        "catalog item out of range"
    );
    let mut seen = train.by_user.clone();
    seen.n_cols = n_items;
    let candidates = Candidates::new(
        catalog,
        Twins::none(n_items),
        seen,
        CandidateRule::Positives,
    );
    evaluate_ranking_with(scorer, &candidates, train, test, item_genres, k)
}

/// Evaluates `scorer` on a split per PROTOCOL.md: for each user with at least one test positive,
/// ranks the user's `candidates` (ties broken by lower item index) and scores the top `k` against
/// the test positives. `item_genres[i]` lists item i's genres (missing rows
/// count as no genre). Users are scored in parallel; the output does not depend on the thread count.
pub fn evaluate_ranking_with(
    scorer: &dyn Scorer,
    candidates: &Candidates,
    train: &Positives,
    test: &Positives,
    item_genres: &[Vec<u16>],
    k: usize,
) -> RankingReport {
    let evaluated = users_with_tests(test);
    evaluate_ranking_of(scorer, candidates, train, test, item_genres, k, &evaluated)
}

/// Users with at least one test positive (the users PROTOCOL.md evaluates), ascending.
pub fn users_with_tests(test: &Positives) -> Vec<u32> {
    (0..test.by_user.n_rows)
        .filter(|&u| test.by_user.row_len(u) > 0)
        .map(|u| u as u32)
        .collect()
}

/// [`evaluate_ranking_with`] over the given `users` only (ascending, each with a test positive:
/// every evaluated user, or a sample of them — [`crate::metrics::sample`]). Memory is one score
/// row per thread and k items per user, whatever the catalog.
pub fn evaluate_ranking_of(
    scorer: &dyn Scorer,
    candidates: &Candidates,
    train: &Positives,
    test: &Positives,
    item_genres: &[Vec<u16>],
    k: usize,
    users: &[u32],
) -> RankingReport {
    let mut reports = evaluate_variants(
        scorer,
        candidates,
        train,
        test,
        item_genres,
        k,
        users,
        1,
        |_, _| {},
    );
    reports.pop().expect("one variant")
}

/// Evaluates `variants` re-rankings of one scorer in one pass: each user's scores are computed
/// once, then for every variant v copied, transformed by `adjust(v, scores)` and evaluated as
/// [`evaluate_ranking_of`] would evaluate a scorer giving those scores (the knob's sweep: one
/// variant per strength). One report per variant, in order.
#[allow(clippy::too_many_arguments)]
pub fn evaluate_variants(
    scorer: &dyn Scorer,
    candidates: &Candidates,
    train: &Positives,
    test: &Positives,
    item_genres: &[Vec<u16>],
    k: usize,
    users: &[u32],
    variants: usize,
    adjust: impl Fn(usize, &mut [f32]) + Sync,
) -> Vec<RankingReport> {
    assert!(k >= 1, "k must be at least 1");
    let n_items = scorer.n_items();
    assert_eq!(
        train.by_user.n_cols, n_items,
        "train positives and scorer disagree on the number of items"
    );
    assert_eq!(
        test.by_user.n_cols, n_items,
        "test positives and scorer disagree on the number of items"
    );
    assert_eq!(
        candidates.n_items(),
        n_items,
        "candidates and scorer disagree on the number of items"
    );
    assert!(
        users.iter().all(|&u| (u as usize) < test.by_user.n_rows),
        "user out of range"
    );
    let catalog = candidates.catalog();
    let ctx = Context::new(candidates, train, test, &catalog, item_genres, k, n_items);
    let per_user: Vec<Vec<UserRanking>> = users
        .par_iter()
        .map_init(
            || {
                (
                    vec![0f32; n_items],
                    vec![0f32; n_items],
                    UserScratch::default(),
                )
            },
            |(base, scores, scratch), &u| {
                base.fill(0.0);
                scorer.score_items(u, base);
                (0..variants)
                    .map(|v| {
                        scores.copy_from_slice(base);
                        adjust(v, scores);
                        ctx.user(u, scores, scratch)
                    })
                    .collect()
            },
        )
        .collect();
    let mut by_variant: Vec<Vec<UserRanking>> = (0..variants)
        .map(|_| Vec::with_capacity(users.len()))
        .collect();
    for rows in per_user {
        for (v, row) in rows.into_iter().enumerate() {
            by_variant[v].push(row);
        }
    }
    by_variant
        .into_iter()
        .map(|users| RankingReport {
            model: scorer.name().to_string(),
            protocol: candidates.rule().label().to_string(),
            k,
            catalog_size: catalog.len(),
            metrics: RankingMetrics::aggregate(&users, catalog.len()),
            users,
        })
        .collect()
}

/// Buffers one thread reuses from user to user (a catalog of negatives is 350 KB at ML-32M).
#[derive(Default)]
struct UserScratch {
    negatives: Vec<f32>,
    positives: Vec<f32>,
}

/// What every user's evaluation reads.
struct Context<'a> {
    candidates: &'a Candidates,
    test: &'a Positives,
    catalog: &'a [u32],
    /// Sorted, deduplicated genres per item.
    genres: Vec<Vec<u16>>,
    /// −log2 of the smoothed popularity share, per item.
    self_info: Vec<f64>,
    k: usize,
}

impl<'a> Context<'a> {
    fn new(
        candidates: &'a Candidates,
        train: &'a Positives,
        test: &'a Positives,
        catalog: &'a [u32],
        item_genres: &[Vec<u16>],
        k: usize,
        n_items: usize,
    ) -> Self {
        let likes = train.likes_per_item();
        let pop = |i: u32| likes.get(i as usize).copied().unwrap_or(0);
        let total: usize = catalog.iter().map(|&i| pop(i)).sum::<usize>() + catalog.len();
        let self_info = (0..n_items as u32)
            .map(|i| -((pop(i) as f64 + 1.0) / total.max(1) as f64).log2())
            .collect();
        let genres = (0..n_items)
            .map(|i| {
                let mut g = item_genres.get(i).cloned().unwrap_or_default();
                g.sort_unstable();
                g.dedup();
                g
            })
            .collect();
        Context {
            candidates,
            test,
            catalog,
            genres,
            self_info,
            k,
        }
    }

    fn user(&self, u: u32, scores: &[f32], scratch: &mut UserScratch) -> UserRanking {
        let ui = u as usize;
        let mut allowed = self.candidates.allowed(Some(u), &[], scores);
        let mut tests = self.test.by_user.row(ui).to_vec();
        tests.dedup();
        let tests = tests;
        let score = |i: u32| {
            let s = scores[i as usize];
            if s.is_nan() {
                f32::NEG_INFINITY
            } else {
                s
            }
        };

        let UserScratch {
            negatives,
            positives,
        } = scratch;
        negatives.clear();
        positives.clear();
        // The allowed test positives (ascending), then every other allowed catalog item in
        // catalog order: the test items are taken out of `allowed` for the walk (a branch that
        // almost always goes one way) and put back for the top-k below.
        let mut taken = Vec::with_capacity(tests.len());
        for &t in &tests {
            if allowed.get(t as usize).copied().unwrap_or(false) {
                positives.push(score(t));
                allowed[t as usize] = false;
                taken.push(t);
            }
        }
        negatives.extend(
            self.catalog
                .iter()
                .filter(|&&i| allowed[i as usize])
                .map(|&i| score(i)),
        );
        for t in taken {
            allowed[t as usize] = true;
        }
        let auc = auc(positives, negatives);

        let top: Vec<u32> = top_k_allowed(scores, self.k, &allowed)
            .iter()
            .map(|c| c.0)
            .collect();

        let (mut hits, mut dcg, mut ap) = (0usize, 0.0f64, 0.0f64);
        for (rank0, i) in top.iter().enumerate() {
            if tests.binary_search(i).is_ok() {
                hits += 1;
                let rank = (rank0 + 1) as f64;
                dcg += 1.0 / (rank + 1.0).log2();
                ap += hits as f64 / rank;
            }
        }
        let n_test = tests.len();
        let ideal_hits = self.k.min(n_test);
        let idcg: f64 = (1..=ideal_hits)
            .map(|r| 1.0 / (r as f64 + 1.0).log2())
            .sum();
        UserRanking {
            user: u,
            p: hits as f64 / self.k as f64,
            r: hits as f64 / n_test as f64,
            ndcg: if idcg > 0.0 { dcg / idcg } else { 0.0 },
            map: if ideal_hits > 0 {
                ap / ideal_hits as f64
            } else {
                0.0
            },
            auc,
            novelty: mean(top.iter().map(|&i| self.self_info[i as usize]), top.len()),
            ild: self.ild(&top),
            hits,
            n_test,
            top,
        }
    }

    /// Mean of 1 − Jaccard over the pairs of `top`; a pair of two genre-less items counts 0.
    fn ild(&self, top: &[u32]) -> f64 {
        let mut sum = 0.0;
        let mut pairs = 0usize;
        for (a, &i) in top.iter().enumerate() {
            for &j in &top[a + 1..] {
                sum += genre_distance(&self.genres[i as usize], &self.genres[j as usize]);
                pairs += 1;
            }
        }
        if pairs == 0 {
            0.0
        } else {
            sum / pairs as f64
        }
    }
}

fn mean(values: impl Iterator<Item = f64>, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        values.sum::<f64>() / n as f64
    }
}

/// 1 − Jaccard of two sorted genre sets; 0 when both are empty, 1 when exactly one is.
pub fn genre_distance(a: &[u16], b: &[u16]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut x, mut y, mut common) = (0, 0, 0usize);
    while x < a.len() && y < b.len() {
        match a[x].cmp(&b[y]) {
            std::cmp::Ordering::Less => x += 1,
            std::cmp::Ordering::Greater => y += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                x += 1;
                y += 1;
            }
        }
    }
    let union = a.len() + b.len() - common;
    1.0 - common as f64 / union as f64
}

/// Share of (positive, negative) pairs the positive wins, ties counted 1/2, counted in half-pairs
/// as integers, so the value is exact. A user has tens of test positives and up to the whole
/// catalog of negatives: up to [`COUNTING_POSITIVES`] positives, one branch-free counting pass over
/// the negatives per positive (vectorised); beyond, the positives are sorted and each negative is
/// placed among them. 0.5 when there is no pair.
pub fn auc(positives: &[f32], negatives: &mut [f32]) -> f64 {
    if positives.is_empty() || negatives.is_empty() {
        return 0.5;
    }
    // Twice the wins: a positive above a negative wins 2 halves, a tie 1.
    let mut halves: u64 = 0;
    if positives.len() <= COUNTING_POSITIVES {
        for &p in positives {
            let (mut below, mut ties) = (0u32, 0u32);
            for &x in negatives.iter() {
                below += u32::from(x < p);
                ties += u32::from(x == p);
            }
            halves += 2 * u64::from(below) + u64::from(ties);
        }
    } else {
        // Many positives: sort them and place each negative among them.
        let mut sorted = positives.to_vec();
        sorted.sort_unstable_by(|a, b| a.partial_cmp(b).expect("scores are not NaN"));
        let m = sorted.len();
        for &x in negatives.iter() {
            let not_above = sorted.partition_point(|&p| p <= x);
            let below = sorted.partition_point(|&p| p < x);
            halves += 2 * (m - not_above) as u64 + (not_above - below) as u64;
        }
    }
    halves as f64 / 2.0 / (positives.len() as f64 * negatives.len() as f64)
}

/// Up to this many positives, [`auc`] counts instead of sorting.
pub const COUNTING_POSITIVES: usize = 48;

/// Top-list slots, over the measured users (every evaluated user unless the report is of a
/// sample), holding an item with no train positive.
pub fn unliked_slots(report: &RankingReport, train: &Positives) -> usize {
    report
        .users
        .iter()
        .flat_map(|u| &u.top)
        .filter(|&&i| train.by_item.row_len(i as usize) == 0)
        .count()
}
