//! letgo: find Go memory leaks and fix them.
//!
//! Exit codes follow `go vet` and golangci-lint: 0 nothing found, 1
//! findings, 2 usage or input error (including syntax errors).

mod atomic_write;
mod cli;
mod commands;
mod config;
mod gotest;
mod paths;
mod report;
mod runtime_findings;
mod runtime_http;
mod runtime_input;
mod runtime_source;
mod runtime_static;
mod watch;

use clap::Parser;
use std::process::ExitCode;

// `letgo check` builds and frees millions of small tree nodes from two
// threads; glibc's malloc spent a third of a run over GOROOT doing that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let result = match &cli.command {
        cli::Command::Check(args) => commands::check::run(args),
        cli::Command::Rule(args) => commands::rule::run(args),
        cli::Command::Parse(args) => commands::parse::run(args),
        cli::Command::Profile(args) => commands::profile::run(args),
        cli::Command::Diff(args) => commands::diff::run(args),
        cli::Command::Watch(args) => commands::watch::run(args),
        cli::Command::Test(args) => commands::test::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("letgo: {err:#}");
            ExitCode::from(2)
        }
    }
}
