//! Every kind of bad input gives an error naming the file, the line and what was expected.

use crate::common;

use std::path::Path;

use whyrec::data::{load_dir, load_kind, DatasetKind, LoadOptions};

fn load(dir: &Path) -> Result<whyrec::data::Dataset, String> {
    load_dir(dir, LoadOptions::default()).map_err(|e| e.to_string())
}

fn ml100k_with_ratings(ratings: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    common::write_ratings(dir.path(), ratings);
    let err = load(dir.path()).unwrap_err();
    (dir, err)
}

#[test]
fn valid_fixtures_load() {
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    let d = load(dir.path()).unwrap();
    assert_eq!((d.n_users(), d.n_items(), d.ratings.len()), (3, 4, 6));
    assert_eq!(d.items.titles[3], "Café (1998)");
    let dir = tempfile::tempdir().unwrap();
    common::write_csv(dir.path());
    let d = load(dir.path()).unwrap();
    assert_eq!((d.n_users(), d.n_items(), d.ratings.len()), (2, 3, 3));
    assert!(d.items.genres[2].is_empty());
    let dir = tempfile::tempdir().unwrap();
    common::write_dat(dir.path());
    let d = load(dir.path()).unwrap();
    assert_eq!(d.items.titles[2], "Café (1999)");
}

/// ML-10M's layout: `::`-separated, no users.dat, half-star ratings, UTF-8 or ISO-8859-1 titles.
#[test]
fn dat_without_users_like_ml10m() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("movies.dat"), b"1::Toy Story (1995)::Adventure|Animation\n2::Caf\xc3\xa9 (2001)::Drama\n3::Cr\xe8me (2002)::Comedy\n".as_slice()).unwrap();
    std::fs::write(
        dir.path().join("ratings.dat"),
        "5::1::4.5::838985046\n5::2::0.5::838983525\n9::3::3::838983392\n",
    )
    .unwrap();
    let d = load(dir.path()).unwrap();
    assert_eq!((d.n_users(), d.n_items(), d.ratings.len()), (2, 3, 3));
    assert!(d.users.demographics.is_none());
    assert_eq!(d.items.titles[1], "Café (2001)");
    assert_eq!(d.items.titles[2], "Crème (2002)");
    assert_eq!(d.ratings.rating, vec![4.5, 0.5, 3.0]);
}

#[test]
fn missing_file() {
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    std::fs::remove_file(dir.path().join("u.user")).unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(err.contains("u.user missing"), "{err}");
    let err = load_kind(
        DatasetKind::Ml100k,
        &dir.path().join("nope"),
        LoadOptions::default(),
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("not found"), "{err}");
}

#[test]
fn wrong_field_count() {
    let (_d, err) = ml100k_with_ratings("1\t1\t5\t881250949\n1\t2\t3\n");
    assert!(
        err.contains("u.data:2:") && err.contains("expected 4 fields"),
        "{err}"
    );
}

#[test]
fn non_numeric_field() {
    let (_d, err) = ml100k_with_ratings("1\t1\t5\t881250949\n1\tx2\t3\t881250950\n");
    assert!(
        err.contains("u.data:2:") && err.contains("movie id: expected a whole number"),
        "{err}"
    );
}

#[test]
fn rating_outside_scale() {
    let (_d, err) = ml100k_with_ratings("1\t1\t6\t881250949\n");
    assert!(
        err.contains("u.data:1:") && err.contains("outside the scale"),
        "{err}"
    );
    let (_d, err) = ml100k_with_ratings("1\t1\t3.5\t881250949\n");
    assert!(err.contains("outside the scale"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    common::write_csv(dir.path());
    std::fs::write(
        dir.path().join("ratings.csv"),
        "userId,movieId,rating,timestamp\n1,1,0.3,1\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(
        err.contains("ratings.csv:2:") && err.contains("outside the scale"),
        "{err}"
    );
}

#[test]
fn rating_for_unknown_movie() {
    let (_d, err) = ml100k_with_ratings("1\t1\t5\t881250949\n\n2\t99\t3\t881250950\n");
    assert!(
        err.contains("u.data:3:") && err.contains("unknown movie") && err.contains("99"),
        "{err}"
    );
}

#[test]
fn rating_by_unknown_user() {
    let dir = tempfile::tempdir().unwrap();
    common::write_dat(dir.path());
    std::fs::write(
        dir.path().join("ratings.dat"),
        "1::1::5::978300760\n7::1::3::978302109\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(
        err.contains("ratings.dat:2:") && err.contains("unknown user"),
        "{err}"
    );
}

#[test]
fn duplicate_user_item() {
    let (_d, err) = ml100k_with_ratings("1\t1\t5\t881250949\n2\t1\t4\t1\n1\t1\t3\t881250950\n");
    assert!(
        err.contains("u.data:3:") && err.contains("duplicate rating"),
        "{err}"
    );
}

#[test]
fn truncated_last_line() {
    // A cut inside the last number still parses as a number and cannot be told apart; a cut that
    // loses fields is reported with a hint that the file may be truncated.
    let (_d, err) = ml100k_with_ratings("1\t1\t5\t881250949\n1\t2\t");
    assert!(
        err.contains("u.data:2:") && err.contains("truncated"),
        "{err}"
    );
}

#[test]
fn wrong_encoding() {
    // Invalid UTF-8 in a UTF-8 file.
    let dir = tempfile::tempdir().unwrap();
    common::write_csv(dir.path());
    std::fs::write(
        dir.path().join("movies.csv"),
        b"movieId,title,genres\n1,Caf\xe9 (1995),Drama\n".as_slice(),
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(
        err.contains("movies.csv:2:") && err.contains("wrong encoding") && err.contains("UTF-8"),
        "{err}"
    );
    // UTF-16 text where ISO-8859-1 is expected.
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    let utf16: Vec<u8> = "1|24|M|technician|85711\n"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    std::fs::write(dir.path().join("u.user"), utf16).unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(
        err.contains("u.user") && err.contains("wrong encoding"),
        "{err}"
    );
}

#[test]
fn bad_header_and_bad_values() {
    let dir = tempfile::tempdir().unwrap();
    common::write_csv(dir.path());
    std::fs::write(
        dir.path().join("ratings.csv"),
        "user,movie,rating\n1,1,4.0,1\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(
        err.contains("ratings.csv:1:") && err.contains("expected the header"),
        "{err}"
    );
    let dir = tempfile::tempdir().unwrap();
    common::write_dat(dir.path());
    std::fs::write(
        dir.path().join("users.dat"),
        "1::F::1::10::48067\n2::X::56::16::70072\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(
        err.contains("users.dat:2:") && err.contains("gender"),
        "{err}"
    );
    std::fs::write(
        dir.path().join("users.dat"),
        "1::F::1::10::48067\n2::M::57::16::70072\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(err.contains("users.dat:2:") && err.contains("age"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    std::fs::write(
        dir.path().join("u.item"),
        "1|Alpha (1995)|01-Jan-1995||http://x|0|1\n",
    )
    .unwrap();
    let err = load(dir.path()).unwrap_err();
    assert!(
        err.contains("u.item:1:") && err.contains("expected 24 fields"),
        "{err}"
    );
}

#[test]
fn lenient_skips_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    common::write_ml100k(dir.path());
    common::write_ratings(
        dir.path(),
        "1\t1\t5\t881250949\n1\tx\t3\t1\n2\t99\t3\t1\n1\t1\t2\t1\n3\t4\t5\t1\n",
    );
    assert!(load(dir.path()).is_err());
    let d = load_dir(dir.path(), LoadOptions { lenient: true }).unwrap();
    assert_eq!(d.ratings.len(), 2);
    assert_eq!(d.skipped.count, 3);
    assert!(d.skipped.examples.iter().any(|e| e.contains("u.data:2:")));
}
