//! plainsight-core: deep steganography after Baluja, "Hiding Images in Plain Sight"
//! (NeurIPS 2017) and "Hiding Images within Images" (PAMI 2019).
//!
//! A preparation network per secret, one hiding network that writes the secrets
//! into a cover photo (the *container*), and a reveal network per secret that reads
//! them back from the container alone. Everything here takes and returns 8-bit RGB
//! pixel buffers ([`RgbImage`]); reading and writing files is the caller's job.
//!
//! ```
//! use plainsight_core::{CpuBackend, RgbImage, Stego, StegoConfig};
//!
//! let device = Default::default();
//! let config = StegoConfig::new(1).unwrap();
//! // Trained weights come from `Stego::from_bytes(config_json, weights, device)`.
//! let stego = Stego::<CpuBackend>::new(config.clone(), config.init(&device), device);
//! let cover = RgbImage::filled(32, 32, [90, 140, 200]).unwrap();
//! let secret = RgbImage::filled(32, 32, [250, 200, 10]).unwrap();
//! let container = stego.hide(&cover, &[secret]).unwrap();
//! let revealed = stego.reveal(&container, 1).unwrap();
//! assert_eq!(revealed[0].width(), 32);
//! ```

//! # Layers
//!
//! Each folder may use the ones listed before it, never one after
//! (`tests/layers.rs` checks it; `docs/architecture.md` draws it):
//!
//! 1. [`error`], [`backend`], [`pixels`] and the [`Hider`] trait: the vocabulary.
//! 2. [`channel`]: what happens to a container (JPEG, noise, resizing, rounding) for
//!    real and as differentiable models; [`code`]: closed-form linear hiding codes.
//! 3. [`analysis`]: metrics, the evaluation protocol, residual spectra, steganalysis.
//! 4. [`model`]: the networks, one file per layout, and the loss.
//! 5. [`hiding`]: whole pictures through a model (tiles, rounding, refinement, keys,
//!    the user-facing pipeline); [`baselines`]: classical hiding to compare with.
//! 6. [`train`]: the training loop, its options and data.

pub mod analysis;
pub mod backend;
pub mod baselines;
pub mod channel;
pub mod code;
pub mod error;
mod hider;
pub mod hiding;
pub mod model;
pub mod pixels;
pub mod train;

pub use backend::{CpuBackend, CpuTrainBackend};
pub use error::{Error, Result};
pub use hider::Hider;
pub use hiding::{Pipeline, Stego};
pub use model::{check_carries, check_secret_count, Architecture, StegoConfig, MAX_SECRETS};
pub use pixels::RgbImage;
