//! The networks: configuration ([`config`]), one file per layout ([`unshuffle`],
//! [`baluja`]) built from shared [`blocks`], the per-role networks ([`nets`]), the
//! whole model ([`StegoNet`]), its fast inference path on the CPU ([`direct`]), Baluja's loss ([`loss`]) and views inside the
//! networks ([`inspect`]); reading and writing weight files ([`weights`]); Adam on plain
//! float slices for the direct path's training and refinement (`adam.rs`).
//!
//! Works on tensors; turning pictures into tensors and back is [`crate::hiding`]'s job.

pub(crate) mod adam;
pub mod baluja;
pub mod blocks;
pub mod config;
pub mod direct;
pub mod inspect;
pub mod keyed;
pub mod loss;
pub mod mix;
pub mod net;
pub mod nets;
pub mod unshuffle;
pub mod weights;

pub use config::{
    check_carries, check_secret_count, Architecture, StegoConfig, DEFAULT_BETA, MAX_SECRETS,
};
pub use net::{StegoNet, StegoOutput};
