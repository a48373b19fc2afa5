//! Measures of top lists beyond accuracy (PROTOCOL.md, "Trust metrics"): Jaccard overlap of two
//! lists, exposure of the catalog and its Gini index, average recommendation popularity (ARP) and
//! Steck's calibration (RecSys 2018).
//!
//! Calibration, exactly as computed here:
//! - the genre distribution of a set of items gives every item weight 1 and shares it equally
//!   among the item's genres: p(g) = Σ_i [g ∈ G(i)] / |G(i)|, divided by the number of items that
//!   have at least one genre. Items without a genre carry no genre mass and are left out of the
//!   count (Steck's p(g|i) is undefined for them); a set without any genre-bearing item has no
//!   distribution (`None`). Every item of a history and of a top list weighs the same (Steck's
//!   w_{u,i} = 1 and w_r = 1);
//! - KL(p‖q̃) = Σ_g p(g) ln(p(g) / q̃(g)) with q̃ = (1 − α) q + α p and α = 0.01 (Steck's
//!   smoothing; natural logarithm), over the genres with p(g) > 0. A top list without any
//!   genre-bearing item counts as q = 0, so KL = ln(1/α).

/// Steck's smoothing weight α.
pub const CALIBRATION_ALPHA: f64 = 0.01;

/// |a ∩ b| / |a ∪ b| of two lists of distinct items (1 when both are empty).
pub fn jaccard(a: &[u32], b: &[u32]) -> f64 {
    let mut x: Vec<u32> = a.to_vec();
    let mut y: Vec<u32> = b.to_vec();
    x.sort_unstable();
    x.dedup();
    y.sort_unstable();
    y.dedup();
    let common = x.iter().filter(|i| y.binary_search(i).is_ok()).count();
    let union = x.len() + y.len() - common;
    if union == 0 {
        1.0
    } else {
        common as f64 / union as f64
    }
}

/// How many lists each item appears in (`n_items` counters; items out of range are ignored).
pub fn exposure<'a>(lists: impl IntoIterator<Item = &'a [u32]>, n_items: usize) -> Vec<usize> {
    let mut counts = vec![0usize; n_items];
    for list in lists {
        for &i in list {
            if let Some(c) = counts.get_mut(i as usize) {
                *c += 1;
            }
        }
    }
    counts
}

/// Gini index of non-negative values: Σ_k (2k − n − 1) x_(k) / (n Σ x) over the values sorted
/// ascending (k = 1..n). 0 when all are equal (or all 0, or there are none); (n − 1)/n when one
/// value holds everything.
pub fn gini(values: &[f64]) -> f64 {
    let n = values.len();
    let total: f64 = values.iter().sum();
    if n == 0 || total <= 0.0 {
        return 0.0;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(k, x)| (2.0 * (k + 1) as f64 - n as f64 - 1.0) * x)
        .sum();
    weighted / (n as f64 * total)
}

/// Gini index of the exposure (number of lists containing the item) over the catalog's items.
pub fn exposure_gini(exposure: &[usize], catalog: &[u32]) -> f64 {
    let values: Vec<f64> = catalog
        .iter()
        .map(|&i| exposure.get(i as usize).copied().unwrap_or(0) as f64)
        .collect();
    gini(&values)
}

/// Mean train popularity of a list's items (0 for an empty list): one user's ARP term.
pub fn average_popularity(list: &[u32], popularity: &[usize]) -> f64 {
    if list.is_empty() {
        return 0.0;
    }
    let sum: usize = list
        .iter()
        .map(|&i| popularity.get(i as usize).copied().unwrap_or(0))
        .sum();
    sum as f64 / list.len() as f64
}

/// Steck's genre distribution of a set of items (see the module doc); `None` when no item has a
/// genre. Genre indices at or above `n_genres` are ignored; duplicates count once.
pub fn genre_distribution(
    items: &[u32],
    item_genres: &[Vec<u16>],
    n_genres: usize,
) -> Option<Vec<f64>> {
    let mut p = vec![0.0f64; n_genres];
    let mut weighted = 0usize;
    for &i in items {
        let mut genres: Vec<u16> = item_genres
            .get(i as usize)
            .map(|g| {
                g.iter()
                    .copied()
                    .filter(|&g| (g as usize) < n_genres)
                    .collect()
            })
            .unwrap_or_default();
        genres.sort_unstable();
        genres.dedup();
        if genres.is_empty() {
            continue;
        }
        weighted += 1;
        let share = 1.0 / genres.len() as f64;
        for g in genres {
            p[g as usize] += share;
        }
    }
    if weighted == 0 {
        return None;
    }
    for v in &mut p {
        *v /= weighted as f64;
    }
    Some(p)
}

/// KL(p‖q̃) with q̃ = (1 − α) q + α p (natural log); `q = None` (a list without genres) counts as
/// all zeros.
pub fn calibration_kl(p: &[f64], q: Option<&[f64]>, alpha: f64) -> f64 {
    p.iter()
        .enumerate()
        .filter(|(_, &pg)| pg > 0.0)
        .map(|(g, &pg)| {
            let qg = q.and_then(|q| q.get(g)).copied().unwrap_or(0.0);
            let smoothed = (1.0 - alpha) * qg + alpha * pg;
            pg * (pg / smoothed).ln()
        })
        .sum()
}

/// The `q`-quantile (0 < q ≤ 1) by the nearest-rank rule: the ⌈q n⌉-th smallest value (NaN
/// when there are no values).
pub fn percentile(values: &[f64], q: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// Mean of values summed in order (0 when there are none).
pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}
