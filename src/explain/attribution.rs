//! Feature attribution: one score split into named parts.
//!
//! The engine decomposes `score(u, i) = p_u · q_i` exactly into terms (user part × item part), user
//! parts being the user's own embedding and each demographic feature, item parts the item's own
//! embedding and each genre (and, for models that have them, biases named [`BIAS_PART`]). The
//! terms are assigned to named parts by one symmetric rule:
//!
//! | term | goes to |
//! |---|---|
//! | own × own | `collaborative` (the item's own collaborative part, read by the user's taste) |
//! | own × genre g | g |
//! | demographic d × own | d |
//! | demographic d × genre g | half to d, half to g |
//! | any term with a bias side | that bias (`bias:item`, `bias:user`, `bias:global`) |
//!
//! Every term is assigned in full (the halves add up to the term), so the parts sum to the score
//! up to `f32` rounding (the crate's tests check ≤ 1e-5 relative on every ML-100K user × top-10).

use serde::{Deserialize, Serialize};

use super::error::ExplainResult;
use super::explainer::{Explainer, Profile};
use crate::engine::{FoldedUser, ScoreTerm};
use crate::engine::{Trainable, BIAS_PART, OWN_PART};

/// What a part of a score stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartKind {
    /// The user's own taste times the item's own embedding.
    Collaborative,
    /// A feature of the item (a genre in MovieLens).
    ItemFeature,
    /// A demographic feature of the user.
    UserFeature,
    /// A bias term (models with biases only).
    Bias,
}

/// One named part of a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionPart {
    /// `collaborative`, the feature name (`genre:Sci-Fi`, `gender:F`, `age:25-34`, …) or a bias.
    pub name: String,
    pub kind: PartKind,
    pub value: f32,
    /// `value / score` (0 when the score is 0).
    pub share: f32,
}

/// A score split into named parts, ranked by contribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attribution {
    /// Dense item index.
    pub item: u32,
    /// The model's score of the item for this user.
    pub score: f32,
    /// Every part, largest value first (positive parts, then negative ones, the most negative
    /// last); ties by name.
    pub parts: Vec<AttributionPart>,
}

impl Attribution {
    /// Parts that raise the score, largest first.
    pub fn positive(&self) -> impl Iterator<Item = &AttributionPart> {
        self.parts.iter().filter(|p| p.value > 0.0)
    }

    /// Parts that lower the score, most negative first.
    pub fn negative(&self) -> impl Iterator<Item = &AttributionPart> {
        self.parts.iter().rev().filter(|p| p.value < 0.0)
    }

    /// Sum of the parts in `f64` (equals the score up to rounding).
    pub fn sum(&self) -> f64 {
        self.parts.iter().map(|p| f64::from(p.value)).sum()
    }
}

/// Assigns the terms of one score to named parts (see the module docs for the rule).
pub fn assign_terms(terms: &[ScoreTerm], score: f32) -> Vec<AttributionPart> {
    let mut parts: Vec<(String, PartKind, f64)> = Vec::new();
    let mut add =
        |name: &str, kind: PartKind, value: f64| match parts.iter_mut().find(|p| p.0 == name) {
            Some(p) => p.2 += value,
            None => parts.push((name.to_string(), kind, value)),
        };
    for t in terms {
        let v = f64::from(t.value);
        let (u, i) = (t.user_part.as_str(), t.item_part.as_str());
        match (u, i) {
            (BIAS_PART, BIAS_PART) => add("bias:global", PartKind::Bias, v),
            (_, BIAS_PART) => add("bias:item", PartKind::Bias, v),
            (BIAS_PART, _) => add("bias:user", PartKind::Bias, v),
            (OWN_PART, OWN_PART) => add("collaborative", PartKind::Collaborative, v),
            (OWN_PART, genre) => add(genre, PartKind::ItemFeature, v),
            (demo, OWN_PART) => add(demo, PartKind::UserFeature, v),
            (demo, genre) => {
                add(demo, PartKind::UserFeature, v / 2.0);
                add(genre, PartKind::ItemFeature, v / 2.0);
            }
        }
    }
    let total = f64::from(score);
    let mut out: Vec<AttributionPart> = parts
        .into_iter()
        .map(|(name, kind, value)| AttributionPart {
            share: if total == 0.0 {
                0.0
            } else {
                (value / total) as f32
            },
            name,
            kind,
            value: value as f32,
        })
        .collect();
    out.sort_by(|a, b| {
        b.value
            .total_cmp(&a.value)
            .then_with(|| a.name.cmp(&b.name))
    });
    out
}

impl<M: Trainable> Explainer<M> {
    /// The named parts of a training user's score for `item`.
    pub fn attribute(&self, user: u32, item: u32) -> ExplainResult<Attribution> {
        self.attribute_profile(&self.profile(user)?, item)
    }

    /// The named parts of the score of `item` for any (e.g. edited) profile, folded in.
    pub fn attribute_profile(&self, profile: &Profile, item: u32) -> ExplainResult<Attribution> {
        self.check_profile(profile)?;
        self.check_item(item)?;
        let folded = self.fold(profile);
        let scores = self.model_scores(&folded);
        Ok(self.attribute_folded(&folded, item, scores[item as usize]))
    }

    pub(crate) fn attribute_folded(
        &self,
        folded: &FoldedUser,
        item: u32,
        score: f32,
    ) -> Attribution {
        let terms = self.model().decompose_folded(folded, item);
        Attribution {
            item,
            score,
            parts: assign_terms(&terms, score),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn term(u: &str, i: &str, value: f32) -> ScoreTerm {
        ScoreTerm {
            user_part: u.into(),
            item_part: i.into(),
            value,
        }
    }

    #[test]
    fn cross_terms_split_half_and_half_and_parts_sum_to_the_score() {
        let terms = [
            term("own", "own", 1.0),
            term("own", "genre:Drama", 0.5),
            term("gender:F", "own", -0.25),
            term("gender:F", "genre:Drama", 0.2),
            term("own", "bias", 0.1),
        ];
        let parts = assign_terms(&terms, 1.55);
        let get = |n: &str| parts.iter().find(|p| p.name == n).unwrap().value;
        assert_eq!(get("collaborative"), 1.0);
        assert!((get("genre:Drama") - 0.6).abs() < 1e-6);
        assert!((get("gender:F") + 0.15).abs() < 1e-6);
        assert!((get("bias:item") - 0.1).abs() < 1e-6);
        let sum: f32 = parts.iter().map(|p| p.value).sum();
        assert!((sum - 1.55).abs() < 1e-6);
        assert_eq!(parts[0].name, "collaborative");
        assert_eq!(parts.last().unwrap().name, "gender:F");
        assert_eq!(parts[0].kind, PartKind::Collaborative);
    }
}
