//! `hybrid-als`: implicit weighted least squares (Hu, Koren & Volinsky 2008) on the hybrid
//! representation, with the frequency-scaled regularisation of Rendle et al. 2022.
//!
//! A sweep solves all user embeddings e_u (in parallel), then the demographic embeddings D_d
//! (below [`SUBSPACE_FROM`] positives one block at a time, `feature_blocks.rs`; past it by one
//! subspace step from the gradients the user step leaves, `feature_subspace.rs`), then all item
//! embeddings e_i, then the genre embeddings G_g the same way. Training ends with one more user step so
//! that every stored user row is exactly what [`HybridModel::fold_in`] gives for that user's
//! history. Every step minimises the same objective over its block (or subspace), so the
//! objective never increases (up to the rounding of the stored `f32` factors).

use crate::engine::{FactorModel, Scorer};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use ndarray::Array2;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::blocks::Solve;
use super::config::AlsConfig;
use super::feature_blocks::{solve_feature_blocks_with, FeatureCounts};
use super::feature_subspace::{descend_features, Subspace};
use super::model::HybridModel;
use super::steps::{objective, objective_with, solve_own_with, Halt, Weights};
use crate::data::{Csr, FeatureMatrix, Positives};
use crate::engine::converge::{flatten, score_change_with, unflatten, Anderson, Grams};
use crate::engine::error::EngineError;
use crate::engine::factors::side::{check_positives, training_features, FeatureSet, Side};
use crate::engine::factors::Sides;
use crate::engine::kernels::{cross_gram, gram};
use crate::engine::progress::{TrainProgress, OBJECTIVE_UP_TO};

/// The `hybrid-als` trainer.
#[derive(Debug, Clone, Copy, Default)]
pub struct HybridAls;

impl HybridAls {
    pub const NAME: &'static str = crate::engine::spec::ModelSpec::HybridAls.name();

    /// Trains a model on `positives`. Feature matrices are used when given and switched on in
    /// `config`; each needs one row per item (user). `progress` hears after every sweep; raising
    /// `cancel` stops with [`EngineError::Cancelled`].
    pub fn fit(
        positives: &Positives,
        item_features: Option<&FeatureMatrix>,
        user_features: Option<&FeatureMatrix>,
        config: &AlsConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<HybridModel, EngineError> {
        Self::fit_with_low(
            positives,
            None,
            item_features,
            user_features,
            config,
            progress,
            cancel,
        )
    }

    /// [`Self::fit`] that also sees `low` — the (user, item) pairs rated below the threshold —
    /// as observed zeros of confidence w0 + `config.low_rating_weight` in the own-embedding steps
    /// (the experiment of README's "Low ratings"; not used by the served model).
    pub fn fit_with_low(
        positives: &Positives,
        low: Option<&Positives>,
        item_features: Option<&FeatureMatrix>,
        user_features: Option<&FeatureMatrix>,
        config: &AlsConfig,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<HybridModel, EngineError> {
        config.validate()?;
        let (n_users, n_items) = (positives.by_user.n_rows, positives.by_user.n_cols);
        let (user_set, item_set) = training_features(
            positives,
            (item_features, config.item_features),
            (user_features, config.user_features),
        )?;
        let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
        let normal = Normal::new(0.0f32, config.init_std)
            .map_err(|e| EngineError::Invalid(e.to_string()))?;
        let k = config.factors;
        let mut random =
            |rows: usize| Array2::from_shape_simple_fn((rows, k), || normal.sample(&mut rng));
        let user_own = random(n_users);
        let item_own = random(n_items);
        let side = |own: Array2<f32>, features: FeatureSet| Side {
            feature_factors: Array2::zeros((features.n_features(), k)),
            composed: Array2::zeros(own.dim()),
            own,
            features,
        };
        let mut model = HybridModel {
            config: config.clone(),
            sides: Sides {
                users: side(user_own, user_set),
                items: side(item_own, item_set),
            },
            item_gram: Vec::new(),
        };
        model.refresh_caches();
        if let Some(low) = low {
            check_positives(low, n_users, n_items)?;
        }
        run(
            &mut model,
            positives,
            low,
            config.iterations,
            SUBSPACE_FROM,
            progress,
            cancel,
        )?;
        Ok(model)
    }
}

impl HybridModel {
    /// Warm-starts from the current factors and runs `sweeps` more sweeps on a changed interaction
    /// set over the same users and items (the incremental retrain of a what-if). On error the model
    /// is left as it was.
    pub fn continue_training(
        &mut self,
        positives: &Positives,
        sweeps: usize,
        progress: &mut dyn FnMut(TrainProgress),
        cancel: &AtomicBool,
    ) -> Result<(), EngineError> {
        check_positives(positives, self.n_users(), self.n_items())?;
        let mut work = self.clone();
        run(
            &mut work,
            positives,
            None,
            sweeps,
            SUBSPACE_FROM,
            progress,
            cancel,
        )?;
        *self = work;
        Ok(())
    }

    /// The training objective of this model on `positives` (squared loss weighted by confidence over
    /// every user × item pair, plus the regularisation).
    pub fn objective(&self, positives: &Positives) -> f64 {
        let w = Weights::of(&self.config, self.n_items());
        objective(
            &self.sides.users,
            &self.sides.items,
            &positives.by_user,
            &positives.by_item,
            &w,
        )
    }
}

/// Past this many positives a sweep moves the feature embeddings by one subspace step
/// (`feature_subspace.rs`: no pass over the interactions per attribute) instead of solving the
/// blocks one after another (`feature_blocks.rs`: a pass per attribute, exact block minima). Below
/// it — ML-100K, ML-1M, ml-latest-small — the passes are cheap and the block steps gain slightly
/// more per sweep (ML-100K holdout-20 seeds 1–5: P@10 0.2908 against 0.2903).
pub(crate) const SUBSPACE_FROM: usize = 2_500_000;

/// What one side's half of a sweep reads of the interactions: its rows' (`interactions`) and low
/// ratings, its feature counts.
struct Half<'a> {
    interactions: &'a Csr,
    low: Option<&'a Csr>,
    counts: &'a FeatureCounts,
}

impl Half<'_> {
    /// The side's own step, then its feature step: the subspace step when `subspace` holds the
    /// side's gradient buffer and groups, else the blocks one by one.
    #[allow(clippy::too_many_arguments)]
    fn solve(
        &self,
        side: &mut Side,
        other: &Array2<f32>,
        gram: &[f64],
        mut subspace: Option<&mut Subspace>,
        w: &Weights,
        solve: Solve,
        cancel: &AtomicBool,
    ) -> Result<(), Halt> {
        // The own step leaves each row's data gradient for the subspace step when there is one.
        let gradient = subspace.as_deref_mut().map(|s| &mut s.gradient);
        solve_own_with(
            side,
            self.interactions,
            self.low,
            other,
            gram,
            w,
            solve,
            cancel,
            gradient,
        )?;
        match subspace {
            Some(subspace) => {
                descend_features(side, other, gram, self.counts, subspace, w, solve, cancel)
            }
            None => solve_feature_blocks_with(
                side,
                self.interactions,
                other,
                gram,
                self.counts,
                w,
                solve,
                cancel,
            ),
        }
    }
}

/// `sweeps` sweeps then the final user step; checks for NaN/inf after every step. Past
/// `subspace_from` positives the feature step is the subspace step ([`SUBSPACE_FROM`]; tests pass
/// 0 to run it on small data).
fn run(
    model: &mut HybridModel,
    positives: &Positives,
    low: Option<&Positives>,
    sweeps: usize,
    subspace_from: usize,
    progress: &mut dyn FnMut(TrainProgress),
    cancel: &AtomicBool,
) -> Result<(), EngineError> {
    let start = Instant::now();
    let w = Weights::of(&model.config, model.n_items());
    let solve = Solve::with_cg_steps(model.config.cg_steps);
    let (by_user, by_item) = (&positives.by_user, &positives.by_item);
    let (low_user, low_item) = (low.map(|l| &l.by_user), low.map(|l| &l.by_item));
    let setting = model.config.describe();
    let halt = |h: Halt| match h {
        Halt::Cancelled => EngineError::Cancelled,
        Halt::Diverged => EngineError::Diverged {
            setting: setting.clone(),
        },
    };
    let check = |m: &HybridModel| {
        if cancel.load(Ordering::Relaxed) {
            Err(EngineError::Cancelled)
        } else if m.sides.users.is_finite() && m.sides.items.is_finite() {
            Ok(())
        } else {
            Err(halt(Halt::Diverged))
        }
    };
    let tolerance = f64::from(model.config.tolerance);
    // Anderson mixing of the item state, when asked for: (mixer, the last sweep's input).
    let mut mixing = (model.config.anderson_depth > 0).then(|| {
        (
            Anderson::new(model.config.anderson_depth),
            flatten(&[&model.sides.items.own, &model.sides.items.feature_factors]),
        )
    });
    // Each Gramian is computed once per sweep and shared by the steps that read it: QᵀQ of the
    // items by the user half (own and feature blocks), the objective, the change and the next
    // sweep; PᵀP of the users by the item half and the change.
    let mut gram_p = (sweeps > 0).then(|| gram(&model.sides.users.composed));
    // Past SUBSPACE_FROM positives, each side with features keeps the data gradients its own
    // step leaves for its feature step, its feature groups and the cells of the rows that
    // interacted with each row of the other side (both sides' built side by side).
    let subspace = sweeps > 0 && by_user.nnz() > subspace_from;
    let subspace_of = |side: &Side, transposed: &Csr, low_transposed: Option<&Csr>| {
        (subspace && side.features.n_features() > 0)
            .then(|| Subspace::of(side, transposed, low_transposed))
    };
    // The low ratings' cells only when they weigh in the objective.
    let (low_u, low_i) = if w.low > 0.0 {
        (low_user, low_item)
    } else {
        (None, None)
    };
    let (mut user_subspace, mut item_subspace) = rayon::join(
        || subspace_of(&model.sides.users, by_item, low_i),
        || subspace_of(&model.sides.items, by_user, low_u),
    );
    // What the feature blocks need of the interactions alone, counted once for all sweeps (from
    // the cells when the side has them).
    let counts_of =
        |side: &Side, sub: &Option<Subspace>, interactions: &Csr, n_other: usize| match sub {
            Some(sub) => sub.feature_counts(side, interactions, &w),
            None => FeatureCounts::of(side, interactions, n_other, &w),
        };
    let (user_counts, item_counts) = if sweeps > 0 {
        let Sides { users, items } = &model.sides;
        rayon::join(
            || counts_of(users, &user_subspace, by_user, items.own.nrows()),
            || counts_of(items, &item_subspace, by_item, users.own.nrows()),
        )
    } else {
        (FeatureCounts::empty(), FeatureCounts::empty())
    };
    let mut gram_q = None;
    for sweep in 1..=sweeps {
        let previous = (
            model.sides.users.composed.clone(),
            model.sides.items.composed.clone(),
        );
        let qq0 = gram_q
            .take()
            .unwrap_or_else(|| gram(&model.sides.items.composed));
        let pp0 = gram_p
            .take()
            .unwrap_or_else(|| gram(&model.sides.users.composed));
        let Sides { users, items } = &mut model.sides;
        let user_half = Half {
            interactions: by_user,
            low: low_user,
            counts: &user_counts,
        };
        user_half
            .solve(
                users,
                &items.composed,
                &qq0,
                user_subspace.as_mut(),
                &w,
                solve,
                cancel,
            )
            .map_err(halt)?;
        check(model)?;
        let pp1 = gram(&model.sides.users.composed);
        let Sides { users, items } = &mut model.sides;
        let item_half = Half {
            interactions: by_item,
            low: low_item,
            counts: &item_counts,
        };
        item_half
            .solve(
                items,
                &users.composed,
                &pp1,
                item_subspace.as_mut(),
                &w,
                solve,
                cancel,
            )
            .map_err(halt)?;
        check(model)?;
        let qq1 = gram(&model.sides.items.composed);
        let value = (by_user.nnz() <= OBJECTIVE_UP_TO).then(|| {
            objective_with(
                &model.sides.users,
                &model.sides.items,
                by_user,
                by_item,
                &w,
                &qq1,
            )
        });
        if value.is_some_and(|v| !v.is_finite()) {
            return Err(halt(Halt::Diverged));
        }
        let grams = Grams {
            pp0: &pp0,
            qq0: &qq0,
            pp1: &pp1,
            qq1: &qq1,
        };
        let change = score_change_with(
            &grams,
            &cross_gram(&previous.0, &model.sides.users.composed),
            &cross_gram(&model.sides.items.composed, &previous.1),
        );
        gram_p = Some(pp1);
        gram_q = Some(qq1);
        let report = TrainProgress {
            sweep,
            sweeps,
            objective: value,
            change: Some(change),
            tolerance,
            elapsed: start.elapsed(),
        };
        progress(report);
        if report.converged() || sweep == sweeps {
            break;
        }
        if let Some((mixer, x)) = mixing.as_mut() {
            let items = &mut model.sides.items;
            let g = flatten(&[&items.own, &items.feature_factors]);
            *x = mixer.next(x, &g);
            unflatten(x, &mut [&mut items.own, &mut items.feature_factors]);
            items.compose_all();
            gram_q = None;
        }
    }
    let qq = gram_q.unwrap_or_else(|| gram(&model.sides.items.composed));
    let Sides { users, items } = &mut model.sides;
    solve_own_with(
        users,
        by_user,
        low_user,
        &items.composed,
        &qq,
        &w,
        Solve::Exact,
        cancel,
        None,
    )
    .map_err(halt)?;
    check(model)?;
    model.refresh_caches();
    Ok(())
}

#[cfg(test)]
#[path = "train_tests.rs"]
mod tests;
