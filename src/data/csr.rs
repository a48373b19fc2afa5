//! Compressed sparse rows: the positive interactions by user and by item, and the sparse feature
//! matrices.

use std::ops::Range;

use rayon::prelude::*;

/// A sparse matrix in CSR form with `f32` values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Csr {
    pub n_rows: usize,
    pub n_cols: usize,
    pub indptr: Vec<usize>,
    pub indices: Vec<u32>,
    pub values: Vec<f32>,
}

impl Csr {
    /// Builds from (row, col, value) triplets; columns within a row come out ascending. Duplicate
    /// (row, col) pairs are kept as given (callers reject them before).
    ///
    /// Rows are split into as many ranges as threads, each range's window of the output disjoint
    /// from the others: every thread reads all triplets and places those of its rows, in input
    /// order. The result is the same at any thread count.
    pub fn from_triplets(
        n_rows: usize,
        n_cols: usize,
        rows: &[u32],
        cols: &[u32],
        values: &[f32],
    ) -> Csr {
        assert_eq!(rows.len(), cols.len());
        assert_eq!(rows.len(), values.len());
        let mut indptr = vec![0usize; n_rows + 1];
        for &r in rows {
            indptr[r as usize + 1] += 1;
        }
        for r in 0..n_rows {
            indptr[r + 1] += indptr[r];
        }
        let mut indices = vec![0u32; rows.len()];
        let mut vals = vec![0f32; rows.len()];
        let parts = row_ranges(&indptr, rayon::current_num_threads());
        let windows = split_windows(&parts, &indptr, &mut indices, &mut vals);
        windows
            .into_par_iter()
            .zip(parts.par_iter())
            .for_each(|((idx, val), range)| {
                let base = indptr[range.start];
                let mut next: Vec<usize> = indptr[range.clone()].iter().map(|p| p - base).collect();
                for k in 0..rows.len() {
                    let r = rows[k] as usize;
                    if range.contains(&r) {
                        let at = &mut next[r - range.start];
                        idx[*at] = cols[k];
                        val[*at] = values[k];
                        *at += 1;
                    }
                }
                for r in range.clone() {
                    let (a, b) = (indptr[r] - base, indptr[r + 1] - base);
                    sort_row(&mut idx[a..b], &mut val[a..b]);
                }
            });
        Csr {
            n_rows,
            n_cols,
            indptr,
            indices,
            values: vals,
        }
    }

    /// The same pattern with every value set to `value`.
    pub fn with_values(&self, value: f32) -> Csr {
        Csr {
            n_rows: self.n_rows,
            n_cols: self.n_cols,
            indptr: self.indptr.clone(),
            indices: self.indices.clone(),
            values: vec![value; self.nnz()],
        }
    }

    /// The entries whose value passes `keep`, rows in the same order (values kept).
    pub fn filtered(&self, keep: impl Fn(f32) -> bool) -> Csr {
        let mut indptr = Vec::with_capacity(self.n_rows + 1);
        indptr.push(0);
        let (mut indices, mut values) = (Vec::new(), Vec::new());
        for r in 0..self.n_rows {
            for (&c, &v) in self.row(r).iter().zip(self.row_values(r)) {
                if keep(v) {
                    indices.push(c);
                    values.push(v);
                }
            }
            indptr.push(indices.len());
        }
        Csr {
            n_rows: self.n_rows,
            n_cols: self.n_cols,
            indptr,
            indices,
            values,
        }
    }

    /// Column indices of row `r`.
    pub fn row(&self, r: usize) -> &[u32] {
        &self.indices[self.indptr[r]..self.indptr[r + 1]]
    }

    /// Values of row `r`.
    pub fn row_values(&self, r: usize) -> &[f32] {
        &self.values[self.indptr[r]..self.indptr[r + 1]]
    }

    pub fn row_len(&self, r: usize) -> usize {
        self.indptr[r + 1] - self.indptr[r]
    }

    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// True when row `r` has column `c`.
    pub fn contains(&self, r: usize, c: u32) -> bool {
        self.row(r).binary_search(&c).is_ok()
    }

    /// The transpose (CSR of the columns).
    pub fn transpose(&self) -> Csr {
        let mut rows = Vec::with_capacity(self.nnz());
        for r in 0..self.n_rows {
            rows.extend(std::iter::repeat_n(r as u32, self.row_len(r)));
        }
        Csr::from_triplets(self.n_cols, self.n_rows, &self.indices, &rows, &self.values)
    }
}

/// Sorts one row by column, keeping each value with its column.
fn sort_row(indices: &mut [u32], values: &mut [f32]) {
    if indices.windows(2).all(|w| w[0] <= w[1]) {
        return;
    }
    let mut pairs: Vec<(u32, f32)> = indices
        .iter()
        .copied()
        .zip(values.iter().copied())
        .collect();
    pairs.sort_by_key(|p| p.0);
    for (k, (c, v)) in pairs.into_iter().enumerate() {
        indices[k] = c;
        values[k] = v;
    }
}

/// `parts` consecutive row ranges with about equal numbers of entries.
fn row_ranges(indptr: &[usize], parts: usize) -> Vec<Range<usize>> {
    let n_rows = indptr.len() - 1;
    let nnz = indptr[n_rows];
    let parts = parts.clamp(1, n_rows.max(1));
    let mut out = Vec::with_capacity(parts);
    let mut start = 0;
    for p in 1..=parts {
        let end = if p == parts {
            n_rows
        } else {
            let target = nnz * p / parts;
            indptr.partition_point(|&x| x < target).clamp(start, n_rows)
        };
        out.push(start..end);
        start = end;
    }
    out
}

/// The output windows of `parts` (disjoint, in order).
fn split_windows<'a>(
    parts: &[Range<usize>],
    indptr: &[usize],
    mut indices: &'a mut [u32],
    mut values: &'a mut [f32],
) -> Vec<(&'a mut [u32], &'a mut [f32])> {
    let mut out = Vec::with_capacity(parts.len());
    for range in parts {
        let len = indptr[range.end] - indptr[range.start];
        let (i0, i1) = indices.split_at_mut(len);
        let (v0, v1) = values.split_at_mut(len);
        out.push((i0, v0));
        (indices, values) = (i1, v1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn transpose_twice_is_identity(entries in proptest::collection::btree_set((0u32..20, 0u32..15), 0..80)) {
            let rows: Vec<u32> = entries.iter().map(|e| e.0).collect();
            let cols: Vec<u32> = entries.iter().map(|e| e.1).collect();
            let vals: Vec<f32> = (0..rows.len()).map(|k| k as f32).collect();
            let m = Csr::from_triplets(20, 15, &rows, &cols, &vals);
            prop_assert_eq!(m.nnz(), entries.len());
            for (k, &(r, c)) in entries.iter().enumerate() {
                prop_assert!(m.contains(r as usize, c));
                let pos = m.row(r as usize).binary_search(&c).unwrap();
                prop_assert_eq!(m.row_values(r as usize)[pos], k as f32);
            }
            prop_assert_eq!(m.transpose().transpose(), m);
        }

        /// Any number of threads (row ranges) builds the same matrix, rows sorted, values kept
        /// with their columns, from triplets in any order.
        #[test]
        fn same_matrix_at_any_thread_count(
            entries in proptest::collection::btree_set((0u32..40, 0u32..30), 0..200),
            seed in 0u64..1000,
        ) {
            let mut entries: Vec<(u32, u32)> = entries.into_iter().collect();
            // A fixed shuffle of the input order.
            entries.sort_by_key(|&(r, c)| (u64::from(r) * 31 + u64::from(c) * 17 + seed) % 97);
            let rows: Vec<u32> = entries.iter().map(|e| e.0).collect();
            let cols: Vec<u32> = entries.iter().map(|e| e.1).collect();
            let vals: Vec<f32> = entries.iter().map(|e| (e.0 * 100 + e.1) as f32).collect();
            let build = |threads: usize| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| Csr::from_triplets(40, 30, &rows, &cols, &vals))
            };
            let one = build(1);
            for r in 0..40 {
                prop_assert!(one.row(r).windows(2).all(|w| w[0] < w[1]));
                for (&c, &v) in one.row(r).iter().zip(one.row_values(r)) {
                    prop_assert_eq!(v, (r as u32 * 100 + c) as f32);
                }
            }
            prop_assert_eq!(one.nnz(), entries.len());
            prop_assert_eq!(&build(3), &one);
            prop_assert_eq!(&build(7), &one);
        }
    }
}
