//! Model files: a small binary format of our own.
//!
//! ```text
//! magic "WHYRECHA" (8 bytes) | format version u32 LE | header length u64 LE | JSON header
//! | little-endian arrays | SHA-256 of everything before it (32 bytes)
//! ```
//!
//! The JSON header ([`Header`]) is the same for every family: `model` (which codec reads the
//! arrays), the family's configuration, the dataset name and fingerprint, the dimensions and the
//! feature names. The arrays are the family's (`als/persist.rs`, `sgd/persist.rs`), always ending
//! with the user and the item feature membership CSRs (row pointers `u64`, feature indices `u32`,
//! weights `f32`).
//!
//! Loading checks the magic and version, bounds every length by the file size before allocating,
//! verifies the checksum and the structure, and never panics on a bad file. Saving writes a
//! temporary file in the same folder and renames it into place.

use std::path::Path;

use ndarray::Array2;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::side::{FeatureSet, Side};
use crate::data::text::{read_regular_file, BoundedRead};
use crate::data::Csr;
use crate::engine::EngineError;

const MAGIC: &[u8; 8] = b"WHYRECHA";
/// The format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
const PREFIX: usize = 8 + 4 + 8;
const DIGEST: usize = 32;

/// What a model file records about the data it was trained on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelMeta {
    /// Dataset name (`ml-100k`, …).
    pub dataset: String,
    /// [`crate::data::Dataset::fingerprint`] of the training data.
    pub fingerprint: String,
}

/// The JSON header of every model file; `model` names the family (`hybrid-als`, `warp`, `bpr`)
/// and so the codec that reads the arrays, `config` is that family's configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Header<C> {
    pub model: String,
    pub config: C,
    pub meta: ModelMeta,
    pub dims: Dims,
    pub user_feature_names: Vec<String>,
    pub item_feature_names: Vec<String>,
}

/// Sizes the arrays of a model file follow from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Dims {
    pub n_users: usize,
    pub n_items: usize,
    pub factors: usize,
    pub user_feature_nnz: usize,
    pub item_feature_nnz: usize,
    /// Epochs trained (the SGD families, so that training continues exactly where it stopped);
    /// absent in ALS files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epochs_done: Option<u64>,
}

impl<C: Serialize + DeserializeOwned> Header<C> {
    /// The header of a model with these two sides.
    pub(crate) fn new(
        model: &str,
        config: C,
        meta: &ModelMeta,
        (users, items): (&Side, &Side),
        epochs_done: Option<u64>,
    ) -> Header<C> {
        Header {
            model: model.to_string(),
            config,
            meta: meta.clone(),
            dims: Dims {
                n_users: users.own.nrows(),
                n_items: items.own.nrows(),
                factors: users.own.ncols(),
                user_feature_nnz: users.features.by_row.nnz(),
                item_feature_nnz: items.features.by_row.nnz(),
                epochs_done,
            },
            user_feature_names: users.features.names.clone(),
            item_feature_names: items.features.names.clone(),
        }
    }

    /// The whole file: the frame around this header and the arrays `write_arrays` appends, the
    /// two feature CSRs last.
    pub(crate) fn file(
        &self,
        (users, items): (&Side, &Side),
        write_arrays: impl FnOnce(&mut Vec<u8>),
    ) -> Result<Vec<u8>, EngineError> {
        let json = serde_json::to_vec(self).map_err(|e| EngineError::Invalid(e.to_string()))?;
        Ok(frame(&json, |buf| {
            write_arrays(buf);
            put_features(buf, &users.features);
            put_features(buf, &items.features);
        }))
    }

    /// Opens a model file: the frame, the header (which `check` accepts or names what is wrong
    /// with, given the family's config was validated and its factor count matches the
    /// dimensions), then the array section, whose length must be `array_bytes(dims, user
    /// features, item features)` plus the two feature CSRs exactly.
    pub(crate) fn open<'a>(
        path: &Path,
        bytes: &'a [u8],
        check: impl FnOnce(&Header<C>) -> Result<usize, String>,
        array_bytes: impl FnOnce(&Dims, usize, usize) -> Option<u64>,
    ) -> Result<(Header<C>, Reader<'a>), EngineError> {
        let corrupt = |r: &str| EngineError::corrupt(path, r);
        let (json, header_end) = open_frame(path, bytes)?;
        let header: Header<C> = serde_json::from_slice(json)
            .map_err(|e| corrupt(&format!("unreadable header: {e}")))?;
        let factors = check(&header).map_err(|e| corrupt(&e))?;
        let d = &header.dims;
        if d.factors != factors {
            return Err(corrupt("factor count differs from the configuration"));
        }
        let (n_uf, n_if) = (
            header.user_feature_names.len(),
            header.item_feature_names.len(),
        );
        let expected = array_bytes(d, n_uf, n_if)
            .and_then(|a| a.checked_add(feature_bytes(d.n_users, d.user_feature_nnz)?))
            .and_then(|a| a.checked_add(feature_bytes(d.n_items, d.item_feature_nnz)?))
            .ok_or_else(|| corrupt("dimensions overflow"))?;
        let r = open_arrays(path, bytes, header_end, expected)?;
        Ok((header, r))
    }

    /// Reads the two feature CSRs at the end of the arrays.
    pub(crate) fn feature_sets(
        &self,
        path: &Path,
        r: &mut Reader<'_>,
    ) -> Result<(FeatureSet, FeatureSet), EngineError> {
        let d = &self.dims;
        let users = read_features(
            r,
            d.n_users,
            d.user_feature_nnz,
            self.user_feature_names.clone(),
        )
        .map_err(|e| EngineError::corrupt(path, format!("user features: {e}")))?;
        let items = read_features(
            r,
            d.n_items,
            d.item_feature_nnz,
            self.item_feature_names.clone(),
        )
        .map_err(|e| EngineError::corrupt(path, format!("item features: {e}")))?;
        Ok((users, items))
    }
}

/// `rows × cols` floats of the array section.
pub(crate) fn read_matrix(
    path: &Path,
    r: &mut Reader<'_>,
    (rows, cols): (usize, usize),
) -> Result<Array2<f32>, EngineError> {
    Array2::from_shape_vec((rows, cols), r.f32s(rows * cols))
        .map_err(|_| EngineError::corrupt(path, "array shape"))
}

/// Largest model file whyrec reads (an ML-32M hybrid model at 256 factors is about 0.3 GB).
pub const MAX_MODEL_BYTES: u64 = 2 << 30;

/// Reads a model file: only a regular file (a FIFO would block for ever, a link to `/dev/zero`
/// would read until memory runs out), at most [`MAX_MODEL_BYTES`], and never more bytes than the
/// file had when it was opened. The decoder then checks that the header's sizes account for
/// every byte.
pub(crate) fn read_model_file(path: &Path) -> Result<Vec<u8>, EngineError> {
    read_regular_file(path, MAX_MODEL_BYTES).map_err(|e| match e {
        BoundedRead::NotRegular => EngineError::Invalid(format!(
            "{}: not a regular file (a folder, FIFO or device?); expected a whyrec model file",
            path.display()
        )),
        BoundedRead::TooLarge(len) => EngineError::corrupt(
            path,
            format!("{len} bytes, more than the {MAX_MODEL_BYTES} bytes of the largest model whyrec writes"),
        ),
        BoundedRead::NotFound(e) | BoundedRead::Io(e) => EngineError::io(path, e),
    })
}

/// The file frame around a model's JSON header and arrays: magic, version, header length, header,
/// the arrays `write_arrays` appends, then the SHA-256 of everything before it.
pub(crate) fn frame(json: &[u8], write_arrays: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut buf = Vec::new();
    buf.extend_from_slice(MAGIC);
    buf.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    buf.extend_from_slice(&(json.len() as u64).to_le_bytes());
    buf.extend_from_slice(json);
    write_arrays(&mut buf);
    let digest = Sha256::digest(&buf);
    buf.extend_from_slice(&digest);
    buf
}

pub(crate) fn put_f32<'a>(buf: &mut Vec<u8>, values: impl Iterator<Item = &'a f32>) {
    values.for_each(|v| buf.extend_from_slice(&v.to_le_bytes()));
}

/// A feature membership CSR: row pointers `u64`, feature indices `u32`, weights `f32`.
pub(crate) fn put_features(buf: &mut Vec<u8>, features: &FeatureSet) {
    let m = &features.by_row;
    m.indptr
        .iter()
        .for_each(|&p| buf.extend_from_slice(&(p as u64).to_le_bytes()));
    m.indices
        .iter()
        .for_each(|&c| buf.extend_from_slice(&c.to_le_bytes()));
    put_f32(buf, m.values.iter());
}

/// Bytes [`put_features`] writes for `rows` rows and `nnz` entries, `None` on overflow.
pub(crate) fn feature_bytes(rows: usize, nnz: usize) -> Option<u64> {
    (rows as u64)
        .checked_add(1)?
        .checked_mul(8)?
        .checked_add((nnz as u64).checked_mul(8)?)
}

/// Writes a model file through the crate's one atomic writer ([`crate::data::split::write_atomically`]:
/// a temporary file in the same folder, synced, then renamed; nothing partial is left).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    if path.file_name().is_none() {
        return Err(EngineError::Invalid(format!(
            "{} is not a file path",
            path.display()
        )));
    }
    crate::data::split::write_atomically(path, |w| w.write_all(bytes)).map_err(|e| {
        let message = match e {
            crate::data::DataError::File { message, .. } => message,
            other => other.to_string(),
        };
        EngineError::io(path, std::io::Error::other(message))
    })
}

/// A cursor over the array section; callers check the section's length before reading.
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> &[u8] {
        let s = &self.bytes[self.at..self.at + n];
        self.at += n;
        s
    }
    pub(crate) fn f32s(&mut self, n: usize) -> Vec<f32> {
        self.take(4 * n)
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub(crate) fn u32s(&mut self, n: usize) -> Vec<u32> {
        self.take(4 * n)
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect()
    }
    pub(crate) fn u64s(&mut self, n: usize) -> Vec<u64> {
        let to = |c: &[u8]| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        self.take(8 * n).chunks_exact(8).map(to).collect()
    }
}

/// The `model` field of a model file's header (which codec reads the rest).
pub(crate) fn model_name(path: &Path, bytes: &[u8]) -> Result<String, EngineError> {
    #[derive(Deserialize)]
    struct Named {
        model: String,
    }
    let (json, _) = open_frame(path, bytes)?;
    serde_json::from_slice::<Named>(json)
        .map(|n| n.model)
        .map_err(|e| EngineError::corrupt(path, format!("unreadable header: {e}")))
}

/// Checks the magic bytes, the version and the announced header length; returns the JSON header
/// and where the arrays start.
pub(crate) fn open_frame<'a>(
    path: &Path,
    bytes: &'a [u8],
) -> Result<(&'a [u8], usize), EngineError> {
    if bytes.len() < MAGIC.len() || &bytes[..MAGIC.len()] != MAGIC {
        return Err(if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) {
            EngineError::truncated(path, "the file ends inside the magic bytes")
        } else {
            EngineError::corrupt(path, "not a whyrec model file (wrong magic bytes)")
        });
    }
    if bytes.len() < PREFIX + DIGEST {
        return Err(EngineError::truncated(
            path,
            "the file ends before the header",
        ));
    }
    let version = u32::from_le_bytes(bytes[8..12].try_into().expect("4 bytes"));
    if version != FORMAT_VERSION {
        return Err(EngineError::UnsupportedVersion {
            path: path.to_path_buf(),
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let header_len = u64::from_le_bytes(bytes[12..20].try_into().expect("8 bytes"));
    let room = (bytes.len() - PREFIX - DIGEST) as u64;
    if header_len > room {
        return Err(EngineError::truncated(
            path,
            format!("the header announces {header_len} bytes but only {room} remain"),
        ));
    }
    let header_end = PREFIX + header_len as usize;
    Ok((&bytes[PREFIX..header_end], header_end))
}

/// Checks that exactly `expected` bytes of arrays follow the header and that the checksum holds;
/// returns a reader over the arrays.
pub(crate) fn open_arrays<'a>(
    path: &Path,
    bytes: &'a [u8],
    header_end: usize,
    expected: u64,
) -> Result<Reader<'a>, EngineError> {
    let available = (bytes.len() - header_end - DIGEST) as u64;
    if expected > available {
        return Err(EngineError::truncated(
            path,
            format!("the arrays need {expected} bytes but only {available} remain"),
        ));
    }
    if expected < available {
        return Err(EngineError::corrupt(
            path,
            format!("{} unexpected bytes after the arrays", available - expected),
        ));
    }
    let body = bytes.len() - DIGEST;
    if Sha256::digest(&bytes[..body]).as_slice() != &bytes[body..] {
        return Err(EngineError::corrupt(path, "checksum mismatch"));
    }
    Ok(Reader {
        bytes: &bytes[..body],
        at: header_end,
    })
}

/// Reads what [`put_features`] wrote and checks its structure.
pub(crate) fn read_features(
    r: &mut Reader<'_>,
    rows: usize,
    nnz: usize,
    names: Vec<String>,
) -> Result<FeatureSet, String> {
    let indptr: Vec<usize> = r
        .u64s(rows + 1)
        .into_iter()
        .map(|p| p.min(usize::MAX as u64) as usize)
        .collect();
    let indices = r.u32s(nnz);
    let values = r.f32s(nnz);
    if values.iter().any(|v| !v.is_finite()) {
        return Err("a feature weight is NaN or infinite".to_string());
    }
    let csr = Csr {
        n_rows: rows,
        n_cols: names.len(),
        indptr,
        indices,
        values,
    };
    FeatureSet::from_csr(csr, names)
}
