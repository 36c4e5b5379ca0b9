//! letgo: find Go memory leaks and fix them.
//!
//! Exit codes follow `go vet` and golangci-lint: 0 nothing found, 1
//! findings, 2 usage or input error (including syntax errors).

// Non-panicking stand-ins for the std printing macros (see `console`),
// defined before the modules so that they shadow std's in all of them.
macro_rules! println {
    () => { $crate::console::out(format_args!(""), true) };
    ($($t:tt)*) => { $crate::console::out(format_args!($($t)*), true) };
}
macro_rules! print {
    ($($t:tt)*) => { $crate::console::out(format_args!($($t)*), false) };
}
macro_rules! eprintln {
    () => { $crate::console::err(format_args!(""), true) };
    ($($t:tt)*) => { $crate::console::err(format_args!($($t)*), true) };
}

mod cli;
mod commands;
mod config;
mod console;
mod fix_write;
mod gotest;
mod paths;
mod report;
mod runtime_args;
mod runtime_findings;
mod runtime_http;
mod runtime_input;
mod runtime_source;
mod runtime_static;
mod runtime_summary;
mod watch;

use clap::Parser;
use std::process::ExitCode;

// `letgo check` builds and frees millions of small tree nodes from two
// threads; glibc's malloc spent a third of a run over GOROOT doing that.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    // Trees as deep as Go allows (100,000 levels) are walked and freed
    // recursively, here as on the parse threads: run on a stack sized for
    // them. The memory is only reserved; a thread that cannot be started
    // is an error, not a crash.
    let worker = std::thread::Builder::new()
        .name("letgo".into())
        .stack_size(letgo_go::PARSE_STACK_SIZE)
        .spawn(move || run(&cli));
    match worker.map(|w| w.join()) {
        // A report that could not be written is no report: exit 2.
        Ok(Ok(_)) if console::failed() => ExitCode::from(2),
        Ok(Ok(code)) => code,
        Ok(Err(panic)) => std::panic::resume_unwind(panic),
        Err(e) => {
            eprintln!("letgo: cannot start the main thread: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: &cli::Cli) -> ExitCode {
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
