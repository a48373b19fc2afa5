//! Numeric kernels of one SGD step, shared by training (`shard.rs`) and fold-in (`fold.rs`):
//! composing a representation, scoring, the AdaGrad update, the WARP rank weight, BPR's step
//! weight and the negative samplers.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::engine::kernels::dot_f32x4;

/// LightFM's clip of the WARP weight.
pub(super) const MAX_LOSS: f32 = 10.0;

/// Draws that hit one of the user's positives before a WARP or BPR search gives up, per allowed
/// negative (LightFM retries without bound; a user who liked almost everything would loop).
pub(super) const REJECTIONS_PER_DRAW: usize = 100;

/// `out = own + Σ_f x_f · row_of(f)`, summed in `f32` in feature order.
#[inline]
pub(super) fn compose_into<'a>(
    out: &mut [f32],
    own: &[f32],
    features: &[u32],
    weights: &[f32],
    row_of: impl Fn(usize) -> &'a [f32],
) {
    for (o, &v) in out.iter_mut().zip(own) {
        *o = v;
    }
    for (&f, &x) in features.iter().zip(weights) {
        for (o, &v) in out.iter_mut().zip(row_of(f as usize)) {
            *o += x * v;
        }
    }
}

/// The training-time score of user representation `p` (k) and item representation `q` (k + 1,
/// bias last).
#[inline(always)]
pub(super) fn score(p: &[f32], q: &[f32]) -> f32 {
    let k = p.len();
    dot_f32x4(p, &q[..k]) + q[k]
}

/// AdaGrad with L2 decay on one row: for each component, with `g = weight · grad`,
/// `θ ← θ − η (g + α θ)` where `η = lr / √G`, then `G ← G + g²`.
#[inline]
pub(super) fn adagrad_row(
    values: &mut [f32],
    accum: &mut [f32],
    grad: &[f32],
    weight: f32,
    lr: f32,
    alpha: f32,
) {
    for ((v, a), &g) in values.iter_mut().zip(accum.iter_mut()).zip(grad) {
        let g = weight * g;
        let eta = lr / a.sqrt();
        *v -= eta * (g + alpha * *v);
        *a += g * g;
    }
}

/// WARP's weight after `draws` negatives: `ln ⌊(n_items − 1) / draws⌋`, at least 0, at most
/// [`MAX_LOSS`].
#[inline]
pub(super) fn warp_weight(n_items: usize, draws: usize) -> f32 {
    let ratio = ((n_items.saturating_sub(1)) / draws.max(1)).max(1);
    (ratio as f32).ln().min(MAX_LOSS)
}

/// BPR's step weight `1 − σ(d)` for the score difference `d = s⁺ − s⁻`.
#[inline]
pub(super) fn bpr_weight(d: f32) -> f32 {
    1.0 / (1.0 + d.exp())
}

/// BPR's loss `−ln σ(d) = ln(1 + e^{−d})`, computed without overflow.
#[inline]
pub(super) fn bpr_loss(d: f32) -> f64 {
    let d = f64::from(d);
    if d > 0.0 {
        (-d).exp().ln_1p()
    } else {
        -d + d.exp().ln_1p()
    }
}

/// WARP's negative search: draws uniform items, skipping the user's positives (which do not count
/// as draws), until one scores above `positive − 1` or `max_sampled` draws are spent. Returns the
/// violating item and the number of draws it took; its representation is left in the buffer
/// `score_of` wrote.
pub(super) fn warp_violator(
    rng: &mut ChaCha8Rng,
    n_items: usize,
    max_sampled: usize,
    positive_score: f32,
    is_positive: impl Fn(u32) -> bool,
    mut score_of: impl FnMut(u32) -> f32,
) -> Option<(u32, usize)> {
    let mut draws = 0;
    let mut rejected = 0;
    while draws < max_sampled {
        let j = rng.gen_range(0..n_items as u32);
        if is_positive(j) {
            rejected += 1;
            if rejected > REJECTIONS_PER_DRAW * max_sampled {
                return None;
            }
            continue;
        }
        draws += 1;
        if score_of(j) > positive_score - 1.0 {
            return Some((j, draws));
        }
    }
    None
}

/// BPR's negative: the item of a uniformly drawn training interaction (`cumulative[i]` = train
/// positives of items `0..=i`), retried while it is one of the user's positives.
pub(super) fn popular_negative(
    rng: &mut ChaCha8Rng,
    cumulative: &[u64],
    is_positive: impl Fn(u32) -> bool,
) -> Option<u32> {
    let total = *cumulative.last()?;
    if total == 0 {
        return None;
    }
    for _ in 0..REJECTIONS_PER_DRAW {
        let r = rng.gen_range(0..total);
        let j = cumulative.partition_point(|&c| c <= r) as u32;
        if !is_positive(j) {
            return Some(j);
        }
    }
    None
}

/// A uniformly drawn item that is not one of the user's positives.
pub(super) fn uniform_negative(
    rng: &mut ChaCha8Rng,
    n_items: usize,
    is_positive: impl Fn(u32) -> bool,
) -> Option<u32> {
    if n_items == 0 {
        return None;
    }
    (0..REJECTIONS_PER_DRAW)
        .map(|_| rng.gen_range(0..n_items as u32))
        .find(|&j| !is_positive(j))
}

/// BPR's negative by `config.bpr_uniform_negatives`: uniform (Rendle et al.) or
/// popularity-proportional (LightFM).
pub(super) fn bpr_negative(
    rng: &mut ChaCha8Rng,
    uniform: bool,
    n_items: usize,
    cumulative: &[u64],
    is_positive: impl Fn(u32) -> bool,
) -> Option<u32> {
    if uniform {
        uniform_negative(rng, n_items, is_positive)
    } else {
        popular_negative(rng, cumulative, is_positive)
    }
}

/// Running sums of `counts`.
pub(super) fn cumulative(counts: &[u32]) -> Vec<u64> {
    counts
        .iter()
        .scan(0u64, |acc, &c| {
            *acc += u64::from(c);
            Some(*acc)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn warp_weight_follows_lightfm() {
        assert_eq!(warp_weight(1682, 1), (1681f32).ln());
        assert_eq!(warp_weight(1682, 10), (168f32).ln());
        assert_eq!(warp_weight(2, 5), 0.0);
        assert_eq!(warp_weight(usize::MAX, 1), MAX_LOSS);
    }

    #[test]
    fn bpr_loss_is_stable_and_matches_its_gradient_weight() {
        for d in [-50.0f32, -1.0, 0.0, 0.5, 80.0] {
            let direct = -(1.0 / (1.0 + (-f64::from(d)).exp())).ln();
            assert!((bpr_loss(d) - direct).abs() < 1e-9, "d = {d}");
        }
        assert!((bpr_weight(0.0) - 0.5).abs() < 1e-7);
        assert!(bpr_weight(100.0) >= 0.0 && bpr_weight(-100.0) <= 1.0);
    }

    #[test]
    fn samplers_skip_positives_and_give_up_when_everything_is_positive() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let found = warp_violator(&mut rng, 10, 5, 0.0, |j| j < 9, |_| 0.0);
        assert_eq!(found, Some((9, 1)));
        assert_eq!(warp_violator(&mut rng, 10, 5, 0.0, |_| true, |_| 0.0), None);
        assert_eq!(
            warp_violator(&mut rng, 10, 5, 9.0, |_| false, |_| 0.0),
            None
        );
        let cum = cumulative(&[0, 3, 0, 1]);
        assert_eq!(cum, vec![0, 3, 3, 4]);
        for _ in 0..50 {
            assert_eq!(popular_negative(&mut rng, &cum, |j| j == 1), Some(3));
        }
        assert_eq!(popular_negative(&mut rng, &cum, |_| true), None);
        assert_eq!(popular_negative(&mut rng, &[0, 0], |_| false), None);
        for _ in 0..50 {
            assert_eq!(uniform_negative(&mut rng, 4, |j| j != 2), Some(2));
        }
        assert_eq!(uniform_negative(&mut rng, 4, |_| true), None);
    }

    #[test]
    fn adagrad_decays_and_accumulates() {
        let (mut v, mut a) = (vec![1.0f32, -2.0], vec![1.0f32, 4.0]);
        adagrad_row(&mut v, &mut a, &[0.5, 0.0], 2.0, 0.1, 0.5);
        assert!((v[0] - (1.0 - 0.1 * (1.0 + 0.5))).abs() < 1e-7);
        assert!((v[1] - -1.95).abs() < 1e-7);
        assert_eq!(a, vec![2.0, 4.0]);
    }
}
