//! Scratch files of downloads and unpacks (`.whyrec-download-<pid>-*.zip.part`,
//! `.whyrec-unpack-<pid>-*/`) in the data folder: registered while they exist so that SIGINT and
//! SIGTERM remove them before the process ends the way the signal would end it, and swept at the
//! next download when the process that made them is gone (or, where that cannot be told, when
//! they are a day old). A process killed by SIGKILL leaves them to that sweep.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// Prefix of a partial download, followed by the process id and `-`.
pub const DOWNLOAD_PREFIX: &str = ".whyrec-download-";
/// Prefix of an unpack folder, followed by the process id and `-`.
pub const UNPACK_PREFIX: &str = ".whyrec-unpack-";
/// Age after which a scratch entry whose owner cannot be checked counts as stale.
const STALE_AGE: Duration = Duration::from_secs(24 * 3600);

fn live() -> &'static Mutex<Vec<PathBuf>> {
    static LIVE: OnceLock<Mutex<Vec<PathBuf>>> = OnceLock::new();
    LIVE.get_or_init(|| Mutex::new(Vec::new()))
}

/// `prefix` with this process's id: the name start of a new scratch entry.
pub fn prefix_for(prefix: &str) -> String {
    format!("{prefix}{}-", std::process::id())
}

/// Removes every registered scratch entry (called on a termination signal).
fn remove_live() {
    if let Ok(paths) = live().lock() {
        for p in paths.iter() {
            let _ = std::fs::remove_dir_all(p).or_else(|_| std::fs::remove_file(p));
        }
    }
}

/// Installs, once per process, the SIGINT/SIGTERM listener that removes the registered entries
/// and then ends the process as the signal would have.
fn install_signal_cleanup() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGINT, SIGTERM};
            if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM]) {
                std::thread::spawn(move || {
                    if let Some(signal) = signals.forever().next() {
                        remove_live();
                        let _ = signal_hook::low_level::emulate_default_handler(signal);
                        std::process::exit(128 + signal);
                    }
                });
            }
        }
    });
}

/// A registered scratch entry; unregistered when dropped (its owner removes it).
pub struct Registered(PathBuf);

/// Registers `path` for removal on SIGINT/SIGTERM while the guard lives.
pub fn register(path: &Path) -> Registered {
    install_signal_cleanup();
    if let Ok(mut paths) = live().lock() {
        paths.push(path.to_path_buf());
    }
    Registered(path.to_path_buf())
}

impl Drop for Registered {
    fn drop(&mut self) {
        if let Ok(mut paths) = live().lock() {
            paths.retain(|p| p != &self.0);
        }
    }
}

/// The process id in a scratch entry's name, when it has one.
fn owner(name: &str) -> Option<u32> {
    let rest = name
        .strip_prefix(DOWNLOAD_PREFIX)
        .or_else(|| name.strip_prefix(UNPACK_PREFIX))?;
    rest.split('-').next()?.parse().ok()
}

/// Whether the process `pid` still runs (`None`: cannot tell on this system).
fn running(pid: u32) -> Option<bool> {
    if pid == std::process::id() {
        return Some(true);
    }
    let proc = Path::new("/proc");
    proc.join("self")
        .exists()
        .then(|| proc.join(pid.to_string()).exists())
}

/// Removes the scratch entries in `dir` left by processes that are gone; returns how many.
pub fn sweep_stale(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !(name.starts_with(DOWNLOAD_PREFIX) || name.starts_with(UNPACK_PREFIX)) {
            continue;
        }
        let Ok(meta) = std::fs::symlink_metadata(entry.path()) else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > STALE_AGE);
        let stale = match owner(&name).and_then(running) {
            Some(alive) => !alive,
            None => old,
        };
        if !stale {
            continue;
        }
        let gone = if meta.is_dir() {
            std::fs::remove_dir_all(entry.path())
        } else {
            std::fs::remove_file(entry.path())
        };
        removed += usize::from(gone.is_ok());
    }
    removed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_are_read_from_names() {
        assert_eq!(owner(".whyrec-download-123-abc.zip.part"), Some(123));
        assert_eq!(owner(".whyrec-unpack-77-x"), Some(77));
        assert_eq!(owner(".whyrec-unpack-x"), None);
        assert_eq!(owner("ml-100k"), None);
    }

    #[test]
    fn only_entries_of_gone_processes_are_swept() {
        let dir = tempfile::tempdir().unwrap();
        let mine = dir
            .path()
            .join(format!("{}x.zip.part", prefix_for(DOWNLOAD_PREFIX)));
        // Process ids are below 2^22 on Linux: this one cannot run.
        let gone = dir.path().join(".whyrec-download-4194305-y.zip.part");
        let gone_dir = dir.path().join(".whyrec-unpack-4194305-z");
        let other = dir.path().join("ml-100k");
        std::fs::write(&mine, b"1").unwrap();
        std::fs::write(&gone, b"1").unwrap();
        std::fs::create_dir_all(gone_dir.join("ml-100k")).unwrap();
        std::fs::create_dir(&other).unwrap();
        let expected = if Path::new("/proc/self").exists() {
            2
        } else {
            0
        };
        assert_eq!(sweep_stale(dir.path()), expected);
        assert!(mine.exists() && other.exists());
        assert_eq!(gone.exists(), expected == 0);
    }
}
