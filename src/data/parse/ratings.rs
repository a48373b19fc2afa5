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
    // Line number at which each chunk starts; a chunk holds at most its newlines + 1 rows.
    let newline_counts: Vec<usize> = chunks
        .par_iter()
        .map(|c| c.iter().filter(|&&b| b == b'\n').count())
        .collect();
    let mut starts = Vec::with_capacity(chunks.len());
    let mut capacities = Vec::with_capacity(chunks.len());
    let mut n = first_line;
    for (chunk, c) in chunks.iter().zip(&newline_counts) {
        starts.push(n);
        capacities.push(c + usize::from(!chunk.ends_with(b"\n")));
        n += c;
    }
    // Every chunk writes its rows straight into its own window of the output (no copy after).
    let total: usize = capacities.iter().sum();
    let mut out = RawRatings {
        user: vec![0; total],
        item: vec![0; total],
        rating: vec![0.0; total],
        timestamp: vec![0; total],
        line: vec![0; total],
    };
    let mut windows = Vec::with_capacity(chunks.len());
    {
        let (mut u, mut i, mut r, mut t, mut l) = (
            &mut out.user[..],
            &mut out.item[..],
            &mut out.rating[..],
            &mut out.timestamp[..],
            &mut out.line[..],
        );
        for &cap in &capacities {
            let (u0, u1) = u.split_at_mut(cap);
            let (i0, i1) = i.split_at_mut(cap);
            let (r0, r1) = r.split_at_mut(cap);
            let (t0, t1) = t.split_at_mut(cap);
            let (l0, l1) = l.split_at_mut(cap);
            windows.push(Rows {
                user: u0,
                item: i0,
                rating: r0,
                timestamp: t0,
                line: l0,
            });
            (u, i, r, t, l) = (u1, i1, r1, t1, l1);
        }
    }
    let parsed: Vec<(usize, Skipped, Option<DataError>)> = windows
        .into_par_iter()
        .zip(chunks.par_iter())
        .zip(starts)
        .map(|((rows, chunk), start)| parse_chunk(path, chunk, start, format, lenient, rows))
        .collect();
    // Rows kept per chunk; blank or skipped lines leave the end of a window unused.
    let mut kept = 0;
    let mut window_start = 0;
    for ((written, skip, err), cap) in parsed.into_iter().zip(&capacities) {
        if let Some(e) = err {
            return Err(e);
        }
        skipped.count += skip.count;
        for ex in skip.examples {
            if skipped.examples.len() < 5 {
                skipped.examples.push(ex);
            }
        }
        if kept != window_start {
            let from = window_start..window_start + written;
            out.user.copy_within(from.clone(), kept);
            out.item.copy_within(from.clone(), kept);
            out.rating.copy_within(from.clone(), kept);
            out.timestamp.copy_within(from.clone(), kept);
            out.line.copy_within(from, kept);
        }
        kept += written;
        window_start += cap;
    }
    out.user.truncate(kept);
    out.item.truncate(kept);
    out.rating.truncate(kept);
    out.timestamp.truncate(kept);
    out.line.truncate(kept);
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

/// One chunk's window of the output columns.
struct Rows<'a> {
    user: &'a mut [u32],
    item: &'a mut [u32],
    rating: &'a mut [f32],
    timestamp: &'a mut [i64],
    line: &'a mut [u32],
}

/// Parses `chunk` into `rows`; returns the number of rows written.
fn parse_chunk(
    path: &Path,
    chunk: &[u8],
    start: usize,
    format: &RatingsFormat<'_>,
    lenient: bool,
    rows: Rows<'_>,
) -> (usize, Skipped, Option<DataError>) {
    let mut skipped = Skipped::default();
    let mut n = 0;
    for line in lines_of(chunk, start) {
        let parsed = match parse_line_fast(line.bytes, format) {
            Some(row) => Ok(row),
            None => parse_line(&line, format),
        };
        match parsed {
            Ok((u, i, r, t)) => {
                // A window holds every line of its chunk, so `n` stays in bounds.
                rows.user[n] = u;
                rows.item[n] = i;
                rows.rating[n] = r;
                rows.timestamp[n] = t;
                rows.line[n] = u32::try_from(line.number).unwrap_or(u32::MAX);
                n += 1;
            }
            Err(message) => {
                let err = line.error(path, message);
                if lenient {
                    skipped.record(err.to_string());
                } else {
                    return (n, skipped, Some(err));
                }
            }
        }
    }
    (n, skipped, None)
}

/// The common line — plain digits, a rating with at most six decimals, no spaces — read without
/// allocating. `None` hands the line to [`parse_line`], which accepts the rest and words the
/// errors; where both accept a line they give the same values (tested).
fn parse_line_fast(bytes: &[u8], format: &RatingsFormat<'_>) -> Option<(u32, u32, f32, i64)> {
    let mut at = 0;
    let user = digits(bytes, &mut at, 9)? as u32;
    separator(bytes, &mut at, format.sep)?;
    let item = digits(bytes, &mut at, 9)? as u32;
    separator(bytes, &mut at, format.sep)?;
    let whole = digits(bytes, &mut at, 6)?;
    let mut numerator = whole;
    let mut scale = 1u64;
    if bytes.get(at) == Some(&b'.') {
        at += 1;
        let from = at;
        let fraction = digits(bytes, &mut at, 6)?;
        for _ in from..at {
            scale *= 10;
        }
        numerator = whole.checked_mul(scale)?.checked_add(fraction)?;
    }
    // Both below 2^24 are exact in f32, so the quotient is the correctly rounded decimal: the
    // value `str::parse::<f32>` gives.
    if numerator >= 1 << 24 {
        return None;
    }
    let rating = numerator as f32 / scale as f32;
    if !format.scale.contains(rating) {
        return None;
    }
    separator(bytes, &mut at, format.sep)?;
    let timestamp = digits(bytes, &mut at, 18)? as i64;
    (at == bytes.len()).then_some((user, item, rating, timestamp))
}

/// At least one and at most `max` ASCII digits from `at`.
fn digits(bytes: &[u8], at: &mut usize, max: usize) -> Option<u64> {
    let from = *at;
    let mut value = 0u64;
    while let Some(&b) = bytes.get(*at) {
        if !b.is_ascii_digit() || *at - from == max {
            break;
        }
        value = value * 10 + u64::from(b - b'0');
        *at += 1;
    }
    let n = *at - from;
    // More digits than `max` (a long number): the slow path decides.
    (n > 0 && bytes.get(*at).is_none_or(|b| !b.is_ascii_digit())).then_some(value)
}

fn separator(bytes: &[u8], at: &mut usize, sep: &[u8]) -> Option<()> {
    let end = *at + sep.len();
    // Byte by byte: a slice comparison of a length known only at run time is a call to memcmp.
    let found = bytes.get(*at..end)?;
    found
        .iter()
        .zip(sep)
        .all(|(a, b)| a == b)
        .then(|| *at = end)
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn format(sep: &[u8]) -> RatingsFormat<'_> {
        RatingsFormat {
            sep,
            header: None,
            scale: RatingScale {
                min: 0.5,
                max: 5.0,
                step: 0.5,
            },
        }
    }

    fn field() -> impl Strategy<Value = String> {
        prop_oneof![
            "[0-9]{1,12}",
            "[0-9]{1,3}\\.[0-9]{0,8}",
            " ?[0-9]{1,4} ?",
            "[-+]?[0-9]{1,5}",
            "[0-9.eE+-]{1,6}",
            Just(String::new()),
        ]
    }

    proptest! {
        /// Wherever the fast path accepts a line, the general parser accepts it with the same
        /// values; and every line the general parser accepts in the common form, the fast path
        /// accepts too (checked on the plain forms).
        #[test]
        fn fast_path_agrees_with_the_general_parser(
            fields in proptest::collection::vec(field(), 3..6),
            sep in prop_oneof![Just("::"), Just(","), Just("\t")],
        ) {
            let text = fields.join(sep);
            let line = Line { number: 7, bytes: text.as_bytes(), terminated: true };
            let format = format(sep.as_bytes());
            if let Some(fast) = parse_line_fast(line.bytes, &format) {
                let slow = parse_line(&line, &format);
                prop_assert_eq!(Ok(fast), slow, "{}", text);
            }
        }

        #[test]
        fn fast_path_takes_the_common_lines(
            user in 0u32..1_000_000_000,
            item in 0u32..1_000_000_000,
            halves in 1u32..=10,
            timestamp in 0i64..100_000_000_000,
        ) {
            let rating = halves as f32 / 2.0;
            let text = format!("{user}::{item}::{rating}::{timestamp}");
            let format = format(b"::");
            let fast = parse_line_fast(text.as_bytes(), &format);
            prop_assert_eq!(fast, Some((user, item, rating, timestamp)));
        }
    }
}
