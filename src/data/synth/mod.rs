//! Synthetic MovieLens data at any size, in the ML-1M file layout, for scale and speed work.
//!
//! [`generate`] writes `ratings.dat`, `movies.dat`, `users.dat` and a `README` that
//! [`crate::data::load_dir`] reads like ML-1M. The data has the structure recommenders rely on:
//! Zipf-like item popularity, lognormal user activity (at least 20 ratings per user, exact total),
//! low-rank tastes (item factor = its genres' latent vectors + noise; user factor = gender, age and
//! occupation group vectors + noise), users who mostly rate what they like, and a star histogram
//! close to ML-1M's. Output is byte-identical for the same [`SynthConfig`], whatever the number of
//! threads: the world is built from the seed's stream 0 and each chunk of users has its own stream.
//!
//! ```no_run
//! use whyrec::data::synth::{generate, SynthConfig};
//! let summary = generate(&SynthConfig::ml1m_shape(7), std::path::Path::new("data/synth-1m"))?;
//! println!("{}", serde_json::to_string_pretty(&summary).unwrap());
//! # Ok::<(), std::io::Error>(())
//! ```

mod sample;
mod world;
mod write;

#[cfg(test)]
mod tests;

use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use sample::{generate_chunk, ChunkOutput, CHUNK_USERS};
use world::World;
pub use world::{GENRES, MIN_USER_RATINGS};
use write::README_MARKER;

/// Size, seed and latent rank of a synthetic dataset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SynthConfig {
    pub users: usize,
    pub items: usize,
    /// Exact number of ratings; between `users × min(20, items)` and `users × items`.
    pub ratings: usize,
    pub seed: u64,
    /// Dimension of the latent taste space.
    pub rank: usize,
}

impl SynthConfig {
    pub const DEFAULT_RANK: usize = 16;

    pub fn new(users: usize, items: usize, ratings: usize, seed: u64) -> SynthConfig {
        SynthConfig {
            users,
            items,
            ratings,
            seed,
            rank: Self::DEFAULT_RANK,
        }
    }

    /// The shape of ML-1M: 6,040 users × 3,706 rated movies × 1,000,209 ratings.
    pub fn ml1m_shape(seed: u64) -> SynthConfig {
        SynthConfig::new(6_040, 3_706, 1_000_209, seed)
    }

    /// The shape of ML-25M: 162,541 users × 59,047 rated movies × 25,000,095 ratings.
    pub fn ml25m_shape(seed: u64) -> SynthConfig {
        SynthConfig::new(162_541, 59_047, 25_000_095, seed)
    }

    /// Checks that the shape can be generated (ids fit, every user can get its minimum, no user
    /// needs more ratings than there are items).
    pub fn validate(&self) -> io::Result<()> {
        let bad = |m: String| Err(io::Error::new(io::ErrorKind::InvalidInput, m));
        if self.users == 0 || self.items == 0 || self.rank == 0 {
            return bad(format!(
                "users, items and rank must be positive (got {self:?})"
            ));
        }
        if self.users >= u32::MAX as usize || self.items >= u32::MAX as usize || self.rank > 1024 {
            return bad(format!(
                "users and items must fit in u32 ids, rank at most 1024 (got {self:?})"
            ));
        }
        let min = self.users.saturating_mul(MIN_USER_RATINGS.min(self.items));
        let max = self.users.saturating_mul(self.items);
        if self.ratings < min || self.ratings > max {
            return bad(format!(
                "{} ratings cannot be spread over {} users and {} items: need {min}..={max} \
                 (at least {MIN_USER_RATINGS} per user, each item at most once per user)",
                self.ratings, self.users, self.items
            ));
        }
        Ok(())
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct SynthSummary {
    pub dir: PathBuf,
    pub users: usize,
    pub items: usize,
    pub ratings: usize,
    pub seed: u64,
    pub rank: usize,
    /// Ratings with 1, 2, 3, 4, 5 stars, and the same as shares of all ratings.
    pub histogram: [u64; 5],
    pub histogram_share: [f64; 5],
    pub min_user_ratings: usize,
    pub max_user_ratings: usize,
    /// Items with at least one rating, and the largest number of ratings of one item.
    pub items_rated: usize,
    pub max_item_ratings: usize,
    /// Share of all ratings held by the 10% most rated items.
    pub top_decile_item_share: f64,
    /// Size of `ratings.dat` in bytes.
    pub ratings_bytes: u64,
}

/// Chunks generated per batch: one batch is written while the next is computed.
const BATCH_CHUNKS: usize = 32;

/// Generates the dataset described by `config` into `out_dir`. Everything is written to a
/// temporary folder next to `out_dir` and renamed into place at the end, so a failure leaves
/// nothing partial. An existing `out_dir` is replaced only if it is empty or an earlier synthetic
/// dataset (its `README` says so); anything else is an `AlreadyExists` error.
///
/// Errors: `InvalidInput` for an impossible shape (see [`SynthConfig::validate`]), `AlreadyExists`
/// as above, and any I/O error while writing.
pub fn generate(config: &SynthConfig, out_dir: &Path) -> io::Result<SynthSummary> {
    config.validate()?;
    let name = out_dir
        .file_name()
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("{}: not a folder name", out_dir.display()),
            )
        })?
        .to_string_lossy()
        .into_owned();
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    check_replaceable(out_dir)?;
    fs::create_dir_all(parent)?;
    let tmp = TempDir::create(parent, &name)?;
    let mut summary = write_dataset(config, &tmp.path)?;
    summary.dir = out_dir.to_path_buf();
    install(tmp, parent, &name, out_dir)?;
    Ok(summary)
}

fn write_dataset(config: &SynthConfig, dir: &Path) -> io::Result<SynthSummary> {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    let world = World::build(
        &mut rng,
        config.users,
        config.items,
        config.ratings,
        config.rank,
    );
    let create = |f: &str, cap: usize| {
        File::create(dir.join(f)).map(|file| BufWriter::with_capacity(cap, file))
    };

    let mut users = create("users.dat", 1 << 20)?;
    write::write_users(&world, &mut users)?;
    users.flush()?;
    let mut movies = create("movies.dat", 1 << 20)?;
    write::write_movies(&world, &mut movies)?;
    movies.flush()?;

    let mut ratings = create("ratings.dat", 8 << 20)?;
    let mut histogram = [0u64; 5];
    let mut item_counts = vec![0u64; config.items];
    let mut bytes = 0u64;
    let mut emit = |outputs: Vec<ChunkOutput>| -> io::Result<()> {
        for out in outputs {
            ratings.write_all(&out.bytes)?;
            bytes += out.bytes.len() as u64;
            for (h, c) in histogram.iter_mut().zip(out.histogram) {
                *h += c;
            }
            for &i in &out.items {
                item_counts[i as usize] += 1;
            }
        }
        Ok(())
    };
    let n_chunks = config.users.div_ceil(CHUNK_USERS);
    let mut pending: Option<Vec<ChunkOutput>> = None;
    for start in (0..n_chunks).step_by(BATCH_CHUNKS) {
        let chunks = start..(start + BATCH_CHUNKS).min(n_chunks);
        let (computed, written) = rayon::join(
            || {
                chunks
                    .into_par_iter()
                    .map(|c| generate_chunk(&world, config.seed, c))
                    .collect::<Vec<_>>()
            },
            || pending.take().map_or(Ok(()), &mut emit),
        );
        written?;
        pending = Some(computed);
    }
    if let Some(last) = pending {
        emit(last)?;
    }
    ratings.flush()?;
    drop(ratings);

    let total = config.ratings as f64;
    let mut sorted = item_counts.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let top: u64 = sorted[..config.items.div_ceil(10)].iter().sum();
    let summary = SynthSummary {
        dir: dir.to_path_buf(),
        users: config.users,
        items: config.items,
        ratings: config.ratings,
        seed: config.seed,
        rank: config.rank,
        histogram,
        histogram_share: histogram.map(|h| h as f64 / total),
        min_user_ratings: world
            .users
            .iter()
            .map(|u| u.count as usize)
            .min()
            .unwrap_or(0),
        max_user_ratings: world
            .users
            .iter()
            .map(|u| u.count as usize)
            .max()
            .unwrap_or(0),
        items_rated: item_counts.iter().filter(|&&c| c > 0).count(),
        max_item_ratings: sorted[0] as usize,
        top_decile_item_share: top as f64 / total,
        ratings_bytes: bytes,
    };
    let written: u64 = histogram.iter().sum();
    if written != config.ratings as u64 {
        return Err(io::Error::other(format!(
            "internal error: wrote {written} ratings, expected {}",
            config.ratings
        )));
    }
    let mut readme = create("README", 1 << 12)?;
    write::write_readme(&summary, &mut readme)?;
    readme.flush()?;
    Ok(summary)
}

/// `Ok` if `dir` is absent, an empty folder or an earlier synthetic dataset.
fn check_replaceable(dir: &Path) -> io::Result<()> {
    let meta = match fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    let synthetic = || -> io::Result<bool> {
        if fs::read_dir(dir)?.next().is_none() {
            return Ok(true);
        }
        let readme = fs::read(dir.join("README")).unwrap_or_default();
        Ok(readme.starts_with(README_MARKER.as_bytes()))
    };
    if meta.is_dir() && synthetic()? {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!(
                "{} exists and is not a synthetic dataset folder; remove it or choose another path",
                dir.display()
            ),
        ))
    }
}

/// Renames the finished temporary folder to `out_dir`, swapping out an earlier synthetic dataset.
fn install(tmp: TempDir, parent: &Path, name: &str, out_dir: &Path) -> io::Result<()> {
    check_replaceable(out_dir)?;
    if fs::symlink_metadata(out_dir).is_err() {
        fs::rename(&tmp.path, out_dir)?;
    } else {
        let old = unique_path(parent, name, "old");
        fs::rename(out_dir, &old)?;
        if let Err(e) = fs::rename(&tmp.path, out_dir) {
            let _ = fs::rename(&old, out_dir);
            return Err(e);
        }
        let _ = fs::remove_dir_all(&old);
    }
    tmp.keep();
    Ok(())
}

fn unique_path(parent: &Path, name: &str, what: &str) -> PathBuf {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    parent.join(format!(
        ".{name}.synth-{what}-{}-{nanos}-{n}",
        std::process::id()
    ))
}

/// A temporary folder removed on drop unless kept.
struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    fn create(parent: &Path, name: &str) -> io::Result<TempDir> {
        let path = unique_path(parent, name, "tmp");
        fs::create_dir(&path)?;
        Ok(TempDir { path, keep: false })
    }

    fn keep(mut self) {
        self.keep = true;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.keep {
            let _ = fs::remove_dir_all(&self.path);
        }
    }
}
