//! Reading untrusted text files line by line: bounded reads, line numbers, encodings, field splitting
//! (plain separators and RFC 4180 quoting) and number parsing with messages that say what was expected.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use super::error::{DataError, DataResult};

/// Largest data file whyrec reads (ML-32M's ratings.csv is ~0.9 GB).
pub const MAX_FILE_BYTES: u64 = 4 << 30;

/// Why [`read_regular_file`] read nothing.
#[derive(Debug)]
pub enum BoundedRead {
    NotFound(std::io::Error),
    /// A folder, FIFO (opening it would block for ever), device (`/dev/zero` would read until
    /// memory runs out) or socket.
    NotRegular,
    /// The file's length in bytes, over the limit.
    TooLarge(u64),
    Io(std::io::Error),
}

/// Reads a whole file from outside: only a regular file (checked before opening, so a FIFO never
/// blocks, and again on the open handle, in case it was swapped), at most `max_bytes`, and never
/// more bytes than it had when it was opened. Data files and model files are both read this way.
pub fn read_regular_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>, BoundedRead> {
    use std::io::Read;
    let io = |e: std::io::Error| match e.kind() {
        std::io::ErrorKind::NotFound => BoundedRead::NotFound(e),
        _ => BoundedRead::Io(e),
    };
    if !std::fs::metadata(path).map_err(io)?.is_file() {
        return Err(BoundedRead::NotRegular);
    }
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(BoundedRead::NotRegular);
    }
    if meta.len() > max_bytes {
        return Err(BoundedRead::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(meta.len()).read_to_end(&mut bytes).map_err(io)?;
    Ok(bytes)
}

/// Offset of the first NUL byte: blocks searched in parallel (`contains` is core's word-wise
/// memchr), the first block holding one searched byte by byte.
fn first_nul(bytes: &[u8]) -> Option<usize> {
    use rayon::prelude::*;
    const BLOCK: usize = 1 << 20;
    let block = bytes.par_chunks(BLOCK).position_first(|c| c.contains(&0))?;
    let from = block * BLOCK;
    bytes[from..].iter().position(|&b| b == 0).map(|p| from + p)
}

/// How the bytes of a file are to be turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// ISO-8859-1: every byte is one character.
    Latin1,
    /// Strict UTF-8.
    Utf8,
    /// UTF-8 where valid, else ISO-8859-1 (files whose encoding GroupLens never stated).
    Utf8OrLatin1,
}

/// A whole file in memory, with its path for error messages.
pub struct TextFile {
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// One line of a file: 1-based number, bytes without the line ending, and whether a newline ended it.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub number: usize,
    pub bytes: &'a [u8],
    pub terminated: bool,
}

impl TextFile {
    /// Reads `path`, refusing a missing file, a file that is not regular, a file over
    /// `MAX_FILE_BYTES`, UTF-16 text and NUL bytes.
    pub fn read(path: &Path) -> DataResult<TextFile> {
        let bytes = read_regular_file(path, MAX_FILE_BYTES).map_err(|e| match e {
            BoundedRead::NotFound(_) => DataError::file(path, "file not found"),
            BoundedRead::NotRegular => DataError::file(path, "expected a regular file"),
            BoundedRead::TooLarge(len) => DataError::file(
                path,
                format!("file is {len} bytes, more than the {MAX_FILE_BYTES} bytes whyrec reads"),
            ),
            BoundedRead::Io(e) => DataError::io(path, e),
        })?;
        Self::from_bytes(path, bytes)
    }

    /// Wraps bytes already in memory (used by tests and by the parsers' fuzzing). Refuses UTF-16
    /// and a NUL byte anywhere (named at its line and column: no text file of a dataset has one).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> DataResult<TextFile> {
        if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
            return Err(DataError::file(
                path,
                "wrong encoding: UTF-16 byte order mark; expected ASCII, UTF-8 or ISO-8859-1 text",
            ));
        }
        if let Some(at) = first_nul(&bytes) {
            let before = &bytes[..at];
            let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
            let column = at
                - before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |p| p + 1)
                + 1;
            return Err(DataError::line(
                path,
                line,
                format!(
                    "wrong encoding: NUL byte at column {column}; expected ASCII, UTF-8 or ISO-8859-1 text (UTF-16 or a binary file?)"
                ),
            ));
        }
        Ok(TextFile {
            path: path.to_path_buf(),
            bytes,
        })
    }

    /// A last line without its newline in a file whose other lines end with one is the mark of a
    /// cut file (a cut inside the last field still parses: `881250949` → `88125`). Strict: refused
    /// at its line. Lenient: dropped and counted in `skipped`.
    pub fn check_last_line(&mut self, lenient: bool, skipped: &mut Skipped) -> DataResult<()> {
        let Some(&last) = self.bytes.last() else {
            return Ok(());
        };
        let Some(cut) = self.bytes.iter().rposition(|&b| b == b'\n') else {
            return Ok(());
        };
        if last == b'\n' || self.bytes[cut + 1..].iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let line = self.bytes.iter().filter(|&&b| b == b'\n').count() + 1;
        let error = DataError::line(
            &self.path,
            line,
            "the last line has no newline while every other line ends with one: truncated? \
             (expected the file to end with a complete line and a newline; --lenient skips it)",
        );
        if !lenient {
            return Err(error);
        }
        skipped.record(error.to_string());
        self.bytes.truncate(cut + 1);
        Ok(())
    }

    /// The non-empty lines of the file. Line endings `\n` and `\r\n` are accepted; a UTF-8 byte
    /// order mark at the start is skipped.
    pub fn lines(&self) -> impl Iterator<Item = Line<'_>> {
        let body = self
            .bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.bytes);
        lines_of(body, 1)
    }
}

/// Splits `body` into lines numbered from `first_number`, skipping empty ones.
pub fn lines_of(body: &[u8], first_number: usize) -> impl Iterator<Item = Line<'_>> {
    let mut rest = body;
    let mut number = first_number;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let (raw, terminated, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        rest = next;
        let line = Line {
            number,
            bytes: raw.strip_suffix(b"\r").unwrap_or(raw),
            terminated,
        };
        number += 1;
        if !line.bytes.is_empty() {
            return Some(line);
        }
    })
}

impl Line<'_> {
    /// The line as text in `encoding`.
    pub fn decode(&self, path: &Path, encoding: Encoding) -> DataResult<Cow<'_, str>> {
        match encoding {
            Encoding::Latin1 => Ok(decode_latin1(self.bytes)),
            Encoding::Utf8 => std::str::from_utf8(self.bytes)
                .map(Cow::Borrowed)
                .map_err(|e| {
                    self.error(
                        path,
                        format!(
                            "wrong encoding: invalid UTF-8 at byte {}; expected UTF-8 text",
                            e.valid_up_to() + 1
                        ),
                    )
                }),
            Encoding::Utf8OrLatin1 => Ok(match std::str::from_utf8(self.bytes) {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => decode_latin1(self.bytes),
            }),
        }
    }

    /// An error at this line; notes a missing final newline, the usual sign of a truncated file.
    pub fn error(&self, path: &Path, message: impl Into<String>) -> DataError {
        let mut message = message.into();
        if !self.terminated {
            message.push_str(" (last line has no newline: is the file truncated?)");
        }
        DataError::line(path, self.number, message)
    }
}

/// ISO-8859-1 bytes as text (every byte maps to the code point of the same value).
pub fn decode_latin1(bytes: &[u8]) -> Cow<'_, str> {
    if bytes.is_ascii() {
        // ASCII is valid UTF-8.
        Cow::Borrowed(std::str::from_utf8(bytes).unwrap_or_default())
    } else {
        Cow::Owned(bytes.iter().map(|&b| b as char).collect())
    }
}

/// Splits a byte line on a separator of one or more bytes (`\t`, `|`, `::`).
pub fn split_fields<'a>(line: &'a [u8], sep: &'a [u8]) -> Vec<&'a [u8]> {
    let mut out = Vec::with_capacity(8);
    let mut start = 0;
    let mut i = 0;
    while i + sep.len() <= line.len() {
        if &line[i..i + sep.len()] == sep {
            out.push(&line[start..i]);
            i += sep.len();
            start = i;
        } else {
            i += 1;
        }
    }
    out.push(&line[start..]);
    out
}

/// Splits one CSV record (RFC 4180: fields may be quoted, `""` is a quote inside quotes).
pub fn split_csv(line: &str) -> Result<Vec<Cow<'_, str>>, String> {
    let mut fields = Vec::with_capacity(4);
    let bytes = line.as_bytes();
    let mut i = 0;
    loop {
        if i < bytes.len() && bytes[i] == b'"' {
            let mut value = String::new();
            let mut j = i + 1;
            loop {
                match bytes[j..].iter().position(|&b| b == b'"') {
                    None => return Err("unterminated quoted field".into()),
                    Some(p) => {
                        value.push_str(&line[j..j + p]);
                        j += p + 1;
                        if j < bytes.len() && bytes[j] == b'"' {
                            value.push('"');
                            j += 1;
                        } else {
                            break;
                        }
                    }
                }
            }
            fields.push(Cow::Owned(value));
            if j == bytes.len() {
                return Ok(fields);
            }
            if bytes[j] != b',' {
                return Err(format!(
                    "unexpected character after closing quote at column {}",
                    j + 1
                ));
            }
            i = j + 1;
        } else {
            match bytes[i..].iter().position(|&b| b == b',') {
                Some(p) => {
                    fields.push(Cow::Borrowed(&line[i..i + p]));
                    i += p + 1;
                }
                None => {
                    fields.push(Cow::Borrowed(&line[i..]));
                    return Ok(fields);
                }
            }
        }
    }
}

/// Parses a field as an unsigned id; `what` names the field in the message.
pub fn parse_u32(field: &[u8], what: &str) -> Result<u32, String> {
    std::str::from_utf8(field)
        .ok()
        .map(str::trim)
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(|| format!("{what}: expected a whole number, found {:?}", show(field)))
}

/// Parses a field as an integer timestamp.
pub fn parse_i64(field: &[u8], what: &str) -> Result<i64, String> {
    std::str::from_utf8(field)
        .ok()
        .map(str::trim)
        .and_then(|s| s.parse::<i64>().ok())
        .ok_or_else(|| format!("{what}: expected a whole number, found {:?}", show(field)))
}

/// Parses a field as a finite decimal number.
pub fn parse_f32(field: &[u8], what: &str) -> Result<f32, String> {
    std::str::from_utf8(field)
        .ok()
        .map(str::trim)
        .and_then(|s| s.parse::<f32>().ok())
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{what}: expected a number, found {:?}", show(field)))
}

/// A field for an error message: lossy text, cut to 40 characters.
pub fn show(field: &[u8]) -> String {
    let s = String::from_utf8_lossy(field);
    if s.chars().count() > 40 {
        format!("{}…", s.chars().take(40).collect::<String>())
    } else {
        s.into_owned()
    }
}

/// Lines a lenient load skipped.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Skipped {
    pub count: usize,
    pub examples: Vec<String>,
}

impl Skipped {
    pub fn record(&mut self, reason: String) {
        self.count += 1;
        if self.examples.len() < 5 {
            self.examples.push(reason);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes() {
        let f = split_csv(r#"11,"American President, The (1995)",Comedy|Drama|Romance"#).unwrap();
        assert_eq!(
            f,
            vec![
                "11",
                "American President, The (1995)",
                "Comedy|Drama|Romance"
            ]
        );
        let f = split_csv(r#"1,"a ""quoted"" word",x"#).unwrap();
        assert_eq!(f[1], "a \"quoted\" word");
        assert_eq!(split_csv("a,,b").unwrap(), vec!["a", "", "b"]);
        assert!(split_csv(r#"1,"open"#).is_err());
        assert!(split_csv(r#"1,"a"b,c"#).is_err());
    }

    #[test]
    fn separators() {
        assert_eq!(
            split_fields(b"1::Toy Story: X (1995)::A|B", b"::"),
            vec![&b"1"[..], b"Toy Story: X (1995)", b"A|B"]
        );
        assert_eq!(split_fields(b"1\t2\t3", b"\t").len(), 3);
    }

    #[test]
    fn lines_numbering_and_truncation() {
        let lines: Vec<_> = lines_of(b"a\r\n\nb\nc", 1).collect();
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[1].number, lines[1].bytes), (3, &b"b"[..]));
        assert!(lines[1].terminated && !lines[2].terminated);
    }

    #[test]
    fn latin1() {
        assert_eq!(decode_latin1(b"Caf\xe9"), "Café");
    }
}
