//! Downloading a MovieLens variant from GroupLens: fetch the zip into a temporary file while
//! hashing it, verify its MD5, unpack it into a temporary folder with path, symlink and size
//! checks, then move the dataset folder into the data folder in one rename. On any failure nothing
//! is left behind in the data folder.

use std::fs::{self, File};
use std::io::{self, Read, Seek, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};

use super::error::{DataError, DataResult};
use super::registry::{DatasetKind, GROUPLENS_BASE_URL};
use super::scratch;

/// Environment variable that overrides the GroupLens base address (for tests and mirrors).
pub const BASE_URL_ENV: &str = "WHYREC_BASE_URL";
/// Default limit on the size of a downloaded archive (2 GiB).
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;
/// Limit on the total uncompressed size of an archive: 4 GiB, a few times the largest GroupLens
/// archive unpacked (ML-25M, about 1.2 GB).
pub const MAX_UNPACKED_BYTES: u64 = 4 << 30;
/// An archive may unpack to at most this many times its own size (GroupLens' archives: 3 to 5)…
pub const MAX_ARCHIVE_RATIO: u64 = 16;
/// …and every entry to at most this many times its compressed size…
pub const MAX_ENTRY_RATIO: u64 = 32;
/// …except that this much is always allowed (tiny and empty entries).
pub const SMALL_UNPACK_BYTES: u64 = 1 << 20;
/// Limit on the number of entries in an archive.
pub const MAX_ENTRIES: usize = 10_000;
/// Limit on the size of a `.md5` file.
const MAX_MD5_FILE_BYTES: u64 = 4096;

const LOCAL_DATA_HINT: &str = "Put the unpacked MovieLens folder in a data folder and point \
    whyrec at it with --data-dir DIR or WHYREC_DATA_DIR=DIR";

/// How to download.
#[derive(Debug, Clone)]
pub struct DownloadOptions {
    /// Address the archives live under; `<base_url>/<name>.zip` and `<name>.zip.md5`.
    pub base_url: String,
    /// Show a progress bar on standard error.
    pub progress: bool,
    /// Connect timeout, and the longest wait for any single read.
    pub timeout: Duration,
    /// Largest archive accepted, in bytes.
    pub max_bytes: u64,
    /// Expected MD5 (hex) of the archive, overriding the published one (for tests and mirrors).
    pub expected_md5: Option<String>,
    /// Slowest transfer accepted: fewer bytes than this per second over a whole `stall_window`
    /// stops the download with a message (a server trickling bytes would keep it alive for ever).
    pub min_bytes_per_sec: u64,
    /// Window over which `min_bytes_per_sec` is measured.
    pub stall_window: Duration,
    /// Hears the bytes received so far and the length when known, after every chunk; returning
    /// `false` stops the download with an error (nothing is left behind). For UIs that draw
    /// their own progress (set `progress` to false then).
    pub on_progress: Option<ByteProgress>,
}

/// A download progress listener: `(bytes so far, total bytes if known) -> keep going`.
#[derive(Clone)]
pub struct ByteProgress(pub std::sync::Arc<dyn Fn(u64, Option<u64>) -> bool + Send + Sync>);

impl std::fmt::Debug for ByteProgress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ByteProgress(..)")
    }
}

impl Default for DownloadOptions {
    /// GroupLens (or `WHYREC_BASE_URL` when set), progress bar on, 30 s timeout, 2 GiB limit,
    /// at least 1 KiB/s over every 30 s.
    fn default() -> Self {
        let base_url = std::env::var(BASE_URL_ENV)
            .ok()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| GROUPLENS_BASE_URL.to_string());
        DownloadOptions {
            base_url,
            progress: true,
            timeout: Duration::from_secs(30),
            max_bytes: DEFAULT_MAX_BYTES,
            min_bytes_per_sec: 1024,
            stall_window: Duration::from_secs(30),
            expected_md5: None,
            on_progress: None,
        }
    }
}

/// Makes sure `kind` is unpacked under `data_dir` and returns its folder. When the folder already
/// holds the required files no network access happens.
pub fn download_dataset(
    kind: DatasetKind,
    data_dir: &Path,
    opts: &DownloadOptions,
) -> DataResult<PathBuf> {
    let existing = kind.dir_in(data_dir);
    if missing_files(kind, &existing).is_empty() {
        return Ok(existing);
    }
    let target = data_dir.join(kind.folder_name());
    check_target_free(kind, &target)?;
    // A data folder made for this download goes again when the download fails (nothing partial
    // or empty is left behind).
    let made = !data_dir.exists();
    fs::create_dir_all(data_dir).map_err(|e| DataError::io(data_dir, e))?;
    let result = fetch_and_unpack(kind, data_dir, &target, opts);
    if result.is_err() && made {
        let _ = fs::remove_dir(data_dir);
    }
    result
}

/// The download itself, into the existing `data_dir`.
fn fetch_and_unpack(
    kind: DatasetKind,
    data_dir: &Path,
    target: &Path,
    opts: &DownloadOptions,
) -> DataResult<PathBuf> {
    scratch::sweep_stale(data_dir);

    let agent = ureq::AgentBuilder::new()
        .timeout_connect(opts.timeout)
        .timeout_read(opts.timeout)
        .timeout_write(opts.timeout)
        .user_agent(concat!("whyrec/", env!("CARGO_PKG_VERSION")))
        .build();
    let expected = match (&opts.expected_md5, kind.published_md5()) {
        (Some(m), _) => parse_md5(m)
            .ok_or_else(|| DataError::other(format!("expected MD5 {m:?} is not 32 hex digits")))?,
        (None, Some(m)) => m.to_string(),
        (None, None) => fetch_md5(&agent, kind, opts)?,
    };

    let zip_url = kind.zip_url(&opts.base_url);
    let (mut zip_file, actual, _zip_guard) = fetch_zip(&agent, kind, &zip_url, data_dir, opts)?;
    if actual != expected {
        return Err(DataError::other(format!(
            "checksum mismatch for {}: expected {expected}, got {actual} \
             (the download is corrupted or incomplete; try again)",
            kind.zip_name()
        )));
    }

    let staging = tempfile::Builder::new()
        .prefix(&scratch::prefix_for(scratch::UNPACK_PREFIX))
        .tempdir_in(data_dir)
        .map_err(|e| DataError::io(data_dir, e))?;
    let _staging_guard = scratch::register(staging.path());
    zip_file
        .rewind()
        .map_err(|e| DataError::io(zip_file.path(), e))?;
    let archive_bytes = zip_file
        .as_file()
        .metadata()
        .map_err(|e| DataError::io(zip_file.path(), e))?
        .len();
    unpack(kind, zip_file.as_file_mut(), archive_bytes, staging.path())?;
    drop(zip_file);

    let unpacked = staging.path().join(kind.folder_name());
    let missing = missing_files(kind, &unpacked);
    if !missing.is_empty() {
        return Err(DataError::other(format!(
            "{} does not contain {}/ with {}",
            kind.zip_name(),
            kind.folder_name(),
            missing.join(", ")
        )));
    }
    check_target_free(kind, target)?;
    if target.is_dir() {
        // Empty (checked above): make way for the rename, which cannot replace a folder everywhere.
        fs::remove_dir(target).map_err(|e| DataError::io(target, e))?;
    }
    fs::rename(&unpacked, target).map_err(|e| DataError::io(target, e))?;
    Ok(target.to_path_buf())
}

/// The required files of `kind` that `dir` lacks (all of them when `dir` does not exist).
fn missing_files(kind: DatasetKind, dir: &Path) -> Vec<&'static str> {
    kind.required_files()
        .iter()
        .copied()
        .filter(|f| !dir.join(f).is_file())
        .collect()
}

/// Fails when `target` exists and is anything but an empty folder, so nothing of the user's is
/// overwritten.
fn check_target_free(kind: DatasetKind, target: &Path) -> DataResult<()> {
    let meta = match fs::symlink_metadata(target) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(DataError::io(target, e)),
    };
    let empty = meta.is_dir()
        && fs::read_dir(target)
            .map_err(|e| DataError::io(target, e))?
            .next()
            .is_none();
    if empty {
        return Ok(());
    }
    Err(DataError::file(
        target,
        format!(
            "exists but is not a complete {kind} folder (missing {}); remove it or complete it",
            missing_files(kind, target).join(", ")
        ),
    ))
}

/// Parses a `.md5` file: `<hex>`, `<hex>  name.zip` (GNU) or `MD5 (name.zip) = <hex>` (BSD).
/// Returns the lower-case hex digest, or `None` for anything else.
pub fn parse_md5(text: &str) -> Option<String> {
    let is_hex = |t: &str| t.len() == 32 && t.bytes().all(|b| b.is_ascii_hexdigit());
    let text = text.trim();
    let first = text.split_whitespace().next()?;
    if is_hex(first) {
        return Some(first.to_ascii_lowercase());
    }
    let last = text.split_whitespace().last()?;
    let bsd = text.starts_with("MD5 (") && text.lines().count() == 1 && is_hex(last);
    bsd.then(|| last.to_ascii_lowercase())
}

/// Fetches and parses the `.md5` file published beside the zip.
fn fetch_md5(agent: &ureq::Agent, kind: DatasetKind, opts: &DownloadOptions) -> DataResult<String> {
    let url = kind.md5_url(&opts.base_url);
    // The whole answer within twice the timeout: a 4 KiB file has no reason to trickle.
    let response = get(agent, kind, &url, Some(opts.timeout * 2))?;
    let mut bytes = Vec::new();
    response
        .into_reader()
        .take(MAX_MD5_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| network_error(kind, &url, &e.to_string()))?;
    let parsed = (bytes.len() as u64 <= MAX_MD5_FILE_BYTES)
        .then(|| std::str::from_utf8(&bytes).ok().and_then(parse_md5))
        .flatten();
    parsed.ok_or_else(|| {
        DataError::other(format!(
            "{url} is not an MD5 checksum file (expected 32 hex digits, optionally followed by \
             the file name)"
        ))
    })
}

/// Streams the zip into a temporary file in `dir`, returning it with its MD5 (lower-case hex) and
/// its registration for removal on a termination signal.
fn fetch_zip(
    agent: &ureq::Agent,
    kind: DatasetKind,
    url: &str,
    dir: &Path,
    opts: &DownloadOptions,
) -> DataResult<(tempfile::NamedTempFile, String, scratch::Registered)> {
    let response = get(agent, kind, url, None)?;
    let identity = response
        .header("Content-Encoding")
        .is_none_or(|e| e.trim().eq_ignore_ascii_case("identity"));
    let length = response
        .header("Content-Length")
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|_| identity);
    let too_big = |n: u64| {
        DataError::other(format!(
            "refusing to download {url}: {n} bytes is more than the limit of {} bytes",
            opts.max_bytes
        ))
    };
    if let Some(n) = length.filter(|&n| n > opts.max_bytes) {
        return Err(too_big(n));
    }
    let mut file = tempfile::Builder::new()
        .prefix(&scratch::prefix_for(scratch::DOWNLOAD_PREFIX))
        .suffix(".zip.part")
        .tempfile_in(dir)
        .map_err(|e| DataError::io(dir, e))?;
    let guard = scratch::register(file.path());
    let bar = progress_bar(opts.progress, length, kind);
    let cut_short = |got: u64, want: u64| {
        DataError::other(format!(
            "could not download {kind} from {url}: the connection closed after {got} of {want} \
             bytes. Try again, or: {LOCAL_DATA_HINT}"
        ))
    };

    let mut reader = response.into_reader();
    let mut hasher = Md5::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut total: u64 = 0;
    let (mut window_start, mut window_bytes) = (Instant::now(), 0u64);
    let window = opts.stall_window.max(Duration::from_millis(1));
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                bar.abandon();
                return Err(match length {
                    Some(want) if e.kind() == io::ErrorKind::UnexpectedEof => {
                        cut_short(total, want)
                    }
                    _ => network_error(kind, url, &e.to_string()),
                });
            }
        };
        total += n as u64;
        window_bytes += n as u64;
        let elapsed = window_start.elapsed();
        if elapsed >= window {
            let wanted = (opts.min_bytes_per_sec as f64 * elapsed.as_secs_f64()) as u64;
            if window_bytes < wanted {
                bar.abandon();
                return Err(DataError::other(format!(
                    "could not download {kind} from {url}: only {window_bytes} bytes arrived in the \
                     last {:.0} s ({total} in all), slower than the {} bytes/s whyrec waits for. \
                     Try again later, or: {LOCAL_DATA_HINT}",
                    elapsed.as_secs_f64(),
                    opts.min_bytes_per_sec
                )));
            }
            (window_start, window_bytes) = (Instant::now(), 0);
        }
        if total > opts.max_bytes {
            bar.abandon();
            return Err(too_big(total));
        }
        hasher.update(&buf[..n]);
        file.write_all(&buf[..n])
            .map_err(|e| DataError::io(file.path(), e))?;
        bar.inc(n as u64);
        if let Some(listener) = &opts.on_progress {
            if !(listener.0)(total, length) {
                bar.abandon();
                return Err(DataError::other(format!(
                    "the download of {kind} was cancelled"
                )));
            }
        }
    }
    bar.finish_and_clear();
    if let Some(want) = length.filter(|&want| total < want) {
        return Err(cut_short(total, want));
    }
    file.flush().map_err(|e| DataError::io(file.path(), e))?;
    let digest: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((file, digest, guard))
}

/// A progress bar on standard error (hidden when `show` is false): a bar with the length when
/// known, a byte counter otherwise.
fn progress_bar(show: bool, length: Option<u64>, kind: DatasetKind) -> indicatif::ProgressBar {
    use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
    if !show {
        return ProgressBar::hidden();
    }
    let (bar, template) = match length {
        Some(n) => (
            ProgressBar::with_draw_target(Some(n), ProgressDrawTarget::stderr()),
            "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
        ),
        None => (
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr()),
            "{msg} {spinner} {bytes} {bytes_per_sec}",
        ),
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("downloading {}", kind.zip_name()));
    bar
}

/// A GET request with errors turned into messages that say how to work offline.
fn get(
    agent: &ureq::Agent,
    kind: DatasetKind,
    url: &str,
    overall: Option<Duration>,
) -> DataResult<ureq::Response> {
    let mut request = agent.get(url);
    if let Some(limit) = overall {
        request = request.timeout(limit);
    }
    match request.call() {
        Ok(r) => Ok(r),
        Err(ureq::Error::Status(code, r)) => Err(DataError::other(format!(
            "could not download {kind} from {url}: the server answered {code} {}. \
             To use local data instead: {LOCAL_DATA_HINT}",
            r.status_text()
        ))),
        Err(ureq::Error::Transport(t)) => {
            let mut cause = t.kind().to_string();
            if let Some(m) = t.message() {
                cause = format!("{cause}: {m}");
            }
            if let Some(s) = std::error::Error::source(&t) {
                cause = format!("{cause}: {s}");
            }
            Err(network_error(kind, url, &cause))
        }
    }
}

fn network_error(kind: DatasetKind, url: &str, cause: &str) -> DataError {
    DataError::other(format!(
        "could not download {kind} from {url}: {cause}. No network? {LOCAL_DATA_HINT}"
    ))
}

/// Unpacks the archive in `zip` (`archive_bytes` long) into `dest`, refusing entries that would
/// land outside `dest`, symbolic links, duplicate entries, more than [`MAX_ENTRIES`] entries, an
/// entry that expands more than [`MAX_ENTRY_RATIO`] times, and more in all than
/// [`MAX_ARCHIVE_RATIO`] times the archive or [`MAX_UNPACKED_BYTES`] (what is written is counted,
/// not what the archive declares). The caller removes `dest` on failure.
fn unpack(kind: DatasetKind, zip: &mut File, archive_bytes: u64, dest: &Path) -> DataResult<()> {
    let name = kind.zip_name();
    let bad = |msg: String| DataError::other(format!("{name}: {msg}"));
    let mut archive =
        zip::ZipArchive::new(zip).map_err(|e| bad(format!("not a valid zip archive: {e}")))?;
    if archive.len() > MAX_ENTRIES {
        return Err(bad(format!(
            "{} entries is more than the limit of {MAX_ENTRIES}",
            archive.len()
        )));
    }
    let limit = archive_bytes
        .saturating_mul(MAX_ARCHIVE_RATIO)
        .clamp(SMALL_UNPACK_BYTES, MAX_UNPACKED_BYTES);
    let mut budget = limit;
    let mut seen = std::collections::HashSet::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| bad(format!("entry {i} is unreadable: {e}")))?;
        let raw = entry.name().to_string();
        let rel = entry
            .enclosed_name()
            .filter(|p| p.components().all(|c| matches!(c, Component::Normal(_))))
            .ok_or_else(|| bad(format!("entry {raw:?} would be written outside its folder")))?;
        if entry.is_symlink() {
            return Err(bad(format!("entry {raw:?} is a symbolic link")));
        }
        let key: PathBuf = rel.components().collect();
        if !seen.insert(key) {
            return Err(bad(format!(
                "entry {raw:?} appears twice; a dataset archive names every file once"
            )));
        }
        let out = dest.join(&rel);
        if entry.is_dir() {
            fs::create_dir_all(&out).map_err(|e| DataError::io(&out, e))?;
            continue;
        }
        if let Some(parent) = out.parent() {
            fs::create_dir_all(parent).map_err(|e| DataError::io(parent, e))?;
        }
        let mut file = File::create_new(&out).map_err(|e| DataError::io(&out, e))?;
        let entry_limit = entry
            .compressed_size()
            .saturating_mul(MAX_ENTRY_RATIO)
            .max(SMALL_UNPACK_BYTES);
        let allowed = budget.min(entry_limit);
        // The declared size can lie, so count what is actually written.
        let written = io::copy(&mut (&mut entry).take(allowed + 1), &mut file)
            .map_err(|e| bad(format!("entry {raw:?} could not be unpacked: {e}")))?;
        if written > entry_limit {
            return Err(bad(format!(
                "entry {raw:?} expands more than {MAX_ENTRY_RATIO} times its {} compressed bytes \
                 (a zip bomb?); no MovieLens file compresses that well",
                entry.compressed_size()
            )));
        }
        if written > budget {
            return Err(bad(format!(
                "unpacks to more than {limit} bytes ({MAX_ARCHIVE_RATIO} times the archive, at \
                 most {MAX_UNPACKED_BYTES}); a MovieLens archive unpacks to 3 to 5 times its size"
            )));
        }
        budget -= written;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::parse_md5;

    #[test]
    fn md5_files() {
        let h = "0e33842e24a9c977be4e0107933c0723";
        assert_eq!(parse_md5(h).as_deref(), Some(h));
        assert_eq!(parse_md5(&format!("{h}  ml-32m.zip\n")).as_deref(), Some(h));
        let upper = h.to_ascii_uppercase();
        assert_eq!(parse_md5(&upper).as_deref(), Some(h));
        assert_eq!(
            parse_md5(&format!("MD5 (ml-32m.zip) = {h}\n")).as_deref(),
            Some(h)
        );
        for bad in [
            "",
            "  \n",
            "<html>404</html>",
            &h[..31],
            &format!("{h}0"),
            "zz".repeat(16).as_str(),
        ] {
            assert_eq!(parse_md5(bad), None, "{bad:?}");
        }
    }
}
