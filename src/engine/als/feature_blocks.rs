//! The feature-embedding blocks of a hybrid iALS sweep (`steps.rs` has the objective and the
//! own-embedding steps): each feature embedding D_d (users' demographics) or G_g (items' genres)
//! is one block whose normal equations are summed over the rows having that feature, everything
//! else held fixed — block coordinate descent, so the objective never increases. Features are
//! taken in order; a run of consecutive features that share no row is solved in parallel, which
//! gives the sequential result bit for bit.

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::Array2;
use rayon::prelude::*;

use super::blocks::{add_gathered_products, gather, Solve};
use super::steps::{Halt, Weights};
use crate::data::Csr;
use crate::engine::factors::side::Side;
#[cfg(test)]
use crate::engine::kernels::gram;
use crate::engine::kernels::{dot, refine, symmetric_product, weighted_gram, Spd};

/// Solves the feature embeddings of `side` one at a time (block coordinate descent: each block's
/// normal equations are summed over the rows having that feature, everything else held fixed).
/// The per-member sums run in parallel over fixed chunks combined in order, so the result does not
/// depend on the number of threads.
#[cfg(test)]
pub(crate) fn solve_feature_blocks(
    side: &mut Side,
    interactions: &Csr,
    other: &Array2<f32>,
    w: &Weights,
    solve: Solve,
    cancel: &AtomicBool,
) -> Result<(), Halt> {
    if side.features.n_features() == 0 {
        return Ok(());
    }
    let counts = FeatureCounts::of(side, interactions, other.nrows(), w);
    solve_feature_blocks_with(
        side,
        interactions,
        other,
        &gram(other),
        &counts,
        w,
        solve,
        cancel,
    )
}

/// [`solve_feature_blocks`] with `gram = otherᵀ·other` already computed. Features are taken in
/// order, but a run of consecutive features no two of which share a row (the values of one
/// categorical attribute: a user has one gender, one age bucket, one occupation) is solved in
/// parallel: no block of the run reads what another writes, so the result is the sequential
/// one, bit for bit. `counts` are the blocks' sums over the interactions alone
/// ([`FeatureCounts::of`] this side), counted once per training run.
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_feature_blocks_with(
    side: &mut Side,
    interactions: &Csr,
    other: &Array2<f32>,
    gram: &[f64],
    counts: &FeatureCounts,
    w: &Weights,
    solve: Solve,
    cancel: &AtomicBool,
) -> Result<(), Halt> {
    if side.features.n_features() == 0 {
        return Ok(());
    }
    for run in disjoint_runs(&side.features.by_feature, side.own.nrows()) {
        if cancel.load(Ordering::Relaxed) {
            return Err(Halt::Cancelled);
        }
        let this = &*side;
        let solved: Vec<Result<Vec<f64>, Halt>> = run
            .clone()
            .into_par_iter()
            .map(|f| {
                let block = &counts.blocks[f];
                solve_feature(this, f, block, interactions, other, gram, w, solve)
            })
            .collect();
        for (f, b) in run.zip(solved) {
            let b = b?;
            side.feature_factors
                .row_mut(f)
                .iter_mut()
                .zip(&b)
                .for_each(|(o, &v)| *o = v as f32);
            let members = side.features.by_feature.row(f).to_vec();
            for r in members {
                side.compose_row(r as usize);
            }
        }
    }
    Ok(())
}

/// The features `0..n` split into maximal runs of consecutive features whose rows (members, in
/// `by_feature`) are pairwise disjoint.
pub(super) fn disjoint_runs(by_feature: &Csr, n_rows: usize) -> Vec<std::ops::Range<usize>> {
    let mut taken = vec![false; n_rows];
    let mut runs = Vec::new();
    let mut start = 0;
    for f in 0..by_feature.n_rows {
        let members = by_feature.row(f);
        if members.iter().any(|&r| taken[r as usize]) {
            for g in start..f {
                for &r in by_feature.row(g) {
                    taken[r as usize] = false;
                }
            }
            runs.push(start..f);
            start = f;
        }
        for &r in members {
            taken[r as usize] = true;
        }
    }
    if start < by_feature.n_rows {
        runs.push(start..by_feature.n_rows);
    }
    runs
}

/// The sums a side's feature blocks need of the interactions alone (not of any factor): for each
/// feature, the rows of the other side its members interacted with (`touched`, ascending) and per
/// such row `m = Σ x²` and `sx = Σ x` over those members, `Σ x²` over the members and the block's
/// λ_f. Constant while the interactions are, so a training run counts them once instead of once
/// per sweep (the same sums in the same order, so the same solutions bit for bit).
pub(crate) struct FeatureCounts {
    pub(super) blocks: Vec<BlockCounts>,
}

pub(super) struct BlockCounts {
    pub(super) touched: Vec<u32>,
    pub(super) m: Vec<f64>,
    pub(super) sx: Vec<f64>,
    pub(super) sum_x2: f64,
    pub(super) lambda: f64,
}

impl FeatureCounts {
    /// No features.
    pub(crate) fn empty() -> FeatureCounts {
        FeatureCounts { blocks: Vec::new() }
    }

    /// The counts of every feature of `side` over `interactions` (features in parallel).
    pub(crate) fn of(
        side: &Side,
        interactions: &Csr,
        n_other: usize,
        w: &Weights,
    ) -> FeatureCounts {
        let by_feature = &side.features.by_feature;
        let blocks = (0..side.features.n_features())
            .into_par_iter()
            .map_init(
                || {
                    (
                        vec![0.0f64; n_other],
                        vec![0.0f64; n_other],
                        vec![false; n_other],
                    )
                },
                |(m, sx, seen), f| {
                    let members = by_feature.row(f);
                    let xs = by_feature.row_values(f);
                    let mut touched: Vec<u32> = Vec::new();
                    let mut sum_x2 = 0.0f64;
                    for (&r, &x) in members.iter().zip(xs) {
                        let x = f64::from(x);
                        sum_x2 += x * x;
                        for &j in interactions.row(r as usize) {
                            let j = j as usize;
                            if !seen[j] {
                                seen[j] = true;
                                touched.push(j as u32);
                            }
                            m[j] += x * x;
                            sx[j] += x;
                        }
                    }
                    touched.sort_unstable();
                    let take = |v: &mut Vec<f64>| -> Vec<f64> {
                        touched
                            .iter()
                            .map(|&j| std::mem::take(&mut v[j as usize]))
                            .collect()
                    };
                    let (m_t, sx_t) = (take(m), take(sx));
                    for &j in &touched {
                        seen[j as usize] = false;
                    }
                    BlockCounts {
                        lambda: w.feature_lambda(members, xs, interactions, n_other),
                        touched,
                        m: m_t,
                        sx: sx_t,
                        sum_x2,
                    }
                },
            )
            .collect();
        FeatureCounts { blocks }
    }
}

/// The new embedding of feature `f` (its block's normal equations, everything else fixed).
#[allow(clippy::too_many_arguments)]
fn solve_feature(
    side: &Side,
    f: usize,
    counts: &BlockCounts,
    interactions: &Csr,
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    solve: Solve,
) -> Result<Vec<f64>, Halt> {
    let k = other.ncols();
    let extra = w.positive - w.unobserved;
    let members = side.features.by_feature.row(f);
    let xs = side.features.by_feature.row_values(f);
    let BlockCounts { touched, sx, .. } = counts;
    let (rho_sum, cross) = member_sums(side, f as u32, members, xs, interactions, other);
    let mut b = vec![0.0f64; k];
    for (&j, &s) in touched.iter().zip(sx) {
        for (bc, &v) in b.iter_mut().zip(other.row(j as usize).iter()) {
            *bc += w.positive * s * f64::from(v);
        }
    }
    for c in 0..k {
        b[c] -= w.unobserved * dot(&gram[c * k..(c + 1) * k], &rho_sum) + extra * cross[c];
    }
    if members.is_empty() {
        b.iter_mut().for_each(|v| *v = 0.0);
    } else {
        match solve {
            Solve::Exact => {
                Spd::factor(block_matrix(other, gram, counts, w), k)?.solve(&mut b)?;
            }
            Solve::Cg { steps } => {
                let mut x: Vec<f64> = side
                    .feature_factors
                    .row(f)
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect();
                let mut apply =
                    |v: &[f64], out: &mut [f64]| apply_block(other, gram, counts, w, v, out);
                if !refine(&mut apply, &b, &mut x, steps) {
                    return Err(Halt::Diverged);
                }
                b = x;
            }
        }
    }
    if b.iter().any(|v| !v.is_finite()) {
        return Err(Halt::Diverged);
    }
    Ok(b)
}

/// `A_f = Σx²·w0·G + (c − w0)·Σ_j m_j o_j o_jᵀ + λ_f I`, the Hessian of feature f's block
/// (row-major `k×k`, lower triangle), formed for an exact solve.
pub(super) fn block_matrix(
    other: &Array2<f32>,
    gram: &[f64],
    block: &BlockCounts,
    w: &Weights,
) -> Vec<f64> {
    let k = other.ncols();
    let extra = w.positive - w.unobserved;
    let local = weighted_gram(other, &block.touched, Some(&block.m));
    let mut a: Vec<f64> = gram
        .iter()
        .zip(&local)
        .map(|(g, l)| block.sum_x2 * w.unobserved * g + extra * l)
        .collect();
    for c in 0..k {
        a[c * k + c] += block.lambda;
    }
    a
}

/// `out = A_f v` without forming `A_f` ([`block_matrix`]): `O(k² + |touched|·k)`.
pub(super) fn apply_block(
    other: &Array2<f32>,
    gram: &[f64],
    block: &BlockCounts,
    w: &Weights,
    v: &[f64],
    out: &mut [f64],
) {
    symmetric_product(gram, v, out);
    for (o, &vi) in out.iter_mut().zip(v) {
        *o = block.sum_x2 * w.unobserved * *o + block.lambda * vi;
    }
    let extra = w.positive - w.unobserved;
    add_gathered_products(other, &block.touched, Some(&block.m), extra, v, out);
}

/// Members per chunk of the parallel sums in [`member_sums`] (fixed, so results do not depend on
/// the thread count).
const MEMBER_CHUNK: usize = 64;

/// For feature `f`: `(Σ_r x_r ρ_r, Σ_r x_r Σ_{j∈I_r} (o_j·ρ_r) o_j)` over its members r, where
/// `ρ_r` is row r's composed vector without feature f.
fn member_sums(
    side: &Side,
    f: u32,
    members: &[u32],
    xs: &[f32],
    interactions: &Csr,
    other: &Array2<f32>,
) -> (Vec<f64>, Vec<f64>) {
    let k = other.ncols();
    let partial: Vec<(Vec<f64>, Vec<f64>)> = members
        .par_chunks(MEMBER_CHUNK)
        .zip(xs.par_chunks(MEMBER_CHUNK))
        .map(|(rows, xs)| {
            let mut rho_sum = vec![0.0f64; k];
            let mut cross = vec![0.0f64; k];
            // One set of buffers per chunk (a pass visits every member of every feature).
            let mut rho = vec![0.0f64; k];
            let mut rho32 = vec![0.0f32; k];
            let mut acc = vec![0.0f32; k];
            for (&r, &x) in rows.iter().zip(xs) {
                let x = f64::from(x);
                rest_into(side, r as usize, f, &mut rho);
                for (a, v) in rho_sum.iter_mut().zip(&rho) {
                    *a += x * v;
                }
                // = add_gathered_products(other, I_r, None, x, ρ, cross), without its buffers.
                for (o, &v) in rho32.iter_mut().zip(&rho) {
                    *o = v as f32;
                }
                acc.fill(0.0);
                gather(
                    other,
                    interactions.row(r as usize),
                    &rho32,
                    &mut acc,
                    |_, d| d,
                );
                for (o, &a) in cross.iter_mut().zip(&acc) {
                    *o += x * f64::from(a);
                }
            }
            (rho_sum, cross)
        })
        .collect();
    let mut rho_sum = vec![0.0f64; k];
    let mut cross = vec![0.0f64; k];
    for (r, c) in partial {
        rho_sum.iter_mut().zip(&r).for_each(|(a, b)| *a += b);
        cross.iter_mut().zip(&c).for_each(|(a, b)| *a += b);
    }
    (rho_sum, cross)
}

/// Everything of row `r`'s composed vector except feature `f`, into `rho`: Σ_{f'≠f} x F_f' (in
/// the row's feature order, as [`Side::offset_of`] sums) plus e_r, in `f64`.
fn rest_into(side: &Side, r: usize, f: u32, rho: &mut [f64]) {
    rho.fill(0.0);
    let feats = side.features.by_row.row(r);
    let xs = side.features.by_row.row_values(r);
    for (&g, &x) in feats.iter().zip(xs) {
        if g == f {
            continue;
        }
        let row = side.feature_factors.row(g as usize);
        for (acc, &v) in rho.iter_mut().zip(row.iter()) {
            *acc += f64::from(x) * f64::from(v);
        }
    }
    for (acc, &e) in rho.iter_mut().zip(side.own.row(r).iter()) {
        *acc += f64::from(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_disjoint_features_keep_the_order_of_overlapping_ones() {
        // Features 0, 1 disjoint (rows {0,1} and {2}); 2 overlaps 0 (row 1); 3 and 4 disjoint from
        // 2 and from each other; 5 overlaps 4; 6 has no member.
        let members: [&[u32]; 7] = [&[0, 1], &[2], &[1, 3], &[0], &[2, 4], &[4], &[]];
        let (mut f, mut r) = (Vec::new(), Vec::new());
        for (feature, rows) in members.iter().enumerate() {
            for &row in *rows {
                f.push(feature as u32);
                r.push(row);
            }
        }
        let by_feature = Csr::from_triplets(7, 5, &f, &r, &vec![1.0; f.len()]);
        assert_eq!(
            disjoint_runs(&by_feature, 5),
            vec![0..2, 2..5, 5..7],
            "each run pairwise disjoint, a feature never before one it overlaps"
        );
    }
}
