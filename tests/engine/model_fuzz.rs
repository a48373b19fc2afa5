//! Model-file fuzzing: a saved model, damaged at random — bytes flipped, cut, grown, header fields
//! rewritten — with the checksum recomputed half of the time, so that the checks behind it are
//! reached too. Loading must never panic; a file that loads must either be refused by the
//! dataset check or serve every user with finite scores. Prints how many files ran.

use crate::common;
use whyrec::engine::Scorer;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use proptest::prelude::*;
use sha2::{Digest, Sha256};
use whyrec::data::interactions::{item_genre_features, user_demographic_features};
use whyrec::data::{load_dir, LoadOptions, Positives};
use whyrec::engine::cache::check_fits;
use whyrec::engine::{AlsConfig, HybridAls, HybridModel, ModelMeta};

const CASES: u32 = 512;
/// magic (8) + version (4) + header length (8).
const PREFIX: usize = 20;
const DIGEST: usize = 32;

#[derive(Debug, Clone)]
enum Damage {
    Flip {
        at: usize,
        bits: u8,
    },
    Cut {
        at: usize,
    },
    Grow {
        bytes: Vec<u8>,
    },
    /// Replace a number in the JSON header by another.
    Number {
        which: usize,
        value: u64,
    },
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        (any::<usize>(), 1u8..=255).prop_map(|(at, bits)| Damage::Flip { at, bits }),
        any::<usize>().prop_map(|at| Damage::Cut { at }),
        prop::collection::vec(any::<u8>(), 1..64).prop_map(|bytes| Damage::Grow { bytes }),
        (
            any::<usize>(),
            prop_oneof![Just(0u64), 0u64..10, Just(u64::MAX), any::<u64>()]
        )
            .prop_map(|(which, value)| Damage::Number { which, value }),
    ]
}

fn apply(original: &[u8], damages: &[Damage], reseal: bool) -> Vec<u8> {
    let mut b = original.to_vec();
    for d in damages {
        match d {
            Damage::Flip { at, bits } => {
                let n = b.len().max(1);
                if let Some(x) = b.get_mut(at % n) {
                    *x ^= bits;
                }
            }
            Damage::Cut { at } => b.truncate(at % (b.len() + 1)),
            Damage::Grow { bytes } => b.extend_from_slice(bytes),
            Damage::Number { which, value } => {
                let header_len = b
                    .get(12..20)
                    .map(|s| u64::from_le_bytes(s.try_into().unwrap()) as usize);
                let Some(end) = header_len.and_then(|h| PREFIX.checked_add(h)) else {
                    continue;
                };
                let Some(json) = b.get(PREFIX..end) else {
                    continue;
                };
                let text = String::from_utf8_lossy(json).into_owned();
                let numbers: Vec<(usize, usize)> = {
                    let bytes = text.as_bytes();
                    let mut spans = Vec::new();
                    let mut i = 0;
                    while i < bytes.len() {
                        if bytes[i].is_ascii_digit() {
                            let s = i;
                            while i < bytes.len() && bytes[i].is_ascii_digit() {
                                i += 1;
                            }
                            spans.push((s, i));
                        } else {
                            i += 1;
                        }
                    }
                    spans
                };
                if numbers.is_empty() {
                    continue;
                }
                let (s, e) = numbers[which % numbers.len()];
                let new_json = format!("{}{}{}", &text[..s], value, &text[e..]);
                let mut out = b[..12].to_vec();
                out.extend_from_slice(&(new_json.len() as u64).to_le_bytes());
                out.extend_from_slice(new_json.as_bytes());
                out.extend_from_slice(&b[end..]);
                b = out;
            }
        }
    }
    if reseal && b.len() >= PREFIX + DIGEST {
        let body = b.len() - DIGEST;
        let digest = Sha256::digest(&b[..body]);
        b[body..].copy_from_slice(&digest);
    }
    b
}

#[test]
fn damaged_model_files_never_panic() {
    // A fixed folder name: the dataset's name (and so the file's header) is the same on every run.
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("ml-100k");
    std::fs::create_dir(&folder).unwrap();
    common::write_ml100k(&folder);
    let data = load_dir(&folder, LoadOptions::default()).unwrap();
    let config = AlsConfig {
        factors: 3,
        iterations: 2,
        ..AlsConfig::default()
    };
    let model = HybridAls::fit(
        &Positives::from_dataset(&data, 4.0),
        Some(&item_genre_features(&data)),
        user_demographic_features(&data).as_ref(),
        &config,
        &mut |_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let files = tempfile::tempdir().unwrap();
    let good = files.path().join("good.whyrec");
    model
        .save(
            &good,
            &ModelMeta {
                dataset: data.name.clone(),
                fingerprint: data.fingerprint(),
            },
        )
        .unwrap();
    let original = std::fs::read(&good).unwrap();
    let (ran, loaded, served) = (
        AtomicUsize::new(0),
        AtomicUsize::new(0),
        AtomicUsize::new(0),
    );
    let path = files.path().join("damaged.whyrec");
    let mut runner = common::seeded_runner(CASES);
    runner
        .run(
            &(prop::collection::vec(damage(), 1..4), any::<bool>()),
            |(damages, reseal)| {
                ran.fetch_add(1, Ordering::Relaxed);
                std::fs::write(&path, apply(&original, &damages, reseal)).unwrap();
                if let Ok((m, _)) = HybridModel::load(&path) {
                    loaded.fetch_add(1, Ordering::Relaxed);
                    if check_fits(&m, &data).is_ok() {
                        served.fetch_add(1, Ordering::Relaxed);
                        for u in 0..data.n_users() as u32 {
                            let top = m.recommend(u, data.n_items(), &[]);
                            prop_assert_eq!(top.len(), data.n_items());
                            prop_assert!(top.iter().all(|(_, s)| s.is_finite()));
                        }
                    }
                }
                Ok(())
            },
        )
        .unwrap();
    eprintln!(
        "model-file fuzz: {} damaged files, {} loaded, {} fit the data and served every user; no panic",
        ran.load(Ordering::Relaxed),
        loaded.load(Ordering::Relaxed),
        served.load(Ordering::Relaxed)
    );
    assert_eq!(ran.load(Ordering::Relaxed), CASES as usize);
}
