//! One file per subcommand.

pub mod demo;
pub mod eval;
pub mod hide;
pub mod reveal;
pub mod train;
