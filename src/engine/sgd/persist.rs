//! Model files of `warp` and `bpr`, in the frame of `engine/persist.rs` (magic, version, JSON
//! header, arrays, SHA-256) with `model` = `warp` or `bpr` in the header.
//!
//! Arrays, all little-endian and row-major: user own embeddings (n_users × k), demographic
//! embeddings (× k), item own rows (n_items × (k+1), bias last), genre rows (× (k+1)); then the
//! AdaGrad accumulators of the same four matrices; the train positives per item (`u32`); then the
//! user and the item feature membership CSRs. The accumulators and the epoch count are saved so
//! that `continue_training` after `load` is exactly `continue_training` before `save`.

use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::config::SgdConfig;
use super::model::{Accumulators, SgdModel};
use crate::engine::persist::{
    feature_bytes, frame, open_arrays, open_frame, put_f32, put_features, read_features,
    write_atomically, Reader,
};
use crate::engine::side::Side;
use crate::engine::{EngineError, ModelMeta};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Dims {
    n_users: usize,
    n_items: usize,
    factors: usize,
    user_feature_nnz: usize,
    item_feature_nnz: usize,
    epochs_done: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    model: String,
    config: SgdConfig,
    meta: ModelMeta,
    dims: Dims,
    user_feature_names: Vec<String>,
    item_feature_names: Vec<String>,
}

impl SgdModel {
    /// Writes the model to `path` (atomically: temporary file in the same folder, then rename).
    pub fn save(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        let header = Header {
            model: self.config.loss.name().to_string(),
            config: self.config.clone(),
            meta: meta.clone(),
            dims: Dims {
                n_users: self.n_users(),
                n_items: self.n_items(),
                factors: self.factors(),
                user_feature_nnz: self.users.features.by_row.nnz(),
                item_feature_nnz: self.items.features.by_row.nnz(),
                epochs_done: self.epochs_done,
            },
            user_feature_names: self.users.features.names.clone(),
            item_feature_names: self.items.features.names.clone(),
        };
        let json = serde_json::to_vec(&header).map_err(|e| EngineError::Invalid(e.to_string()))?;
        let a = &self.accum;
        let buf = frame(&json, |buf| {
            for m in [
                &self.users.own,
                &self.users.feature_factors,
                &self.items.own,
                &self.items.feature_factors,
                &a.user_own,
                &a.user_features,
                &a.item_own,
                &a.item_features,
            ] {
                put_f32(buf, m.iter());
            }
            self.item_counts
                .iter()
                .for_each(|c| buf.extend_from_slice(&c.to_le_bytes()));
            put_features(buf, &self.users.features);
            put_features(buf, &self.items.features);
        });
        write_atomically(path, &buf)
    }

    /// Reads a model written by [`Self::save`], with the metadata it was saved with.
    pub fn load(path: &Path) -> Result<(SgdModel, ModelMeta), EngineError> {
        decode(path, &crate::engine::persist::read_model_file(path)?)
    }
}

/// Byte length of the array section, `None` on overflow.
fn array_bytes(d: &Dims, n_uf: usize, n_if: usize) -> Option<u64> {
    let m = |a: usize, b: usize| (a as u64).checked_mul(b as u64);
    let k = d.factors;
    let k1 = k.checked_add(1)?;
    let floats = [
        m(d.n_users, k)?,
        m(n_uf, k)?,
        m(d.n_items, k1)?,
        m(n_if, k1)?,
    ]
    .iter()
    .try_fold(0u64, |acc, &x| acc.checked_add(x))?;
    floats
        .checked_mul(8)?
        .checked_add(m(d.n_items, 4)?)?
        .checked_add(feature_bytes(d.n_users, d.user_feature_nnz)?)?
        .checked_add(feature_bytes(d.n_items, d.item_feature_nnz)?)
}

pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<(SgdModel, ModelMeta), EngineError> {
    let corrupt = |r: &str| EngineError::corrupt(path, r);
    let (json, header_end) = open_frame(path, bytes)?;
    let header: Header =
        serde_json::from_slice(json).map_err(|e| corrupt(&format!("unreadable header: {e}")))?;
    if header.model != header.config.loss.name() {
        return Err(corrupt(&format!(
            "holds a `{}` model, not warp or bpr with these settings",
            header.model
        )));
    }
    header
        .config
        .validate()
        .map_err(|e| corrupt(&e.to_string()))?;
    let d = &header.dims;
    if d.factors != header.config.factors {
        return Err(corrupt("factor count differs from the configuration"));
    }
    let (n_uf, n_if) = (
        header.user_feature_names.len(),
        header.item_feature_names.len(),
    );
    let expected = array_bytes(d, n_uf, n_if).ok_or_else(|| corrupt("dimensions overflow"))?;
    let mut r = open_arrays(path, bytes, header_end, expected)?;
    let k = d.factors;
    let shapes = [(d.n_users, k), (n_uf, k), (d.n_items, k + 1), (n_if, k + 1)];
    let read = |r: &mut Reader<'_>| -> Result<Vec<Array2<f32>>, EngineError> {
        shapes
            .iter()
            .map(|&(rows, cols)| {
                Array2::from_shape_vec((rows, cols), r.f32s(rows * cols))
                    .map_err(|_| corrupt("array shape"))
            })
            .collect()
    };
    let mut params = read(&mut r)?.into_iter();
    let mut accums = read(&mut r)?.into_iter();
    let next = |it: &mut std::vec::IntoIter<Array2<f32>>| it.next().expect("four arrays");
    let (user_own, user_ff, item_own, item_ff) = (
        next(&mut params),
        next(&mut params),
        next(&mut params),
        next(&mut params),
    );
    let accum = Accumulators {
        user_own: next(&mut accums),
        user_features: next(&mut accums),
        item_own: next(&mut accums),
        item_features: next(&mut accums),
    };
    let item_counts = r.u32s(d.n_items);
    let user_set = read_features(
        &mut r,
        d.n_users,
        d.user_feature_nnz,
        header.user_feature_names.clone(),
    )
    .map_err(|e| corrupt(&format!("user features: {e}")))?;
    let item_set = read_features(
        &mut r,
        d.n_items,
        d.item_feature_nnz,
        header.item_feature_names.clone(),
    )
    .map_err(|e| corrupt(&format!("item features: {e}")))?;
    let side = |own: Array2<f32>, feature_factors: Array2<f32>, features| Side {
        composed: Array2::zeros(own.dim()),
        own,
        feature_factors,
        features,
    };
    let mut model = SgdModel {
        config: header.config.clone(),
        users: side(user_own, user_ff, user_set),
        items: side(item_own, item_ff, item_set),
        accum,
        item_counts,
        epochs_done: d.epochs_done,
    };
    let accumulators_valid = [
        &model.accum.user_own,
        &model.accum.user_features,
        &model.accum.item_own,
        &model.accum.item_features,
    ]
    .iter()
    .all(|m| m.iter().all(|&v| v.is_finite() && v >= 1.0));
    if !accumulators_valid {
        return Err(corrupt(
            "an AdaGrad accumulator is below 1, NaN or infinite",
        ));
    }
    model.refresh_caches();
    if !model.is_finite() {
        return Err(corrupt("a parameter is NaN or infinite"));
    }
    Ok((model, header.meta))
}
