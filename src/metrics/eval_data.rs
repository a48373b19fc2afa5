//! Everything an evaluation of one split reads, assembled once: train and test positives of
//! PROTOCOL.md's ranking task, the catalog, every item's genres and the side features the hybrid
//! models train with. The trust report, the accuracy–coverage knob and the fairness audit share it.

use crate::data::interactions::{
    item_genre_features, user_demographic_features, DEFAULT_POSITIVE_THRESHOLD,
};
use crate::data::split::{holdout, Split};
use crate::data::{Dataset, FeatureMatrix, Positives};
use crate::engine::{CandidateRule, Candidates, EngineError, ModelSpec, Scorer, Settings, Trained};
use crate::metrics::ranking::{evaluate_ranking_of, users_with_tests, RankingReport, K};
use crate::metrics::sample::{Population, UserSample};

/// One split of a dataset, ready to train on and evaluate.
#[derive(Debug, Clone)]
pub struct EvalData {
    /// The split's name (`holdout-20 seed=1`, `files:<dir>`, …).
    pub split: String,
    pub n_users: usize,
    pub n_items: usize,
    /// Train positives (ratings ≥ 4 of the split's train part).
    pub train: Positives,
    /// Test positives (ratings ≥ 4 of the split's test part).
    pub test: Positives,
    /// Items with at least one rating of any value, ascending.
    pub catalog: Vec<u32>,
    /// Who may be shown what (PROTOCOL.md rule 4; `engine::rank`).
    pub candidates: Candidates,
    /// Genre indices of every item (ascending; empty for an item without genres).
    pub item_genres: Vec<Vec<u16>>,
    /// Number of genres in the dataset's vocabulary.
    pub n_genres: usize,
    /// Item × genre features for the hybrid models.
    pub item_features: FeatureMatrix,
    /// User × demographic features (`None` when the dataset has no demographics).
    pub user_features: Option<FeatureMatrix>,
    /// The users measured: every user with a test positive, or a seeded sample of them on large
    /// data ([`crate::metrics::sample`]).
    pub users: UserSample,
}

impl EvalData {
    /// PROTOCOL.md's `holdout-20` split of `dataset` with `seed`, under the served candidate rule,
    /// measuring the default population (everyone up to [`crate::metrics::sample::DEFAULT_SAMPLE`]
    /// evaluated users, a seeded sample of that many beyond — fewer on catalogs past 60,000
    /// movies, [`crate::metrics::sample::DEFAULT_SCORE_BUDGET`]).
    pub fn holdout(dataset: &Dataset, seed: u64) -> EvalData {
        EvalData::holdout_for(dataset, seed, Population::default())
    }

    /// [`Self::holdout`] measuring `population`.
    pub fn holdout_for(dataset: &Dataset, seed: u64, population: Population) -> EvalData {
        EvalData::holdout_with(dataset, seed, CandidateRule::Served, population)
    }

    /// [`Self::holdout_for`] under any candidate rule.
    pub fn holdout_with(
        dataset: &Dataset,
        seed: u64,
        rule: CandidateRule,
        population: Population,
    ) -> EvalData {
        let split = holdout(dataset, seed, DEFAULT_POSITIVE_THRESHOLD);
        EvalData::from_split(dataset, &split, rule, population, seed)
    }

    /// Any split of `dataset` (e.g. one read from split files); a sample of its users, if
    /// `population` asks for one, is drawn with `seed`.
    pub fn from_split(
        dataset: &Dataset,
        split: &Split,
        rule: CandidateRule,
        population: Population,
        seed: u64,
    ) -> EvalData {
        let (n_users, n_items) = (dataset.n_users(), dataset.n_items());
        let threshold = DEFAULT_POSITIVE_THRESHOLD;
        let train = split.train_positives(n_users, n_items, threshold);
        let test = split.test_positives(n_users, n_items, threshold);
        let evaluated = users_with_tests(&test);
        EvalData {
            split: split.name.clone(),
            n_users,
            n_items,
            candidates: Candidates::for_split(dataset, &train, rule),
            train,
            test,
            users: UserSample::draw(evaluated, population.for_catalog(n_items), seed),
            catalog: dataset.catalog(),
            item_genres: dataset.items.genres.clone(),
            n_genres: dataset.genres.len(),
            item_features: item_genre_features(dataset),
            user_features: user_demographic_features(dataset),
        }
    }

    /// Trains `spec` with `settings` (its seed replaced by `seed`) on `train` — the split's train
    /// positives or a perturbed copy — with the split's side features.
    pub fn fit(
        &self,
        spec: ModelSpec,
        settings: &Settings,
        train: &Positives,
        seed: u64,
    ) -> Result<Trained, EngineError> {
        spec.fit(
            train,
            Some(&self.item_features),
            self.user_features.as_ref(),
            &settings.with_seed(seed),
            &mut |_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
    }

    /// Users with at least one test positive (the users PROTOCOL.md evaluates), ascending.
    pub fn evaluated_users(&self) -> Vec<u32> {
        users_with_tests(&self.test)
    }

    /// The users measured (all evaluated users, or the sample), ascending.
    pub fn measured_users(&self) -> &[u32] {
        &self.users.users
    }

    /// The ranking metrics of `scorer` over the measured users (PROTOCOL.md's k = 10, the split's
    /// candidates).
    pub fn evaluate(&self, scorer: &dyn Scorer) -> RankingReport {
        evaluate_ranking_of(
            scorer,
            &self.candidates,
            &self.train,
            &self.test,
            &self.item_genres,
            K,
            &self.users.users,
        )
    }

    /// Train positives of every item (its popularity).
    pub fn popularity(&self) -> Vec<usize> {
        let mut counts = self.train.likes_per_item();
        counts.resize(self.n_items, 0);
        counts
    }

    /// A user's train positives (empty for an index out of range).
    pub fn train_of(&self, user: u32) -> &[u32] {
        let u = user as usize;
        if u < self.train.by_user.n_rows {
            self.train.by_user.row(u)
        } else {
            &[]
        }
    }
}
