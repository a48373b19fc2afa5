//! Spark MLlib's `ALSModel.save(DIR)`: `DIR/metadata/part-00000` (one JSON line: `rank`, and
//! `paramMap` / `defaultParamMap` with `implicitPrefs`, `alpha`, `regParam`) and the parquet
//! folders `DIR/userFactors/` and `DIR/itemFactors/` (`id` integer, `features` array of floats).
//!
//! Spark's implicit ALS (`implicitPrefs = true`) solves Hu et al.'s objective with confidence
//! `1 + alpha·r` and the penalty `regParam · n_u` (n_u: the user's observed pairs): whyrec's ALS
//! with α = alpha, w0 = 1, ν = 1 over the positives only (`mass_counts_unobserved = false`),
//! κ = 0, for a model trained on the like indicators (r = 1), as the README's snippet does.
//! Explicit-feedback Spark models are refused: their scores are not Hu et al.'s.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use ndarray::Array2;
use polars::prelude::*;

use super::{imported_config, Imported, MAX_FILE_BYTES};
use crate::data::{Dataset, Positives};
use crate::engine::EngineError;

/// Reads a Spark `ALSModel` folder and maps it onto `dataset` (`positives`: the likes the user
/// vectors are solved from).
pub fn from_spark(
    dir: &Path,
    dataset: &Dataset,
    positives: &Positives,
) -> Result<Imported, EngineError> {
    let bad = |what: String| EngineError::Invalid(format!("{}: {what}", dir.display()));
    let meta_path = dir.join("metadata").join("part-00000");
    let meta = read_capped(&meta_path, 1 << 20).map_err(&bad)?;
    let meta: serde_json::Value = serde_json::from_str(
        meta.lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or_default(),
    )
    .map_err(|e| {
        bad(format!(
            "metadata/part-00000 is not Spark's JSON model metadata: {e}"
        ))
    })?;
    let param = |name: &str| {
        ["paramMap", "defaultParamMap"]
            .iter()
            .find_map(|map| meta.get(map).and_then(|m| m.get(name)).cloned())
    };
    if param("implicitPrefs").and_then(|v| v.as_bool()) != Some(true) {
        return Err(bad(
            "implicitPrefs is not true: only Spark's implicit-feedback ALS is Hu et al.'s model whyrec explains"
                .into(),
        ));
    }
    let number = |name: &str| {
        param(name)
            .and_then(|v| v.as_f64())
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| bad(format!("metadata has no finite, non-negative {name}")))
    };
    let (alpha, reg) = (number("alpha")?, number("regParam")?);
    let users = read_factors(&dir.join("userFactors")).map_err(&bad)?;
    let items = read_factors(&dir.join("itemFactors")).map_err(&bad)?;
    let k = users.1;
    if k != items.1 || k == 0 || k > crate::engine::factors::MAX_FACTORS {
        return Err(bad(format!(
            "userFactors have {k} features and itemFactors {}: expected the same number, 1 to {}",
            items.1,
            crate::engine::factors::MAX_FACTORS
        )));
    }
    let user_rows = rows_of(&users.0, &dataset.users.ids, k, |u| {
        positives.by_user.row_len(u) > 0
    })
    .map_err(|id| bad(format!("user id {id} has likes but no row in userFactors")))?;
    let item_rows = rows_of(&items.0, &dataset.items.ids, k, |i| {
        positives.by_item.row_len(i) > 0
    })
    .map_err(|id| bad(format!("movie id {id} has likes but no row in itemFactors")))?;
    let config = imported_config(k, reg, 1.0, false, alpha);
    let source = format!(
        "Spark ALS ({}): rank {k}, regParam {reg}, alpha {alpha}",
        dir.display()
    );
    Imported::build(config, user_rows, item_rows, positives, source)
}

/// A file's text, refusing more than `cap` bytes.
fn read_capped(path: &Path, cap: u64) -> Result<String, String> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut text = String::new();
    file.take(cap + 1)
        .read_to_string(&mut text)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if text.len() as u64 > cap {
        return Err(format!("{}: more than {cap} bytes", path.display()));
    }
    Ok(text)
}

/// Every `(id, features)` of the parquet parts of a factors folder, and the number of features.
fn read_factors(dir: &Path) -> Result<(HashMap<i64, Vec<f32>>, usize), String> {
    let mut parts: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    parts.sort();
    if parts.is_empty() {
        return Err(format!("{}: no .parquet part", dir.display()));
    }
    let mut rows = HashMap::new();
    let mut k = None;
    for part in &parts {
        let size = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
        if size > MAX_FILE_BYTES {
            return Err(format!(
                "{}: {size} bytes, more than {MAX_FILE_BYTES}",
                part.display()
            ));
        }
        let at = |e: String| format!("{}: {e}", part.display());
        let file = std::fs::File::open(part).map_err(|e| at(e.to_string()))?;
        let frame = ParquetReader::new(file)
            .finish()
            .map_err(|e| at(format!("not a readable parquet file: {e}")))?;
        let ids = frame
            .column("id")
            .map_err(|_| at("no id column".into()))?
            .cast(&DataType::Int64)
            .map_err(|_| at("id is not an integer column".into()))?;
        let ids = ids
            .i64()
            .map_err(|_| at("id is not integer".into()))?
            .clone();
        let features = frame
            .column("features")
            .map_err(|_| at("no features column".into()))?
            .cast(&DataType::List(Box::new(DataType::Float32)))
            .map_err(|_| at("features is not an array of numbers".into()))?;
        let features = features
            .list()
            .map_err(|_| at("features is not an array".into()))?
            .clone();
        for (id, vector) in ids.iter().zip(features.series_iter()) {
            let (Some(id), Some(vector)) = (id, vector) else {
                return Err(at("a null id or features".into()));
            };
            let values: Vec<f32> = vector
                .f32()
                .map_err(|_| at("features are not floats".into()))?
                .iter()
                .map(|x| x.unwrap_or(f32::NAN))
                .collect();
            match k {
                None => k = Some(values.len()),
                Some(k) if k != values.len() => {
                    return Err(at(format!(
                        "id {id} has {} features, others {k}",
                        values.len()
                    )))
                }
                _ => {}
            }
            if rows.insert(id, values).is_some() {
                return Err(at(format!("id {id} appears twice")));
            }
        }
    }
    Ok((rows, k.unwrap_or(0)))
}

/// The rows for the dataset's `ids` in order. Spark leaves out users and items without any pair in
/// its training data: those get a zero vector, unless `needed(dense index)` (it has likes here),
/// which is the error.
fn rows_of(
    rows: &HashMap<i64, Vec<f32>>,
    ids: &[u32],
    k: usize,
    needed: impl Fn(usize) -> bool,
) -> Result<Array2<f32>, u32> {
    let mut out = Array2::<f32>::zeros((ids.len(), k));
    for (dense, &id) in ids.iter().enumerate() {
        match rows.get(&i64::from(id)) {
            Some(v) => out
                .row_mut(dense)
                .iter_mut()
                .zip(v)
                .for_each(|(o, &x)| *o = x),
            None if !needed(dense) => {}
            None => return Err(id),
        }
    }
    Ok(out)
}
