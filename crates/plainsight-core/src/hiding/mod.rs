//! Whole pictures in, whole pictures out.
//!
//! - [`stego`]: [`Stego`], a model with its weights: tiles of any image size, the
//!   networks on each tile, rounding to bytes.
//! - [`pipeline`]: what a user's hide and reveal do around it: secrets fitted to
//!   the cover, unused slots filled, keys applied. The CLI, the web page and `eval`
//!   all go through it.
//! - [`progress`]: tile-by-tile progress for a caller that shows it.
//! - [`refine`]: test-time refinement of a container for the reveal network.
//! - `code_maps`: the keyed layout's hide and reveal through whole-picture code maps.
//! - [`keys`]: keyed scrambling of the secrets.
//! - [`layer`]: the exact layer, a digital refinement written in the lowest bits.
//! - [`lattice`]: a closed-form code in the cover's luma DCT that survives JPEG.
//! - [`rounding`]: how float containers become bytes (nearest, pair balance, the
//!   cover's histogram).

mod code_maps;
pub mod keys;
pub mod lattice;
pub mod layer;
pub mod pipeline;
pub mod progress;
pub mod refine;
pub mod rounding;
pub mod stego;

pub use pipeline::Pipeline;
pub use stego::{Engine, Stego};
