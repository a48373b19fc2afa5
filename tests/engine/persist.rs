//! Model files of `hybrid-als`: save → load is bit-identical, damaged files give errors, never
//! panics.

use crate::common;
use whyrec::engine::FactorModel;

use std::sync::atomic::AtomicBool;
use std::sync::OnceLock;

use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{Dataset, Positives};
use whyrec::engine::{AlsConfig, EngineError, HybridAls, HybridModel, ModelMeta, Scorer};

struct Fixture {
    data: Dataset,
    positives: Positives,
    model: HybridModel,
}

fn fit(data: &Dataset, positives: &Positives, config: &AlsConfig) -> HybridModel {
    let genres = item_genre_features(data);
    let demo = user_demographic_features(data);
    let cancel = AtomicBool::new(false);
    HybridAls::fit(
        positives,
        Some(&genres),
        demo.as_ref(),
        config,
        &mut |_| {},
        &cancel,
    )
    .expect("fit")
}

fn ml100k() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let data = common::load_ml100k();
        let positives = Positives::from_dataset(&data, 4.0);
        let model = fit(&data, &positives, &AlsConfig::default());
        Fixture {
            data,
            positives,
            model,
        }
    })
}

fn bits(m: &HybridModel) -> Vec<u32> {
    m.sides()
        .user_vectors()
        .iter()
        .chain(m.sides().item_vectors().iter())
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn save_then_load_gives_bit_identical_scores() {
    let f = ml100k();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.whyrec");
    let meta = ModelMeta {
        dataset: f.data.name.clone(),
        fingerprint: f.data.fingerprint(),
    };
    f.model.save(&path, &meta).unwrap();
    let (loaded, meta2) = HybridModel::load(&path).unwrap();
    assert_eq!(meta2, meta);
    assert_eq!(loaded.config(), f.model.config());
    assert_eq!(bits(&loaded), bits(&f.model));
    let (mut a, mut b) = (
        vec![0.0f32; loaded.n_items()],
        vec![0.0f32; loaded.n_items()],
    );
    for u in (0..loaded.n_users() as u32).step_by(50) {
        f.model.score_items(u, &mut a);
        loaded.score_items(u, &mut b);
        assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
    }
    let h = f.positives.by_user.row(9);
    assert_eq!(loaded.fold_in(h, &[]), f.model.fold_in(h, &[]));
    assert_eq!(
        loaded.sides().decompose(4, 17),
        f.model.sides().decompose(4, 17)
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        leftovers.len(),
        1,
        "no temporary file left behind: {leftovers:?}"
    );
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let f = ml100k();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.whyrec");
    let model = fit(
        &f.data,
        &f.positives,
        &AlsConfig {
            iterations: 1,
            factors: 4,
            ..AlsConfig::default()
        },
    );
    model.save(&path, &ModelMeta::default()).unwrap();
    let good = std::fs::read(&path).unwrap();
    let bad = dir.path().join("bad.whyrec");
    let load = |bytes: &[u8]| {
        std::fs::write(&bad, bytes).unwrap();
        HybridModel::load(&bad)
    };
    // Truncated anywhere.
    let cuts = (0..300)
        .chain((300..good.len()).step_by(997))
        .chain([good.len() - 1]);
    for cut in cuts {
        match load(&good[..cut]) {
            Err(EngineError::Truncated { .. } | EngineError::Corrupt { .. }) => {}
            other => panic!("cut at {cut}: {:?}", other.map(|_| ())),
        }
    }
    assert!(matches!(
        load(&good[..good.len() / 2]),
        Err(EngineError::Truncated { .. })
    ));
    // Any flipped byte.
    for at in (0..good.len()).step_by(211).chain([good.len() - 1]) {
        let mut b = good.clone();
        b[at] ^= 0x5a;
        assert!(load(&b).is_err(), "flip at {at} accepted");
    }
    // Wrong version, huge announced header, trailing bytes, not a model at all.
    let mut b = good.clone();
    b[8] = 99;
    assert!(matches!(
        load(&b),
        Err(EngineError::UnsupportedVersion { found: 99, .. })
    ));
    let mut b = good.clone();
    b[12..20].copy_from_slice(&u64::MAX.to_le_bytes());
    assert!(matches!(load(&b), Err(EngineError::Truncated { .. })));
    let mut b = good.clone();
    b.extend_from_slice(&[0; 16]);
    assert!(load(&b).is_err());
    assert!(matches!(
        load(b"hello world, not a model"),
        Err(EngineError::Corrupt { .. })
    ));
    assert!(matches!(
        HybridModel::load(&dir.path().join("missing")),
        Err(EngineError::Io { .. })
    ));
    assert!(HybridModel::load(&path).is_ok());
}
