//! NumPy's `.npy` arrays and `.npz` archives (a zip of `.npy` files, what `np.savez` writes), as
//! far as model files need: little-endian `f4`/`f8`/`i4`/`i8`/`b1` arrays and 0-d scalars, unicode
//! strings (`<U…`) as 0-d values, C order. Everything is untrusted: the header is at most 64 KiB,
//! its dictionary is parsed by hand (no evaluation), the shape's element count must match the bytes
//! that follow exactly, and an archive's entries are read no further than their stated size and a
//! hard cap — a malformed file is an error naming the entry and what was expected.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

/// The largest array entry read (200k users × 256 factors of f64 is 0.4 GiB).
const MAX_ENTRY_BYTES: u64 = super::MAX_FILE_BYTES;
/// The largest `.npy` header.
const MAX_HEADER: usize = 64 * 1024;

/// One array of an archive, converted to what the importer needs.
#[derive(Debug, Clone, PartialEq)]
pub enum NpyValue {
    /// Numbers (floats, integers and booleans as f64) with their shape (empty: a scalar).
    Numbers { shape: Vec<usize>, values: Vec<f64> },
    /// A 0-d unicode string (e.g. implicit's `dtype`).
    Text(String),
}

impl NpyValue {
    /// The value of a 0-d number (or a one-element array).
    pub fn scalar(&self) -> Option<f64> {
        match self {
            NpyValue::Numbers { values, .. } if values.len() == 1 => Some(values[0]),
            _ => None,
        }
    }
}

/// Reads every entry of an `.npz` archive, keyed by name without `.npy`.
pub fn read_npz(path: &Path) -> Result<BTreeMap<String, NpyValue>, String> {
    let at = |what: String| format!("{}: {what}", path.display());
    let file = std::fs::File::open(path).map_err(|e| at(format!("cannot open: {e}")))?;
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| at(format!("not an .npz (zip) archive: {e}")))?;
    let mut out = BTreeMap::new();
    for index in 0..archive.len() {
        let mut entry = archive
            .by_index(index)
            .map_err(|e| at(format!("entry {index}: {e}")))?;
        let name = entry.name().to_string();
        let Some(key) = name.strip_suffix(".npy") else {
            continue;
        };
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(at(format!(
                "{name}: {} bytes, more than the {MAX_ENTRY_BYTES} an entry may have",
                entry.size()
            )));
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| at(format!("{name}: cannot read: {e}")))?;
        let value = parse_npy(&bytes).map_err(|e| at(format!("{name}: {e}")))?;
        out.insert(key.to_string(), value);
    }
    Ok(out)
}

/// The element type of an array.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Kind {
    F4,
    F8,
    I4,
    I8,
    Bool,
    /// Unicode of this many UCS-4 characters.
    Unicode(usize),
}

impl Kind {
    fn parse(descr: &str) -> Result<Kind, String> {
        Ok(match descr {
            "<f4" => Kind::F4,
            "<f8" => Kind::F8,
            "<i4" => Kind::I4,
            "<i8" => Kind::I8,
            "|b1" => Kind::Bool,
            d if d.starts_with("<U") => Kind::Unicode(
                d[2..]
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n <= MAX_HEADER)
                    .ok_or_else(|| format!("dtype {d:?}: unreadable string length"))?,
            ),
            d => {
                return Err(format!(
                    "dtype {d:?}: expected little-endian <f4, <f8, <i4, <i8, |b1 or <U"
                ))
            }
        })
    }

    fn size(self) -> usize {
        match self {
            Kind::F4 | Kind::I4 => 4,
            Kind::F8 | Kind::I8 => 8,
            Kind::Bool => 1,
            Kind::Unicode(n) => 4 * n,
        }
    }
}

/// Parses one `.npy` file.
pub fn parse_npy(bytes: &[u8]) -> Result<NpyValue, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy array (no \\x93NUMPY magic)".into());
    }
    let major = bytes[6];
    let (header_len, start) = match major {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => {
            if bytes.len() < 12 {
                return Err("truncated header".into());
            }
            (
                u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
                12,
            )
        }
        v => return Err(format!("format version {v}: expected 1, 2 or 3")),
    };
    if header_len > MAX_HEADER || start + header_len > bytes.len() {
        return Err(format!(
            "header of {header_len} bytes does not fit the file"
        ));
    }
    let header = std::str::from_utf8(&bytes[start..start + header_len])
        .map_err(|_| "header is not text".to_string())?;
    let descr = dict_value(header, "descr")?;
    let descr = descr.trim_matches(|c| c == '\'' || c == '"');
    let kind = Kind::parse(descr)?;
    let fortran = dict_value(header, "fortran_order")?;
    let shape = parse_shape(&dict_value(header, "shape")?)?;
    let count = shape
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .ok_or("shape overflows")?;
    if fortran == "True" && shape.len() > 1 {
        return Err("Fortran-order arrays are not read: save with np.ascontiguousarray".into());
    }
    let data = &bytes[start + header_len..];
    let expected = count.checked_mul(kind.size()).ok_or("shape overflows")?;
    if data.len() != expected {
        return Err(format!(
            "shape {shape:?} of {descr} needs {expected} bytes of data, the file has {}",
            data.len()
        ));
    }
    if let Kind::Unicode(n) = kind {
        if count != 1 {
            return Err("only single strings are read".into());
        }
        let text: String = data
            .chunks_exact(4)
            .take(n)
            .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .take_while(|&c| c != 0)
            .map(|c| char::from_u32(c).unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        return Ok(NpyValue::Text(text));
    }
    let values = match kind {
        Kind::F4 => data
            .chunks_exact(4)
            .map(|c| f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        Kind::F8 => data
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect(),
        Kind::I4 => data
            .chunks_exact(4)
            .map(|c| f64::from(i32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect(),
        Kind::I8 => data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")) as f64)
            .collect(),
        Kind::Bool => data.iter().map(|&b| f64::from(u8::from(b != 0))).collect(),
        Kind::Unicode(_) => unreachable!("handled above"),
    };
    Ok(NpyValue::Numbers { shape, values })
}

/// The raw text of `key`'s value in a `.npy` header dictionary (`{'descr': '<f4', …}`).
fn dict_value(header: &str, key: &str) -> Result<String, String> {
    let quoted = [format!("'{key}'"), format!("\"{key}\"")];
    let at = quoted
        .iter()
        .find_map(|q| header.find(q.as_str()).map(|i| i + q.len()))
        .ok_or_else(|| format!("header has no {key:?}"))?;
    let rest = header[at..].trim_start();
    let rest = rest
        .strip_prefix(':')
        .ok_or_else(|| format!("header: no ':' after {key:?}"))?
        .trim_start();
    let end = if rest.starts_with('(') {
        rest.find(')').map(|i| i + 1)
    } else {
        rest.find([',', '}'])
    }
    .ok_or_else(|| format!("header: {key:?} has no end"))?;
    Ok(rest[..end].trim().to_string())
}

/// `(943, 64)`, `(64,)` or `()`.
fn parse_shape(text: &str) -> Result<Vec<usize>, String> {
    let inner = text
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .ok_or_else(|| format!("shape {text:?}: expected a tuple"))?;
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.trim_end_matches('L')
                .parse::<usize>()
                .map_err(|_| format!("shape {text:?}: {s:?} is not a size"))
        })
        .collect()
}

/// Writes a C-order `<f4` (or `<f8`) array or scalar as `.npy` bytes (tests write archives in the
/// layouts they import).
pub fn npy_bytes_f32(shape: &[usize], values: &[f32]) -> Vec<u8> {
    let mut data = Vec::with_capacity(values.len() * 4);
    for v in values {
        data.extend_from_slice(&v.to_le_bytes());
    }
    with_header("<f4", shape, data)
}

/// A 0-d `<f8`.
pub fn npy_scalar_f64(value: f64) -> Vec<u8> {
    with_header("<f8", &[], value.to_le_bytes().to_vec())
}

/// A 0-d `<i8`.
pub fn npy_scalar_i64(value: i64) -> Vec<u8> {
    with_header("<i8", &[], value.to_le_bytes().to_vec())
}

/// A 0-d unicode string.
pub fn npy_text(value: &str) -> Vec<u8> {
    let chars: Vec<char> = value.chars().collect();
    let mut data = Vec::with_capacity(chars.len() * 4);
    for c in &chars {
        data.extend_from_slice(&(*c as u32).to_le_bytes());
    }
    with_header(&format!("<U{}", chars.len().max(1)), &[], {
        if chars.is_empty() {
            vec![0; 4]
        } else {
            data
        }
    })
}

fn with_header(descr: &str, shape: &[usize], data: Vec<u8>) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(usize::to_string).collect();
    let shape = match dims.len() {
        0 => "()".to_string(),
        1 => format!("({},)", dims[0]),
        _ => format!("({})", dims.join(", ")),
    };
    let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
    // Magic (6) + version (2) + length (2) + header, padded with spaces to 64 and ended by \n.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_scalars_and_text_round_trip() {
        let a = parse_npy(&npy_bytes_f32(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.5])).unwrap();
        assert_eq!(
            a,
            NpyValue::Numbers {
                shape: vec![2, 3],
                values: vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.5]
            }
        );
        assert_eq!(
            parse_npy(&npy_scalar_f64(0.25)).unwrap().scalar(),
            Some(0.25)
        );
        assert_eq!(parse_npy(&npy_scalar_i64(64)).unwrap().scalar(), Some(64.0));
        assert_eq!(
            parse_npy(&npy_text("float32")).unwrap(),
            NpyValue::Text("float32".into())
        );
    }

    #[test]
    fn bad_bytes_are_errors_not_panics() {
        let good = npy_bytes_f32(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        for cut in 0..good.len() {
            assert!(parse_npy(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut lying = good.clone();
        let text = String::from_utf8_lossy(&lying[10..]).replace("(2, 2)", "(9, 9)");
        lying.truncate(10);
        lying.extend_from_slice(text.as_bytes());
        assert!(parse_npy(&lying).unwrap_err().contains("needs"));
        let huge =
            String::from_utf8_lossy(&good[10..]).replace("(2, 2)", "(99999999999, 99999999999999)");
        let mut huge_bytes = good[..10].to_vec();
        huge_bytes.extend_from_slice(huge.as_bytes());
        assert!(parse_npy(&huge_bytes).is_err());
        let mut wrong_type = good.clone();
        let t = String::from_utf8_lossy(&wrong_type[10..]).replace("<f4", ">f4");
        wrong_type.truncate(10);
        wrong_type.extend_from_slice(t.as_bytes());
        assert!(parse_npy(&wrong_type).unwrap_err().contains("dtype"));
    }
}
