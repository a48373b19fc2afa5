//! Per-chunk rating generation. Each chunk of [`CHUNK_USERS`] users has its own ChaCha8 stream
//! derived from (seed, chunk index), so the output does not depend on the number of threads.
//!
//! For each user: a latent factor (demographic group vectors plus own noise), scaled so that its
//! affinities over the catalogue have unit mean square; a set of distinct items drawn without
//! replacement with weight `popularity × sigmoid(sharpness × (affinity − midpoint))` (rejection
//! sampling from the popularity alias table, or exponential-race keys over the whole catalogue for
//! heavy users); stars from the user-centred affinity plus item quality, user bias and noise, cut
//! at the standard-normal quantiles of ML-1M's histogram; ascending timestamps.

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Exp1, StandardNormal};

use super::world::{World, USER_GROUP_WEIGHT, USER_OWN_WEIGHT};
use super::write::push_u64;

/// Users per chunk (fixed, so that the chunking, and hence the output, is the same everywhere).
pub const CHUNK_USERS: usize = 256;
/// ML-1M's first and last timestamps (2000-04-25 and 2003-02-28).
pub const FIRST_TIMESTAMP: i64 = 956_703_932;
pub const LAST_TIMESTAMP: i64 = 1_046_454_590;

/// How strongly affinity drives which items a user rates.
const SELECT_SHARPNESS: f32 = 4.0;
/// Standardised affinity at which the keep probability is one half: well above the mean, so that
/// users mostly rate items they like (below it the keep probability falls off exponentially).
const SELECT_MIDPOINT: f32 = 1.25;
/// Standard-normal quantiles at ML-1M's cumulative star shares 5.6%, 16.4%, 42.5%, 77.4%.
const STAR_THRESHOLDS: [f32; 4] = [-1.589, -0.978, -0.189, 0.752];
/// Weights of the (unit-variance) parts of a rating score; their squares sum to 1.
const W_AFFINITY: f32 = 0.7;
const W_QUALITY: f32 = 0.25;
const W_USER_BIAS: f32 = 0.4;
const W_NOISE: f32 = 0.536_2;

/// One chunk's lines of `ratings.dat`, its star histogram and the items it rated.
pub struct ChunkOutput {
    pub bytes: Vec<u8>,
    pub histogram: [u64; 5],
    pub items: Vec<u32>,
}

/// The random stream of a chunk: the seed's key on stream `chunk + 1` (stream 0 builds the world).
pub fn chunk_rng(seed: u64, chunk: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(chunk as u64 + 1);
    rng
}

struct Scratch {
    seen: Vec<u64>,
    factor: Vec<f32>,
    /// (slot, affinity) of the user's rated items.
    chosen: Vec<(u32, f32)>,
    keys: Vec<(f64, u32, f32)>,
    times: Vec<i64>,
}

/// Probability of keeping a popularity draw with standardised affinity `aff`:
/// `sigmoid(sharpness × (aff − midpoint))`.
fn keep(aff: f32) -> f32 {
    1.0 / (1.0 + (SELECT_SHARPNESS * (SELECT_MIDPOINT - aff)).exp())
}

/// Generates the ratings of users `chunk * CHUNK_USERS ..` (at most [`CHUNK_USERS`] of them).
pub fn generate_chunk(world: &World, seed: u64, chunk: usize) -> ChunkOutput {
    let mut rng = chunk_rng(seed, chunk);
    let first = chunk * CHUNK_USERS;
    let last = (first + CHUNK_USERS).min(world.users.len());
    let n_ratings: usize = world.users[first..last]
        .iter()
        .map(|u| u.count as usize)
        .sum();
    let mut out = ChunkOutput {
        bytes: Vec::with_capacity(n_ratings * 26),
        histogram: [0; 5],
        items: Vec::with_capacity(n_ratings),
    };
    let mut s = Scratch {
        seen: vec![0; world.n_items().div_ceil(64)],
        factor: vec![0.0; world.rank],
        chosen: Vec::new(),
        keys: Vec::new(),
        times: Vec::new(),
    };
    for user in first..last {
        generate_user(world, &mut rng, user, &mut s, &mut out);
    }
    out
}

/// `factor · item factor`, in eight independent lanes (vectorised, and the same on every machine).
fn affinity(world: &World, factor: &[f32], slot: usize) -> f32 {
    let v = world.slot_factor(slot);
    let mut lanes = [0f32; 8];
    let (fa, va) = (factor.chunks_exact(8), v.chunks_exact(8));
    let tail: f32 = fa
        .remainder()
        .iter()
        .zip(va.remainder())
        .map(|(a, &b)| a * f32::from(b))
        .sum();
    for (a, b) in fa.zip(va) {
        for k in 0..8 {
            lanes[k] += a[k] * f32::from(b[k]);
        }
    }
    lanes.iter().sum::<f32>() + tail
}

fn generate_user(
    world: &World,
    rng: &mut ChaCha8Rng,
    user: usize,
    s: &mut Scratch,
    out: &mut ChunkOutput,
) {
    let meta = world.users[user];
    let r = world.rank;
    let (g, a, o) = (
        meta.gender as usize * r,
        meta.age as usize * r,
        meta.occupation as usize * r,
    );
    for d in 0..r {
        let group = world.gender_factors[g + d]
            + world.age_factors[a + d]
            + world.occupation_factors[o + d];
        s.factor[d] =
            USER_GROUP_WEIGHT * group + USER_OWN_WEIGHT * rng.sample::<f32, _>(StandardNormal);
    }
    // Unit scale: affinities of this user over the catalogue have mean square 1.
    let f = &s.factor;
    let m = &world.item_moment;
    let square: f32 = (0..r)
        .map(|j| f[j] * (0..r).map(|k| m[j * r + k] * f[k]).sum::<f32>())
        .sum();
    let inv = square.max(1e-12).sqrt().recip();
    s.factor.iter_mut().for_each(|x| *x *= inv);
    let bias: f32 = rng.sample(StandardNormal);
    let n = meta.count as usize;
    select_items(world, rng, n, s);

    // Stars: the affinity standardised over this user's rated items, plus item quality, user bias
    // and noise; all unit-variance, so the score is close to standard normal.
    let mean = s.chosen.iter().map(|c| c.1).sum::<f32>() / n as f32;
    let var = s.chosen.iter().map(|c| (c.1 - mean).powi(2)).sum::<f32>() / n as f32;
    let inv_sd = if var > 1e-12 { var.sqrt().recip() } else { 0.0 };

    // Timestamps: start skewed towards 2000 (as in ML-1M), mostly short activity spans.
    let start = FIRST_TIMESTAMP
        + ((LAST_TIMESTAMP - FIRST_TIMESTAMP) as f64 * rng.gen::<f64>().powi(4)) as i64;
    let remaining = LAST_TIMESTAMP - start;
    let span =
        ((remaining as f64 * rng.gen::<f64>().powi(5)) as i64 + 30 * n as i64).min(remaining);
    s.times.clear();
    s.times
        .extend((0..n).map(|_| start + rng.gen_range(0..=span)));
    s.times.sort_unstable();
    s.chosen.shuffle(rng);

    for (&(slot, aff), &t) in s.chosen.iter().zip(&s.times) {
        let item = world.slot_item[slot as usize];
        let score = W_AFFINITY * (aff - mean) * inv_sd
            + W_QUALITY * world.slot_quality[slot as usize]
            + W_USER_BIAS * bias
            + W_NOISE * rng.sample::<f32, _>(StandardNormal);
        let stars = 1 + STAR_THRESHOLDS.iter().filter(|&&th| score > th).count();
        out.histogram[stars - 1] += 1;
        out.items.push(item);
        let b = &mut out.bytes;
        push_u64(b, user as u64 + 1);
        b.extend_from_slice(b"::");
        push_u64(b, u64::from(item) + 1);
        b.extend_from_slice(b"::");
        b.push(b'0' + stars as u8);
        b.extend_from_slice(b"::");
        push_u64(b, t as u64);
        b.push(b'\n');
    }
}

/// Fills `s.chosen` with `n` distinct slots, weight `popularity × keep(affinity)`.
fn select_items(world: &World, rng: &mut ChaCha8Rng, n: usize, s: &mut Scratch) {
    let n_items = world.n_items();
    s.chosen.clear();
    if n * 3 < n_items {
        // Rejection sampling: a popularity draw is kept with probability sigmoid(…); repeats are
        // skipped, which is exactly sampling without replacement. Bounded, then the race below.
        let (dup_limit, draw_limit) = (64 * n + 1024, 400 * n + 4096);
        let (mut dups, mut draws) = (0, 0);
        while s.chosen.len() < n && dups < dup_limit && draws < draw_limit {
            draws += 1;
            let i = world.popularity_alias.sample(rng) as usize;
            if s.seen[i / 64] >> (i % 64) & 1 == 1 {
                dups += 1;
                continue;
            }
            let aff = affinity(world, &s.factor, i);
            if rng.gen::<f32>() < keep(aff) {
                s.seen[i / 64] |= 1 << (i % 64);
                s.chosen.push((i as u32, aff));
            }
        }
    }
    if s.chosen.len() < n {
        // Exponential race over the items not yet chosen: the `need` smallest Exp(1)/weight keys
        // continue the same without-replacement sampling (Efraimidis–Spirakis).
        let need = n - s.chosen.len();
        s.keys.clear();
        for i in 0..n_items {
            if s.seen[i / 64] >> (i % 64) & 1 == 1 {
                continue;
            }
            let aff = affinity(world, &s.factor, i);
            let w = world.slot_popularity[i] * f64::from(keep(aff));
            let w = w.max(f64::MIN_POSITIVE);
            let e: f64 = rng.sample(Exp1);
            s.keys.push((e / w, i as u32, aff));
        }
        let by_key =
            |x: &(f64, u32, f32), y: &(f64, u32, f32)| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1));
        if need < s.keys.len() {
            s.keys.select_nth_unstable_by(need, by_key);
        }
        s.chosen.extend(s.keys[..need].iter().map(|k| (k.1, k.2)));
    }
    for &(i, _) in &s.chosen {
        s.seen[i as usize / 64] &= !(1 << (i % 64));
    }
}
