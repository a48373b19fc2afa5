//! Parsers for the three folder layouts GroupLens ships, and the checks that tie the files together
//! (unknown movies or users, duplicate ratings). Every error names the file, the line and what was
//! expected; `lenient` skips bad lines instead and counts them.

mod duplicates;
mod movies;
pub(crate) mod ratings;
mod users;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use movies::ML100K_GENRES;
pub use ratings::RawRatings;

use super::dataset::{Dataset, Ratings, Users};
use super::error::{DataError, DataResult};
use super::registry::{DatasetKind, Layout, RatingScale};
use super::text::Skipped;
use super::text::{Encoding, TextFile};
use duplicates::duplicate_keys;
use ratings::{parse_ratings, RatingsFormat};

/// How strictly to read.
#[derive(Debug, Clone, Copy, Default)]
pub struct LoadOptions {
    /// Skip bad lines (counted in [`Dataset::skipped`]) instead of failing on the first.
    pub lenient: bool,
}

/// Loads a known variant from its folder.
pub fn load_kind(kind: DatasetKind, dir: &Path, options: LoadOptions) -> DataResult<Dataset> {
    load_with(
        kind.name().to_string(),
        dir,
        kind.layout(),
        kind.rating_scale(),
        options,
    )
}

/// Loads a folder in any of the GroupLens layouts, recognised by its files (used for synthetic
/// data and for folders with other names).
pub fn load_dir(dir: &Path, options: LoadOptions) -> DataResult<Dataset> {
    let layout = detect_layout(dir)?;
    let scale = match layout {
        Layout::Ml100k
        | Layout::Dat {
            has_users: true, ..
        } => DatasetKind::Ml1m.rating_scale(),
        _ => DatasetKind::MlLatestSmall.rating_scale(),
    };
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "dataset".into());
    load_with(name, dir, layout, scale, options)
}

/// Recognises the layout of a folder from the files it holds.
pub fn detect_layout(dir: &Path) -> DataResult<Layout> {
    if !dir.is_dir() {
        return Err(DataError::file(dir, "dataset folder not found"));
    }
    let has = |f: &str| dir.join(f).exists();
    if has("u.data") || has("u.item") {
        Ok(Layout::Ml100k)
    } else if has("ratings.dat") || has("movies.dat") || has("users.dat") {
        Ok(Layout::Dat {
            has_users: has("users.dat"),
            encoding: if has("users.dat") {
                Encoding::Latin1
            } else {
                Encoding::Utf8OrLatin1
            },
        })
    } else if has("ratings.csv") || has("movies.csv") {
        Ok(Layout::Csv)
    } else {
        Err(DataError::file(
            dir,
            "no MovieLens files found; expected u.data, ratings.dat or ratings.csv",
        ))
    }
}

fn required(layout: Layout) -> &'static [&'static str] {
    match layout {
        Layout::Ml100k => &["u.data", "u.item", "u.user"],
        Layout::Dat {
            has_users: true, ..
        } => &["ratings.dat", "movies.dat", "users.dat"],
        Layout::Dat { .. } => &["ratings.dat", "movies.dat"],
        Layout::Csv => &["ratings.csv", "movies.csv"],
    }
}

fn load_with(
    name: String,
    dir: &Path,
    layout: Layout,
    scale: RatingScale,
    options: LoadOptions,
) -> DataResult<Dataset> {
    if !dir.is_dir() {
        return Err(DataError::file(dir, "dataset folder not found"));
    }
    for f in required(layout) {
        let path = dir.join(f);
        if path.exists() && !path.is_file() {
            return Err(DataError::file(
                &path,
                "not a regular file (a folder, FIFO or device?); expected a MovieLens text file",
            ));
        }
        if !path.is_file() {
            return Err(DataError::file(
                dir,
                format!("{f} missing (expected {})", required(layout).join(", ")),
            ));
        }
    }
    let lenient = options.lenient;
    let mut skipped = Skipped::default();
    let read = |f: &str, skipped: &mut Skipped| -> DataResult<TextFile> {
        let mut file = TextFile::read(&dir.join(f))?;
        file.check_last_line(lenient, skipped)?;
        Ok(file)
    };
    let optional = |f: &str, skipped: &mut Skipped| -> DataResult<Option<TextFile>> {
        if dir.join(f).exists() {
            read(f, skipped).map(Some)
        } else {
            Ok(None)
        }
    };
    let (parsed_items, raw_users, ratings_path, raw_ratings) = match layout {
        Layout::Ml100k => {
            let genres = movies::parse_u_genre(optional("u.genre", &mut skipped)?.as_ref())?;
            let items = movies::parse_u_item(
                &read("u.item", &mut skipped)?,
                genres,
                lenient,
                &mut skipped,
            )?;
            let occupations = match optional("u.occupation", &mut skipped)? {
                Some(f) => Some(users::parse_u_occupation(&f)?),
                None => None,
            };
            let users = users::parse_u_user(
                &read("u.user", &mut skipped)?,
                occupations,
                lenient,
                &mut skipped,
            )?;
            let format = RatingsFormat {
                sep: b"\t",
                header: None,
                scale,
            };
            let ratings = parse_ratings(
                &read("u.data", &mut skipped)?,
                &format,
                lenient,
                &mut skipped,
            )?;
            (items, Some(users), dir.join("u.data"), ratings)
        }
        Layout::Dat {
            has_users,
            encoding,
        } => {
            let items = movies::parse_movies_dat(
                &read("movies.dat", &mut skipped)?,
                encoding,
                lenient,
                &mut skipped,
            )?;
            let users = if has_users {
                Some(users::parse_users_dat(
                    &read("users.dat", &mut skipped)?,
                    encoding,
                    lenient,
                    &mut skipped,
                )?)
            } else {
                None
            };
            let format = RatingsFormat {
                sep: b"::",
                header: None,
                scale,
            };
            let ratings = parse_ratings(
                &read("ratings.dat", &mut skipped)?,
                &format,
                lenient,
                &mut skipped,
            )?;
            (items, users, dir.join("ratings.dat"), ratings)
        }
        Layout::Csv => {
            let items = movies::parse_movies_csv(
                &read("movies.csv", &mut skipped)?,
                lenient,
                &mut skipped,
            )?;
            let format = RatingsFormat {
                sep: b",",
                header: Some("userId,movieId,rating,timestamp"),
                scale,
            };
            let ratings = parse_ratings(
                &read("ratings.csv", &mut skipped)?,
                &format,
                lenient,
                &mut skipped,
            )?;
            (items, None, dir.join("ratings.csv"), ratings)
        }
    };

    let (items_file, users_file) = match layout {
        Layout::Ml100k => ("u.item", "u.user"),
        Layout::Dat { .. } => ("movies.dat", "users.dat"),
        Layout::Csv => ("movies.csv", "users.csv"),
    };
    let listed = Listed {
        items: ListedFile {
            path: dir.join(items_file),
            ids: parsed_items.items.ids.clone(),
            lines: parsed_items.lines.clone(),
        },
        users: raw_users.as_ref().map(|r| ListedFile {
            path: dir.join(users_file),
            ids: r.ids.clone(),
            lines: r.lines.clone(),
        }),
    };
    // Users: the users file in ascending id order, or the distinct raters.
    let (user_ids, demographics) = match raw_users {
        Some(raw) => {
            let mut order: Vec<usize> = (0..raw.ids.len()).collect();
            order.sort_by_key(|&i| raw.ids[i]);
            let d = &raw.demographics;
            let demo = super::dataset::Demographics {
                gender: order.iter().map(|&i| d.gender[i]).collect(),
                age_bucket: order.iter().map(|&i| d.age_bucket[i]).collect(),
                exact_age: order.iter().map(|&i| d.exact_age[i]).collect(),
                occupation: order.iter().map(|&i| d.occupation[i]).collect(),
                zip: order.iter().map(|&i| d.zip[i].clone()).collect(),
                occupations: d.occupations.clone(),
            };
            (
                order.iter().map(|&i| raw.ids[i]).collect::<Vec<u32>>(),
                Some(demo),
            )
        }
        None => {
            let mut ids = raw_ratings.user.clone();
            ids.par_sort_unstable();
            ids.dedup();
            (ids, None)
        }
    };
    let mut ratings = index_ratings(
        &ratings_path,
        raw_ratings,
        &user_ids,
        &parsed_items.items.ids,
        &listed,
        lenient,
        &mut skipped,
    )?;
    // Without a users file, users are the raters of the ratings kept (a lenient load may drop a
    // user's only rating).
    let user_ids = if demographics.is_none() {
        drop_unused_users(user_ids, &mut ratings.user)
    } else {
        user_ids
    };
    Ok(Dataset::assemble(
        name,
        dir.to_path_buf(),
        scale,
        Users {
            ids: user_ids,
            demographics,
        },
        parsed_items.items,
        parsed_items.genres,
        ratings,
        skipped,
    ))
}

/// Dense lookup from the dataset's ids to indices (a table when ids are small, as in MovieLens).
struct IdLookup {
    table: Vec<u32>,
}

impl IdLookup {
    const NONE: u32 = u32::MAX;

    fn new(ids: &[u32]) -> IdLookup {
        let max = ids.iter().copied().max().unwrap_or(0) as usize;
        // A table sized by the largest id only while that is within a few times the number of ids
        // (MovieLens' ids are nearly dense); a file with a huge id falls back to a sorted search,
        // so memory follows the number of distinct ids, never the largest one.
        let mut table = if max <= ids.len().saturating_mul(4).saturating_add(1 << 16) {
            vec![Self::NONE; max + 1]
        } else {
            Vec::new()
        };
        if !table.is_empty() {
            for (i, &id) in ids.iter().enumerate() {
                table[id as usize] = i as u32;
            }
        }
        IdLookup { table }
    }

    fn get(&self, id: u32, sorted: Option<&[(u32, u32)]>) -> Option<u32> {
        if !self.table.is_empty() {
            return self
                .table
                .get(id as usize)
                .copied()
                .filter(|&v| v != Self::NONE);
        }
        let sorted = sorted?;
        sorted
            .binary_search_by_key(&id, |p| p.0)
            .ok()
            .map(|p| sorted[p].1)
    }
}

/// The movie and the user file (`None` when the layout has none), for naming a broken line.
struct Listed {
    items: ListedFile,
    users: Option<ListedFile>,
}

/// A movie or user file: its ids in file order and the line of each.
struct ListedFile {
    path: PathBuf,
    ids: Vec<u32>,
    lines: Vec<usize>,
}

/// A rating names an id no line of `what`'s file lists. When the file's ids ascend except for one
/// line whose id breaks the order exactly where the missing id belongs, that line is the broken
/// one (a damaged id field parses as another number): the error is reported there.
fn broken_line(
    ListedFile { path, ids, lines }: &ListedFile,
    missing: u32,
    what: &str,
    rating_at: &str,
) -> Option<DataError> {
    (1..ids.len().saturating_sub(1)).find_map(|p| {
        let (before, here, after) = (ids[p - 1], ids[p], ids[p + 1]);
        let misplaced = before < after && !(before < here && here < after);
        (misplaced && before < missing && missing < after).then(|| {
            DataError::line(
                path,
                lines[p],
                format!(
                    "{what} id {here} breaks the file's ascending order between {before} and \
                     {after}, where {what} {missing} belongs; {rating_at} rates {what} {missing}, \
                     which no line lists: is this line's id damaged?"
                ),
            )
        })
    })
}

fn index_ratings(
    path: &Path,
    raw: RawRatings,
    user_ids: &[u32],
    item_ids: &[u32],
    listed: &Listed,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<Ratings> {
    let users_listed = listed.users.is_some();
    const UNKNOWN: u32 = u32::MAX;
    let RawRatings {
        mut user,
        mut item,
        mut rating,
        mut timestamp,
        line,
    } = raw;
    // Map the dataset's ids to dense indices in place; rows with unknown ids keep their ids for the message.
    let users = IdLookup::new(user_ids);
    let items = IdLookup::new(item_ids);
    let sorted_users: Option<Vec<(u32, u32)>> =
        users.table.is_empty().then(|| sorted_pairs(user_ids));
    let sorted_items: Option<Vec<(u32, u32)>> =
        items.table.is_empty().then(|| sorted_pairs(item_ids));
    let mut unknown: Vec<(usize, String)> = Vec::new();
    {
        let bad: Vec<usize> = user
            .par_iter_mut()
            .zip(item.par_iter_mut())
            .enumerate()
            .filter_map(|(row, (u, i))| {
                let (mu, mi) = (
                    users.get(*u, sorted_users.as_deref()),
                    items.get(*i, sorted_items.as_deref()),
                );
                let known = mi.is_some() && (mu.is_some() || !users_listed);
                if known {
                    *u = mu.unwrap_or(UNKNOWN);
                    *i = mi.unwrap_or(UNKNOWN);
                    None
                } else {
                    Some(row)
                }
            })
            .collect();
        for row in bad {
            let what = if items.get(item[row], sorted_items.as_deref()).is_none() {
                format!(
                    "rating for an unknown movie: id {} is not in the movie file",
                    item[row]
                )
            } else {
                format!(
                    "rating by an unknown user: id {} is not in the user file",
                    user[row]
                )
            };
            unknown.push((row, what));
        }
    }
    let problem =
        |row: usize, what: String| -> DataError { DataError::line(path, line[row] as usize, what) };
    let mut keep = vec![true; user.len()];
    for (row, what) in unknown {
        if !lenient {
            let at = format!("{}:{}", path.display(), line[row]);
            let broken = if items.get(item[row], sorted_items.as_deref()).is_none() {
                broken_line(&listed.items, item[row], "movie", &at)
            } else {
                listed
                    .users
                    .as_ref()
                    .and_then(|u| broken_line(u, user[row], "user", &at))
            };
            return Err(broken.unwrap_or_else(|| problem(row, what)));
        }
        keep[row] = false;
        skipped.record(problem(row, what).to_string());
    }
    // Duplicate (user, movie) pairs.
    let key = |row: usize| (u64::from(user[row]) << 32) | u64::from(item[row]);
    let dups = duplicate_keys(&user, &item, &keep);
    if !dups.is_empty() {
        let mut seen = HashSet::new();
        for row in 0..user.len() {
            if keep[row] && dups.contains(&key(row)) && !seen.insert(key(row)) {
                let what = format!(
                    "duplicate rating: user {} already rated movie {}",
                    user_ids.get(user[row] as usize).copied().unwrap_or(0),
                    item_ids.get(item[row] as usize).copied().unwrap_or(0)
                );
                if !lenient {
                    return Err(problem(row, what));
                }
                keep[row] = false;
                skipped.record(problem(row, what).to_string());
            }
        }
    }
    drop(line);
    if keep.iter().any(|&k| !k) {
        let mut it = keep.iter();
        user.retain(|_| *it.next().unwrap_or(&false));
        let mut it = keep.iter();
        item.retain(|_| *it.next().unwrap_or(&false));
        let mut it = keep.iter();
        rating.retain(|_| *it.next().unwrap_or(&false));
        let mut it = keep.iter();
        timestamp.retain(|_| *it.next().unwrap_or(&false));
    }
    if user.is_empty() {
        return Err(DataError::file(path, "no usable ratings"));
    }
    Ok(Ratings {
        user,
        item,
        rating,
        timestamp,
    })
}

fn sorted_pairs(ids: &[u32]) -> Vec<(u32, u32)> {
    let mut v: Vec<(u32, u32)> = ids
        .iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect();
    v.sort_unstable();
    v
}

/// Where the data of a dataset kind lives, for messages.
pub fn dataset_dir(kind: DatasetKind, data_dir: &Path) -> PathBuf {
    kind.dir_in(data_dir)
}

/// Removes users without ratings and renumbers the rating rows' user indices.
fn drop_unused_users(user_ids: Vec<u32>, rating_users: &mut [u32]) -> Vec<u32> {
    let mut used = vec![false; user_ids.len()];
    for &u in rating_users.iter() {
        used[u as usize] = true;
    }
    if used.iter().all(|&u| u) {
        return user_ids;
    }
    let mut new_index = vec![u32::MAX; user_ids.len()];
    let mut kept = Vec::new();
    for (old, &id) in user_ids.iter().enumerate() {
        if used[old] {
            new_index[old] = kept.len() as u32;
            kept.push(id);
        }
    }
    for u in rating_users.iter_mut() {
        *u = new_index[*u as usize];
    }
    kept
}
