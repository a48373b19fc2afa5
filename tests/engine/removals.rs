//! `HybridModel::removals` (exact leave-one-out by Sherman–Morrison) against actual refolds: for
//! every ML-100K user, the score of the user's top-1 item without each like equals the score after
//! `fold_in` of the history without that like.

use crate::common;
use whyrec::engine::{FactorModel, Scorer};

use rayon::prelude::*;

#[test]
fn removals_equal_refolds_without_each_like_for_every_ml100k_user() {
    let d = common::load_ml100k();
    let (positives, model) = common::hybrid_on_all(&d);
    let worst = (0..d.n_users() as u32)
        .into_par_iter()
        .map(|u| {
            let history = positives.by_user.row(u as usize).to_vec();
            let features = model.user_features_of(u).to_vec();
            let folded = model.fold_in(&history, &features);
            let mut scores = vec![0f32; model.n_items()];
            model.score_folded(&folded, &mut scores);
            let top = whyrec::engine::top_k(&scores, 1, &history)[0].0;
            let removals = model.removals(&history, &features).expect("factorises");
            assert_eq!(removals.history, folded.history);
            let mut worst = 0.0f64;
            for (like, without) in removals.scores_of(&model, top) {
                let rest: Vec<u32> = history.iter().copied().filter(|&j| j != like).collect();
                let refold = model.fold_in(&rest, &features);
                let mut s = vec![0f32; model.n_items()];
                model.score_folded(&refold, &mut s);
                let diff = (without - f64::from(s[top as usize])).abs();
                assert!(
                    diff < 1e-4,
                    "user {u}, like {like}: {without} vs {}",
                    s[top as usize]
                );
                worst = worst.max(diff);
            }
            worst
        })
        .reduce(|| 0.0, f64::max);
    println!("largest |removal − refold| over every user's top-1 and every like: {worst:.2e}");
}
