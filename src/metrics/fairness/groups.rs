//! User groups by demographic attribute (gender, age bucket, occupation) and the best–worst gap
//! of a metric across an attribute's groups.

use serde::{Deserialize, Serialize};

use crate::data::dataset::AGE_BUCKETS;
use crate::data::Dataset;

/// One attribute's partition of the users.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserGroups {
    /// `gender`, `age` or `occupation`.
    pub attribute: String,
    /// Group labels, in the dataset's order (F, M; the age buckets; the occupation vocabulary).
    pub labels: Vec<String>,
    /// Group index of every user (dense user index).
    pub of_user: Vec<usize>,
}

impl UserGroups {
    /// The users (dense indices, ascending) of group `g`.
    pub fn members(&self, g: usize) -> Vec<u32> {
        self.of_user
            .iter()
            .enumerate()
            .filter(|(_, &x)| x == g)
            .map(|(u, _)| u as u32)
            .collect()
    }
}

/// The dataset's demographic attributes as groups; `None` when it records none
/// (ml-latest-small, ML-10M and later).
pub fn demographic_groups(dataset: &Dataset) -> Option<Vec<UserGroups>> {
    let d = dataset.users.demographics.as_ref()?;
    let gender = UserGroups {
        attribute: "gender".into(),
        labels: vec!["F".into(), "M".into()],
        of_user: d
            .gender
            .iter()
            .map(|g| usize::from(g.label() == "M"))
            .collect(),
    };
    let age = UserGroups {
        attribute: "age".into(),
        labels: AGE_BUCKETS.iter().map(|(_, l)| l.to_string()).collect(),
        of_user: d.age_bucket.iter().map(|&b| usize::from(b)).collect(),
    };
    let occupation = UserGroups {
        attribute: "occupation".into(),
        labels: d.occupations.clone(),
        of_user: d.occupation.iter().map(|&o| usize::from(o)).collect(),
    };
    Some(vec![gender, age, occupation])
}

/// Best and worst group of one metric across an attribute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// `p@10`, `ndcg@10`, `auc` or `rmse`.
    pub metric: String,
    /// The model the metric belongs to.
    pub model: String,
    pub best_group: String,
    pub best: f64,
    pub worst_group: String,
    pub worst: f64,
    /// |best − worst|.
    pub difference: f64,
    /// max / min of the two (≥ 1; `None` when the smaller is 0).
    pub ratio: Option<f64>,
    /// Groups compared.
    pub groups: usize,
}

/// The gap of `values` (group label, value); higher is better unless `lower_is_better`. Ties keep
/// the earlier group. `None` with fewer than one value.
pub fn gap(
    metric: &str,
    model: &str,
    values: &[(String, f64)],
    lower_is_better: bool,
) -> Option<Gap> {
    let better = |a: f64, b: f64| if lower_is_better { a < b } else { a > b };
    let mut best = values.first()?;
    let mut worst = best;
    for v in values {
        if better(v.1, best.1) {
            best = v;
        }
        if better(worst.1, v.1) {
            worst = v;
        }
    }
    let (hi, lo) = if best.1 >= worst.1 {
        (best.1, worst.1)
    } else {
        (worst.1, best.1)
    };
    Some(Gap {
        metric: metric.to_string(),
        model: model.to_string(),
        best_group: best.0.clone(),
        best: best.1,
        worst_group: worst.0.clone(),
        worst: worst.1,
        difference: hi - lo,
        ratio: (lo > 0.0).then(|| hi / lo),
        groups: values.len(),
    })
}
