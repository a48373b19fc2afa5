//! Should the model merge twins (one film under two ids, `data::twins`)? Measured, not assumed:
//! `cargo test --release --test data twins_merge:: -- --ignored --nocapture` trains hybrid-als on
//! ML-100K holdout-20 seeds 1–5 twice — as served (each id its own item) and with every twin's
//! train positives moved onto its group's first id (the other id then scores like it) — and
//! evaluates both under the served rule on the same test positives. README "What a served list
//! holds" reports the result.

use crate::common;

use std::sync::atomic::AtomicBool;

use whyrec::data::Positives;
use whyrec::engine::{AlsConfig, HybridAls, HybridModel, Scorer};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::ranking::evaluate_ranking_with;

/// A model trained on merged twins, scoring every id of a group like its first id.
struct Merged {
    model: HybridModel,
    representative: Vec<u32>,
}

impl Scorer for Merged {
    fn name(&self) -> &str {
        "hybrid-als (twins merged)"
    }

    fn n_items(&self) -> usize {
        self.representative.len()
    }

    fn score_items(&self, user: u32, out: &mut [f32]) {
        self.model.score_items(user, out);
        for (i, &r) in self.representative.iter().enumerate() {
            if r as usize != i {
                out[i] = out[r as usize];
            }
        }
    }
}

fn fit(data: &EvalData, train: &Positives, seed: u64) -> HybridModel {
    HybridAls::fit(
        train,
        Some(&data.item_features),
        data.user_features.as_ref(),
        &AlsConfig {
            seed,
            ..AlsConfig::default()
        },
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .expect("hybrid-als trains on ML-100K")
}

#[test]
#[ignore]
fn measure_merging_twins_on_five_seeds() {
    let d = common::load_ml100k();
    println!("| seed | P@10 as served | P@10 twins merged | cov@10 as served | cov@10 merged |");
    println!("|---|---|---|---|---|");
    let (mut a, mut b) = (0.0, 0.0);
    for seed in 1..=5u64 {
        let data = EvalData::holdout(&d, seed);
        let twins = data.candidates.twins().clone();
        let representative: Vec<u32> = (0..d.n_items() as u32)
            .map(|i| twins.representative(i))
            .collect();
        // A user who liked both ids keeps one positive.
        let mut pairs = std::collections::BTreeSet::new();
        for u in 0..data.train.by_user.n_rows {
            for &i in data.train.by_user.row(u) {
                pairs.insert((u as u32, representative[i as usize]));
            }
        }
        let (us, is): (Vec<u32>, Vec<u32>) = pairs.into_iter().unzip();
        let merged = Positives::from_pairs(d.n_users(), d.n_items(), &us, &is, 4.0);
        let eval = |s: &dyn Scorer| {
            evaluate_ranking_with(
                s,
                &data.candidates,
                &data.train,
                &data.test,
                &data.item_genres,
                10,
            )
            .metrics
        };
        let plain = eval(&fit(&data, &data.train, seed));
        let joined = eval(&Merged {
            model: fit(&data, &merged, seed),
            representative: representative.clone(),
        });
        a += plain.precision / 5.0;
        b += joined.precision / 5.0;
        println!(
            "| {seed} | {:.4} | {:.4} | {:.4} | {:.4} |",
            plain.precision, joined.precision, plain.coverage, joined.coverage
        );
    }
    println!("| mean | {a:.4} | {b:.4} | | |");
}
