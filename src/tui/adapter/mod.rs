//! The one place the TUI asks for answers: top-k lists, the instant refold of a what-if, the
//! incremental retrain, score attributions, past-like influences and minimal counterfactual
//! sets. Everything comes from [`crate::explain`] (the [`AnyExplainer`]); this module only turns its
//! results into the rows the screens draw (titles, predicted stars, popularity, previous ranks).
//! `whatif.rs` holds the what-if calls, `compare.rs` the Compare tab's models, `knob.rs` the
//! accuracy–coverage knob on those lists, `trust.rs` the Trust and Fairness tabs' computations.

mod built;
mod compare;
mod knob;
mod trust;
mod whatif;

use std::sync::Arc;

use serde::Serialize;

pub use crate::explain::Profile;
pub use compare::{overlaps, NamedScorer, COMPARED};
pub use knob::{knob_strength, leaving, KnobLists, KNOB_MAX_STEPS};
pub use trust::{FairnessRun, SeedStability, TrustResults, FAIRNESS_KNOB};
pub use whatif::{MinimalSet, RETRAIN_SWEEPS};

/// Length of every list the TUI shows (the top-10 of PROTOCOL.md).
pub const LIST_LENGTH: usize = crate::metrics::ranking::K;

use crate::data::{Csr, Dataset, Positives};
use crate::engine::rating::{mean_rating, BiasBaseline, BiasConfig};
use crate::engine::{AnyFactorModel, FactorModel, ModelSpec, Settings, Trainable};
use crate::explain::{self, ListSource, BECAUSE_COUNT};
use crate::metrics::knob::{popularity, KnobPath, Reranker};
use crate::metrics::sample::Population;

/// The explainer of whichever model the TUI explores (hybrid-als, als, warp or bpr).
pub type AnyExplainer = explain::Explainer<AnyFactorModel>;

/// The data and one explored model: the dataset, the explainer (model + interactions + catalog),
/// the model's knob and the star predictor. The data parts are shared (`Arc`) between the engines
/// of the models `M` cycles through; [`Engine::with_model`] makes the engine of another model.
pub struct Engine {
    pub dataset: Arc<Dataset>,
    pub explainer: Arc<AnyExplainer>,
    /// Predicted stars (μ + b_u + b_i) for the "★" column (the same for every model).
    stars: Arc<BiasBaseline>,
    /// The accuracy–coverage knob of the model (its item norms, the popularity of every positive).
    pub knob: Reranker,
    /// Every rating of the data, user × item, the stars as values (the History pane).
    ratings: Arc<Csr>,
    /// The settings the explored model was trained with (Trust and Fairness refit it with them).
    settings: Settings,
    /// Which evaluated users Trust and Fairness measure (everyone, or a seeded sample on large
    /// data: `metrics::sample`).
    pub population: Population,
    /// Positives up to which the Trust tab's job measures retrain stability itself
    /// ([`trust::RETRAIN_WITH_TAB_UP_TO`]; `s` does beyond).
    pub retrain_with_tab_up_to: usize,
}

/// One recommended item.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rec {
    pub item: u32,
    /// 1-based rank.
    pub rank: usize,
    /// The model's score (what the explanation's parts add up to).
    pub score: f32,
    /// The accuracy–coverage knob's re-ranked score the list is sorted by (`None`: knob at 0, the
    /// list is sorted by `score`).
    pub knob_score: Option<f32>,
    /// Predicted stars on the dataset's scale.
    pub stars: f32,
    /// Number of positives the item has in the data.
    pub popularity: usize,
    /// Rank before the current what-if (`None`: entered the list); equal to `rank` without one.
    pub previous_rank: Option<usize>,
}

/// A top-k list as the screens show it, and the explain layer's list it came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ListView {
    pub recs: Vec<Rec>,
    /// No likes left: the list is the most popular items, not a personal recommendation.
    pub popularity_fallback: bool,
    #[serde(skip)]
    pub source: explain::TopList,
}

/// The instant answer to "what if I hadn't liked these?".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WhatIfView {
    pub removed: Vec<u32>,
    /// The list under the what-if, with `previous_rank` filled in.
    pub after: ListView,
    /// Items of the original list that left it, with their old rank.
    pub leaving: Vec<(u32, usize)>,
    /// The explain layer's counterfactual sentence.
    pub sentence: String,
}

/// The incremental retrain's answer to the same question.
#[derive(Debug, Clone, Serialize)]
pub struct RetrainView {
    pub removed: Vec<u32>,
    /// The retrained list, `previous_rank` against the list without what-if.
    pub after: ListView,
    /// The what-if's sentence for the retrained list ("… would recommend Y (instead of Z)": Y in
    /// this list and not in the original, Z the other way round).
    pub sentence: String,
    /// Items of the original list that are not in the retrained one, with their old rank.
    pub leaving: Vec<(u32, usize)>,
    /// Every place where the retrained list and the instant refold hold different items, and why.
    pub differences: Vec<PlaceDifference>,
    /// Places (rank positions) where the retrain and the instant refold put the same item.
    pub same_places: usize,
    /// Items the two lists share.
    pub overlap: usize,
    /// Kendall τ-b between the two lists.
    pub kendall_tau: f64,
    pub sweeps: usize,
    /// An explainer over the retrained model, so explanations of the retrained list add up to
    /// its scores.
    #[serde(skip)]
    pub explainer: Arc<AnyExplainer>,
    /// The accuracy–coverage knob of the retrained model.
    #[serde(skip)]
    pub knob: Reranker,
}

impl PartialEq for RetrainView {
    /// Equal results: the same removals, lists and agreement (the model is not compared).
    fn eq(&self, other: &RetrainView) -> bool {
        (
            &self.removed,
            &self.after,
            self.same_places,
            self.overlap,
            self.sweeps,
        ) == (
            &other.removed,
            &other.after,
            other.same_places,
            other.overlap,
            other.sweeps,
        )
    }
}

/// One place (rank) where the instant answer and the retrain disagree, with the score gaps that
/// decide it: `instant_gap` = instant score of the instant's item minus instant score of the
/// retrain's item (how far the instant refold preferred its item), `retrain_gap` the same the
/// other way round under the retrained model. Both small: a near-tie the retrain tipped.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PlaceDifference {
    pub rank: usize,
    pub instant: u32,
    pub retrained: u32,
    pub instant_gap: f32,
    pub retrain_gap: f32,
}

/// Signed parts of one score that add up to it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartsView {
    /// (name, value): `collaborative`, one per genre (`genre:…`), one per demographic feature,
    /// largest first.
    pub parts: Vec<(String, f32)>,
    pub score: f32,
}

/// How much each past like pushes one score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Influences {
    /// (like, measured drop of the score without it, exact additive share), largest drop first
    /// (the explain layer's order).
    pub items: Vec<(u32, f32, f32)>,
    pub demographic: f32,
    pub score: f32,
    /// Measured removals of the top three likes: (like, rank after refolding without it; `None`:
    /// out of the top-10).
    pub measured: Vec<(u32, Option<usize>)>,
    /// "Because you liked …".
    pub sentence: String,
}

impl Engine {
    /// Assembles the engine; fits the star predictor on every rating.
    pub fn new(dataset: Dataset, model: impl Into<AnyFactorModel>) -> Result<Engine, String> {
        let model = model.into();
        // The explainer (likes, candidates) and the star predictor all start from the ratings by
        // user; then they are independent: built side by side.
        let ratings = Arc::new(dataset.ratings_by_user());
        let (explainer, stars) = rayon::join(
            || explainer_of(model, &dataset, &ratings),
            || {
                let mean = mean_rating(&dataset.ratings.rating);
                BiasBaseline::fit_by_user(mean, &ratings, &BiasConfig::default())
            },
        );
        let explainer = explainer?;
        Ok(Engine {
            knob: knob_of(&explainer),
            settings: Settings::of_config(explainer.model().settings()),
            dataset: Arc::new(dataset),
            explainer: Arc::new(explainer),
            stars: Arc::new(stars),
            ratings,
            population: Population::default(),
            retrain_with_tab_up_to: trust::RETRAIN_WITH_TAB_UP_TO,
        })
    }

    /// The engine of another model over the same data (shared, not copied).
    pub fn with_model(&self, model: AnyFactorModel) -> Result<Engine, String> {
        let explainer = explainer_of(model, &self.dataset, &self.ratings)?;
        Ok(Engine {
            knob: knob_of(&explainer),
            settings: Settings::of_config(explainer.model().settings()),
            dataset: Arc::clone(&self.dataset),
            explainer: Arc::new(explainer),
            stars: Arc::clone(&self.stars),
            ratings: Arc::clone(&self.ratings),
            population: self.population,
            retrain_with_tab_up_to: self.retrain_with_tab_up_to,
        })
    }

    /// The explored model.
    pub fn model(&self) -> &AnyFactorModel {
        self.explainer.model()
    }

    /// Which model is explored (`hybrid-als`, `als`, `warp`, `bpr`).
    pub fn spec(&self) -> ModelSpec {
        self.model().spec()
    }

    /// The settings the explored model was trained with.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn positives(&self) -> &Positives {
        self.explainer.positives()
    }

    /// Title with year, e.g. `Heat (1995)` (MovieLens titles carry the year).
    pub fn title(&self, item: u32) -> &str {
        &self.dataset.items.titles[item as usize]
    }

    /// The stars `user` gave `item`, if they rated it.
    pub fn stars_of(&self, user: u32, item: u32) -> Option<f32> {
        let u = user as usize;
        if u >= self.ratings.n_rows {
            return None;
        }
        let row = self.ratings.row(u);
        row.binary_search(&item)
            .ok()
            .map(|k| self.ratings.row_values(u)[k])
    }

    /// The movies `user` rated below the like threshold (seen, not liked), most stars first, then
    /// by item index: never recommended, shown dimmed in History.
    pub fn seen_not_liked(&self, user: u32) -> Vec<(u32, f32)> {
        let u = user as usize;
        if u >= self.ratings.n_rows {
            return Vec::new();
        }
        let threshold = self.positives().threshold;
        let mut seen: Vec<(u32, f32)> = self
            .ratings
            .row(u)
            .iter()
            .zip(self.ratings.row_values(u))
            .filter(|(_, &s)| s < threshold)
            .map(|(&i, &s)| (i, s))
            .collect();
        seen.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        seen
    }

    /// Number of positives of an item.
    pub fn popularity(&self, item: u32) -> usize {
        self.positives().by_item.row_len(item as usize)
    }

    /// The likes and demographic features of a dataset user.
    pub fn profile_of(&self, user: u32) -> Profile {
        let likes = self.positives().by_user.row(user as usize).to_vec();
        Profile::new(
            Some(user),
            likes,
            self.model().user_features_of(user).to_vec(),
        )
    }

    /// A profile built from liked items only (no demographics).
    pub fn profile_from_likes(&self, likes: &[u32]) -> Profile {
        Profile::new(None, likes.to_vec(), Vec::new())
    }

    fn predicted_stars(&self, user: Option<u32>, item: u32) -> f32 {
        let s = match user {
            Some(u) => self.stars.baseline(u, item),
            None => self.stars.mean + self.stars.item_bias[item as usize],
        };
        self.dataset.scale.clip(s)
    }

    /// The screen rows of an explain list; previous ranks from `before` (itself when `None`).
    fn rows(
        &self,
        user: Option<u32>,
        list: explain::TopList,
        before: Option<&ListView>,
    ) -> ListView {
        let recs = list
            .items
            .iter()
            .map(|r| Rec {
                item: r.item,
                rank: r.rank,
                score: r.score,
                knob_score: None,
                stars: self.predicted_stars(user, r.item),
                popularity: self.popularity(r.item),
                previous_rank: match before {
                    Some(b) => b.source.rank_of(r.item),
                    None => Some(r.rank),
                },
            })
            .collect();
        ListView {
            recs,
            popularity_fallback: list.source == ListSource::PopularityFallback,
            source: list,
        }
    }

    /// The top-10 of a profile (its likes excluded; no likes falls back to popularity).
    pub fn top(&self, profile: &Profile) -> ListView {
        let list = self
            .explainer
            .recommend_profile(profile)
            .unwrap_or_else(|_| empty_list());
        self.rows(profile.user, list, None)
    }

    /// The named parts of the refolded score of `item`.
    pub fn attribution(&self, profile: &Profile, removed: &[u32], item: u32) -> PartsView {
        self.attribution_in(&self.explainer, profile, removed, item)
    }

    /// [`Self::attribution`] by another explainer over the same data (a retrained model).
    pub fn attribution_in(
        &self,
        x: &AnyExplainer,
        profile: &Profile,
        removed: &[u32],
        item: u32,
    ) -> PartsView {
        match x.attribute_profile(&profile.edited(removed, &[]), item) {
            Ok(a) => PartsView {
                parts: a.parts.into_iter().map(|p| (p.name, p.value)).collect(),
                score: a.score,
            },
            Err(e) => PartsView {
                parts: vec![(e.to_string(), 0.0)],
                score: 0.0,
            },
        }
    }

    /// The influence of every remaining like on the refolded score of `item`.
    pub fn influences(&self, profile: &Profile, removed: &[u32], item: u32) -> Influences {
        self.influences_in(&self.explainer, profile, removed, item)
    }

    /// [`Self::influences`] by another explainer over the same data (a retrained model).
    pub fn influences_in(
        &self,
        x: &AnyExplainer,
        profile: &Profile,
        removed: &[u32],
        item: u32,
    ) -> Influences {
        match x.explain_influence_profile(&profile.edited(removed, &[]), item, BECAUSE_COUNT) {
            Ok(i) => Influences {
                items: i.likes.iter().map(|l| (l.like, l.drop, l.value)).collect(),
                demographic: i.demographic,
                score: i.score,
                measured: i
                    .measured
                    .iter()
                    .map(|m| (m.like, m.new_rank.filter(|_| m.still_recommended)))
                    .collect(),
                sentence: i.sentence,
            },
            Err(e) => Influences {
                items: Vec::new(),
                demographic: 0.0,
                score: 0.0,
                measured: Vec::new(),
                sentence: e.to_string(),
            },
        }
    }
}

/// The explainer of `model` over every positive of `dataset`, lists of the screens' length.
fn explainer_of(
    model: AnyFactorModel,
    dataset: &Dataset,
    ratings: &Arc<Csr>,
) -> Result<AnyExplainer, String> {
    Ok(
        explain::Explainer::from_dataset_ratings(model, dataset, ratings)
            .map_err(|e| e.to_string())?
            .with_k(LIST_LENGTH),
    )
}

/// The accuracy–coverage knob of an explainer's model.
fn knob_of(explainer: &AnyExplainer) -> Reranker {
    Reranker::for_model(
        explainer.model(),
        &popularity(explainer.positives()),
        KnobPath::default(),
    )
}

fn empty_list() -> explain::TopList {
    explain::TopList {
        source: ListSource::Model,
        items: Vec::new(),
    }
}
