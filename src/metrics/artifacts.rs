//! The capstone's tabular artifacts, as parquet (through polars):
//!
//! * `recommendations.parquet` — every user's top-k: `user_id`, `rank` (1-based), `movie_id`,
//!   `title`, `score` (the ranking model's), `predicted_rating` (the rating model's, clipped to the
//!   dataset's scale), `source` (`model`, or `popularity-fallback` for a user without likes). The
//!   lists are what `whyrec recommend` serves: [`Candidates::serve`] under the served rule (no movie
//!   the user rated, no twin of one, no title twice).
//! * `movie_map.parquet` — `item_index` (whyrec's dense index), `movie_id`, `title`, `year`,
//!   `genres` (pipe-separated), `ratings` and `likes` (counts in the dataset).
//!
//! Rows come out in a fixed order (user index, then rank; item index), so equal inputs give equal
//! files. Files are written to a temporary name and renamed, so nothing partial is left.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

use crate::data::interactions::Positives;
use crate::data::split::write_atomically;
use crate::data::{DataError, DataResult, Dataset};
use crate::engine::rank::Served;
use crate::engine::rating::RatingModel;
use crate::engine::{Candidates, Scorer};

fn polars_err(e: PolarsError) -> DataError {
    DataError::other(format!("polars: {e}"))
}

/// Every user's served top `k` under `scorer` (see [`Candidates::serve`]); `likes` are the
/// positives the scorer was trained on.
pub fn top_lists(
    candidates: &Candidates,
    scorer: &dyn Scorer,
    likes: &Positives,
    k: usize,
) -> Vec<Served> {
    let popularity = popularity_of(likes);
    (0..candidates.n_users() as u32)
        .into_par_iter()
        .map(|u| {
            let n_likes = likes.by_user.row_len(u as usize);
            candidates.serve(scorer, u, n_likes, &popularity, k)
        })
        .collect()
}

/// Likes per item: what the popularity fallback ranks by.
pub fn popularity_of(likes: &Positives) -> Vec<f32> {
    likes.likes_per_item_f32()
}

/// The `recommendations.parquet` table for the lists of [`top_lists`].
pub fn recommendations_frame(
    dataset: &Dataset,
    lists: &[Served],
    rating: &dyn RatingModel,
) -> DataResult<DataFrame> {
    let n: usize = lists.iter().map(|l| l.items.len()).sum();
    let mut user_id = Vec::with_capacity(n);
    let mut rank = Vec::with_capacity(n);
    let mut movie_id = Vec::with_capacity(n);
    let mut title = Vec::with_capacity(n);
    let mut score = Vec::with_capacity(n);
    let mut predicted = Vec::with_capacity(n);
    let mut source = Vec::with_capacity(n);
    for (u, list) in lists.iter().enumerate() {
        for (r, &(item, s)) in list.items.iter().enumerate() {
            source.push(list.source.tag());
            user_id.push(dataset.user_id(u as u32));
            rank.push(r as u32 + 1);
            movie_id.push(dataset.item_id(item));
            title.push(dataset.items.titles[item as usize].as_str());
            score.push(s);
            predicted.push(dataset.scale.clip(rating.predict(u as u32, item)));
        }
    }
    DataFrame::new(
        n,
        vec![
            Column::new("user_id".into(), user_id),
            Column::new("rank".into(), rank),
            Column::new("movie_id".into(), movie_id),
            Column::new("title".into(), title),
            Column::new("score".into(), score),
            Column::new("predicted_rating".into(), predicted),
            Column::new("source".into(), source),
        ],
    )
    .map_err(polars_err)
}

/// The `movie_map.parquet` table: whyrec's item index ↔ the dataset's movie id, with titles.
pub fn movie_map_frame(dataset: &Dataset, likes: &Positives) -> DataResult<DataFrame> {
    let n = dataset.n_items();
    let mut ratings = vec![0u32; n];
    for &i in &dataset.ratings.item {
        ratings[i as usize] += 1;
    }
    let liked: Vec<u32> = likes
        .likes_per_item()
        .into_iter()
        .map(|n| n as u32)
        .collect();
    let genres: Vec<String> = (0..n as u32).map(|i| dataset.genre_label(i)).collect();
    DataFrame::new(
        n,
        vec![
            Column::new("item_index".into(), (0..n as u32).collect::<Vec<u32>>()),
            Column::new("movie_id".into(), &dataset.items.ids),
            Column::new("title".into(), &dataset.items.titles),
            Column::new(
                "year".into(),
                dataset
                    .items
                    .years
                    .iter()
                    .map(|y| y.map(u32::from))
                    .collect::<Vec<Option<u32>>>(),
            ),
            Column::new("genres".into(), genres),
            Column::new("ratings".into(), ratings),
            Column::new("likes".into(), liked),
        ],
    )
    .map_err(polars_err)
}

/// Writes `frame` as parquet at `path` (temporary file, then rename).
pub fn write_parquet(path: &Path, frame: &mut DataFrame) -> DataResult<()> {
    write_atomically(path, |w| {
        ParquetWriter::new(w)
            .finish(frame)
            .map(|_| ())
            .map_err(|e| std::io::Error::other(e.to_string()))
    })
}

/// Reads a parquet file back (used by tests and for checks).
pub fn read_parquet(path: &Path) -> DataResult<DataFrame> {
    let file = File::open(path).map_err(|e| DataError::io(path, e))?;
    ParquetReader::new(file).finish().map_err(polars_err)
}
