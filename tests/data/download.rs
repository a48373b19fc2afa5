//! Integration tests of `whyrec::data::download` against a tiny local HTTP/1.1 server: each test
//! starts its own server on 127.0.0.1, which serves archives built in memory (fake MovieLens files,
//! never real data) and records the paths it was asked for.

use std::io::{BufRead, BufReader, Cursor, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use whyrec::data::download::{download_dataset, DownloadOptions};
use whyrec::data::DatasetKind;
use zip::write::SimpleFileOptions;

/// One route: path, body, and the Content-Length announced (more than the body = cut midway).
type Route = (String, Vec<u8>, usize);

fn ok(path: &str, body: &[u8]) -> Route {
    (path.to_string(), body.to_vec(), body.len())
}

/// A bounded HTTP server: answers at most `max_requests` requests, one per connection, then exits
/// (also when dropped, or after 30 s).
struct Server {
    base_url: String,
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Server {
    fn start(routes: Vec<Route>, max_requests: usize) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let base_url = format!("http://{}", listener.local_addr().expect("addr"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (seen2, stop2) = (seen.clone(), stop.clone());
        let handle = std::thread::spawn(move || {
            let deadline = Instant::now() + Duration::from_secs(30);
            let mut served = 0;
            let live = || !stop2.load(Ordering::SeqCst) && Instant::now() < deadline;
            while served < max_requests && live() {
                match listener.accept() {
                    Ok((stream, _)) => {
                        served += 1;
                        if let Some(path) = answer(stream, &routes) {
                            seen2.lock().unwrap().push(path);
                        }
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        let handle = Some(handle);
        Server {
            base_url,
            seen,
            stop,
            handle,
        }
    }

    fn serving_zip(zip: &[u8]) -> Server {
        Server::start(vec![ok("/ml-100k.zip", zip)], 1)
    }

    fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    /// Downloads `kind` into `data` from this server, expecting the MD5 of `md5_of` if given.
    fn fetch(
        &self,
        kind: DatasetKind,
        data: &Path,
        md5_of: Option<&[u8]>,
    ) -> Result<PathBuf, String> {
        download_dataset(kind, data, &opts(&self.base_url, md5_of.map(md5_hex)))
            .map_err(|e| e.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Reads one request and answers it from `routes` (404 when absent); returns the path asked for.
fn answer(stream: TcpStream, routes: &[Route]) -> Option<String> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line).ok()?;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 || line.trim().is_empty() {
            break;
        }
    }
    let path = request_line.split_whitespace().nth(1)?.to_string();
    let (status, body, len) = match routes.iter().find(|r| r.0 == path) {
        Some((_, body, len)) => ("200 OK", body.as_slice(), *len),
        None => ("404 Not Found", &[][..], 0),
    };
    let head = format!("HTTP/1.1 {status}\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n");
    let mut out = stream;
    let _ = out
        .write_all(head.as_bytes())
        .and_then(|_| out.write_all(body))
        .and_then(|_| out.flush());
    Some(path)
}

/// Small fake ml-100k files (made up here, not MovieLens data).
fn fake_100k_files() -> Vec<(String, Vec<u8>)> {
    let data: String = (1..=20)
        .map(|k| {
            format!(
                "{}\t{}\t{}\t{}\n",
                k % 5 + 1,
                k % 4 + 1,
                k % 5 + 1,
                880000000 + k
            )
        })
        .collect();
    let item: String = (1..=4)
        .map(|i| format!("{i}|Fake Movie {i} (1990)|01-Jan-1990||http://example.invalid/{i}|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"))
        .collect();
    let user: String = (1..=5)
        .map(|u| format!("{u}|{}|M|other|0000{u}\n", 20 + u))
        .collect();
    vec![
        ("ml-100k/u.data".into(), data.into_bytes()),
        ("ml-100k/u.item".into(), item.into_bytes()),
        ("ml-100k/u.user".into(), user.into_bytes()),
    ]
}

fn build_zip(dirs: &[&str], files: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    for d in dirs {
        w.add_directory(*d, opts).unwrap();
    }
    for (name, bytes) in files {
        w.start_file(name.as_str(), opts).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn good_100k_zip() -> Vec<u8> {
    build_zip(&["ml-100k/"], &fake_100k_files())
}

fn md5_hex(bytes: &[u8]) -> String {
    Md5::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn opts(base_url: &str, expected_md5: Option<String>) -> DownloadOptions {
    DownloadOptions {
        base_url: base_url.to_string(),
        progress: false,
        timeout: Duration::from_secs(5),
        max_bytes: 16 << 20,
        expected_md5,
        on_progress: None,
        ..DownloadOptions::default()
    }
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

#[test]
fn good_archive_is_unpacked_and_nothing_else_is_left() {
    let zip = good_100k_zip();
    let server = Server::serving_zip(&zip);
    let data = tempfile::tempdir().unwrap();
    let dir = server
        .fetch(DatasetKind::Ml100k, data.path(), Some(&zip))
        .unwrap();
    assert_eq!(dir, data.path().join("ml-100k"));
    for (name, bytes) in fake_100k_files() {
        assert_eq!(
            std::fs::read(data.path().join(&name)).unwrap(),
            bytes,
            "{name}"
        );
    }
    assert_eq!(
        entries(data.path()),
        vec![dir.clone()],
        "no temp files left"
    );
    assert_eq!(server.requests(), vec!["/ml-100k.zip"]);
    // A second call finds the folder and makes no request.
    assert_eq!(
        server.fetch(DatasetKind::Ml100k, data.path(), None),
        Ok(dir)
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn md5_file_is_fetched_when_there_is_no_published_checksum() {
    let ratings = b"userId,movieId,rating,timestamp\n1,1,4.0,964982703\n".to_vec();
    let movies = b"movieId,title,genres\n1,Fake (1995),Comedy\n".to_vec();
    let zip = build_zip(
        &[],
        &[
            ("ml-latest-small/ratings.csv".into(), ratings),
            ("ml-latest-small/movies.csv".into(), movies),
        ],
    );
    let md5_file = format!("{}  ml-latest-small.zip\n", md5_hex(&zip));
    let routes = vec![
        ok("/ml-latest-small.zip.md5", md5_file.as_bytes()),
        ok("/ml-latest-small.zip", &zip),
    ];
    let server = Server::start(routes, 2);
    let data = tempfile::tempdir().unwrap();
    let dir = server
        .fetch(DatasetKind::MlLatestSmall, data.path(), None)
        .unwrap();
    assert!(dir.join("ratings.csv").is_file() && dir.join("movies.csv").is_file());
    assert_eq!(entries(data.path()), vec![dir]);
    let want = vec!["/ml-latest-small.zip.md5", "/ml-latest-small.zip"];
    assert_eq!(server.requests(), want);
}

#[test]
fn garbage_md5_file_is_rejected() {
    let server = Server::start(vec![ok("/ml-32m.zip.md5", b"<html>oops</html>")], 1);
    let data = tempfile::tempdir().unwrap();
    let err = server
        .fetch(DatasetKind::Ml32m, data.path(), None)
        .unwrap_err();
    assert!(err.contains("not an MD5 checksum file"), "{err}");
    assert!(entries(data.path()).is_empty());
    assert_eq!(server.requests(), vec!["/ml-32m.zip.md5"]);
}

#[test]
fn corrupted_archive_fails_checksum_and_leaves_nothing() {
    let zip = good_100k_zip();
    let mut corrupted = zip.clone();
    let mid = corrupted.len() / 2;
    corrupted[mid] ^= 0xff;
    let server = Server::serving_zip(&corrupted);
    let data = tempfile::tempdir().unwrap();
    let err = server
        .fetch(DatasetKind::Ml100k, data.path(), Some(&zip))
        .unwrap_err();
    let (want, got) = (md5_hex(&zip), md5_hex(&corrupted));
    let expected = format!("checksum mismatch for ml-100k.zip: expected {want}, got {got}");
    assert!(err.contains(&expected), "{err}");
    assert!(entries(data.path()).is_empty());
}

#[test]
fn connection_cut_midway_fails_and_leaves_nothing() {
    let zip = good_100k_zip();
    let half = zip[..zip.len() / 2].to_vec();
    let server = Server::start(vec![("/ml-100k.zip".into(), half, zip.len())], 1);
    let data = tempfile::tempdir().unwrap();
    let err = server
        .fetch(DatasetKind::Ml100k, data.path(), Some(&zip))
        .unwrap_err();
    assert!(err.contains("could not download ml-100k"), "{err}");
    assert!(err.contains(&format!("of {} bytes", zip.len())), "{err}");
    assert!(entries(data.path()).is_empty());
}

#[test]
fn connection_refused_explains_how_to_use_local_data() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let base = format!("http://127.0.0.1:{port}");
    let data = tempfile::tempdir().unwrap();
    let err = download_dataset(DatasetKind::Ml1m, data.path(), &opts(&base, None))
        .unwrap_err()
        .to_string();
    let head = format!("could not download ml-1m from {base}/ml-1m.zip");
    assert!(err.contains(&head) && err.contains("No network?"), "{err}");
    assert!(
        err.contains("--data-dir") && err.contains("WHYREC_DATA_DIR"),
        "{err}"
    );
    assert!(entries(data.path()).is_empty());
}

#[test]
fn http_error_status_is_reported() {
    let server = Server::start(vec![], 1);
    let data = tempfile::tempdir().unwrap();
    let err = server
        .fetch(DatasetKind::Ml100k, data.path(), None)
        .unwrap_err();
    assert!(err.contains("404"), "{err}");
    assert!(entries(data.path()).is_empty());
}

#[test]
fn oversized_archive_is_refused() {
    let zip = good_100k_zip();
    let server = Server::serving_zip(&zip);
    let data = tempfile::tempdir().unwrap();
    let mut o = opts(&server.base_url, Some(md5_hex(&zip)));
    o.max_bytes = 100;
    let err = download_dataset(DatasetKind::Ml100k, data.path(), &o).unwrap_err();
    assert!(err.to_string().contains("more than the limit"), "{err}");
    assert!(entries(data.path()).is_empty());
}

/// Downloads `zip` into `outer/data`, checks it fails with `needle` and that nothing was written
/// in `outer`: not even the data folder the download made.
fn assert_rejected(zip: Vec<u8>, needle: &str) {
    let server = Server::serving_zip(&zip);
    let outer = tempfile::tempdir().unwrap();
    let data = outer.path().join("data");
    let err = server
        .fetch(DatasetKind::Ml100k, &data, Some(&zip))
        .unwrap_err();
    assert!(err.contains(needle), "{err}");
    assert!(
        entries(outer.path()).is_empty(),
        "{:?}",
        entries(outer.path())
    );
}

#[test]
fn zip_slip_entry_is_rejected() {
    for evil in ["../evil", "ml-100k/../../evil", "/tmp/whyrec-evil-absolute"] {
        let mut files = fake_100k_files();
        files.push((evil.into(), b"pwned".to_vec()));
        assert_rejected(build_zip(&["ml-100k/"], &files), "outside its folder");
    }
    assert!(!Path::new("/tmp/whyrec-evil-absolute").exists());
}

#[test]
fn symlink_entry_is_rejected() {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default();
    for (name, bytes) in fake_100k_files() {
        w.start_file(name, o).unwrap();
        w.write_all(&bytes).unwrap();
    }
    w.add_symlink("ml-100k/link", "/etc/passwd", o).unwrap();
    assert_rejected(w.finish().unwrap().into_inner(), "symbolic link");
}

#[test]
fn archive_without_the_dataset_folder_is_rejected() {
    let files: Vec<(String, Vec<u8>)> = fake_100k_files()
        .into_iter()
        .map(|(n, b)| (n.replace("ml-100k/", "other/"), b))
        .collect();
    assert_rejected(build_zip(&[], &files), "does not contain ml-100k/");
    assert_rejected(b"this is not a zip".to_vec(), "not a valid zip archive");
}

/// Writes the fake ml-100k files into `data` (all of them, or only `u.data`).
fn put_local_copy(data: &Path, complete: bool) -> PathBuf {
    let dir = data.join("ml-100k");
    std::fs::create_dir(&dir).unwrap();
    for (name, bytes) in fake_100k_files()
        .into_iter()
        .take(if complete { 3 } else { 1 })
    {
        std::fs::write(data.join(name), bytes).unwrap();
    }
    dir
}

#[test]
fn present_folder_means_no_request() {
    let server = Server::serving_zip(&good_100k_zip());
    let data = tempfile::tempdir().unwrap();
    let dir = put_local_copy(data.path(), true);
    assert_eq!(
        server.fetch(DatasetKind::Ml100k, data.path(), None),
        Ok(dir)
    );
    assert!(server.requests().is_empty(), "{:?}", server.requests());
}

#[test]
fn incomplete_existing_folder_is_not_overwritten() {
    let server = Server::serving_zip(&good_100k_zip());
    let data = tempfile::tempdir().unwrap();
    let dir = put_local_copy(data.path(), false);
    let err = server
        .fetch(DatasetKind::Ml100k, data.path(), None)
        .unwrap_err();
    assert!(
        err.contains("not a complete ml-100k folder") && err.contains("u.item"),
        "{err}"
    );
    assert_eq!(
        std::fs::read(dir.join("u.data")).unwrap(),
        fake_100k_files()[0].1
    );
    assert!(server.requests().is_empty());
}

#[test]
fn progress_listener_hears_every_byte_and_can_cancel() {
    let zip = good_100k_zip();
    let heard = Arc::new(Mutex::new(Vec::new()));
    let server = Server::serving_zip(&zip);
    let data = tempfile::tempdir().unwrap();
    let mut o = opts(&server.base_url, Some(md5_hex(&zip)));
    let h = heard.clone();
    o.on_progress = Some(whyrec::data::download::ByteProgress(Arc::new(
        move |got, total| {
            h.lock().unwrap().push((got, total));
            true
        },
    )));
    download_dataset(DatasetKind::Ml100k, data.path(), &o).unwrap();
    let heard = heard.lock().unwrap().clone();
    assert_eq!(
        heard.last(),
        Some(&(zip.len() as u64, Some(zip.len() as u64)))
    );
    assert!(heard.windows(2).all(|w| w[0].0 < w[1].0), "{heard:?}");

    let server = Server::serving_zip(&zip);
    let data = tempfile::tempdir().unwrap();
    let mut o = opts(&server.base_url, Some(md5_hex(&zip)));
    o.on_progress = Some(whyrec::data::download::ByteProgress(Arc::new(|_, _| false)));
    let err = download_dataset(DatasetKind::Ml100k, data.path(), &o).unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert!(entries(data.path()).is_empty(), "nothing left behind");
}

/// Issue 11, item 4: an entry that expands far more than any MovieLens file is stopped while it
/// unpacks (a 1 MiB allowance, then 32 times its compressed size), and nothing is left behind.
#[test]
fn zip_bomb_entry_is_stopped_while_unpacking() {
    let mut files = fake_100k_files();
    // 2 MiB that do not compress (so the archive's own bound, 16 times its size, is not the one hit).
    let mut x: u64 = 1;
    let noise: Vec<u8> = (0..2 << 20)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect();
    files.push(("ml-100k/noise.bin".into(), noise));
    files.push(("ml-100k/bomb.csv".into(), vec![b'0'; 64 << 20]));
    let zip = build_zip(&["ml-100k/"], &files);
    assert!(zip.len() < 3 << 20, "{} bytes", zip.len());
    assert_rejected(zip, "expands more than 32 times");
}

/// Item 4: many small entries, each within the per-entry allowance, still cannot unpack to more
/// than 16 times the archive (at least 1 MiB).
#[test]
fn archive_total_is_bounded_by_its_own_size() {
    let mut files = fake_100k_files();
    for k in 0..40 {
        files.push((format!("ml-100k/filler{k}.csv"), vec![b'1'; 1 << 20]));
    }
    assert_rejected(build_zip(&["ml-100k/"], &files), "unpacks to more than");
}

/// Item 4: two entries naming the same file are refused instead of one silently replacing the
/// other.
#[test]
fn duplicate_entries_are_refused() {
    let mut files = fake_100k_files();
    files.push(("ml-100k//u.data".into(), b"1\t1\t1\t1\n".to_vec()));
    assert_rejected(build_zip(&["ml-100k/"], &files), "appears twice");
}

/// A server that announces `len` bytes and then sends one byte every `gap`, until `len`.
fn trickling_server(len: usize, gap: Duration) -> (String, std::thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let handle = std::thread::spawn(move || {
        if let Ok((stream, _)) = listener.accept() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let mut out = stream;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n");
            if out.write_all(head.as_bytes()).is_err() {
                return;
            }
            for _ in 0..len {
                std::thread::sleep(gap);
                if out.write_all(b"x").and_then(|_| out.flush()).is_err() {
                    return;
                }
            }
        }
    });
    (url, handle)
}

/// Item 5: a server trickling bytes is given up on after the stall window with a clear message,
/// and nothing is left behind.
#[test]
fn a_trickling_server_is_given_up_on() {
    let (url, server) = trickling_server(400, Duration::from_millis(100));
    let data = tempfile::tempdir().unwrap();
    let mut o = opts(&url, Some("0".repeat(32)));
    o.stall_window = Duration::from_secs(1);
    o.min_bytes_per_sec = 1024;
    let start = Instant::now();
    let err = download_dataset(DatasetKind::Ml100k, data.path(), &o)
        .unwrap_err()
        .to_string();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert!(err.contains("slower than the 1024 bytes/s"), "{err}");
    assert!(
        entries(data.path()).is_empty(),
        "{:?}",
        entries(data.path())
    );
    let _ = server.join();
}

/// Item 5: scratch files of a killed run (a process that is gone) are swept at the next
/// download; those of a running process are not touched.
#[test]
fn stale_scratch_files_are_swept_at_the_next_download() {
    let zip = good_100k_zip();
    let server = Server::serving_zip(&zip);
    let data = tempfile::tempdir().unwrap();
    // Process ids stay below 2^22 on Linux, so 4194305 is no running process.
    let part = data.path().join(".whyrec-download-4194305-abc.zip.part");
    let unpack = data.path().join(".whyrec-unpack-4194305-def");
    std::fs::write(&part, b"partial").unwrap();
    std::fs::create_dir_all(unpack.join("ml-100k")).unwrap();
    let live = data.path().join(format!(
        ".whyrec-download-{}-x.zip.part",
        std::process::id()
    ));
    std::fs::write(&live, b"in use").unwrap();
    server
        .fetch(DatasetKind::Ml100k, data.path(), Some(&zip))
        .unwrap();
    if Path::new("/proc/self").exists() {
        assert!(!part.exists() && !unpack.exists());
    }
    assert!(live.exists());
}

/// Item 5: SIGTERM during a download removes the partial file before the process ends.
#[cfg(unix)]
#[test]
fn sigterm_during_a_download_leaves_no_partial_file() {
    let (url, _server) = trickling_server(100_000, Duration::from_millis(20));
    let data = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_whyrec"))
        .args([
            "--data-dir",
            data.path().to_str().unwrap(),
            "--dataset",
            "ml-100k",
            "download",
        ])
        .env("WHYREC_BASE_URL", &url)
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let has_part = || {
        std::fs::read_dir(data.path())
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().ends_with(".part"))
            })
            .unwrap_or(false)
    };
    while !has_part() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(has_part(), "the download never started");
    std::thread::sleep(Duration::from_millis(200));
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = child.wait().unwrap();
    assert!(!status.success());
    assert!(
        entries(data.path()).is_empty(),
        "{:?}",
        entries(data.path())
    );
}
