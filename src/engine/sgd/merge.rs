//! The fixed-order merge that ends every round of sharded SGD.

use rayon::prelude::*;

use super::shard::{Shard, SharedParams};

/// Ends a round: every row some shard changed becomes `base + Σ_s (copy_s − base)` over the
/// shards that changed it, in shard order, summed in `f64` and rounded once (a row only one shard
/// changed takes that shard's copy exactly); accumulators merge by the same rule. The shards'
/// copies are then dropped (their dirty marks cleared), so the next round reads the merged rows.
pub(super) fn merge(shared: &mut SharedParams, shards: &mut [Shard]) {
    for t in 0..3 {
        let table = shared.table_mut(t);
        let w = table.width;
        let mut seen = vec![false; table.values.len() / w];
        for s in shards.iter() {
            for &r in &s.dirty[t].rows {
                let r = r as usize;
                if std::mem::replace(&mut seen[r], true) {
                    continue;
                }
                let range = r * w..(r + 1) * w;
                let writers = || shards.iter().filter(|s| s.dirty[t].mark[r]);
                if writers().count() == 1 {
                    let only = s.replica.table(t);
                    table.values[range.clone()].copy_from_slice(&only.values[range.clone()]);
                    table.accum[range.clone()].copy_from_slice(&only.accum[range]);
                    continue;
                }
                for c in range {
                    let (base_v, base_a) = (f64::from(table.values[c]), f64::from(table.accum[c]));
                    let (mut dv, mut da) = (0.0f64, 0.0f64);
                    for rep in writers().map(|s| s.replica.table(t)) {
                        dv += f64::from(rep.values[c]) - base_v;
                        da += f64::from(rep.accum[c]) - base_a;
                    }
                    table.values[c] = (base_v + dv) as f32;
                    table.accum[c] = (base_a + da) as f32;
                }
            }
        }
    }
    shards
        .par_iter_mut()
        .for_each(|s| s.dirty.iter_mut().for_each(|d| d.clear()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::sgd::shard::Table;

    fn table(rows: usize, width: usize, v: f32) -> Table {
        Table {
            width,
            values: vec![v; rows * width],
            accum: vec![1.0; rows * width],
        }
    }

    #[test]
    fn deltas_of_all_writers_add_up_and_a_sole_writer_is_copied() {
        let mut shared = SharedParams {
            items: table(3, 2, 1.0),
            genres: table(1, 2, 0.0),
            demographics: table(1, 1, 0.0),
        };
        let mut shards: Vec<Shard> = (0..3).map(|s| Shard::new(s, 0..0, &shared, 1)).collect();
        // Row 0: shards 0 and 2 move it by +0.5 and −0.25; row 2: shard 1 alone sets 7.
        for (s, row, value, acc) in [(0, 0, 1.5, 2.0), (2, 0, 0.75, 3.0), (1, 2, 7.0, 5.0)] {
            let t = &mut shards[s].replica.items;
            t.values[row * 2] = value;
            t.accum[row * 2] = acc;
            shards[s].dirty[0].touch(row as u32);
        }
        merge(&mut shared, &mut shards);
        assert_eq!(shared.items.values, vec![1.25, 1.0, 1.0, 1.0, 7.0, 1.0]);
        assert_eq!(shared.items.accum, vec![4.0, 1.0, 1.0, 1.0, 5.0, 1.0]);
        for s in &shards {
            assert!(s.dirty[0].rows.is_empty() && !s.dirty[0].mark.contains(&true));
        }
    }
}
