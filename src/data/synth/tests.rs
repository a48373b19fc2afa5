//! Tests of the synthetic generator at small sizes: exact counts, loading, determinism, the star
//! histogram, the long tail and that a simple collaborative model can learn the data.

use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::world::user_counts;
use super::*;
use crate::data::{load_dir, Dataset, LoadOptions};

const ML1M_SHARES: [f64; 5] = [0.056, 0.108, 0.261, 0.349, 0.226];

fn gen(config: &SynthConfig, dir: &Path) -> SynthSummary {
    generate(config, dir).expect("generation succeeds")
}

fn load(dir: &Path) -> Dataset {
    load_dir(dir, LoadOptions::default()).expect("synthetic data loads")
}

#[test]
fn exact_counts_and_loads_like_ml1m() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("synth-small");
    let config = SynthConfig::new(300, 250, 15_001, 3);
    let summary = gen(&config, &dir);
    assert_eq!(
        (summary.users, summary.items, summary.ratings),
        (300, 250, 15_001)
    );
    assert_eq!(summary.histogram.iter().sum::<u64>(), 15_001);
    assert!(summary.min_user_ratings >= MIN_USER_RATINGS && summary.max_user_ratings <= 250);
    for f in ["ratings.dat", "movies.dat", "users.dat", "README"] {
        assert!(dir.join(f).is_file(), "{f} written");
    }
    let leftovers: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary folders left: {leftovers:?}"
    );

    let ds = load(&dir);
    assert_eq!(
        (ds.n_users(), ds.n_items(), ds.ratings.len()),
        (300, 250, 15_001)
    );
    assert!(ds.has_demographics());
    assert_eq!(ds.genres.len(), GENRES.len(), "every ML-1M genre appears");
    assert!(ds.items.genres.iter().all(|g| (1..=3).contains(&g.len())));
    assert!(ds
        .items
        .years
        .iter()
        .all(|y| y.is_some_and(|y| (1919..=2000).contains(&y))));
    let mut per_user = vec![0usize; ds.n_users()];
    for (k, &u) in ds.ratings.user.iter().enumerate() {
        per_user[u as usize] += 1;
        let t = ds.ratings.timestamp[k];
        assert!((sample::FIRST_TIMESTAMP..=sample::LAST_TIMESTAMP).contains(&t));
        if k > 0 && ds.ratings.user[k - 1] == u {
            assert!(
                ds.ratings.timestamp[k - 1] <= t,
                "timestamps ascend within a user"
            );
        }
    }
    assert!(per_user.iter().all(|&c| c >= MIN_USER_RATINGS));
    let stars: u64 = ds.ratings.rating.iter().filter(|&&r| r == 5.0).count() as u64;
    assert_eq!(stars, summary.histogram[4]);
}

#[test]
fn same_seed_same_bytes_any_thread_count() {
    let tmp = tempfile::tempdir().unwrap();
    // More than one chunk of users, so that chunks really run in parallel.
    let config = SynthConfig::new(2 * sample::CHUNK_USERS + 17, 300, 40_000, 11);
    let in_pool = |threads: usize, name: &str| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let dir = tmp.path().join(name);
        pool.install(|| gen(&config, &dir));
        dir
    };
    let (a, b) = (in_pool(1, "a"), in_pool(2, "b"));
    let c = tmp.path().join("c");
    gen(
        &SynthConfig {
            seed: 12,
            ..config.clone()
        },
        &c,
    );
    for f in ["ratings.dat", "movies.dat", "users.dat", "README"] {
        assert!(
            fs::read(a.join(f)).unwrap() == fs::read(b.join(f)).unwrap(),
            "{f} identical"
        );
    }
    for f in ["ratings.dat", "movies.dat", "users.dat"] {
        assert!(
            fs::read(a.join(f)).unwrap() != fs::read(c.join(f)).unwrap(),
            "{f} differs for another seed"
        );
    }
}

#[test]
fn histogram_close_to_ml1m_and_long_tail() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("h");
    let summary = gen(&SynthConfig::new(2_000, 1_000, 90_000, 5), &dir);
    for (star, (&got, &want)) in summary.histogram_share.iter().zip(&ML1M_SHARES).enumerate() {
        assert!(
            (got - want).abs() < 0.03,
            "{} stars: {got:.3} vs ML-1M {want:.3} ({summary:?})",
            star + 1
        );
    }
    // Long tail, recomputed from the loaded files.
    let ds = load(&dir);
    let mut counts = vec![0usize; ds.n_items()];
    ds.ratings
        .item
        .iter()
        .for_each(|&i| counts[i as usize] += 1);
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top: usize = counts[..ds.n_items() / 10].iter().sum();
    let share = top as f64 / ds.ratings.len() as f64;
    assert!(share > 0.35, "top 10% of items hold {share:.3} of ratings");
    assert!((summary.top_decile_item_share - share).abs() < 0.01);
}

/// P@10 on held-out positives (>= 4 stars) of item-kNN (cosine over train positives) and of
/// popularity (train positives per item), both skipping each user's training items.
fn knn_and_popularity_p10(ds: &Dataset, seed: u64) -> (f64, f64) {
    let n = ds.n_items();
    let mut rated: Vec<Vec<(u32, f32)>> = vec![Vec::new(); ds.n_users()];
    for k in 0..ds.ratings.len() {
        rated[ds.ratings.user[k] as usize].push((ds.ratings.item[k], ds.ratings.rating[k]));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut splits = Vec::new();
    let mut cooc = vec![0f32; n * n];
    let mut count = vec![0f32; n];
    for r in &rated {
        let mut pos: Vec<u32> = r.iter().filter(|x| x.1 >= 4.0).map(|x| x.0).collect();
        pos.shuffle(&mut rng);
        let n_test = pos.len() / 5;
        let test: Vec<u32> = pos[..n_test].to_vec();
        let train_pos: Vec<u32> = pos[n_test..].to_vec();
        for &a in &train_pos {
            count[a as usize] += 1.0;
            for &b in &train_pos {
                cooc[a as usize * n + b as usize] += 1.0;
            }
        }
        let seen: Vec<u32> = r
            .iter()
            .map(|x| x.0)
            .filter(|i| !test.contains(i))
            .collect();
        splits.push((seen, train_pos, test));
    }
    let top10_hits = |scores: &[f32], seen: &[u32], test: &[u32]| -> usize {
        let mut order: Vec<u32> = (0..n as u32).filter(|i| !seen.contains(i)).collect();
        order.sort_by(|&a, &b| {
            scores[b as usize]
                .total_cmp(&scores[a as usize])
                .then(a.cmp(&b))
        });
        order.iter().take(10).filter(|i| test.contains(i)).count()
    };
    let (mut knn, mut pop, mut users) = (0usize, 0usize, 0usize);
    let mut scores = vec![0f32; n];
    for (seen, train_pos, test) in &splits {
        if test.is_empty() {
            continue;
        }
        users += 1;
        scores.iter_mut().for_each(|s| *s = 0.0);
        for &p in train_pos {
            for (j, s) in scores.iter_mut().enumerate() {
                let c = cooc[p as usize * n + j];
                if c > 0.0 {
                    *s += c / (count[p as usize] * count[j]).sqrt();
                }
            }
        }
        knn += top10_hits(&scores, seen, test);
        pop += top10_hits(&count, seen, test);
    }
    let p10 = |hits: usize| hits as f64 / (10 * users) as f64;
    (p10(knn), p10(pop))
}

#[test]
fn item_knn_beats_popularity() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("learn");
    gen(&SynthConfig::new(500, 400, 30_000, 21), &dir);
    let (knn, pop) = knn_and_popularity_p10(&load(&dir), 1);
    assert!(
        knn >= 1.3 * pop,
        "item-kNN P@10 {knn:.4} vs popularity {pop:.4}"
    );
}

#[test]
fn user_counts_hit_the_total_exactly() {
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let activity: Vec<f64> = (0..1000)
        .map(|_| rand::Rng::gen::<f64>(&mut rng).powi(3) * 50.0)
        .collect();
    for (items, total) in [
        (300, 20_000),
        (300, 300_000),
        (300, 150_000),
        (10, 10_000),
        (5000, 1_234_567),
    ] {
        let counts = user_counts(&activity, items, total);
        assert_eq!(
            counts.iter().map(|&c| c as usize).sum::<usize>(),
            total,
            "{items} items, {total} ratings"
        );
        assert!(counts
            .iter()
            .all(|&c| c as usize >= MIN_USER_RATINGS.min(items) && c as usize <= items));
    }
}

#[test]
fn refuses_bad_shapes_and_foreign_folders() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("x");
    for bad in [
        SynthConfig::new(0, 10, 0, 1),
        SynthConfig::new(10, 50, 199, 1),
        SynthConfig::new(10, 50, 501, 1),
        SynthConfig {
            rank: 0,
            ..SynthConfig::new(10, 50, 300, 1)
        },
    ] {
        let err = generate(&bad, &dir).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput, "{bad:?}");
    }
    assert!(!dir.exists());
    // Tiny catalogue: every user rates every item.
    let full = gen(&SynthConfig::new(30, 12, 360, 1), &dir);
    assert_eq!((full.min_user_ratings, full.max_user_ratings), (12, 12));
    // An earlier synthetic folder is replaced; a foreign one is left alone.
    gen(&SynthConfig::new(30, 40, 900, 2), &dir);
    assert_eq!(load(&dir).n_items(), 40);
    let foreign = tmp.path().join("foreign");
    fs::create_dir(&foreign).unwrap();
    fs::write(foreign.join("ratings.dat"), "1::1::5::978300760\n").unwrap();
    let err = generate(&SynthConfig::new(30, 40, 900, 2), &foreign).unwrap_err();
    assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
    assert_eq!(
        fs::read_to_string(foreign.join("ratings.dat")).unwrap(),
        "1::1::5::978300760\n"
    );
    let names: Vec<_> = fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 2, "no temporary folders left: {names:?}");
}
