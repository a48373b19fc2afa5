//! Offline evaluation as PROTOCOL.md defines it: top-k ranking metrics on implicit feedback
//! ([`ranking`]) and RMSE/MAE on explicit ratings ([`rating`]). Every number here can be put beside
//! another system's number on the same split.
//!
//! Beyond accuracy: [`trust`] (coverage, novelty, ILD, stability, seed stability, popularity bias,
//! calibration), the accuracy–coverage [`knob`] (re-ranking strength and its sweep) and the
//! [`fairness`] audit by demographic group, all on the split data of [`eval_data`].

pub mod eval_data;
pub mod experiment;
pub mod fairness;
pub mod knob;
pub mod ranking;
pub mod rating;
pub mod sample;
pub mod trust;

pub use ranking::{
    evaluate_ranking, evaluate_ranking_of, evaluate_ranking_with, RankingMetrics, RankingReport,
    UserRanking,
};
pub use rating::{
    evaluate_ml100k_folds, evaluate_rating, evaluate_splits, rating_errors, FoldResult,
    FoldsReport, ModelFolds, RatingMetrics,
};
pub mod artifacts;
