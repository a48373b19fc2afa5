//! Model files of `hybrid-als`, in the frame and header of `engine/persist.rs` with `model` =
//! `hybrid-als`.
//!
//! Arrays, all `f32`, little-endian and row-major: user own embeddings (n_users × k), user
//! feature embeddings, item own embeddings (n_items × k), item feature embeddings; then the user
//! and the item feature membership CSRs.

use std::path::Path;

use super::{AlsConfig, HybridAls, HybridModel};
use crate::engine::factors::file::{
    put_f32, read_matrix, read_model_file, write_atomically, Dims, Header,
};
use crate::engine::factors::side::Side;
use crate::engine::factors::Sides;
use crate::engine::{EngineError, ModelMeta};

impl HybridModel {
    /// Writes the model to `path` (atomically: temporary file in the same folder, then rename).
    pub fn save(&self, path: &Path, meta: &ModelMeta) -> Result<(), EngineError> {
        let sides = (&self.sides.users, &self.sides.items);
        let header = Header::new(HybridAls::NAME, self.config.clone(), meta, sides, None);
        let file = header.file(sides, |buf| {
            for side in [&self.sides.users, &self.sides.items] {
                put_f32(buf, side.own.iter());
                put_f32(buf, side.feature_factors.iter());
            }
        })?;
        write_atomically(path, &file)
    }

    /// Reads a model written by [`Self::save`], with the metadata it was saved with.
    pub fn load(path: &Path) -> Result<(HybridModel, ModelMeta), EngineError> {
        decode(path, &read_model_file(path)?)
    }
}

/// Checks a header as `hybrid-als`'s; the factor count it promises.
fn check(header: &Header<AlsConfig>) -> Result<usize, String> {
    if header.model != HybridAls::NAME {
        return Err(format!("holds a `{}` model, not hybrid-als", header.model));
    }
    header.config.validate().map_err(|e| e.to_string())?;
    Ok(header.config.factors)
}

/// Bytes of the four embedding matrices, `None` on overflow.
fn array_bytes(d: &Dims, n_uf: usize, n_if: usize) -> Option<u64> {
    let m = |a: usize, b: usize| (a as u64).checked_mul(b as u64);
    let k = d.factors;
    [m(d.n_users, k)?, m(n_uf, k)?, m(d.n_items, k)?, m(n_if, k)?]
        .iter()
        .try_fold(0u64, |acc, &x| acc.checked_add(x))?
        .checked_mul(4)
}

pub(crate) fn decode(path: &Path, bytes: &[u8]) -> Result<(HybridModel, ModelMeta), EngineError> {
    let (header, mut r) = Header::open(path, bytes, check, array_bytes)?;
    let d = &header.dims;
    let k = d.factors;
    let (n_uf, n_if) = (
        header.user_feature_names.len(),
        header.item_feature_names.len(),
    );
    let user_own = read_matrix(path, &mut r, (d.n_users, k))?;
    let user_ff = read_matrix(path, &mut r, (n_uf, k))?;
    let item_own = read_matrix(path, &mut r, (d.n_items, k))?;
    let item_ff = read_matrix(path, &mut r, (n_if, k))?;
    let (user_set, item_set) = header.feature_sets(path, &mut r)?;
    let mut model = HybridModel {
        config: header.config.clone(),
        sides: Sides {
            users: Side::loaded(user_own, user_ff, user_set),
            items: Side::loaded(item_own, item_ff, item_set),
        },
        item_gram: Vec::new(),
    };
    model.refresh_caches();
    if !(model.sides.users.is_finite() && model.sides.items.is_finite()) {
        return Err(EngineError::corrupt(path, "a factor is NaN or infinite"));
    }
    Ok((model, header.meta))
}
