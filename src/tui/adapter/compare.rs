//! The Compare tab's models: popularity, the engine's hybrid-als and the others of the line-up,
//! trained on every positive (warp through the model cache, as `whyrec train --model warp`), and
//! the overlaps of their lists.

use std::path::Path;
use std::sync::atomic::AtomicBool;

use super::{Engine, TopList};
use crate::data::interactions::{item_genre_features, user_demographic_features};
use crate::engine::cache::{self, Cached};
use crate::engine::{EngineError, Family, ModelSpec, Scorer, Settings, SgdModel, TrainProgress};
use crate::explain::{self, RankedItem};

/// A trained model with its name.
pub type NamedScorer = (String, Box<dyn Scorer>);

/// The models of the Compare tab, in column order. hybrid-als is the engine's own model.
pub const COMPARED: [ModelSpec; 3] = [ModelSpec::Popularity, ModelSpec::HybridAls, ModelSpec::Warp];

impl Engine {
    /// Trains the Compare tab's models on every positive (hybrid-als is reused; with a models
    /// folder, warp and bpr are loaded from the model cache when they match and saved there when
    /// trained); `progress` hears (fraction, label).
    pub fn comparison_models(
        &self,
        models_dir: Option<&Path>,
        progress: &mut dyn FnMut(f32, String),
        cancel: &AtomicBool,
    ) -> Result<Vec<NamedScorer>, EngineError> {
        let items = item_genre_features(&self.dataset);
        let users = user_demographic_features(&self.dataset);
        let mut out: Vec<NamedScorer> = Vec::new();
        for (n, m) in COMPARED.into_iter().enumerate() {
            let base = n as f32 / COMPARED.len() as f32;
            progress(base, format!("training {m}"));
            let seed = self.model().config().seed;
            let mut report = |p: TrainProgress| {
                let f = base + p.sweep as f32 / p.sweeps.max(1) as f32 / COMPARED.len() as f32;
                progress(
                    f,
                    format!("training {m}: sweep {} of {}", p.sweep, p.sweeps),
                );
            };
            let settings = Settings::seeded(seed);
            let scorer: Box<dyn Scorer> = match (m, m.family(), models_dir) {
                (ModelSpec::HybridAls, _, _) => Box::new(self.model().clone()),
                (_, Family::Sgd, Some(dir)) => {
                    let config = m.sgd_config(&settings);
                    let path = cache::path_for::<SgdModel>(dir, &self.dataset, &config);
                    match cache::load_cached::<SgdModel>(&path, &self.dataset, &config) {
                        Cached::Fresh(model) => model,
                        Cached::Missing | Cached::Stale(_) => {
                            Box::new(cache::fit_and_save::<SgdModel>(
                                &self.dataset,
                                &path,
                                &config,
                                &mut report,
                                cancel,
                            )?)
                        }
                    }
                }
                _ => m
                    .fit(
                        self.positives(),
                        Some(&items),
                        users.as_ref(),
                        &settings,
                        &mut report,
                        cancel,
                    )?
                    .into_scorer(),
            };
            out.push((m.name().to_string(), scorer));
        }
        Ok(out)
    }

    /// The served top `k` of a dataset user by any model (`engine::rank`: no rated movie, no twin,
    /// no title twice; the popularity fallback without likes).
    pub fn top_by(&self, scorer: &dyn Scorer, user: u32, k: usize) -> TopList {
        let n_likes = self.positives().by_user.row_len(user as usize);
        let popularity = crate::metrics::artifacts::popularity_of(self.positives());
        let served = self
            .explainer
            .candidates()
            .serve(scorer, user, n_likes, &popularity, k);
        let items = served
            .items
            .into_iter()
            .enumerate()
            .map(|(n, (item, score))| RankedItem {
                item,
                rank: n + 1,
                score,
            })
            .collect();
        let list = explain::TopList {
            source: served.source,
            items,
        };
        self.rows(Some(user), list, None)
    }
}

/// For every list, the number of its items each list shares with it (`[a][b]`).
pub fn overlaps(lists: &[&TopList]) -> Vec<Vec<usize>> {
    lists
        .iter()
        .map(|a| {
            lists
                .iter()
                .map(|b| {
                    a.recs
                        .iter()
                        .filter(|r| b.recs.iter().any(|o| o.item == r.item))
                        .count()
                })
                .collect()
        })
        .collect()
}
