//! Exploratory data analysis: what a dataset holds, computed with polars group-bys and quantiles, as a
//! serialisable report (`reports/eda.json`) and a readable text summary.

use polars::prelude::*;
use serde::Serialize;

use super::dataset::{Dataset, AGE_BUCKETS};
use super::error::{DataError, DataResult};
use super::interactions::DEFAULT_POSITIVE_THRESHOLD;

#[derive(Debug, Clone, Serialize)]
pub struct EdaReport {
    pub dataset: String,
    pub folder: String,
    pub counts: Counts,
    /// 1 − ratings / (users × items).
    pub sparsity: f64,
    pub ratings: RatingStats,
    pub ratings_per_user: Distribution,
    pub ratings_per_item: Distribution,
    pub long_tail: LongTail,
    pub genres: Vec<GenreCount>,
    pub demographics: DemographicCounts,
    pub time_range: TimeRange,
    pub release_years: Option<(u16, u16)>,
    /// Films listed under two or more movie ids (same normalized title and year; `data::twins`):
    /// served lists treat each group as one movie.
    pub twins: Vec<super::twins::TwinGroup>,
    pub skipped_lines: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Counts {
    pub users: usize,
    /// Movies in the movie file.
    pub items: usize,
    /// Movies with at least one rating (the evaluation catalog).
    pub items_rated: usize,
    pub ratings: usize,
    pub genres: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct RatingStats {
    pub scale: (f32, f32),
    pub mean: f64,
    pub histogram: Vec<HistogramBin>,
    /// Ratings at or above 4 (the positives of PROTOCOL.md).
    pub positives: usize,
    pub positive_share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistogramBin {
    pub rating: f32,
    pub count: usize,
    pub share: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Distribution {
    pub min: f64,
    pub q25: f64,
    pub median: f64,
    pub q75: f64,
    pub q90: f64,
    pub q99: f64,
    pub max: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LongTail {
    /// Share of all ratings that go to the 20% most-rated items (the "short head").
    pub top20pct_items_rating_share: f64,
    /// Share of rated items that together receive only the last 20% of ratings (the long tail).
    pub tail_items_share: f64,
    /// Rated items with fewer than 10 ratings.
    pub items_under_10_ratings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct GenreCount {
    pub genre: String,
    pub movies: usize,
    pub ratings: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelCount {
    pub label: String,
    pub users: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemographicCounts {
    pub available: bool,
    pub note: Option<String>,
    pub gender: Vec<LabelCount>,
    pub age: Vec<LabelCount>,
    pub occupation: Vec<LabelCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TimeRange {
    pub first: String,
    pub last: String,
    pub first_timestamp: i64,
    pub last_timestamp: i64,
}

fn polars_err(e: PolarsError) -> DataError {
    DataError::other(format!("polars: {e}"))
}

/// The ratings table as a polars frame (`user`, `item`, `rating`, `timestamp`; dense indices).
pub fn ratings_frame(d: &Dataset) -> DataResult<DataFrame> {
    let r = &d.ratings;
    DataFrame::new(
        r.len(),
        vec![
            Column::new("user".into(), &r.user),
            Column::new("item".into(), &r.item),
            Column::new("rating".into(), &r.rating),
            Column::new("timestamp".into(), &r.timestamp),
        ],
    )
    .map_err(polars_err)
}

/// Number of ratings per value of `key` (only values that occur).
fn counts_by(frame: &DataFrame, key: &str) -> DataResult<Vec<f64>> {
    let other = if key == "user" { "item" } else { "user" };
    let grouped = frame
        .group_by([key])
        .map_err(polars_err)?
        .select([other])
        .count()
        .map_err(polars_err)?;
    let col = grouped
        .column(&format!("{other}_count"))
        .map_err(polars_err)?;
    let s = col
        .as_materialized_series()
        .cast(&DataType::Float64)
        .map_err(polars_err)?;
    Ok(s.f64().map_err(polars_err)?.into_no_null_iter().collect())
}

fn distribution(values: &[f64]) -> DataResult<Distribution> {
    let ca = Float64Chunked::from_slice("v".into(), values);
    let q = |p: f64| -> DataResult<f64> {
        Ok(ca
            .quantile(p, QuantileMethod::Linear)
            .map_err(polars_err)?
            .unwrap_or(0.0))
    };
    Ok(Distribution {
        min: ca.min().unwrap_or(0.0),
        q25: q(0.25)?,
        median: q(0.5)?,
        q75: q(0.75)?,
        q90: q(0.9)?,
        q99: q(0.99)?,
        max: ca.max().unwrap_or(0.0),
        mean: ca.mean().unwrap_or(0.0),
    })
}

fn long_tail(per_item: &[f64]) -> LongTail {
    let mut sorted = per_item.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let total: f64 = sorted.iter().sum();
    let head = ((sorted.len() as f64) * 0.2).ceil() as usize;
    let head_share = sorted[..head].iter().sum::<f64>() / total.max(1.0);
    // Smallest head that covers 80% of ratings; the rest is the tail.
    let mut acc = 0.0;
    let mut covering = sorted.len();
    for (k, c) in sorted.iter().enumerate() {
        acc += c;
        if acc >= 0.8 * total {
            covering = k + 1;
            break;
        }
    }
    LongTail {
        top20pct_items_rating_share: head_share,
        tail_items_share: (sorted.len() - covering) as f64 / sorted.len().max(1) as f64,
        items_under_10_ratings: sorted.iter().filter(|&&c| c < 10.0).count(),
    }
}

/// Computes the report.
pub fn analyse(d: &Dataset) -> DataResult<EdaReport> {
    let frame = ratings_frame(d)?;
    let n = d.ratings.len();
    let hist_frame = frame
        .group_by(["rating"])
        .map_err(polars_err)?
        .select(["user"])
        .count()
        .map_err(polars_err)?;
    let hist_frame = hist_frame
        .sort(["rating"], Default::default())
        .map_err(polars_err)?;
    let values = hist_frame
        .column("rating")
        .map_err(polars_err)?
        .f32()
        .map_err(polars_err)?
        .clone();
    let counts = hist_frame
        .column("user_count")
        .map_err(polars_err)?
        .as_materialized_series()
        .cast(&DataType::UInt64)
        .map_err(polars_err)?;
    let counts = counts.u64().map_err(polars_err)?;
    let histogram: Vec<HistogramBin> = values
        .into_no_null_iter()
        .zip(counts.into_no_null_iter())
        .map(|(rating, count)| HistogramBin {
            rating,
            count: count as usize,
            share: count as f64 / n as f64,
        })
        .collect();
    let rating_col = frame
        .column("rating")
        .map_err(polars_err)?
        .as_materialized_series()
        .cast(&DataType::Float64)
        .map_err(polars_err)?;
    let mean = rating_col.f64().map_err(polars_err)?.mean().unwrap_or(0.0);
    let positives = d
        .ratings
        .rating
        .iter()
        .filter(|&&r| r >= DEFAULT_POSITIVE_THRESHOLD)
        .count();
    let per_user = counts_by(&frame, "user")?;
    let per_item = counts_by(&frame, "item")?;
    let ts = frame
        .column("timestamp")
        .map_err(polars_err)?
        .i64()
        .map_err(polars_err)?
        .clone();
    let (first_ts, last_ts) = (ts.min().unwrap_or(0), ts.max().unwrap_or(0));

    let mut genre_movies = vec![0usize; d.genres.len()];
    for g in d.items.genres.iter().flatten() {
        genre_movies[*g as usize] += 1;
    }
    let mut genre_ratings = vec![0usize; d.genres.len()];
    for &i in &d.ratings.item {
        for &g in &d.items.genres[i as usize] {
            genre_ratings[g as usize] += 1;
        }
    }
    let mut genres: Vec<GenreCount> = d
        .genres
        .iter()
        .enumerate()
        .map(|(g, name)| GenreCount {
            genre: name.clone(),
            movies: genre_movies[g],
            ratings: genre_ratings[g],
        })
        .collect();
    genres.sort_by(|a, b| b.movies.cmp(&a.movies).then_with(|| a.genre.cmp(&b.genre)));

    let years = d.items.years.iter().flatten().copied();
    let release_years = years.clone().min().zip(years.max());
    Ok(EdaReport {
        dataset: d.name.clone(),
        folder: d.dir.display().to_string(),
        counts: Counts {
            users: d.n_users(),
            items: d.n_items(),
            items_rated: per_item.len(),
            ratings: n,
            genres: d.genres.len(),
        },
        sparsity: 1.0 - n as f64 / (d.n_users() as f64 * d.n_items() as f64),
        ratings: RatingStats {
            scale: (d.scale.min, d.scale.max),
            mean,
            histogram,
            positives,
            positive_share: positives as f64 / n as f64,
        },
        ratings_per_user: distribution(&per_user)?,
        ratings_per_item: distribution(&per_item)?,
        long_tail: long_tail(&per_item),
        twins: super::twins::Twins::detect(d).describe(d),
        genres,
        demographics: demographics(d),
        time_range: TimeRange {
            first: iso_date(first_ts),
            last: iso_date(last_ts),
            first_timestamp: first_ts,
            last_timestamp: last_ts,
        },
        release_years,
        skipped_lines: d.skipped.count,
    })
}

fn demographics(d: &Dataset) -> DemographicCounts {
    let Some(demo) = &d.users.demographics else {
        return DemographicCounts {
            available: false,
            note: Some(format!(
                "{} has no user demographics (gender, age, occupation are not recorded)",
                d.name
            )),
            gender: vec![],
            age: vec![],
            occupation: vec![],
        };
    };
    let count = |labels: Vec<String>, of: &dyn Fn(usize) -> usize| -> Vec<LabelCount> {
        let mut c = vec![0usize; labels.len()];
        for u in 0..d.n_users() {
            c[of(u)] += 1;
        }
        labels
            .into_iter()
            .zip(c)
            .map(|(label, users)| LabelCount { label, users })
            .collect()
    };
    DemographicCounts {
        available: true,
        note: None,
        gender: count(vec!["F".into(), "M".into()], &|u| {
            usize::from(demo.gender[u] == super::dataset::Gender::M)
        }),
        age: count(
            AGE_BUCKETS.iter().map(|b| b.1.to_string()).collect(),
            &|u| demo.age_bucket[u] as usize,
        ),
        occupation: count(demo.occupations.clone(), &|u| demo.occupation[u] as usize),
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix timestamp.
pub fn iso_date(ts: i64) -> String {
    let days = ts.div_euclid(86_400);
    // Civil-from-days (H. Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

impl EdaReport {
    /// A readable multi-line summary for the terminal.
    pub fn summary(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let c = &self.counts;
        let _ = writeln!(s, "Dataset {} ({})", self.dataset, self.folder);
        let _ = writeln!(
            s,
            "  {} ratings by {} users on {} movies ({} rated), {} genres; sparsity {:.2}%",
            c.ratings,
            c.users,
            c.items,
            c.items_rated,
            c.genres,
            100.0 * self.sparsity
        );
        let years = self
            .release_years
            .map_or("unknown".to_string(), |(a, b)| format!("{a}..{b}"));
        let _ = writeln!(
            s,
            "  rated {} .. {}; release years {years}",
            self.time_range.first, self.time_range.last
        );
        let _ = writeln!(
            s,
            "  {} title{} under more than one movie id (served lists show each once){}",
            self.twins.len(),
            if self.twins.len() == 1 { "" } else { "s" },
            if self.twins.is_empty() {
                String::new()
            } else {
                let shown: Vec<String> = self
                    .twins
                    .iter()
                    .take(3)
                    .map(|t| format!("{} {:?}", t.title, t.movie_ids))
                    .collect();
                format!(
                    ": {}{}",
                    shown.join(", "),
                    if self.twins.len() > 3 { ", …" } else { "" }
                )
            }
        );
        let _ = writeln!(
            s,
            "Ratings (mean {:.3}; {:.1}% are positives >= 4)",
            self.ratings.mean,
            100.0 * self.ratings.positive_share
        );
        for b in &self.ratings.histogram {
            let bar = "#".repeat((b.share * 100.0).round() as usize);
            let _ = writeln!(
                s,
                "  {:>4} {:>9} {:>5.1}% {bar}",
                b.rating,
                b.count,
                100.0 * b.share
            );
        }
        for (name, d) in [
            ("user", &self.ratings_per_user),
            ("movie", &self.ratings_per_item),
        ] {
            let _ = writeln!(
                s,
                "Ratings per {name}: min {} | q25 {} | median {} | q75 {} | q90 {} | q99 {} | max {} (mean {:.1})",
                num(d.min),
                num(d.q25),
                num(d.median),
                num(d.q75),
                num(d.q90),
                num(d.q99),
                num(d.max),
                d.mean
            );
        }
        let lt = &self.long_tail;
        let _ = writeln!(
            s,
            "Long tail: the top 20% of movies get {:.1}% of ratings; {:.1}% of rated movies share the last 20%; {} movies have < 10 ratings",
            100.0 * lt.top20pct_items_rating_share,
            100.0 * lt.tail_items_share,
            lt.items_under_10_ratings
        );
        let _ = writeln!(s, "Genres (movies / ratings):");
        for g in &self.genres {
            let _ = writeln!(s, "  {:<20} {:>6} {:>9}", g.genre, g.movies, g.ratings);
        }
        let d = &self.demographics;
        if d.available {
            for (name, rows) in [
                ("Gender", &d.gender),
                ("Age", &d.age),
                ("Occupation", &d.occupation),
            ] {
                let parts: Vec<String> = rows
                    .iter()
                    .map(|r| format!("{} {}", r.label, r.users))
                    .collect();
                let _ = writeln!(s, "{name}: {}", parts.join(", "));
            }
        } else if let Some(note) = &d.note {
            let _ = writeln!(s, "Demographics: {note}");
        }
        if self.skipped_lines > 0 {
            let _ = writeln!(s, "Skipped lines (--lenient): {}", self.skipped_lines);
        }
        s
    }
}

/// A number for the summary: whole numbers without decimals, others with one.
fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(874_724_710), "1997-09-20");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
    }

    #[test]
    fn tail() {
        let lt = long_tail(&[50.0, 30.0, 10.0, 5.0, 5.0]);
        assert!((lt.top20pct_items_rating_share - 0.5).abs() < 1e-12);
        assert!((lt.tail_items_share - 0.6).abs() < 1e-12);
        assert_eq!(lt.items_under_10_ratings, 2);
    }
}
