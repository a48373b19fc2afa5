//! The item side of the audit: how the top-10 slots are shared among popularity deciles of the
//! catalog. Catalog items are ordered by train popularity, most popular first (ties by lower item
//! index); the item of rank r (0-based) of n falls in decile ⌊10 r / n⌋ + 1, so decile 1 is the
//! head and decile 10 the tail.

use serde::{Deserialize, Serialize};

/// One popularity decile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecileExposure {
    /// 1 (most popular) ..= 10 (least popular).
    pub decile: usize,
    pub items: usize,
    /// Train popularity range of the decile's items.
    pub min_popularity: usize,
    pub max_popularity: usize,
    /// Share of all train positives that fall on the decile's items.
    pub train_share: f64,
    /// Share of all top-10 slots given to the decile's items.
    pub exposure_share: f64,
    /// Items of the decile in at least one list.
    pub items_shown: usize,
}

/// Exposure by popularity decile of `lists` over `catalog` (`popularity`: train positives per
/// item). Deciles without items (catalogs of fewer than 10 items) are left out.
pub fn exposure_by_decile<'a>(
    catalog: &[u32],
    popularity: &[usize],
    lists: impl IntoIterator<Item = &'a [u32]>,
) -> Vec<DecileExposure> {
    let pop = |i: u32| popularity.get(i as usize).copied().unwrap_or(0);
    let mut order: Vec<u32> = catalog.to_vec();
    order.sort_unstable();
    order.dedup();
    order.sort_by(|&a, &b| pop(b).cmp(&pop(a)).then(a.cmp(&b)));
    let n = order.len();
    let mut decile_of = vec![
        usize::MAX;
        popularity
            .len()
            .max(order.last().map_or(0, |&i| i as usize + 1))
    ];
    for (r, &i) in order.iter().enumerate() {
        decile_of[i as usize] = 10 * r / n;
    }
    let mut slots = [0usize; 10];
    let mut shown = vec![false; decile_of.len()];
    let mut total_slots = 0usize;
    for list in lists {
        for &i in list {
            if let Some(&d) = decile_of.get(i as usize).filter(|&&d| d < 10) {
                slots[d] += 1;
                total_slots += 1;
                shown[i as usize] = true;
            }
        }
    }
    let total_pop: usize = order.iter().map(|&i| pop(i)).sum();
    let share = |x: usize, total: usize| {
        if total == 0 {
            0.0
        } else {
            x as f64 / total as f64
        }
    };
    (0..10)
        .filter_map(|d| {
            let items: Vec<u32> = order
                .iter()
                .copied()
                .filter(|&i| decile_of[i as usize] == d)
                .collect();
            let first = *items.first()?;
            let last = *items.last()?;
            Some(DecileExposure {
                decile: d + 1,
                items: items.len(),
                min_popularity: pop(last),
                max_popularity: pop(first),
                train_share: share(items.iter().map(|&i| pop(i)).sum(), total_pop),
                exposure_share: share(slots[d], total_slots),
                items_shown: items.iter().filter(|&&i| shown[i as usize]).count(),
            })
        })
        .collect()
}
