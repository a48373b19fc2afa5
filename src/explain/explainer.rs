//! The [`Explainer`]: a trained model together with the interactions it was trained on and the
//! catalog (ids and titles), shared behind `Arc`s so that it is cheap to clone into a worker thread.
//! It checks every user and item handed to it and turns users into [`Profile`]s (likes +
//! demographic features) that can be edited and refolded.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::{ExplainError, ExplainResult};
use super::ranking::{ListSource, Scored, TopList};
use crate::data::interactions::DEFAULT_POSITIVE_THRESHOLD;
use crate::data::{Csr, Dataset, Positives};
use crate::engine::Trainable;
use crate::engine::{Candidates, FoldedUser, HybridModel};

/// Number of recommendations every list of the explain layer holds unless told otherwise.
pub const DEFAULT_K: usize = 10;

/// The dataset's ids and titles for every dense user and item index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalog {
    /// Dataset name used in messages (`ml-100k`, a folder name, `fixture`).
    pub dataset: String,
    pub user_ids: Vec<u32>,
    pub item_ids: Vec<u32>,
    pub titles: Vec<String>,
}

impl Catalog {
    pub fn from_dataset(dataset: &Dataset) -> Catalog {
        Catalog {
            dataset: dataset.name.clone(),
            user_ids: dataset.users.ids.clone(),
            item_ids: dataset.items.ids.clone(),
            titles: dataset.items.titles.clone(),
        }
    }

    /// A catalog for generated data: user and item ids are the dense index plus one.
    pub fn numbered(dataset: &str, n_users: usize, titles: Vec<String>) -> Catalog {
        Catalog {
            dataset: dataset.to_string(),
            user_ids: (1..=n_users as u32).collect(),
            item_ids: (1..=titles.len() as u32).collect(),
            titles,
        }
    }

    pub fn title(&self, item: u32) -> &str {
        self.titles.get(item as usize).map_or("?", String::as_str)
    }

    pub fn user_id(&self, user: u32) -> u32 {
        self.user_ids.get(user as usize).copied().unwrap_or(user)
    }

    pub fn item_id(&self, item: u32) -> u32 {
        self.item_ids.get(item as usize).copied().unwrap_or(item)
    }

    /// Dense index of a dataset user id.
    pub fn user_index(&self, id: u32) -> ExplainResult<u32> {
        self.user_ids
            .iter()
            .position(|&u| u == id)
            .map(|p| p as u32)
            .ok_or_else(|| ExplainError::UnknownUserId {
                id,
                dataset: self.dataset.clone(),
            })
    }

    /// Dense index of a dataset movie id.
    pub fn item_index(&self, id: u32) -> ExplainResult<u32> {
        self.item_ids
            .iter()
            .position(|&i| i == id)
            .map(|p| p as u32)
            .ok_or_else(|| ExplainError::UnknownItemId {
                id,
                dataset: self.dataset.clone(),
            })
    }
}

/// A history to explain: a training user's likes, or an edited copy of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// The training user it starts from, if any.
    pub user: Option<u32>,
    /// Liked items (sorted, no duplicates).
    pub likes: Vec<u32>,
    /// Demographic feature indices (sorted, no duplicates).
    pub features: Vec<u32>,
}

impl Profile {
    /// A profile from any likes and features (sorted and deduplicated here).
    pub fn new(user: Option<u32>, mut likes: Vec<u32>, mut features: Vec<u32>) -> Profile {
        likes.sort_unstable();
        likes.dedup();
        features.sort_unstable();
        features.dedup();
        Profile {
            user,
            likes,
            features,
        }
    }

    /// This profile without `remove` and with `add`.
    pub fn edited(&self, remove: &[u32], add: &[u32]) -> Profile {
        let likes = self
            .likes
            .iter()
            .copied()
            .filter(|i| !remove.contains(i))
            .chain(add.iter().copied())
            .collect();
        Profile::new(self.user, likes, self.features.clone())
    }
}

/// A trained model with its interactions and catalog, ready to explain (see the module docs of
/// [`crate::explain`]). Cloning is cheap (shared `Arc`s); it is `Send + Sync`.
#[derive(Debug)]
pub struct Explainer<M: Trainable = HybridModel> {
    model: Arc<M>,
    positives: Arc<Positives>,
    catalog: Arc<Catalog>,
    candidates: Arc<Candidates>,
    popularity: Arc<Vec<f32>>,
    k: usize,
    /// The last what-if's ranking before the edit (a training user's own history), kept for the
    /// next what-if of the same history: toggling likes of one user re-asks it every time.
    pub(super) before: BeforeCache,
}

/// One remembered ranking of an unedited history (see [`Explainer::ranking_before`]); shared by
/// clones, which have the same model, interactions and candidates.
pub(crate) type BeforeCache = Arc<std::sync::Mutex<Option<(Profile, Arc<Scored>)>>>;

impl<M: Trainable> Clone for Explainer<M> {
    fn clone(&self) -> Self {
        Explainer {
            model: Arc::clone(&self.model),
            positives: Arc::clone(&self.positives),
            catalog: Arc::clone(&self.catalog),
            candidates: Arc::clone(&self.candidates),
            popularity: Arc::clone(&self.popularity),
            k: self.k,
            before: Arc::clone(&self.before),
        }
    }
}

impl<M: Trainable> Explainer<M> {
    /// The explainer of a model trained on every positive (rating >= 4) of `dataset`, serving lists
    /// under the served candidate rule (no rated movie, no twin of one, one title once).
    pub fn from_dataset(model: M, dataset: &Dataset) -> ExplainResult<Self> {
        Self::from_dataset_ratings(model, dataset, &Arc::new(dataset.ratings_by_user()))
    }

    /// [`Self::from_dataset`] with the dataset's ratings already held by user
    /// ([`Dataset::ratings_by_user`]; the served candidates share the matrix).
    pub fn from_dataset_ratings(
        model: M,
        dataset: &Dataset,
        ratings: &Arc<Csr>,
    ) -> ExplainResult<Self> {
        let (positives, candidates) = rayon::join(
            || Positives::from_ratings(ratings, DEFAULT_POSITIVE_THRESHOLD),
            || Candidates::served_of(dataset, ratings),
        );
        Explainer::with_parts(model, positives, Catalog::from_dataset(dataset), |_| {
            candidates
        })?
        .with_candidates_checked()
    }

    /// The same explainer with other candidates (they must cover the model's users and items).
    pub fn with_candidates(mut self, candidates: Candidates) -> ExplainResult<Self> {
        self.candidates = Arc::new(candidates);
        self.before = BeforeCache::default();
        self.with_candidates_checked()
    }

    fn with_candidates_checked(self) -> ExplainResult<Self> {
        let candidates = &self.candidates;
        let (nu, ni) = (self.model.n_users(), self.model.n_items());
        if candidates.n_users() != nu || candidates.n_items() != ni {
            return Err(ExplainError::Mismatch(format!(
                "candidates cover {} users and {} items, but the model has {nu} and {ni}",
                candidates.n_users(),
                candidates.n_items()
            )));
        }
        Ok(self)
    }

    /// Checks that model, interactions and catalog cover the same users and items. Candidates are
    /// every item but the user's likes until [`Self::with_candidates`] says otherwise.
    pub fn new(model: M, positives: Positives, catalog: Catalog) -> ExplainResult<Self> {
        Self::with_parts(model, positives, catalog, |p| {
            Candidates::all_items(p.by_user.clone())
        })
    }

    /// [`Self::new`] with the candidates `candidates` makes from the interactions.
    fn with_parts(
        model: M,
        positives: Positives,
        catalog: Catalog,
        candidates: impl FnOnce(&Positives) -> Candidates,
    ) -> ExplainResult<Self> {
        let (nu, ni) = (model.n_users(), model.n_items());
        let shapes = [
            ("interactions (users)", positives.by_user.n_rows, nu),
            ("interactions (items)", positives.by_user.n_cols, ni),
            ("interactions by item", positives.by_item.n_rows, ni),
            ("catalog users", catalog.user_ids.len(), nu),
            ("catalog items", catalog.item_ids.len(), ni),
            ("catalog titles", catalog.titles.len(), ni),
        ];
        if let Some((what, got, want)) = shapes.iter().find(|s| s.1 != s.2) {
            return Err(ExplainError::Mismatch(format!(
                "{what}: {got}, but the model has {want}"
            )));
        }
        let popularity = positives.likes_per_item_f32();
        let candidates = candidates(&positives);
        Ok(Explainer {
            model: Arc::new(model),
            candidates: Arc::new(candidates),
            positives: Arc::new(positives),
            catalog: Arc::new(catalog),
            popularity: Arc::new(popularity),
            k: DEFAULT_K,
            before: BeforeCache::default(),
        })
    }

    /// The same explainer with lists of `k` items (at least 1).
    pub fn with_k(mut self, k: usize) -> Self {
        self.k = k.max(1);
        self
    }

    pub fn model(&self) -> &M {
        &self.model
    }

    /// The interactions the model was trained on (the likes of every user).
    pub fn positives(&self) -> &Positives {
        &self.positives
    }

    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// The candidate rule every list of this explainer follows.
    pub fn candidates(&self) -> &Candidates {
        &self.candidates
    }

    /// Length of every recommendation list.
    pub fn k(&self) -> usize {
        self.k
    }

    pub fn check_user(&self, user: u32) -> ExplainResult<()> {
        let n = self.model.n_users();
        if (user as usize) < n {
            Ok(())
        } else {
            Err(ExplainError::UserOutOfRange { index: user, n })
        }
    }

    pub fn check_item(&self, item: u32) -> ExplainResult<()> {
        let n = self.model.n_items();
        if (item as usize) < n {
            Ok(())
        } else {
            Err(ExplainError::ItemOutOfRange { index: item, n })
        }
    }

    /// The likes of a training user (ascending item index).
    pub fn likes(&self, user: u32) -> ExplainResult<&[u32]> {
        self.check_user(user)?;
        Ok(self.positives.by_user.row(user as usize))
    }

    /// A training user's profile: their likes and demographic features.
    pub fn profile(&self, user: u32) -> ExplainResult<Profile> {
        let likes = self.likes(user)?.to_vec();
        let features = self.model.user_features_of(user).to_vec();
        Ok(Profile::new(Some(user), likes, features))
    }

    /// Checks the items and features of a profile against the model.
    pub fn check_profile(&self, profile: &Profile) -> ExplainResult<()> {
        if let Some(u) = profile.user {
            self.check_user(u)?;
        }
        profile.likes.iter().try_for_each(|&i| self.check_item(i))
    }

    /// A training user's top-k (popularity fallback, labelled, when they have no likes).
    pub fn recommend(&self, user: u32) -> ExplainResult<TopList> {
        self.recommend_profile(&self.profile(user)?)
    }

    /// The top-k of any profile under the candidate rule (its likes and, for a training user,
    /// everything they rated excluded).
    pub fn recommend_profile(&self, profile: &Profile) -> ExplainResult<TopList> {
        self.recommend_profile_seen(profile, &[])
    }

    /// The top-k of a profile that has also rated `seen` without liking them: those are no
    /// candidates either (a built user's low ratings).
    pub fn recommend_profile_seen(
        &self,
        profile: &Profile,
        seen: &[u32],
    ) -> ExplainResult<TopList> {
        self.check_profile(profile)?;
        let folded = self.fold(profile);
        Ok(self
            .scored(&folded, profile, seen, &self.popularity)
            .top(self.k))
    }

    /// The top-k of any model's `scores` over the candidates of `profile` (its likes and `seen`
    /// excluded, the one candidate rule).
    pub fn top_of_scores(
        &self,
        source: ListSource,
        scores: Vec<f32>,
        profile: &Profile,
        seen: &[u32],
    ) -> TopList {
        self.rank(source, scores, profile, seen).top(self.k)
    }

    pub(crate) fn fold(&self, profile: &Profile) -> FoldedUser {
        self.model.fold_in(&profile.likes, &profile.features)
    }

    /// The model's score of every item for a folded user.
    pub(crate) fn model_scores(&self, folded: &FoldedUser) -> Vec<f32> {
        let mut scores = vec![0.0; self.model.n_items()];
        self.model.score_folded(folded, &mut scores);
        scores
    }

    /// What ranks a folded user's candidates: the model's scores, or popularity when the history is
    /// empty. Candidates: the rule's for `profile` (its user's seen items, its likes, `extra`).
    pub(crate) fn scored(
        &self,
        folded: &FoldedUser,
        profile: &Profile,
        extra: &[u32],
        popularity: &[f32],
    ) -> Scored {
        let scores = if folded.is_empty() {
            Vec::new()
        } else {
            self.model_scores(folded)
        };
        self.scored_with(folded, scores, profile, extra, popularity)
    }

    /// [`Self::scored`] with the model's `scores` of `folded` already computed (ignored when the
    /// history is empty).
    pub(crate) fn scored_with(
        &self,
        folded: &FoldedUser,
        scores: Vec<f32>,
        profile: &Profile,
        extra: &[u32],
        popularity: &[f32],
    ) -> Scored {
        if folded.is_empty() {
            self.rank(
                ListSource::PopularityFallback,
                popularity.to_vec(),
                profile,
                extra,
            )
        } else {
            self.rank(ListSource::Model, scores, profile, extra)
        }
    }

    /// `scores` over the candidates of `profile` with `extra` items also seen.
    pub(crate) fn rank(
        &self,
        source: ListSource,
        scores: Vec<f32>,
        profile: &Profile,
        extra: &[u32],
    ) -> Scored {
        let mut seen = profile.likes.clone();
        seen.extend_from_slice(extra);
        let allowed = self.candidates.allowed(profile.user, &seen, &scores);
        Scored::new(source, scores, allowed)
    }

    /// Popularity (number of likes per item) of the current interactions.
    pub(crate) fn popularity(&self) -> &[f32] {
        &self.popularity
    }

    /// The title of an item, for sentences (two ids of one film share it: `text::join_titles`
    /// names such a title once).
    pub(crate) fn label(&self, item: u32) -> String {
        self.catalog.title(item).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explain::{
        Attribution, CounterfactualSet, Explanation, Fidelity, InfluenceExplanation, Retrained,
        WhatIf, WhatIfOutcome,
    };

    fn owned_and_send<T: Send + Sync + 'static>() {}

    #[test]
    fn everything_a_worker_thread_needs_is_owned_and_send() {
        owned_and_send::<Explainer>();
        owned_and_send::<WhatIf>();
        owned_and_send::<WhatIfOutcome>();
        owned_and_send::<Retrained>();
        owned_and_send::<Fidelity>();
        owned_and_send::<Explanation>();
        owned_and_send::<Attribution>();
        owned_and_send::<InfluenceExplanation>();
        owned_and_send::<CounterfactualSet>();
        owned_and_send::<ExplainError>();
    }

    #[test]
    fn profiles_edit_and_catalogs_look_up_ids() {
        let p = Profile::new(Some(0), vec![5, 1, 5, 3], vec![2, 0]);
        assert_eq!(
            (p.likes.clone(), p.features.clone()),
            (vec![1, 3, 5], vec![0, 2])
        );
        assert_eq!(p.edited(&[3], &[9, 1]).likes, vec![1, 5, 9]);
        let c = Catalog::numbered("fixture", 2, vec!["A".into(), "B".into()]);
        assert_eq!(c.user_index(2).unwrap(), 1);
        assert_eq!(c.item_index(1).unwrap(), 0);
        assert_eq!(
            c.user_index(3).unwrap_err().to_string(),
            "unknown user id 3 in fixture"
        );
        assert_eq!(c.title(1), "B");
    }
}
