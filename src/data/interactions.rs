//! Positive interactions (ratings at or above a threshold) and the feature matrices the hybrid
//! models use: item × genre and user × demographic.

use super::csr::Csr;
use super::dataset::{Dataset, AGE_BUCKETS};

/// Default threshold of PROTOCOL.md: a rating of 4 or more is a positive interaction.
pub const DEFAULT_POSITIVE_THRESHOLD: f32 = 4.0;

/// Positive interactions as binary CSR matrices by user and by item.
#[derive(Debug, Clone)]
pub struct Positives {
    pub threshold: f32,
    pub by_user: Csr,
    pub by_item: Csr,
}

impl Positives {
    /// Likes (positives) per item: an item's popularity. The one place popularity is counted —
    /// the popularity baseline, the fallback list, the knob, trust's ARP and the exports use it.
    pub fn likes_per_item(&self) -> Vec<usize> {
        (0..self.by_item.n_rows)
            .map(|i| self.by_item.row_len(i))
            .collect()
    }

    /// [`Self::likes_per_item`] as scores (what the popularity ranking sorts by).
    pub fn likes_per_item_f32(&self) -> Vec<f32> {
        self.likes_per_item()
            .into_iter()
            .map(|n| n as f32)
            .collect()
    }

    /// Ratings of `dataset` at or above `threshold`.
    pub fn from_dataset(dataset: &Dataset, threshold: f32) -> Positives {
        let r = &dataset.ratings;
        let keep: Vec<usize> = (0..r.len()).filter(|&k| r.rating[k] >= threshold).collect();
        let users: Vec<u32> = keep.iter().map(|&k| r.user[k]).collect();
        let items: Vec<u32> = keep.iter().map(|&k| r.item[k]).collect();
        Self::from_pairs(
            dataset.n_users(),
            dataset.n_items(),
            &users,
            &items,
            threshold,
        )
    }

    /// The positives of ratings held by user (`ratings` from [`Dataset::ratings_by_user`]): the
    /// same as [`Positives::from_dataset`] of that dataset.
    pub fn from_ratings(ratings: &Csr, threshold: f32) -> Positives {
        let mut by_user = ratings.filtered(|r| r >= threshold);
        by_user.values.fill(1.0);
        let by_item = by_user.transpose();
        Positives {
            threshold,
            by_user,
            by_item,
        }
    }

    /// From (user, item) pairs of dense indices.
    pub fn from_pairs(
        n_users: usize,
        n_items: usize,
        users: &[u32],
        items: &[u32],
        threshold: f32,
    ) -> Positives {
        let ones = vec![1.0f32; users.len()];
        let by_user = Csr::from_triplets(n_users, n_items, users, items, &ones);
        let by_item = by_user.transpose();
        Positives {
            threshold,
            by_user,
            by_item,
        }
    }

    /// These positives with `user`'s row replaced by `row` (item indices; every other user
    /// unchanged). A `user` out of range changes nothing.
    pub fn with_row(&self, user: u32, row: &[u32]) -> Positives {
        let by_user = &self.by_user;
        let (mut users, mut items) = (Vec::with_capacity(by_user.nnz()), Vec::new());
        items.reserve(by_user.nnz());
        for u in 0..by_user.n_rows {
            let r = if u == user as usize {
                row
            } else {
                by_user.row(u)
            };
            users.extend(std::iter::repeat_n(u as u32, r.len()));
            items.extend_from_slice(r);
        }
        Positives::from_pairs(
            by_user.n_rows,
            by_user.n_cols,
            &users,
            &items,
            self.threshold,
        )
    }
}

/// A sparse binary feature matrix with a name for every column.
#[derive(Debug, Clone)]
pub struct FeatureMatrix {
    pub matrix: Csr,
    pub names: Vec<String>,
}

/// Item × genre: one column per genre of the vocabulary.
pub fn item_genre_features(dataset: &Dataset) -> FeatureMatrix {
    let mut rows = Vec::new();
    let mut cols = Vec::new();
    for (i, genres) in dataset.items.genres.iter().enumerate() {
        for &g in genres {
            rows.push(i as u32);
            cols.push(u32::from(g));
        }
    }
    let ones = vec![1.0; rows.len()];
    FeatureMatrix {
        matrix: Csr::from_triplets(dataset.n_items(), dataset.genres.len(), &rows, &cols, &ones),
        names: dataset
            .genres
            .iter()
            .map(|g| format!("genre:{g}"))
            .collect(),
    }
}

/// User × demographic: one-hot gender, age bucket and occupation. `None` when the dataset has no
/// demographics (ml-latest-small, ML-10M and later): nothing is invented.
pub fn user_demographic_features(dataset: &Dataset) -> Option<FeatureMatrix> {
    let d = dataset.users.demographics.as_ref()?;
    let mut names: Vec<String> = vec!["gender:F".into(), "gender:M".into()];
    names.extend(AGE_BUCKETS.iter().map(|(_, label)| format!("age:{label}")));
    let occ_offset = names.len();
    names.extend(d.occupations.iter().map(|o| format!("occupation:{o}")));
    let mut rows = Vec::new();
    let mut cols = Vec::new();
    for u in 0..dataset.n_users() {
        let gender_col = match d.gender[u] {
            super::dataset::Gender::F => 0,
            super::dataset::Gender::M => 1,
        };
        for c in [
            gender_col,
            2 + u32::from(d.age_bucket[u]),
            occ_offset as u32 + u32::from(d.occupation[u]),
        ] {
            rows.push(u as u32);
            cols.push(c);
        }
    }
    let ones = vec![1.0; rows.len()];
    Some(FeatureMatrix {
        matrix: Csr::from_triplets(dataset.n_users(), names.len(), &rows, &cols, &ones),
        names,
    })
}
