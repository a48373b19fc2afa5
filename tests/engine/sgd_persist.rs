//! Model files of `warp`/`bpr`: save → load gives bit-identical scores and training state, damaged
//! files give errors (never panics), and hybrid-als and SGD files are not mistaken for each other.

use crate::common;
use whyrec::engine::FactorModel;

use std::sync::atomic::AtomicBool;

use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::Positives;
use whyrec::engine::{
    AlsConfig, EngineError, HybridAls, HybridModel, Loss, ModelMeta, Scorer, SgdConfig, SgdModel,
};

fn bits(m: &SgdModel) -> Vec<u32> {
    m.sides()
        .user_vectors()
        .iter()
        .chain(m.sides().item_vectors().iter())
        .chain(m.sides().item_biases().unwrap().iter())
        .map(|v| v.to_bits())
        .collect()
}

#[test]
fn save_then_load_is_bit_identical_and_resumes_training_exactly() {
    let data = common::load_ml100k();
    let positives = Positives::from_dataset(&data, 4.0);
    let genres = item_genre_features(&data);
    let demo = user_demographic_features(&data);
    let cancel = AtomicBool::new(false);
    let dir = tempfile::tempdir().unwrap();
    for loss in [Loss::Warp, Loss::Bpr] {
        let config = SgdConfig {
            loss,
            factors: 24,
            epochs: 3,
            ..SgdConfig::warp()
        };
        let mut model = SgdModel::fit(
            &positives,
            Some(&genres),
            demo.as_ref(),
            &config,
            &mut |_| {},
            &cancel,
        )
        .unwrap();
        let path = dir.path().join(format!("{}.whyrec", loss.name()));
        let meta = ModelMeta {
            dataset: data.name.clone(),
            fingerprint: data.fingerprint(),
        };
        model.save(&path, &meta).unwrap();
        let (mut loaded, meta2) = SgdModel::load(&path).unwrap();
        assert_eq!(meta2, meta);
        assert_eq!(loaded.config(), model.config());
        assert_eq!(loaded.epochs_done(), 3);
        assert_eq!(bits(&loaded), bits(&model));
        let (mut a, mut b) = (vec![0.0f32; model.n_items()], vec![0.0f32; model.n_items()]);
        for u in (0..model.n_users() as u32).step_by(40) {
            model.score_items(u, &mut a);
            loaded.score_items(u, &mut b);
            assert!(a.iter().zip(&b).all(|(x, y)| x.to_bits() == y.to_bits()));
        }
        let h = positives.by_user.row(9);
        assert_eq!(loaded.fold_in(h, &[1]), model.fold_in(h, &[1]));
        assert_eq!(
            loaded.sides().decompose(4, 17),
            model.sides().decompose(4, 17)
        );
        // The AdaGrad state and epoch count are in the file: training resumes exactly.
        model
            .continue_training(&positives, 1, &mut |_| {}, &cancel)
            .unwrap();
        loaded
            .continue_training(&positives, 1, &mut |_| {}, &cancel)
            .unwrap();
        assert_eq!(bits(&loaded), bits(&model));
        assert_eq!(loaded.name(), loss.name());
    }
    let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(leftovers, 2, "no temporary file left behind");
}

#[test]
fn damaged_files_give_errors_not_panics() {
    let positives = Positives::from_pairs(
        6,
        5,
        &[0, 0, 1, 2, 2, 3, 4, 5, 5],
        &[0, 1, 1, 2, 3, 3, 4, 0, 4],
        4.0,
    );
    let config = SgdConfig {
        factors: 3,
        epochs: 2,
        ..SgdConfig::warp()
    };
    let cancel = AtomicBool::new(false);
    let model = SgdModel::fit(&positives, None, None, &config, &mut |_| {}, &cancel).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.whyrec");
    model.save(&path, &ModelMeta::default()).unwrap();
    let good = std::fs::read(&path).unwrap();
    let bad = dir.path().join("bad.whyrec");
    let load = |bytes: &[u8]| {
        std::fs::write(&bad, bytes).unwrap();
        SgdModel::load(&bad)
    };
    for cut in 0..good.len() {
        match load(&good[..cut]) {
            Err(EngineError::Truncated { .. } | EngineError::Corrupt { .. }) => {}
            other => panic!("cut at {cut}: {:?}", other.map(|_| ())),
        }
    }
    for at in 0..good.len() {
        let mut b = good.clone();
        b[at] ^= 0x5a;
        assert!(load(&b).is_err(), "flip at {at} accepted");
    }
    let mut b = good.clone();
    b[8] = 7;
    assert!(matches!(
        load(&b),
        Err(EngineError::UnsupportedVersion { found: 7, .. })
    ));
    let mut b = good.clone();
    b.extend_from_slice(&[0; 8]);
    assert!(matches!(load(&b), Err(EngineError::Corrupt { .. })));
    assert!(matches!(
        SgdModel::load(&dir.path().join("missing")),
        Err(EngineError::Io { .. })
    ));
    // A warp file is not a hybrid-als model, nor the other way round.
    match HybridModel::load(&path) {
        Err(EngineError::Corrupt { reason, .. }) => assert!(reason.contains("`warp`"), "{reason}"),
        other => panic!("{:?}", other.map(|_| ())),
    }
    let als = HybridAls::fit(
        &positives,
        None,
        None,
        &AlsConfig {
            factors: 3,
            iterations: 1,
            ..AlsConfig::default()
        },
        &mut |_| {},
        &cancel,
    )
    .unwrap();
    let als_path = dir.path().join("als.whyrec");
    als.save(&als_path, &ModelMeta::default()).unwrap();
    assert!(matches!(
        SgdModel::load(&als_path),
        Err(EngineError::Corrupt { .. })
    ));
    assert!(SgdModel::load(&path).is_ok());
}
