//! Compressed sparse rows: the positive interactions by user and by item, and the sparse feature
//! matrices.

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
        let mut next = indptr.clone();
        let mut indices = vec![0u32; rows.len()];
        let mut vals = vec![0f32; rows.len()];
        for k in 0..rows.len() {
            let r = rows[k] as usize;
            indices[next[r]] = cols[k];
            vals[next[r]] = values[k];
            next[r] += 1;
        }
        let mut m = Csr {
            n_rows,
            n_cols,
            indptr,
            indices,
            values: vals,
        };
        m.sort_rows();
        m
    }

    fn sort_rows(&mut self) {
        for r in 0..self.n_rows {
            let (a, b) = (self.indptr[r], self.indptr[r + 1]);
            if self.indices[a..b].windows(2).all(|w| w[0] <= w[1]) {
                continue;
            }
            let mut pairs: Vec<(u32, f32)> = self.indices[a..b]
                .iter()
                .copied()
                .zip(self.values[a..b].iter().copied())
                .collect();
            pairs.sort_by_key(|p| p.0);
            for (k, (c, v)) in pairs.into_iter().enumerate() {
                self.indices[a + k] = c;
                self.values[a + k] = v;
            }
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
    }
}
