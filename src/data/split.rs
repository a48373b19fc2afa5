//! Evaluation splits of PROTOCOL.md: `holdout-20` of positives per user, ML-100K's canonical folds
//! (u1..u5, ua, ub), a random 90/10 split of ratings, and split files (`train.csv`, `test.csv`) that
//! export and import exactly.

use std::collections::HashSet;
use std::io::Write;
use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::dataset::Dataset;
use super::error::{DataError, DataResult};
use super::interactions::Positives;
use super::parse::ratings::{parse_ratings, RatingsFormat};
use super::text::{split_csv, Encoding, TextFile};

/// One rating with dense indices.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interaction {
    pub user: u32,
    pub item: u32,
    pub rating: f32,
    pub timestamp: i64,
}

/// Training and test interactions.
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    /// `holdout-20 seed=1`, `u1`, `random-90-10 seed=1`, or `files:<dir>`.
    pub name: String,
    pub train: Vec<Interaction>,
    pub test: Vec<Interaction>,
}

/// Share of each user's positives held out by `holdout-20`.
pub const HOLDOUT_FRACTION: f64 = 0.2;

/// Number of positives `holdout-20` moves to test for a user with `n` positives.
pub fn holdout_count(n: usize) -> usize {
    if n < 2 {
        0
    } else {
        ((HOLDOUT_FRACTION * n as f64).round() as usize).max(1)
    }
}

/// Every rating of `d` as an interaction, in the dataset's order (what the rating models fit on
/// when they train on all the data).
pub fn all_interactions(d: &Dataset) -> Vec<Interaction> {
    (0..d.ratings.len()).map(|k| interaction(d, k)).collect()
}

fn interaction(d: &Dataset, k: usize) -> Interaction {
    Interaction {
        user: d.ratings.user[k],
        item: d.ratings.item[k],
        rating: d.ratings.rating[k],
        timestamp: d.ratings.timestamp[k],
    }
}

/// PROTOCOL.md's `holdout-20`: ratings >= `threshold` are positives (the rest are dropped); for each
/// user with n >= 2 positives, round(0.2 n) of them (at least 1) go to test, chosen by a partial
/// Fisher–Yates shuffle of the user's positives in item order, with one ChaCha8 stream seeded by
/// `seed` and consumed user by user in ascending index order.
pub fn holdout(dataset: &Dataset, seed: u64, threshold: f32) -> Split {
    let mut by_user: Vec<Vec<usize>> = vec![Vec::new(); dataset.n_users()];
    for k in 0..dataset.ratings.len() {
        if dataset.ratings.rating[k] >= threshold {
            by_user[dataset.ratings.user[k] as usize].push(k);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut train = Vec::new();
    let mut test = Vec::new();
    for mut rows in by_user {
        rows.sort_by_key(|&k| dataset.ratings.item[k]);
        let m = holdout_count(rows.len());
        // rand 0.8 moves the chosen elements to the end of the slice and returns them first.
        let (held, kept) = rows.partial_shuffle(&mut rng, m);
        let mut held = held.to_vec();
        let mut kept = kept.to_vec();
        held.sort_by_key(|&k| dataset.ratings.item[k]);
        kept.sort_by_key(|&k| dataset.ratings.item[k]);
        test.extend(held.into_iter().map(|k| interaction(dataset, k)));
        train.extend(kept.into_iter().map(|k| interaction(dataset, k)));
    }
    Split {
        name: format!("holdout-20 seed={seed}"),
        train,
        test,
    }
}

/// A random split of all ratings: `round(0.1 n)` to test, chosen with `seed` (the rating task on
/// datasets without canonical folds).
pub fn random_ratings(dataset: &Dataset, seed: u64) -> Split {
    random_ratings_of(dataset, seed, |_| true)
}

/// [`random_ratings`] keeping only the ratings of the users for which `keep(user)` holds: the
/// same draw (each kept rating lands in train or test as in the whole split), without holding
/// every rating as an [`Interaction`] (the fairness audit's user sample on ML-25M).
pub fn random_ratings_of(dataset: &Dataset, seed: u64, keep: impl Fn(u32) -> bool) -> Split {
    let n = dataset.ratings.len();
    // u32 positions (a dataset's ratings are indexed by u32); the shuffle draws the same
    // permutation whatever the element type.
    let mut rows: Vec<u32> = (0..n as u32).collect();
    let m = (0.1 * n as f64).round() as usize;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (held, kept) = rows.partial_shuffle(&mut rng, m);
    let pick = |part: &[u32]| -> Vec<Interaction> {
        let mut chosen: Vec<u32> = part
            .iter()
            .copied()
            .filter(|&k| keep(dataset.ratings.user[k as usize]))
            .collect();
        chosen.sort_unstable();
        chosen
            .into_iter()
            .map(|k| interaction(dataset, k as usize))
            .collect()
    };
    Split {
        name: format!("random-90-10 seed={seed}"),
        train: pick(kept),
        test: pick(held),
    }
}

/// The canonical ML-100K folds shipped with the dataset.
pub const ML100K_FOLDS: [&str; 7] = ["u1", "u2", "u3", "u4", "u5", "ua", "ub"];

/// Reads `<fold>.base` (train) and `<fold>.test` from the dataset folder (ML-100K only).
pub fn ml100k_fold(dataset: &Dataset, fold: &str) -> DataResult<Split> {
    if !ML100K_FOLDS.contains(&fold) {
        return Err(DataError::other(format!(
            "unknown fold {fold:?}; expected one of {}",
            ML100K_FOLDS.join(", ")
        )));
    }
    let read = |ext: &str| -> DataResult<Vec<Interaction>> {
        let path = dataset.dir.join(format!("{fold}.{ext}"));
        let file = TextFile::read(&path)?;
        let format = RatingsFormat {
            sep: b"\t",
            header: None,
            scale: dataset.scale,
        };
        let raw = parse_ratings(&file, &format, false, &mut Default::default())?;
        let mut out = Vec::with_capacity(raw.user.len());
        for k in 0..raw.user.len() {
            let (user, item) = map_ids(dataset, raw.user[k], raw.item[k])
                .map_err(|m| DataError::file(&path, format!("row {}: {m}", k + 1)))?;
            out.push(Interaction {
                user,
                item,
                rating: raw.rating[k],
                timestamp: raw.timestamp[k],
            });
        }
        Ok(out)
    };
    Ok(Split {
        name: fold.to_string(),
        train: read("base")?,
        test: read("test")?,
    })
}

fn map_ids(dataset: &Dataset, user_id: u32, item_id: u32) -> Result<(u32, u32), String> {
    let user = dataset
        .user_index(user_id)
        .ok_or_else(|| format!("unknown user id {user_id}"))?;
    let item = dataset
        .item_index(item_id)
        .ok_or_else(|| format!("unknown movie id {item_id}"))?;
    Ok((user, item))
}

impl Split {
    /// Training positives (ratings >= `threshold`) as CSR matrices.
    pub fn train_positives(&self, n_users: usize, n_items: usize, threshold: f32) -> Positives {
        pairs_at_least(&self.train, n_users, n_items, threshold)
    }

    /// Test positives (ratings >= `threshold`) as CSR matrices.
    pub fn test_positives(&self, n_users: usize, n_items: usize, threshold: f32) -> Positives {
        pairs_at_least(&self.test, n_users, n_items, threshold)
    }

    /// Writes `train.csv` and `test.csv` (header `user,item,rating,timestamp`, the dataset's own
    /// ids) into `dir`, each through a temp file and a rename, and `twins.csv` (header
    /// `item,group`: every movie that has a twin, with the smallest id of its group) so that other
    /// systems can apply the served candidate rule (`engine::rank`) to the same split. Split files
    /// hold interactions only; the twins come from the dataset's titles, which import reads itself.
    pub fn export(&self, dataset: &Dataset, dir: &Path) -> DataResult<()> {
        std::fs::create_dir_all(dir).map_err(|e| DataError::io(dir, e))?;
        let twins = super::twins::Twins::detect(dataset);
        write_atomically(&dir.join("twins.csv"), |w| {
            writeln!(w, "item,group")?;
            for group in twins.groups() {
                let ids: Vec<u32> = group.iter().map(|&i| dataset.item_id(i)).collect();
                let first = ids.iter().copied().min().unwrap_or_default();
                for id in ids {
                    writeln!(w, "{id},{first}")?;
                }
            }
            Ok(())
        })?;
        for (name, rows) in [("train.csv", &self.train), ("test.csv", &self.test)] {
            let path = dir.join(name);
            write_atomically(&path, |w| {
                writeln!(w, "user,item,rating,timestamp")?;
                for r in rows {
                    writeln!(
                        w,
                        "{},{},{},{}",
                        dataset.user_id(r.user),
                        dataset.item_id(r.item),
                        r.rating,
                        r.timestamp
                    )?;
                }
                Ok(())
            })?;
        }
        Ok(())
    }

    /// Reads `train.csv` and `test.csv` from `dir`: header with at least `user,item,rating` (extra
    /// columns such as `timestamp` allowed, in any order), ids as in the dataset's own files.
    pub fn import(dataset: &Dataset, dir: &Path) -> DataResult<Split> {
        Ok(Split {
            name: format!("files:{}", dir.display()),
            train: read_split_file(dataset, &dir.join("train.csv"))?,
            test: read_split_file(dataset, &dir.join("test.csv"))?,
        })
    }

    /// Reads a split from two files of the form [`Split::import`] reads.
    pub fn import_files(dataset: &Dataset, train: &Path, test: &Path) -> DataResult<Split> {
        Ok(Split {
            name: format!(
                "files:{}",
                train.parent().unwrap_or(Path::new(".")).display()
            ),
            train: read_split_file(dataset, train)?,
            test: read_split_file(dataset, test)?,
        })
    }

    /// Users with at least one test positive: the users PROTOCOL.md evaluates.
    pub fn evaluated_users(&self, threshold: f32) -> Vec<u32> {
        let mut users: Vec<u32> = self
            .test
            .iter()
            .filter(|r| r.rating >= threshold)
            .map(|r| r.user)
            .collect();
        users.sort_unstable();
        users.dedup();
        users
    }
}

fn pairs_at_least(
    rows: &[Interaction],
    n_users: usize,
    n_items: usize,
    threshold: f32,
) -> Positives {
    let kept: Vec<&Interaction> = rows.iter().filter(|r| r.rating >= threshold).collect();
    let users: Vec<u32> = kept.iter().map(|r| r.user).collect();
    let items: Vec<u32> = kept.iter().map(|r| r.item).collect();
    Positives::from_pairs(n_users, n_items, &users, &items, threshold)
}

/// Writes a file through a temp file in the same folder and a rename: nothing partial is left.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> DataResult<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let mut w = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        write(&mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(DataError::io(path, e));
    }
    Ok(())
}

fn read_split_file(dataset: &Dataset, path: &Path) -> DataResult<Vec<Interaction>> {
    let file = TextFile::read(path)?;
    let mut lines = file.lines();
    let header = lines.next().ok_or_else(|| {
        DataError::file(
            path,
            "empty file; expected the header `user,item,rating[,timestamp]`",
        )
    })?;
    let h = header.decode(path, Encoding::Utf8)?;
    let cols: Vec<&str> = h.split(',').map(str::trim).collect();
    let find = |name: &str| cols.iter().position(|c| *c == name);
    let (Some(cu), Some(ci), Some(cr)) = (find("user"), find("item"), find("rating")) else {
        return Err(header.error(
            path,
            format!("expected a header with columns user,item,rating, found `{h}`"),
        ));
    };
    let ct = find("timestamp");
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for line in lines {
        let text = line.decode(path, Encoding::Utf8)?;
        let fields = split_csv(&text).map_err(|m| line.error(path, m))?;
        if fields.len() != cols.len() {
            return Err(line.error(
                path,
                format!(
                    "expected {} fields as in the header, found {}",
                    cols.len(),
                    fields.len()
                ),
            ));
        }
        let num = |c: usize, what: &str| {
            super::text::parse_u32(fields[c].as_bytes(), what).map_err(|m| line.error(path, m))
        };
        let (user_id, item_id) = (num(cu, "user")?, num(ci, "item")?);
        let rating = super::text::parse_f32(fields[cr].as_bytes(), "rating")
            .map_err(|m| line.error(path, m))?;
        if !dataset.scale.contains(rating) {
            return Err(line.error(
                path,
                format!(
                    "rating {rating} is outside the scale {}..{}",
                    dataset.scale.min, dataset.scale.max
                ),
            ));
        }
        let timestamp = match ct {
            Some(c) => super::text::parse_i64(fields[c].as_bytes(), "timestamp")
                .map_err(|m| line.error(path, m))?,
            None => 0,
        };
        let (user, item) = map_ids(dataset, user_id, item_id).map_err(|m| line.error(path, m))?;
        if !seen.insert((user, item)) {
            return Err(line.error(path, format!("duplicate (user {user_id}, item {item_id})")));
        }
        out.push(Interaction {
            user,
            item,
            rating,
            timestamp,
        });
    }
    Ok(out)
}
