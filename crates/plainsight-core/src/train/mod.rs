//! Training: options with their defaults and checks ([`options`]), the data
//! sampler ([`sampler`]) and the loop, on burn ([`run`]) or on the direct path
//! ([`direct`], faster on the CPU), which reports to a [`TrainObserver`] and knows
//! nothing of files.

pub mod direct;
pub mod options;
pub mod run;
pub mod sampler;

pub use direct::{train_direct, unsupported as direct_unsupported};
pub use options::{
    CodeKind, CodeOptions, Layout, ModelChoice, TrainOptions, DEFAULT_CODE_GAIN, DEFAULT_KEYED_CODE,
};
pub use run::{train, Checkpoint, Start, StepLoss, TrainObserver};
pub use sampler::CropSampler;
