//! Closed-form hiding codes: linear maps per pixel block, measured on photos, that
//! hide and reveal with no training. The default networks start from one
//! (docs/model.md), so training only has to learn corrections.
//!
//! Depends only on [`crate::pixels`].

pub mod linear;

pub use linear::{
    measure_slot_noise, Affine, BlockStatistics, LinearCode, SlotBasis, SplitCode, JPEG420_FACTOR,
    ROBUST_COVER_WEIGHT,
};
