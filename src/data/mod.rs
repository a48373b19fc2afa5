//! The data layer: MovieLens variants (registry, download, parsing), the in-memory [`Dataset`],
//! derived sparse structures, evaluation splits, exploratory statistics and synthetic data.
//! Nothing here knows about models or user interfaces.

pub mod choice;
pub mod csr;
pub mod datadir;
pub mod dataset;
pub mod download;
pub mod eda;
pub mod error;
pub mod interactions;
pub mod parse;
pub mod registry;
pub mod scratch;
pub mod split;
pub mod synth;
pub mod text;
pub mod twins;

pub use choice::DatasetChoice;
pub use csr::Csr;
pub use dataset::Dataset;
pub use error::{DataError, DataResult};
pub use interactions::{FeatureMatrix, Positives};
pub use parse::{load_dir, load_kind, LoadOptions};
pub use registry::DatasetKind;
