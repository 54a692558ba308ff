//! The three kinds of network, one file each, and the blocks they share.

pub mod blocks;
mod hide;
mod prep;
mod reveal;

pub use hide::HideNet;
pub use prep::PrepNet;
pub use reveal::RevealNet;
