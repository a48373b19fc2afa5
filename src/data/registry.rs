//! The MovieLens variants whyrec knows: where GroupLens publishes them, how they are laid out on disk,
//! and how to verify a download.

use std::fmt;
use std::path::{Path, PathBuf};

use super::text::Encoding;

/// Base address of the GroupLens archive.
pub const GROUPLENS_BASE_URL: &str = "https://files.grouplens.org/datasets/movielens";

/// How the files of a variant are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `u.data` (tab separated), `u.item` and `u.user` (`|` separated, ISO-8859-1), `u.genre`.
    Ml100k,
    /// `ratings.dat`, `movies.dat`, optionally `users.dat`, `::` separated.
    Dat { has_users: bool, encoding: Encoding },
    /// `ratings.csv` and `movies.csv` with headers, UTF-8.
    Csv,
}

/// One of the MovieLens variants published by GroupLens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, clap::ValueEnum)]
pub enum DatasetKind {
    #[value(name = "ml-100k")]
    Ml100k,
    #[value(name = "ml-1m")]
    Ml1m,
    #[value(name = "ml-10m")]
    Ml10m,
    #[value(name = "ml-20m")]
    Ml20m,
    #[value(name = "ml-25m")]
    Ml25m,
    #[value(name = "ml-32m")]
    Ml32m,
    #[value(name = "ml-latest-small")]
    MlLatestSmall,
}

impl DatasetKind {
    pub const ALL: [DatasetKind; 7] = [
        DatasetKind::Ml100k,
        DatasetKind::Ml1m,
        DatasetKind::Ml10m,
        DatasetKind::Ml20m,
        DatasetKind::Ml25m,
        DatasetKind::Ml32m,
        DatasetKind::MlLatestSmall,
    ];

    /// The name used on the command line and in reports (`ml-1m`).
    pub fn name(self) -> &'static str {
        match self {
            DatasetKind::Ml100k => "ml-100k",
            DatasetKind::Ml1m => "ml-1m",
            DatasetKind::Ml10m => "ml-10m",
            DatasetKind::Ml20m => "ml-20m",
            DatasetKind::Ml25m => "ml-25m",
            DatasetKind::Ml32m => "ml-32m",
            DatasetKind::MlLatestSmall => "ml-latest-small",
        }
    }

    /// Parses a name as written by [`DatasetKind::name`].
    pub fn from_name(name: &str) -> Option<DatasetKind> {
        DatasetKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The folder the GroupLens zip unpacks to (ML-10M's is `ml-10M100K`).
    pub fn folder_name(self) -> &'static str {
        match self {
            DatasetKind::Ml10m => "ml-10M100K",
            other => other.name(),
        }
    }

    /// File name of the zip archive on the GroupLens server.
    pub fn zip_name(self) -> String {
        format!("{}.zip", self.name())
    }

    /// Download address of the zip archive under `base_url`.
    pub fn zip_url(self, base_url: &str) -> String {
        format!("{}/{}", base_url.trim_end_matches('/'), self.zip_name())
    }

    /// MD5 of the archive as published by GroupLens, where it is fixed; for the others the `.md5`
    /// file beside the zip is fetched.
    pub fn published_md5(self) -> Option<&'static str> {
        match self {
            DatasetKind::Ml100k => Some("0e33842e24a9c977be4e0107933c0723"),
            DatasetKind::Ml1m => Some("c4d9eecfca2ab87c1945afe126590906"),
            DatasetKind::Ml10m => Some("ce571fd55effeba0271552578f2648bd"),
            DatasetKind::Ml20m => Some("cd245b17a1ae2cc31bb14903e1204af3"),
            DatasetKind::Ml25m => Some("6b51fb2759a8657d3bfcbfc42b592ada"),
            DatasetKind::Ml32m | DatasetKind::MlLatestSmall => None,
        }
    }

    /// Address of the `.md5` file GroupLens publishes beside the zip.
    pub fn md5_url(self, base_url: &str) -> String {
        format!("{}.md5", self.zip_url(base_url))
    }

    pub fn layout(self) -> Layout {
        match self {
            DatasetKind::Ml100k => Layout::Ml100k,
            DatasetKind::Ml1m => Layout::Dat {
                has_users: true,
                encoding: Encoding::Latin1,
            },
            DatasetKind::Ml10m => Layout::Dat {
                has_users: false,
                encoding: Encoding::Utf8OrLatin1,
            },
            _ => Layout::Csv,
        }
    }

    /// Inclusive rating range and step.
    pub fn rating_scale(self) -> RatingScale {
        match self {
            DatasetKind::Ml100k | DatasetKind::Ml1m => RatingScale {
                min: 1.0,
                max: 5.0,
                step: 1.0,
            },
            _ => RatingScale {
                min: 0.5,
                max: 5.0,
                step: 0.5,
            },
        }
    }

    /// The files that must be present in the dataset folder.
    pub fn required_files(self) -> &'static [&'static str] {
        match self.layout() {
            Layout::Ml100k => &["u.data", "u.item", "u.user"],
            Layout::Dat {
                has_users: true, ..
            } => &["ratings.dat", "movies.dat", "users.dat"],
            Layout::Dat { .. } => &["ratings.dat", "movies.dat"],
            Layout::Csv => &["ratings.csv", "movies.csv"],
        }
    }

    /// Where this variant lives under a data folder. Accepts both the GroupLens folder name and
    /// the short name (`ml-10m`), returning the first that exists (or the GroupLens name).
    pub fn dir_in(self, data_dir: &Path) -> PathBuf {
        let primary = data_dir.join(self.folder_name());
        if primary.is_dir() {
            return primary;
        }
        let short = data_dir.join(self.name());
        if short.is_dir() {
            return short;
        }
        primary
    }
}

impl fmt::Display for DatasetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The ratings a variant allows.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RatingScale {
    pub min: f32,
    pub max: f32,
    pub step: f32,
}

impl RatingScale {
    /// True when `r` lies on the scale (within range and on a step).
    pub fn contains(&self, r: f32) -> bool {
        if !(r >= self.min && r <= self.max) {
            return false;
        }
        let steps = (r - self.min) / self.step;
        (steps - steps.round()).abs() < 1e-4
    }

    pub fn clip(&self, r: f32) -> f32 {
        r.clamp(self.min, self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in DatasetKind::ALL {
            assert_eq!(DatasetKind::from_name(k.name()), Some(k));
        }
        assert_eq!(DatasetKind::from_name("ml-2m"), None);
    }

    #[test]
    fn scales() {
        let s = DatasetKind::MlLatestSmall.rating_scale();
        assert!(s.contains(0.5) && s.contains(3.5) && s.contains(5.0));
        assert!(!s.contains(0.0) && !s.contains(3.3) && !s.contains(5.5) && !s.contains(f32::NAN));
        let s = DatasetKind::Ml100k.rating_scale();
        assert!(s.contains(1.0) && !s.contains(3.5) && !s.contains(6.0));
    }
}
