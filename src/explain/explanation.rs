//! One recommendation explained: the feature attribution and the like influences of a score
//! together, with the dataset's ids and the title (what `whyrec explain` and the UI show).

use serde::{Deserialize, Serialize};

use super::attribution::Attribution;
use super::error::ExplainResult;
use super::explainer::{Explainer, Profile};
use super::influence::{InfluenceExplanation, DEFAULT_MEASURED};
use crate::engine::Trainable;

/// Why `item` scores as it does for one user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// Dense user index (`None` for a profile not tied to a training user).
    pub user: Option<u32>,
    /// The dataset's user id.
    pub user_id: Option<u32>,
    pub item: u32,
    /// The dataset's movie id.
    pub movie_id: u32,
    pub title: String,
    /// Number of likes of the profile explained.
    pub likes: usize,
    pub attribution: Attribution,
    pub influence: InfluenceExplanation,
}

impl<M: Trainable> Explainer<M> {
    /// Attribution and influences (top [`DEFAULT_MEASURED`] likes measured) of a training user's
    /// score for `item`.
    pub fn explain(&self, user: u32, item: u32) -> ExplainResult<Explanation> {
        self.explain_profile(&self.profile(user)?, item)
    }

    /// [`Self::explain`] for any profile (e.g. an edited history).
    pub fn explain_profile(&self, profile: &Profile, item: u32) -> ExplainResult<Explanation> {
        let attribution = self.attribute_profile(profile, item)?;
        let influence = self.explain_influence_profile(profile, item, DEFAULT_MEASURED)?;
        Ok(Explanation {
            user: profile.user,
            user_id: profile.user.map(|u| self.catalog().user_id(u)),
            item,
            movie_id: self.catalog().item_id(item),
            title: self.catalog().title(item).to_string(),
            likes: profile.likes.len(),
            attribution,
            influence,
        })
    }
}
