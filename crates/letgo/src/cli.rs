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
    /// Check Go packages for leaks, and fix what can be fixed.
    Check(CheckArgs),
    /// Explain a rule, or list them all.
    Rule(RuleArgs),
    /// Parse Go files and report syntax errors (a debugging aid).
    Parse(ParseArgs),
    /// Find leaks in goroutine dumps and profiles (files or a live endpoint).
    Profile(crate::commands::profile::ProfileArgs),
    /// Per-site growth between two heap (or goroutine) profiles.
    Diff(crate::commands::diff::DiffArgs),
    /// Sample a live /debug/pprof/ endpoint over time and report what keeps growing.
    Watch(crate::commands::watch::WatchArgs),
    /// Run `go test` with a leak check compiled in; blame each leak on its test.
    Test(crate::commands::test::TestArgs),
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Directories (one package), `dir/...` patterns or .go files; the
    /// default is `./...`.
    pub paths: Vec<String>,
    /// Rules to run: codes or prefixes, comma-separated (`LG1,LG201`).
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,
    /// Rules not to run: codes or prefixes, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: crate::report::Format,
    /// Skip `_test.go` files.
    #[arg(long)]
    pub no_tests: bool,
    /// Apply safe fixes to the files, then report what remains.
    #[arg(long)]
    pub fix: bool,
    /// Count unsafe fixes as fixable too: with `--fix` or `--diff` they
    /// are applied; alone, nothing is written (as in ruff).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Print unified diffs of what `--fix` would change and write
    /// nothing; exit 1 when there would be changes.
    #[arg(long)]
    pub diff: bool,
}

#[derive(Args, Debug)]
pub struct RuleArgs {
    /// A rule code (`LG106`) or name (`lost-cancel`); without it, list all.
    pub code: Option<String>,
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
