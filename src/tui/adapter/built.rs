//! Users built in Build-a-user: their demographics as the model's features, their lists (every
//! rated movie excluded, liked or not — the served rule), what-ifs on them (the refold is the
//! model's own answer for a user it never trained on, so there is no retrain), and their lists
//! by the Compare tab's models.

use super::{empty_list, Engine, ListView, Profile, WhatIfView};
use crate::data::dataset::AGE_BUCKETS;
use crate::engine::{FactorModel, Scorer, Trained};
use crate::explain::ListSource;

impl Engine {
    /// The values of gender, age bucket and occupation (empty lists without demographics).
    pub fn demographic_options(&self) -> [Vec<String>; 3] {
        match self.dataset.users.demographics.as_ref() {
            Some(d) => [
                vec!["F".into(), "M".into()],
                AGE_BUCKETS.iter().map(|a| a.1.to_string()).collect(),
                d.occupations.clone(),
            ],
            None => [Vec::new(), Vec::new(), Vec::new()],
        }
    }

    /// The model's feature indices of the chosen demographics (none when the model has no
    /// demographic features).
    pub fn built_features(&self, chosen: [Option<usize>; 3]) -> Vec<u32> {
        let options = self.demographic_options();
        let names = self.model().sides().user_feature_names();
        let prefix = ["gender", "age", "occupation"];
        (0..3)
            .filter_map(|f| {
                let value = options[f].get(chosen[f]?)?;
                let name = format!("{}:{value}", prefix[f]);
                names.iter().position(|n| *n == name).map(|p| p as u32)
            })
            .collect()
    }

    /// A built user's profile: its likes and the chosen demographics.
    pub fn built_user_profile(&self, likes: &[u32], chosen: [Option<usize>; 3]) -> Profile {
        Profile::new(None, likes.to_vec(), self.built_features(chosen))
    }

    /// The top-10 of a built user who also rated `seen` below the like threshold.
    pub fn built_top(&self, profile: &Profile, seen: &[u32]) -> ListView {
        let list = self
            .explainer
            .recommend_profile_seen(profile, seen)
            .unwrap_or_else(|_| empty_list());
        self.rows(None, list, None)
    }

    /// A built user's what-if: the list without `removed` (still rated, so still no candidates),
    /// its moves against `before`, and a sentence naming what left and what came in.
    pub fn built_what_if(
        &self,
        profile: &Profile,
        seen: &[u32],
        before: &ListView,
        removed: &[u32],
    ) -> WhatIfView {
        let edited = profile.edited(removed, &[]);
        let mut rated: Vec<u32> = seen.to_vec();
        rated.extend_from_slice(removed);
        let list = self
            .explainer
            .recommend_profile_seen(&edited, &rated)
            .unwrap_or_else(|_| empty_list());
        let after = self.rows(None, list, Some(before));
        let leaving = super::leaving(before, &after);
        let entering: Vec<&str> = after
            .recs
            .iter()
            .filter(|r| r.previous_rank.is_none())
            .map(|r| self.title(r.item))
            .collect();
        let without: Vec<&str> = removed.iter().map(|&i| self.title(i)).collect();
        let left: Vec<String> = leaving
            .iter()
            .map(|&(i, r)| format!("{} (was #{r})", self.title(i)))
            .collect();
        let sentence = if left.is_empty() {
            format!(
                "Without {}, the same ten films stay (the order may change).",
                without.join(", ")
            )
        } else {
            format!(
                "Without {}, {} leave{} the top-10; {} come{} in.",
                without.join(", "),
                left.join(", "),
                if left.len() == 1 { "s" } else { "" },
                entering.join(", "),
                if entering.len() == 1 { "s" } else { "" },
            )
        };
        WhatIfView {
            removed: removed.to_vec(),
            after,
            leaving,
            sentence,
        }
    }

    /// The top-10 of a built user by one of the Compare tab's models.
    pub fn top_for_profile(&self, model: &Trained, profile: &Profile, seen: &[u32]) -> ListView {
        let mut scores = vec![0.0f32; self.dataset.n_items()];
        let source = match model {
            _ if profile.likes.is_empty() => {
                scores = crate::metrics::artifacts::popularity_of(self.positives());
                ListSource::PopularityFallback
            }
            Trained::Popularity(p) => {
                p.score_items(0, &mut scores);
                ListSource::Model
            }
            Trained::Factor(m) => {
                let folded = m.fold_in(&profile.likes, &profile.features);
                m.score_folded(&folded, &mut scores);
                ListSource::Model
            }
        };
        let list = self.explainer.top_of_scores(source, scores, profile, seen);
        self.rows(None, list, None)
    }
}
