//! Where whyrec keeps its datasets: the data folder is, in order of precedence, the `--data-dir`
//! flag, the `WHYREC_DATA_DIR` environment variable, `./data` (the default download folder, used
//! when it exists or can be created), or the platform data folder (for example
//! `~/.local/share/whyrec` on Linux).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// Name of the environment variable that selects the data folder.
pub const DATA_DIR_ENV: &str = "WHYREC_DATA_DIR";

/// Name of the default data folder, relative to the current directory.
pub const DEFAULT_DIR_NAME: &str = "data";

/// Which rule chose the data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DirSource {
    /// The `--data-dir` command-line flag.
    Flag,
    /// The `WHYREC_DATA_DIR` environment variable.
    Env,
    /// `./data` under the current directory.
    Default,
    /// The platform data folder (`directories::ProjectDirs`).
    Platform,
}

impl fmt::Display for DirSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DirSource::Flag => "from --data-dir",
            DirSource::Env => "from WHYREC_DATA_DIR",
            DirSource::Default => "default",
            DirSource::Platform => "platform data folder",
        })
    }
}

/// A data folder and the rule that chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedDir {
    pub path: PathBuf,
    pub source: DirSource,
}

impl ResolvedDir {
    /// One line for the user, e.g. `data folder: ./data (default)`.
    pub fn describe(&self) -> String {
        format!("data folder: {} ({})", self.path.display(), self.source)
    }
}

impl fmt::Display for ResolvedDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Resolves the data folder from the `--data-dir` value (if any), the real environment and the
/// current directory. Creates nothing: a download makes the folder it needs.
pub fn resolve_data_dir(cli: Option<&Path>) -> ResolvedDir {
    resolve_with(cli, std::env::var_os(DATA_DIR_ENV), Path::new("."))
}

/// [`resolve_data_dir`] with the environment value and the current directory passed in, for tests.
/// Empty flag or environment values count as absent. `cwd/data` is used when it exists or could be
/// made (checked by making it and removing it again, so no empty folder stays behind); if it
/// could not (read-only folder, a file in the way) the platform data folder is used, and if there
/// is none either, `cwd/data` is returned anyway so later errors name it.
pub fn resolve_with(cli: Option<&Path>, env_value: Option<OsString>, cwd: &Path) -> ResolvedDir {
    if let Some(p) = cli.filter(|p| !p.as_os_str().is_empty()) {
        return ResolvedDir {
            path: p.to_path_buf(),
            source: DirSource::Flag,
        };
    }
    if let Some(v) = env_value.filter(|v| !v.is_empty()) {
        return ResolvedDir {
            path: PathBuf::from(v),
            source: DirSource::Env,
        };
    }
    let default = cwd.join(DEFAULT_DIR_NAME);
    let could_make =
        || std::fs::create_dir(&default).is_ok() && std::fs::remove_dir(&default).is_ok();
    if default.is_dir() || could_make() {
        return ResolvedDir {
            path: default,
            source: DirSource::Default,
        };
    }
    match platform_data_dir() {
        Some(path) => ResolvedDir {
            path,
            source: DirSource::Platform,
        },
        None => ResolvedDir {
            path: default,
            source: DirSource::Default,
        },
    }
}

/// The platform data folder for whyrec, if the platform has one (a home folder is known).
pub fn platform_data_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "whyrec").map(|d| d.data_dir().to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch() -> tempfile::TempDir {
        tempfile::tempdir().expect("temp dir")
    }

    #[test]
    fn flag_wins_over_env_and_default() {
        let cwd = scratch();
        let r = resolve_with(
            Some(Path::new("/some/flag")),
            Some(OsString::from("/some/env")),
            cwd.path(),
        );
        assert_eq!(r.path, PathBuf::from("/some/flag"));
        assert_eq!(r.source, DirSource::Flag);
        assert_eq!(r.describe(), "data folder: /some/flag (from --data-dir)");
        assert!(
            !cwd.path().join("data").exists(),
            "flag must not create ./data"
        );
    }

    #[test]
    fn env_wins_over_default() {
        let cwd = scratch();
        let r = resolve_with(None, Some(OsString::from("/some/env")), cwd.path());
        assert_eq!(r.path, PathBuf::from("/some/env"));
        assert_eq!(r.source, DirSource::Env);
        assert_eq!(
            r.describe(),
            "data folder: /some/env (from WHYREC_DATA_DIR)"
        );
    }

    #[test]
    fn empty_values_count_as_absent() {
        let cwd = scratch();
        let r = resolve_with(Some(Path::new("")), Some(OsString::new()), cwd.path());
        assert_eq!(r.source, DirSource::Default);
        assert_eq!(r.path, cwd.path().join("data"));
    }

    #[test]
    fn default_used_when_it_exists() {
        let cwd = scratch();
        std::fs::create_dir(cwd.path().join("data")).unwrap();
        let r = resolve_with(None, None, cwd.path());
        assert_eq!(r.source, DirSource::Default);
        assert_eq!(r.path, cwd.path().join("data"));
        assert!(r.describe().ends_with("data (default)"));
    }

    #[test]
    fn default_chosen_when_missing_but_not_made() {
        let cwd = scratch();
        let r = resolve_with(None, None, cwd.path());
        assert_eq!(r.source, DirSource::Default);
        assert_eq!(r.path, cwd.path().join("data"));
        assert!(
            !cwd.path().join("data").exists(),
            "no empty ./data left behind"
        );
    }

    #[test]
    fn default_relative_to_dot_reads_naturally() {
        let r = ResolvedDir {
            path: Path::new(".").join(DEFAULT_DIR_NAME),
            source: DirSource::Default,
        };
        assert_eq!(r.describe(), "data folder: ./data (default)");
    }

    #[test]
    fn platform_folder_when_default_cannot_be_created() {
        let cwd = scratch();
        // A file named `data` is in the way, so `./data` can be neither used nor created.
        std::fs::write(cwd.path().join("data"), b"not a folder").unwrap();
        let r = resolve_with(None, None, cwd.path());
        match platform_data_dir() {
            Some(p) => {
                assert_eq!(r.source, DirSource::Platform);
                assert_eq!(r.path, p);
                assert!(r.describe().ends_with("(platform data folder)"));
            }
            None => {
                assert_eq!(r.source, DirSource::Default);
                assert_eq!(r.path, cwd.path().join("data"));
            }
        }
    }
}
