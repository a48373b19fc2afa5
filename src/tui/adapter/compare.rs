//! The Compare tab's models: popularity, the explored model and the others of [`COMPARED`], each
//! trained on every positive through the service layer (factor models from the model cache, as
//! `whyrec train --model …`; the explored one reused), and the overlaps of their lists.

use std::path::Path;

use super::{Engine, ListView};
use crate::engine::{ModelSpec, Scorer, Trained};
use crate::explain::{self, RankedItem};
use crate::workspace::{self, ModelRequest, Progress, WorkspaceError};

/// A trained model with its name.
pub type NamedScorer = (String, Trained);

/// The models the Compare tab sets beside the explored one, in column order.
pub const COMPARED: [ModelSpec; 3] = [ModelSpec::Popularity, ModelSpec::HybridAls, ModelSpec::Warp];

impl Engine {
    /// The Compare tab's columns: popularity, the explored model, then the other models of
    /// [`COMPARED`].
    pub fn compared(&self) -> Vec<ModelSpec> {
        let mut specs = vec![ModelSpec::Popularity, self.spec()];
        for spec in COMPARED {
            if !specs.contains(&spec) {
                specs.push(spec);
            }
        }
        specs
    }

    /// Trains (or loads, with a models folder) the Compare tab's models; the explored model is
    /// reused. `progress` hears every training.
    pub fn comparison_models(
        &self,
        models_dir: Option<&Path>,
        progress: &dyn Progress,
    ) -> Result<Vec<NamedScorer>, WorkspaceError> {
        let mut out: Vec<NamedScorer> = Vec::new();
        for spec in self.compared() {
            let model = if spec == self.spec() {
                Trained::Factor(self.model().clone())
            } else {
                let request = ModelRequest {
                    spec,
                    settings: self.settings().clone(),
                    models_dir,
                    force: false,
                    file: None,
                };
                workspace::load_or_train(&self.dataset, &request, progress)?
            };
            out.push((spec.name().to_string(), model));
        }
        Ok(out)
    }

    /// The served top `k` of a dataset user by any model (`engine::rank`: no rated movie, no twin,
    /// no title twice; the popularity fallback without likes).
    pub fn top_by(&self, scorer: &dyn Scorer, user: u32, k: usize) -> ListView {
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
pub fn overlaps(lists: &[&ListView]) -> Vec<Vec<usize>> {
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
