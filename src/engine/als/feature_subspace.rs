//! The feature-embedding step of a hybrid iALS sweep past [`super::train::SUBSPACE_FROM`]
//! positives (`feature_blocks.rs` has the exact block steps used below it, `feature_cells.rs` the
//! counts this step takes from the rows' feature patterns, `steps.rs` the objective and the
//! own-embedding steps): after a side's own step, every
//! feature embedding D_d (users' demographics) or G_g (items' genres) of that side moves at once,
//! by the combination of the blocks' Newton directions that minimises the objective exactly — so
//! it never increases.
//!
//! With everything but the feature embeddings fixed, the objective is a convex quadratic in them.
//! Its gradient with respect to feature f is `∇_f = Σ_{r∋f} x_r g_r + λ_f F_f`, where
//! `g_r = W_r p_r − b_r` is row r's data gradient at its composed vector — which the own step
//! leaves behind for free ([`super::steps::solve_own_with`]), so no pass over the interactions is
//! needed to form it. Each feature's direction is the Newton step of its own block,
//! `Δ_f = −A_f⁻¹ ∇_f` with `A_f = Σ_{r∋f} x_r² W_r + λ_f I` (exactly, or by a few CG steps from
//! zero; `A_f`'s products cost a pass over the rows of the other side the feature's members
//! touched, counted once per run in [`FeatureCounts`]).
//!
//! The features fall into groups: maximal runs of consecutive features no two of which share a
//! row — the values of one categorical attribute (a user's one gender, one age bucket, one
//! occupation), runs of genres no film has two of. Within a group the blocks do not interact, so
//! their Newton steps are the group's joint one; between groups they do, which the step lengths
//! account for: group a moves by `t_a Δ_f` for each of its features, with `t` minimising the
//! objective exactly on the span of the groups' directions (an iALS++-style subspace step,
//! Rendle et al. 2021),
//!
//! ```text
//! H t = −σ     σ_a = Σ_{f∈a} Δ_f·∇_f     H_ab = Σ_r u_r^aᵀ W_r u_r^b + [a = b] Σ_{f∈a} λ_f ‖Δ_f‖²
//! ```
//!
//! with `u_r^a = x_f Δ_f` for row r's feature f in group a. H's data part is summed over each
//! row j of the other side: `o_j·Δ_f` for every feature is one small matrix product `O·Δᵀ`, and
//! the rows that interacted with j enter only by how many fall in each feature pattern (cell),
//! counted once per training run (`feature_cells.rs`, which also derives the blocks' counts from
//! those cells), so a sweep reads no interaction for it — where solving the blocks one after
//! another needs a full gather pass per attribute. Every sum runs over fixed chunks combined in
//! order, so the result does not depend on the number of threads.

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::Array2;
use rayon::prelude::*;

use super::blocks::Solve;
use super::feature_blocks::{apply_block, block_matrix, BlockCounts, FeatureCounts};
use super::feature_cells::{add_data_curvature, CellCounts, Groups};
use super::steps::{Halt, Weights};
use crate::data::Csr;
use crate::engine::factors::side::Side;
use crate::engine::kernels::{dot, refine_from, Spd};

/// A feature's gradient `∇_f` and Newton direction `Δ_f`.
type Move = (Vec<f64>, Vec<f64>);

/// Members per chunk of the parallel gradient sums (fixed, so results do not depend on the
/// thread count).
const ROW_CHUNK: usize = 256;

/// What one side's subspace steps keep for a training run: the data gradients its own step leaves
/// (one row per row, rewritten every sweep), its features' groups and cells, and the cells of the
/// rows that interacted with each row of the other side (`feature_cells.rs`).
pub(crate) struct Subspace {
    pub(crate) gradient: Array2<f32>,
    pub(crate) groups: Groups,
    pub(crate) cells: CellCounts,
}

impl Subspace {
    /// `transposed`: the interactions by row of the other side (`by_item` for the users'
    /// features); `low_transposed` the same of the low ratings when the trainer has them (their
    /// loss is part of `W_r`, so of the step lengths).
    pub(crate) fn of(side: &Side, transposed: &Csr, low_transposed: Option<&Csr>) -> Subspace {
        let groups = Groups::of(side);
        let cells = CellCounts::of(&groups, transposed, low_transposed);
        Subspace {
            gradient: Array2::zeros(side.own.dim()),
            groups,
            cells,
        }
    }

    /// The side's feature-block counts, from the cells (`interactions`: the side's own).
    pub(crate) fn feature_counts(
        &self,
        side: &Side,
        interactions: &Csr,
        w: &Weights,
    ) -> FeatureCounts {
        self.cells
            .feature_counts(side, &self.groups, interactions, w)
    }
}

/// Moves every feature embedding of `side` along its block's Newton direction, each group by the
/// step lengths that minimise the objective exactly on the groups' span (see the module docs).
/// `subspace.gradient` holds each row's data gradient `g_r` at the current composed vectors, as
/// the own step just before left it; `gram = otherᵀ·other`; `counts` are this side's
/// [`Subspace::feature_counts`] (or [`FeatureCounts::of`]: the same sums, equal bit for bit when
/// every feature weight is 0 or 1, as genres and demographics are; otherwise up to rounding).
#[allow(clippy::too_many_arguments)]
pub(crate) fn descend_features(
    side: &mut Side,
    other: &Array2<f32>,
    gram: &[f64],
    counts: &FeatureCounts,
    subspace: &Subspace,
    w: &Weights,
    solve: Solve,
    cancel: &AtomicBool,
) -> Result<(), Halt> {
    let Subspace {
        gradient,
        groups,
        cells,
    } = subspace;
    let n_features = side.features.n_features();
    if n_features == 0 {
        return Ok(());
    }
    let this = &*side;
    // Per feature: (∇_f, Δ_f); a feature no row has is set to zero (its λ_f‖F‖² is all it adds).
    let blocks: Vec<Result<Option<Move>, Halt>> = (0..n_features)
        .into_par_iter()
        .map(|f| {
            if cancel.load(Ordering::Relaxed) {
                return Err(Halt::Cancelled);
            }
            let members = this.features.by_feature.row(f);
            if members.is_empty() {
                return Ok(None);
            }
            let block = &counts.blocks[f];
            let grad = block_gradient(this, f, gradient, block.lambda);
            let delta = newton_direction(other, gram, block, w, &grad, solve)?;
            Ok(Some((grad, delta)))
        })
        .collect();
    // σ_a = Σ_{f∈a} Δ_f·∇_f and H_ab = Σ_r u_r^aᵀ W_r u_r^b + [a = b] Σ_{f∈a} λ_f‖Δ_f‖² over
    // the groups a, b (lower triangle).
    let n_groups = groups.n_groups;
    let mut directions: Vec<Option<Vec<f64>>> = Vec::with_capacity(n_features);
    let mut slope = vec![0.0f64; n_groups];
    let mut curvature = vec![0.0f64; n_groups * n_groups];
    for (f, block) in blocks.into_iter().enumerate() {
        let g = groups.group[f] as usize;
        match block? {
            Some((grad, delta)) => {
                slope[g] += dot(&delta, &grad);
                curvature[g * n_groups + g] += counts.blocks[f].lambda * dot(&delta, &delta);
                directions.push(Some(delta));
            }
            None => directions.push(None),
        }
    }
    add_data_curvature(cells, other, gram, w, &directions, groups, &mut curvature);
    let steps = group_steps(&curvature, &slope, n_groups)?;
    for (f, delta) in directions.iter().enumerate() {
        let step = steps[groups.group[f] as usize];
        let mut row = side.feature_factors.row_mut(f);
        match delta {
            Some(delta) => row
                .iter_mut()
                .zip(delta)
                .for_each(|(o, &d)| *o = (f64::from(*o) + step * d) as f32),
            None => row.fill(0.0),
        }
    }
    side.compose_all();
    if side.feature_factors.iter().all(|v| v.is_finite()) {
        Ok(())
    } else {
        Err(Halt::Diverged)
    }
}

/// The step lengths `t = −H⁻¹σ` over the groups that moved (the others: 0) — the exact minimum
/// of the objective on the span of the groups' directions.
fn group_steps(curvature: &[f64], slope: &[f64], n_groups: usize) -> Result<Vec<f64>, Halt> {
    if curvature.iter().chain(slope).any(|v| !v.is_finite()) {
        return Err(Halt::Diverged);
    }
    let active: Vec<usize> = (0..n_groups)
        .filter(|&a| curvature[a * n_groups + a] > 0.0)
        .collect();
    let mut steps = vec![0.0f64; n_groups];
    if active.is_empty() {
        return Ok(steps);
    }
    let m = active.len();
    let mut h = vec![0.0f64; m * m];
    for (i, &a) in active.iter().enumerate() {
        for (j, &b) in active.iter().enumerate() {
            let (hi, lo) = if a >= b { (a, b) } else { (b, a) };
            h[i * m + j] = curvature[hi * n_groups + lo];
        }
    }
    let mut t: Vec<f64> = active.iter().map(|&a| -slope[a]).collect();
    Spd::factor(h, m)?.solve(&mut t)?;
    for (&a, &ta) in active.iter().zip(&t) {
        steps[a] = ta;
    }
    Ok(steps)
}

/// `∇_f = Σ_{r∋f} x_r g_r + λ_f F_f` (members in fixed chunks, summed in order).
fn block_gradient(side: &Side, f: usize, gradient: &Array2<f32>, lambda: f64) -> Vec<f64> {
    let k = gradient.ncols();
    let members = side.features.by_feature.row(f);
    let xs = side.features.by_feature.row_values(f);
    let partial: Vec<Vec<f64>> = members
        .par_chunks(ROW_CHUNK)
        .zip(xs.par_chunks(ROW_CHUNK))
        .map(|(rows, xs)| {
            let mut sum = vec![0.0f64; k];
            for (&r, &x) in rows.iter().zip(xs) {
                let x = f64::from(x);
                for (s, &g) in sum.iter_mut().zip(gradient.row(r as usize).iter()) {
                    *s += x * f64::from(g);
                }
            }
            sum
        })
        .collect();
    let mut grad: Vec<f64> = side
        .feature_factors
        .row(f)
        .iter()
        .map(|&v| lambda * f64::from(v))
        .collect();
    for part in partial {
        grad.iter_mut().zip(&part).for_each(|(g, p)| *g += p);
    }
    grad
}

/// `Δ_f = −A_f⁻¹ ∇_f` ([`block_matrix`]): exactly, or by CG steps from zero (each a descent
/// direction of the block: `Δ_f·∇_f < 0` unless `∇_f = 0`).
fn newton_direction(
    other: &Array2<f32>,
    gram: &[f64],
    block: &BlockCounts,
    w: &Weights,
    grad: &[f64],
    solve: Solve,
) -> Result<Vec<f64>, Halt> {
    let k = other.ncols();
    let mut delta: Vec<f64> = grad.iter().map(|g| -g).collect();
    match solve {
        Solve::Exact => Spd::factor(block_matrix(other, gram, block, w), k)?.solve(&mut delta)?,
        Solve::Cg { steps } => {
            let mut apply = |v: &[f64], out: &mut [f64]| apply_block(other, gram, block, w, v, out);
            let mut residual = delta;
            delta = vec![0.0; k];
            if !refine_from(&mut apply, &mut residual, &mut delta, steps) {
                return Err(Halt::Diverged);
            }
        }
    }
    if delta.iter().all(|v| v.is_finite()) {
        Ok(delta)
    } else {
        Err(Halt::Diverged)
    }
}

#[cfg(test)]
#[path = "feature_subspace_tests.rs"]
mod tests;
