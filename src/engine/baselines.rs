//! Non-personalised ranking baselines: the yardsticks every personalised model must beat.

use super::Scorer;
use crate::data::Positives;

/// Ranks items by their number of train positives (most popular first; ties by item index, as the
/// evaluator breaks them). The same list for everyone.
#[derive(Debug, Clone, PartialEq)]
pub struct Popularity {
    counts: Vec<f32>,
}

impl Popularity {
    /// Counts the train positives of every item.
    pub fn fit(train: &Positives) -> Popularity {
        Popularity {
            counts: train.likes_per_item_f32(),
        }
    }

    /// Train positives per item.
    pub fn counts(&self) -> &[f32] {
        &self.counts
    }
}

impl Scorer for Popularity {
    fn name(&self) -> &str {
        "popularity"
    }

    fn n_items(&self) -> usize {
        self.counts.len()
    }

    fn score_items(&self, _user: u32, out: &mut [f32]) {
        out.copy_from_slice(&self.counts);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_train_positives() {
        let train = Positives::from_pairs(3, 4, &[0, 1, 2, 2], &[1, 1, 3, 1], 4.0);
        let pop = Popularity::fit(&train);
        let mut out = vec![0.0; 4];
        pop.score_items(2, &mut out);
        assert_eq!(out, vec![0.0, 3.0, 0.0, 1.0]);
        assert_eq!(pop.name(), "popularity");
    }
}
