//! The numeric kernels of the engine: every dot product ([`dot`]), Gramian ([`gram`]),
//! symmetric positive-definite solve ([`spd`]), conjugate-gradient iteration ([`cg`]) and the
//! small dense eigen-solver of the truncated SVD ([`eigen`]). Models call these and hold no
//! arithmetic loops of this kind of their own.
//!
//! **Determinism.** Every kernel sums in a fixed order (a fixed number of running sums, combined
//! in a fixed order) and never splits one sum across threads in a way that depends on their
//! number ([`gram::cross_gram`] sums fixed chunks of rows in parallel and adds them in order), so its result depends only on its
//! inputs and on the CPU's instruction set: the AVX2/FMA paths (chosen at run time) run the same
//! order of operations as the portable ones but fuse multiply-adds, which may round differently.
//! Parallelism lives above the kernels (one row, one shard, one block per task), which is why the
//! same seed gives byte-identical models and reports at any thread count.

pub(crate) mod cg;
pub(crate) mod dot;
pub(crate) mod eigen;
pub(crate) mod gram;
pub(crate) mod spd;

pub(crate) use cg::{refine, refine_from, symmetric_product};
pub(crate) use dot::{
    dot, dot32, dot_f32x4, dot_f32x8, dot_f32x8_serial, dot_serial, score_rows, score_rows_many,
};
pub(crate) use gram::{add_weighted_gram, cross_gram, gram, weighted_gram};
pub(crate) use spd::{NotPositiveDefinite, Spd};
