//! Which users an evaluation measures. PROTOCOL.md evaluates every user with a test positive in
//! the split; on ML-1M and smaller data that is what every report does. On larger data (ML-20M
//! and up: 138k–200k evaluated users) the trust report, the fairness audit, the knob's sweep and
//! the Trust and Fairness tabs measure a seeded sample of at most [`DEFAULT_SAMPLE`] of them, so
//! each job takes about a minute on a laptop instead of half an hour; the report and the screen
//! say so ([`UserSample::describe`]), and `--all-users` measures everyone.
//!
//! The sample is drawn with a ChaCha8 generator seeded by the split's seed on stream 2 (the
//! holdout split uses stream 0, the stability perturbation stream 1): `rand::seq::index::sample`
//! of `limit` positions among the evaluated users in ascending order, then sorted, so the same seed
//! picks the same users on every machine and the per-user rows of a report stay in ascending
//! user order. Models are always trained on every user; only the measuring is sampled.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// At most this many evaluated users are measured unless `--all-users` is given (ML-1M's 6,040
/// users are all measured).
pub const DEFAULT_SAMPLE: usize = 10_000;

/// How many of the evaluated users to measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Population {
    /// Every evaluated user (PROTOCOL.md's population).
    All,
    /// A seeded sample of at most this many (everyone when there are not more).
    AtMost(usize),
}

impl Default for Population {
    fn default() -> Self {
        Population::AtMost(DEFAULT_SAMPLE)
    }
}

impl Population {
    /// `--all-users` → everyone, else `--sample-users N` or the default cap.
    pub fn from_flags(all_users: bool, sample_users: Option<usize>) -> Population {
        if all_users {
            Population::All
        } else {
            Population::AtMost(sample_users.unwrap_or(DEFAULT_SAMPLE))
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
