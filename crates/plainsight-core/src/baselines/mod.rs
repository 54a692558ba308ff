//! Classical hiding methods that every table compares the networks with.
//!
//! - [`lsb`]: the secret's top bits written into the cover's low bits.

pub mod lsb;

pub use lsb::Lsb;
