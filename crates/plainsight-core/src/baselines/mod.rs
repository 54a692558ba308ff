//! Classical hiding methods that every table compares the networks with.
//!
//! - [`lsb`]: the secret's top bits written into the cover's low bits.
//! - [`codec`]: the secret compressed (WebP) into the cover's low bits.

pub mod codec;
pub mod lsb;

pub use codec::CodecEmbed;
pub use lsb::Lsb;
