//! The command line, as clap reads it.

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(name = "letgo", version, about = "Find Go memory leaks and fix them")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Parse Go files and report syntax errors (a debugging aid).
    Parse(ParseArgs),
    /// Find leaks in goroutine dumps and profiles (files or a live endpoint).
    Profile(crate::commands::profile::ProfileArgs),
    /// Per-site growth between two heap (or goroutine) profiles.
    Diff(crate::commands::diff::DiffArgs),
}

#[derive(Args, Debug)]
pub struct ParseArgs {
    /// Directories (one package), `dir/...` patterns or .go files; the
    /// default is `./...`.
    pub paths: Vec<String>,
    /// Print each file's syntax tree.
    #[arg(long)]
    pub ast: bool,
    /// Skip `_test.go` files.
    #[arg(long)]
    pub no_tests: bool,
}
