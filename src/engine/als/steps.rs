//! The exact minimisation steps of hybrid iALS. Each step minimises the one objective
//!
//! ```text
//! L = Σ_{u,i} c_ui (y_ui − p_u·q_i)² + Σ_u λ_u‖e_u‖² + Σ_i λ_i‖e_i‖² + Σ_d λ_d‖D_d‖² + Σ_g λ_g‖G_g‖²
//! ```
//!
//! (y = 1, c = 1 + α on positives; y = 0, c = w0 elsewhere) over one block of parameters, the rest
//! held fixed, so the objective never increases. The steps are written for a generic "side" (users
//! or items) against the composed vectors O of the other side, with the Gramian trick
//! `OᵀC_rO = w0·OᵀO + Σ_{j∈I_r} (c − w0) o_j o_jᵀ`.

use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::{Array2, Axis};
use rayon::prelude::*;

use super::blocks::{add_gathered_products, gather, Solve};
use super::config::AlsConfig;
use crate::data::Csr;
use crate::engine::factors::side::Side;
use crate::engine::kernels::spd::{cholesky_in_place, cholesky_solve};
use crate::engine::kernels::{
    add_weighted_gram, dot, dot32, gram, refine, refine_from, symmetric_product, weighted_gram,
    NotPositiveDefinite, Spd,
};

/// Why a step stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Halt {
    Cancelled,
    Diverged,
}

impl From<NotPositiveDefinite> for Halt {
    fn from(_: NotPositiveDefinite) -> Self {
        Halt::Diverged
    }
}

/// The catalog size λ was tuned on (ML-100K's 1,682 items); see [`AlsConfig::catalog_exponent`].
pub(crate) const REFERENCE_CATALOG: f64 = 1682.0;

/// The loss weights of a configuration, in `f64`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Weights {
    /// Confidence of a positive, 1 + α.
    pub positive: f64,
    /// Weight of an unobserved pair, w0.
    pub unobserved: f64,
    /// β: extra confidence of a pair rated below the threshold (an observed zero, weight w0 + β),
    /// when the trainer is given low ratings ([`AlsConfig::low_rating_weight`]).
    pub low: f64,
    /// y of a low-rated pair: 0 (seen, not liked) up to 1 (seen, as weak a positive as its weight).
    pub low_preference: f64,
    pub lambda: f64,
    /// Exponent ν of the frequency scaling of λ (0: plain λ).
    pub exponent: f64,
    /// Multiplier of λ for the feature embeddings.
    pub feature_multiplier: f64,
    /// w0 as a row's mass counts it: w0, or 0 when the mass counts positives only
    /// ([`AlsConfig::mass_counts_unobserved`]).
    pub mass_unobserved: f64,
}

impl Weights {
    /// The weights of `config` for a model over `n_items` items: λ is multiplied by
    /// `(REFERENCE_CATALOG / n_items)^κ` (κ = `catalog_exponent`).
    pub fn of(config: &AlsConfig, n_items: usize) -> Weights {
        let catalog =
            (REFERENCE_CATALOG / n_items.max(1) as f64).powf(f64::from(config.catalog_exponent));
        Weights {
            positive: 1.0 + f64::from(config.alpha),
            unobserved: f64::from(config.unobserved_weight),
            low: f64::from(config.low_rating_weight),
            low_preference: f64::from(config.low_rating_preference),
            lambda: f64::from(config.regularization) * catalog,
            exponent: f64::from(config.regularization_exponent),
            feature_multiplier: f64::from(config.feature_regularization),
            mass_unobserved: if config.mass_counts_unobserved {
                f64::from(config.unobserved_weight)
            } else {
                0.0
            },
        }
    }

    /// Regularisation scaled by the total loss weight of a block (Rendle et al. 2022):
    /// `λ·mass^ν`, with `mass = Σ (|I_r| + w0·n_other)` over the rows the block touches.
    fn scaled(&self, mass: f64) -> f64 {
        if self.exponent == 0.0 {
            self.lambda
        } else {
            self.lambda * mass.max(0.0).powf(self.exponent)
        }
    }

    /// λ_r of one user (item) with `n_positive` positives against `n_other` items (users).
    pub fn row_lambda(&self, n_positive: usize, n_other: usize) -> f64 {
        self.scaled(n_positive as f64 + self.mass_unobserved * n_other as f64)
    }

    /// λ_f of a feature embedding: the multiplier times λ scaled by the weight mass of its rows.
    pub fn feature_lambda(
        &self,
        members: &[u32],
        weights: &[f32],
        interactions: &Csr,
        n_other: usize,
    ) -> f64 {
        let mass: f64 = members
            .iter()
            .zip(weights)
            .map(|(&r, &x)| {
                let x2 = f64::from(x) * f64::from(x);
                x2 * (interactions.row_len(r as usize) as f64
                    + self.mass_unobserved * n_other as f64)
            })
            .sum();
        self.feature_multiplier * self.scaled(mass)
    }
}

/// `A = w0·gram + (c − w0)·Σ_{j∈history} o_j o_jᵀ + λ·I`, row-major `k×k` (lower triangle).
pub(crate) fn normal_matrix(
    history: &[u32],
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    lambda: f64,
) -> Vec<f64> {
    let mut a = vec![0.0f64; gram.len()];
    normal_matrix_into(history, &[], other, gram, w, lambda, &mut a);
    a
}

/// [`normal_matrix`] written into `a` (`k×k`), without allocating, plus `β·Σ_{j∈low} o_j o_jᵀ`
/// for the row's low ratings (observed zeros).
pub(crate) fn normal_matrix_into(
    history: &[u32],
    low: &[u32],
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    lambda: f64,
    a: &mut [f64],
) {
    let k = other.ncols();
    for (x, g) in a.iter_mut().zip(gram) {
        *x = w.unobserved * g;
    }
    for c in 0..k {
        a[c * k + c] += lambda;
    }
    add_weighted_gram(other, history, None, w.positive - w.unobserved, a);
    if w.low > 0.0 && !low.is_empty() {
        add_weighted_gram(other, low, None, w.low, a);
    }
}

/// The right-hand side `c·Σ_{j∈history} o_j + λ·offset`, plus `(w0 + β)·y·Σ_{j∈low} o_j` for the
/// row's low ratings of preference y.
pub(crate) fn normal_rhs(
    history: &[u32],
    low: &[u32],
    other: &Array2<f32>,
    offset: &[f64],
    w: &Weights,
    lambda: f64,
) -> Vec<f64> {
    let mut b: Vec<f64> = offset.iter().map(|s| lambda * s).collect();
    let sum_of = |rows: &[u32]| {
        let mut sum = vec![0.0f64; offset.len()];
        for &j in rows {
            for (acc, &v) in sum.iter_mut().zip(other.row(j as usize).iter()) {
                *acc += f64::from(v);
            }
        }
        sum
    };
    for (bi, si) in b.iter_mut().zip(&sum_of(history)) {
        *bi += w.positive * si;
    }
    let low_coef = (w.unobserved + w.low) * w.low_preference;
    if w.low > 0.0 && low_coef != 0.0 && !low.is_empty() {
        for (bi, si) in b.iter_mut().zip(&sum_of(low)) {
            *bi += low_coef * si;
        }
    }
    b
}

/// The composed vector p minimising one row's loss when its own embedding is regularised towards 0
/// and its features contribute `offset`: `(OᵀC_rO + λ_r I) p = c·Σ_{j∈I_r} o_j + λ_r·offset`.
pub(crate) fn solve_row(
    history: &[u32],
    offset: &[f64],
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
) -> Result<Vec<f64>, NotPositiveDefinite> {
    solve_row_with(
        history,
        &[],
        offset,
        other,
        gram,
        w,
        &mut vec![0.0; gram.len()],
    )
}

/// [`solve_row`] with a `k×k` scratch buffer (reused across rows by the trainer). The normal
/// matrix is factorised in the buffer; only when plain Cholesky fails is it rebuilt and handed to
/// [`Spd::factor`]'s jittered retries — the same result [`solve_row`] gives.
pub(crate) fn solve_row_with(
    history: &[u32],
    low: &[u32],
    offset: &[f64],
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    scratch: &mut [f64],
) -> Result<Vec<f64>, NotPositiveDefinite> {
    let k = other.ncols();
    let lambda = w.row_lambda(history.len(), other.nrows());
    let mut b = normal_rhs(history, low, other, offset, w, lambda);
    if b.iter().any(|v| !v.is_finite()) {
        return Err(NotPositiveDefinite);
    }
    normal_matrix_into(history, low, other, gram, w, lambda, scratch);
    if scratch.iter().all(|v| v.is_finite()) && cholesky_in_place(scratch, k) {
        cholesky_solve(scratch, k, &mut b);
    } else {
        let mut a = vec![0.0f64; gram.len()];
        normal_matrix_into(history, low, other, gram, w, lambda, &mut a);
        Spd::factor(a, k)?.solve(&mut b)?;
    }
    if b.iter().all(|v| v.is_finite()) {
        Ok(b)
    } else {
        Err(NotPositiveDefinite)
    }
}

/// Solves every own embedding of `side` (rows in parallel; each row is independent, so the result
/// does not depend on the number of threads), then recomposes the side. `Solve::Cg` refines each
/// composed vector from its current value instead of solving exactly.
pub(crate) fn solve_own(
    side: &mut Side,
    interactions: &Csr,
    low: Option<&Csr>,
    other: &Array2<f32>,
    w: &Weights,
    solve: Solve,
    cancel: &AtomicBool,
) -> Result<(), Halt> {
    solve_own_with(
        side,
        interactions,
        low,
        other,
        &gram(other),
        w,
        solve,
        cancel,
    )
}

/// [`solve_own`] with `gram = otherᵀ·other` already computed (a sweep computes it once).
#[allow(clippy::too_many_arguments)]
pub(crate) fn solve_own_with(
    side: &mut Side,
    interactions: &Csr,
    low: Option<&Csr>,
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    solve: Solve,
    cancel: &AtomicBool,
) -> Result<(), Halt> {
    let this = &*side;
    let rows: Vec<Result<Vec<f32>, Halt>> = (0..this.own.nrows())
        .into_par_iter()
        .map_init(
            || vec![0.0f64; gram.len()],
            |scratch, r| {
                if cancel.load(Ordering::Relaxed) {
                    return Err(Halt::Cancelled);
                }
                let offset = this.offset(r);
                let history = interactions.row(r);
                let low = low.map_or(&[][..], |l| l.row(r));
                let p = match solve {
                    Solve::Exact => solve_row_with(history, low, &offset, other, gram, w, scratch)?,
                    Solve::Cg { steps } => {
                        let mut x: Vec<f64> =
                            this.composed.row(r).iter().map(|&v| f64::from(v)).collect();
                        refine_row(history, low, &offset, other, gram, w, &mut x, steps)?;
                        x
                    }
                };
                Ok(p.iter().zip(&offset).map(|(p, s)| (p - s) as f32).collect())
            },
        )
        .collect();
    for (mut out, row) in side.own.axis_iter_mut(Axis(0)).zip(rows) {
        out.iter_mut().zip(row?).for_each(|(o, v)| *o = v);
    }
    side.compose_all();
    Ok(())
}

/// [`solve_row`] by `steps` CG steps from the composed vector `x`. The first residual
/// `b − A x = λ(offset − x) − w0·G x + Σ_j (c − (c − w0)·o_j·x) o_j` takes one pass over the history.
#[allow(clippy::too_many_arguments)]
fn refine_row(
    history: &[u32],
    low: &[u32],
    offset: &[f64],
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    x: &mut [f64],
    steps: usize,
) -> Result<(), Halt> {
    let lambda = w.row_lambda(history.len(), other.nrows());
    let extra = w.positive - w.unobserved;
    let mut r = vec![0.0f64; x.len()];
    symmetric_product(gram, x, &mut r);
    for ((ri, &xi), &si) in r.iter_mut().zip(x.iter()).zip(offset) {
        *ri = lambda * (si - xi) - w.unobserved * *ri;
    }
    let x32: Vec<f32> = x.iter().map(|&v| v as f32).collect();
    let mut acc = vec![0.0f32; x.len()];
    let (c, e) = (w.positive as f32, extra as f32);
    gather(other, history, &x32, &mut acc, |_, d| c - e * d);
    let beta = w.low as f32;
    if beta > 0.0 && !low.is_empty() {
        let target = ((w.unobserved + w.low) * w.low_preference) as f32;
        gather(other, low, &x32, &mut acc, |_, d| target - beta * d);
    }
    r.iter_mut()
        .zip(&acc)
        .for_each(|(ri, &a)| *ri += f64::from(a));
    let mut apply = |v: &[f64], out: &mut [f64]| {
        symmetric_product(gram, v, out);
        for (o, &vi) in out.iter_mut().zip(v) {
            *o = w.unobserved * *o + lambda * vi;
        }
        add_gathered_products(other, history, None, extra, v, out);
        if w.low > 0.0 && !low.is_empty() {
            add_gathered_products(other, low, None, w.low, v, out);
        }
    };
    if refine_from(&mut apply, r, x, steps) {
        Ok(())
    } else {
        Err(Halt::Diverged)
    }
}

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
    solve_feature_blocks_with(side, interactions, other, &gram(other), w, solve, cancel)
}

/// [`solve_feature_blocks`] with `gram = otherᵀ·other` already computed. Features are taken in
/// order, but a run of consecutive features no two of which share a row (the values of one
/// categorical attribute: a user has one gender, one age bucket, one occupation) is solved in
/// parallel: no block of the run reads what another writes, so the result is the sequential
/// one, bit for bit.
pub(crate) fn solve_feature_blocks_with(
    side: &mut Side,
    interactions: &Csr,
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    solve: Solve,
    cancel: &AtomicBool,
) -> Result<(), Halt> {
    if side.features.n_features() == 0 {
        return Ok(());
    }
    let n_other = other.nrows();
    for run in disjoint_runs(&side.features.by_feature, side.own.nrows()) {
        if cancel.load(Ordering::Relaxed) {
            return Err(Halt::Cancelled);
        }
        let this = &*side;
        let solved: Vec<Result<Vec<f64>, Halt>> = run
            .clone()
            .into_par_iter()
            .map_init(
                || BlockScratch::new(n_other),
                |scratch, f| solve_feature(this, f, interactions, other, gram, w, solve, scratch),
            )
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
fn disjoint_runs(by_feature: &Csr, n_rows: usize) -> Vec<std::ops::Range<usize>> {
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

/// Per-task scratch of [`solve_feature`]: one slot per row of the other side.
struct BlockScratch {
    m: Vec<f64>,
    sx: Vec<f64>,
    seen: Vec<bool>,
}

impl BlockScratch {
    fn new(n_other: usize) -> BlockScratch {
        BlockScratch {
            m: vec![0.0; n_other],
            sx: vec![0.0; n_other],
            seen: vec![false; n_other],
        }
    }
}

/// The new embedding of feature `f` (its block's normal equations, everything else fixed).
#[allow(clippy::too_many_arguments)]
fn solve_feature(
    side: &Side,
    f: usize,
    interactions: &Csr,
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    solve: Solve,
    scratch: &mut BlockScratch,
) -> Result<Vec<f64>, Halt> {
    let k = other.ncols();
    let n_other = other.nrows();
    let extra = w.positive - w.unobserved;
    let BlockScratch { m, sx, seen } = scratch;
    let members = side.features.by_feature.row(f);
    let xs = side.features.by_feature.row_values(f);
    let lambda = w.feature_lambda(members, xs, interactions, n_other);
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
    let (rho_sum, cross) = member_sums(side, f as u32, members, xs, interactions, other);
    let mut b = vec![0.0f64; k];
    for &j in &touched {
        let s = sx[j as usize];
        for (bc, &v) in b.iter_mut().zip(other.row(j as usize).iter()) {
            *bc += w.positive * s * f64::from(v);
        }
    }
    for c in 0..k {
        b[c] -= w.unobserved * dot(&gram[c * k..(c + 1) * k], &rho_sum) + extra * cross[c];
    }
    let mw: Vec<f64> = touched.iter().map(|&j| m[j as usize]).collect();
    for &j in &touched {
        m[j as usize] = 0.0;
        sx[j as usize] = 0.0;
        seen[j as usize] = false;
    }
    if members.is_empty() {
        b.iter_mut().for_each(|v| *v = 0.0);
    } else {
        match solve {
            Solve::Exact => {
                let local = weighted_gram(other, &touched, Some(&mw));
                let mut a: Vec<f64> = gram
                    .iter()
                    .zip(&local)
                    .map(|(g, l)| sum_x2 * w.unobserved * g + extra * l)
                    .collect();
                for c in 0..k {
                    a[c * k + c] += lambda;
                }
                Spd::factor(a, k)?.solve(&mut b)?;
            }
            Solve::Cg { steps } => {
                let mut x: Vec<f64> = side
                    .feature_factors
                    .row(f)
                    .iter()
                    .map(|&v| f64::from(v))
                    .collect();
                let mut apply = |v: &[f64], out: &mut [f64]| {
                    symmetric_product(gram, v, out);
                    for (o, &vi) in out.iter_mut().zip(v) {
                        *o = sum_x2 * w.unobserved * *o + lambda * vi;
                    }
                    add_gathered_products(other, &touched, Some(&mw), extra, v, out);
                };
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

/// The objective `L` for the composed vectors of both sides against `by_user` positives (in `f64`).
pub(crate) fn objective(
    users: &Side,
    items: &Side,
    by_user: &Csr,
    by_item: &Csr,
    w: &Weights,
) -> f64 {
    objective_with(users, items, by_user, by_item, w, &gram(&items.composed))
}

/// [`objective`] with `gram_q = QᵀQ` of the composed items already computed.
pub(crate) fn objective_with(
    users: &Side,
    items: &Side,
    by_user: &Csr,
    by_item: &Csr,
    w: &Weights,
    gram_q: &[f64],
) -> f64 {
    let n_users = users.own.nrows();
    let n_items = items.own.nrows();
    let k = users.own.ncols();
    let data: Vec<f64> = (0..n_users)
        .into_par_iter()
        .map(|u| {
            let p = users.composed.row(u);
            let p = p.as_slice().expect("standard layout");
            let p64: Vec<f64> = p.iter().map(|&v| f64::from(v)).collect();
            let mut gp = vec![0.0f64; k];
            symmetric_product(gram_q, &p64, &mut gp);
            let quad = dot(&p64, &gp);
            let mut loss = w.unobserved * quad;
            for &i in by_user.row(u) {
                let q = items.composed.row(i as usize);
                let s = dot32(p, q.as_slice().expect("standard layout"));
                loss += w.positive * (1.0 - s) * (1.0 - s) - w.unobserved * s * s;
            }
            loss + w.row_lambda(by_user.row_len(u), n_items) * squared_norm(users.own.row(u).iter())
        })
        .collect();
    let mut total: f64 = data.iter().sum();
    for i in 0..n_items {
        total += w.row_lambda(by_item.row_len(i), n_users) * squared_norm(items.own.row(i).iter());
    }
    for (side, interactions, n_other) in [(users, by_user, n_items), (items, by_item, n_users)] {
        for f in 0..side.features.n_features() {
            let fs = &side.features.by_feature;
            let lambda = w.feature_lambda(fs.row(f), fs.row_values(f), interactions, n_other);
            total += lambda * squared_norm(side.feature_factors.row(f).iter());
        }
    }
    total
}

fn squared_norm<'a>(v: impl Iterator<Item = &'a f32>) -> f64 {
    v.map(|&x| f64::from(x) * f64::from(x)).sum()
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
