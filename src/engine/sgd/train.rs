//! Training: [`SgdModel::fit`] and [`SgdModel::continue_training`] run epochs of sharded SGD
//! (`shard.rs`), check for divergence after every epoch and report progress.

use crate::engine::{FactorModel, Scorer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ndarray::Array2;
use rand::Rng;
use rayon::prelude::*;

use super::config::SgdConfig;
use super::merge::merge;
use super::model::{Accumulators, SgdModel};
use super::shard::{partition, stream, Context, Shard, SharedParams, Table, TAG_INIT};
use super::step::cumulative;
use crate::data::{FeatureMatrix, Positives};
use crate::engine::factors::side::{check_positives, training_features, FeatureSet, Side};
use crate::engine::factors::Sides;
use crate::engine::{EngineError, TrainProgress};

impl SgdModel {
    /// Trains a `warp` or `bpr` model (by `config.loss`) on `positives`. Feature matrices are used
    /// when given and switched on in `config`; each needs one row per item (user). Embeddings start
    /// uniform in ±0.5/k and biases at 0 (as in LightFM), from the ChaCha8 stream of
    /// `config.seed`. `progress` hears after every epoch (its `objective` is the epoch's mean loss:
    /// WARP's applied rank weight, BPR's −ln σ); raising `cancel` stops with
    /// [`EngineError::Cancelled`]; NaN or infinite parameters give [`EngineError::Diverged`].
    pub fn fit(
        positives: &Positives,
        item_features: Option<&FeatureMatrix>,
        user_features: Option<&FeatureMatrix>,
        config: &SgdConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<SgdModel, EngineError> {
        config.validate()?;
        let (n_users, n_items) = (positives.by_user.n_rows, positives.by_user.n_cols);
        let (user_set, item_set) = training_features(
            positives,
            (item_features, config.item_features),
            (user_features, config.user_features),
        )?;
        let k = config.factors;
        let mut rng = stream(config.seed, 0, 0, TAG_INIT);
        let scale = 1.0 / k as f32;
        // Embedding columns uniform in ±0.5/k, the bias column (index k of item rows) zero.
        let mut random = |rows: usize, cols: usize| {
            Array2::from_shape_fn((rows, cols), |(_, c)| {
                if c < k {
                    (rng.gen::<f32>() - 0.5) * scale
                } else {
                    0.0
                }
            })
        };
        let item_own = random(n_items, k + 1);
        let genres = random(item_set.n_features(), k + 1);
        let user_own = random(n_users, k);
        let demographics = random(user_set.n_features(), k);
        let side = |own: Array2<f32>, feature_factors: Array2<f32>, features: FeatureSet| Side {
            composed: Array2::zeros(own.dim()),
            own,
            feature_factors,
            features,
        };
        let users = side(user_own, demographics, user_set);
        let items = side(item_own, genres, item_set);
        let mut model = SgdModel {
            config: config.clone(),
            accum: Accumulators::ones(&users, &items),
            sides: Sides { users, items },
            item_counts: vec![0; n_items],
            epochs_done: 0,
        };
        run(&mut model, positives, config.epochs, progress, cancel)?;
        Ok(model)
    }

    /// Warm-starts from the current parameters and AdaGrad state and runs `epochs` more epochs on
    /// a changed interaction set over the same users and items. The epoch index of every random
    /// stream continues, so `fit` with n epochs then `continue_training` with m on the same
    /// positives gives bit for bit the model `fit` with n + m epochs gives. On error the model is
    /// left as it was.
    pub fn continue_training(
        &mut self,
        positives: &Positives,
        epochs: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        check_positives(positives, self.n_users(), self.n_items())?;
        let mut work = self.clone();
        run(&mut work, positives, epochs, progress, cancel)?;
        *self = work;
        Ok(())
    }
}

fn table(values: &Array2<f32>, accum: &Array2<f32>) -> Table {
    Table {
        width: values.ncols(),
        values: values.iter().copied().collect(),
        accum: accum.iter().copied().collect(),
    }
}

fn restore(table: Table, values: &mut Array2<f32>, accum: &mut Array2<f32>) {
    values
        .iter_mut()
        .zip(table.values)
        .for_each(|(o, v)| *o = v);
    accum.iter_mut().zip(table.accum).for_each(|(o, v)| *o = v);
}

/// Splits row-major user rows into the shards' contiguous ranges.
fn split_rows<'a>(mut rows: &'a mut [f32], shards: &[Shard], k: usize) -> Vec<&'a mut [f32]> {
    let mut out = Vec::with_capacity(shards.len());
    for s in shards {
        let (head, tail) = rows.split_at_mut(s.users.len() * k);
        out.push(head);
        rows = tail;
    }
    out
}

fn run(
    model: &mut SgdModel,
    positives: &Positives,
    epochs: usize,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<(), EngineError> {
    let start = Instant::now();
    let config = model.config.clone();
    let k = config.factors;
    let diverged = || EngineError::Diverged {
        setting: config.describe(),
    };
    let counts: Vec<u32> = positives
        .likes_per_item()
        .into_iter()
        .map(|n| n as u32)
        .collect();
    let popularity = cumulative(&counts);
    let mut shared = SharedParams {
        items: table(&model.sides.items.own, &model.accum.item_own),
        genres: table(
            &model.sides.items.feature_factors,
            &model.accum.item_features,
        ),
        demographics: table(
            &model.sides.users.feature_factors,
            &model.accum.user_features,
        ),
    };
    // Shards without users (more shards than users) are skipped; the others keep their index.
    let mut shards: Vec<Shard> = partition(&positives.by_user, config.shards)
        .into_iter()
        .enumerate()
        .filter(|(_, users)| !users.is_empty())
        .map(|(s, users)| Shard::new(s, users, &shared, k))
        .collect();
    let own = model
        .sides
        .users
        .own
        .as_slice_mut()
        .expect("standard layout user embeddings");
    let own_accum = model
        .accum
        .user_own
        .as_slice_mut()
        .expect("standard layout accumulators");
    let mut epochs_done = model.epochs_done;
    for epoch in 1..=epochs {
        shards
            .par_iter_mut()
            .for_each(|s| s.start_epoch(config.seed, epochs_done, &positives.by_user));
        let rounds = shards
            .iter()
            .map(|s| s.n_examples().div_ceil(config.sync_interval))
            .max()
            .unwrap_or(0)
            .max(1);
        for round in 0..rounds {
            if cancel.load(Ordering::Relaxed) {
                return Err(EngineError::Cancelled);
            }
            let ctx = Context {
                config: &config,
                shared: &shared,
                positives: &positives.by_user,
                user_features: &model.sides.users.features.by_row,
                item_features: &model.sides.items.features.by_row,
                popularity: &popularity,
            };
            let rows = split_rows(own, &shards, k);
            let accums = split_rows(own_accum, &shards, k);
            shards
                .par_iter_mut()
                .zip(rows.into_par_iter().zip(accums))
                .for_each(|(s, (rows, accums))| s.run_round(round, rounds, rows, accums, &ctx));
            merge(&mut shared, &mut shards);
        }
        let (loss, seen) = shards
            .iter()
            .fold((0.0f64, 0usize), |(l, n), s| (l + s.loss, n + s.seen));
        let finite = |v: &[f32]| v.iter().all(|x| x.is_finite());
        let all_finite = [&shared.items, &shared.genres, &shared.demographics]
            .iter()
            .all(|t| finite(&t.values) && finite(&t.accum))
            && finite(own)
            && finite(own_accum);
        let mean = loss / seen.max(1) as f64;
        if !(all_finite && mean.is_finite()) {
            return Err(diverged());
        }
        epochs_done += 1;
        progress(TrainProgress {
            sweep: epoch,
            sweeps: epochs,
            objective: Some(mean),
            change: None,
            tolerance: 0.0,
            elapsed: start.elapsed(),
        });
    }
    drop(shards);
    let SharedParams {
        items,
        genres,
        demographics,
    } = shared;
    restore(items, &mut model.sides.items.own, &mut model.accum.item_own);
    restore(
        genres,
        &mut model.sides.items.feature_factors,
        &mut model.accum.item_features,
    );
    restore(
        demographics,
        &mut model.sides.users.feature_factors,
        &mut model.accum.user_features,
    );
    model.item_counts = counts;
    model.epochs_done = epochs_done;
    model.refresh_caches();
    if !model.is_finite() {
        return Err(diverged());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_contiguous_cover_every_user_and_balance_positives() {
        let users: Vec<u32> = (0..100u32)
            .flat_map(|u| std::iter::repeat_n(u, (u % 7 + 1) as usize))
            .collect();
        let items: Vec<u32> = users
            .iter()
            .enumerate()
            .map(|(k, _)| (k % 50) as u32)
            .collect();
        let positives = Positives::from_pairs(100, 50, &users, &items, 4.0);
        for n in [1, 2, 3, 4, 8, 150] {
            let ranges = partition(&positives.by_user, n);
            assert_eq!(ranges.len(), n);
            assert_eq!(ranges[0].start, 0);
            assert_eq!(ranges[n - 1].end, 100);
            assert!(ranges.windows(2).all(|w| w[0].end == w[1].start));
            if n <= 8 {
                let load = |r: &std::ops::Range<usize>| {
                    positives.by_user.indptr[r.end] - positives.by_user.indptr[r.start]
                };
                let (lo, hi) = (
                    ranges.iter().map(load).min().unwrap(),
                    ranges.iter().map(load).max().unwrap(),
                );
                assert!(hi - lo <= 14, "{n} shards: loads {lo}..{hi}");
            }
        }
    }

    #[test]
    fn more_shards_than_users_and_an_empty_catalog_train() {
        let positives = Positives::from_pairs(3, 4, &[0, 0, 2], &[1, 3, 1], 4.0);
        let cancel = AtomicBool::new(false);
        for shards in [1, 2, 1000] {
            let config = SgdConfig {
                factors: 2,
                epochs: 3,
                shards,
                ..SgdConfig::warp()
            };
            let m = SgdModel::fit(&positives, None, None, &config, &mut |_| {}, &cancel).unwrap();
            assert!(m.is_finite() && m.epochs_done() == 3);
        }
        let nothing = Positives::from_pairs(0, 0, &[], &[], 4.0);
        let m = SgdModel::fit(
            &nothing,
            None,
            None,
            &SgdConfig::bpr(),
            &mut |_| {},
            &cancel,
        );
        assert!(m.is_ok_and(|m| m.n_items() == 0 && m.fold_in(&[0], &[]).is_empty()));
    }
}
