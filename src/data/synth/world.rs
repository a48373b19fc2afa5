//! The latent world behind a synthetic dataset, built sequentially from the master seed: genre
//! latent vectors, items (genres, year, quality, popularity, factor), demographic group vectors
//! and users (demographics, zip code, exact rating count). User factors themselves are drawn per
//! chunk in [`super::sample`] so that the bulk of the work runs in parallel.

use rand::distributions::{Distribution, WeightedIndex};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{LogNormal, StandardNormal};

use crate::data::dataset::{AGE_BUCKETS, ML1M_OCCUPATIONS};

/// The 18 ML-1M genres with their number of movies in ML-1M (skewed: Drama, Comedy first).
pub const GENRES: [(&str, u32); 18] = [
    ("Action", 503),
    ("Adventure", 283),
    ("Animation", 105),
    ("Children's", 251),
    ("Comedy", 1200),
    ("Crime", 211),
    ("Documentary", 127),
    ("Drama", 1603),
    ("Fantasy", 68),
    ("Film-Noir", 44),
    ("Horror", 343),
    ("Musical", 114),
    ("Mystery", 106),
    ("Romance", 471),
    ("Sci-Fi", 276),
    ("Thriller", 492),
    ("War", 143),
    ("Western", 68),
];

/// ML-1M's users per age bucket (in [`AGE_BUCKETS`] order), per occupation code and per gender (F, M).
const AGE_USERS: [u32; 7] = [222, 1103, 2096, 1193, 550, 496, 380];
const OCCUPATION_USERS: [u32; 21] = [
    711, 528, 267, 173, 759, 112, 236, 679, 17, 92, 195, 129, 388, 142, 302, 144, 241, 502, 70, 72,
    281,
];
const FEMALE_SHARE: f64 = 1709.0 / 6040.0;
/// Share of movies with 1, 2 and 3 genres.
const GENRE_COUNT_WEIGHTS: [f64; 3] = [0.52, 0.36, 0.12];

/// Every user rates at least this many items (as in ML-1M), or every item when there are fewer.
pub const MIN_USER_RATINGS: usize = 20;
/// Spread of user activity above the minimum (lognormal; ML-1M: mean 166, median 96).
const ACTIVITY_SIGMA: f64 = 1.05;
/// Item popularity weight `(rank + offset)^-exponent`, offset as a share of the item count.
const ZIPF_EXPONENT: f64 = 1.3;
const ZIPF_OFFSET_SHARE: f64 = 0.01;

/// Weights of the latent parts: each demographic group vector and the user's own noise; the
/// (normalised) genre sum and the item's own noise.
pub const USER_GROUP_WEIGHT: f32 = 0.5;
pub const USER_OWN_WEIGHT: f32 = 1.0;
const ITEM_GENRE_WEIGHT: f32 = 1.0;
const ITEM_OWN_WEIGHT: f32 = 0.8;
/// Item factors (sd ≈ 1.3) are stored as `round(x × FACTOR_QUANTUM)` in `i8`.
const FACTOR_QUANTUM: f32 = 20.0;

/// One synthetic user's demographics and rating count.
#[derive(Debug, Clone, Copy)]
pub struct UserMeta {
    /// 0 = F, 1 = M.
    pub gender: u8,
    /// Index into [`AGE_BUCKETS`].
    pub age: u8,
    /// ML-1M occupation code.
    pub occupation: u8,
    pub zip: u32,
    pub count: u32,
}

/// Walker/Vose alias table: O(1) draws from a discrete distribution; one packed 8-byte entry
/// (keep probability, alias) per outcome, so that a draw touches a single cache line.
pub struct Alias {
    table: Vec<(f32, u32)>,
}

impl Alias {
    pub fn new(weights: &[f64]) -> Alias {
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        let mut prob: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&i| prob[i] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s] = l as u32;
            prob[l] -= 1.0 - prob[s];
            if prob[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        for i in large.into_iter().chain(small) {
            prob[i] = 1.0;
        }
        Alias {
            table: prob.iter().map(|&p| p as f32).zip(alias).collect(),
        }
    }

    pub fn sample<R: Rng>(&self, rng: &mut R) -> u32 {
        let i = rng.gen_range(0..self.table.len());
        let (keep, alias) = self.table[i];
        if rng.gen::<f32>() < keep {
            i as u32
        } else {
            alias
        }
    }
}

/// Everything shared read-only by the chunk workers. Items used in sampling are stored by
/// popularity rank ("slots", slot 0 the most popular) so that the items drawn most often sit
/// together in memory; their factors are quantised to `i8` (the quantised values *are* the
/// factors) to keep the whole catalogue cache-resident.
pub struct World {
    pub rank: usize,
    /// Item index (0-based; the file id is index + 1) of each slot.
    pub slot_item: Vec<u32>,
    /// Slots × rank, row-major.
    pub slot_factors: Vec<i8>,
    /// Item-level rating offset of each slot (some movies are simply better), standard normal.
    pub slot_quality: Vec<f32>,
    /// Popularity weight of each slot (descending, sums to 1) and an alias table over it.
    pub slot_popularity: Vec<f64>,
    pub popularity_alias: Alias,
    /// Genre indices into [`GENRES`] (ascending) and release year, by item index.
    pub item_genres: Vec<Vec<u8>>,
    pub item_years: Vec<u16>,
    /// Group vectors (rank each): 2 genders, 7 age buckets, 21 occupations.
    pub gender_factors: Vec<f32>,
    pub age_factors: Vec<f32>,
    pub occupation_factors: Vec<f32>,
    pub users: Vec<UserMeta>,
    /// Second moment of the item factors over the catalogue (rank × rank): `fᵀ M f` is the mean
    /// squared affinity of a user factor `f`, used to put every user's affinities on a unit scale.
    pub item_moment: Vec<f32>,
}

fn normals(rng: &mut ChaCha8Rng, n: usize, scale: f32) -> Vec<f32> {
    (0..n)
        .map(|_| scale * rng.sample::<f32, _>(StandardNormal))
        .collect()
}

impl World {
    /// Builds the world for `n_ratings` ratings in all (users' counts from [`user_counts`]).
    pub fn build(
        rng: &mut ChaCha8Rng,
        n_users: usize,
        n_items: usize,
        n_ratings: usize,
        rank: usize,
    ) -> World {
        // Genres and items.
        let genre_factors = normals(rng, GENRES.len() * rank, 1.0);
        let genre_pick = WeightedIndex::new(GENRES.iter().map(|g| g.1)).expect("positive weights");
        let count_pick = WeightedIndex::new(GENRE_COUNT_WEIGHTS).expect("positive weights");
        let mut item_factors = vec![0f32; n_items * rank];
        let mut item_genres = Vec::with_capacity(n_items);
        let mut item_years = Vec::with_capacity(n_items);
        let mut item_quality = Vec::with_capacity(n_items);
        for row in item_factors.chunks_exact_mut(rank) {
            let k = count_pick.sample(rng) + 1;
            let mut g: Vec<u8> = Vec::with_capacity(k);
            while g.len() < k {
                let c = genre_pick.sample(rng) as u8;
                if !g.contains(&c) {
                    g.push(c);
                }
            }
            g.sort_unstable();
            let w = ITEM_GENRE_WEIGHT / (k as f32).sqrt();
            for (d, x) in row.iter_mut().enumerate() {
                let genre_sum: f32 = g
                    .iter()
                    .map(|&c| genre_factors[c as usize * rank + d])
                    .sum();
                *x = w * genre_sum + ITEM_OWN_WEIGHT * rng.sample::<f32, _>(StandardNormal);
            }
            item_genres.push(g);
            // Skewed towards the 1990s, as MovieLens is (median ≈ 1995).
            item_years.push(2000 - (81.0 * rng.gen::<f64>().powf(3.5)).floor() as u16);
            item_quality.push(rng.sample::<f32, _>(StandardNormal));
        }
        // Popularity: a Zipf-like weight over a random ranking of the items.
        let mut slot_item: Vec<u32> = (0..n_items as u32).collect();
        slot_item.shuffle(rng);
        let offset = ZIPF_OFFSET_SHARE * n_items as f64;
        let mut slot_popularity: Vec<f64> = (0..n_items)
            .map(|r| (r as f64 + 1.0 + offset).powf(-ZIPF_EXPONENT))
            .collect();
        let total: f64 = slot_popularity.iter().sum();
        slot_popularity.iter_mut().for_each(|p| *p /= total);
        let popularity_alias = Alias::new(&slot_popularity);
        let slot_quality = slot_item
            .iter()
            .map(|&i| item_quality[i as usize])
            .collect();
        let mut slot_factors = Vec::with_capacity(n_items * rank);
        for &i in &slot_item {
            let row = &item_factors[i as usize * rank..(i as usize + 1) * rank];
            slot_factors.extend(
                row.iter()
                    .map(|x| (x * FACTOR_QUANTUM).round().clamp(-127.0, 127.0) as i8),
            );
        }
        let mut moment = vec![0f64; rank * rank];
        for v in slot_factors.chunks_exact(rank) {
            for (j, &x) in v.iter().enumerate() {
                for (k, &y) in v.iter().enumerate() {
                    moment[j * rank + k] += f64::from(x) * f64::from(y);
                }
            }
        }

        // Demographic groups and users.
        let gender_factors = normals(rng, 2 * rank, 1.0);
        let age_factors = normals(rng, AGE_BUCKETS.len() * rank, 1.0);
        let occupation_factors = normals(rng, ML1M_OCCUPATIONS.len() * rank, 1.0);
        let age_pick = WeightedIndex::new(AGE_USERS).expect("positive weights");
        let occ_pick = WeightedIndex::new(OCCUPATION_USERS).expect("positive weights");
        let activity = LogNormal::new(0.0, ACTIVITY_SIGMA).expect("valid lognormal");
        let mut users = Vec::with_capacity(n_users);
        let mut raw_activity = Vec::with_capacity(n_users);
        for _ in 0..n_users {
            users.push(UserMeta {
                gender: u8::from(!rng.gen_bool(FEMALE_SHARE)),
                age: age_pick.sample(rng) as u8,
                occupation: occ_pick.sample(rng) as u8,
                zip: rng.gen_range(0..100_000),
                count: 0,
            });
            raw_activity.push(activity.sample(rng));
        }
        for (u, c) in users
            .iter_mut()
            .zip(user_counts(&raw_activity, n_items, n_ratings))
        {
            u.count = c;
        }
        World {
            rank,
            slot_item,
            slot_factors,
            slot_quality,
            slot_popularity,
            popularity_alias,
            item_genres,
            item_years,
            gender_factors,
            age_factors,
            occupation_factors,
            users,
            item_moment: moment.iter().map(|m| (m / n_items as f64) as f32).collect(),
        }
    }

    pub fn n_items(&self) -> usize {
        self.item_years.len()
    }

    pub fn slot_factor(&self, slot: usize) -> &[i8] {
        &self.slot_factors[slot * self.rank..(slot + 1) * self.rank]
    }
}

/// Exact per-user counts: `min + extra`, `extra` proportional to the user's activity, each capped
/// at the item count, summing to exactly `total` (the caller has checked that this is feasible).
pub fn user_counts(activity: &[f64], n_items: usize, total: usize) -> Vec<u32> {
    let min = MIN_USER_RATINGS.min(n_items) as f64;
    let cap = n_items as f64 - min;
    let extra = total as f64 - min * activity.len() as f64;
    let filled = |s: f64| -> f64 { activity.iter().map(|a| (a * s).min(cap)).sum() };
    // Largest scale s with filled(s) <= extra (filled is continuous and non-decreasing).
    let (mut lo, mut hi) = (0.0f64, 1.0f64);
    while filled(hi) < extra && hi < 1e300 {
        hi *= 2.0;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if filled(mid) <= extra {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let real: Vec<f64> = activity.iter().map(|a| (a * lo).min(cap)).collect();
    let mut counts: Vec<u32> = real.iter().map(|x| (min + x.floor()) as u32).collect();
    let assigned: usize = counts.iter().map(|&c| c as usize).sum();
    // Hand out the remainder by largest fractional part, then (if rounding left more) to anyone
    // below the cap in index order.
    let mut missing = total.saturating_sub(assigned);
    let mut by_frac: Vec<usize> = (0..counts.len()).filter(|&u| real[u] < cap).collect();
    by_frac.sort_by(|&a, &b| {
        (real[b] - real[b].floor())
            .total_cmp(&(real[a] - real[a].floor()))
            .then(a.cmp(&b))
    });
    for u in by_frac {
        if missing == 0 {
            break;
        }
        counts[u] += 1;
        missing -= 1;
    }
    while missing > 0 {
        for c in counts
            .iter_mut()
            .filter(|c| (**c as usize) < n_items)
            .take(missing)
        {
            *c += 1;
            missing -= 1;
        }
    }
    counts
}
