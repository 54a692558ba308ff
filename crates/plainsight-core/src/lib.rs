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

pub mod backend;
pub mod channel;
pub mod config;
pub mod distort;
pub mod error;
pub mod eval;
pub mod histogram;
pub mod inspect;
pub mod jpeg_approx;
pub mod keys;
pub mod linear_code;
pub mod loss;
pub mod lsb;
pub mod metrics;
pub mod model;
pub mod nets;
pub mod pair_balance;
pub mod pixels;
pub mod refine;
pub mod rs_analysis;
pub mod stego;
pub mod train;

pub use backend::{CpuBackend, CpuTrainBackend};
pub use config::{Architecture, StegoConfig, MAX_SECRETS};
pub use error::{Error, Result};
pub use pixels::RgbImage;
pub use stego::Stego;
