//! The data layer on the real MovieLens copies in `../shared/datasets`.

use std::path::PathBuf;

use crate::common;

use whyrec::data::split::{self, holdout_count, Split};
use whyrec::data::{interactions, load_dir, load_kind, Dataset, DatasetKind, LoadOptions};

fn shared(name: &str) -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets")
        .join(name);
    assert!(
        p.is_dir(),
        "{} is missing: tests need ../shared/datasets beside the project",
        p.display()
    );
    p
}

fn ml100k() -> Dataset {
    load_kind(
        DatasetKind::Ml100k,
        &shared("ml-100k"),
        LoadOptions::default(),
    )
    .unwrap()
}

#[test]
fn ml100k_counts_and_features() {
    let d = ml100k();
    assert_eq!(
        (d.ratings.len(), d.n_users(), d.n_items()),
        (100_000, 943, 1_682)
    );
    assert_eq!(d.genres.len(), 19);
    assert_eq!(d.items.titles[0], "Toy Story (1995)");
    assert_eq!(d.items.years[0], Some(1995));
    let demo = d.users.demographics.as_ref().unwrap();
    assert_eq!(demo.occupations.len(), 21);
    // u.user line 1: 1|24|M|technician|85711
    assert_eq!(d.user_id(0), 1);
    assert_eq!(demo.exact_age[0], Some(24));
    assert_eq!(demo.zip[0], "85711");
    let pos = interactions::Positives::from_dataset(&d, 4.0);
    assert_eq!(
        pos.by_user.nnz(),
        d.ratings.rating.iter().filter(|&&r| r >= 4.0).count()
    );
    assert_eq!(pos.by_item.nnz(), pos.by_user.nnz());
    let g = interactions::item_genre_features(&d);
    assert_eq!(g.matrix.row_len(0), 3); // Toy Story: Animation, Children's, Comedy
    let u = interactions::user_demographic_features(&d).unwrap();
    assert!((0..d.n_users()).all(|r| u.matrix.row_len(r) == 3));
    assert_eq!(d.catalog().len(), 1_682);
    // Accented title decodes from ISO-8859-1.
    assert!(
        d.items.titles.iter().any(|t| t.contains('é')),
        "no accented title decoded"
    );
}

/// A copy of ml-latest-small with one line GroupLens' file does not have (line 100838,
/// `999,999999,5.0,1493846415`, a movie not in movies.csv): strict
/// loading names it; `--lenient` skips it with a count and gives the published counts.
#[test]
fn ml_latest_small_strict_names_the_bad_line() {
    let tmp = tempfile::tempdir().unwrap();
    let broken = common::broken_latest_small(tmp.path());
    let err = load_kind(DatasetKind::MlLatestSmall, &broken, LoadOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("ratings.csv:100838:")
            && text.contains("unknown movie")
            && text.contains("999999"),
        "{text}"
    );
    let d = load_kind(
        DatasetKind::MlLatestSmall,
        &broken,
        LoadOptions { lenient: true },
    )
    .unwrap();
    assert_eq!((d.skipped.count, d.ratings.len()), (1, 100_836));
}

fn latest_small() -> Dataset {
    let d = load_kind(
        DatasetKind::MlLatestSmall,
        &shared("ml-latest-small"),
        LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(d.skipped.count, 0, "{:?}", d.skipped.examples);
    d
}

#[test]
fn ml_latest_small_counts_and_no_demographics() {
    let d = latest_small();
    assert_eq!(
        (d.ratings.len(), d.n_users(), d.n_items()),
        (100_836, 610, 9_742)
    );
    assert!(d.users.demographics.is_none());
    assert!(interactions::user_demographic_features(&d).is_none());
    assert_eq!(d.catalog().len(), 9_724);
    assert!(d.ratings.rating.contains(&0.5));
    // A title with a comma inside quotes.
    let i = d.item_index(11).unwrap() as usize;
    assert_eq!(d.items.titles[i], "American President, The (1995)");
    assert!(!d.genres.iter().any(|g| g == "(no genres listed)"));
}

#[test]
fn ml1m_meta_without_ratings_is_refused() {
    let err = load_kind(
        DatasetKind::Ml1m,
        &shared("ml-1m-meta"),
        LoadOptions::default(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("ratings.dat missing"), "{err}");
    let err = load_dir(&shared("ml-1m-meta"), LoadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("ratings.dat missing"), "{err}");
}

/// ML-1M fixture: the real movies.dat and users.dat plus generated ratings.dat lines.
#[test]
fn ml1m_fixture_from_real_metadata() {
    let meta = shared("ml-1m-meta");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(meta.join("movies.dat"), dir.path().join("movies.dat")).unwrap();
    std::fs::copy(meta.join("users.dat"), dir.path().join("users.dat")).unwrap();
    let movies = std::fs::read(meta.join("movies.dat")).unwrap();
    let movie_ids: Vec<u32> = movies
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .map(|l| {
            String::from_utf8_lossy(l)
                .split("::")
                .next()
                .unwrap()
                .parse()
                .unwrap()
        })
        .collect();
    let mut ratings = String::new();
    for user in 1..=6040u32 {
        for k in 0..3u32 {
            let m = movie_ids[((user * 7 + k * 131) as usize) % movie_ids.len()];
            ratings.push_str(&format!(
                "{user}::{m}::{}::{}\n",
                1 + (user + k) % 5,
                956_703_932 + user + k
            ));
        }
    }
    std::fs::write(dir.path().join("ratings.dat"), ratings).unwrap();
    let d = load_kind(DatasetKind::Ml1m, dir.path(), LoadOptions::default()).unwrap();
    assert_eq!(
        (d.n_users(), d.n_items(), d.ratings.len()),
        (6_040, 3_883, 18_120)
    );
    let title = |id: u32| d.items.titles[d.item_index(id).unwrap() as usize].clone();
    // Colons inside titles are not separators.
    assert_eq!(title(260), "Star Wars: Episode IV - A New Hope (1977)");
    // ISO-8859-1 accents decode.
    assert!(d
        .items
        .titles
        .iter()
        .any(|t| t.contains('é') || t.contains('è') || t.contains('ü')));
    let demo = d.users.demographics.as_ref().unwrap();
    assert_eq!(demo.occupations.len(), 21);
    assert_eq!(d.items.genres[d.item_index(1).unwrap() as usize].len(), 3);
    // Same through layout detection.
    let again = load_dir(dir.path(), LoadOptions::default()).unwrap();
    assert_eq!(again.ratings.len(), 18_120);
}

#[test]
fn holdout20_follows_protocol() {
    let d = ml100k();
    let s = split::holdout(&d, 7, 4.0);
    let mut positives = vec![0usize; d.n_users()];
    for k in 0..d.ratings.len() {
        if d.ratings.rating[k] >= 4.0 {
            positives[d.ratings.user[k] as usize] += 1;
        }
    }
    let mut train = vec![0usize; d.n_users()];
    let mut test = vec![0usize; d.n_users()];
    s.train.iter().for_each(|r| train[r.user as usize] += 1);
    s.test.iter().for_each(|r| test[r.user as usize] += 1);
    for u in 0..d.n_users() {
        let n = positives[u];
        let expected = if n >= 2 {
            ((0.2 * n as f64).round() as usize).max(1)
        } else {
            0
        };
        assert_eq!(test[u], expected, "user {u} with {n} positives");
        assert_eq!(train[u] + test[u], n);
    }
    assert!(s.train.iter().chain(&s.test).all(|r| r.rating >= 4.0));
    assert_eq!(holdout_count(1), 0);
    assert_eq!(holdout_count(2), 1);
    assert_eq!(holdout_count(12), 2);
    assert_eq!(holdout_count(13), 3);
    // Seeded: same seed same split, other seed another split.
    assert_eq!(split::holdout(&d, 7, 4.0), s);
    assert_ne!(split::holdout(&d, 8, 4.0).test, s.test);
    // No test positive is also a train positive.
    let train_set: std::collections::HashSet<(u32, u32)> =
        s.train.iter().map(|r| (r.user, r.item)).collect();
    assert!(s
        .test
        .iter()
        .all(|r| !train_set.contains(&(r.user, r.item))));
}

#[test]
fn split_export_import_round_trips() {
    let d = ml100k();
    for s in [
        split::holdout(&d, 3, 4.0),
        split::random_ratings(&d, 3),
        split::ml100k_fold(&d, "u1").unwrap(),
    ] {
        let dir = tempfile::tempdir().unwrap();
        s.export(&d, dir.path()).unwrap();
        let back = Split::import(&d, dir.path()).unwrap();
        assert_eq!(back.train, s.train);
        assert_eq!(back.test, s.test);
        // Exporting again gives the same bytes.
        let dir2 = tempfile::tempdir().unwrap();
        back.export(&d, dir2.path()).unwrap();
        for f in ["train.csv", "test.csv"] {
            assert_eq!(
                std::fs::read(dir.path().join(f)).unwrap(),
                std::fs::read(dir2.path().join(f)).unwrap()
            );
        }
    }
    // Half stars survive the round trip.
    let small = latest_small();
    let s = split::random_ratings(&small, 1);
    let dir = tempfile::tempdir().unwrap();
    s.export(&small, dir.path()).unwrap();
    assert_eq!(Split::import(&small, dir.path()).unwrap().test, s.test);
}

#[test]
fn ml100k_canonical_folds() {
    let d = ml100k();
    for k in 1..=5 {
        let s = split::ml100k_fold(&d, &format!("u{k}")).unwrap();
        assert_eq!((s.train.len(), s.test.len()), (80_000, 20_000));
    }
    for f in ["ua", "ub"] {
        let s = split::ml100k_fold(&d, f).unwrap();
        assert_eq!((s.train.len(), s.test.len()), (90_570, 9_430));
    }
    assert!(split::ml100k_fold(&d, "u9").is_err());
    let r = split::random_ratings(&d, 1);
    assert_eq!((r.train.len(), r.test.len()), (90_000, 10_000));
}

#[test]
fn eda_on_both_datasets() {
    let d = ml100k();
    let r = whyrec::data::eda::analyse(&d).unwrap();
    assert_eq!(
        (r.counts.ratings, r.counts.users, r.counts.items),
        (100_000, 943, 1_682)
    );
    assert_eq!(
        r.ratings.histogram.iter().map(|b| b.count).sum::<usize>(),
        100_000
    );
    assert_eq!(r.ratings.histogram.len(), 5);
    assert_eq!(r.ratings_per_user.min, 20.0);
    assert_eq!(r.ratings_per_item.max, 583.0);
    assert!(r.demographics.available);
    assert_eq!(
        r.demographics.gender.iter().map(|g| g.users).sum::<usize>(),
        943
    );
    assert!(r.summary().contains("100000 ratings"));
    let small = latest_small();
    let r = whyrec::data::eda::analyse(&small).unwrap();
    assert_eq!(
        (
            r.counts.ratings,
            r.counts.users,
            r.counts.items,
            r.counts.items_rated
        ),
        (100_836, 610, 9_742, 9_724)
    );
    assert_eq!(r.ratings.histogram.len(), 10);
    assert!(!r.demographics.available);
    assert!(r
        .demographics
        .note
        .as_deref()
        .unwrap()
        .contains("no user demographics"));
}
