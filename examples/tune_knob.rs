//! How the accuracy–coverage knob was chosen (ignored by default; about a minute per seed):
//! `cargo run --release --example tune_knob` prints P@10 / coverage@10 (and
//! NDCG@10, novelty@10, ARP) of hybrid-als on ML-100K holdout-20 under every re-ranking tried.
//! `TUNE_SEEDS` (default `1`) picks the seeds; `TUNE_FACTORS`, `TUNE_REG`, `TUNE_ALPHA` change the
//! model. The results are recorded in the module doc of `src/metrics/knob.rs`.

#[path = "../tests/common/mod.rs"]
mod common;

use whyrec::data::{load_dir, LoadOptions};
use whyrec::engine::FactorModel;
use whyrec::engine::{AlsConfig, Scorer};
use whyrec::engine::{ModelSpec, Settings};
use whyrec::metrics::eval_data::EvalData;
use whyrec::metrics::evaluate_ranking;
use whyrec::metrics::trust::lists::{calibration_kl, genre_distribution, CALIBRATION_ALPHA};
use whyrec::metrics::trust::stability::top_of;

/// Re-ranked scores of every user, row-major.
struct Table {
    n_items: usize,
    scores: Vec<f32>,
}

impl Scorer for Table {
    fn name(&self) -> &str {
        "table"
    }
    fn n_items(&self) -> usize {
        self.n_items
    }
    fn score_items(&self, user: u32, out: &mut [f32]) {
        let u = user as usize;
        out.copy_from_slice(&self.scores[u * self.n_items..(u + 1) * self.n_items]);
    }
}

struct Bench {
    data: EvalData,
    n_users: usize,
    n_items: usize,
    scores: Vec<f32>,
    pop: Vec<f64>,
}

impl Bench {
    fn row(&self, u: usize) -> &[f32] {
        &self.scores[u * self.n_items..(u + 1) * self.n_items]
    }

    fn report(&self, name: &str, knob: f64, rerank: impl Fn(usize, &[f32], &mut [f32])) {
        let mut t = vec![0f32; self.scores.len()];
        for u in 0..self.n_users {
            rerank(
                u,
                self.row(u),
                &mut t[u * self.n_items..(u + 1) * self.n_items],
            );
        }
        let table = Table {
            n_items: self.n_items,
            scores: t,
        };
        let d = &self.data;
        let r = evaluate_ranking(&table, &d.train, &d.test, &d.catalog, &d.item_genres, 10);
        let arp = r
            .users
            .iter()
            .map(|x| x.top.iter().map(|&i| self.pop[i as usize]).sum::<f64>() / x.top.len() as f64)
            .sum::<f64>()
            / r.users.len() as f64;
        let m = &r.metrics;
        println!(
            "{name:<22} {knob:>6.3}  P@10 {:.4}  NDCG@10 {:.4}  cov@10 {:.4}  novelty {:.3}  ARP {:.1}",
            m.precision, m.ndcg, m.coverage, m.novelty, arp
        );
    }

    /// `report` with a re-ranking item by item: `f(item, score)`.
    fn per_item(&self, name: &str, knob: f64, f: impl Fn(usize, f64) -> f64) {
        self.report(name, knob, |_, x, o| {
            for (i, (o, &s)) in o.iter_mut().zip(x).enumerate() {
                *o = f(i, f64::from(s)) as f32;
            }
        });
    }

    /// Items in each user's top-`k` of the raw scores.
    fn exposure(&self, k: usize) -> Vec<f64> {
        let mut e = vec![0.0; self.n_items];
        for u in 0..self.n_users {
            for i in top_of(
                self.row(u),
                &self.data.catalog,
                self.data.train_of(u as u32),
                k,
            ) {
                e[i as usize] += 1.0;
            }
        }
        e
    }
}

fn env_list(name: &str, default: &str) -> Vec<String> {
    std::env::var(name)
        .unwrap_or_else(|_| default.into())
        .split(',')
        .map(str::to_string)
        .collect()
}

fn knob_alternatives() {
    let d = load_dir(&common::shared_dataset("ml-100k"), LoadOptions::default()).unwrap();
    for seed in env_list("TUNE_SEEDS", "1") {
        let seed: u64 = seed.parse().unwrap();
        let data = EvalData::holdout(&d, seed);
        let base = ModelSpec::HybridAls.als_config(&Settings::seeded(seed));
        let parse = |name: &str, v: f32| std::env::var(name).map_or(v, |s| s.parse().unwrap());
        let config = AlsConfig {
            factors: parse("TUNE_FACTORS", base.factors as f32) as usize,
            regularization: parse("TUNE_REG", base.regularization),
            alpha: parse("TUNE_ALPHA", base.alpha),
            ..base
        };
        let model = whyrec::engine::HybridAls::fit(
            &data.train,
            Some(&data.item_features),
            data.user_features.as_ref(),
            &config,
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap();
        let model = &model;
        let (n_users, n_items) = (data.n_users, data.n_items);
        let mut scores = vec![0f32; n_users * n_items];
        for u in 0..n_users {
            model.score_items(u as u32, &mut scores[u * n_items..(u + 1) * n_items]);
        }
        let pop: Vec<f64> = data.popularity().iter().map(|&p| p as f64).collect();
        let b = Bench {
            data,
            n_users,
            n_items,
            scores,
            pop,
        };
        println!("== ML-100K holdout-20 seed {seed}");
        alternatives(&b, model.sides().item_vectors());
    }
}

fn alternatives(b: &Bench, q: ndarray::ArrayView2<f32>) {
    let (nu, ni) = (b.n_users, b.n_items);
    let pop = &b.pop;
    let norm: Vec<f64> = q
        .rows()
        .into_iter()
        .map(|r| {
            r.iter()
                .map(|&x| f64::from(x).powi(2))
                .sum::<f64>()
                .sqrt()
                .max(1e-12)
        })
        .collect();
    let mut mean = vec![0f64; ni];
    let mut sd = vec![0f64; ni];
    for u in 0..nu {
        for (i, &s) in b.row(u).iter().enumerate() {
            mean[i] += f64::from(s) / nu as f64;
        }
    }
    for u in 0..nu {
        for (i, &s) in b.row(u).iter().enumerate() {
            sd[i] += (f64::from(s) - mean[i]).powi(2) / nu as f64;
        }
    }
    let sd: Vec<f64> = sd.iter().map(|v| v.sqrt().max(1e-6)).collect();
    for l in [0.0, 0.03, 0.05, 0.06, 0.07, 0.08] {
        b.per_item("log-popularity", l, |i, s| s - l * pop[i].ln_1p());
    }
    for l in [0.1, 0.2, 0.3] {
        b.per_item("inverse propensity", l, |i, s| {
            s.max(0.0) / (pop[i] + 1.0).powf(l)
        });
    }
    for l in [0.5, 0.75, 1.0] {
        b.per_item("item-mean centring", l, |i, s| s - l * mean[i]);
    }
    for l in [0.25, 0.5] {
        b.per_item("item z-score", l, |i, s| (s - l * mean[i]) / sd[i].powf(l));
    }
    for l in [0.5, 0.75, 0.8] {
        b.per_item("norm exponent", l, |i, s| s / norm[i].powf(l));
    }
    for a in [0.3, 0.4, 0.5, 0.6] {
        for l in [0.02, 0.04, 0.05] {
            b.per_item(&format!("norm^{a} + log-pop"), l, |i, s| {
                s / norm[i].powf(a) - l * pop[i].ln_1p()
            });
        }
    }
    for t in [0.4, 0.45, 0.5, 0.55] {
        b.per_item("knob (a=1, b=0.08)", t, |i, s| {
            s / norm[i].powf(t) - 0.08 * t * pop[i].ln_1p()
        });
    }
    let exposure = b.exposure(10);
    for l in [0.02, 0.04] {
        b.per_item("exposure penalty", l, |i, s| s - l * exposure[i].ln_1p());
    }
    for share in [0.1, 0.05] {
        let prices = exposure_prices(b, (share * nu as f64).ceil() as usize);
        b.per_item("exposure cap", share, |i, s| s - prices[i]);
    }
    for l in [0.2, 0.5, 0.8] {
        b.report("calibration (Steck)", l, |u, x, o| {
            calibrated(b, u, x, o, l)
        });
    }
}

/// Per-item prices such that no item is in more than `cap` top-10 lists (dual ascent: raise the
/// price of an over-exposed item to the margin of its cap-th user).
fn exposure_prices(b: &Bench, cap: usize) -> Vec<f64> {
    let mut price = vec![0f64; b.n_items];
    for _ in 0..30 {
        let mut margins: Vec<Vec<f64>> = vec![Vec::new(); b.n_items];
        for u in 0..b.n_users {
            let train = b.data.train_of(u as u32);
            let mut v: Vec<(f64, u32)> = b
                .data
                .catalog
                .iter()
                .filter(|i| train.binary_search(i).is_err())
                .map(|&i| (f64::from(b.row(u)[i as usize]) - price[i as usize], i))
                .collect();
            v.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)));
            for &(x, i) in &v[..10] {
                margins[i as usize].push(x - v[10].0);
            }
        }
        let mut changed = false;
        for (i, m) in margins.iter_mut().enumerate() {
            if m.len() > cap {
                m.sort_by(|x, y| y.total_cmp(x));
                price[i] += m[cap] + 1e-7;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    price
}

/// Steck's greedy calibrated list from the top-100: maximise (1 − λ)·Σ score − λ·KL.
fn calibrated(b: &Bench, u: usize, x: &[f32], out: &mut [f32], lambda: f64) {
    let d = &b.data;
    let train = d.train_of(u as u32);
    let Some(p) = genre_distribution(train, &d.item_genres, d.n_genres) else {
        out.copy_from_slice(x);
        return;
    };
    let mut pool = top_of(x, &d.catalog, train, 100);
    let mut chosen: Vec<u32> = Vec::new();
    let mut sum = 0.0;
    for _ in 0..10.min(pool.len()) {
        let value = |i: u32| {
            let mut c = chosen.clone();
            c.push(i);
            let q = genre_distribution(&c, &d.item_genres, d.n_genres);
            (1.0 - lambda) * (sum + f64::from(x[i as usize]))
                - lambda * calibration_kl(&p, q.as_deref(), CALIBRATION_ALPHA)
        };
        let (k, _) = pool
            .iter()
            .enumerate()
            .map(|(k, &i)| (k, value(i)))
            .fold((0, f64::NEG_INFINITY), |a, c| if c.1 > a.1 { c } else { a });
        let i = pool.remove(k);
        sum += f64::from(x[i as usize]);
        chosen.push(i);
    }
    out.fill(-1e9);
    for (r, &i) in chosen.iter().enumerate() {
        out[i as usize] = 100.0 - r as f32;
    }
}

/// Runs the experiment named by the first argument (every one without an argument):
/// `cargo run --release --example tune_knob -- [knob_alternatives]`.
fn main() {
    match std::env::args().nth(1).as_deref() {
        Some("knob_alternatives") => knob_alternatives(),
        None => {
            knob_alternatives();
        }
        Some(other) => {
            eprintln!("unknown experiment {other:?}: expected one of knob_alternatives");
            std::process::exit(2);
        }
    }
}
