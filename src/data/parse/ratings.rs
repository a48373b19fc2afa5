//! The ratings file of every layout, parsed in parallel chunks: `user<sep>item<sep>rating<sep>timestamp`.

use std::path::Path;

use rayon::prelude::*;

use crate::data::error::{DataError, DataResult};
use crate::data::registry::RatingScale;
use crate::data::text::Skipped;
use crate::data::text::{lines_of, parse_f32, parse_i64, parse_u32, split_fields, Line, TextFile};

/// Ratings with the dataset's own ids, in file order.
#[derive(Debug, Default)]
pub struct RawRatings {
    pub user: Vec<u32>,
    pub item: Vec<u32>,
    pub rating: Vec<f32>,
    pub timestamp: Vec<i64>,
    /// Line number of each row in the file (for messages about rows found bad later).
    pub line: Vec<u32>,
}

impl RawRatings {
    fn append(&mut self, mut other: RawRatings) {
        self.user.append(&mut other.user);
        self.item.append(&mut other.item);
        self.rating.append(&mut other.rating);
        self.timestamp.append(&mut other.timestamp);
        self.line.append(&mut other.line);
    }
}

/// What a ratings file looks like.
pub struct RatingsFormat<'a> {
    pub sep: &'a [u8],
    /// Expected header line (CSV), checked and skipped.
    pub header: Option<&'a str>,
    pub scale: RatingScale,
}

const CHUNK_BYTES: usize = 8 << 20;

/// Parses the whole file. Strict by default: the first bad line is an error. Lenient: bad lines
/// are skipped and counted in `skipped`.
pub fn parse_ratings(
    file: &TextFile,
    format: &RatingsFormat<'_>,
    lenient: bool,
    skipped: &mut Skipped,
) -> DataResult<RawRatings> {
    let path = file.path.as_path();
    let mut body = file
        .bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(&file.bytes);
    let mut first_line = 1;
    if let Some(expected) = format.header {
        let header = lines_of(body, 1).next().ok_or_else(|| {
            DataError::file(
                path,
                format!("empty file; expected the header `{expected}`"),
            )
        })?;
        let found = String::from_utf8_lossy(header.bytes);
        if found.trim() != expected {
            return Err(header.error(
                path,
                format!("expected the header `{expected}`, found `{found}`"),
            ));
        }
        let consumed = header.bytes.as_ptr() as usize - body.as_ptr() as usize + header.bytes.len();
        let next = body[consumed..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |p| consumed + p + 1);
        first_line = header.number + 1;
        body = &body[next..];
    }
    let chunks = chunk_at_newlines(body, CHUNK_BYTES);
    // Line number at which each chunk starts.
    let newline_counts: Vec<usize> = chunks
        .par_iter()
        .map(|c| c.iter().filter(|&&b| b == b'\n').count())
        .collect();
    let mut starts = Vec::with_capacity(chunks.len());
    let mut n = first_line;
    for c in &newline_counts {
        starts.push(n);
        n += c;
    }
    let parsed: Vec<(RawRatings, Skipped, Option<DataError>)> = chunks
        .par_iter()
        .zip(starts)
        .map(|(chunk, start)| parse_chunk(path, chunk, start, format, lenient))
        .collect();
    let mut out = RawRatings::default();
    let total: usize = parsed.iter().map(|p| p.0.user.len()).sum();
    out.user.reserve_exact(total);
    out.item.reserve_exact(total);
    out.rating.reserve_exact(total);
    out.timestamp.reserve_exact(total);
    out.line.reserve_exact(total);
    for (part, skip, err) in parsed {
        if let Some(e) = err {
            return Err(e);
        }
        skipped.count += skip.count;
        for ex in skip.examples {
            if skipped.examples.len() < 5 {
                skipped.examples.push(ex);
            }
        }
        out.append(part);
    }
    if out.user.is_empty() {
        return Err(DataError::file(
            path,
            "no ratings found; expected lines `user, item, rating, timestamp`",
        ));
    }
    Ok(out)
}

fn chunk_at_newlines(body: &[u8], target: usize) -> Vec<&[u8]> {
    let mut chunks = Vec::new();
    let mut rest = body;
    while rest.len() > target {
        let cut = match rest[target..].iter().position(|&b| b == b'\n') {
            Some(p) => target + p + 1,
            None => rest.len(),
        };
        chunks.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    if !rest.is_empty() {
        chunks.push(rest);
    }
    chunks
}

fn parse_chunk(
    path: &Path,
    chunk: &[u8],
    start: usize,
    format: &RatingsFormat<'_>,
    lenient: bool,
) -> (RawRatings, Skipped, Option<DataError>) {
    let mut out = RawRatings::default();
    let mut skipped = Skipped::default();
    let cap = chunk.len() / 20;
    out.user.reserve(cap);
    out.item.reserve(cap);
    out.rating.reserve(cap);
    out.timestamp.reserve(cap);
    out.line.reserve(cap);
    for line in lines_of(chunk, start) {
        match parse_line(&line, format) {
            Ok((u, i, r, t)) => {
                out.user.push(u);
                out.item.push(i);
                out.rating.push(r);
                out.timestamp.push(t);
                out.line
                    .push(u32::try_from(line.number).unwrap_or(u32::MAX));
            }
            Err(message) => {
                let err = line.error(path, message);
                if lenient {
                    skipped.record(err.to_string());
                } else {
                    return (out, skipped, Some(err));
                }
            }
        }
    }
    (out, skipped, None)
}

fn parse_line(line: &Line<'_>, format: &RatingsFormat<'_>) -> Result<(u32, u32, f32, i64), String> {
    let fields = split_fields(line.bytes, format.sep);
    if fields.len() != 4 {
        return Err(format!(
            "expected 4 fields (user, item, rating, timestamp) separated by {:?}, found {}",
            String::from_utf8_lossy(format.sep),
            fields.len()
        ));
    }
    let user = parse_u32(fields[0], "user id")?;
    let item = parse_u32(fields[1], "movie id")?;
    let rating = parse_f32(fields[2], "rating")?;
    if !format.scale.contains(rating) {
        return Err(format!(
            "rating {rating} is outside the scale {}..{} in steps of {}",
            format.scale.min, format.scale.max, format.scale.step
        ));
    }
    let timestamp = parse_i64(fields[3], "timestamp")?;
    Ok((user, item, rating, timestamp))
}
