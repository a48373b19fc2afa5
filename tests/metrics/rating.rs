//! RMSE/MAE against hand-computed values (with clipping to the scale), the fold report's shape, and
//! determinism of the seeded models on a small synthetic matrix.

use whyrec::data::registry::RatingScale;
use whyrec::data::split::Interaction;
use whyrec::engine::rating::{BiasConfig, MfConfig, RatingModel, RatingSpec, SvdConfig};
use whyrec::metrics::evaluate_rating;

struct Table;

impl RatingModel for Table {
    fn name(&self) -> &str {
        "table"
    }
    fn predict(&self, user: u32, item: u32) -> f32 {
        [[3.5, 6.0], [0.0, f32::NAN]][user as usize][item as usize]
    }
}

fn r(user: u32, item: u32, rating: f32) -> Interaction {
    Interaction {
        user,
        item,
        rating,
        timestamp: 0,
    }
}

const SCALE: RatingScale = RatingScale {
    min: 1.0,
    max: 5.0,
    step: 1.0,
};

#[test]
fn hand_computed_with_clipping() {
    // Predictions 3.5, 6 → 5, 0 → 1, NaN → 3 (mid-scale); errors −0.5, 1, −1, −2.
    let test = [r(0, 0, 4.0), r(0, 1, 4.0), r(1, 0, 2.0), r(1, 1, 5.0)];
    let m = evaluate_rating(&Table, &test, SCALE);
    assert_eq!(m.n, 4);
    assert!(
        (m.rmse - (6.25f64 / 4.0).sqrt()).abs() < 1e-12,
        "{}",
        m.rmse
    );
    assert!((m.mae - 4.5 / 4.0).abs() < 1e-12, "{}", m.mae);
    assert!(evaluate_rating(&Table, &[], SCALE).rmse.is_nan());
}

/// 40 users × 30 items of rank-2 ratings plus user and item effects, 70% observed.
fn synthetic() -> (Vec<Interaction>, Vec<Interaction>) {
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for u in 0..40u32 {
        for i in 0..30u32 {
            let h = (u * 7919 + i * 104_729) % 100;
            if h >= 70 {
                continue;
            }
            let (a, b) = ((u % 5) as f32 / 4.0 - 0.5, (i % 3) as f32 - 1.0);
            let x = 3.2
                + 0.3 * ((u % 3) as f32 - 1.0)
                + 0.2 * ((i % 4) as f32 - 1.5)
                + a * b
                + 0.3 * ((u % 2) as f32 - 0.5) * ((i % 2) as f32 - 0.5);
            let rating = x.round().clamp(1.0, 5.0);
            if h < 10 {
                test.push(r(u, i, rating));
            } else {
                train.push(r(u, i, rating));
            }
        }
    }
    (train, test)
}

#[test]
fn models_learn_and_are_deterministic() {
    let (train, test) = synthetic();
    let specs = [
        RatingSpec::GlobalMean,
        RatingSpec::Bias(BiasConfig::default()),
        RatingSpec::Svd(SvdConfig {
            factors: 3,
            ..SvdConfig::default()
        }),
        RatingSpec::Mf(MfConfig {
            factors: 8,
            epochs: 40,
            ..MfConfig::default()
        }),
        RatingSpec::Mf(MfConfig {
            factors: 8,
            epochs: 40,
            ..MfConfig::svdpp()
        }),
    ];
    let mut rmse = Vec::new();
    for spec in &specs {
        let a = spec.fit(&train, 40, 30, 3);
        let b = spec.fit(&train, 40, 30, 3);
        for t in &test {
            assert_eq!(
                a.predict(t.user, t.item).to_bits(),
                b.predict(t.user, t.item).to_bits(),
                "{}",
                a.name()
            );
        }
        assert!(a.predict(99, 99).is_finite(), "unknown indices fall back");
        rmse.push(evaluate_rating(a.as_ref(), &test, SCALE).rmse);
    }
    for (k, e) in rmse.iter().enumerate().skip(1) {
        assert!(
            *e < rmse[0],
            "model {k} ({e}) should beat the global mean ({})",
            rmse[0]
        );
    }
}
