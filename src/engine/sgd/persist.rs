//! Model files of `warp` and `bpr`, in the frame and header of `engine/persist.rs` (magic,
//! version, JSON header, arrays, SHA-256) with `model` = `warp` or `bpr` and the epoch count in
//! the header.
//!
//! Arrays, all little-endian and row-major: user own embeddings (n_users × k), demographic
//! embeddings (× k), item own rows (n_items × (k+1), bias last), genre rows (× (k+1)); then the
//! AdaGrad accumulators of the same four matrices; the train positives per item (`u32`); then the
//! user and the item feature membership CSRs. The accumulators and the epoch count are saved so
//! that `continue_training` after `load` is exactly `continue_training` before `save`.

use std::path::Path;

use ndarray::Array2;

use super::config::SgdConfig;
use super::model::{Accumulators, SgdModel};
use crate::engine::factors::file::{
    put_f32, read_matrix, read_model_file, write_atomically, Dims, Header, Reader,
};
use crate::engine::factors::side::Side;
use crate::engine::factors::Sides;
use crate::engine::{EngineError, ModelMeta};

impl SgdModel {
    /// Writes the model to `path` (atomically: temporary file in the same folder, then rename).
    pub fn save(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        let sides = (&self.sides.users, &self.sides.items);
        let name = self.config.loss.name();
        let header = Header::new(
            name,
            self.config.clone(),
            meta,
            sides,
            Some(self.epochs_done),
        );
        let a = &self.accum;
        let file = header.file(sides, |buf| {
            for m in [
                &self.sides.users.own,
                &self.sides.users.feature_factors,
                &self.sides.items.own,
                &self.sides.items.feature_factors,
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
        })?;
        write_atomically(path, &file)
    }

    /// Reads a model written by [`Self::save`], with the metadata it was saved with.
    pub fn load(path: &Path) -> Result<(SgdModel, ModelMeta), EngineError> {
        decode(path, &read_model_file(path)?)
    }
}

/// Checks a header as `warp`'s or `bpr`'s; the factor count it promises.
fn check(header: &Header<SgdConfig>) -> Result<usize, String> {
    if header.model != header.config.loss.name() {
        return Err(format!(
            "holds a `{}` model, not warp or bpr with these settings",
            header.model
        ));
    }
    if header.dims.epochs_done.is_none() {
        return Err("the header does not say how many epochs were trained".to_string());
    }
    header.config.validate().map_err(|e| e.to_string())?;
    Ok(header.config.factors)
}

/// Bytes of the parameters, the accumulators and the per-item counts, `None` on overflow.
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
    floats.checked_mul(8)?.checked_add(m(d.n_items, 4)?)
}

pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<(SgdModel, ModelMeta), EngineError> {
    let corrupt = |r: &str| EngineError::corrupt(path, r);
    let (header, mut r) = Header::open(path, bytes, check, array_bytes)?;
    let d = &header.dims;
    let k = d.factors;
    let (n_uf, n_if) = (
        header.user_feature_names.len(),
        header.item_feature_names.len(),
    );
    let shapes = [(d.n_users, k), (n_uf, k), (d.n_items, k + 1), (n_if, k + 1)];
    let read = |r: &mut Reader<'_>| -> Result<Vec<Array2<f32>>, EngineError> {
        shapes
            .iter()
            .map(|&shape| read_matrix(path, r, shape))
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
    let (user_set, item_set) = header.feature_sets(path, &mut r)?;
    let mut model = SgdModel {
        config: header.config.clone(),
        sides: Sides {
            users: Side::loaded(user_own, user_ff, user_set),
            items: Side::loaded(item_own, item_ff, item_set),
        },
        accum,
        item_counts,
        epochs_done: d.epochs_done.unwrap_or(0),
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
