//! Duplicate (user, movie) pairs among the ratings rows, found without sorting every key when
//! the file is grouped by user.

use std::collections::HashSet;

use rayon::prelude::*;

/// The (user << 32 | movie) keys that occur more than once among the kept rows. A file grouped by
/// user (every MovieLens file is) is checked one user's run at a time, in parallel; any other
/// order by one sort of every key.
pub(super) fn duplicate_keys(user: &[u32], item: &[u32], keep: &[bool]) -> HashSet<u64> {
    let key = |row: usize| (u64::from(user[row]) << 32) | u64::from(item[row]);
    if user.is_empty() {
        return HashSet::new();
    }
    let grouped = user.par_windows(2).all(|w| w[0] <= w[1]);
    if !grouped {
        let mut keys: Vec<u64> = (0..user.len())
            .into_par_iter()
            .filter(|&row| keep[row])
            .map(key)
            .collect();
        keys.par_sort_unstable();
        return keys
            .windows(2)
            .filter(|w| w[0] == w[1])
            .map(|w| w[0])
            .collect();
    }
    let mut starts: Vec<usize> = (1..user.len())
        .into_par_iter()
        .filter(|&row| user[row] != user[row - 1])
        .collect();
    starts.insert(0, 0);
    starts.push(user.len());
    starts
        .par_windows(2)
        .flat_map_iter(|run| {
            let mut items: Vec<u32> = (run[0]..run[1])
                .filter(|&row| keep[row])
                .map(|row| item[row])
                .collect();
            items.sort_unstable();
            let u = u64::from(user[run[0]]) << 32;
            items
                .windows(2)
                .filter(|w| w[0] == w[1])
                .map(|w| u | u64::from(w[0]))
                .collect::<Vec<u64>>()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The per-user check of a file grouped by user finds exactly the duplicates one sort of
        /// every key finds (the same rows in another order take the sort).
        #[test]
        fn duplicates_found_alike_grouped_or_not(
            rows in proptest::collection::vec((0u32..6, 0u32..8, any::<bool>()), 0..120),
        ) {
            let mut rows = rows;
            rows.sort_by_key(|r| r.0);
            let user: Vec<u32> = rows.iter().map(|r| r.0).collect();
            let item: Vec<u32> = rows.iter().map(|r| r.1).collect();
            let keep: Vec<bool> = rows.iter().map(|r| r.2).collect();
            let mut expected = HashSet::new();
            let mut seen = HashSet::new();
            for ((&u, &i), &k) in user.iter().zip(&item).zip(&keep) {
                let key = (u64::from(u) << 32) | u64::from(i);
                if k && !seen.insert(key) {
                    expected.insert(key);
                }
            }
            prop_assert_eq!(&duplicate_keys(&user, &item, &keep), &expected);
            let (mut u2, mut i2, mut k2) = (user.clone(), item.clone(), keep.clone());
            u2.reverse();
            i2.reverse();
            k2.reverse();
            if u2.windows(2).any(|w| w[0] > w[1]) {
                prop_assert_eq!(&duplicate_keys(&u2, &i2, &k2), &expected);
            }
        }
    }
}
