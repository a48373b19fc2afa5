//! What a trainer reports after every sweep (ALS) or epoch (WARP/BPR), and how a progress bar
//! shows it: with a convergence test (`AlsConfig::tolerance`), how far the scores' change has come
//! down towards the tolerance.

use std::time::Duration;

/// Positives up to which an ALS sweep also computes its objective for the progress report (ML-10M
/// has 5M; at ML-25M scale the pass costs about a tenth of a sweep and shows nothing the score
/// change does not).
pub const OBJECTIVE_UP_TO: usize = 2_500_000;

/// Reported after every sweep (ALS) or epoch (WARP/BPR).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainProgress {
    /// Sweeps (epochs) done in this run (1-based).
    pub sweep: usize,
    /// Sweeps (epochs) this run will do.
    pub sweeps: usize,
    /// ALS: the training objective after this sweep, computed (one more pass over the positives)
    /// up to [`OBJECTIVE_UP_TO`] positives; beyond, `None` (the change below says how far
    /// training has come). WARP/BPR: the epoch's mean loss per positive (WARP's applied rank
    /// weight, BPR's −ln σ).
    pub objective: Option<f64>,
    /// ALS: the sweep's relative change of every score, `‖ΔPQᵀ‖_F / ‖PQᵀ‖_F` (what the
    /// convergence test compares with `tolerance`). WARP/BPR: `None`.
    pub change: Option<f64>,
    /// ALS: the tolerance the change is tested against (0: none, all sweeps run).
    pub tolerance: f64,
    pub elapsed: Duration,
}

impl TrainProgress {
    /// True when this sweep met the convergence test.
    pub fn converged(&self) -> bool {
        self.change.is_some_and(|c| c < self.tolerance)
    }

    /// How far along, in 0..=1: with a convergence test, the larger of the sweep share and how
    /// far the scores' change has come down towards the tolerance on a log scale (a first sweep
    /// moves them by about 1); without one, the sweep share.
    pub fn fraction(&self) -> f32 {
        let by_sweeps = self.sweep as f64 / self.sweeps.max(1) as f64;
        let by_change = match self.change {
            Some(c) if self.tolerance > 0.0 && self.tolerance < 1.0 && c > 0.0 => {
                (c.ln() / self.tolerance.ln()).clamp(0.0, 1.0)
            }
            Some(c) if self.tolerance > 0.0 && c == 0.0 => 1.0,
            _ => 0.0,
        };
        by_sweeps.max(by_change).clamp(0.0, 1.0) as f32
    }

    /// One line for a progress bar: the sweep, and with a convergence test how much the last
    /// sweep moved the scores against the tolerance.
    pub fn label(&self) -> String {
        match self.change {
            Some(c) if self.tolerance > 0.0 => format!(
                "sweep {} (at most {}): scores moved {c:.1e}, converged below {:.0e}",
                self.sweep, self.sweeps, self.tolerance
            ),
            _ => format!("sweep {} of {}", self.sweep, self.sweeps),
        }
    }

    /// What the progress bars add after the label: the objective when computed, else how much the
    /// sweep moved the scores (empty for a convergence test, whose label says it).
    pub fn detail(&self) -> String {
        match (self.objective, self.change) {
            (Some(o), _) => format!("objective {o:.4}"),
            (None, Some(c)) if self.tolerance == 0.0 => format!("scores moved {c:.1e}"),
            _ => String::new(),
        }
    }
}
