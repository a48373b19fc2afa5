//! Errors of the explain layer: every message names what was wrong (the dataset's own user and
//! movie ids, titles) so that a command line or a UI can show it as it is.

use crate::engine::EngineError;

/// Why an explanation, what-if or counterfactual search could not be produced.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// A dataset user id that is not in the data.
    #[error("unknown user id {id} in {dataset}")]
    UnknownUserId { id: u32, dataset: String },
    /// A dataset movie id that is not in the data.
    #[error("unknown movie id {id} in {dataset}")]
    UnknownItemId { id: u32, dataset: String },
    /// A dense user index beyond the model.
    #[error("user index {index} is out of range (the model has {n} users)")]
    UserOutOfRange { index: u32, n: usize },
    /// A dense item index beyond the model.
    #[error("item index {index} is out of range (the model has {n} items)")]
    ItemOutOfRange { index: u32, n: usize },
    /// A what-if removes a movie the user never liked.
    #[error(
        "user {user} never liked {title} (movie {item}): only the user's likes (ratings >= 4) can be removed"
    )]
    NotLiked { user: u32, item: u32, title: String },
    /// A what-if adds a movie the user already likes.
    #[error("user {user} already likes {title} (movie {item}): only new movies can be added")]
    AlreadyLiked { user: u32, item: u32, title: String },
    /// A what-if with nothing to remove and nothing to add.
    #[error("nothing to change: name at least one like to remove or one movie to add")]
    NoChange,
    /// A counterfactual set was asked for a movie that is not recommended in the first place.
    #[error(
        "{title} (movie {item}) is not in user {user}'s top-{k} (it ranks {rank}): there is no recommendation to remove"
    )]
    NotRecommended {
        user: u32,
        item: u32,
        title: String,
        k: usize,
        rank: String,
    },
    /// The model, the interactions and the catalog do not describe the same users and items.
    #[error("the model and the data do not fit together: {0}")]
    Mismatch(String),
    /// Retraining failed (cancelled, diverged, invalid input).
    #[error(transparent)]
    Engine(#[from] EngineError),
}

/// Result of the explain layer.
pub type ExplainResult<T> = Result<T, ExplainError>;
