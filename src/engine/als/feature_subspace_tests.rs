//! Tests of `feature_subspace.rs`.

use super::*;
use crate::data::{FeatureMatrix, Positives};
use crate::engine::als::steps::solve_own_with;
use crate::engine::als::{AlsConfig, HybridAls, HybridModel};
use crate::engine::factors::Sides;
use crate::engine::kernels::gram;

/// 40 users × 25 items with scattered likes; users have two one-hot attributes (3 and 4
/// values), items one to three of 5 genres.
fn fixture() -> (Positives, FeatureMatrix, FeatureMatrix) {
    let (mut users, mut items) = (Vec::new(), Vec::new());
    for u in 0..40u32 {
        for i in 0..25u32 {
            if (u * 7 + i * 13 + u * i) % 5 == 0 {
                users.push(u);
                items.push(i);
            }
        }
    }
    let positives = Positives::from_pairs(40, 25, &users, &items, 4.0);
    let matrix = |rows: usize, n: usize, of: &dyn Fn(u32) -> Vec<u32>| {
        let (mut r, mut c) = (Vec::new(), Vec::new());
        for row in 0..rows as u32 {
            for col in of(row) {
                r.push(row);
                c.push(col);
            }
        }
        FeatureMatrix {
            matrix: Csr::from_triplets(rows, n, &r, &c, &vec![1.0; r.len()]),
            names: (0..n).map(|f| format!("f{f}")).collect(),
        }
    };
    let genres = matrix(25, 5, &|i| {
        let mut g = vec![i % 5];
        if i % 3 == 0 {
            g.push((i + 2) % 5);
        }
        if i % 7 == 0 {
            g.push((i + 4) % 5);
        }
        g.sort_unstable();
        g.dedup();
        g
    });
    let demographics = matrix(40, 7, &|u| vec![u % 3, 3 + (u / 3) % 4]);
    (positives, genres, demographics)
}

fn model(sweeps: usize) -> (HybridModel, Positives, Weights) {
    let (positives, genres, demographics) = fixture();
    let (m, w) = fit_on(&positives, &genres, &demographics, sweeps);
    (m, positives, w)
}

/// A 4-factor model on `positives` with these features, trained for `sweeps` sweeps, and the
/// weights it was trained with.
fn fit_on(
    positives: &Positives,
    genres: &FeatureMatrix,
    demographics: &FeatureMatrix,
    sweeps: usize,
) -> (HybridModel, Weights) {
    let config = AlsConfig {
        factors: 4,
        iterations: sweeps,
        ..AlsConfig::default()
    };
    let m = HybridAls::fit(
        positives,
        Some(genres),
        Some(demographics),
        &config,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let w = Weights::of(&config, positives.by_user.n_cols);
    (m, w)
}

/// `W_r p_r − b_r` by brute force over every item (c on positives, w0 elsewhere).
fn data_gradient(users: &Side, items: &Side, by_user: &Csr, w: &Weights, r: usize) -> Vec<f64> {
    let p = users.composed.row(r);
    let mut g = vec![0.0f64; p.len()];
    for j in 0..items.composed.nrows() {
        let q = items.composed.row(j);
        let s: f64 = p
            .iter()
            .zip(q.iter())
            .map(|(&a, &b)| f64::from(a) * f64::from(b))
            .sum();
        let liked = by_user.row(r).contains(&(j as u32));
        let (c, y) = if liked {
            (w.positive, 1.0)
        } else {
            (w.unobserved, 0.0)
        };
        for (gc, &qc) in g.iter_mut().zip(q.iter()) {
            *gc += c * (s - y) * f64::from(qc);
        }
    }
    g
}

#[test]
fn the_cells_give_the_same_feature_counts_as_a_pass_per_feature() {
    // Both sides, one-hot demographics and overlapping genres: every count equal (Σ of 1s,
    // exact either way) and the same rows touched.
    let (m, positives, w) = model(1);
    let Sides { users, items } = &m.sides;
    let (bu, bi) = (&positives.by_user, &positives.by_item);
    for (side, own, transposed, n_other) in [
        (users, bu, bi, items.own.nrows()),
        (items, bi, bu, users.own.nrows()),
    ] {
        let direct = FeatureCounts::of(side, own, n_other, &w);
        let cells = Subspace::of(side, transposed, None).feature_counts(side, own, &w);
        assert_eq!(direct.blocks.len(), side.features.n_features());
        assert_eq!(cells.blocks.len(), direct.blocks.len());
        for (a, b) in direct.blocks.iter().zip(&cells.blocks) {
            assert!(!a.touched.is_empty());
            assert_eq!(a.touched, b.touched);
            assert_eq!(a.m, b.m);
            assert_eq!(a.sx, b.sx);
            assert_eq!(a.sum_x2, b.sum_x2);
            assert_eq!(a.lambda, b.lambda);
        }
    }
}

#[test]
fn with_weighted_features_the_cells_give_the_same_counts_up_to_rounding() {
    let (positives, genres, demographics) = fixture();
    let mut weighted = genres.clone();
    let n = weighted.matrix.values.len();
    for (k, v) in weighted.matrix.values.iter_mut().enumerate() {
        *v = 0.3 + 0.7 * (k % 5) as f32 / 4.0 + 1.0 / (n as f32);
    }
    let (m, w) = fit_on(&positives, &weighted, &demographics, 1);
    let items = &m.sides.items;
    let (bi, bu) = (&positives.by_item, &positives.by_user);
    let direct = FeatureCounts::of(items, bi, m.sides.users.own.nrows(), &w);
    let cells = Subspace::of(items, bu, None).feature_counts(items, bi, &w);
    let close = |a: f64, b: f64| assert!((a - b).abs() <= 1e-12 * a.abs().max(1.0), "{a} vs {b}");
    let mut weights_seen = false;
    for (a, b) in direct.blocks.iter().zip(&cells.blocks) {
        assert_eq!(a.touched, b.touched);
        for (x, y) in a.m.iter().zip(&b.m).chain(a.sx.iter().zip(&b.sx)) {
            close(*x, *y);
            weights_seen |= x.fract() != 0.0;
        }
        close(a.sum_x2, b.sum_x2);
        close(a.lambda, b.lambda);
    }
    assert!(weights_seen, "the weights reached the counts");
}

#[test]
fn the_own_step_leaves_every_rows_data_gradient() {
    for solve in [Solve::Exact, Solve::Cg { steps: 1 }, Solve::Cg { steps: 3 }] {
        let (mut m, positives, w) = model(1);
        let Sides { users, items } = &mut m.sides;
        let mut gradient = Array2::<f32>::zeros(users.own.dim());
        let qq = gram(&items.composed);
        let cancel = AtomicBool::new(false);
        let by_user = &positives.by_user;
        solve_own_with(
            users,
            by_user,
            None,
            &items.composed,
            &qq,
            &w,
            solve,
            &cancel,
            Some(&mut gradient),
        )
        .unwrap();
        let mut moved = 0.0f64;
        for r in 0..users.own.nrows() {
            let exact = data_gradient(users, items, by_user, &w, r);
            let scale = exact.iter().map(|v| v.abs()).fold(1e-3, f64::max);
            for (c, &e) in exact.iter().enumerate() {
                let got = f64::from(gradient[[r, c]]);
                assert!(
                    (got - e).abs() <= 1e-4 * scale,
                    "{solve:?} row {r}: {got} vs {e}"
                );
                moved = moved.max(e.abs());
            }
        }
        assert!(
            moved > 1e-3,
            "{solve:?}: every gradient ~0, the test checks nothing"
        );
    }
}

#[test]
fn the_feature_step_minimises_the_objective_exactly_over_its_groups_directions() {
    for solve in [Solve::Exact, Solve::Cg { steps: 2 }] {
        let (mut m, positives, w) = model(1);
        let bi = &positives.by_item;
        let cancel = AtomicBool::new(false);
        let Sides { users, items } = &mut m.sides;
        let mut subspace = Subspace::of(items, &positives.by_user, None);
        let counts = subspace.feature_counts(items, bi, &w);
        let pp = gram(&users.composed);
        solve_own_with(
            items,
            bi,
            None,
            &users.composed,
            &pp,
            &w,
            solve,
            &cancel,
            Some(&mut subspace.gradient),
        )
        .unwrap();
        let before = items.feature_factors.clone();
        descend_features(
            items,
            &users.composed,
            &pp,
            &counts,
            &subspace,
            &w,
            solve,
            &cancel,
        )
        .unwrap();
        let groups = &subspace.groups;
        let after = items.feature_factors.clone();
        let direction = &after - &before;
        assert!(
            direction.iter().any(|&d| d.abs() > 1e-4),
            "{solve:?}: no step taken"
        );
        let at = |m: &mut HybridModel, along: &Array2<f32>, t: f32| {
            m.sides.items.feature_factors = &after + &(along * t);
            m.sides.items.compose_all();
            m.objective(&positives)
        };
        let best = at(&mut m, &direction, 0.0);
        let start = at(&mut m, &direction, -1.0);
        assert!(best < start, "{solve:?}: {start} -> {best}");
        // The minimum over the span of the groups' moves: along the whole move and along
        // each group's part of it.
        assert!(groups.n_groups > 1, "the genres fall into several groups");
        let mut parts = vec![direction.clone()];
        for g in 0..groups.n_groups {
            let mut part = direction.clone();
            for (f, mut row) in part.rows_mut().into_iter().enumerate() {
                if groups.group[f] as usize != g {
                    row.fill(0.0);
                }
            }
            parts.push(part);
        }
        for part in &parts {
            for t in [-0.2, -0.05, 0.05, 0.2] {
                let there = at(&mut m, part, t);
                assert!(
                    there >= best * (1.0 - 1e-6),
                    "{solve:?}: t {t}: {there} < {best}"
                );
            }
        }
    }
}
