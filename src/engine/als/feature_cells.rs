//! What the subspace feature step (`feature_subspace.rs`) knows of the interactions, counted once
//! per training run: the features' groups and the rows' cells ([`Groups`]: rows with the same
//! features and weights — users: at most genders × ages × occupations), and for every row j of
//! the other side how many of the rows that interacted with it fall in each cell
//! ([`CellCounts`]). From these the feature blocks' counts ([`FeatureCounts`]: rows touched,
//! `m = Σ x²`, `sx = Σ x`) follow without a scattered pass per attribute, and each sweep's
//! curvature pass ([`add_data_curvature`]) reads no interaction at all — only the cell lists,
//! which hold at most one entry per interaction and usually far fewer (a popular film's
//! thousands of likers fall in a few hundred demographic cells).
//!
//! Every list runs over fixed chunks of rows concatenated in order, so the counts and the sums do
//! not depend on the number of threads.

use std::collections::HashMap;

use ndarray::Array2;
use rayon::prelude::*;

use super::feature_blocks::{disjoint_runs, BlockCounts, FeatureCounts};
use super::steps::Weights;
use crate::data::Csr;
use crate::engine::factors::side::Side;
use crate::engine::kernels::{dot, symmetric_product};

/// Rows per chunk of the curvature pass: small, because one popular film's interactions can
/// outweigh thousands of others' (fixed, so results do not depend on the thread count).
const CURVATURE_CHUNK: usize = 16;

/// Rows of the other side per chunk when the cell lists and the feature counts are built (fixed,
/// so the lists do not depend on the thread count).
const COUNT_CHUNK: usize = 1024;

/// The features' groups and the rows' feature patterns, fixed while the features are (a training
/// run computes them once).
pub(crate) struct Groups {
    /// The group of each feature: the maximal runs of consecutive features no two of which share
    /// a row (the values of one categorical attribute), so a row has at most one feature per group.
    pub(super) group: Vec<u32>,
    pub(super) n_groups: usize,
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

/// For each row j of one list of interactions by the other side's rows (`transposed`), the cells of
/// the rows in it, each once in order of first appearance, with how many of its rows are in it.
struct CellLists {
    indptr: Vec<usize>,
    cells: Vec<u32>,
    counts: Vec<u32>,
}

impl CellLists {
    fn of(groups: &Groups, transposed: &Csr) -> CellLists {
        let n_cells = groups.cell_size.len();
        let starts: Vec<usize> = (0..transposed.n_rows).step_by(COUNT_CHUNK).collect();
        let parts: Vec<(Vec<usize>, Vec<u32>, Vec<u32>)> = starts
            .par_iter()
            .map_init(
                || (vec![0u32; n_cells], Vec::<u32>::new()),
                |(count, touched), &start| {
                    let end = (start + COUNT_CHUNK).min(transposed.n_rows);
                    let (mut lens, mut cells, mut counts) = (Vec::new(), Vec::new(), Vec::new());
                    for j in start..end {
                        for &r in transposed.row(j) {
                            let c = groups.cell_of_row[r as usize];
                            if count[c as usize] == 0 {
                                touched.push(c);
                            }
                            count[c as usize] += 1;
                        }
                        lens.push(touched.len());
                        for &c in touched.iter() {
                            cells.push(c);
                            counts.push(std::mem::take(&mut count[c as usize]));
                        }
                        touched.clear();
                    }
                    (lens, cells, counts)
                },
            )
            .collect();
        let total = parts.iter().map(|p| p.1.len()).sum();
        let mut lists = CellLists {
            indptr: Vec::with_capacity(transposed.n_rows + 1),
            cells: Vec::with_capacity(total),
            counts: Vec::with_capacity(total),
        };
        lists.indptr.push(0);
        for (lens, cells, counts) in parts {
            for len in lens {
                let last = *lists.indptr.last().expect("starts at 0");
                lists.indptr.push(last + len);
            }
            lists.cells.extend(cells);
            lists.counts.extend(counts);
        }
        lists
    }

    /// Row j's cells and their counts.
    fn row(&self, j: usize) -> (&[u32], &[u32]) {
        let range = self.indptr[j]..self.indptr[j + 1];
        (&self.cells[range.clone()], &self.counts[range])
    }
}

/// The cells of the rows that interacted with each row of the other side: over the positives and,
/// when the trainer has them, over the low ratings.
pub(crate) struct CellCounts {
    positives: CellLists,
    low: Option<CellLists>,
}

impl CellCounts {
    /// `transposed`: the interactions by row of the other side (`by_item` for the users' features);
    /// `low_transposed` the same of the low ratings.
    pub(crate) fn of(
        groups: &Groups,
        transposed: &Csr,
        low_transposed: Option<&Csr>,
    ) -> CellCounts {
        CellCounts {
            positives: CellLists::of(groups, transposed),
            low: low_transposed.map(|l| CellLists::of(groups, l)),
        }
    }

    /// The feature blocks' counts ([`FeatureCounts::of`]'s, from the cells instead of a pass per
    /// feature over its members' interactions): per feature, the other side's rows its members
    /// interacted with, `m = Σ x²` and `sx = Σ x` over them; `Σ x²` over the members and λ_f.
    /// Summed per cell (`count · x²`), so equal to the pass's sums bit for bit when the weights
    /// are 0 or 1 and up to rounding otherwise.
    /// `interactions` are the side's own (`by_user` for the users' features).
    pub(crate) fn feature_counts(
        &self,
        side: &Side,
        groups: &Groups,
        interactions: &Csr,
        w: &Weights,
    ) -> FeatureCounts {
        let n_features = side.features.n_features();
        let lists = &self.positives;
        let n_other = lists.indptr.len() - 1;
        type Sums = (Vec<u32>, Vec<f64>, Vec<f64>);
        let starts: Vec<usize> = (0..n_other).step_by(COUNT_CHUNK).collect();
        let parts: Vec<Vec<Sums>> = starts
            .par_iter()
            .map_init(
                || {
                    (
                        vec![0.0f64; n_features],
                        vec![0.0f64; n_features],
                        vec![false; n_features],
                        Vec::<usize>::new(),
                    )
                },
                |(m, sx, seen, hit), &start| {
                    let mut out: Vec<Sums> = vec![Default::default(); n_features];
                    for j in start..(start + COUNT_CHUNK).min(n_other) {
                        let (cells, counts) = lists.row(j);
                        for (&c, &n) in cells.iter().zip(counts) {
                            let c = c as usize;
                            let n = f64::from(n);
                            let (feats, xs) = (groups.cells.row(c), groups.cells.row_values(c));
                            for (&f, &x) in feats.iter().zip(xs) {
                                let (f, x) = (f as usize, f64::from(x));
                                if !seen[f] {
                                    seen[f] = true;
                                    hit.push(f);
                                }
                                m[f] += n * x * x;
                                sx[f] += n * x;
                            }
                        }
                        for &f in hit.iter() {
                            let (touched, ms, sxs) = &mut out[f];
                            touched.push(j as u32);
                            ms.push(std::mem::take(&mut m[f]));
                            sxs.push(std::mem::take(&mut sx[f]));
                            seen[f] = false;
                        }
                        hit.clear();
                    }
                    out
                },
            )
            .collect();
        let mut blocks: Vec<BlockCounts> = (0..n_features)
            .map(|f| {
                let members = side.features.by_feature.row(f);
                let xs = side.features.by_feature.row_values(f);
                BlockCounts {
                    touched: Vec::new(),
                    m: Vec::new(),
                    sx: Vec::new(),
                    sum_x2: xs.iter().map(|&x| f64::from(x) * f64::from(x)).sum(),
                    lambda: w.feature_lambda(members, xs, interactions, n_other),
                }
            })
            .collect();
        for part in parts {
            for (block, (touched, m, sx)) in blocks.iter_mut().zip(part) {
                block.touched.extend(touched);
                block.m.extend(m);
                block.sx.extend(sx);
            }
        }
        FeatureCounts { blocks }
    }
}

/// Adds `Σ_r u_r^aᵀ W_r u_r^b` to `curvature` (lower triangle, groups × groups), where
/// `u_r^a = x_f Δ_f` for row r's one feature f in group a: `w0·x_f x_f'·Δ_fᵀ G Δ_f'` per row,
/// plus `(c − w0)·Σ_{j∈I_r} (o_j·u^a)(o_j·u^b)` and the same with `β` over the row's low
/// ratings. The data part is summed the other way round, over each row j of the other side and
/// the rows r that interacted with it: `o_j·Δ_f` for every feature at once is one small matrix
/// product `O·Δᵀ`, and the rows of `I_j` enter only by their cells' counts ([`CellCounts`]), so
/// the pass reads neither a factor row nor an interaction. Rows run in fixed chunks summed in
/// order, so the result does not depend on the thread count.
pub(super) fn add_data_curvature(
    cells: &CellCounts,
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
            || vec![0.0f64; n_features],
            |value, js| {
                let mut sums = vec![0.0f64; n * n];
                for &j in js {
                    for (v, &p) in value.iter_mut().zip(projections.row(j).iter()) {
                        *v = f64::from(p);
                    }
                    let lists = [
                        (Some(&cells.positives), extra),
                        (cells.low.as_ref().filter(|_| w.low > 0.0), w.low),
                    ];
                    for (list, scale) in lists {
                        let Some(list) = list else { continue };
                        let (row_cells, counts) = list.row(j);
                        for (&c, &count) in row_cells.iter().zip(counts) {
                            let scale = scale * f64::from(count);
                            groups.add_cell(&mut sums, c as usize, scale, &moving, value);
                        }
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
