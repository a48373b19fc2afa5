//! Reproducible parallel SGD: user shards, their replicas of the shared parameters and one round
//! of training (the merge that ends a round is in `merge.rs`; the semantics are stated in the
//! module documentation of `engine::sgd`).

use std::ops::Range;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::config::{Loss, SgdConfig};
use super::kernel::{
    adagrad_row, bpr_loss, bpr_weight, compose_into, popular_negative, score, warp_violator,
    warp_weight,
};
use crate::data::Csr;

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
    pub positives: &'a Csr,
    pub user_features: &'a Csr,
    pub item_features: &'a Csr,
    /// Running sums of the train positives per item (BPR's negatives).
    pub popularity: &'a [u64],
}

/// One shard: a contiguous range of users (whose own rows only it touches), its example order and
/// negative stream for the current epoch, and its replica of the shared parameters.
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
            loss,
            seen,
            ..
        } = self;
        let cfg = ctx.config;
        let k = p.len();
        let n_items = ctx.item_features.n_rows;
        let (uf, uw) = (ctx.user_features.row(u), ctx.user_features.row_values(u));
        compose_into(p, own, uf, uw, &replica.demographics.values);
        let item = |q: &mut [f32], i: u32, replica: &SharedParams| {
            let i = i as usize;
            let (f, w) = (ctx.item_features.row(i), ctx.item_features.row_values(i));
            compose_into(q, replica.items.row(i), f, w, &replica.genres.values);
        };
        item(qp, pos, replica);
        let s_pos = score(p, qp);
        let is_positive = |j: u32| ctx.positives.contains(u, j);
        *seen += 1;
        let (neg, weight) = match cfg.loss {
            Loss::Warp => {
                let found = warp_violator(rng, n_items, cfg.max_sampled, s_pos, is_positive, |j| {
                    item(qn, j, replica);
                    score(p, qn)
                });
                let Some((j, draws)) = found else { return };
                let w = warp_weight(n_items, draws);
                *loss += f64::from(w);
                (j, w)
            }
            Loss::Bpr => {
                let Some(j) = popular_negative(rng, ctx.popularity, is_positive) else {
                    return;
                };
                item(qn, j, replica);
                let d = s_pos - score(p, qn);
                *loss += bpr_loss(d);
                (j, bpr_weight(d))
            }
        };
        if weight == 0.0 {
            return;
        }
        // Item rows: d(s⁻ − s⁺)/dq⁺ = −p, d/dq⁻ = +p, d/db = ∓1.
        for (target, sign) in [(pos, -1.0f32), (neg, 1.0)] {
            for c in 0..k {
                grad[c] = sign * weight * p[c];
            }
            grad[k] = sign * weight;
            let t = target as usize;
            let w = k + 1;
            let items = &mut replica.items;
            adagrad_row(
                &mut items.values[t * w..(t + 1) * w],
                &mut items.accum[t * w..(t + 1) * w],
                grad,
                1.0,
                cfg.learning_rate,
                cfg.item_alpha,
            );
            dirty[0].touch(target);
            let (f, x) = (ctx.item_features.row(t), ctx.item_features.row_values(t));
            for (&g, &x) in f.iter().zip(x) {
                let (a, b) = (g as usize * w, (g as usize + 1) * w);
                let genres = &mut replica.genres;
                adagrad_row(
                    &mut genres.values[a..b],
                    &mut genres.accum[a..b],
                    grad,
                    x,
                    cfg.learning_rate,
                    cfg.item_alpha,
                );
                dirty[1].touch(g);
            }
        }
        // User rows: d(s⁻ − s⁺)/dp = q⁻ − q⁺.
        for c in 0..k {
            grad[c] = weight * (qn[c] - qp[c]);
        }
        let g = &grad[..k];
        adagrad_row(own, own_accum, g, 1.0, cfg.learning_rate, cfg.user_alpha);
        for (&d, &x) in uf.iter().zip(uw) {
            let (a, b) = (d as usize * k, (d as usize + 1) * k);
            let demo = &mut replica.demographics;
            adagrad_row(
                &mut demo.values[a..b],
                &mut demo.accum[a..b],
                g,
                x,
                cfg.learning_rate,
                cfg.user_alpha,
            );
            dirty[2].touch(d);
        }
    }
}
