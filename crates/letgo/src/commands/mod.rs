//! One module per subcommand.

pub mod diff;
pub mod parse;
pub mod profile;
