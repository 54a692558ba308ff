//! One file per subcommand.

pub mod train;
