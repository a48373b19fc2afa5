//! The in-memory dataset every other layer reads: users (with demographics where the variant has
//! them), items (title, year, genres), ratings, and the maps between the dataset's ids and dense
//! internal indices.

use std::collections::HashMap;
use std::path::PathBuf;

use serde::Serialize;

use super::registry::RatingScale;
use super::text::Skipped;

/// Gender as recorded by MovieLens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Gender {
    F,
    M,
}

impl Gender {
    pub fn label(self) -> &'static str {
        match self {
            Gender::F => "F",
            Gender::M => "M",
        }
    }
}

/// ML-1M's age buckets: the code MovieLens uses and its label. ML-100K's exact ages are mapped onto
/// the same buckets so that both variants group users alike.
pub const AGE_BUCKETS: [(u8, &str); 7] = [
    (1, "Under 18"),
    (18, "18-24"),
    (25, "25-34"),
    (35, "35-44"),
    (45, "45-49"),
    (50, "50-55"),
    (56, "56+"),
];

/// Index into [`AGE_BUCKETS`] for an exact age.
pub fn age_bucket_of_age(age: u32) -> usize {
    match age {
        0..=17 => 0,
        18..=24 => 1,
        25..=34 => 2,
        35..=44 => 3,
        45..=49 => 4,
        50..=55 => 5,
        _ => 6,
    }
}

/// Index into [`AGE_BUCKETS`] for an ML-1M age code.
pub fn age_bucket_of_code(code: u32) -> Option<usize> {
    AGE_BUCKETS.iter().position(|&(c, _)| u32::from(c) == code)
}

/// ML-1M's occupation codes 0..=20.
pub const ML1M_OCCUPATIONS: [&str; 21] = [
    "other",
    "academic/educator",
    "artist",
    "clerical/admin",
    "college/grad student",
    "customer service",
    "doctor/health care",
    "executive/managerial",
    "farmer",
    "homemaker",
    "K-12 student",
    "lawyer",
    "programmer",
    "retired",
    "sales/marketing",
    "scientist",
    "self-employed",
    "technician/engineer",
    "tradesman/craftsman",
    "unemployed",
    "writer",
];

/// Per-user demographic attributes, indexed by dense user index.
#[derive(Debug, Clone, Default)]
pub struct Demographics {
    pub gender: Vec<Gender>,
    /// Index into [`AGE_BUCKETS`].
    pub age_bucket: Vec<u8>,
    /// Exact age where the variant records it (ML-100K).
    pub exact_age: Vec<Option<u8>>,
    /// Index into `occupations`.
    pub occupation: Vec<u16>,
    pub zip: Vec<String>,
    /// Occupation vocabulary of the variant.
    pub occupations: Vec<String>,
}

/// Users, indexed densely in ascending order of their dataset id.
#[derive(Debug, Clone, Default)]
pub struct Users {
    pub ids: Vec<u32>,
    /// `None` for variants without demographics (ml-latest-small, ML-10M and later).
    pub demographics: Option<Demographics>,
}

/// Items, indexed densely in the order of the movie file.
#[derive(Debug, Clone, Default)]
pub struct Items {
    pub ids: Vec<u32>,
    pub titles: Vec<String>,
    pub years: Vec<Option<u16>>,
    /// Indices into [`Dataset::genres`], ascending.
    pub genres: Vec<Vec<u16>>,
}

/// Ratings as parallel columns of dense indices.
#[derive(Debug, Clone, Default)]
pub struct Ratings {
    pub user: Vec<u32>,
    pub item: Vec<u32>,
    pub rating: Vec<f32>,
    pub timestamp: Vec<i64>,
}

impl Ratings {
    pub fn len(&self) -> usize {
        self.user.len()
    }

    pub fn is_empty(&self) -> bool {
        self.user.is_empty()
    }
}

/// One MovieLens dataset in memory.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// `ml-100k`, `ml-1m`, … or the folder name for a dataset read from a path.
    pub name: String,
    pub dir: PathBuf,
    pub scale: RatingScale,
    pub users: Users,
    pub items: Items,
    /// Genre vocabulary.
    pub genres: Vec<String>,
    pub ratings: Ratings,
    user_index: HashMap<u32, u32>,
    item_index: HashMap<u32, u32>,
    /// Lines skipped under `--lenient` (0 otherwise), with the first few reasons.
    pub skipped: Skipped,
}

impl Dataset {
    /// Assembles a dataset from columns already checked by a parser; builds the id maps.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn assemble(
        name: String,
        dir: PathBuf,
        scale: RatingScale,
        users: Users,
        items: Items,
        genres: Vec<String>,
        ratings: Ratings,
        skipped: Skipped,
    ) -> Dataset {
        let user_index = index_of(&users.ids);
        let item_index = index_of(&items.ids);
        Dataset {
            name,
            dir,
            scale,
            users,
            items,
            genres,
            ratings,
            user_index,
            item_index,
            skipped,
        }
    }

    pub fn n_users(&self) -> usize {
        self.users.ids.len()
    }

    pub fn n_items(&self) -> usize {
        self.items.ids.len()
    }

    /// Dense index of a dataset user id.
    pub fn user_index(&self, user_id: u32) -> Option<u32> {
        self.user_index.get(&user_id).copied()
    }

    /// Dense index of a dataset movie id.
    pub fn item_index(&self, item_id: u32) -> Option<u32> {
        self.item_index.get(&item_id).copied()
    }

    pub fn user_id(&self, user: u32) -> u32 {
        self.users.ids[user as usize]
    }

    pub fn item_id(&self, item: u32) -> u32 {
        self.items.ids[item as usize]
    }

    pub fn has_demographics(&self) -> bool {
        self.users.demographics.is_some()
    }

    /// Every rating as a users × movies matrix, the stars as values (each row's movies ascending).
    pub fn ratings_by_user(&self) -> super::Csr {
        let r = &self.ratings;
        super::Csr::from_triplets(self.n_users(), self.n_items(), &r.user, &r.item, &r.rating)
    }

    /// Items with at least one rating of any value: the evaluation catalog of PROTOCOL.md.
    pub fn catalog(&self) -> Vec<u32> {
        present(&self.ratings.item, self.n_items())
    }

    /// Users with at least one rating, ascending.
    pub fn rated_users(&self) -> Vec<u32> {
        present(&self.ratings.user, self.n_users())
    }

    /// Genre names of an item, joined with `|`.
    pub fn genre_label(&self, item: u32) -> String {
        self.items.genres[item as usize]
            .iter()
            .map(|&g| self.genres[g as usize].as_str())
            .collect::<Vec<_>>()
            .join("|")
    }

    /// A short, stable fingerprint of everything a model learns from, used to tie models and split
    /// files to the data they came from: the whyrec version, the ratings (user id, movie id,
    /// stars), the movies in file order with their genres and the genre names, and every user's
    /// demographics with the occupation names. Editing only `u.user` or the genre flags of
    /// `u.item` changes it.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let text = |h: &mut Sha256, s: &str| {
            h.update((s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        text(&mut h, env!("CARGO_PKG_VERSION"));
        text(&mut h, &self.name);
        // The same bytes as one update per field, gathered in blocks (a call per field costs
        // more than the hashing at tens of millions of ratings).
        let mut block = Vec::with_capacity(12 << 12);
        for ((&u, &i), &r) in self
            .ratings
            .user
            .iter()
            .zip(&self.ratings.item)
            .zip(&self.ratings.rating)
        {
            block.extend_from_slice(&self.users.ids[u as usize].to_le_bytes());
            block.extend_from_slice(&self.items.ids[i as usize].to_le_bytes());
            block.extend_from_slice(&r.to_le_bytes());
            if block.len() == block.capacity() {
                h.update(&block);
                block.clear();
            }
        }
        h.update(&block);
        h.update((self.n_users() as u64).to_le_bytes());
        h.update((self.n_items() as u64).to_le_bytes());
        h.update((self.genres.len() as u64).to_le_bytes());
        for g in &self.genres {
            text(&mut h, g);
        }
        for (id, genres) in self.items.ids.iter().zip(&self.items.genres) {
            h.update(id.to_le_bytes());
            h.update((genres.len() as u64).to_le_bytes());
            genres.iter().for_each(|g| h.update(g.to_le_bytes()));
        }
        match &self.users.demographics {
            None => h.update([0u8]),
            Some(d) => {
                h.update([1u8]);
                h.update((d.occupations.len() as u64).to_le_bytes());
                for o in &d.occupations {
                    text(&mut h, o);
                }
                for u in 0..self.n_users() {
                    h.update(self.users.ids[u].to_le_bytes());
                    h.update([
                        matches!(d.gender[u], Gender::F) as u8,
                        d.age_bucket[u],
                        d.exact_age[u].map_or(255, |a| a),
                    ]);
                    h.update(d.occupation[u].to_le_bytes());
                }
            }
        }
        let digest = h.finalize();
        digest[..8].iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn index_of(ids: &[u32]) -> HashMap<u32, u32> {
    ids.iter()
        .enumerate()
        .map(|(i, &id)| (id, i as u32))
        .collect()
}

/// Release year from a MovieLens title such as `Toy Story (1995)` or `Yeh Jaadu Hai Jin Ka! (1999)`.
pub fn year_from_title(title: &str) -> Option<u16> {
    let t = title.trim_end();
    let open = t.rfind('(')?;
    let inner = t[open + 1..].strip_suffix(')')?;
    let digits: &str = inner.get(..4)?;
    let year: u16 = digits.parse().ok()?;
    let rest = &inner[4..];
    if (1870..=2100).contains(&year)
        && (rest.is_empty() || rest.starts_with('-') || rest.starts_with('–'))
    {
        Some(year)
    } else {
        None
    }
}

/// The indices below `n` that occur in `ids`, ascending.
fn present(ids: &[u32], n: usize) -> Vec<u32> {
    let mut seen = vec![false; n];
    for &i in ids {
        seen[i as usize] = true;
    }
    (0..n as u32).filter(|&i| seen[i as usize]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years() {
        assert_eq!(year_from_title("Toy Story (1995)"), Some(1995));
        assert_eq!(year_from_title("Babylon 5 (1994-1998)"), Some(1994));
        assert_eq!(year_from_title("Hyena Road"), None);
        assert_eq!(year_from_title("Big (1988) "), Some(1988));
        assert_eq!(year_from_title("Nineteen (abcd)"), None);
    }

    #[test]
    fn buckets() {
        assert_eq!(AGE_BUCKETS[age_bucket_of_age(7)].1, "Under 18");
        assert_eq!(AGE_BUCKETS[age_bucket_of_age(24)].1, "18-24");
        assert_eq!(AGE_BUCKETS[age_bucket_of_age(73)].1, "56+");
        assert_eq!(age_bucket_of_code(25), Some(2));
        assert_eq!(age_bucket_of_code(26), None);
    }
}
