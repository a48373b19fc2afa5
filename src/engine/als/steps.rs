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

use ndarray::Array2;
use rayon::prelude::*;

use super::blocks::{add_gathered_products, gather, prefetch_row, Solve, PREFETCH_AHEAD};
use super::config::{AlsConfig, CATALOG_KNEE};
use crate::data::Csr;
use crate::engine::factors::side::Side;
use crate::engine::kernels::spd::{cholesky_in_place, cholesky_solve};
use crate::engine::kernels::{
    add_weighted_gram, dot, dot32, gram, refine_from, symmetric_product, NotPositiveDefinite, Spd,
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
    /// `(REFERENCE_CATALOG / n)^κ` with n = min(n_items, knee), and past the knee by
    /// `(knee / n_items)^κ'` ([`AlsConfig::large_catalog_exponent`]).
    pub fn of(config: &AlsConfig, n_items: usize) -> Weights {
        let n = n_items.max(1) as f64;
        let kappa = f64::from(config.catalog_exponent);
        let catalog = match config.large_catalog_exponent {
            Some(large) if n > CATALOG_KNEE => {
                (REFERENCE_CATALOG / CATALOG_KNEE).powf(kappa)
                    * (CATALOG_KNEE / n).powf(f64::from(large))
            }
            _ => (REFERENCE_CATALOG / n).powf(kappa),
        };
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
        for (t, &j) in rows.iter().enumerate() {
            if let Some(&next) = rows.get(t + PREFETCH_AHEAD) {
                prefetch_row(other, next);
            }
            let row = other.row(j as usize);
            match row.as_slice() {
                // Contiguous rows (every factor matrix): a loop the compiler vectorises.
                Some(row) => sum
                    .iter_mut()
                    .zip(row)
                    .for_each(|(acc, &v)| *acc += f64::from(v)),
                None => sum
                    .iter_mut()
                    .zip(row.iter())
                    .for_each(|(acc, &v)| *acc += f64::from(v)),
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
        None,
    )
}

/// [`solve_own`] with `gram = otherᵀ·other` already computed (a sweep computes it once). When
/// `gradient` is given (one row per row of the side), row r receives the gradient of its data
/// loss at its new composed vector, `g_r = W_r p_r − b_r` (halved; `W_r = OᵀC_rO`, `b_r` the
/// right-hand side without λ), read off the solve instead of another pass over the history: the
/// solve leaves the residual `ρ_r = b_r + λ_r s_r − (W_r + λ_r I) p_r` (zero for an exact solve),
/// so `g_r = −λ_r e_r − ρ_r` with `e_r = p_r − s_r` the new own embedding.
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
    gradient: Option<&mut Array2<f32>>,
) -> Result<(), Halt> {
    // Each row's solution is written straight into the own matrix (no per-row vectors held).
    let k = side.own.ncols();
    let mut own = std::mem::take(&mut side.own);
    if !own.is_standard_layout() {
        own = own.as_standard_layout().into_owned();
    }
    let n_rows = own.nrows();
    let this = &*side;
    let solve_into = |scratch: &mut Scratch,
                      r: usize,
                      out: &mut [f32],
                      grad: Option<&mut [f32]>| {
        if cancel.load(Ordering::Relaxed) {
            return Err(Halt::Cancelled);
        }
        let Scratch {
            matrix,
            offset,
            residual,
        } = scratch;
        this.offset_into(r, offset);
        let history = interactions.row(r);
        let low = low.map_or(&[][..], |l| l.row(r));
        let p = match solve {
            Solve::Exact => {
                residual.fill(0.0);
                solve_row_with(history, low, offset, other, gram, w, matrix)?
            }
            Solve::Cg { steps } => {
                let mut x: Vec<f64> = this.composed.row(r).iter().map(|&v| f64::from(v)).collect();
                refine_row(
                    history, low, offset, other, gram, w, &mut x, steps, residual,
                )?;
                x
            }
        };
        for ((o, p), s) in out.iter_mut().zip(&p).zip(offset.iter()) {
            *o = (p - s) as f32;
        }
        if let Some(g) = grad {
            let lambda = w.row_lambda(history.len(), other.nrows());
            for (((g, p), s), rho) in g.iter_mut().zip(&p).zip(offset.iter()).zip(residual.iter()) {
                *g = (-lambda * (p - s) - rho) as f32;
            }
        }
        Ok(())
    };
    let scratch = || Scratch {
        matrix: vec![0.0f64; gram.len()],
        offset: vec![0.0f64; k],
        residual: vec![0.0f64; k],
    };
    let values = own.as_slice_mut().expect("standard layout");
    let solved = if k == 0 {
        Ok(())
    } else if let Some(gradient) = gradient {
        assert_eq!(gradient.dim(), (n_rows, k), "one gradient row per row");
        let grads = gradient.as_slice_mut().expect("standard layout");
        values
            .par_chunks_mut(k)
            .zip(grads.par_chunks_mut(k))
            .enumerate()
            .try_for_each_init(scratch, |s, (r, (out, g))| solve_into(s, r, out, Some(g)))
    } else {
        values
            .par_chunks_mut(k)
            .enumerate()
            .try_for_each_init(scratch, |s, (r, out)| solve_into(s, r, out, None))
    };
    side.own = own;
    solved?;
    side.compose_all();
    Ok(())
}

/// One worker's buffers for [`solve_own_with`].
struct Scratch {
    matrix: Vec<f64>,
    offset: Vec<f64>,
    residual: Vec<f64>,
}

/// [`solve_row`] by `steps` CG steps from the composed vector `x`, leaving the final residual in
/// `r`. The first residual `b − A x = λ(offset − x) − w0·G x + Σ_j (c − (c − w0)·o_j·x) o_j`
/// takes one pass over the history.
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
    r: &mut [f64],
) -> Result<(), Halt> {
    let lambda = w.row_lambda(history.len(), other.nrows());
    let extra = w.positive - w.unobserved;
    symmetric_product(gram, x, r);
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
