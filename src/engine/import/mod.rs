//! Models trained elsewhere, made explorable and explainable here: implicit's ALS
//! (`model.save("model.npz")`: `user_factors`, `item_factors`, `factors`, `regularization`,
//! `alpha`, … — [`npy`] reads the archive) and Spark MLlib's `ALSModel.save` folder ([`spark`]).
//!
//! **Ids.** Factor rows are indexed by the dataset's own ids: row r of `user_factors` is MovieLens
//! user id r and row r of `item_factors` movie id r (what a matrix built as
//! `csr_matrix((ones, (userId, movieId)))` gives; rows for ids the dataset does not have are
//! ignored; Spark's folders name each row's id). An id with likes in the data and no row is an
//! error naming it; one without likes and without a row gets a zero vector.
//!
//! **Confidence settings.** implicit weighs a positive by `alpha · r` (r = 1 for a like) against 1
//! for every other pair, with a plain λ: whyrec's ALS objective with confidence `1 + α'`
//! (α' = alpha − 1), w0 = 1, λ unscaled (ν = 0, κ = 0), no side features. The imported model *is*
//! that objective's model: its item vectors are the file's, and every user vector is the exact ALS
//! user step given them — what Hu et al.'s decomposition needs, so every score splits exactly into
//! one term per like, and fold-in, what-ifs and leave-one-out refolds are the model's own. The
//! file's user vectors are kept only for comparison: [`Imported::max_score_difference`] measures how
//! far their scores are from the exact step's (0 up to rounding for a file whose last step was an
//! exact user step; implicit's CG solver and item-last sweeps leave a small difference).

pub mod npy;
pub mod spark;

pub use spark::from_spark;

/// The largest file (or archive entry) an import reads.
pub(crate) const MAX_FILE_BYTES: u64 = 4 << 30;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use ndarray::Array2;

use self::npy::{read_npz, NpyValue};
use super::als::blocks::Solve;
use super::als::steps::{solve_own, Weights};
use super::als::{AlsConfig, HybridModel};
use super::factors::side::{FeatureSet, Side};
use super::factors::Sides;
use super::{EngineError, Scorer};
use crate::data::{Dataset, Positives};

/// A model read from another engine's file, as a whyrec model.
#[derive(Debug, Clone)]
pub struct Imported {
    pub model: HybridModel,
    /// Where it came from, e.g. `implicit ALS (model.npz): 64 factors, regularization 50, alpha 10`.
    pub source: String,
    /// The largest |score difference| between the file's user vectors and the exact user step,
    /// over every user and item of a measured sample (see [`Imported::measure`]).
    pub max_score_difference: f64,
    /// Users the difference was measured over.
    pub measured_users: usize,
    /// The file's own user vectors (dataset user order), for scoring the model exactly as the
    /// other engine does ([`Imported::file_scorer`]).
    pub file_users: Array2<f32>,
}

/// The imported item vectors with the file's own user vectors: the other engine's scores.
pub struct FileScorer<'a> {
    imported: &'a Imported,
    name: String,
}

impl Scorer for FileScorer<'_> {
    fn name(&self) -> &str {
        &self.name
    }

    fn n_items(&self) -> usize {
        self.imported.model.n_items()
    }

    fn score_items(&self, user: u32, out: &mut [f32]) {
        let row = self.imported.file_users.row(user as usize);
        match row.as_slice() {
            Some(p) => self.imported.model.sides.score_vector(p, out),
            None => self.imported.model.sides.score_vector(&row.to_vec(), out),
        }
    }
}

/// Reads implicit's `model.npz` and maps it onto `dataset` (ids as the module says);
/// `positives` are the likes the user vectors are solved from (the dataset's, or a split's train
/// positives).
pub fn from_implicit(
    path: &Path,
    dataset: &Dataset,
    positives: &Positives,
) -> Result<Imported, EngineError> {
    let bad = |what: String| EngineError::Invalid(format!("{}: {what}", path.display()));
    let entries = read_npz(path).map_err(EngineError::Invalid)?;
    if entries.contains_key("learning_rate") {
        return Err(bad(
            "a BPR/LMF model (it has a learning_rate): only implicit's ALS is imported".into(),
        ));
    }
    let matrix = |key: &str| -> Result<(usize, usize, &Vec<f64>), EngineError> {
        match entries.get(key) {
            Some(NpyValue::Numbers { shape, values }) if shape.len() == 2 => {
                Ok((shape[0], shape[1], values))
            }
            Some(_) => Err(bad(format!("{key} is not a 2-d array of numbers"))),
            None => Err(bad(format!(
                "no {key}: expected implicit's model.save layout (user_factors, item_factors, …)"
            ))),
        }
    };
    let scalar = |key: &str, default: f64| -> Result<f64, EngineError> {
        match entries.get(key) {
            None => Ok(default),
            Some(v) => v
                .scalar()
                .filter(|x| x.is_finite())
                .ok_or_else(|| bad(format!("{key} is not a finite number"))),
        }
    };
    let (user_rows, k, user_values) = matrix("user_factors")?;
    let (item_rows, k_items, item_values) = matrix("item_factors")?;
    if k != k_items || k == 0 || k > super::factors::MAX_FACTORS {
        return Err(bad(format!(
            "user_factors has {k} columns and item_factors {k_items}: expected the same number, 1 to {}",
            super::factors::MAX_FACTORS
        )));
    }
    let regularization = scalar("regularization", 0.01)?;
    let alpha = scalar("alpha", 1.0)?;
    if alpha < 1.0 || regularization < 0.0 {
        return Err(bad(format!(
            "alpha {alpha} and regularization {regularization}: whyrec imports alpha >= 1 (a like weighs at least as much as an unobserved pair) and regularization >= 0"
        )));
    }
    let users = rows_by_id(&dataset.users.ids, user_values, user_rows, k, |u| {
        positives.by_user.row_len(u) > 0
    })
    .map_err(|id| bad(format!("user id {id} has likes but no row in user_factors ({user_rows} rows): rows must be indexed by the dataset's user ids")))?;
    let items = rows_by_id(&dataset.items.ids, item_values, item_rows, k, |i| {
        positives.by_item.row_len(i) > 0
    })
    .map_err(|id| bad(format!("movie id {id} has likes but no row in item_factors ({item_rows} rows): rows must be indexed by the dataset's movie ids")))?;
    let config = AlsConfig {
        iterations: scalar("iterations", 15.0)?.clamp(1.0, 1000.0) as usize,
        ..imported_config(k, regularization, 0.0, true, alpha - 1.0)
    };
    let source = format!(
        "implicit ALS ({}): {k} factors, regularization {regularization}, alpha {alpha}",
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into()
        )
    );
    Imported::build(config, users, items, positives, source)
}

/// The ALS settings of an imported model: `k` factors, λ with exponent `nu` (whose mass counts
/// the unobserved pairs or not), confidence 1 + `alpha`, w0 = 1, κ = 0, no side features,
/// exact solves.
pub(crate) fn imported_config(
    k: usize,
    regularization: f64,
    nu: f32,
    mass_counts_unobserved: bool,
    alpha: f64,
) -> AlsConfig {
    AlsConfig {
        factors: k,
        regularization: regularization as f32,
        regularization_exponent: nu,
        mass_counts_unobserved,
        catalog_exponent: 0.0,
        large_catalog_exponent: Some(0.0),
        alpha: alpha as f32,
        unobserved_weight: 1.0,
        item_features: false,
        user_features: false,
        cg_steps: 0,
        ..AlsConfig::default()
    }
}

/// The rows of `values` (`rows × k`, row-major) for each id of `ids`, in order. An id beyond the
/// rows gets a zero vector unless `needed(dense index)` (it has likes), which is the error.
fn rows_by_id(
    ids: &[u32],
    values: &[f64],
    rows: usize,
    k: usize,
    needed: impl Fn(usize) -> bool,
) -> Result<Array2<f32>, u32> {
    let mut out = Array2::<f32>::zeros((ids.len(), k));
    for (dense, &id) in ids.iter().enumerate() {
        let r = id as usize;
        if r >= rows {
            if needed(dense) {
                return Err(id);
            }
            continue;
        }
        for (x, &v) in out
            .row_mut(dense)
            .iter_mut()
            .zip(&values[r * k..(r + 1) * k])
        {
            *x = v as f32;
        }
    }
    Ok(out)
}

impl Imported {
    /// The model of `config` with `items` as its item vectors and every user vector the exact
    /// user step from `positives`; `file_users` are the file's user vectors, measured against it.
    pub fn build(
        config: AlsConfig,
        file_users: Array2<f32>,
        items: Array2<f32>,
        positives: &Positives,
        source: String,
    ) -> Result<Imported, EngineError> {
        config.validate()?;
        let (n_users, k) = file_users.dim();
        let n_items = items.nrows();
        if positives.by_user.n_rows != n_users || positives.by_user.n_cols != n_items {
            return Err(EngineError::Invalid(format!(
                "{source}: {n_users} users × {n_items} movies, but the likes are {} × {}",
                positives.by_user.n_rows, positives.by_user.n_cols
            )));
        }
        if !(file_users.iter().all(|x| x.is_finite()) && items.iter().all(|x| x.is_finite())) {
            return Err(EngineError::Invalid(format!(
                "{source}: a factor is NaN or infinite"
            )));
        }
        let mut model = HybridModel {
            config,
            sides: Sides {
                users: Side::loaded(
                    Array2::zeros((n_users, k)),
                    Array2::zeros((0, k)),
                    FeatureSet::none(n_users),
                ),
                items: Side::loaded(items, Array2::zeros((0, k)), FeatureSet::none(n_items)),
            },
            item_gram: Vec::new(),
        };
        model.refresh_caches();
        let w = Weights::of(&model.config, n_items);
        let Sides { users, items } = &mut model.sides;
        solve_own(
            users,
            &positives.by_user,
            None,
            &items.composed,
            &w,
            Solve::Exact,
            &AtomicBool::new(false),
        )
        .map_err(|_| {
            EngineError::Invalid(format!(
                "{source}: the user step has no solution (the item vectors are degenerate)"
            ))
        })?;
        // solve_own recomposed the users; the items and their Gramian are as refreshed above.
        let mut imported = Imported {
            model,
            source,
            max_score_difference: 0.0,
            measured_users: 0,
            file_users,
        };
        imported.measure();
        Ok(imported)
    }

    /// Scores with the file's own user vectors, named `name`.
    pub fn file_scorer(&self, name: &str) -> FileScorer<'_> {
        FileScorer {
            imported: self,
            name: name.to_string(),
        }
    }

    /// Measures [`Imported::max_score_difference`] over up to 2,000 users spread evenly.
    fn measure(&mut self) {
        let file_users = &self.file_users;
        let n = file_users.nrows();
        let step = (n / 2000).max(1);
        let mut exact = vec![0f32; self.model.n_items()];
        let mut file = vec![0f32; self.model.n_items()];
        let mut worst = 0.0f64;
        let mut measured = 0;
        for u in (0..n).step_by(step) {
            self.model.score_items(u as u32, &mut exact);
            let row: Vec<f32> = file_users.row(u).to_vec();
            self.model.sides.score_vector(&row, &mut file);
            for (a, b) in exact.iter().zip(&file) {
                worst = worst.max(f64::from((a - b).abs()));
            }
            measured += 1;
        }
        self.max_score_difference = worst;
        self.measured_users = measured;
    }
}
