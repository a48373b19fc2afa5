//! Untrusted input, one test per failure found by the adversarial pass (issue 11): every file is
//! built here in a temporary folder, never taken from `../shared`.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{load_dir, Dataset, LoadOptions, Positives};
use whyrec::engine::cache::{self, Cached};
use whyrec::engine::{AlsConfig, HybridAls, HybridModel, ModelMeta};

fn load(dir: &Path) -> Result<Dataset, String> {
    load_dir(dir, LoadOptions::default()).map_err(|e| e.to_string())
}

fn load_lenient(dir: &Path) -> Result<Dataset, String> {
    load_dir(dir, LoadOptions { lenient: true }).map_err(|e| e.to_string())
}

fn small_config() -> AlsConfig {
    AlsConfig {
        factors: 4,
        iterations: 2,
        ..AlsConfig::default()
    }
}

fn train(d: &Dataset) -> HybridModel {
    HybridAls::fit(
        &Positives::from_dataset(d, 4.0),
        Some(&item_genre_features(d)),
        user_demographic_features(d).as_ref(),
        &small_config(),
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap()
}

/// A fixture in the ML-100K layout with `edit` applied to its files (name → text).
fn ml100k_edited(edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    edit(dir.path());
    dir
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn stale_reason(c: Cached) -> String {
    match c {
        Cached::Stale(why) => why,
        Cached::Fresh(_) => panic!("a model that does not fit the data was reused"),
        Cached::Missing => panic!("missing"),
    }
}

/// Item 1: A model file whose header and checksum agree but which was trained on other data is not
/// used: the cache retrains, naming what differs; the commands never index out of range.
#[test]
fn a_model_from_other_data_is_never_used() {
    let base = ml100k_edited(|_| {});
    let original = load(base.path()).unwrap();
    let model = train(&original);
    // Other data with the same name: one more movie; one more user; other genre names.
    let more_items = ml100k_edited(|d| {
        let mut item = std::fs::read(d.join("u.item")).unwrap();
        item.extend_from_slice(
            b"5|Delta (1999)|01-Jan-1999||http://x|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n",
        );
        std::fs::write(d.join("u.item"), item).unwrap();
    });
    let more_users = ml100k_edited(|d| {
        let mut user = std::fs::read(d.join("u.user")).unwrap();
        user.extend_from_slice(b"4|30|F|artist|12345\n");
        std::fs::write(d.join("u.user"), user).unwrap();
    });
    let other_genres = ml100k_edited(|d| {
        let names: String = (0..19).map(|g| format!("Genre{g}|{g}\n")).collect();
        std::fs::write(d.join("u.genre"), names).unwrap();
    });
    for (dir, needle) in [
        (more_items.path(), "has 4 items, the dataset 5"),
        (more_users.path(), "has 3 users, the dataset 4"),
        (other_genres.path(), "item feature names"),
    ] {
        let other = load(dir).unwrap();
        let models = tempfile::tempdir().unwrap();
        let path = cache::model_path(models.path(), &other);
        // Self-consistent file, the other data's fingerprint: only the dataset can tell.
        model
            .save(
                &path,
                &ModelMeta {
                    dataset: other.name.clone(),
                    fingerprint: other.fingerprint(),
                },
            )
            .unwrap();
        let why = stale_reason(cache::load_matching(&path, &other, &small_config()));
        assert!(why.contains(needle), "{why}");
        // The command line retrains and serves every movie of the new data.
        let home = tempfile::tempdir().unwrap();
        let models_dir = home.path().join("models");
        std::fs::create_dir_all(&models_dir).unwrap();
        let dest = cache::model_path(&models_dir, &other);
        std::fs::copy(&path, &dest).unwrap();
        let out = common::run_whyrec(
            &[
                "--dataset",
                dir.to_str().unwrap(),
                "recommend",
                "--user",
                "1",
                "--models-dir",
                models_dir.to_str().unwrap(),
                "--factors",
                "4",
                "--iterations",
                "2",
            ],
            home.path(),
        );
        let text = common::output_text(&out);
        assert_eq!(out.status.code(), Some(0), "{text}");
        assert!(text.contains("retraining"), "{text}");
    }
}

/// Item 2: The fingerprint covers the demographics and the genres, not only the ratings.
#[test]
fn editing_only_demographics_or_genres_changes_the_fingerprint() {
    let base = ml100k_edited(|_| {});
    let original = load(base.path()).unwrap();
    let model = train(&original);
    let models = tempfile::tempdir().unwrap();
    let path = cache::model_path(models.path(), &original);
    model
        .save(
            &path,
            &ModelMeta {
                dataset: original.name.clone(),
                fingerprint: original.fingerprint(),
            },
        )
        .unwrap();
    assert!(matches!(
        cache::load_matching(&path, &original, &small_config()),
        Cached::Fresh(_)
    ));
    let gender = ml100k_edited(|d| replace_in(&d.join("u.user"), "2|53|F|", "2|53|M|"));
    let occupation = ml100k_edited(|d| replace_in(&d.join("u.user"), "|writer|", "|artist|"));
    let age = ml100k_edited(|d| replace_in(&d.join("u.user"), "1|24|", "1|25|"));
    let genre = ml100k_edited(|d| {
        replace_in(
            &d.join("u.item"),
            "2|Beta (1996)|01-Jan-1996||http://x|0|0|0|0|0|1|",
            "2|Beta (1996)|01-Jan-1996||http://x|0|0|0|0|0|0|",
        )
    });
    for dir in [&gender, &occupation, &age, &genre] {
        let edited = load(dir.path()).unwrap();
        assert_ne!(edited.fingerprint(), original.fingerprint());
        let why = stale_reason(cache::load_matching(&path, &edited, &small_config()));
        assert!(why.contains("data changed"), "{why}");
    }
}

/// Item 3: A file cut inside its last field is refused in strict mode at its last line ("truncated?")
/// and counted under --lenient.
#[test]
fn a_cut_last_line_is_refused_or_counted() {
    let cut_ratings = ml100k_edited(|d| {
        common::write_ratings(d, "1\t1\t5\t881250949\n1\t2\t3\t881250950\n2\t1\t4\t88125");
    });
    let err = load(cut_ratings.path()).unwrap_err();
    assert!(
        err.contains("u.data:3:") && err.contains("truncated?"),
        "{err}"
    );
    let d = load_lenient(cut_ratings.path()).unwrap();
    assert_eq!((d.ratings.len(), d.skipped.count), (2, 1));

    let dat = tempfile::tempdir().unwrap();
    common::write_dat(dat.path());
    let movies = std::fs::read(dat.path().join("movies.dat")).unwrap();
    let mut cut = movies.clone();
    cut.extend_from_slice(b"4::Delta (2000)::Drama|Thr");
    std::fs::write(dat.path().join("movies.dat"), cut).unwrap();
    let err = load(dat.path()).unwrap_err();
    assert!(
        err.contains("movies.dat:4:") && err.contains("truncated?"),
        "{err}"
    );
    let d = load_lenient(dat.path()).unwrap();
    assert!(!d.genres.iter().any(|g| g == "Thr"), "{:?}", d.genres);
    // A file of one line without a newline is not "cut": there is no other line to compare.
    let one = ml100k_edited(|d| common::write_ratings(d, "1\t1\t5\t881250949"));
    assert_eq!(load(one.path()).unwrap().ratings.len(), 1);
}

/// Item 6: Only regular files are read: a FIFO or a link to /dev/zero at a model or data path is
/// refused at once (each attempt runs in a thread so that a hang fails the test instead of CI).
#[cfg(unix)]
#[test]
fn fifos_and_devices_are_refused_not_read() {
    fn within<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(f());
        });
        rx.recv_timeout(Duration::from_secs(20))
            .unwrap_or_else(|_| panic!("{what} hung"))
    }
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("model.whyrec");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let zero = dir.path().join("zero.whyrec");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    for path in [fifo.clone(), zero.clone()] {
        let p = path.clone();
        let err = within("model load", move || HybridModel::load(&p).map(|_| ()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a regular file"), "{err}");
    }
    // The same for a data file.
    let data = ml100k_edited(|d| {
        std::fs::remove_file(d.join("u.data")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", d.join("u.data")).unwrap();
    });
    let p: PathBuf = data.path().to_path_buf();
    let err = within("data load", move || load(&p).map(|_| ())).unwrap_err();
    assert!(err.contains("regular file"), "{err}");
}

/// Item 7: More than 65,536 distinct genres or occupations is refused (their indices are 16-bit), at
/// the line that names the one too many.
#[test]
fn too_many_genres_or_occupations_are_refused_not_wrapped() {
    let n = (1usize << 16) + 1;
    let csv = tempfile::tempdir().unwrap();
    let mut movies = String::from("movieId,title,genres\n");
    for m in 1..=n {
        movies.push_str(&format!("{m},Movie {m} (2000),G{m:06}\n"));
    }
    std::fs::write(csv.path().join("movies.csv"), movies).unwrap();
    std::fs::write(
        csv.path().join("ratings.csv"),
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n",
    )
    .unwrap();
    let err = load(csv.path()).unwrap_err();
    assert!(
        err.contains(&format!("movies.csv:{}:", n + 1)) && err.contains("at most 65536"),
        "{err}"
    );

    let users = ml100k_edited(|d| {
        let lines: String = (1..=n)
            .map(|u| format!("{u}|30|M|job{u}|00000\n"))
            .collect();
        std::fs::write(d.join("u.user"), lines).unwrap();
    });
    let err = load(users.path()).unwrap_err();
    assert!(
        err.contains(&format!("u.user:{n}:")) && err.contains("at most 65536"),
        "{err}"
    );
}

/// Item 8: A NUL byte anywhere in a text file (not only in its first 4 KiB) is refused at its line.
#[test]
fn a_nul_byte_anywhere_is_refused_at_its_line() {
    let dir = ml100k_edited(|d| {
        let mut item = Vec::new();
        for m in 1..=200 {
            let title = if m == 150 {
                "Train\0spotting (1996)".to_string()
            } else {
                format!("Movie {m} (1990)")
            };
            item.extend_from_slice(
                format!(
                    "{m}|{title}|01-Jan-1990||http://x|0|1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0\n"
                )
                .as_bytes(),
            );
        }
        assert!(item.len() > 4096);
        std::fs::write(d.join("u.item"), item).unwrap();
    });
    let err = load(dir.path()).unwrap_err();
    assert!(err.contains("u.item:150:") && err.contains("NUL"), "{err}");
}

/// Item 9: Work asked for on the command line is bounded, and negative numbers are invalid values.
#[test]
fn arguments_are_bounded_and_negative_numbers_are_invalid_values() {
    let home = tempfile::tempdir().unwrap();
    for (args, needle) in [
        (
            vec![
                "whatif",
                "--user",
                "1",
                "--without",
                "1",
                "--sweeps",
                "1000000000",
            ],
            "not in 1..=1000",
        ),
        (vec!["train", "--iterations", "100000"], "not in 1..=1000"),
        (vec!["train", "--factors", "100000"], "not in 1..=256"),
        (
            vec!["recommend", "--user", "1", "--k", "100000"],
            "not in 1..=10000",
        ),
        (
            vec!["explain-report", "--users", "1000000000"],
            "not in 0..=100000",
        ),
        (
            vec!["recommend", "--user", "1", "--k", "-1"],
            "invalid value '-1'",
        ),
        (vec!["train", "--iterations", "-5"], "invalid value '-5'"),
        (
            vec!["explain-report", "--users", "-1"],
            "invalid value '-1'",
        ),
    ] {
        let out = common::run_whyrec(&args, home.path());
        let text = common::output_text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {text}");
        assert!(text.contains(needle), "{args:?}: {text}");
        assert!(!text.contains("unexpected argument"), "{args:?}: {text}");
    }
}

/// Item 10: A damaged id in the movie or user file is reported at that line, not at the first rating
/// that names the id it lost.
#[test]
fn a_damaged_id_is_reported_at_its_own_line() {
    let movie = ml100k_edited(|d| replace_in(&d.join("u.item"), "2|Beta", "200|Beta"));
    let err = load(movie.path()).unwrap_err();
    assert!(
        err.contains("u.item:2:") && err.contains("movie id 200") && err.contains("u.data:2"),
        "{err}"
    );
    let user = ml100k_edited(|d| replace_in(&d.join("u.user"), "2|53|F", "20|53|F"));
    let err = load(user.path()).unwrap_err();
    assert!(
        err.contains("u.user:2:") && err.contains("user id 20"),
        "{err}"
    );
    // Without such a line the rating's line is named, as before.
    let unknown = ml100k_edited(|d| {
        common::write_ratings(d, "1\t1\t5\t881250949\n1\t9\t3\t881250950\n");
    });
    let err = load(unknown.path()).unwrap_err();
    assert!(
        err.contains("u.data:2:") && err.contains("unknown movie"),
        "{err}"
    );
}
