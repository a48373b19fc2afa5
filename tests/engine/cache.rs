//! The model cache (`engine::cache`) for every model kind, on a tiny generated dataset: file names,
//! a second load reuses the file, changed settings or data make it stale, a corrupt or foreign
//! file is stale (never a panic), and retraining replaces it.

use crate::common;

use std::path::Path;
use std::sync::atomic::AtomicBool;

use whyrec::data::{load_dir, Dataset, LoadOptions};
use whyrec::engine::cache::{
    fit_and_save, load_cached, load_matching, model_path, path_for, train_and_save, Cached,
};
use whyrec::engine::{AlsConfig, HybridModel, Scorer, SgdConfig, SgdModel, Trainable};

fn dataset(dir: &Path) -> Dataset {
    common::write_ml100k(dir);
    load_dir(dir, LoadOptions::default()).unwrap()
}

fn small_warp() -> SgdConfig {
    SgdConfig {
        factors: 4,
        epochs: 3,
        ..SgdConfig::warp()
    }
}

fn scores(m: &dyn Scorer, user: u32) -> Vec<f32> {
    let mut s = vec![0.0; m.n_items()];
    m.score_items(user, &mut s);
    s
}

fn stale<M>(c: Cached<M>) -> String {
    match c {
        Cached::Stale(why) => why,
        Cached::Fresh(_) => panic!("fresh, expected stale"),
        Cached::Missing => panic!("missing, expected stale"),
    }
}

fn fresh<M>(c: Cached<M>) -> M {
    match c {
        Cached::Fresh(m) => *m,
        Cached::Stale(why) => panic!("stale: {why}"),
        Cached::Missing => panic!("missing"),
    }
}

#[test]
fn every_model_kind_has_its_own_file() {
    let data_dir = tempfile::tempdir().unwrap();
    let d = dataset(data_dir.path());
    let models = Path::new("models");
    let name = d.name.clone();
    let warp = path_for::<SgdModel>(models, &d, &SgdConfig::warp());
    let bpr = path_for::<SgdModel>(models, &d, &SgdConfig::bpr());
    let als = path_for::<HybridModel>(models, &d, &AlsConfig::default());
    assert_eq!(als, model_path(models, &d));
    for (path, kind) in [(&warp, "warp"), (&bpr, "bpr"), (&als, "hybrid-als")] {
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        assert!(file.ends_with(&format!("-{kind}.whyrec")), "{file}");
        assert!(path.starts_with(models));
        assert!(file.len() > name.len());
    }
}

#[test]
fn sgd_models_are_reused_retrained_when_settings_or_data_change_and_survive_corruption() {
    let data_dir = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    let d = dataset(data_dir.path());
    let config = small_warp();
    let path = path_for::<SgdModel>(models.path(), &d, &config);
    let cancel = AtomicBool::new(false);
    assert!(matches!(
        load_cached::<SgdModel>(&path, &d, &config),
        Cached::Missing
    ));
    let mut epochs = 0;
    let trained: SgdModel =
        fit_and_save(&d, &path, &config, &mut |p| epochs = p.sweep, &cancel).unwrap();
    assert_eq!(epochs, 3);
    assert!(path.is_file());
    // A second load reuses the file: same settings, same scores.
    let loaded = fresh(load_cached::<SgdModel>(&path, &d, &config));
    assert_eq!(loaded.config(), trained.config());
    assert_eq!(scores(&loaded, 0), scores(&trained, 0));
    assert_eq!(loaded.settings(), &config);
    // Any changed setting makes it stale; so does the other loss at the same path.
    for changed in [
        SgdConfig {
            epochs: 4,
            ..config.clone()
        },
        SgdConfig {
            seed: 2,
            ..config.clone()
        },
        SgdConfig {
            user_features: false,
            ..config.clone()
        },
        SgdConfig {
            loss: whyrec::engine::Loss::Bpr,
            ..config.clone()
        },
    ] {
        assert_eq!(
            stale(load_cached::<SgdModel>(&path, &d, &changed)),
            "the settings changed"
        );
    }
    // A hybrid-als reader of the warp file finds it unusable rather than panicking.
    let why = stale(load_matching(&path, &d, &AlsConfig::default()));
    assert!(why.starts_with("unusable: "), "{why}");
    // Changed data.
    common::write_ratings(
        data_dir.path(),
        "1\t1\t5\t881250949\n2\t1\t4\t881250951\n3\t4\t5\t881250953\n3\t2\t4\t881250954\n",
    );
    let d2 = load_dir(data_dir.path(), LoadOptions::default()).unwrap();
    assert_eq!(
        stale(load_cached::<SgdModel>(&path, &d2, &config)),
        "the data changed"
    );
    // Corrupt (a flipped byte) and truncated files are stale with a reason; retraining replaces them.
    let bytes = std::fs::read(&path).unwrap();
    let mut flipped = bytes.clone();
    let at = flipped.len() - 40;
    flipped[at] ^= 0x55;
    for broken in [
        flipped,
        bytes[..bytes.len() / 2].to_vec(),
        b"garbage".to_vec(),
    ] {
        std::fs::write(&path, &broken).unwrap();
        let why = stale(load_cached::<SgdModel>(&path, &d, &config));
        assert!(why.starts_with("unusable: "), "{why}");
    }
    let again: SgdModel = fit_and_save(&d, &path, &config, &mut |_| {}, &cancel).unwrap();
    assert_eq!(
        scores(&again, 2),
        scores(&trained, 2),
        "same seed, same model"
    );
    fresh(load_cached::<SgdModel>(&path, &d, &config));
}

#[test]
fn the_hybrid_als_cache_keeps_working_beside_the_sgd_files() {
    let data_dir = tempfile::tempdir().unwrap();
    let models = tempfile::tempdir().unwrap();
    let d = dataset(data_dir.path());
    let config = AlsConfig {
        factors: 4,
        iterations: 2,
        ..AlsConfig::default()
    };
    let cancel = AtomicBool::new(false);
    let als_path = model_path(models.path(), &d);
    let als = train_and_save(&d, &als_path, &config, &mut |_| {}, &cancel).unwrap();
    let bpr_config = SgdConfig {
        factors: 4,
        epochs: 2,
        ..SgdConfig::bpr()
    };
    let bpr_path = path_for::<SgdModel>(models.path(), &d, &bpr_config);
    let bpr: SgdModel = fit_and_save(&d, &bpr_path, &bpr_config, &mut |_| {}, &cancel).unwrap();
    assert_ne!(als_path, bpr_path);
    let loaded = fresh(load_matching(&als_path, &d, &config));
    assert_eq!(scores(&loaded, 1), scores(&als, 1));
    let loaded = fresh(load_cached::<SgdModel>(&bpr_path, &d, &bpr_config));
    assert_eq!(scores(&loaded, 1), scores(&bpr, 1));
    let changed = AlsConfig {
        iterations: 3,
        ..config
    };
    assert_eq!(
        stale(load_matching(&als_path, &d, &changed)),
        "the settings changed"
    );
}
