//! Movie files: `u.item` (ML-100K), `movies.dat` (ML-1M, ML-10M) and `movies.csv` (ML-20M and later).

use std::collections::{BTreeSet, HashSet};

use super::users::MAX_LABELS;
use crate::data::dataset::{year_from_title, Items};
use crate::data::error::{DataError, DataResult};
use crate::data::text::Skipped;
use crate::data::text::{parse_u32, split_csv, split_fields, Encoding, Line, TextFile};

/// ML-100K's genre columns, in `u.genre` order (used when `u.genre` is absent).
pub const ML100K_GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// Items plus the genre vocabulary they index.
pub struct ParsedItems {
    pub items: Items,
    pub genres: Vec<String>,
    /// Line of each movie in its file (for messages about a line found broken later).
    pub lines: Vec<usize>,
}

struct ItemsBuilder {
    items: Items,
    lines: Vec<usize>,
    seen: HashSet<u32>,
}

impl ItemsBuilder {
    fn new() -> Self {
        ItemsBuilder {
            items: Items::default(),
            lines: Vec::new(),
            seen: HashSet::new(),
        }
    }

    fn push(
        &mut self,
        line: &Line<'_>,
        file: &TextFile,
        id: u32,
        title: String,
        year: Option<u16>,
        genres: Vec<u16>,
    ) -> DataResult<()> {
        if !self.seen.insert(id) {
            return Err(line.error(&file.path, format!("duplicate movie id {id}")));
        }
        self.items.ids.push(id);
        self.lines.push(line.number);
        self.items.titles.push(title);
        self.items.years.push(year);
        self.items.genres.push(genres);
        Ok(())
    }
}

fn handle(result: DataResult<()>, lenient: bool, skipped: &mut Skipped) -> DataResult<()> {
    match result {
        Err(e) if lenient => {
            skipped.record(e.to_string());
            Ok(())
        }
        other => other,
    }
}

/// Reads `u.genre` (`name|index` lines) into the vocabulary, or the fixed list when absent.
pub fn parse_u_genre(file: Option<&TextFile>) -> DataResult<Vec<String>> {
    let Some(file) = file else {
        return Ok(ML100K_GENRES.iter().map(|s| s.to_string()).collect());
    };
    let mut genres: Vec<(u32, String)> = Vec::new();
    for line in file.lines() {
        if genres.len() >= MAX_LABELS {
            return Err(line.error(
                &file.path,
                format!("more than {MAX_LABELS} genres; whyrec reads at most {MAX_LABELS}"),
            ));
        }
        let text = line.decode(&file.path, Encoding::Latin1)?;
        let fields: Vec<&str> = text.split('|').collect();
        if fields.len() != 2 {
            return Err(line.error(
                &file.path,
                format!("expected `genre|index`, found {} fields", fields.len()),
            ));
        }
        let idx = parse_u32(fields[1].as_bytes(), "genre index")
            .map_err(|m| line.error(&file.path, m))?;
        genres.push((idx, fields[0].to_string()));
    }
    genres.sort();
    if genres
        .iter()
        .enumerate()
        .any(|(i, (idx, _))| *idx as usize != i)
        || genres.is_empty()
    {
        return Err(DataError::file(
            &file.path,
            "expected genre indices 0, 1, 2, … without gaps",
        ));
    }
    Ok(genres.into_iter().map(|(_, g)| g).collect())
}

/// `u.item`: `id|title|release date|video release date|IMDb URL|` then one 0/1 flag per genre.
pub fn parse_u_item(
    file: &TextFile,
    genres: Vec<String>,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<ParsedItems> {
    let mut b = ItemsBuilder::new();
    let n_fields = 5 + genres.len();
    for line in file.lines() {
        let r = (|| {
            let text = line.decode(&file.path, Encoding::Latin1)?;
            let fields: Vec<&str> = text.split('|').collect();
            if fields.len() != n_fields {
                return Err(line.error(
                    &file.path,
                    format!("expected {n_fields} fields (id, title, release date, video date, URL, {} genre flags), found {}", genres.len(), fields.len()),
                ));
            }
            let id = parse_u32(fields[0].as_bytes(), "movie id")
                .map_err(|m| line.error(&file.path, m))?;
            let title = fields[1].trim().to_string();
            let year = year_from_title(&title).or_else(|| {
                fields[2]
                    .rsplit('-')
                    .next()
                    .and_then(|y| y.parse::<u16>().ok())
                    .filter(|y| (1870..=2100).contains(y))
            });
            let mut g = Vec::new();
            for (k, flag) in fields[5..].iter().enumerate() {
                match flag.trim() {
                    "1" => g.push(k as u16),
                    "0" => {}
                    other => {
                        return Err(line.error(
                            &file.path,
                            format!(
                                "genre flag {} ({}): expected 0 or 1, found {other:?}",
                                k + 1,
                                genres[k]
                            ),
                        ))
                    }
                }
            }
            b.push(&line, file, id, title, year, g)
        })();
        handle(r, lenient, skipped)?;
    }
    finish(file, b, genres)
}

/// `movies.dat`: `id::title::Genre|Genre`.
pub fn parse_movies_dat(
    file: &TextFile,
    encoding: Encoding,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<ParsedItems> {
    let mut rows = Vec::new();
    for line in file.lines() {
        let r = (|| {
            let fields = split_fields(line.bytes, b"::");
            if fields.len() != 3 {
                return Err(line.error(
                    &file.path,
                    format!(
                        "expected 3 fields `id::title::genres`, found {}",
                        fields.len()
                    ),
                ));
            }
            let id = parse_u32(fields[0], "movie id").map_err(|m| line.error(&file.path, m))?;
            let decoded = Line {
                bytes: fields[1],
                ..line
            }
            .decode(&file.path, encoding)?
            .trim()
            .to_string();
            let genres = Line {
                bytes: fields[2],
                ..line
            }
            .decode(&file.path, encoding)?
            .into_owned();
            rows.push((line, id, decoded, genres));
            Ok(())
        })();
        handle(r, lenient, skipped)?;
    }
    build_from_genre_strings(file, rows, lenient, skipped)
}

/// `movies.csv`: header `movieId,title,genres`, titles quoted when they contain commas.
pub fn parse_movies_csv(
    file: &TextFile,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<ParsedItems> {
    let mut lines = file.lines();
    let header = lines.next().ok_or_else(|| {
        DataError::file(
            &file.path,
            "empty file; expected the header `movieId,title,genres`",
        )
    })?;
    let h = header.decode(&file.path, Encoding::Utf8)?;
    if h.trim() != "movieId,title,genres" {
        return Err(header.error(
            &file.path,
            format!("expected the header `movieId,title,genres`, found `{h}`"),
        ));
    }
    let mut rows = Vec::new();
    for line in lines {
        let r = (|| {
            let text = line.decode(&file.path, Encoding::Utf8)?;
            let fields = split_csv(&text).map_err(|m| line.error(&file.path, m))?;
            if fields.len() != 3 {
                return Err(line.error(
                    &file.path,
                    format!(
                        "expected 3 fields `movieId,title,genres`, found {}",
                        fields.len()
                    ),
                ));
            }
            let id = parse_u32(fields[0].as_bytes(), "movie id")
                .map_err(|m| line.error(&file.path, m))?;
            rows.push((
                line,
                id,
                fields[1].trim().to_string(),
                fields[2].to_string(),
            ));
            Ok(())
        })();
        handle(r, lenient, skipped)?;
    }
    build_from_genre_strings(file, rows, lenient, skipped)
}

fn build_from_genre_strings(
    file: &TextFile,
    rows: Vec<(Line<'_>, u32, String, String)>,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<ParsedItems> {
    let mut vocab: BTreeSet<&str> = BTreeSet::new();
    for (line, _, _, genre_field) in &rows {
        for name in genre_names(genre_field) {
            if vocab.insert(name) && vocab.len() > MAX_LABELS {
                return Err(line.error(
                    &file.path,
                    format!(
                        "genre {name:?} would be distinct genre number {}; whyrec reads at most {MAX_LABELS}",
                        vocab.len()
                    ),
                ));
            }
        }
    }
    let genres: Vec<String> = vocab.iter().map(|s| s.to_string()).collect();
    let mut b = ItemsBuilder::new();
    for (line, id, title, genre_field) in &rows {
        let mut g: Vec<u16> = genre_names(genre_field)
            .map(|n| genres.binary_search_by(|x| x.as_str().cmp(n)).unwrap_or(0) as u16)
            .collect();
        g.sort_unstable();
        g.dedup();
        let year = year_from_title(title);
        handle(
            b.push(line, file, *id, title.clone(), year, g),
            lenient,
            skipped,
        )?;
    }
    finish(file, b, genres)
}

fn genre_names(field: &str) -> impl Iterator<Item = &str> {
    field
        .split('|')
        .map(str::trim)
        .filter(|g| !g.is_empty() && *g != "(no genres listed)")
}

fn finish(file: &TextFile, b: ItemsBuilder, genres: Vec<String>) -> DataResult<ParsedItems> {
    if b.items.ids.is_empty() {
        return Err(DataError::file(&file.path, "no movies found"));
    }
    Ok(ParsedItems {
        items: b.items,
        genres,
        lines: b.lines,
    })
}
