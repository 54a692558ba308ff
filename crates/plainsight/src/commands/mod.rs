//! One file per subcommand.

pub mod demo;
pub mod eval;
pub mod hide;
pub mod inspect;
mod model_args;
pub mod reveal;
pub mod serve;
pub mod train;
