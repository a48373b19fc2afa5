//! Property tests: every parser gets arbitrary bytes and randomly mutated real lines, and must never
//! panic — only load or return an error. Each test reports how many inputs ran.

use crate::common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::prelude::*;
use whyrec::data::{load_dir, LoadOptions};

const CASES: u32 = 256;

/// Writes a valid fixture dataset into a folder.
type WriteFixture = fn(&Path);

fn shared(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/datasets")
        .join(rel)
}

/// First `n` lines of a real file (read at test time, never stored in the repository).
fn real_lines(rel: &str, n: usize) -> Vec<Vec<u8>> {
    let bytes = std::fs::read(shared(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    bytes
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .take(n)
        .map(<[u8]>::to_vec)
        .collect()
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Delete(usize),
    Insert(usize, u8),
    Truncate(usize),
    Duplicate,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let special = prop_oneof![
        Just(b'|'),
        Just(b':'),
        Just(b','),
        Just(b'\t'),
        Just(b'"'),
        Just(b'\n'),
        Just(0u8),
        Just(0xe9u8),
        Just(b'-'),
        any::<u8>()
    ];
    prop_oneof![
        (any::<usize>(), special.clone()).prop_map(|(p, b)| Mutation::Flip(p, b)),
        any::<usize>().prop_map(Mutation::Delete),
        (any::<usize>(), special).prop_map(|(p, b)| Mutation::Insert(p, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        Just(Mutation::Duplicate),
    ]
}

fn apply(lines: &[Vec<u8>], picks: &[(usize, Mutation)]) -> Vec<u8> {
    let mut lines = lines.to_vec();
    for (which, m) in picks {
        let n = lines.len();
        let line = &mut lines[which % n];
        let len = line.len().max(1);
        match *m {
            Mutation::Flip(p, b) if !line.is_empty() => line[p % len] = b,
            Mutation::Delete(p) if !line.is_empty() => {
                line.remove(p % len);
            }
            Mutation::Insert(p, b) => line.insert(p % (line.len() + 1), b),
            Mutation::Truncate(p) => line.truncate(p % len),
            Mutation::Duplicate => {
                let copy = line.clone();
                lines.push(copy);
            }
            _ => {}
        }
    }
    lines.join(&b'\n')
}

/// Runs `cases` inputs through the loader with `file` replaced; returns how many ran.
fn fuzz_file(
    write_valid: fn(&Path),
    file: &str,
    strategy: impl Strategy<Value = Vec<u8>>,
) -> usize {
    let dir = tempfile::tempdir().unwrap();
    write_valid(dir.path());
    let count = AtomicUsize::new(0);
    let mut runner = common::seeded_runner(CASES);
    runner
        .run(&strategy, |bytes| {
            std::fs::write(dir.path().join(file), &bytes).unwrap();
            for lenient in [false, true] {
                let _ = load_dir(dir.path(), LoadOptions { lenient });
            }
            count.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    count.into_inner()
}

fn report(name: &str, n: usize) {
    eprintln!("{name}: {n} inputs, no panic");
    assert_eq!(n, CASES as usize);
}

#[test]
fn arbitrary_bytes_never_panic() {
    let targets: [(WriteFixture, &str); 8] = [
        (common::write_ml100k, "u.data"),
        (common::write_ml100k, "u.item"),
        (common::write_ml100k, "u.user"),
        (common::write_dat, "ratings.dat"),
        (common::write_dat, "movies.dat"),
        (common::write_dat, "users.dat"),
        (common::write_csv, "ratings.csv"),
        (common::write_csv, "movies.csv"),
    ];
    let mut total = 0;
    for (write, file) in targets {
        let n = fuzz_file(write, file, proptest::collection::vec(any::<u8>(), 0..600));
        report(&format!("arbitrary bytes as {file}"), n);
        total += n;
    }
    eprintln!("arbitrary bytes: {total} inputs in all");
}

#[test]
fn mutated_real_lines_never_panic() {
    let targets: [(WriteFixture, &str, &str); 8] = [
        (common::write_ml100k, "u.data", "ml-100k/u.data"),
        (common::write_ml100k, "u.item", "ml-100k/u.item"),
        (common::write_ml100k, "u.user", "ml-100k/u.user"),
        (common::write_dat, "movies.dat", "ml-1m-meta/movies.dat"),
        (common::write_dat, "users.dat", "ml-1m-meta/users.dat"),
        (
            common::write_csv,
            "ratings.csv",
            "ml-latest-small/ratings.csv",
        ),
        (
            common::write_csv,
            "movies.csv",
            "ml-latest-small/movies.csv",
        ),
        (common::write_dat, "ratings.dat", "ml-100k/u.data"),
    ];
    let mut total = 0;
    for (write, file, source) in targets {
        let lines = real_lines(source, 40);
        let lines = if file == "ratings.dat" {
            // u.data lines rewritten in the ML-1M format.
            lines
                .iter()
                .map(|l| String::from_utf8_lossy(l).replace('\t', "::").into_bytes())
                .collect()
        } else {
            lines
        };
        let strategy = proptest::collection::vec((any::<usize>(), mutation()), 1..6)
            .prop_map(move |picks| apply(&lines, &picks));
        let n = fuzz_file(write, file, strategy);
        report(&format!("mutated {source} as {file}"), n);
        total += n;
    }
    eprintln!("mutated real lines: {total} inputs in all");
}
