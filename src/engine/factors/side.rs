//! One side of the hybrid model (users or items): which rows have which features, the own and
//! feature embeddings, and the composed vectors `own + Σ x·feature` that are scored.

use ndarray::{Array2, Axis};
use rayon::prelude::*;

use crate::data::{Csr, FeatureMatrix, Positives};
use crate::engine::EngineError;

/// Which rows have which features (with their weights, 1 for one-hot features), both ways round.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FeatureSet {
    pub by_row: Csr,
    pub by_feature: Csr,
    pub names: Vec<String>,
}

impl FeatureSet {
    /// The features a trainer uses for one side: `matrix` when given and switched `on`, else none.
    pub fn for_training(
        matrix: Option<&FeatureMatrix>,
        on: bool,
        n_rows: usize,
        what: &str,
    ) -> Result<FeatureSet, EngineError> {
        match matrix.filter(|_| on) {
            Some(m) => FeatureSet::from_matrix(m, n_rows, what),
            None => Ok(FeatureSet::none(n_rows)),
        }
    }

    /// The features as the matrix training takes (what a retrain from scratch needs).
    pub fn to_matrix(&self) -> FeatureMatrix {
        FeatureMatrix {
            matrix: self.by_row.clone(),
            names: self.names.clone(),
        }
    }

    /// No features: pure collaborative filtering on this side.
    pub fn none(n_rows: usize) -> FeatureSet {
        let by_row = Csr {
            n_rows,
            n_cols: 0,
            indptr: vec![0; n_rows + 1],
            indices: Vec::new(),
            values: Vec::new(),
        };
        FeatureSet {
            by_feature: by_row.transpose(),
            by_row,
            names: Vec::new(),
        }
    }

    /// From a feature matrix with one row per user (or item); `what` names the side in errors.
    pub fn from_matrix(
        m: &FeatureMatrix,
        n_rows: usize,
        what: &str,
    ) -> Result<FeatureSet, EngineError> {
        if m.matrix.n_rows != n_rows {
            return Err(EngineError::Invalid(format!(
                "{what} feature matrix has {} rows but there are {n_rows} {what}s",
                m.matrix.n_rows
            )));
        }
        if m.names.len() != m.matrix.n_cols {
            return Err(EngineError::Invalid(format!(
                "{what} feature matrix has {} columns but {} names",
                m.matrix.n_cols,
                m.names.len()
            )));
        }
        if m.matrix.values.iter().any(|v| !v.is_finite()) {
            return Err(EngineError::Invalid(format!(
                "{what} feature matrix holds a NaN or infinite weight"
            )));
        }
        Self::from_csr(m.matrix.clone(), m.names.clone())
            .map_err(|e| EngineError::Invalid(format!("{what} feature matrix: {e}")))
    }

    /// From a row × feature CSR, checking its structure (used for untrusted files too).
    pub fn from_csr(by_row: Csr, names: Vec<String>) -> Result<FeatureSet, String> {
        let ok = by_row.indptr.len() == by_row.n_rows + 1
            && by_row.indptr.first() == Some(&0)
            && by_row.indptr.windows(2).all(|w| w[0] <= w[1])
            && by_row.indptr.last() == Some(&by_row.indices.len())
            && by_row.values.len() == by_row.indices.len()
            && names.len() == by_row.n_cols;
        if !ok {
            return Err("inconsistent row pointers, lengths or names".into());
        }
        for r in 0..by_row.n_rows {
            let row = by_row.row(r);
            if row.iter().any(|&c| c as usize >= by_row.n_cols)
                || row.windows(2).any(|w| w[0] >= w[1])
            {
                return Err(format!(
                    "row {r} has a feature out of range or out of order"
                ));
            }
        }
        Ok(FeatureSet {
            by_feature: by_row.transpose(),
            by_row,
            names,
        })
    }

    pub fn n_features(&self) -> usize {
        self.by_row.n_cols
    }
}

/// One side of the model (users or items): own embeddings, feature embeddings, composed vectors.
#[derive(Debug, Clone)]
pub(crate) struct Side {
    /// e: one row per user (item).
    pub own: Array2<f32>,
    pub features: FeatureSet,
    /// D (G): one row per feature.
    pub feature_factors: Array2<f32>,
    /// P (Q): own + Σ feature rows, the vectors that are scored.
    pub composed: Array2<f32>,
}

impl Side {
    /// A side read from a model file; `composed` is filled by the model's cache refresh.
    pub(crate) fn loaded(
        own: Array2<f32>,
        feature_factors: Array2<f32>,
        features: FeatureSet,
    ) -> Side {
        Side {
            composed: Array2::zeros(own.dim()),
            own,
            feature_factors,
            features,
        }
    }

    /// Σ_f x_f F_f in `f64`, in the given (ascending) order.
    pub fn offset_of(&self, features: &[u32], weights: &[f32]) -> Vec<f64> {
        let mut s = vec![0.0f64; self.own.ncols()];
        self.offset_of_into(features, weights, &mut s);
        s
    }

    /// [`Self::offset_of`] written into `out` (`k` values), without allocating.
    fn offset_of_into(&self, features: &[u32], weights: &[f32], out: &mut [f64]) {
        out.fill(0.0);
        for (&f, &x) in features.iter().zip(weights) {
            let row = self.feature_factors.row(f as usize);
            for (acc, &v) in out.iter_mut().zip(row.iter()) {
                *acc += f64::from(x) * f64::from(v);
            }
        }
    }

    /// The feature offset of row `r` written into `out` (`k` values; [`Self::offset`] without
    /// allocating).
    pub fn offset_into(&self, r: usize, out: &mut [f64]) {
        let by_row = &self.features.by_row;
        self.offset_of_into(by_row.row(r), by_row.row_values(r), out);
    }

    /// The feature offset of row `r`.
    pub fn offset(&self, r: usize) -> Vec<f64> {
        self.offset_of(
            self.features.by_row.row(r),
            self.features.by_row.row_values(r),
        )
    }

    /// Recomputes the composed vector of row `r`.
    pub fn compose_row(&mut self, r: usize) {
        let offset = self.offset(r);
        let own = self.own.row(r);
        let mut out = self.composed.row_mut(r);
        for c in 0..offset.len() {
            out[c] = compose(own[c], offset[c]);
        }
    }

    /// Recomputes every composed vector (rows in parallel, written in place).
    pub fn compose_all(&mut self) {
        let k = self.own.ncols();
        let mut composed = std::mem::take(&mut self.composed);
        let this = &*self;
        let fill = |offset: &mut Vec<f64>, r: usize, out: &mut [f32]| {
            this.offset_into(r, offset);
            for ((o, &e), &s) in out
                .iter_mut()
                .zip(this.own.row(r).iter())
                .zip(offset.iter())
            {
                *o = compose(e, s);
            }
        };
        match composed.as_slice_mut() {
            Some(values) if k > 0 => values
                .par_chunks_mut(k)
                .enumerate()
                .for_each_init(|| vec![0.0f64; k], |offset, (r, out)| fill(offset, r, out)),
            _ => {
                let mut offset = vec![0.0f64; k];
                for (r, mut row) in composed.axis_iter_mut(Axis(0)).enumerate() {
                    let mut out = row.to_vec();
                    fill(&mut offset, r, &mut out);
                    row.iter_mut().zip(out).for_each(|(o, v)| *o = v);
                }
            }
        }
        self.composed = composed;
    }

    pub fn is_finite(&self) -> bool {
        [&self.own, &self.feature_factors, &self.composed]
            .iter()
            .all(|m| m.iter().all(|v| v.is_finite()))
    }
}

/// The one composition rule: own + offset in `f64`, rounded once.
#[inline]
pub(crate) fn compose(own: f32, offset: f64) -> f32 {
    (f64::from(own) + offset) as f32
}

/// What both trainers check and build first: `positives` must be consistent both ways round, and
/// the user (demographic) and item (genre) feature sets, each used when given and switched on.
pub(crate) fn training_features(
    positives: &Positives,
    (item_features, use_item_features): (Option<&FeatureMatrix>, bool),
    (user_features, use_user_features): (Option<&FeatureMatrix>, bool),
) -> Result<(FeatureSet, FeatureSet), EngineError> {
    let (n_users, n_items) = (positives.by_user.n_rows, positives.by_user.n_cols);
    check_positives(positives, n_users, n_items)?;
    let users = FeatureSet::for_training(user_features, use_user_features, n_users, "user")?;
    let items = FeatureSet::for_training(item_features, use_item_features, n_items, "item")?;
    Ok((users, items))
}

/// Checks that `positives` (both ways round) cover exactly `n_users` × `n_items`.
pub(crate) fn check_positives(
    positives: &Positives,
    n_users: usize,
    n_items: usize,
) -> Result<(), EngineError> {
    let (u, i) = (&positives.by_user, &positives.by_item);
    if u.n_rows != n_users
        || u.n_cols != n_items
        || i.n_rows != n_items
        || i.n_cols != n_users
        || u.nnz() != i.nnz()
    {
        return Err(EngineError::Invalid(format!(
            "positives are {}×{} (by item {}×{}) but the model has {n_users} users × {n_items} items",
            u.n_rows, u.n_cols, i.n_rows, i.n_cols
        )));
    }
    Ok(())
}
