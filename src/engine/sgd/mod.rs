//! `warp` and `bpr`: pairwise ranking by SGD on the hybrid representation, with LightFM's
//! semantics (Kula 2015) made reproducible in parallel.
//!
//! # Model
//! `score(u, i) = p_u · q_i + b_i`, with `p_u = e_u + Σ_d x_ud D_d` (demographics),
//! `q_i = e_i + Σ_g x_ig G_g` (genres) and `b_i = own bias_i + Σ_g x_ig bias_g`. Either feature
//! side can be switched off (pure CF). There are no user biases: LightFM keeps them, but a user
//! bias adds the same number to all of that user's scores, so it never changes a ranking and its
//! WARP/BPR gradient is 0 (LightFM applies a non-gradient update to them that does not matter
//! either). Embeddings start uniform in ±0.5/k, biases at 0.
//!
//! # One step (as LightFM's `fit_warp` / `fit_bpr` with `learning_schedule="adagrad"`)
//! For a training positive (u, i): WARP draws uniform items, skipping u's positives, until one, j,
//! scores above `s(u,i) − 1` (at most `max_sampled` counted draws; none found: no update), with
//! weight `L = min(10, ln ⌊(n_items − 1)/draws⌋)`; BPR draws j as the item of a random training
//! interaction (popularity-proportional, as LightFM does; uniform with `bpr_uniform_negatives`),
//! skipping u's positives, with `L = 1 − σ(s(u,i) − s(u,j))`. Then, from the representations
//! before the step, the gradient of `L·(s(u,j) − s(u,i))` goes to every row that composes them:
//! the positive item's own row and genre rows (`−L·p_u`, bias `−L`), the negative's (`+L·p_u`, bias `+L`), the user's own row and
//! demographic rows (`L·(q_j − q_i)`), each scaled by its feature weight. Each parameter θ takes
//! the AdaGrad step `θ ← θ − η(g + αθ)`, `η = learning_rate/√G`, `G ← G + g²`, G starting at 1.
//! Differences from LightFM: L2 (`item_alpha`, `user_alpha`) is this decay on every step that
//! touches a parameter, not LightFM's lazy global rescaling; only the AdaGrad schedule exists
//! (LightFM's `rho`/`epsilon` belong to its AdaDelta schedule and are not used by AdaGrad).
//!
//! # Reproducible Hogwild
//! Users are cut into `shards` contiguous ranges holding about equal numbers of positives (the
//! count is a setting, not the thread count, so results are bit-identical on any rayon pool).
//! Each epoch, shard s shuffles its own positives with the ChaCha8 stream
//! `(seed, epoch, s)`, which also draws its negatives; `epoch` counts every epoch the model was
//! ever trained, across `fit` and `continue_training`. An epoch has
//! `R = max_s ⌈n_s / sync_interval⌉` rounds; in round r shard s takes its positives
//! `[n_s·r/R, n_s·(r+1)/R)`. In a round the shards run in parallel, lock-free: each applies its
//! positives in order, sequentially, to the own rows of its users (which no other shard touches)
//! and to copy-on-write copies of the shared rows it changes (item rows, genre rows, demographic
//! rows, with their accumulators); rows it has not changed are read from the shared parameters,
//! which nobody writes during a round. The round ends with a fixed-order merge: a shared row
//! changed by several shards becomes `base + Σ_s (copy_s − base)` (shards ascending, `f64`,
//! rounded once) — every shard's update is kept, as in Hogwild, but computed on parameters at
//! most one round stale instead of racing — and a row changed by one shard takes its copy. The
//! accumulators merge the same way, so squared gradients of all shards add up. `shards = 1` is
//! sequential LightFM-style SGD. Each shard holds a full-size buffer for its copies of the
//! item-side parameters.

//! # Fold-in and influence
//! [`SgdModel::fold_in`] trains only the own embedding of a new user for `fold_in_epochs` epochs
//! against the frozen item side (`fold.rs`); it starts at 0, so the user vector of a training
//! user's history is a refold, not the trained row (close to it: see `tests/engine/sgd_fold.rs`).
//! Two views of each past like's influence:
//! * [`SgdModel::influences`] (`credit.rs`), *update attribution*: during the fold-in, each like j
//!   is credited with exactly the updates applied to the own embedding while j was the positive
//!   being processed (its gradient and that of the negatives its search drew, at the AdaGrad rates
//!   actually used), every later L2 decay shrinking all credits alike. The credits add up to the
//!   own embedding, so `score = Σ_j c_j·q_i + s_u·q_i + b_i`: one share per like, the demographic
//!   offset's and the item bias, summing to the folded score. It describes the path the fold-in
//!   took, not what removing a like would do;
//! * [`SgdModel::leave_one_out`], the counterfactual: the score change when the user is refolded
//!   without the like (one fold-in per like; not additive).
//!
//! # Files
//! `config.rs` settings, `model.rs` parameters and scoring, `kernel.rs` the numeric kernels,
//! `shard.rs` shards and rounds, `merge.rs` the merge, `train.rs` fit / continue_training,
//! `fold.rs` fold-in and leave-one-out, `credit.rs` update attribution, `explain.rs` the exact
//! decomposition, `persist.rs` files.
//!
//! # Tuning
//! ML-100K holdout-20, mean of split seeds 1–5; every sweep is in `examples/tune_sgd.rs`.
//! WARP: k = 64, learning rate 0.05, max_sampled 10, 50 epochs, alpha 0.25 — P@10 0.199,
//! coverage@10 0.361, AUC 0.927. Less L2 or more epochs trade precision for coverage (alpha 0:
//! 0.179 / 0.390); more L2 the other way (alpha 0.5: 0.219 / 0.308). BPR with LightFM's
//! popularity-proportional negatives peaks at learning rate 0.02, alpha 0.02 (P@10 0.152,
//! coverage 0.384, AUC 0.868); uniform negatives reach P@10 0.201 at coverage 0.19.
//! Four shards merging every 256 positives match sequential SGD; many shards with long rounds
//! overshoot (8 × 4096: P@10 0.11), because every shard's stale update is kept.

mod config;
mod credit;
mod fold;
mod merge;
mod model;
mod persist;
mod shard;
mod step;
mod train;

pub use config::{Loss, SgdConfig};
pub use credit::FoldAttribution;
pub use fold::LeaveOneOut;
pub use model::SgdModel;
pub(crate) use persist::decode;
