//! Which users an evaluation measures. PROTOCOL.md evaluates every user with a test positive in
//! the split; on ML-1M and smaller data that is what every report does. On larger data (ML-10M
//! and up: 70k–200k evaluated users) `eval`, the trust report, the fairness audit, the knob's
//! sweep and the Trust and Fairness tabs measure a seeded sample of at most [`DEFAULT_SAMPLE`] of
//! them, and the ranking measures at most [`DEFAULT_SCORE_BUDGET`] user × movie scores per pass
//! (on ML-32M's 87,585 movies: 6,850 users), so each job's evaluation takes about the same time on
//! any catalog instead of half an hour; the report and the screen say so
//! ([`UserSample::describe`]), and `--all-users` measures everyone. The rating task (whose cost is
//! the fits: SVD++ on every rating of ML-25M is most of an hour) trains and measures on the
//! sampled users' ratings.
//!
//! The sample is drawn with a ChaCha8 generator seeded by the split's seed on stream 2 (the
//! holdout split uses stream 0, the stability perturbation stream 1): `rand::seq::index::sample`
//! of `limit` positions among the evaluated users in ascending order, then sorted, so the same seed
//! picks the same users on every machine and the per-user rows of a report stay in ascending
//! user order. Ranking models are always trained on every user; only the measuring is sampled.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// At most this many evaluated users are measured unless `--all-users` is given (ML-1M's 6,040
/// users are all measured).
pub const DEFAULT_SAMPLE: usize = 10_000;

/// At most this many user × movie scores per evaluation pass by default: 10,000 users of ML-25M's
/// 59,047 movies fit (every pass costs about users × movies: scoring, the AUC's comparisons and the
/// top-10 scan), so a catalog past about 60,000 movies gets a proportionally smaller sample.
pub const DEFAULT_SCORE_BUDGET: u64 = 600_000_000;

/// How many of the evaluated users to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Population {
    /// Every evaluated user (PROTOCOL.md's population).
    All,
    /// A seeded sample of at most this many (everyone when there are not more).
    AtMost(usize),
    /// At most `users`, and at most `scores / movies` on a catalog of that many movies (see
    /// [`Population::for_catalog`]; the default).
    Budget { users: usize, scores: u64 },
}

impl Default for Population {
    fn default() -> Self {
        Population::Budget {
            users: DEFAULT_SAMPLE,
            scores: DEFAULT_SCORE_BUDGET,
        }
    }
}

impl Population {
    /// `--all-users` → everyone, else `--sample-users N` or the default cap.
    pub fn from_flags(all_users: bool, sample_users: Option<usize>) -> Population {
        if all_users {
            Population::All
        } else {
            sample_users.map_or(Population::default(), Population::AtMost)
        }
    }

    /// The population on a catalog of `n_items` movies: a budget becomes its cap of users
    /// (`min(users, scores / n_items)`, at least 1); the others stay as they are.
    pub fn for_catalog(self, n_items: usize) -> Population {
        match self {
            Population::Budget { users, scores } => {
                let by_scores = scores / (n_items.max(1) as u64);
                Population::AtMost(users.min(by_scores.max(1).try_into().unwrap_or(usize::MAX)))
            }
            other => other,
        }
    }
}

/// The users one evaluation measures, and how they were chosen (what reports state).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserSample {
    /// Users with a test positive in the split (PROTOCOL.md's population).
    pub evaluated: usize,
    /// Users measured: `evaluated`, or the sample's size.
    pub measured: usize,
    /// The seed the sample was drawn with (`None`: everyone is measured).
    pub sample_seed: Option<u64>,
    /// The measured users, ascending (not serialised: reports list them per user).
    #[serde(skip)]
    pub users: Vec<u32>,
}

impl UserSample {
    /// Picks from `evaluated` (ascending) the users `population` asks for, with `seed`.
    pub fn draw(evaluated: Vec<u32>, population: Population, seed: u64) -> UserSample {
        let n = evaluated.len();
        let limit = match population {
            Population::All => n,
            Population::AtMost(k) => k.min(n),
            Population::Budget { users, .. } => users.min(n),
        };
        if limit == n {
            return UserSample {
                evaluated: n,
                measured: n,
                sample_seed: None,
                users: evaluated,
            };
        }
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(2);
        let mut picked: Vec<u32> = rand::seq::index::sample(&mut rng, n, limit)
            .into_iter()
            .map(|k| evaluated[k])
            .collect();
        picked.sort_unstable();
        UserSample {
            evaluated: n,
            measured: limit,
            sample_seed: Some(seed),
            users: picked,
        }
    }

    /// Whether only part of the evaluated users is measured.
    pub fn is_sample(&self) -> bool {
        self.sample_seed.is_some()
    }

    /// E.g. "all 942 evaluated users" or "a seeded sample of 10000 of the 162541 evaluated users
    /// (seed 1; --all-users measures every one)".
    pub fn describe(&self) -> String {
        match self.sample_seed {
            None => format!(
                "all {} evaluated user{}",
                self.evaluated,
                if self.evaluated == 1 { "" } else { "s" }
            ),
            Some(seed) => format!(
                "a seeded sample of {} of the {} evaluated users (seed {seed}; --all-users measures every one)",
                self.measured, self.evaluated
            ),
        }
    }

    /// A short form for narrow places: "942 users" or "sample 10000/162541 users".
    pub fn short(&self) -> String {
        if self.is_sample() {
            format!("sample {}/{} users", self.measured, self.evaluated)
        } else {
            format!("{} users", self.measured)
        }
    }

    /// For a pane title: "942 evaluated users" or "seeded sample of 10000 of 162541 evaluated
    /// users (seed 1)".
    pub fn title(&self) -> String {
        match self.sample_seed {
            None => format!("{} evaluated users", self.measured),
            Some(seed) => format!(
                "seeded sample of {} of {} evaluated users (seed {seed})",
                self.measured, self.evaluated
            ),
        }
    }
}

/// The paragraph a table opens with to name the users of its splits: `single` and the one
/// description when every split measured the same users, else `several` and each split's, e.g.
/// "Measured: all 942 evaluated users.\n\n" (nothing when there are no splits).
pub fn describe_splits(samples: &[UserSample], single: &str, several: &str) -> String {
    let described: Vec<String> = samples.iter().map(UserSample::describe).collect();
    match described.first() {
        None => String::new(),
        Some(first) if described.iter().all(|d| d == first) => format!("{single}{first}.\n\n"),
        Some(_) => format!("{several}{}.\n\n", described.join("; ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn everyone_when_there_are_not_more_than_the_cap() {
        let users: Vec<u32> = (0..50).map(|u| u * 3).collect();
        let s = UserSample::draw(users.clone(), Population::AtMost(50), 7);
        assert_eq!(s.users, users);
        assert!(!s.is_sample());
        assert_eq!(s.describe(), "all 50 evaluated users");
        let all = UserSample::draw(users.clone(), Population::All, 7);
        assert_eq!(all, s);
    }

    #[test]
    fn the_default_budget_caps_users_by_catalog_size() {
        let default = Population::default();
        // ML-1M, ML-25M: the user cap binds (10,000 users); ML-32M's 87,585 movies: 6,850 users.
        assert_eq!(default.for_catalog(3_706), Population::AtMost(10_000));
        assert_eq!(default.for_catalog(59_047), Population::AtMost(10_000));
        assert_eq!(default.for_catalog(87_585), Population::AtMost(6_850));
        // Never below one user, and explicit populations are kept.
        assert_eq!(default.for_catalog(usize::MAX), Population::AtMost(1));
        assert_eq!(Population::All.for_catalog(87_585), Population::All);
        assert_eq!(
            Population::AtMost(7).for_catalog(87_585),
            Population::AtMost(7)
        );
        assert_eq!(Population::from_flags(false, None), default);
        assert_eq!(
            Population::from_flags(false, Some(9)),
            Population::AtMost(9)
        );
        assert_eq!(Population::from_flags(true, Some(9)), Population::All);
        // A budget drawn from directly caps by its users.
        let users: Vec<u32> = (0..50).collect();
        let budget = Population::Budget {
            users: 20,
            scores: 1,
        };
        assert_eq!(UserSample::draw(users, budget, 1).measured, 20);
    }

    #[test]
    fn a_sample_is_seeded_sorted_distinct_and_from_the_population() {
        let users: Vec<u32> = (0..1000).map(|u| u * 2 + 1).collect();
        let a = UserSample::draw(users.clone(), Population::AtMost(100), 3);
        let b = UserSample::draw(users.clone(), Population::AtMost(100), 3);
        let c = UserSample::draw(users.clone(), Population::AtMost(100), 4);
        assert_eq!(a, b);
        assert_ne!(a.users, c.users);
        assert_eq!(a.users.len(), 100);
        assert!(a.users.windows(2).all(|w| w[0] < w[1]));
        assert!(a.users.iter().all(|u| users.binary_search(u).is_ok()));
        assert_eq!(
            (a.evaluated, a.measured, a.sample_seed),
            (1000, 100, Some(3))
        );
        assert!(a.describe().contains("100 of the 1000"), "{}", a.describe());
        // Not just the first hundred: the sample spreads over the population.
        assert!(*a.users.last().unwrap() > 1000);
    }
}
