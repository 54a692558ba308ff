//! One file per subcommand.

mod batch;
pub mod completions;
pub mod demo;
pub mod eval;
pub mod hide;
pub mod inspect;
mod model_args;
mod ranges;
pub mod report;
pub mod reveal;
pub mod serve;
pub mod train;
