//! Measurements on pixel buffers: image quality ([`metrics`]), the evaluation
//! protocol over cover/secret pairs ([`eval`]), the container's residual and its
//! spectrum ([`residual`]) and the RS steganalysis estimate ([`rs`]).
//!
//! Knows hiders only through the [`crate::Hider`] trait; nothing here depends on
//! the networks.

pub mod eval;
pub mod metrics;
pub mod residual;
pub mod rs;
