//! The engine: factorization models and baselines, their training, fold-in of a changed history,
//! incremental retraining, persistence, and the exact decomposition of every score. It knows nothing
//! of user interfaces.

pub mod baselines;
pub mod rating;

/// Anything that scores every item for a known user: what evaluation, explanation and the UI ask.
pub trait Scorer: Send + Sync {
    /// Short model name used in tables and reports (`hybrid-als`, `popularity`, …).
    fn name(&self) -> &str;
    /// Number of items scored.
    fn n_items(&self) -> usize;
    /// Writes a score for every item (higher is better) for dense user index `user` into `out`
    /// (`out.len() == n_items()`).
    fn score_items(&self, user: u32, out: &mut [f32]);
}
