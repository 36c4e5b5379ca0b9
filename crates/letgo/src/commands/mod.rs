//! One module per subcommand.

pub mod check;
pub mod diff;
pub mod parse;
pub mod profile;
pub mod rule;
pub mod test;
pub mod watch;
