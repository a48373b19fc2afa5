//! Tests of `train.rs`.

use super::super::feature_blocks::solve_feature_blocks;
use super::super::steps::solve_own;
use super::*;
use crate::data::interactions::FeatureMatrix;
use crate::data::Csr;

fn tiny() -> (Positives, FeatureMatrix, FeatureMatrix) {
    let users = [0, 0, 1, 1, 2, 2, 2, 3, 4, 4];
    let items = [0, 1, 1, 2, 0, 3, 4, 4, 2, 5];
    let positives = Positives::from_pairs(5, 6, &users, &items, 4.0);
    let feature = |rows: usize, cols: &[u32], n: usize| FeatureMatrix {
        matrix: Csr::from_triplets(
            rows,
            n,
            &(0..rows as u32).collect::<Vec<_>>(),
            cols,
            &vec![1.0; rows],
        ),
        names: (0..n).map(|c| format!("f{c}")).collect(),
    };
    (
        positives,
        feature(6, &[0, 1, 0, 1, 2, 2], 3),
        feature(5, &[0, 1, 1, 0, 1], 2),
    )
}

/// A 3-factor model on [`tiny`] trained for `sweeps` sweeps (0: just initialised), with its config.
fn fitted(sweeps: usize) -> (HybridModel, AlsConfig) {
    let (positives, genres, demo) = tiny();
    let config = AlsConfig {
        factors: 3,
        iterations: sweeps,
        ..AlsConfig::default()
    };
    let m = HybridAls::fit(
        &positives,
        Some(&genres),
        Some(&demo),
        &config,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    (m, config)
}

#[test]
fn every_step_lowers_the_objective() {
    for solve in [Solve::Exact, Solve::Cg { steps: 1 }, Solve::Cg { steps: 3 }] {
        let (positives, ..) = tiny();
        let (mut m, config) = fitted(0);
        let cancel = AtomicBool::new(false);
        let w = Weights::of(&config, positives.by_user.n_cols);
        let (bu, bi) = (&positives.by_user, &positives.by_item);
        let mut last = m.objective(&positives);
        let first = last;
        for _ in 0..5 {
            for step in 0..4 {
                let Sides { users, items } = &mut m.sides;
                match step {
                    0 => solve_own(users, bu, None, &items.composed, &w, solve, &cancel),
                    1 => solve_feature_blocks(users, bu, &items.composed, &w, solve, &cancel),
                    2 => solve_own(items, bi, None, &users.composed, &w, solve, &cancel),
                    _ => solve_feature_blocks(items, bi, &users.composed, &w, solve, &cancel),
                }
                .unwrap();
                let now = m.objective(&positives);
                assert!(
                    now <= last * (1.0 + 1e-7),
                    "{solve:?} step {step}: {last} -> {now}"
                );
                last = now;
            }
        }
        assert!(
            last < 0.9 * first,
            "{solve:?} did not descend: {first} -> {last}"
        );
    }
}

#[test]
fn training_with_the_subspace_step_lowers_the_objective_every_sweep() {
    // The whole training loop on the subspace path (forced on small data): the objective
    // each sweep reports never rises, and the model differs from the block path's.
    let (positives, ..) = tiny();
    let trained = |subspace_from: usize| {
        let (mut m, _) = fitted(0);
        let cancel = AtomicBool::new(false);
        let mut objectives = Vec::new();
        let mut record = |p: TrainProgress| objectives.push(p.objective.unwrap());
        run(
            &mut m,
            &positives,
            None,
            6,
            subspace_from,
            &mut record,
            &cancel,
        )
        .unwrap();
        (m, objectives)
    };
    let (subspace, objectives) = trained(0);
    assert_eq!(objectives.len(), 6);
    for pair in objectives.windows(2) {
        assert!(pair[1] <= pair[0] * (1.0 + 1e-7), "{objectives:?}");
    }
    assert!(objectives[5] < objectives[0], "{objectives:?}");
    let (blocks, _) = trained(usize::MAX);
    assert_ne!(
        subspace.sides.users.feature_factors,
        blocks.sides.users.feature_factors
    );
}

#[test]
fn a_non_finite_factor_is_reported_as_divergence() {
    let (positives, ..) = tiny();
    let (mut m, _) = fitted(2);
    let cancel = AtomicBool::new(false);
    m.sides.items.own[[2, 1]] = f32::NAN;
    m.sides.items.compose_all();
    let before = m.sides.items.own.clone();
    match m.continue_training(&positives, 1, &mut |_| {}, &cancel) {
        Err(EngineError::Diverged { setting }) => assert!(setting.contains("factors=3")),
        other => panic!("expected divergence, got {:?}", other.map(|_| ())),
    }
    assert!(m.sides.items.own[[2, 1]].is_nan() && m.sides.items.own[[0, 0]] == before[[0, 0]]);
}
