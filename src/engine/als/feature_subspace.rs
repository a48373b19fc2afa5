//! The feature-embedding step of a hybrid iALS sweep past [`super::train::SUBSPACE_FROM`]
//! positives (`feature_blocks.rs` has the exact block steps used below it and the counts both
//! use; `steps.rs` the objective and the own-embedding steps): after a side's own step, every
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
//! the rows that interacted with j are only counted by their feature pattern ([`Groups`]), so the
//! pass over the interactions reads no factor row — where solving the blocks one after another
//! needs a full gather pass per attribute. Every sum runs over fixed chunks combined in order, so
//! the result does not depend on the number of threads.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};

use ndarray::Array2;
use rayon::prelude::*;

use super::blocks::Solve;
use super::feature_blocks::{apply_block, block_matrix, disjoint_runs, BlockCounts, FeatureCounts};
use super::steps::{Halt, Weights};
use crate::data::Csr;
use crate::engine::factors::side::Side;
use crate::engine::kernels::{dot, refine_from, symmetric_product, Spd};

/// A feature's gradient `∇_f` and Newton direction `Δ_f`.
type Move = (Vec<f64>, Vec<f64>);

/// Members per chunk of the parallel gradient sums (fixed, so results do not depend on the
/// thread count).
const ROW_CHUNK: usize = 256;

/// Rows per chunk of the curvature pass: small, because one popular film's interactions can
/// outweigh thousands of others' (fixed, so results do not depend on the thread count).
const CURVATURE_CHUNK: usize = 16;

/// Moves every feature embedding of `side` along its block's Newton direction, each group by the
/// step lengths that minimise the objective exactly on the groups' span (see the module docs). `gradient` holds each row's data gradient `g_r` at the
/// current composed vectors, as the own step just before left it; `gram = otherᵀ·other`;
/// `counts` and `groups` are [`FeatureCounts::of`] and [`Groups::of`] this side; `transposed`
/// the interactions by row of the other side (`by_item` for the users' features),
/// `low_transposed` the same of the low ratings when the trainer has them (their loss is part of
/// `W_r`, so of the step lengths).
#[allow(clippy::too_many_arguments)]
pub(crate) fn descend_features(
    side: &mut Side,
    transposed: &Csr,
    low_transposed: Option<&Csr>,
    other: &Array2<f32>,
    gram: &[f64],
    counts: &FeatureCounts,
    groups: &Groups,
    gradient: &Array2<f32>,
    w: &Weights,
    solve: Solve,
    cancel: &AtomicBool,
) -> Result<(), Halt> {
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
    add_data_curvature(
        transposed,
        low_transposed,
        other,
        gram,
        w,
        &directions,
        groups,
        &mut curvature,
    );
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

/// The features' groups and the rows' feature patterns, fixed while the features are (a training
/// run computes them once).
pub(crate) struct Groups {
    /// The group of each feature: the maximal runs of consecutive features no two of which share
    /// a row (the values of one categorical attribute), so a row has at most one feature per group.
    group: Vec<u32>,
    n_groups: usize,
    /// Each row's cell: rows with the same features and weights share one (users: at most
    /// genders × ages × occupations cells).
    cell_of_row: Vec<u32>,
    /// Each cell's features and weights (one row per cell) and its number of rows.
    cells: Csr,
    cell_size: Vec<f64>,
}

impl Groups {
    pub(crate) fn of(side: &Side) -> Groups {
        let by_row = &side.features.by_row;
        let runs = disjoint_runs(&side.features.by_feature, by_row.n_rows);
        let mut group = vec![0u32; by_row.n_cols];
        for (g, run) in runs.iter().enumerate() {
            group[run.clone()].fill(g as u32);
        }
        let mut ids: HashMap<(&[u32], Vec<u32>), u32> = HashMap::new();
        let (mut cell_rows, mut cell_cols, mut cell_values) = (Vec::new(), Vec::new(), Vec::new());
        let mut cell_size = Vec::new();
        let cell_of_row = (0..by_row.n_rows)
            .map(|r| {
                let (feats, xs) = (by_row.row(r), by_row.row_values(r));
                let key = (feats, xs.iter().map(|x| x.to_bits()).collect());
                let next = ids.len() as u32;
                let id = *ids.entry(key).or_insert(next);
                if id == next {
                    cell_rows.extend(std::iter::repeat_n(id, feats.len()));
                    cell_cols.extend_from_slice(feats);
                    cell_values.extend_from_slice(xs);
                    cell_size.push(0.0);
                }
                cell_size[id as usize] += 1.0;
                id
            })
            .collect();
        let cells = Csr::from_triplets(
            cell_size.len(),
            by_row.n_cols,
            &cell_rows,
            &cell_cols,
            &cell_values,
        );
        Groups {
            group,
            n_groups: runs.len(),
            cell_of_row,
            cells,
            cell_size,
        }
    }

    /// Adds `scale · Σ_{a ≥ b} x_a x_b v(f_a) v(f_b)` over cell c's moving features to `sums`
    /// (lower triangle by group: a row has one feature per group, so two of its features are two
    /// groups, H's symmetric entry for them held once).
    fn add_cell(&self, sums: &mut [f64], c: usize, scale: f64, moving: &[bool], value: &[f64]) {
        let n = self.n_groups;
        let (feats, xs) = (self.cells.row(c), self.cells.row_values(c));
        for (a, (&f, &x)) in feats.iter().zip(xs).enumerate() {
            let f = f as usize;
            if !moving[f] {
                continue;
            }
            let va = scale * f64::from(x) * value[f];
            let ga = self.group[f] as usize;
            for (&f2, &x2) in feats[..=a].iter().zip(xs) {
                let f2 = f2 as usize;
                if moving[f2] {
                    let gb = self.group[f2] as usize;
                    let at = if ga >= gb { ga * n + gb } else { gb * n + ga };
                    sums[at] += va * f64::from(x2) * value[f2];
                }
            }
        }
    }
}

/// Adds `Σ_r u_r^aᵀ W_r u_r^b` to `curvature` (lower triangle, groups × groups), where
/// `u_r^a = x_f Δ_f` for row r's one feature f in group a: `w0·x_f x_f'·Δ_fᵀ G Δ_f'` per row,
/// plus `(c − w0)·Σ_{j∈I_r} (o_j·u^a)(o_j·u^b)` and the same with `β` over the row's low
/// ratings. The data part is summed the other way round, over each row j of the other side and
/// the rows r that interacted with it (`transposed`): `o_j·Δ_f` for every feature at once is one
/// small matrix product `O·Δᵀ`, and the rows of `I_j` only count how many fall in each cell
/// (rows with the same features), so the pass reads no factor row per interaction. Rows run in
/// fixed chunks summed in order, so the result does not depend on the thread count.
#[allow(clippy::too_many_arguments)]
fn add_data_curvature(
    transposed: &Csr,
    low_transposed: Option<&Csr>,
    other: &Array2<f32>,
    gram: &[f64],
    w: &Weights,
    directions: &[Option<Vec<f64>>],
    groups: &Groups,
    curvature: &mut [f64],
) {
    let k = other.ncols();
    let n_features = directions.len();
    let n_cells = groups.cell_size.len();
    let moving: Vec<bool> = directions.iter().map(Option::is_some).collect();
    // The G part, cell by cell: Σ x_a x_b Δ_aᵀ G Δ_b = Σ x_a x_b Δ_a·(G Δ_b).
    let mut delta_t = Array2::<f32>::zeros((k, n_features));
    let mut g_delta = vec![0.0f64; n_features * k];
    for (f, d) in directions.iter().enumerate() {
        if let Some(d) = d {
            symmetric_product(gram, d, &mut g_delta[f * k..(f + 1) * k]);
            for (c, &v) in d.iter().enumerate() {
                delta_t[[c, f]] = v as f32;
            }
        }
    }
    let mut quad = vec![0.0f64; n_features * n_features];
    for (f, d) in directions.iter().enumerate() {
        for f2 in 0..n_features {
            if let (Some(d), true) = (d, moving[f2]) {
                quad[f * n_features + f2] = dot(d, &g_delta[f2 * k..(f2 + 1) * k]);
            }
        }
    }
    let n = groups.n_groups;
    for c in 0..n_cells {
        let (feats, xs) = (groups.cells.row(c), groups.cells.row_values(c));
        for (a, (&f, &x)) in feats.iter().zip(xs).enumerate() {
            for (&f2, &x2) in feats[..=a].iter().zip(xs) {
                let (f, f2) = (f as usize, f2 as usize);
                if moving[f] && moving[f2] {
                    let (ga, gb) = (groups.group[f] as usize, groups.group[f2] as usize);
                    let at = if ga >= gb { ga * n + gb } else { gb * n + ga };
                    let xx = f64::from(x) * f64::from(x2);
                    curvature[at] +=
                        groups.cell_size[c] * w.unobserved * xx * quad[f * n_features + f2];
                }
            }
        }
    }
    // The data part: P = O·Δᵀ (other rows × features); per row j, its rows counted by cell.
    let projections = other.dot(&delta_t);
    let extra = w.positive - w.unobserved;
    let others: Vec<usize> = (0..other.nrows()).collect();
    let data: Vec<Vec<f64>> = others
        .par_chunks(CURVATURE_CHUNK)
        .map_init(
            || {
                (
                    vec![0.0f64; n_cells],
                    Vec::<u32>::new(),
                    vec![0.0f64; n_features],
                )
            },
            |(count, touched, value), js| {
                let mut sums = vec![0.0f64; n * n];
                for &j in js {
                    for (v, &p) in value.iter_mut().zip(projections.row(j).iter()) {
                        *v = f64::from(p);
                    }
                    let lists = [
                        (Some(transposed), extra),
                        (low_transposed.filter(|_| w.low > 0.0), w.low),
                    ];
                    for (list, scale) in lists {
                        let Some(list) = list else { continue };
                        for &r in list.row(j) {
                            let c = groups.cell_of_row[r as usize];
                            if count[c as usize] == 0.0 {
                                touched.push(c);
                            }
                            count[c as usize] += 1.0;
                        }
                        for &c in touched.iter() {
                            let c = c as usize;
                            groups.add_cell(&mut sums, c, scale * count[c], &moving, value);
                            count[c] = 0.0;
                        }
                        touched.clear();
                    }
                }
                sums
            },
        )
        .collect();
    for part in &data {
        curvature.iter_mut().zip(part).for_each(|(c, p)| *c += p);
    }
}

#[cfg(test)]
mod tests {
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
        let config = AlsConfig {
            factors: 4,
            iterations: sweeps,
            ..AlsConfig::default()
        };
        let m = HybridAls::fit(
            &positives,
            Some(&genres),
            Some(&demographics),
            &config,
            &mut |_| {},
            &AtomicBool::new(false),
        )
        .unwrap();
        let w = Weights::of(&config, positives.by_user.n_cols);
        (m, positives, w)
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
            let counts = FeatureCounts::of(items, bi, users.own.nrows(), &w);
            let groups = Groups::of(items);
            let mut gradient = Array2::<f32>::zeros(items.own.dim());
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
                Some(&mut gradient),
            )
            .unwrap();
            let before = items.feature_factors.clone();
            descend_features(
                items,
                &positives.by_user,
                None,
                &users.composed,
                &pp,
                &counts,
                &groups,
                &gradient,
                &w,
                solve,
                &cancel,
            )
            .unwrap();
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
}
