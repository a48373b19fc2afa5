//! Reproducible parallel SGD: user shards, their replicas of the shared parameters and one round
//! of training (the merge that ends a round is in `merge.rs`; the semantics are stated in the
//! module documentation of `engine::sgd`).

use std::ops::Range;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::config::{Loss, SgdConfig};
use super::step::{
    adagrad_row, bpr_loss, bpr_negative, bpr_weight, compose_into, warp_violator, warp_weight,
};
use crate::data::Csr;
use crate::engine::kernels::dot_f32x4 as dot;

/// Stream tags of the ChaCha8 seeds (`[seed, epoch, index, tag]`).
pub(super) const TAG_INIT: u64 = 0x1417;
pub(super) const TAG_SHARD: u64 = 0x5a4d;
pub(super) const TAG_FOLD: u64 = 0xf01d;

/// A ChaCha8 stream for `(seed, epoch, index, tag)`.
pub(super) fn stream(seed: u64, epoch: u64, index: u64, tag: u64) -> ChaCha8Rng {
    let mut bytes = [0u8; 32];
    for (chunk, v) in bytes.chunks_exact_mut(8).zip([seed, epoch, index, tag]) {
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    ChaCha8Rng::from_seed(bytes)
}

/// A parameter matrix (row-major, `width` columns) with its AdaGrad accumulators.
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub width: usize,
    pub values: Vec<f32>,
    pub accum: Vec<f32>,
}

impl Table {
    fn row(&self, r: usize) -> &[f32] {
        &self.values[r * self.width..(r + 1) * self.width]
    }
}

/// The parameters every shard reads and writes: item rows and genre rows (k + 1 wide, bias last),
/// demographic rows (k wide).
#[derive(Debug, Clone)]
pub(super) struct SharedParams {
    pub items: Table,
    pub genres: Table,
    pub demographics: Table,
}

impl SharedParams {
    fn tables(&self) -> [&Table; 3] {
        [&self.items, &self.genres, &self.demographics]
    }

    pub fn table(&self, t: usize) -> &Table {
        self.tables()[t]
    }

    pub fn table_mut(&mut self, t: usize) -> &mut Table {
        match t {
            0 => &mut self.items,
            1 => &mut self.genres,
            _ => &mut self.demographics,
        }
    }
}

/// Rows of one table a shard changed since the last merge.
#[derive(Debug, Clone)]
pub(super) struct Dirty {
    pub mark: Vec<bool>,
    pub rows: Vec<u32>,
}

impl Dirty {
    fn new(n: usize) -> Dirty {
        Dirty {
            mark: vec![false; n],
            rows: Vec::new(),
        }
    }
    #[inline]
    pub fn touch(&mut self, r: u32) {
        if !self.mark[r as usize] {
            self.mark[r as usize] = true;
            self.rows.push(r);
        }
    }
    pub fn clear(&mut self) {
        self.rows
            .iter()
            .for_each(|&r| self.mark[r as usize] = false);
        self.rows.clear();
    }
}

/// What every shard reads during a round.
pub(super) struct Context<'a> {
    pub config: &'a SgdConfig,
    /// The shared parameters as the last merge left them (read-only during a round).
    pub shared: &'a SharedParams,
    pub positives: &'a Csr,
    pub user_features: &'a Csr,
    pub item_features: &'a Csr,
    /// Running sums of the train positives per item (BPR's negatives).
    pub popularity: &'a [u64],
}

/// One shard: a contiguous range of users (whose own rows only it touches), its example order and
/// negative stream for the current epoch, and its copies of the shared rows it changed this round
/// (copy-on-write: a row is copied from the shared parameters at its first write; reads of rows it
/// did not change go to the shared parameters, which no one writes during a round).
pub(super) struct Shard {
    index: u64,
    pub users: Range<usize>,
    examples: Vec<(u32, u32)>,
    rng: ChaCha8Rng,
    pub replica: SharedParams,
    pub dirty: [Dirty; 3],
    p: Vec<f32>,
    qp: Vec<f32>,
    qn: Vec<f32>,
    grad: Vec<f32>,
    /// Per step, `p · G_g + bias_g` of the genres scored so far (`genre_stamp[g] == stamp`).
    genre_score: Vec<f32>,
    genre_stamp: Vec<u32>,
    stamp: u32,
    /// Sum of the epoch's losses (WARP: applied weights; BPR: −ln σ) and examples seen.
    pub loss: f64,
    pub seen: usize,
}

/// Splits users into `n` contiguous ranges with about the same number of positives each.
pub(super) fn partition(positives: &Csr, n: usize) -> Vec<Range<usize>> {
    let total = positives.nnz() as u128;
    let n_users = positives.n_rows;
    let mut bounds = vec![0usize];
    let mut u = 0;
    for s in 1..n {
        let target = (total * s as u128 / n as u128) as usize;
        while u < n_users && positives.indptr[u] < target {
            u += 1;
        }
        bounds.push(u.max(*bounds.last().expect("non-empty")));
    }
    bounds.push(n_users);
    bounds.windows(2).map(|w| w[0]..w[1]).collect()
}

impl Shard {
    pub fn new(index: usize, users: Range<usize>, shared: &SharedParams, k: usize) -> Shard {
        let dirty = shared
            .tables()
            .map(|t| Dirty::new(t.values.len() / t.width));
        Shard {
            index: index as u64,
            users,
            examples: Vec::new(),
            rng: stream(0, 0, 0, 0),
            replica: shared.clone(),
            dirty,
            p: vec![0.0; k],
            qp: vec![0.0; k + 1],
            qn: vec![0.0; k + 1],
            grad: vec![0.0; k + 1],
            genre_score: vec![0.0; shared.genres.values.len() / (k + 1)],
            genre_stamp: vec![0; shared.genres.values.len() / (k + 1)],
            stamp: 0,
            loss: 0.0,
            seen: 0,
        }
    }

    /// The shard's examples for global epoch `epoch`, shuffled by its own stream.
    pub fn start_epoch(&mut self, seed: u64, epoch: u64, positives: &Csr) {
        self.rng = stream(seed, epoch, self.index, TAG_SHARD);
        self.examples.clear();
        for u in self.users.clone() {
            let row = positives.row(u);
            self.examples.extend(row.iter().map(|&i| (u as u32, i)));
        }
        self.examples.shuffle(&mut self.rng);
        self.loss = 0.0;
        self.seen = 0;
    }

    pub fn n_examples(&self) -> usize {
        self.examples.len()
    }

    /// Round `round` of `rounds`: the matching slice of the epoch's examples, applied in order to
    /// the shard's own user rows (`own`, `own_accum`: rows of `self.users`) and to its replica.
    pub fn run_round(
        &mut self,
        round: usize,
        rounds: usize,
        own: &mut [f32],
        own_accum: &mut [f32],
        ctx: &Context<'_>,
    ) {
        let n = self.examples.len();
        let (from, to) = (n * round / rounds, n * (round + 1) / rounds);
        for e in from..to {
            let (u, i) = self.examples[e];
            let r = (u as usize - self.users.start) * self.p.len();
            let k = self.p.len();
            self.step(
                u as usize,
                i,
                &mut own[r..r + k],
                &mut own_accum[r..r + k],
                ctx,
            );
        }
    }

    /// One positive (u, i): find a negative, then LightFM's pairwise update of the positive item,
    /// the negative item and the user (all gradients from the representations before the step).
    fn step(
        &mut self,
        u: usize,
        pos: u32,
        own: &mut [f32],
        own_accum: &mut [f32],
        ctx: &Context<'_>,
    ) {
        let Shard {
            rng,
            replica,
            dirty,
            p,
            qp,
            qn,
            grad,
            genre_score,
            genre_stamp,
            stamp,
            loss,
            seen,
            ..
        } = self;
        let (cfg, shared) = (ctx.config, ctx.shared);
        let k = p.len();
        let items = ctx.item_features;
        let n_items = items.n_rows;
        let [dirty_items, dirty_genres, dirty_demo] = dirty;
        let item_row = |i: usize| read(&shared.items, &replica.items, dirty_items, i);
        let genre_row = |g: usize| read(&shared.genres, &replica.genres, dirty_genres, g);
        let demo_row = |d: usize| read(&shared.demographics, &replica.demographics, dirty_demo, d);
        let (uf, uw) = (ctx.user_features.row(u), ctx.user_features.row_values(u));
        compose_into(p, own, uf, uw, demo_row);
        *stamp = stamp.wrapping_add(1);
        if *stamp == 0 {
            genre_stamp.fill(0);
            *stamp = 1;
        }
        let now = *stamp;
        // s(u, i) = p·e_i + b_i + Σ_g x_g (p·G_g + b_g), each genre's part computed once per step.
        let mut score_of = |i: u32| -> f32 {
            let i = i as usize;
            let row = item_row(i);
            let mut s = dot(p, &row[..k]) + row[k];
            for (&g, &x) in items.row(i).iter().zip(items.row_values(i)) {
                let g = g as usize;
                if genre_stamp[g] != now {
                    let gr = genre_row(g);
                    genre_score[g] = dot(p, &gr[..k]) + gr[k];
                    genre_stamp[g] = now;
                }
                s += x * genre_score[g];
            }
            s
        };
        let s_pos = score_of(pos);
        let is_positive = |j: u32| ctx.positives.contains(u, j);
        *seen += 1;
        let (neg, weight) = match cfg.loss {
            Loss::Warp => {
                let found =
                    warp_violator(rng, n_items, cfg.max_sampled, s_pos, is_positive, score_of);
                let Some((j, draws)) = found else { return };
                let w = warp_weight(n_items, draws);
                *loss += f64::from(w);
                (j, w)
            }
            Loss::Bpr => {
                let uniform = cfg.bpr_uniform_negatives;
                let Some(j) = bpr_negative(rng, uniform, n_items, ctx.popularity, is_positive)
                else {
                    return;
                };
                let d = s_pos - score_of(j);
                *loss += bpr_loss(d);
                (j, bpr_weight(d))
            }
        };
        let compose_item = |q: &mut [f32], i: u32| {
            let i = i as usize;
            let (f, w) = (items.row(i), items.row_values(i));
            compose_into(q, item_row(i), f, w, genre_row);
        };
        compose_item(qp, pos);
        compose_item(qn, neg);
        if weight == 0.0 {
            return;
        }
        let (lr, item_alpha, user_alpha) = (cfg.learning_rate, cfg.item_alpha, cfg.user_alpha);
        // Item rows: d(s⁻ − s⁺)/dq⁺ = −p, d/dq⁻ = +p, d/db = ∓1.
        for (target, sign) in [(pos, -1.0f32), (neg, 1.0)] {
            for c in 0..k {
                grad[c] = sign * weight * p[c];
            }
            grad[k] = sign * weight;
            let t = target as usize;
            let (v, a) = write(&shared.items, &mut replica.items, dirty_items, t);
            adagrad_row(v, a, grad, 1.0, lr, item_alpha);
            for (&g, &x) in items.row(t).iter().zip(items.row_values(t)) {
                let (v, a) = write(
                    &shared.genres,
                    &mut replica.genres,
                    dirty_genres,
                    g as usize,
                );
                adagrad_row(v, a, grad, x, lr, item_alpha);
            }
        }
        // User rows: d(s⁻ − s⁺)/dp = q⁻ − q⁺.
        for c in 0..k {
            grad[c] = weight * (qn[c] - qp[c]);
        }
        let g = &grad[..k];
        adagrad_row(own, own_accum, g, 1.0, lr, user_alpha);
        for (&d, &x) in uf.iter().zip(uw) {
            let (v, a) = write(
                &shared.demographics,
                &mut replica.demographics,
                dirty_demo,
                d as usize,
            );
            adagrad_row(v, a, g, x, lr, user_alpha);
        }
    }
}

/// Row `r` as this shard sees it: its own copy when it changed the row this round, else the
/// shared row.
#[inline]
fn read<'a>(shared: &'a Table, replica: &'a Table, dirty: &Dirty, r: usize) -> &'a [f32] {
    if dirty.mark[r] {
        replica.row(r)
    } else {
        shared.row(r)
    }
}

/// Row `r` of this shard's copy for writing (values, accumulators), copied from the shared row on
/// the first write of the round.
#[inline]
fn write<'a>(
    shared: &Table,
    replica: &'a mut Table,
    dirty: &mut Dirty,
    r: usize,
) -> (&'a mut [f32], &'a mut [f32]) {
    let w = replica.width;
    let range = r * w..(r + 1) * w;
    if !dirty.mark[r] {
        replica.values[range.clone()].copy_from_slice(&shared.values[range.clone()]);
        replica.accum[range.clone()].copy_from_slice(&shared.accum[range.clone()]);
        dirty.touch(r as u32);
    }
    (
        &mut replica.values[range.clone()],
        &mut replica.accum[range],
    )
}
